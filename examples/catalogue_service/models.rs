//! The catalogue's models: authors, their books, and tags on books.

use orm_core::prelude::*;

#[derive(Model, Debug, Default)]
pub struct Author {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    #[relationship(back_populates = "author", order_by = "id")]
    pub books: Many<Book>,
}

#[derive(Model, Debug, Default)]
pub struct Book {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub title: String,
    pub year: i64,
    #[column(foreign_key = "author.id")]
    pub author_id: Option<i64>,
    #[relationship(back_populates = "books")]
    pub author: One<Author>,
    #[relationship(secondary = BookTag, back_populates = "books", order_by = "name")]
    pub tags: Many<Tag>,
}

#[derive(Model, Debug, Default)]
pub struct Tag {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[column(unique)]
    pub name: String,
    #[relationship(secondary = BookTag, back_populates = "tags")]
    pub books: Many<Book>,
}

/// The association table between books and tags.
#[derive(Table)]
pub struct BookTag {
    #[column(primary_key, foreign_key = "book.id", on_delete = "cascade")]
    pub book_id: i64,
    #[column(primary_key, foreign_key = "tag.id", on_delete = "cascade")]
    pub tag_id: i64,
}
