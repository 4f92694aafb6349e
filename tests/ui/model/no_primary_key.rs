use orm_core::prelude::*;

#[derive(Model)]
pub struct User {
    pub id: Option<i64>,
    pub name: String,
}

fn main() {}
