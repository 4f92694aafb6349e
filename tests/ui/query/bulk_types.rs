use orm_core::prelude::*;

#[derive(Model, Default)]
pub struct Author {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    #[relationship(back_populates = "author")]
    pub books: Many<Book>,
}

#[derive(Model, Default)]
pub struct Book {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[column(foreign_key = "author.id")]
    pub author_id: Option<i64>,
    pub title: String,
    pub copies: i32,
    #[relationship(back_populates = "books")]
    pub author: One<Author>,
}

fn main() {
    let registry = Registry::builder().model::<Author>().build().unwrap();
    let engine = orm_sqlite::memory().unwrap();
    let session = Session::new(&engine, &registry);
    // A text column set to a number.
    let _ = session.query::<Book>().update(Book::title.set(3));
    // Arithmetic on a text column.
    let _ = Book::title + 1;
    // Another model's column in the assignments.
    let _ = session.query::<Book>().update(Author::name.set("x"));
    // A joined query has no bulk update: one UPDATE statement cannot join.
    let _ = session.query::<Author>().join(Author::books).delete();
}
