use orm_core::prelude::*;

#[derive(Model)]
pub struct User {
    #[column(primary_key, primary_key)]
    pub id: Option<i64>,
    // A key repeated in a second #[column] attribute is a duplicate too.
    #[column(name = "login")]
    #[column(name = "username")]
    pub name: String,
}

fn main() {}
