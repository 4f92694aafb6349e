//! The association object pattern (seeds 001-003): the association table
//! mapped as a model with extra data, a composite key of two foreign keys,
//! many-to-one to both sides; the row switch; the association proxy; and
//! the double-mapping pitfall.

#[macro_use]
mod common;

use common::{dml, rows, setup};
use orm_core::prelude::*;
use orm_core::{AssociationProxy, ConfigError};

#[derive(Model, Debug, Default)]
#[model(table = "association")]
pub struct Association {
    #[column(primary_key, foreign_key = "left.id")]
    pub left_id: Option<i64>,
    #[column(primary_key, foreign_key = "right.id")]
    pub right_id: Option<i64>,
    pub extra_data: Option<String>,
    #[relationship(back_populates = "parents")]
    pub child: One<Child>,
    #[relationship(back_populates = "children")]
    pub parent: One<Parent>,
}

#[derive(Model, Debug, Default)]
#[model(table = "left")]
pub struct Parent {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[relationship(back_populates = "parent", cascade = "all, delete-orphan")]
    pub children: Many<Association>,
}

#[allow(non_upper_case_globals)]
impl Parent {
    /// The children, through the association objects.
    pub const child_objects: AssociationProxy<Parent, Association, Child> =
        AssociationProxy::new(Parent::children, Association::child);
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

fn registry() -> std::sync::Arc<Registry> {
    Registry::builder().model::<Parent>().build().unwrap()
}

fn child(name: &str) -> Obj<Child> {
    Obj::new(Child {
        name: name.into(),
        ..Default::default()
    })
}

backend_tests! {
    /// The seed program: create parent, append a child via association, iterate.
    #[test]
    fn the_seed_program() -> orm_core::Result<()> {
        let (engine, session) = setup(&registry());
        let p = Obj::new(Parent::default());
        let a = Obj::new(Association {
            extra_data: Some("some data".into()),
            ..Default::default()
        });
        a.set(Association::child, &child("c"))?;
        p.append(Parent::children, &a)?;
        for assoc in p.get(Parent::children)? {
            assert_eq!(assoc.borrow().extra_data.as_deref(), Some("some data"));
            assert_eq!(assoc.get(Association::child)?.unwrap().borrow().name, "c");
        }
        session.add(&p)?;
        session.commit()?;
        assert_eq!(
            dml(&engine),
            [
                "INSERT INTO \"left\" DEFAULT VALUES",
                "INSERT INTO \"right\" (name) VALUES (?) ['c']",
                "INSERT INTO association (left_id, right_id, extra_data) VALUES (?, ?, ?) [1, 1, 'some data']",
            ]
        );
        // The key of the association object came from both parents.
        assert_eq!(
            (a.borrow().left_id, a.borrow().right_id),
            (Some(1), Some(1))
        );
        Ok(())
    }

    #[test]
    fn replacing_an_association_object_is_a_row_switch() -> orm_core::Result<()> {
        let (engine, session) = setup(&registry());
        let p = Obj::new(Parent::default());
        let c = child("c");
        let old = Parent::child_objects.append(&p, &c)?;
        old.borrow_mut().extra_data = Some("old".into());
        session.add(&p)?;
        session.commit()?;
        dml(&engine);

        // Same (left, right) key: the new object takes over the row.
        p.remove(Parent::children, &old)?;
        let new = Parent::child_objects.append_with(
            &p,
            &c,
            Association {
                extra_data: Some("new".into()),
                ..Default::default()
            },
        )?;
        session.commit()?;
        assert_eq!(
            dml(&engine),
            ["UPDATE association SET extra_data = ? WHERE left_id = ? AND right_id = ? ['new', 1, 1]"]
        );
        assert_eq!(
            rows(
                &engine,
                "SELECT left_id, right_id, extra_data FROM association"
            ),
            ["1, 1, 'new'"]
        );
        assert_eq!(new.state(), orm_core::ObjectState::Persistent);
        assert_eq!(old.state(), orm_core::ObjectState::Detached);
        assert!(session.get::<Association>((1, 1))?.unwrap().ptr_eq(&new));
        Ok(())
    }

    #[test]
    fn association_proxy_reads_and_creates_links() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        let p = Obj::new(Parent::default());
        let (a, b) = (child("a"), child("b"));
        Parent::child_objects.append(&p, &a)?;
        Parent::child_objects.append(&p, &b)?;
        let names: Vec<String> = Parent::child_objects
            .get(&p)?
            .iter()
            .map(|c| c.borrow().name.clone())
            .collect();
        assert_eq!(names, ["a", "b"]);
        session.add(&p)?;
        session.commit()?;
        assert_eq!(
            rows(
                &engine,
                "SELECT left_id, right_id FROM association ORDER BY 2"
            ),
            ["1, 1", "1, 2"]
        );

        // Removing through the proxy deletes the link (delete-orphan), not the child.
        Parent::child_objects.remove(&p, &a)?;
        session.commit()?;
        assert_eq!(
            rows(&engine, "SELECT left_id, right_id FROM association"),
            ["1, 2"]
        );
        assert_eq!(rows(&engine, "SELECT count(*) FROM \"right\""), ["2"]);
        drop((session, p, a, b));

        // Lazily, in a new session: both hops load.
        let session = Session::new(&engine, &registry);
        let p = session.get::<Parent>(1)?.unwrap();
        let names: Vec<String> = Parent::child_objects
            .get(&p)?
            .iter()
            .map(|c| c.borrow().name.clone())
            .collect();
        assert_eq!(names, ["b"]);
        Ok(())
    }
}

