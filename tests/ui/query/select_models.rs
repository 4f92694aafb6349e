use orm_core::prelude::*;
use orm_core::count;

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
    #[relationship(back_populates = "books")]
    pub author: One<Author>,
}

fn main() {
    let registry = Registry::builder().model::<Author>().build().unwrap();
    let engine = orm_sqlite::memory().unwrap();
    let session = Session::new(&engine, &registry);
    // A column of a model that is not joined.
    let _ = session.select((Author::name, count(Book::id))).all();
    // Grouping by it.
    let _ = session.select(Author::name).group_by(Book::id);
    // An aggregate in WHERE: it belongs in `having`.
    let _ = session.query::<Author>().join(Author::books).filter(count(Book::id).gt(1));
}
