use orm_core::prelude::*;

#[derive(Model)]
pub struct Node {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[relationship(secondary = String)]
    pub links: Many<Node>,
}

fn main() {}
