// Every error in a struct is reported in one build, not just the first.
use orm_core::prelude::*;

#[derive(Model)]
#[model(tabel = "nodes")]
pub struct Node {
    #[column(primry_key, unique, unique)]
    pub id: Option<i64>,
    #[column(foreign_key = "nodeid", autoincrement)]
    pub parent_id: Option<i64>,
    #[relationship(back_populate = "parent", cascade = "all, delet", lazy = "eager")]
    pub children: Many<Node>,
}

fn main() {}
