use orm_core::prelude::*;

#[derive(Model)]
pub struct User {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[column(collation = "nocase")]
    pub name: String,
}

fn main() {}
