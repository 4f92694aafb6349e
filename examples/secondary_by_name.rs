//! Seed pattern: **Many To Many** with the association table named by a
//! string.
//!
//! With declarative SQLAlchemy, `secondary` need not be the `Table` object
//! itself: it may be a callable evaluated once all mappers are configured, or
//! simply the table's name, `secondary="association"`, looked up in the
//! metadata. Either way the table can be defined after (or far from) the
//! classes that use it. Combined with `backref="parents"`, the created
//! `Child.parents` uses the same table.
//!
//! Here `secondary = "association"` is resolved when the registry is built:
//! among the tables given to the builder with `.table::<T>()`, then among the
//! mapped models, then among every `#[derive(Table)]` linked into the
//! program. Declaration order never matters in Rust, so the string form is
//! what covers both SQLAlchemy variants.
//!
//! Run with `cargo run --example secondary_by_name`.

use orm_core::prelude::*;

#[path = "support/mod.rs"]
mod support;
use support::print_rows;

#[derive(Model, Debug, Default)]
#[model(table = "left")]
pub struct Parent {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    /// The table is named, not referenced: no `use` of its type is needed.
    #[relationship(secondary = "association", backref = "parents")]
    pub children: Many<Child>,
}

#[derive(Model, Debug, Default)]
#[model(table = "right")]
pub struct Child {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: String,
}

/// "Elsewhere": the association table lives in its own module, declared
/// after the models that name it.
mod schema {
    use orm_core::Table;

    #[derive(Table)]
    #[table(name = "association")]
    pub struct Association {
        #[column(primary_key, foreign_key = "left.id")]
        pub left_id: i64,
        #[column(primary_key, foreign_key = "right.id")]
        pub right_id: i64,
    }
}

fn names<T: Model>(objs: &[Obj<T>], name: impl Fn(&T) -> String) -> Vec<String> {
    objs.iter().map(|o| name(&o.borrow())).collect()
}

fn main() -> orm_core::Result<()> {
    // The explicit way: hand the table to the builder.
    let registry = Registry::builder()
        .model::<Parent>()
        .table::<schema::Association>()
        .build()?;
    println!("tables: {:?}", registry.tables());
    // Left out, the name is still found among the tables linked into the
    // program.
    let found = Registry::builder().model::<Parent>().build()?;
    println!(
        "tables without .table::<Association>(): {:?}",
        found.tables()
    );

    let engine = orm_sqlite::memory()?.echo(true);
    registry.create_all(&engine)?;
    let session = Session::new(&engine, &registry);
    let tables = ["left", "right", "association"];

    println!("\n== link from both sides; the backref follows in memory");
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
    b.append(Child::parents, &p2)?; // through the backref
    println!(
        "a.parents = {:?}",
        names(&a.get(Child::parents)?, |p| p.name.clone())
    );
    println!(
        "b.parents = {:?}",
        names(&b.get(Child::parents)?, |p| p.name.clone())
    );
    println!(
        "p2.children = {:?}",
        names(&p2.get(Parent::children)?, |c| c.name.clone())
    );
    session.add(&p1)?;
    session.commit()?; // INSERT the objects, then the association rows
    print_rows(&engine, "after the first commit", &tables)?;

    println!("\n== the seed's `myparent.children.remove(somechild)`: the row is deleted");
    p1.remove(Parent::children, &b)?;
    println!(
        "b.parents = {:?}",
        names(&b.get(Child::parents)?, |p| p.name.clone())
    );
    session.commit()?;
    print_rows(&engine, "after the remove", &tables)?;

    println!("\n== delete p1: its remaining rows are deleted before the parent");
    session.delete(&p1)?;
    session.commit()?;
    println!(
        "a.parents = {:?}",
        names(&a.get(Child::parents)?, |p| p.name.clone())
    );
    print_rows(&engine, "after the delete", &tables)?;
    Ok(())
}
