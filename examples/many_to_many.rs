//! Seed pattern: **Many To Many** through an association table, in its three
//! forms.
//!
//! In SQLAlchemy a plain `Table` named `association` holds two foreign keys,
//! `left_id` to `left.id` and `right_id` to `right.id`, and the relationship
//! names it with `secondary=`. The ORM then writes that table by itself: an
//! append INSERTs a row, a remove DELETEs it, and deleting an object deletes
//! its rows as long as some relationship of that object knows the table.
//!
//! 1. Unidirectional: only `Parent.children` names the table.
//! 2. Bidirectional: `Parent.children` and `Child.parents` both name it and
//!    point at each other with `back_populates`.
//! 3. With `backref="parents"` on `Parent.children`: `Child.parents` is
//!    created for you and uses the same association table.
//!
//! Here the table is a struct with `#[derive(Table)]` (not a model: it has no
//! objects, only rows) and `secondary = Association` names it by type. Each
//! form has its own models and table in a module, run on its own in-memory
//! database. The association table has a composite primary key, as in the
//! "many-to-many without extra data" seed.
//!
//! Run with `cargo run --example many_to_many`.

use orm_core::prelude::*;

#[path = "support/mod.rs"]
mod support;
use support::print_rows;

const TABLES: [&str; 3] = ["left", "right", "association"];

/// Form 1: only the parent knows the association table.
mod unidirectional {
    use super::*;

    #[derive(Table)]
    #[table(name = "association")]
    pub struct Association {
        #[column(primary_key, foreign_key = "left.id")]
        pub left_id: i64,
        #[column(primary_key, foreign_key = "right.id")]
        pub right_id: i64,
    }

    #[derive(Model, Debug, Default)]
    #[model(table = "left")]
    pub struct Parent {
        #[column(primary_key)]
        pub id: Option<i64>,
        pub name: String,
        #[relationship(secondary = Association)]
        pub children: Many<Child>,
    }

    /// No relationship here: a child cannot list its parents.
    #[derive(Model, Debug, Default)]
    #[model(table = "right")]
    pub struct Child {
        #[column(primary_key)]
        pub id: Option<i64>,
        pub name: String,
    }

    fn children_of(p: &Obj<Parent>) -> orm_core::Result<Vec<String>> {
        Ok(p.get(Parent::children)?
            .iter()
            .map(|c| c.borrow().name.clone())
            .collect())
    }

    pub fn run() -> orm_core::Result<()> {
        println!("\n######## unidirectional: secondary on Parent.children only");
        // The association table is pulled in by `secondary = Association`.
        let registry = Registry::builder().model::<Parent>().build()?;
        let engine = orm_sqlite::memory()?.echo(true);
        registry.create_all(&engine)?;
        let session = Session::new(&engine, &registry);

        println!("\n== two parents share child b");
        let p1 = Obj::new(Parent {
            name: "p1".into(),
            ..Default::default()
        });
        let p2 = Obj::new(Parent {
            name: "p2".into(),
            ..Default::default()
        });
        let a = Obj::new(Child {
            name: "a".into(),
            ..Default::default()
        });
        let b = Obj::new(Child {
            name: "b".into(),
            ..Default::default()
        });
        p1.append(Parent::children, &a)?;
        p1.append(Parent::children, &b)?;
        p2.append(Parent::children, &b)?;
        println!("p1.children = {:?}", children_of(&p1)?);
        println!("p2.children = {:?}", children_of(&p2)?);
        session.add(&p1)?;
        session.add(&p2)?;
        session.commit()?; // the objects, then one association row per link
        print_rows(&engine, "after the first commit", &TABLES)?;

        println!("\n== remove a from p1: its association row is deleted, `a` stays");
        p1.remove(Parent::children, &a)?;
        session.commit()?;
        print_rows(&engine, "after the remove", &TABLES)?;

        println!("\n== delete p2: Parent.children knows the table, so p2's rows go first");
        session.delete(&p2)?;
        session.commit()?;
        print_rows(&engine, "after deleting p2", &TABLES)?;

        println!("\n== delete b directly: no relationship of Child knows the table");
        session.delete(&b)?;
        match session.commit() {
            Ok(()) => println!("unexpected: the commit succeeded"),
            Err(err) => println!("commit refused: {err}"),
        }
        session.rollback()?;
        println!("-- so take it out of p1's collection first, then delete it");
        p1.remove(Parent::children, &b)?;
        session.delete(&b)?;
        session.commit()?;
        print_rows(&engine, "after deleting b", &TABLES)?;
        Ok(())
    }
}

/// Form 2: both sides name the table and `back_populates` each other.
mod bidirectional {
    use super::*;

    #[derive(Table)]
    #[table(name = "association")]
    pub struct Association {
        #[column(primary_key, foreign_key = "left.id")]
        pub left_id: i64,
        #[column(primary_key, foreign_key = "right.id")]
        pub right_id: i64,
    }

    #[derive(Model, Debug, Default)]
    #[model(table = "left")]
    pub struct Parent {
        #[column(primary_key)]
        pub id: Option<i64>,
        pub name: String,
        #[relationship(secondary = Association, back_populates = "parents")]
        pub children: Many<Child>,
    }

    #[derive(Model, Debug, Default)]
    #[model(table = "right")]
    pub struct Child {
        #[column(primary_key)]
        pub id: Option<i64>,
        pub name: String,
        #[relationship(secondary = Association, back_populates = "children")]
        pub parents: Many<Parent>,
    }

