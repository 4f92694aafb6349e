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
    pub year: i64,
    #[relationship(back_populates = "books")]
    pub author: One<Author>,
}

#[derive(Model, Default)]
pub struct Reader {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: String,
}

fn main() {
    let registry = Registry::builder().model::<Author>().build().unwrap();
    let engine = orm_sqlite::memory().unwrap();
    let session = Session::new(&engine, &registry);
    // Book is joined, Reader is not.
    let _ = session
        .query::<Author>()
        .join(Author::books)
        .filter(Book::year.gt(2000))
        .filter(Reader::name.eq("Ann"));
}
