use orm_core::prelude::*;

#[derive(Model)]
pub struct Account {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[column(name = "ID")]
    pub legacy_id: i64,
}

fn main() {}
