use orm_core::prelude::*;

#[derive(Model)]
#[model(schema = "main")]
pub struct User {
    #[column(primary_key)]
    pub id: Option<i64>,
}

fn main() {}
