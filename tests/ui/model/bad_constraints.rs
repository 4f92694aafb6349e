use orm_core::prelude::*;

#[derive(Model, Default)]
#[model(index(title, nope), unique(author), index(), check = " ")]
pub struct Book {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub title: String,
    #[column(foreign_key = "author.id")]
    pub author_id: Option<i64>,
    #[relationship]
    pub author: One<Author>,
}

#[derive(Model, Default)]
pub struct Author {
    #[column(primary_key)]
    pub id: Option<i64>,
}

fn main() {}
