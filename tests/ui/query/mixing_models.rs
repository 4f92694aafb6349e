use orm_core::prelude::*;

#[derive(Model, Default)]
pub struct Book {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub year: i64,
}

#[derive(Model, Default)]
pub struct Author {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: String,
}

fn main() {
    let registry = Registry::builder().model::<Book>().build().unwrap();
    let engine = orm_sqlite::memory().unwrap();
    let session = Session::new(&engine, &registry);
    // A condition on another model's column, without a join.
    let _ = session.query::<Book>().filter(Author::name.eq("Ann"));
    // Two models in one condition.
    let _ = Book::year.gt(2000).and(Author::name.eq("Ann"));
    let _ = Book::year.gt(2000) | Author::name.eq("Ann");
    // Ordering by another model's column.
    let _ = session.query::<Book>().order_by(Author::name);
}
