//! `backref`: one declaration creates both sides (seeds 002 and 004). The
//! created side is a typed accessor on the other model with the full
//! semantics: in-memory sync, flush, lazy load.

#[macro_use]
mod common;

use common::{dml, rows, setup};
use orm_core::prelude::*;

/// `children = relationship("Child", backref="parent")`.
mod one_to_many {
    use super::*;

    #[derive(Model, Debug, Default)]
    #[model(table = "parent")]
    pub struct Parent {
        #[column(primary_key)]
        pub id: Option<i64>,
        pub name: String,
        #[relationship(backref = "parent")]
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
    fn backref_on_a_collection_is_a_scalar_accessor() -> orm_core::Result<()> {
        use one_to_many::{Child, Parent};
        // `Child::parent` exists, typed `Rel<Child, One<Parent>>`.
        let accessor: orm_core::Rel<Child, One<Parent>> = Child::parent;
        assert_eq!(format!("{accessor:?}"), "Child.parent");

        // In-memory sync on transient objects, both ways.
        let p = Obj::new(Parent::default());
        let c = Obj::new(Child::default());
        c.set(Child::parent, &p)?;
        assert!(p.get(Parent::children)?[0].ptr_eq(&c));
        let c2 = Obj::new(Child::default());
        p.append(Parent::children, &c2)?;
        assert!(c2.get(Child::parent)?.unwrap().ptr_eq(&p));

        let registry = Registry::builder().model::<Parent>().build()?;
        assert_eq!(
            registry.direction(Child::parent),
            Some(orm_core::Direction::ManyToOne)
        );
        let (engine, session) = setup(&registry);
        session.add(&c)?; // cascades through the backref to the parent and c2
        session.commit()?;
        assert_eq!(
            dml(&engine),
            [
                "INSERT INTO parent (name) VALUES (?) ['']",
                "INSERT INTO child (parent_id) VALUES (?) [1]",
                "INSERT INTO child (parent_id) VALUES (?) [1]",
            ]
        );

        // Clearing through the backref NULLs the key.
        c.set(Child::parent, None)?;
        assert_eq!(p.get(Parent::children)?.len(), 1);
        session.commit()?;
        assert_eq!(
            dml(&engine),
            ["UPDATE child SET parent_id = ? WHERE id = ? [None, 1]"]
        );
        Ok(())
    }

    #[test]
    fn backref_lazy_loads() -> orm_core::Result<()> {
        use one_to_many::{Child, Parent};
        let registry = Registry::builder().model::<Parent>().build()?;
        let (engine, session) = setup(&registry);
        let p = Obj::new(Parent {
            name: "p".into(),
            ..Default::default()
        });
        p.append(Parent::children, &Obj::new(Child::default()))?;
        session.add(&p)?;
        session.commit()?;
        drop((session, p));

        let session = Session::new(&engine, &registry);
        let c = session.get::<Child>(1)?.unwrap();
        engine.take_recorded();
        let p = c.get(Child::parent)?.expect("the backref loads");
        assert_eq!(p.borrow().name, "p");
        assert_eq!(
            common::selects(&engine),
            ["SELECT id, name FROM parent WHERE id = ? [1]"]
        );
        // And the forward side finds the same child through the identity map.
        assert!(p.get(Parent::children)?[0].ptr_eq(&c));

        // Deleting the parent clears the child's key through the forward side.
        session.delete(&p)?;
        session.commit()?;
        assert_eq!(
            rows(&engine, "SELECT id, parent_id FROM child"),
            ["1, None"]
        );
        assert!(c.get(Child::parent)?.is_none());
        Ok(())
    }
}

/// `child = relationship("Child", backref="parents")`: many-to-one with the
/// collection created on the target.
mod many_to_one {
    use super::*;

    #[derive(Model, Debug, Default)]
    #[model(table = "parent")]
    pub struct Parent {
        #[column(primary_key)]
        pub id: Option<i64>,
        #[column(foreign_key = "child.id")]
        pub child_id: Option<i64>,
        #[relationship(backref = "parents")]
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
    fn backref_on_a_many_to_one_is_a_collection() -> orm_core::Result<()> {
        use many_to_one::{Child, Parent};
        let registry = Registry::builder().model::<Parent>().build()?;
        assert_eq!(
            registry.direction(Child::parents),
            Some(orm_core::Direction::OneToMany)
        );
        let (engine, session) = setup(&registry);
        let c = Obj::new(Child::default());
        let p1 = Obj::new(Parent::default());
        let p2 = Obj::new(Parent::default());
        c.append(Child::parents, &p1)?;
        p2.set(Parent::child, &c)?;
        assert_eq!(c.get(Child::parents)?.len(), 2);
        session.add(&c)?;
        session.commit()?;
        assert_eq!(
            rows(&engine, "SELECT id, child_id FROM parent ORDER BY id"),
            ["1, 1", "2, 1"]
        );

        c.remove(Child::parents, &p1)?;
        session.commit()?;
        assert_eq!(
            rows(&engine, "SELECT id, child_id FROM parent ORDER BY id"),
            ["1, None", "2, 1"]
        );
        Ok(())
    }
}

/// `child = relationship("Child", backref=backref("parent", uselist=False))`.
mod scalar_backref {
    use super::*;

    #[derive(Model, Debug, Default)]
    #[model(table = "parent")]
    pub struct Parent {
        #[column(primary_key)]
        pub id: Option<i64>,
        #[column(foreign_key = "child.id")]
        pub child_id: Option<i64>,
        #[relationship(backref(name = "parent", uselist = false))]
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
    fn backref_with_uselist_false_is_one_to_one() -> orm_core::Result<()> {
        use scalar_backref::{Child, Parent};
        let registry = Registry::builder().model::<Parent>().build()?;
        let (engine, session) = setup(&registry);
        let c = Obj::new(Child::default());
        let p1 = Obj::new(Parent::default());
        let p2 = Obj::new(Parent::default());
        c.set(Child::parent, &p1)?;
        assert!(p1.get(Parent::child)?.unwrap().ptr_eq(&c));
        // Another parent takes the child: the first loses it, in memory.
        c.set(Child::parent, &p2)?;
        assert!(p1.get(Parent::child)?.is_none());
        assert!(p2.get(Parent::child)?.unwrap().ptr_eq(&c));
        session.add(&c)?; // brings p2 through the backref
        session.add(&p1)?;
        session.commit()?;
        assert_eq!(p1.borrow().child_id, None);
        assert_eq!(p2.borrow().child_id, Some(1));
        assert_eq!(
            rows(
                &engine,
                "SELECT count(*) FROM parent WHERE child_id IS NULL"
            ),
            ["1"]
        );
        Ok(())
    }
}

/// A backref declared on a many-to-one cannot be a collection when the
/// declaring side is a collection: the configure step explains.
mod wrong_cardinality {
    use super::*;

    #[derive(Model, Debug, Default)]
    pub struct Owner {
        #[column(primary_key)]
        pub id: Option<i64>,
        #[relationship(backref(name = "owners", uselist = true))]
        pub pets: Many<Pet>,
    }

    #[derive(Model, Debug, Default)]
    pub struct Pet {
        #[column(primary_key)]
        pub id: Option<i64>,
        #[column(foreign_key = "owner.id")]
        pub owner_id: Option<i64>,
    }
}

backend_tests! {
    #[test]
    fn a_many_to_one_backref_holds_one_object() {
        let err = Registry::builder()
            .model::<wrong_cardinality::Owner>()
            .build()
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Owner.pets: backref `owners` is many-to-one and holds one object; write `backref(name = \"owners\", uselist = false)`"
        );
    }
}
