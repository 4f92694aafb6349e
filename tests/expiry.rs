//! `refresh`, `expire`, `expire_all` and `expire_on_commit`: a long-lived
//! session sees what another writer committed when it asks.

#[macro_use]
mod common;

use common::{dml, selects, setup};
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

/// A parent "p" (id 1) with one child "a" (id 1), committed.
fn committed_family(session: &Session) -> orm_core::Result<Obj<Parent>> {
    let p = Obj::new(Parent {
        name: "p".into(),
        ..Default::default()
    });
    p.append(
        Parent::children,
        &Obj::new(Child {
            name: "a".into(),
            ..Default::default()
        }),
    )?;
    session.add(&p)?;
    session.commit()?;
    Ok(p)
}

fn child_names(p: &Obj<Parent>) -> Vec<String> {
    p.get(Parent::children)
        .unwrap()
        .iter()
        .map(|c| c.borrow().name.clone())
        .collect()
}

backend_tests! {
    #[test]
    fn refresh_reads_the_row_and_reloads_relationships_on_next_use() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        let p = committed_family(&session)?;
        assert_eq!(child_names(&p), ["a"]);
        // Another writer renames the parent and adds a child.
        engine.execute("UPDATE parent SET name = 'renamed' WHERE id = 1", &[])?;
        engine.execute("INSERT INTO child (name, parent_id) VALUES ('b', 1)", &[])?;
        // An unflushed change is discarded by the refresh.
        p.borrow_mut().name = "mine".into();
        engine.take_recorded();
        session.refresh(&p)?;
        assert_eq!(
            selects(&engine),
            ["SELECT id, name FROM parent WHERE id = ? [1]"]
        );
        assert_eq!(p.borrow().name, "renamed");
        assert_eq!(child_names(&p), ["a", "b"]);
        // Nothing is left to write.
        session.commit()?;
        assert!(dml(&engine).is_empty());
        Ok(())
    }

    #[test]
    fn refresh_of_a_deleted_row_is_a_typed_error_and_the_object_leaves() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        let p = committed_family(&session)?;
        engine.execute("DELETE FROM child", &[])?;
        engine.execute("DELETE FROM parent", &[])?;
        let err = session.refresh(&p).unwrap_err();
        assert!(
            matches!(err, Error::ObjectDeleted { model: "Parent", ref key } if key == "1"),
            "{err}"
        );
        assert_eq!(p.state(), ObjectState::Detached);
        assert!(session.get::<Parent>(1)?.is_none());
        Ok(())
    }

    #[test]
    fn an_expired_object_is_overwritten_by_the_next_load_of_its_row() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        let p = committed_family(&session)?;
        engine.execute("UPDATE parent SET name = 'x' WHERE id = 1", &[])?;
        // Without expiry the identity map's state wins.
        assert_eq!(session.query::<Parent>().one()?.borrow().name, "p");
        p.borrow_mut().name = "unflushed".into();
        session.expire(&p)?;
        // Unflushed changes are gone; the last known value stays until a load.
        assert_eq!(p.borrow().name, "p");
        let loaded = session.query::<Parent>().one()?;
        assert!(loaded.ptr_eq(&p));
        assert_eq!(p.borrow().name, "x");

        engine.execute("UPDATE parent SET name = 'y' WHERE id = 1", &[])?;
        session.expire(&p)?;
        engine.take_recorded();
        // `get` of an expired object reads its row, even though it is in the
        // identity map.
        let got = session.get::<Parent>(1)?.expect("row exists");
        assert!(got.ptr_eq(&p));
        assert_eq!(p.borrow().name, "y");
        assert_eq!(selects(&engine).len(), 1);
        // And once loaded it is not expired any more: no further SELECT.
        session.get::<Parent>(1)?;
        assert!(selects(&engine).is_empty());
        session.commit()?;
        assert!(dml(&engine).is_empty());
        Ok(())
    }

    #[test]
    fn expire_all_and_a_deleted_row() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        committed_family(&session)?;
        engine.execute("UPDATE child SET name = 'z'", &[])?;
        engine.execute("DELETE FROM child", &[])?;
        engine.execute("DELETE FROM parent", &[])?;
        session.expire_all()?;
        assert!(session.get::<Parent>(1)?.is_none());
        assert!(session.get::<Child>(1)?.is_none());
        Ok(())
    }

    #[test]
    fn expire_on_commit_shows_other_writers_after_each_commit() -> orm_core::Result<()> {
        let registry = registry();
        let (writer_engine, reader_engine) = common::two_engines();
        registry.create_all(&writer_engine)?;
        let reader = Session::new(&reader_engine, &registry).expire_on_commit(true);
        let writer = Session::new(&writer_engine, &registry);

        let p = committed_family(&reader)?;
        let theirs = writer.get::<Parent>(1)?.expect("row");
        theirs.borrow_mut().name = "from the writer".into();
        writer.commit()?;

        // Committed before the write: the reader's object was expired by its
        // own commit, so the next `get` sees the writer's value.
        let again = reader.get::<Parent>(1)?.expect("row");
        assert!(again.ptr_eq(&p));
        assert_eq!(p.borrow().name, "from the writer");

        // Without expire_on_commit a session keeps what it loaded.
        reader.set_expire_on_commit(false);
        reader.commit()?;
        theirs.borrow_mut().name = "second".into();
        writer.commit()?;
        assert_eq!(
            reader.get::<Parent>(1)?.expect("row").borrow().name,
            "from the writer"
        );
        reader.refresh(&p)?;
        assert_eq!(p.borrow().name, "second");
        Ok(())
    }

    #[test]
    fn refresh_and_expire_need_a_persistent_object_of_the_session() -> orm_core::Result<()> {
        let registry = registry();
        let (_engine, session) = setup(&registry);
        let p = Obj::new(Parent::default());
        let err = session.refresh(&p).unwrap_err();
        assert!(
            matches!(
                err,
                Error::InvalidState {
                    state: "transient",
                    ..
                }
            ),
            "{err}"
        );
        session.add(&p)?;
        let err = session.expire(&p).unwrap_err();
        assert!(
            matches!(
                err,
                Error::InvalidState {
                    state: "pending",
                    ..
                }
            ),
            "{err}"
        );
        Ok(())
    }
}
