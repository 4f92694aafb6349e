use orm_core::prelude::*;

#[derive(Model)]
pub struct Node {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[relationship]
    pub tags: Many<String>,
}

fn main() {}
