use orm_core::prelude::*;

#[derive(Model)]
pub struct Account {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[column(version)]
    pub version: Option<i64>,
}

#[derive(Model)]
pub struct Ledger {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[column(version)]
    pub revision: String,
}

fn main() {}
