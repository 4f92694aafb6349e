//! Relationships declared on one side only (seed 000 and the first
//! one-to-many / many-to-one samples of seed 002), and the seed 003 note:
//! two relationships without `back_populates` do not sync ("you get []").

#[macro_use]
mod common;

use common::{dml, rows, setup};
use orm_core::prelude::*;

/// One-to-many declared on the parent only: the child has no accessor.
mod parent_side {
    use super::*;

    #[derive(Model, Debug, Default)]
    #[model(table = "parent")]
    pub struct Parent {
        #[column(primary_key)]
        pub id: Option<i64>,
        #[relationship]
        pub children: Many<Child>,
    }

    #[derive(Model, Debug, Default)]
    #[model(table = "child")]
    pub struct Child {
        #[column(primary_key)]
        pub id: Option<i64>,
        #[column(foreign_key = "parent.id")]
        pub parent_id: Option<i64>,
    }
}

backend_tests! {
    #[test]
    fn one_to_many_declared_on_the_parent_only() -> orm_core::Result<()> {
        use parent_side::{Child, Parent};
        let registry = Registry::builder().model::<Parent>().build()?;
        let (engine, session) = setup(&registry);
        assert_eq!(
            Child::meta().relationships.len(),
            0,
            "Child has no relationship"
        );

        let p = Obj::new(Parent::default());
        let c = Obj::new(Child::default());
        p.append(Parent::children, &c)?;
        session.add(&p)?;
        session.commit()?;
        assert_eq!(
            dml(&engine),
            [
                "INSERT INTO parent DEFAULT VALUES",
                "INSERT INTO child (parent_id) VALUES (?) [1]",
            ]
        );

        p.remove(Parent::children, &c)?;
        session.commit()?;
        assert_eq!(
            dml(&engine),
            ["UPDATE child SET parent_id = ? WHERE id = ? [None, 1]"]
        );

        p.append(Parent::children, &c)?;
        session.delete(&p)?;
        session.commit()?;
        assert_eq!(
            rows(&engine, "SELECT id, parent_id FROM child"),
            ["1, None"]
        );
        Ok(())
    }
}

/// Many-to-one declared on the side with the foreign key only (seed 002:
/// `Parent.child_id` -> `child.id`).
mod many_to_one_side {
    use super::*;

    #[derive(Model, Debug, Default)]
    #[model(table = "parent")]
    pub struct Parent {
        #[column(primary_key)]
        pub id: Option<i64>,
        #[column(foreign_key = "child.id")]
        pub child_id: Option<i64>,
        #[relationship]
        pub child: One<Child>,
    }

    #[derive(Model, Debug, Default)]
    #[model(table = "child")]
    pub struct Child {
        #[column(primary_key)]
        pub id: Option<i64>,
    }
}

backend_tests! {
    #[test]
    fn many_to_one_declared_on_one_side() -> orm_core::Result<()> {
        use many_to_one_side::{Child, Parent};
        let registry = Registry::builder().model::<Parent>().build()?;
        assert_eq!(registry.tables(), ["child", "parent"]);
        let (engine, session) = setup(&registry);

        let c = Obj::new(Child::default());
        let p1 = Obj::new(Parent::default());
        let p2 = Obj::new(Parent::default());
        p1.set(Parent::child, &c)?;
        p2.set(Parent::child, &c)?;
        session.add(&p1)?;
        session.add(&p2)?;
        session.commit()?;
        // The referenced row goes first, whatever the order of `add`.
        assert_eq!(
            dml(&engine),
            [
                "INSERT INTO child DEFAULT VALUES",
                "INSERT INTO parent (child_id) VALUES (?) [1]",
                "INSERT INTO parent (child_id) VALUES (?) [1]",
            ]
        );

        p2.set(Parent::child, None)?;
        session.commit()?;
        assert_eq!(
            dml(&engine),
            ["UPDATE parent SET child_id = ? WHERE id = ? [None, 2]"]
        );

        // Lazy loading of the many-to-one in a new session goes through the
        // identity map once the target is loaded.
        drop(session);
        let session = orm_core::Session::new(&engine, &registry);
        let loaded = session.get::<Parent>(1)?.unwrap();
        let child = loaded.get(Parent::child)?.unwrap();
        assert_eq!(child.borrow().id, Some(1));
        assert!(session
            .get::<Parent>(2)?
            .unwrap()
            .get(Parent::child)?
            .is_none());
        Ok(())
    }
}

/// Both sides declared, neither with `back_populates`.
mod unlinked {
    use super::*;

    #[derive(Model, Debug, Default)]
    #[model(table = "parent")]
    pub struct Parent {
        #[column(primary_key)]
        pub id: Option<i64>,
        #[relationship]
        pub children: Many<Child>,
    }

    #[derive(Model, Debug, Default)]
    #[model(table = "child")]
    pub struct Child {
        #[column(primary_key)]
        pub id: Option<i64>,
        #[column(foreign_key = "parent.id")]
        pub parent_id: Option<i64>,
        #[relationship]
        pub parent: One<Parent>,
    }
}

backend_tests! {
    /// Seed 003: "if use relationship without back_populates you get []".
    #[test]
    fn without_back_populates_there_is_no_sync() -> orm_core::Result<()> {
        use unlinked::{Child, Parent};
        let parent = Obj::new(Parent {
            id: Some(1),
            ..Default::default()
        });
        let child = Obj::new(Child {
            id: Some(5),
            ..Default::default()
        });
        child.set(Child::parent, &parent)?;
        let ids: Vec<Option<i64>> = parent
            .get(Parent::children)?
            .iter()
            .map(|a| a.borrow().id)
            .collect();
        assert_eq!(ids, []);

        // The foreign key is still written, and a later load sees the child.
        let registry = Registry::builder().model::<Parent>().build()?;
        let (engine, session) = setup(&registry);
        session.add(&child)?;
        session.commit()?;
        assert_eq!(
            dml(&engine),
            [
                "INSERT INTO parent (id) VALUES (?) [1]",
                "INSERT INTO child (id, parent_id) VALUES (?, ?) [5, 1]",
            ]
        );
        drop((session, parent, child));
        let session = orm_core::Session::new(&engine, &registry);
        let parent = session.get::<Parent>(1)?.unwrap();
        let ids: Vec<Option<i64>> = parent
            .get(Parent::children)?
            .iter()
            .map(|a| a.borrow().id)
            .collect();
        assert_eq!(ids, [Some(5)]);
        Ok(())
    }
}
