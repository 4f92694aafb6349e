use orm_core::prelude::*;

#[derive(Model)]
pub struct Code {
    #[column(primary_key, autoincrement)]
    pub code: String,
}

#[derive(Model)]
pub struct Counter {
    #[column(primary_key, autoincrement = true)]
    pub id: i64,
}

fn main() {}
