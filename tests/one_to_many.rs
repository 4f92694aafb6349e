//! One-to-many / many-to-one with `back_populates`: in-memory sync and the
//! statements each flush emits.

#[macro_use]
mod common;

use common::{dml, rows, setup};
use orm_core::prelude::*;
use orm_core::ObjectState;

#[derive(Model, Debug, Default)]
#[model(table = "parent")]
pub struct Parent {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    #[relationship(back_populates = "parent")]
    pub children: Many<Child>,
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

fn registry() -> std::sync::Arc<Registry> {
    Registry::builder().model::<Parent>().build().unwrap()
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

fn names(children: &[Obj<Child>]) -> Vec<String> {
    children.iter().map(|c| c.borrow().name.clone()).collect()
}

backend_tests! {
    #[test]
    fn insert_parent_with_children() -> orm_core::Result<()> {
        let (engine, session) = setup(&registry());
        let p = parent("p1");
        p.append(Parent::children, &child("c1"))?;
        p.append(Parent::children, &child("c2"))?;
        session.add(&p)?;
        session.commit()?;

        assert_eq!(
            dml(&engine),
            [
                "INSERT INTO parent (name) VALUES (?) ['p1']",
                "INSERT INTO child (name, parent_id) VALUES (?, ?) ['c1', 1]",
                "INSERT INTO child (name, parent_id) VALUES (?, ?) ['c2', 1]",
            ]
        );
        assert_eq!(
            rows(&engine, "SELECT id, name, parent_id FROM child"),
            ["1, 'c1', 1", "2, 'c2', 1"]
        );
        assert_eq!(p.borrow().id, Some(1));
        assert_eq!(p.state(), ObjectState::Persistent);
        let kids = p.get(Parent::children)?;
        assert_eq!(names(&kids), ["c1", "c2"]);
        assert!(kids.iter().all(|k| k.borrow().parent_id == Some(1)));
        Ok(())
    }

    #[test]
    fn insert_from_the_many_to_one_side() -> orm_core::Result<()> {
        let (engine, session) = setup(&registry());
        let c = child("c1");
        let p = parent("p1");
        c.set(Child::parent, &p)?;
        session.add(&c)?; // the parent comes along through Child.parent
        assert_eq!(p.state(), ObjectState::Pending);
        session.commit()?;
        assert_eq!(
            dml(&engine),
            [
                "INSERT INTO parent (name) VALUES (?) ['p1']",
                "INSERT INTO child (name, parent_id) VALUES (?, ?) ['c1', 1]",
            ]
        );
        assert_eq!(names(&p.get(Parent::children)?), ["c1"]);
        Ok(())
    }

    /// The seed program, literally: `child.parent = parent` makes
    /// `parent.children` hold the child at once, with no session.
    #[test]
    fn backref_sync_on_transient_objects() -> orm_core::Result<()> {
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
        assert_eq!(ids, [Some(5)]);
        assert_eq!(child.state(), ObjectState::Transient);
        Ok(())
    }

    #[test]
    fn backref_sync_from_the_collection_side() -> orm_core::Result<()> {
        let p1 = parent("p1");
        let p2 = parent("p2");
        let c = child("c");
        p1.append(Parent::children, &c)?;
        assert!(c.get(Child::parent)?.unwrap().ptr_eq(&p1));

        // Moving: appending to p2 takes the child out of p1.
        p2.append(Parent::children, &c)?;
        assert!(c.get(Child::parent)?.unwrap().ptr_eq(&p2));
        assert!(p1.get(Parent::children)?.is_empty());

        p2.remove(Parent::children, &c)?;
        assert!(c.get(Child::parent)?.is_none());

        // Setting None from the scalar side empties the collection.
        c.set(Child::parent, &p1)?;
        c.set(Child::parent, None)?;
        assert!(p1.get(Parent::children)?.is_empty());

        // Objects given at construction are linked back.
        let c2 = child("c2");
        let p3 = Obj::new(Parent {
            name: "p3".into(),
            children: Many::from(vec![c2.clone()]),
            ..Default::default()
        });
        assert!(c2.get(Child::parent)?.unwrap().ptr_eq(&p3));
        Ok(())
    }

    #[test]
    fn remove_child_nulls_its_foreign_key() -> orm_core::Result<()> {
        let (engine, session) = setup(&registry());
        let p = parent("p");
        let c = child("c");
        p.append(Parent::children, &c)?;
        session.add(&p)?;
        session.commit()?;
        dml(&engine);

        p.remove(Parent::children, &c)?;
        session.commit()?;
        assert_eq!(
            dml(&engine),
            ["UPDATE child SET parent_id = ? WHERE id = ? [None, 1]"]
        );
        assert_eq!(
            rows(&engine, "SELECT id, parent_id FROM child"),
            ["1, None"]
        );
        assert_eq!(c.borrow().parent_id, None);
        assert!(c.get(Child::parent)?.is_none());
        Ok(())
    }

    #[test]
    fn move_child_between_parents_is_one_update() -> orm_core::Result<()> {
        let (engine, session) = setup(&registry());
        let p1 = parent("p1");
        let p2 = parent("p2");
        let c = child("c");
        p1.append(Parent::children, &c)?;
        session.add(&p1)?;
        session.add(&p2)?;
        session.commit()?;
        dml(&engine);

        p2.append(Parent::children, &c)?;
        assert!(p1.get(Parent::children)?.is_empty());
        assert_eq!(names(&p2.get(Parent::children)?), ["c"]);
        session.commit()?;
        assert_eq!(
            dml(&engine),
            ["UPDATE child SET parent_id = ? WHERE id = ? [2, 1]"]
        );
        assert_eq!(rows(&engine, "SELECT id, parent_id FROM child"), ["1, 2"]);
        Ok(())
    }

    #[test]
    fn delete_parent_nulls_unloaded_children() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        let p = parent("p");
        p.append(Parent::children, &child("a"))?;
        p.append(Parent::children, &child("b"))?;
        session.add(&p)?;
        session.commit()?;
        drop(session);
        drop(p);

        // A fresh session: the parent is loaded, its children are not.
        let session = Session::new(&engine, &registry);
        let p = session.get::<Parent>(1)?.expect("parent 1");
        assert!(!p.borrow().children.is_loaded());
        engine.take_recorded();
        session.delete(&p)?;
        session.commit()?;
        assert_eq!(
            common::sql(&engine),
            [
                "SELECT id, name, parent_id FROM child WHERE parent_id = ? [1]",
                "BEGIN",
                "UPDATE child SET parent_id = ? WHERE id = ? [None, 1]",
                "UPDATE child SET parent_id = ? WHERE id = ? [None, 2]",
                "DELETE FROM parent WHERE id = ? [1]",
                "COMMIT",
            ]
        );
        assert_eq!(
            rows(&engine, "SELECT id, parent_id FROM child"),
            ["1, None", "2, None"]
        );
        assert!(rows(&engine, "SELECT id FROM parent").is_empty());
        assert_eq!(p.state(), ObjectState::Detached);
        Ok(())
    }

    #[test]
    fn scalar_changes_update_only_changed_columns() -> orm_core::Result<()> {
        let (engine, session) = setup(&registry());
        let c = child("c");
        session.add(&c)?;
        session.commit()?;
        dml(&engine);

        // Touching without changing emits nothing.
        c.borrow_mut().name = "c".into();
        session.commit()?;
        assert!(dml(&engine).is_empty());

        c.borrow_mut().name = "renamed".into();
        session.commit()?;
        assert_eq!(
            dml(&engine),
            ["UPDATE child SET name = ? WHERE id = ? ['renamed', 1]"]
        );
        assert_eq!(rows(&engine, "SELECT name FROM child"), ["'renamed'"]);
        Ok(())
    }

    #[test]
    fn identity_map_gives_one_object_per_row() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        let p = parent("p");
        p.append(Parent::children, &child("c"))?;
        session.add(&p)?;
        session.commit()?;
        drop(session);

        let session = Session::new(&engine, &registry);
        let a = session.get::<Parent>(1)?.unwrap();
        let b = session.get::<Parent>(1)?.unwrap();
        assert!(a.ptr_eq(&b));
        let all = session.query::<Parent>().all()?;
        assert!(all[0].ptr_eq(&a));
        let c = session.query::<Child>().one()?;
        assert!(c.get(Child::parent)?.unwrap().ptr_eq(&a));
        assert!(!p.ptr_eq(&a), "a new session has its own objects");
        Ok(())
    }

