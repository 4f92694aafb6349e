use orm_core::prelude::*;

#[derive(Model)]
pub struct User {
    #[column(primary_key = "yes")]
    pub id: Option<i64>,
}

fn main() {}
