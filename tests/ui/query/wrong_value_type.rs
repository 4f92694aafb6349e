use orm_core::prelude::*;

#[derive(Model, Default)]
pub struct Book {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub title: String,
    pub year: i64,
    pub subtitle: Option<String>,
}

fn main() {
    // A text column compared with an integer.
    let _ = Book::title.eq(5);
    // An integer column compared with text.
    let _ = Book::year.gt("2000");
    // A list of the wrong type.
    let _ = Book::year.in_(["1999", "2000"]);
    // A nullable text column compared with a number.
    let _ = Book::subtitle.ne(1.5);
    // Patterns on a column that is not text.
    let _ = Book::year.like("19%");
}
