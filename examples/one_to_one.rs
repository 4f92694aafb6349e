//! Seed pattern: **One To One**, in both of its forms.
//!
//! SQLAlchemy describes one-to-one as a bidirectional relationship with a
//! scalar on both sides; `uselist=False` puts a scalar where the "many" side
//! would otherwise hold a list.
//!
//! 1. One-to-many turned one-to-one: `child.parent_id` references
//!    `parent.id`, `Parent.child` is a relationship to `Child` with
//!    `uselist=False` and `back_populates="parent"`, and `Child.parent`
//!    mirrors it. Here the key is also `unique`, so the database enforces
//!    "at most one child per parent", and `cascade = "all, delete-orphan"`
//!    makes a replaced child go away: its DELETE must then be sent before
//!    the new child's INSERT reuses the parent's id.
//! 2. Many-to-one turned one-to-one: `parent.child_id` references
//!    `child.id`, and `Parent.child` is declared with
//!    `backref=backref("parent", uselist=False)`, which creates a scalar
//!    `Child.parent` instead of a `Child.parents` list.
//!
//! Each form has its own models (same table names) in a module, run on its
//! own in-memory database.
//!
//! Run with `cargo run --example one_to_one`.

use orm_core::prelude::*;

#[path = "support/mod.rs"]
mod support;
use support::print_rows;

/// Form 1: the foreign key (unique) is on the child.
mod child_holds_key {
    use super::*;

    #[derive(Model, Debug, Default)]
    #[model(table = "parent")]
    pub struct Parent {
        #[column(primary_key)]
        pub id: Option<i64>,
        pub name: String,
        /// One-to-many by its foreign key, but holding one object.
        #[relationship(
            back_populates = "parent",
            uselist = false,
            cascade = "all, delete-orphan"
        )]
        pub child: One<Child>,
    }

    #[derive(Model, Debug, Default)]
    #[model(table = "child")]
    pub struct Child {
        #[column(primary_key)]
        pub id: Option<i64>,
        pub name: String,
        /// `unique`: no two children may share a parent.
        #[column(foreign_key = "parent.id", unique)]
        pub parent_id: Option<i64>,
        #[relationship(back_populates = "child")]
        pub parent: One<Parent>,
    }

    fn child(name: &str) -> Obj<Child> {
        Obj::new(Child {
            name: name.into(),
            ..Default::default()
        })
    }

    fn parent_of(c: &Obj<Child>) -> orm_core::Result<Option<String>> {
        Ok(c.get(Child::parent)?.map(|p| p.borrow().name.clone()))
    }

    pub fn run() -> orm_core::Result<()> {
        println!("\n######## one-to-many turned one-to-one (uselist = false)");
        let registry = Registry::builder().model::<Parent>().build()?;
        let engine = orm_sqlite::memory()?.echo(true);
        registry.create_all(&engine)?;
        let session = Session::new(&engine, &registry);
        let tables = ["parent", "child"];

        println!("\n== a scalar on both sides, synced in memory");
        let p = Obj::new(Parent {
            name: "p".into(),
            ..Default::default()
        });
        let old = child("old");
        p.set(Parent::child, &old)?;
        println!("old.parent = {:?}", parent_of(&old)?);
        session.add(&p)?;
        session.commit()?;
        print_rows(&engine, "after the first commit", &tables)?;

        println!("\n== replace the child: the old one is orphaned and deleted");
        let new = child("new");
        p.set(Parent::child, &new)?;
        println!("old.parent = {:?}", parent_of(&old)?);
        println!("new.parent = {:?}", parent_of(&new)?);
        // The DELETE of the old row comes first, so the UNIQUE parent_id is
        // free when the new row is inserted.
        session.commit()?;
        println!("old is now {:?}", old.state());
        print_rows(&engine, "after the replacement", &tables)?;

        println!("\n== delete the parent: cascade \"all\" deletes its child too");
        session.delete(&p)?;
        session.commit()?;
        print_rows(&engine, "after the delete", &tables)?;
        Ok(())
    }
}

/// Form 2: the foreign key is on the parent, and the backref is a scalar.
mod parent_holds_key {
    use super::*;

    #[derive(Model, Debug, Default)]
    #[model(table = "parent")]
    pub struct Parent {
        #[column(primary_key)]
        pub id: Option<i64>,
        pub name: String,
        #[column(foreign_key = "child.id")]
        pub child_id: Option<i64>,
        /// Many-to-one; the backref creates a scalar `Child::parent`.
        #[relationship(backref(name = "parent", uselist = false))]
        pub child: One<Child>,
    }

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

    fn child_of(p: &Obj<Parent>) -> orm_core::Result<Option<String>> {
        Ok(p.get(Parent::child)?.map(|c| c.borrow().name.clone()))
    }

    pub fn run() -> orm_core::Result<()> {
        println!("\n######## many-to-one turned one-to-one (backref with uselist = false)");
        let registry = Registry::builder().model::<Parent>().build()?;
        let engine = orm_sqlite::memory()?.echo(true);
        registry.create_all(&engine)?;
        let session = Session::new(&engine, &registry);
        let tables = ["child", "parent"];

        println!("\n== the backref is a scalar: a child has one parent at a time");
        let c = Obj::new(Child {
            name: "c".into(),
            ..Default::default()
        });
        let p1 = parent("p1");
        let p2 = parent("p2");
        c.set(Child::parent, &p1)?; // through the backref
        println!("p1.child = {:?}", child_of(&p1)?);
        c.set(Child::parent, &p2)?; // p2 takes the child: p1 loses it
        println!("p1.child = {:?}", child_of(&p1)?);
        println!("p2.child = {:?}", child_of(&p2)?);
        session.add(&c)?; // brings p2 along through the backref
        session.add(&p1)?;
        session.commit()?;
        print_rows(&engine, "after the first commit", &tables)?;

        println!("\n== p1 takes the child back from the declared side");
        p1.set(Parent::child, &c)?;
        println!("p2.child = {:?}", child_of(&p2)?);
        let owner = c.get(Child::parent)?.map(|p| p.borrow().name.clone());
        println!("c.parent = {owner:?}");
        session.commit()?; // two UPDATEs of parent.child_id
        print_rows(&engine, "after the switch", &tables)?;
        Ok(())
    }
}

fn main() -> orm_core::Result<()> {
    child_holds_key::run()?;
    parent_holds_key::run()?;
    Ok(())
}
