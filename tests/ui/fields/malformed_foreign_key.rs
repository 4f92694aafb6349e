use orm_core::prelude::*;

#[derive(Model)]
pub struct Node {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[column(foreign_key = "nodeid")]
    pub a: Option<i64>,
    #[column(foreign_key = "node.")]
    pub b: Option<i64>,
    #[column(foreign_key = ".id")]
    pub c: Option<i64>,
    #[column(foreign_key = "main.node.id")]
    pub d: Option<i64>,
}

fn main() {}
