use orm_core::prelude::*;

#[derive(Model)]
#[model(table = users)]
pub struct User {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[column(name = 1)]
    pub name: String,
}

fn main() {}
