use orm_core::prelude::*;

#[derive(Model, Default)]
pub struct Node {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[column(foreign_key = "node.id")]
    pub parent_id: Option<i64>,
    pub name: String,
    #[relationship(back_populates = "parent")]
    pub children: Many<Node>,
    #[relationship(back_populates = "children")]
    pub parent: One<Node>,
}

fn main() {
    let registry = Registry::builder().model::<Node>().build().unwrap();
    let engine = orm_sqlite::memory().unwrap();
    let session = Session::new(&engine, &registry);
    // The aliased copy is only in a query that joined it with join_aliased.
    let _ = session.query::<Node>().filter(Node::name.aliased().eq("x"));
    let _ = session.query::<Node>().join(Node::children).order_by(Node::name.aliased());
    // Its columns keep their types.
    let _ = session.query::<Node>().join_aliased(Node::children).filter(Node::name.aliased().eq(3));
}
