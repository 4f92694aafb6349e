use orm_core::prelude::*;
use std::time::Instant;
#[derive(Model, Debug, Default)]
#[model(table = "node")]
pub struct Node {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[column(foreign_key = "node.id")]
    pub parent_id: Option<i64>,
    #[relationship(back_populates = "children")]
    pub parent: One<Node>,
    #[relationship(back_populates = "parent", cascade = "all")]
    pub children: Many<Node>,
}
fn main() -> orm_core::Result<()> {
    let n: usize = std::env::args().nth(1).unwrap().parse().unwrap();
    let registry = Registry::builder().model::<Node>().build()?;
    let engine = orm_sqlite::memory()?;
    registry.create_all(&engine)?;
    let s = Session::new(&engine, &registry);
    let t = Instant::now();
    let root = Obj::new(Node::default());
    let mut last = root.clone();
    for _ in 1..n {
        let c = Obj::new(Node::default());
        last.append(Node::children, &c)?;
        last = c;
    }
    s.add(&root)?;
    println!("build+add {:?}", t.elapsed());
    let t = Instant::now();
    s.commit()?;
    println!("insert {:?}", t.elapsed());
    let t = Instant::now();
    s.delete(&root)?;
    s.commit()?;
    println!("delete {:?}", t.elapsed());
    Ok(())
}
