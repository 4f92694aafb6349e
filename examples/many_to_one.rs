//! Seed pattern: **Many To One**, made bidirectional with `backref`.
//!
//! In SQLAlchemy the foreign key sits on the `parent` table this time:
//! `Parent.child_id` references `child.id`, and `Parent.child` is a
//! scalar relationship to `Child`. Passing `backref="parents"` to that one
//! relationship also creates `Child.parents`, the collection of every
//! parent that points at a child, without declaring anything on `Child`.
//!
//! Here `Parent.child` is a `One<Child>` with `backref = "parents"`; the
//! derive generates the typed accessor `Child::parents` (a collection of
//! `Parent`), with the same in-memory sync, flush and lazy loading as a
//! declared relationship.
//!
//! Run with `cargo run --example many_to_one`.

use orm_core::prelude::*;

#[path = "support/mod.rs"]
mod support;
use support::print_rows;

/// Holds the foreign key: many parents may point at one child.
#[derive(Model, Debug, Default)]
#[model(table = "parent")]
pub struct Parent {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    #[column(foreign_key = "child.id")]
    pub child_id: Option<i64>,
    /// Many-to-one; the backref creates `Child::parents` (one-to-many).
    #[relationship(backref = "parents")]
    pub child: One<Child>,
}

/// Declares no relationship: `Child::parents` comes from the backref.
#[derive(Model, Debug, Default)]
#[model(table = "child")]
pub struct Child {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: String,
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

/// The names of the parents pointing at a child, as held in memory.
fn parents_of(c: &Obj<Child>) -> orm_core::Result<Vec<String>> {
    Ok(c.get(Child::parents)?
        .iter()
        .map(|p| p.borrow().name.clone())
        .collect())
}

/// The name of a parent's child, as held in memory.
fn child_of(p: &Obj<Parent>) -> orm_core::Result<Option<String>> {
    Ok(p.get(Parent::child)?.map(|c| c.borrow().name.clone()))
}

fn main() -> orm_core::Result<()> {
    let registry = Registry::builder().model::<Parent>().build()?;
    // The referenced table comes first: child, then parent.
    println!("tables, in creation order: {:?}", registry.tables());
    let engine = orm_sqlite::memory()?.echo(true);
    registry.create_all(&engine)?;
    let session = Session::new(&engine, &registry);
    let tables = ["child", "parent"];

    println!("\n== set from either side; the other side follows in memory");
    let c1 = child("c1");
    let p1 = parent("p1");
    let p2 = parent("p2");
    p1.set(Parent::child, &c1)?; // the declared many-to-one
    c1.append(Child::parents, &p2)?; // the collection the backref created
    println!("c1.parents = {:?}", parents_of(&c1)?);
    println!("p1.child   = {:?}", child_of(&p1)?);
    println!("p2.child   = {:?}", child_of(&p2)?);

    println!("\n== add the child: both parents come along through the backref");
    session.add(&c1)?;
    session.commit()?; // the referenced row (child) is inserted before the parents
    print_rows(&engine, "after the first commit", &tables)?;

    println!("\n== point p2 at a new child: p2 leaves c1.parents at once");
    let c2 = child("c2");
    p2.set(Parent::child, &c2)?;
    println!("c1.parents = {:?}", parents_of(&c1)?);
    println!("c2.parents = {:?}", parents_of(&c2)?);
    session.commit()?; // INSERT c2 (reached from p2), then UPDATE p2's child_id
    print_rows(&engine, "after re-pointing p2", &tables)?;

    println!("\n== remove p1 through the backref: its child_id becomes NULL");
    c1.remove(Child::parents, &p1)?;
    println!("p1.child   = {:?}", child_of(&p1)?);
    session.commit()?;
    print_rows(&engine, "after the remove", &tables)?;

    println!("\n== delete c2: the parents that point at it are unlinked first");
    session.delete(&c2)?;
    session.commit()?; // UPDATE parent SET child_id = NULL, then DELETE the child
    println!("p2.child   = {:?}", child_of(&p2)?);
    print_rows(&engine, "after the delete", &tables)?;
    Ok(())
}
