use orm_core::prelude::*;

#[derive(Model)]
pub struct Node {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[column(foreign_key = "node.id")]
    pub parent_id: Option<i64>,
    #[relationship(order_by = "name sideways")]
    pub children: Many<Node>,
    #[relationship(order_by = "id")]
    pub parent: One<Node>,
}

fn main() {}
