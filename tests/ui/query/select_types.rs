use orm_core::prelude::*;
use orm_core::{count, sum};

#[derive(Model, Default)]
pub struct Book {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub title: String,
    pub year: i32,
}

fn main() {
    let registry = Registry::builder().model::<Book>().build().unwrap();
    let engine = orm_sqlite::memory().unwrap();
    let session = Session::new(&engine, &registry);
    // A count is an i64, not a String.
    let _: Vec<(String, String)> = session.select((Book::title, count(Book::id))).all().unwrap();
    // A column reads back as its field type.
    let _: Vec<i64> = session.select(Book::year).all().unwrap();
    // Only numeric columns have a sum.
    let _ = sum(Book::title);
    // An aggregate compares with a value of its result type.
    let _ = count(Book::id).gt("many");
}
