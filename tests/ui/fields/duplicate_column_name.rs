use orm_core::prelude::*;

#[derive(Model)]
pub struct User {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub login: String,
    #[column(name = "login")]
    pub username: String,
}

fn main() {}
