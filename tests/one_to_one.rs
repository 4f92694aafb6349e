//! One-to-one: a scalar on both sides, for both placements of the foreign
//! key (seed 002), replacement and stealing.

#[macro_use]
mod common;

use common::{dml, rows, setup};
use orm_core::prelude::*;

/// The one-to-many turned one-to-one: the foreign key is on the child,
/// unique, and the child is deleted when replaced.
mod child_holds_key {
    use super::*;

    #[derive(Model, Debug, Default)]
    #[model(table = "parent")]
    pub struct Parent {
        #[column(primary_key)]
        pub id: Option<i64>,
        pub name: String,
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
        #[column(foreign_key = "parent.id", unique)]
        pub parent_id: Option<i64>,
        #[relationship(back_populates = "child")]
        pub parent: One<Parent>,
    }
}

/// Without delete-orphan: the replaced child keeps its row, its key NULLed.
mod child_kept {
    use super::*;

    #[derive(Model, Debug, Default)]
    #[model(table = "parent")]
    pub struct Parent {
        #[column(primary_key)]
        pub id: Option<i64>,
        pub name: String,
        #[relationship(back_populates = "parent")]
        pub child: One<Child>,
    }

    #[derive(Model, Debug, Default)]
    #[model(table = "child")]
    pub struct Child {
        #[column(primary_key)]
        pub id: Option<i64>,
        pub name: String,
        #[column(foreign_key = "parent.id", unique)]
        pub parent_id: Option<i64>,
        #[relationship(back_populates = "child")]
        pub parent: One<Parent>,
    }
}

fn named<T: Model + Default>(name: &str, set: impl Fn(&mut T, String)) -> Obj<T> {
    let mut value = T::default();
    set(&mut value, name.to_owned());
    Obj::new(value)
}

backend_tests! {
    #[test]
    fn direction_of_a_scalar_on_the_parent_side_is_one_to_many() -> orm_core::Result<()> {
        use child_holds_key::{Child, Parent};
        let registry = Registry::builder().model::<Parent>().build()?;
        assert_eq!(
            registry.direction(Parent::child),
            Some(orm_core::Direction::OneToMany)
        );
        assert_eq!(
            registry.direction(Child::parent),
            Some(orm_core::Direction::ManyToOne)
        );
        Ok(())
    }

    #[test]
    fn replacing_deletes_the_orphan_before_the_unique_key_is_reused() -> orm_core::Result<()> {
        use child_holds_key::{Child, Parent};
        let registry = Registry::builder().model::<Parent>().build()?;
        let (engine, session) = setup(&registry);
        let p = named::<Parent>("p", |p, n| p.name = n);
        let old = named::<Child>("old", |c, n| c.name = n);
        p.set(Parent::child, &old)?;
        assert!(old.get(Child::parent)?.unwrap().ptr_eq(&p));
        session.add(&p)?;
        session.commit()?;
        dml(&engine);

        let new = named::<Child>("new", |c, n| c.name = n);
        p.set(Parent::child, &new)?;
        // In memory at once: the old child lost its parent.
        assert!(old.get(Child::parent)?.is_none());
        assert!(new.get(Child::parent)?.unwrap().ptr_eq(&p));
        session.commit()?;
        // The old row goes first, so the UNIQUE parent_id is free for the new one.
        assert_eq!(
            dml(&engine),
            [
                "DELETE FROM child WHERE id = ? [1]",
                "INSERT INTO child (name, parent_id) VALUES (?, ?) ['new', 1]",
            ]
        );
        assert_eq!(
            rows(&engine, "SELECT name, parent_id FROM child"),
            ["'new', 1"]
        );
        assert_eq!(old.state(), orm_core::ObjectState::Detached);
        Ok(())
    }

    #[test]
    fn replacing_nulls_the_old_key_first_without_delete_orphan() -> orm_core::Result<()> {
        use child_kept::{Child, Parent};
        let registry = Registry::builder().model::<Parent>().build()?;
        let (engine, session) = setup(&registry);
        let p = named::<Parent>("p", |p, n| p.name = n);
        let old = named::<Child>("old", |c, n| c.name = n);
        p.set(Parent::child, &old)?;
        session.add(&p)?;
        session.commit()?;
        dml(&engine);

        let new = named::<Child>("new", |c, n| c.name = n);
        new.set(Child::parent, &p)?; // from the other side this time
        assert!(p.get(Parent::child)?.unwrap().ptr_eq(&new));
        assert!(old.get(Child::parent)?.is_none());
        session.add(&new)?;
        session.commit()?;
        assert_eq!(
            dml(&engine),
            [
                "UPDATE child SET parent_id = ? WHERE id = ? [None, 1]",
                "INSERT INTO child (name, parent_id) VALUES (?, ?) ['new', 1]",
            ]
        );
        assert_eq!(
            rows(&engine, "SELECT name, parent_id FROM child ORDER BY id"),
            ["'old', None", "'new', 1"]
        );
        Ok(())
    }

    #[test]
    fn stealing_a_child_updates_both_owners() -> orm_core::Result<()> {
        use child_holds_key::{Child, Parent};
        let registry = Registry::builder().model::<Parent>().build()?;
        let (engine, session) = setup(&registry);
        let p1 = named::<Parent>("p1", |p, n| p.name = n);
        let p2 = named::<Parent>("p2", |p, n| p.name = n);
        let c = named::<Child>("c", |c, n| c.name = n);
        p1.set(Parent::child, &c)?;
        session.add(&p1)?;
        session.add(&p2)?;
        session.commit()?;
        dml(&engine);

        p2.set(Parent::child, &c)?;
        assert!(p1.get(Parent::child)?.is_none());
        assert!(c.get(Child::parent)?.unwrap().ptr_eq(&p2));
        session.commit()?;
        // Moved, not orphaned: one UPDATE, no DELETE.
        assert_eq!(
            dml(&engine),
            ["UPDATE child SET parent_id = ? WHERE id = ? [2, 1]"]
        );
        Ok(())
    }
}