/// Seed 002's warning: the same table as `secondary` and as an association
/// object, both writable, would double-insert.
mod double_mapping {
    use super::*;

    #[derive(Model, Debug, Default)]
    #[model(table = "association")]
    pub struct Link {
        #[column(primary_key, foreign_key = "left.id")]
        pub left_id: Option<i64>,
        #[column(primary_key, foreign_key = "right.id")]
        pub right_id: Option<i64>,
        #[relationship(backref = "parent_links")]
        pub parent: One<Parent>,
        #[relationship(backref = "child_links")]
        pub child: One<Child>,
    }

    #[derive(Model, Debug, Default)]
    #[model(table = "left")]
    pub struct Parent {
        #[column(primary_key)]
        pub id: Option<i64>,
        #[relationship(secondary = "association")]
        pub children: Many<Child>,
    }

    #[derive(Model, Debug, Default)]
    #[model(table = "right")]
    pub struct Child {
        #[column(primary_key)]
        pub id: Option<i64>,
    }

    pub mod fixed {
        use super::*;

        #[derive(Model, Debug, Default)]
        #[model(table = "association")]
        pub struct Link {
            #[column(primary_key, foreign_key = "left.id")]
            pub left_id: Option<i64>,
            #[column(primary_key, foreign_key = "right.id")]
            pub right_id: Option<i64>,
            pub extra_data: Option<String>,
            #[relationship(backref = "parent_links")]
            pub parent: One<Parent>,
            #[relationship]
            pub child: One<Child>,
        }

        #[derive(Model, Debug, Default)]
        #[model(table = "left")]
        pub struct Parent {
            #[column(primary_key)]
            pub id: Option<i64>,
            #[relationship(secondary = "association", viewonly)]
            pub children: Many<Child>,
        }

        #[derive(Model, Debug, Default)]
        #[model(table = "right")]
        pub struct Child {
            #[column(primary_key)]
            pub id: Option<i64>,
        }
    }
}

backend_tests! {
    #[test]
    fn mapping_a_table_twice_requires_viewonly() -> orm_core::Result<()> {
        use double_mapping::{Link, Parent};
        let err = Registry::builder()
            .model::<Parent>()
            .model::<Link>()
            .build()
            .unwrap_err();
        assert!(
            matches!(err, ConfigError::SecondaryMappedTwice { .. }),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "table `association` is the secondary of Parent.children and also the table of model Link, written \
             through Parent.parent_links; both would INSERT and DELETE its rows: mark one of them `viewonly = true`"
        );

        // With the secondary viewonly: it loads, and never writes.
        use double_mapping::fixed::{Child, Link as FixedLink, Parent as FixedParent};
        let registry = Registry::builder()
            .model::<FixedParent>()
            .model::<FixedLink>()
            .build()?;
        let (engine, session) = setup(&registry);
        let p = Obj::new(FixedParent::default());
        let c = Obj::new(Child::default());
        let link = Obj::new(FixedLink::default());
        link.set(FixedLink::parent, &p)?;
        link.set(FixedLink::child, &c)?;
        p.append(FixedParent::children, &c)?; // viewonly: not written
        session.add(&link)?;
        session.commit()?;
        assert_eq!(
            rows(&engine, "SELECT left_id, right_id FROM association"),
            ["1, 1"]
        );
        drop((session, p, c, link));

        let session = Session::new(&engine, &registry);
        let p = session.get::<FixedParent>(1)?.unwrap();
        assert_eq!(p.get(FixedParent::children)?.len(), 1);
        assert_eq!(p.get(FixedParent::parent_links)?.len(), 1);
        Ok(())
    }
}

/// Without delete-orphan, removing a link would blank out part of its
/// primary key: refused before any SQL.
mod no_orphan_cascade {
    use super::*;

    #[derive(Model, Debug, Default)]
    #[model(table = "association")]
    pub struct Link {
        #[column(primary_key, foreign_key = "left.id")]
        pub left_id: Option<i64>,
        #[column(primary_key, foreign_key = "right.id")]
        pub right_id: Option<i64>,
        #[relationship(back_populates = "links")]
        pub parent: One<Parent>,
        #[relationship]
        pub child: One<Child>,
    }

    #[derive(Model, Debug, Default)]
    #[model(table = "left")]
    pub struct Parent {
        #[column(primary_key)]
        pub id: Option<i64>,
        #[relationship(back_populates = "parent")]
        pub links: Many<Link>,
    }

    #[derive(Model, Debug, Default)]
    #[model(table = "right")]
    pub struct Child {
        #[column(primary_key)]
        pub id: Option<i64>,
    }
}

backend_tests! {
    #[test]
    fn removing_a_link_without_delete_orphan_is_refused() -> orm_core::Result<()> {
        use no_orphan_cascade::{Child, Link, Parent};
        let registry = Registry::builder().model::<Parent>().build()?;
        let (engine, session) = setup(&registry);
        let p = Obj::new(Parent::default());
        let link = Obj::new(Link::default());
        link.set(Link::child, &Obj::new(Child::default()))?;
        p.append(Parent::links, &link)?;
        session.add(&p)?;
        session.commit()?;
        dml(&engine);

        p.remove(Parent::links, &link)?;
        let err = session.commit().unwrap_err();
        assert!(
            matches!(
                err,
                orm_core::Error::NullForeignKey {
                    column: "left_id",
                    ..
                }
            ),
            "{err}"
        );
        assert!(dml(&engine).is_empty());
        Ok(())
    }
}
