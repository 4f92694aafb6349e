use orm_core::prelude::*;

#[derive(Model)]
pub struct Node {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[column(foreign_key = "node.id")]
    pub parent_id: Option<i64>,
    #[relationship(lazy = "selectin")]
    pub children: Many<Node>,
    #[relationship(lazy = "joined")]
    pub parent: One<Node>,
}

fn main() {}
