//! Seed pattern: **One To Many**, bidirectional with `back_populates`.
//!
//! In SQLAlchemy the `child` table carries a `parent_id` foreign key to
//! `parent.id`; `Parent.children` is a relationship to `Child` whose
//! `back_populates` names `parent`, and `Child.parent` is the relationship
//! back to `Parent` whose `back_populates` names `children`. The foreign key
//! tells the ORM which side is the "one" and which the "many".
//!
//! Here the same mapping is a `Many<Child>` field on `Parent` and a
//! `One<Parent>` field on `Child`, each naming the other.
//!
//! Run with `cargo run --example one_to_many`.

use orm_core::prelude::*;

#[path = "support/mod.rs"]
mod support;
use support::print_rows;

/// The "one" side: a parent has a collection of children.
#[derive(Model, Debug, Default)]
#[model(table = "parent")]
pub struct Parent {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    /// One-to-many: the foreign key is on the child's table.
    #[relationship(back_populates = "parent")]
    pub children: Many<Child>,
}

/// The "many" side: each child holds the foreign key to its parent.
#[derive(Model, Debug, Default)]
#[model(table = "child")]
pub struct Child {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    #[column(foreign_key = "parent.id")]
    pub parent_id: Option<i64>,
    /// Many-to-one: the mirror of `Parent.children`.
    #[relationship(back_populates = "children")]
    pub parent: One<Parent>,
}

fn parent(name: &str) -> Obj<Parent> {
    Obj::new(Parent {
        name: name.into(),
        ..Default::default()
    })
}

fn child(name: &str) -> Obj<Child> {
    Obj::new(Child {
        name: name.into(),
        ..Default::default()
    })
}

/// The names of a parent's children, as held in memory.
fn children_of(p: &Obj<Parent>) -> orm_core::Result<Vec<String>> {
    Ok(p.get(Parent::children)?
        .iter()
        .map(|c| c.borrow().name.clone())
        .collect())
}

/// The name of a child's parent, as held in memory.
fn parent_of(c: &Obj<Child>) -> orm_core::Result<Option<String>> {
    Ok(c.get(Child::parent)?.map(|p| p.borrow().name.clone()))
}

fn main() -> orm_core::Result<()> {
    // Registering `Parent` is enough: `Child` is reached through its
    // relationship. The registry orders the tables: parent before child.
    let registry = Registry::builder().model::<Parent>().build()?;
    let engine = orm_sqlite::memory()?.echo(true);
    registry.create_all(&engine)?;
    let session = Session::new(&engine, &registry);
    let tables = ["parent", "child"];

    println!("\n== both sides stay in sync in memory, before any session or flush");
    let p1 = parent("p1");
    let a = child("a");
    let b = child("b");
    a.set(Child::parent, &p1)?; // from the many-to-one side...
    p1.append(Parent::children, &b)?; // ...and from the collection side
    println!("p1.children = {:?}", children_of(&p1)?);
    println!("a.parent    = {:?}", parent_of(&a)?);
    println!("b.parent    = {:?}", parent_of(&b)?);

    println!("\n== add the parent: its children come along (save-update cascade)");
    session.add(&p1)?;
    session.commit()?; // INSERT parent first, then the children with parent_id = 1
    print_rows(&engine, "after the first commit", &tables)?;

    println!("\n== move `b` to a new parent: appending takes it out of p1's collection");
    let p2 = parent("p2");
    p2.append(Parent::children, &b)?;
    println!("p1.children = {:?}", children_of(&p1)?);
    println!("p2.children = {:?}", children_of(&p2)?);
    session.add(&p2)?;
    session.commit()?; // INSERT p2, then one UPDATE of b's parent_id
    print_rows(&engine, "after the move", &tables)?;

    println!("\n== remove `a` from p1: the child stays, its foreign key becomes NULL");
    p1.remove(Parent::children, &a)?;
    println!("a.parent    = {:?}", parent_of(&a)?);
    session.commit()?;
    print_rows(&engine, "after the remove", &tables)?;

    println!("\n== delete p2: without a delete cascade, its children are kept, unlinked");
    session.delete(&p2)?;
    session.commit()?; // UPDATE child SET parent_id = NULL, then DELETE the parent
    println!("b.parent    = {:?}", parent_of(&b)?);
    print_rows(&engine, "after the delete", &tables)?;
    Ok(())
}