/// The many-to-one turned one-to-one: the key is on the parent
/// (`Parent.child_id`), and the child's side is a scalar.
mod parent_holds_key {
    use super::*;

    #[derive(Model, Debug, Default)]
    #[model(table = "parent")]
    pub struct Parent {
        #[column(primary_key)]
        pub id: Option<i64>,
        #[column(foreign_key = "child.id")]
        pub child_id: Option<i64>,
        #[relationship(back_populates = "parent")]
        pub child: One<Child>,
    }

    #[derive(Model, Debug, Default)]
    #[model(table = "child")]
    pub struct Child {
        #[column(primary_key)]
        pub id: Option<i64>,
        #[relationship(back_populates = "child", uselist = false)]
        pub parent: One<Parent>,
    }
}

backend_tests! {
    #[test]
    fn many_to_one_turned_one_to_one() -> orm_core::Result<()> {
        use parent_holds_key::{Child, Parent};
        let registry = Registry::builder().model::<Parent>().build()?;
        assert_eq!(
            registry.direction(Child::parent),
            Some(orm_core::Direction::OneToMany)
        );
        let (engine, session) = setup(&registry);
        let p = Obj::new(Parent::default());
        let c = Obj::new(Child::default());
        c.set(Child::parent, &p)?;
        assert!(p.get(Parent::child)?.unwrap().ptr_eq(&c));
        session.add(&c)?;
        session.commit()?;
        assert_eq!(
            dml(&engine),
            [
                "INSERT INTO child DEFAULT VALUES",
                "INSERT INTO parent (child_id) VALUES (?) [1]",
            ]
        );
        drop((session, p, c));

        let session = Session::new(&engine, &registry);
        let c = session.get::<Child>(1)?.unwrap();
        let p = c
            .get(Child::parent)?
            .expect("loaded through parent.child_id");
        assert_eq!(p.borrow().child_id, Some(1));
        assert!(p.get(Parent::child)?.unwrap().ptr_eq(&c));
        Ok(())
    }

    #[test]
    fn taking_a_saved_child_frees_the_unique_key_first() -> orm_core::Result<()> {
        use child_kept::{Child, Parent};
        let registry = Registry::builder().model::<Parent>().build()?;
        let (engine, session) = setup(&registry);
        let p1 = named::<Parent>("p1", |p, n| p.name = n);
        let p2 = named::<Parent>("p2", |p, n| p.name = n);
        let a = named::<Child>("a", |c, n| c.name = n);
        let b = named::<Child>("b", |c, n| c.name = n);
        p2.set(Parent::child, &a)?;
        p1.set(Parent::child, &b)?;
        session.add(&p1)?;
        session.add(&p2)?;
        session.commit()?;
        dml(&engine);

        // (b was inserted first: b is child 1, a is child 2.)
        // p1 takes a (from p2); b loses its parent. b's key is cleared before
        // a's is set, or the UNIQUE constraint would trip.
        p1.set(Parent::child, &a)?;
        assert!(p2.get(Parent::child)?.is_none());
        assert!(b.get(Child::parent)?.is_none());
        session.commit()?;
        assert_eq!(
            dml(&engine),
            [
                "UPDATE child SET parent_id = ? WHERE id = ? [None, 1]",
                "UPDATE child SET parent_id = ? WHERE id = ? [1, 2]",
            ]
        );
        Ok(())
    }
}

