use orm_core::prelude::*;

#[derive(Model)]
pub struct Counter {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub hits: u128,
}

fn main() {}
