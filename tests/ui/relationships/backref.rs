use orm_core::prelude::*;

#[derive(Model)]
pub struct Node {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[column(foreign_key = "node.id")]
    pub parent_id: Option<i64>,
    #[relationship(backref = "parent")]
    pub children: Many<Node>,
    #[relationship(backref(name = "first_children", uselist = true))]
    pub first_parent: One<Node>,
}

fn main() {}