    #[test]
    fn lazy_load_on_first_use() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        let p = parent("p");
        p.append(Parent::children, &child("a"))?;
        p.append(Parent::children, &child("b"))?;
        session.add(&p)?;
        session.commit()?;
        drop(session);

        let session = Session::new(&engine, &registry);
        let p = session.get::<Parent>(1)?.unwrap();
        engine.take_recorded();
        let kids = p.get(Parent::children)?;
        assert_eq!(names(&kids), ["a", "b"]);
        assert_eq!(
            common::selects(&engine),
            ["SELECT id, name, parent_id FROM child WHERE parent_id = ? [1]"]
        );
        // Loaded once: no second query, and the many-to-one side comes from the
        // identity map.
        p.get(Parent::children)?;
        assert!(kids[0].get(Child::parent)?.unwrap().ptr_eq(&p));
        assert!(common::selects(&engine).is_empty());
        Ok(())
    }

    #[test]
    fn lazy_load_without_session_is_an_error() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        session.add(&parent("p"))?;
        session.commit()?;
        drop(session);
        let session = Session::new(&engine, &registry);
        let p = session.get::<Parent>(1)?.unwrap();
        drop(session);
        let err = p.get(Parent::children).unwrap_err();
        assert!(matches!(err, orm_core::Error::Detached { .. }), "{err}");
        assert_eq!(
            err.to_string(),
            "`Parent.children` is not loaded and the object is not attached to a session; add it to a session first"
        );
        Ok(())
    }
}
