//! The save-update cascade as an attribute event: linking a transient
//! object to an object of a session makes it pending at once, along the
//! relationship the user changed (not along its back-reference), as in
//! SQLAlchemy 2.

#[macro_use]
mod common;

use common::{dml, rows, setup};
use orm_core::prelude::*;
use orm_core::{Error, ObjectState};

#[derive(Model, Debug, Default)]
#[model(table = "parent")]
pub struct Parent {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    #[relationship(back_populates = "parent")]
    pub children: Many<Child>,
    #[relationship(back_populates = "owner", cascade = "all, delete-orphan")]
    pub toys: Many<Toy>,
}

#[derive(Model, Debug, Default)]
#[model(table = "child")]
pub struct Child {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    #[column(foreign_key = "parent.id")]
    pub parent_id: Option<i64>,
    #[relationship(back_populates = "children")]
    pub parent: One<Parent>,
}

#[derive(Model, Debug, Default)]
#[model(table = "toy")]
pub struct Toy {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[column(foreign_key = "parent.id")]
    pub owner_id: Option<i64>,
    #[relationship(back_populates = "toys")]
    pub owner: One<Parent>,
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

fn registry() -> std::sync::Arc<Registry> {
    Registry::builder().model::<Parent>().build().unwrap()
}

backend_tests! {
    #[test]
    fn appending_to_an_attached_object_makes_the_item_pending_at_once() -> orm_core::Result<()> {
        let registry = registry();
        let (_engine, session) = setup(&registry);
        let p = parent("p");
        session.add(&p)?;
        let c = child("c");
        p.append(Parent::children, &c)?;
        assert_eq!(c.state(), ObjectState::Pending);
        assert!(session.contains(&c));

        // Also for a persistent owner, and for what the new item reaches.
        session.commit()?;
        let c2 = child("c2");
        let other = parent("other");
        c2.set(Child::parent, &other)?;
        p.append(Parent::children, &c2)?;
        assert_eq!(c2.state(), ObjectState::Pending);
        // `other` lost c2 to p, so the cascade no longer reaches it.
        assert_eq!(other.state(), ObjectState::Transient);
        Ok(())
    }

    #[test]
    fn appended_then_removed_is_still_inserted_with_a_null_key() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        let p = parent("p");
        session.add(&p)?;
        session.commit()?;
        dml(&engine);
        let c = child("c");
        p.append(Parent::children, &c)?;
        p.remove(Parent::children, &c)?;
        assert_eq!(c.state(), ObjectState::Pending);
        session.commit()?;
        assert_eq!(
            dml(&engine),
            ["INSERT INTO child (name, parent_id) VALUES (?, ?) ['c', None]"]
        );
        assert_eq!(c.state(), ObjectState::Persistent);
        Ok(())
    }

    #[test]
    fn with_delete_orphan_appended_then_removed_is_never_inserted() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        let p = parent("p");
        session.add(&p)?;
        session.commit()?;
        dml(&engine);
        let t = Obj::new(Toy::default());
        p.append(Parent::toys, &t)?;
        assert_eq!(t.state(), ObjectState::Pending);
        p.remove(Parent::toys, &t)?;
        assert_eq!(t.state(), ObjectState::Transient);
        session.commit()?;
        assert!(dml(&engine).is_empty());
        Ok(())
    }

    #[test]
    fn setting_the_back_reference_does_not_cascade_until_the_flush() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        let p = parent("p");
        session.add(&p)?;
        session.commit()?;
        dml(&engine);
        let c = child("c");
        // The event is on Child.parent, whose mirror is Parent.children: as in
        // SQLAlchemy 2, no cascade along a back-reference.
        c.set(Child::parent, &p)?;
        assert_eq!(c.state(), ObjectState::Transient);
        assert!(!session.contains(&c));
        // The flush cascades from the parent's collection and inserts it.
        session.commit()?;
        assert_eq!(
            dml(&engine),
            ["INSERT INTO child (name, parent_id) VALUES (?, ?) ['c', 1]"]
        );
        assert_eq!(c.state(), ObjectState::Persistent);
        Ok(())
    }

    #[test]
    fn an_object_of_another_session_is_refused_and_nothing_is_linked() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        let other = Session::new(&engine, &registry);
        let p = parent("p");
        session.add(&p)?;
        let c = child("c");
        other.add(&c)?;
        let err = p.append(Parent::children, &c).unwrap_err();
        assert!(
            matches!(err, Error::OtherSession { model: "Child" }),
            "{err}"
        );
        assert!(p.get(Parent::children)?.is_empty());
        assert!(c.get(Child::parent)?.is_none());
        session.commit()?;
        assert_eq!(rows(&engine, "SELECT name FROM parent"), ["'p'"]);
        assert!(rows(&engine, "SELECT name FROM child").is_empty());
        Ok(())
    }
}
