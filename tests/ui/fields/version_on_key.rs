use orm_core::prelude::*;

#[derive(Model)]
pub struct Account {
    #[column(primary_key, version)]
    pub id: i64,
}

#[derive(Model)]
pub struct Entry {
    #[column(primary_key)]
    pub id: i64,
    #[column(version, foreign_key = "account.id")]
    pub account_id: i64,
}

fn main() {}
