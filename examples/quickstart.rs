//! The one-to-many / many-to-one seed patterns end to end on in-memory
//! SQLite, with echo on: every statement is printed as it is sent.
//!
//! Run with `cargo run --example quickstart`.

use orm_core::prelude::*;

#[derive(Model, Debug, Default)]
#[model(table = "parent")]
pub struct Parent {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    #[relationship(back_populates = "parent")]
    pub children: Many<Child>,
}

#[derive(Model, Debug, Default)]
#[model(table = "child")]
pub struct Child {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    #[column(foreign_key = "parent.id")]
    pub parent_id: Option<i64>,
    #[relationship(back_populates = "children")]
    pub parent: One<Parent>,
}

fn show(engine: &Engine, title: &str) -> orm_core::Result<()> {
    println!("-- {title}");
    for table in ["parent", "child"] {
        let sql = if table == "parent" {
            "SELECT id, name FROM parent ORDER BY id"
        } else {
            "SELECT id, name, parent_id FROM child ORDER BY id"
        };
        for row in engine.query(sql, &[])? {
            let row: Vec<String> = row.iter().map(ToString::to_string).collect();
            println!("   {table}: ({})", row.join(", "));
        }
    }
    Ok(())
}

fn main() -> orm_core::Result<()> {
    let registry = Registry::global()?;
    let engine = orm_sqlite::memory()?.echo(true);
    registry.create_all(&engine)?;
    let session = Session::new(&engine, &registry);

    println!("\n== back_populates works before any session sees the objects");
    let parent = Obj::new(Parent {
        id: Some(1),
        name: "parent 1".into(),
        ..Default::default()
    });
    let child = Obj::new(Child {
        id: Some(5),
        name: "child 5".into(),
        ..Default::default()
    });
    child.set(Child::parent, &parent)?;
    let ids: Vec<Option<i64>> = parent
        .get(Parent::children)?
        .iter()
        .map(|c| c.borrow().id)
        .collect();
    println!("parent.children ids: {ids:?}");

    println!("\n== add the parent (its children come along) and commit");
    let second = Obj::new(Child {
        name: "child 6".into(),
        ..Default::default()
    });
    parent.append(Parent::children, &second)?;
    session.add(&parent)?;
    session.commit()?;
    show(&engine, "after commit")?;

    println!("\n== move a child to a new parent: one UPDATE");
    let other = Obj::new(Parent {
        name: "parent 2".into(),
        ..Default::default()
    });
    other.append(Parent::children, &second)?;
    session.add(&other)?;
    session.commit()?;
    show(&engine, "after move")?;

    println!("\n== remove a child: its foreign key becomes NULL");
    parent.remove(Parent::children, &child)?;
    session.commit()?;
    show(&engine, "after remove")?;

    println!("\n== a new session: identity map and lazy loading");
    drop(session);
    let session = Session::new(&engine, &registry);
    let loaded = session.get::<Parent>(2)?.expect("parent 2");
    let again = session
        .query::<Parent>()
        .filter(Parent::name.eq("parent 2"))
        .one()?;
    println!("same object: {}", loaded.ptr_eq(&again));
    let kids = loaded.get(Parent::children)?; // SELECT on first use
    println!(
        "parent 2 children: {:?}",
        kids.iter()
            .map(|c| c.borrow().name.clone())
            .collect::<Vec<_>>()
    );

    println!("\n== delete a parent: its children's foreign keys are cleared");
    session.delete(&loaded)?;
    session.commit()?;
    show(&engine, "after delete")?;
    Ok(())
}
