use orm_core::prelude::*;

#[derive(Model)]
pub struct Account {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[column(version)]
    pub version: i64,
    #[column(version)]
    pub revision: i64,
}

fn main() {}
