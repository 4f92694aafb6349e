//! Cascades: `delete`, `delete-orphan`, `all`, and what happens without
//! them.

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
    #[relationship(back_populates = "parent", cascade = "all, delete-orphan")]
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
    #[relationship(back_populates = "child", cascade = "all")]
    pub toys: Many<Toy>,
}

#[derive(Model, Debug, Default)]
#[model(table = "toy")]
pub struct Toy {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[column(foreign_key = "child.id")]
    pub child_id: Option<i64>,
    #[relationship(back_populates = "toys")]
    pub child: One<Child>,
}

fn registry() -> std::sync::Arc<Registry> {
    Registry::builder().model::<Parent>().build().unwrap()
}

fn family(session: &Session) -> orm_core::Result<(Obj<Parent>, Obj<Child>, Obj<Child>)> {
    let p = Obj::new(Parent {
        name: "p".into(),
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
    p.append(Parent::children, &a)?;
    p.append(Parent::children, &b)?;
    a.append(Child::toys, &Obj::new(Toy::default()))?;
    session.add(&p)?;
    session.commit()?;
    Ok((p, a, b))
}

backend_tests! {
    #[test]
    fn delete_cascades_to_children_and_grandchildren_children_first() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        family(&session)?;
        drop(session);

        // A fresh session: the cascade loads what it needs.
        let session = Session::new(&engine, &registry);
        let p = session.get::<Parent>(1)?.unwrap();
        engine.take_recorded();
        session.delete(&p)?;
        session.commit()?;
        assert_eq!(
            dml(&engine),
            [
                "DELETE FROM toy WHERE id = ? [1]",
                "DELETE FROM child WHERE id = ? [1]",
                "DELETE FROM child WHERE id = ? [2]",
                "DELETE FROM parent WHERE id = ? [1]",
            ]
        );
        for table in ["parent", "child", "toy"] {
            assert_eq!(
                rows(&engine, &format!("SELECT count(*) FROM {table}")),
                ["0"],
                "{table}"
            );
        }
        Ok(())
    }

    #[test]
    fn delete_orphan_deletes_a_removed_child() -> orm_core::Result<()> {
        let (engine, session) = setup(&registry());
        let (p, a, _b) = family(&session)?;
        dml(&engine);

        p.remove(Parent::children, &a)?;
        session.commit()?;
        // The orphan goes, and its toys with it (cascade "all" on Child.toys).
        assert_eq!(
            dml(&engine),
            [
                "DELETE FROM toy WHERE id = ? [1]",
                "DELETE FROM child WHERE id = ? [1]"
            ]
        );
        assert_eq!(a.state(), ObjectState::Detached);
        assert_eq!(rows(&engine, "SELECT name FROM child"), ["'b'"]);
        Ok(())
    }

    #[test]
    fn moving_a_child_with_delete_orphan_keeps_it() -> orm_core::Result<()> {
        let (engine, session) = setup(&registry());
        let (p, a, _b) = family(&session)?;
        let other = Obj::new(Parent {
            name: "other".into(),
            ..Default::default()
        });
        session.add(&other)?;
        session.commit()?;
        dml(&engine);

        other.append(Parent::children, &a)?;
        assert!(!p.get(Parent::children)?.contains(&a));
        session.commit()?;
        assert_eq!(
            dml(&engine),
            ["UPDATE child SET parent_id = ? WHERE id = ? [2, 1]"]
        );
        assert_eq!(a.state(), ObjectState::Persistent);
        Ok(())
    }

    #[test]
    fn a_pending_child_removed_before_flush_is_never_inserted() -> orm_core::Result<()> {
        let (engine, session) = setup(&registry());
        let (p, _a, _b) = family(&session)?;
        dml(&engine);

        let c = Obj::new(Child {
            name: "c".into(),
            ..Default::default()
        });
        p.append(Parent::children, &c)?;
        session.flush()?; // c is INSERTed here...
        p.remove(Parent::children, &c)?;
        session.commit()?; // ...and DELETEd here as an orphan
        assert_eq!(
            dml(&engine),
            [
                "INSERT INTO child (name, parent_id) VALUES (?, ?) ['c', 1]",
                "DELETE FROM child WHERE id = ? [3]",
            ]
        );

        let d = Obj::new(Child {
            name: "d".into(),
            ..Default::default()
        });
        p.append(Parent::children, &d)?;
        session.add(&d)?;
        p.remove(Parent::children, &d)?;
        session.commit()?;
        let statements = dml(&engine);
        assert!(statements.is_empty(), "never inserted: {statements:?}");
        assert_eq!(d.state(), ObjectState::Transient);
        Ok(())
    }

    #[test]
    fn setting_the_parent_to_none_orphans_the_child() -> orm_core::Result<()> {
        let (engine, session) = setup(&registry());
        let (_p, _a, b) = family(&session)?;
        dml(&engine);
        b.set(Child::parent, None)?;
        session.commit()?;
        assert_eq!(dml(&engine), ["DELETE FROM child WHERE id = ? [2]"]);
        Ok(())
    }

    #[test]
    fn moving_a_pending_child_keeps_it_pending() -> orm_core::Result<()> {
        let (engine, session) = setup(&registry());
        let (p, _a, _b) = family(&session)?;
        let other = Obj::new(Parent {
            name: "other".into(),
            ..Default::default()
        });
        session.add(&other)?;
        let c = Obj::new(Child {
            name: "c".into(),
            ..Default::default()
        });
        p.append(Parent::children, &c)?;
        session.add(&c)?;
        other.append(Parent::children, &c)?; // moved before any flush: not an orphan
        assert_eq!(c.state(), ObjectState::Pending);
        session.commit()?;
        assert_eq!(
            rows(
                &engine,
                "SELECT name, parent_id FROM child WHERE name = 'c'"
            ),
            ["'c', 2"]
        );
        Ok(())
    }
}

mod passive {
    use super::*;

    #[derive(Model, Debug, Default)]
    pub struct Blog {
        #[column(primary_key)]
        pub id: Option<i64>,
        #[relationship(back_populates = "blog", passive_deletes)]
        pub posts: Many<Post>,
    }

    #[derive(Model, Debug, Default)]
    pub struct Post {
        #[column(primary_key)]
        pub id: Option<i64>,
        #[column(foreign_key = "blog.id", on_delete = "cascade")]
        pub blog_id: Option<i64>,
        #[relationship(back_populates = "posts")]
        pub blog: One<Blog>,
    }
}

backend_tests! {
    #[test]
    fn passive_deletes_on_a_one_to_many() -> orm_core::Result<()> {
        use passive::{Blog, Post};
        let registry = Registry::builder().model::<Blog>().build()?;
        let engine = orm_sqlite::memory()?;
        assert!(registry.create_table_sql(engine.dialect())[1]
            .contains("FOREIGN KEY (blog_id) REFERENCES blog (id) ON DELETE CASCADE"));
        drop(engine);
        let (engine, session) = setup(&registry);
        let blog = Obj::new(Blog::default());
        for _ in 0..3 {
            blog.append(Blog::posts, &Obj::new(Post::default()))?;
        }
        session.add(&blog)?;
        session.commit()?;
        drop((session, blog));

        // Unloaded posts are neither loaded nor touched: the database deletes them.
        let session = Session::new(&engine, &registry);
        let blog = session.get::<Blog>(1)?.unwrap();
        engine.take_recorded();
        session.delete(&blog)?;
        session.commit()?;
        assert_eq!(
            common::sql(&engine),
            ["BEGIN", "DELETE FROM blog WHERE id = ? [1]", "COMMIT"]
        );
        assert_eq!(rows(&engine, "SELECT count(*) FROM post"), ["0"]);
        Ok(())
    }

    #[test]
    fn expunge_cascades_with_all() -> orm_core::Result<()> {
        let (_engine, session) = setup(&registry());
        let (p, a, b) = family(&session)?;
        let toy = a.get(Child::toys)?.remove(0);
        session.expunge(&p)?;
        for state in [p.state(), a.state(), b.state(), toy.state()] {
            assert_eq!(state, ObjectState::Detached);
        }
        Ok(())
    }

    /// The flush's save-update cascade skips the objects it walked since
    /// their relationships last changed; an object that left the session in
    /// between is found again, as a full walk finds it.
    #[test]
    fn the_flush_cascade_finds_what_left_the_session_after_add() -> orm_core::Result<()> {
        let (engine, session) = setup(&registry());
        let p = Obj::new(Parent {
            name: "p".into(),
            ..Default::default()
        });
        let a = Obj::new(Child {
            name: "a".into(),
            ..Default::default()
        });
        p.append(Parent::children, &a)?;
        session.add(&p)?;
        session.expunge(&a)?;
        assert_eq!(a.state(), ObjectState::Transient);
        assert_eq!(p.state(), ObjectState::Pending);
        session.commit()?;
        assert_eq!(a.state(), ObjectState::Persistent);
        assert_eq!(rows(&engine, "SELECT name, parent_id FROM child"), ["'a', 1"]);
        Ok(())
    }

    /// A relationship changed after `add` (or after a flush) is walked again.
    #[test]
    fn the_flush_cascade_walks_relationships_changed_since_add() -> orm_core::Result<()> {
        let (engine, session) = setup(&registry());
        let p = Obj::new(Parent {
            name: "p".into(),
            ..Default::default()
        });
        session.add(&p)?;
        let a = Obj::new(Child {
            name: "a".into(),
            ..Default::default()
        });
        p.append(Parent::children, &a)?;
        session.commit()?;
        let toy = Obj::new(Toy::default());
        a.append(Child::toys, &toy)?;
        session.commit()?;
        assert_eq!(toy.state(), ObjectState::Persistent);
        assert_eq!(rows(&engine, "SELECT name, parent_id FROM child"), ["'a', 1"]);
        assert_eq!(rows(&engine, "SELECT id, child_id FROM toy"), ["1, 1"]);
        Ok(())
    }

    /// A pending object's relationship changed from the other side (no
    /// attach: the changed object is transient), then another `add`: the
    /// flush still walks the changed object, though the `add` after the
    /// change walked only what it added.
    #[test]
    fn the_flush_cascade_walks_a_change_made_before_another_add() -> orm_core::Result<()> {
        let (engine, session) = setup(&registry());
        let (p, q) = (
            Obj::new(Parent { name: "p".into(), ..Default::default() }),
            Obj::new(Parent { name: "q".into(), ..Default::default() }),
        );
        let a = Obj::new(Child { name: "a".into(), ..Default::default() });
        p.append(Parent::children, &a)?;
        session.add(&p)?;
        let toy = Obj::new(Toy::default());
        toy.set(Toy::child, &a)?;
        assert_eq!(toy.state(), ObjectState::Transient);
        session.add(&q)?;
        session.commit()?;
        assert_eq!(toy.state(), ObjectState::Persistent);
        assert_eq!(rows(&engine, "SELECT id, child_id FROM toy"), ["1, 1"]);
        Ok(())
    }
}
