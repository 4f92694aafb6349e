use orm_core::prelude::*;

#[derive(Model)]
pub struct User {
    #[column(primry_key)]
    pub id: Option<i64>,
}

fn main() {}