/// Two stored pairs swap their children: no order of two UPDATEs keeps the
/// UNIQUE key satisfied at every step, so both keys are NULLed first, then
/// written (found by the seed property suite).
#[test]
fn swapping_children_nulls_the_unique_keys_first() -> orm_core::Result<()> {
    use child_kept::{Child, Parent};
    let registry = Registry::builder().model::<Parent>().build()?;
    let (engine, session) = setup(&registry);
    let p1 = named::<Parent>("p1", |p, n| p.name = n);
    let p2 = named::<Parent>("p2", |p, n| p.name = n);
    let a = named::<Child>("a", |c, n| c.name = n);
    let b = named::<Child>("b", |c, n| c.name = n);
    p1.set(Parent::child, &a)?;
    p2.set(Parent::child, &b)?;
    session.add(&p1)?;
    session.add(&p2)?;
    session.commit()?;
    dml(&engine);

    p1.set(Parent::child, &b)?;
    p2.set(Parent::child, &a)?;
    session.commit()?;
    assert_eq!(
        dml(&engine),
        [
            "UPDATE child SET parent_id = ? WHERE id = ? [None, 1]",
            "UPDATE child SET parent_id = ? WHERE id = ? [None, 2]",
            "UPDATE child SET parent_id = ? WHERE id = ? [2, 1]",
            "UPDATE child SET parent_id = ? WHERE id = ? [1, 2]",
        ]
    );
    assert_eq!(
        rows(&engine, "SELECT name, parent_id FROM child ORDER BY id"),
        ["'a', 2", "'b', 1"]
    );
    assert!(a.get(Child::parent)?.unwrap().ptr_eq(&p2));
    assert!(b.get(Child::parent)?.unwrap().ptr_eq(&p1));
    Ok(())
}

/// A stored child moves to a new parent while another child takes its old
/// one: only the moving child's key is NULLed first.
#[test]
fn moving_a_child_to_a_new_parent_while_another_takes_its_place() -> orm_core::Result<()> {
    use child_kept::{Child, Parent};
    let registry = Registry::builder().model::<Parent>().build()?;
    let (engine, session) = setup(&registry);
    let p0 = named::<Parent>("p0", |p, n| p.name = n);
    let c2 = named::<Child>("c2", |c, n| c.name = n);
    let c3 = named::<Child>("c3", |c, n| c.name = n);
    p0.set(Parent::child, &c2)?;
    session.add(&c3)?;
    session.add(&c2)?;
    session.commit()?;
    dml(&engine);

    // (c3 is child 1, c2 child 2.)
    let p1 = named::<Parent>("p1", |p, n| p.name = n);
    p1.set(Parent::child, &c2)?;
    p0.set(Parent::child, &c3)?;
    session.commit()?;
    assert_eq!(
        dml(&engine),
        [
            "INSERT INTO parent (name) VALUES (?) ['p1']",
            "UPDATE child SET parent_id = ? WHERE id = ? [None, 2]",
            "UPDATE child SET parent_id = ? WHERE id = ? [1, 1]",
            "UPDATE child SET parent_id = ? WHERE id = ? [2, 2]",
        ]
    );
    assert_eq!(
        rows(&engine, "SELECT name, parent_id FROM child ORDER BY id"),
        ["'c3', 1", "'c2', 2"]
    );
    Ok(())
}
