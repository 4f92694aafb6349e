use orm_core::prelude::*;

#[derive(Model)]
pub struct Membership {
    #[column(primary_key, autoincrement = true)]
    pub group_id: Option<i64>,
    #[column(primary_key)]
    pub user_id: i64,
}

fn main() {}
