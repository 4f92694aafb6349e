use orm_core::prelude::*;

#[derive(Model)]
pub struct Ticket {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[column(autoincrement)]
    pub number: Option<i64>,
}

fn main() {}
