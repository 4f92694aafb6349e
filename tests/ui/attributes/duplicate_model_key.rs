use orm_core::prelude::*;

#[derive(Model)]
#[model(table = "users", table = "people")]
pub struct User {
    #[column(primary_key)]
    pub id: Option<i64>,
}

fn main() {}
