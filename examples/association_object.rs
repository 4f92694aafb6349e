//! Seed pattern: **Association Object**, bidirectional with
//! `back_populates`.
//!
//! When the many-to-many table carries data of its own (here `extra_data`),
//! SQLAlchemy maps a class onto it instead of using `secondary`: the
//! `association` table gets an `Association` class whose primary key is the
//! pair of foreign keys `left_id` -> `left.id` and `right_id` -> `right.id`.
//! `Parent.children` is then a one-to-many to `Association`,
//! `Association.child` a many-to-one to `Child`, and `back_populates` links
//! `Association.parent` / `Parent.children` and `Association.child` /
//! `Child.parents`. A child is linked to a parent by wrapping it in an
//! association object, and read back through it.
//!
//! Here the association is a `#[derive(Model)]` like any other. One addition
//! to the seed: `Parent.children` has `cascade = "all, delete-orphan"`, since
//! an association row cannot outlive its link (its `left_id` is part of its
//! key and cannot be set to NULL). That is also what turns "remove an
//! association, add a new one for the same pair" into a single UPDATE: the
//! new object takes over the row of the deleted one (a "row switch").
//!
//! Run with `cargo run --example association_object`.

use orm_core::prelude::*;

#[path = "support/mod.rs"]
mod support;
use support::print_rows;

/// The association table, mapped: a composite key of two foreign keys and
/// a column of its own.
#[derive(Model, Debug, Default)]
#[model(table = "association")]
pub struct Association {
    #[column(primary_key, foreign_key = "left.id")]
    pub left_id: Option<i64>,
    #[column(primary_key, foreign_key = "right.id")]
    pub right_id: Option<i64>,
    pub extra_data: Option<String>,
    /// Many-to-one to the right side.
    #[relationship(back_populates = "parents")]
    pub child: One<Child>,
    /// Many-to-one to the left side.
    #[relationship(back_populates = "children")]
    pub parent: One<Parent>,
}

#[derive(Model, Debug, Default)]
#[model(table = "left")]
pub struct Parent {
    #[column(primary_key)]
    pub id: Option<i64>,
    /// One-to-many to the association objects (not to the children).
    #[relationship(back_populates = "parent", cascade = "all, delete-orphan")]
    pub children: Many<Association>,
}

#[derive(Model, Debug, Default)]
#[model(table = "right")]
pub struct Child {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    #[relationship(back_populates = "child")]
    pub parents: Many<Association>,
}

fn child(name: &str) -> Obj<Child> {
    Obj::new(Child {
        name: name.into(),
        ..Default::default()
    })
}

/// An association object carrying `extra_data`, linked to `child`.
fn link(extra_data: &str, child: &Obj<Child>) -> orm_core::Result<Obj<Association>> {
    let assoc = Obj::new(Association {
        extra_data: Some(extra_data.into()),
        ..Default::default()
    });
    assoc.set(Association::child, child)?;
    Ok(assoc)
}

/// The seed's loop: each association's extra data and the child behind it.
fn print_children(p: &Obj<Parent>) -> orm_core::Result<()> {
    for assoc in p.get(Parent::children)? {
        let child = assoc
            .get(Association::child)?
            .expect("every link has a child");
        println!(
            "   extra_data = {:?}, child = {:?}",
            assoc.borrow().extra_data,
            child.borrow().name
        );
    }
    Ok(())
}

fn main() -> orm_core::Result<()> {
    // `Association` and `Child` are reached through the relationships.
    let registry = Registry::builder().model::<Parent>().build()?;
    let engine = orm_sqlite::memory()?.echo(true);
    registry.create_all(&engine)?;
    let session = Session::new(&engine, &registry);
    let tables = ["left", "right", "association"];

    println!("\n== create a parent, append children wrapped in association objects");
    let p = Obj::new(Parent::default());
    let c1 = child("c1");
    let c2 = child("c2");
    let a1 = link("some data", &c1)?;
    let a2 = link("other data", &c2)?;
    p.append(Parent::children, &a1)?;
    p.append(Parent::children, &a2)?;
    println!("p.children, before any flush:");
    print_children(&p)?;
    // back_populates keeps the child's side in sync too.
    let via = c1.get(Child::parents)?[0].borrow().extra_data.clone();
    println!("c1.parents[0].extra_data = {via:?}");
    session.add(&p)?;
    session.commit()?; // both sides first, then the association rows with both keys
    print_rows(&engine, "after the first commit", &tables)?;

    println!("\n== replace the link to c1 by a new association object for the same pair");
    p.remove(Parent::children, &a1)?; // a1 is now an orphan...
    p.append(Parent::children, &link("new data", &c1)?)?; // ...and this takes its key
    println!("p.children:");
    print_children(&p)?;
    // Not a DELETE and an INSERT: one UPDATE of the row (left 1, right 1).
    session.commit()?;
    println!("the old association object is now {:?}", a1.state());
    let links: Vec<Option<String>> = c1
        .get(Child::parents)?
        .iter()
        .map(|a| a.borrow().extra_data.clone())
        .collect();
    println!("c1.parents extra_data = {links:?}");
    print_rows(&engine, "after the row switch", &tables)?;

    println!("\n== remove the link to c2: the association row goes, the child stays");
    p.remove(Parent::children, &a2)?;
    session.commit()?;
    print_rows(&engine, "after the remove", &tables)?;
    Ok(())
}
