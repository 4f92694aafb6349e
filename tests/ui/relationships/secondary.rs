use orm_core::prelude::*;

#[derive(Model)]
pub struct Node {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[relationship(secondary = "node_link")]
    pub links: Many<Node>,
    #[relationship(secondary = links::NodeLink)]
    pub other_links: Many<Node>,
}

fn main() {}
