//! Seed pattern: **Association Object** used through an **association
//! proxy**.
//!
//! The association object pattern makes every parent-to-child access go
//! through the association: to link a child you build an association
//! object around it, to read the children you read each association's
//! `child`. SQLAlchemy's association proxy extension hides that hop: an
//! attribute such as `Parent.children = association_proxy(
//! "child_associations", "child")` reads straight through to the children,
//! and appending a child to it creates the association object for you.
//!
//! Here the proxy is an `orm_core::AssociationProxy` constant declared next
//! to the model, named like a field: `Parent::children.get(&p)`,
//! `.append(&p, &c)`, `.append_with(&p, &c, Association { .. })` (to fill the
//! extra columns) and `.remove(&p, &c)`. The relationships underneath are
//! the seed's bidirectional association object mapping, with
//! `cascade = "all, delete-orphan"` so that removing a link deletes its row.
//!
//! Run with `cargo run --example association_proxy`.

use orm_core::prelude::*;

#[path = "support/mod.rs"]
mod support;
use orm_core::AssociationProxy;
use support::print_rows;

#[derive(Model, Debug, Default)]
#[model(table = "association")]
pub struct Association {
    #[column(primary_key, foreign_key = "left.id")]
    pub left_id: Option<i64>,
    #[column(primary_key, foreign_key = "right.id")]
    pub right_id: Option<i64>,
    pub extra_data: Option<String>,
    #[relationship(back_populates = "parent_associations")]
    pub child: One<Child>,
    #[relationship(back_populates = "child_associations")]
    pub parent: One<Parent>,
}

#[derive(Model, Debug, Default)]
#[model(table = "left")]
pub struct Parent {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    #[relationship(back_populates = "parent", cascade = "all, delete-orphan")]
    pub child_associations: Many<Association>,
}

#[allow(non_upper_case_globals)]
impl Parent {
    /// The children themselves: `child_associations`, then each one's `child`.
    pub const children: AssociationProxy<Parent, Association, Child> =
        AssociationProxy::new(Parent::child_associations, Association::child);
}

#[derive(Model, Debug, Default)]
#[model(table = "right")]
pub struct Child {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    #[relationship(back_populates = "child")]
    pub parent_associations: Many<Association>,
}

#[allow(non_upper_case_globals)]
impl Child {
    /// The proxy works from the other side too.
    pub const parents: AssociationProxy<Child, Association, Parent> =
        AssociationProxy::new(Child::parent_associations, Association::parent);
}

fn child(name: &str) -> Obj<Child> {
    Obj::new(Child {
        name: name.into(),
        ..Default::default()
    })
}

/// The names of a parent's children, read through the proxy.
fn children_of(p: &Obj<Parent>) -> orm_core::Result<Vec<String>> {
    Ok(Parent::children
        .get(p)?
        .iter()
        .map(|c| c.borrow().name.clone())
        .collect())
}

fn main() -> orm_core::Result<()> {
    let registry = Registry::builder().model::<Parent>().build()?;
    let engine = orm_sqlite::memory()?.echo(true);
    registry.create_all(&engine)?;
    let session = Session::new(&engine, &registry);
    let tables = ["left", "right", "association"];

    println!("\n== append children through the proxy: association objects are created");
    let p = Obj::new(Parent {
        name: "p".into(),
        ..Default::default()
    });
    let a = child("a");
    let b = child("b");
    // `append` builds `Association::default()` and returns it...
    let link = Parent::children.append(&p, &a)?;
    link.borrow_mut().extra_data = Some("set afterwards".into());
    // ...`append_with` starts from the association object you give it.
    Parent::children.append_with(
        &p,
        &b,
        Association {
            extra_data: Some("given up front".into()),
            ..Default::default()
        },
    )?;
    println!("p.children (proxy)       = {:?}", children_of(&p)?);
    println!(
        "p.child_associations     = {} association objects",
        p.get(Parent::child_associations)?.len()
    );
    let parents: Vec<String> = Child::parents
        .get(&b)?
        .iter()
        .map(|p| p.borrow().name.clone())
        .collect();
    println!("b.parents (proxy)        = {parents:?}");
    session.add(&p)?;
    session.commit()?;
    print_rows(&engine, "after the first commit", &tables)?;

    println!("\n== remove a child through the proxy: its association row is deleted");
    Parent::children.remove(&p, &a)?;
    println!("p.children (proxy)       = {:?}", children_of(&p)?);
    session.commit()?; // delete-orphan: DELETE the association row, `a` stays
    print_rows(&engine, "after the remove", &tables)?;

    println!("\n== a new session: reading through the proxy loads both hops");
    drop(session);
    let session = Session::new(&engine, &registry);
    let p = session.get::<Parent>(1)?.expect("parent 1");
    println!("p.children (proxy)       = {:?}", children_of(&p)?);
    Ok(())
}