    fn children_of(p: &Obj<Parent>) -> orm_core::Result<Vec<String>> {
        Ok(p.get(Parent::children)?
            .iter()
            .map(|c| c.borrow().name.clone())
            .collect())
    }

    fn parents_of(c: &Obj<Child>) -> orm_core::Result<Vec<String>> {
        Ok(c.get(Child::parents)?
            .iter()
            .map(|p| p.borrow().name.clone())
            .collect())
    }

    pub fn run() -> orm_core::Result<()> {
        println!("\n######## bidirectional: secondary on both sides, back_populates");
        let registry = Registry::builder().model::<Parent>().build()?;
        let engine = orm_sqlite::memory()?.echo(true);
        registry.create_all(&engine)?;
        let session = Session::new(&engine, &registry);

        println!("\n== append from either side; both collections follow in memory");
        let p1 = Obj::new(Parent {
            name: "p1".into(),
            ..Default::default()
        });
        let p2 = Obj::new(Parent {
            name: "p2".into(),
            ..Default::default()
        });
        let a = Obj::new(Child {
            name: "a".into(),
            ..Default::default()
        });
        let b = Obj::new(Child {
            name: "b".into(),
            ..Default::default()
        });
        p1.append(Parent::children, &a)?;
        p1.append(Parent::children, &b)?;
        b.append(Child::parents, &p2)?; // from the child's side
        p1.append(Parent::children, &a)?; // already there: nothing changes
        println!("p1.children = {:?}", children_of(&p1)?);
        println!("p2.children = {:?}", children_of(&p2)?);
        println!("a.parents   = {:?}", parents_of(&a)?);
        println!("b.parents   = {:?}", parents_of(&b)?);
        session.add(&p1)?; // p2 is reached through b.parents
        session.commit()?; // each link written once, whichever side made it
        print_rows(&engine, "after the first commit", &TABLES)?;

        println!("\n== remove p1 from b.parents: p1.children loses b, one row is deleted");
        b.remove(Child::parents, &p1)?;
        println!("p1.children = {:?}", children_of(&p1)?);
        session.commit()?;
        print_rows(&engine, "after the remove", &TABLES)?;

        println!("\n== delete b: Child.parents knows the table, so b's rows are deleted");
        session.delete(&b)?;
        session.commit()?;
        println!("p2.children = {:?}", children_of(&p2)?);
        print_rows(&engine, "after deleting b", &TABLES)?;
        Ok(())
    }
}

/// Form 3: `backref = "parents"` creates `Child::parents` on the same table.
mod with_backref {
    use super::*;

    #[derive(Table)]
    #[table(name = "association")]
    pub struct Association {
        #[column(primary_key, foreign_key = "left.id")]
        pub left_id: i64,
        #[column(primary_key, foreign_key = "right.id")]
        pub right_id: i64,
    }

    #[derive(Model, Debug, Default)]
    #[model(table = "left")]
    pub struct Parent {
        #[column(primary_key)]
        pub id: Option<i64>,
        pub name: String,
        #[relationship(secondary = Association, backref = "parents")]
        pub children: Many<Child>,
    }

    /// Declares nothing: `Child::parents` comes from the backref.
    #[derive(Model, Debug, Default)]
    #[model(table = "right")]
    pub struct Child {
        #[column(primary_key)]
        pub id: Option<i64>,
        pub name: String,
    }

    fn names<T: Model>(objs: &[Obj<T>], name: impl Fn(&T) -> String) -> Vec<String> {
        objs.iter().map(|o| name(&o.borrow())).collect()
    }

    pub fn run() -> orm_core::Result<()> {
        println!("\n######## backref: Child.parents created from Parent.children");
        let registry = Registry::builder().model::<Parent>().build()?;
        let engine = orm_sqlite::memory()?.echo(true);
        registry.create_all(&engine)?;
        let session = Session::new(&engine, &registry);

        println!("\n== append through the backref");
        let p1 = Obj::new(Parent {
            name: "p1".into(),
            ..Default::default()
        });
        let p2 = Obj::new(Parent {
            name: "p2".into(),
            ..Default::default()
        });
        let c = Obj::new(Child {
            name: "c".into(),
            ..Default::default()
        });
        c.append(Child::parents, &p1)?;
        c.append(Child::parents, &p2)?;
        let p1_children = names(&p1.get(Parent::children)?, |c| c.name.clone());
        println!("p1.children = {p1_children:?}");
        session.add(&c)?; // both parents come along through the backref
        session.commit()?;
        print_rows(&engine, "after the first commit", &TABLES)?;

        println!("\n== a new session: the backref lazy-loads through the association table");
        drop(session);
        let session = Session::new(&engine, &registry);
        let c = session.get::<Child>(1)?.expect("child 1");
        let parents = names(&c.get(Child::parents)?, |p| p.name.clone());
        println!("c.parents   = {parents:?}");

        println!("\n== delete c: the backref knows the table, so c's rows are deleted");
        session.delete(&c)?;
        session.commit()?;
        print_rows(&engine, "after deleting c", &TABLES)?;
        Ok(())
    }
}

fn main() -> orm_core::Result<()> {
    unidirectional::run()?;
    bidirectional::run()?;
    with_backref::run()?;
    Ok(())
}
