//! Misuse gives typed errors and changes nothing: a relationship operation
//! that fails is not half applied, and user mistakes are never reported as
//! internal errors.

#[macro_use]
mod common;

use common::{rows, setup};
use orm_core::prelude::*;
use orm_core::{Error, ObjectState, Value};

#[derive(Model, Debug, Default)]
#[model(table = "node")]
pub struct Node {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    #[column(foreign_key = "node.id")]
    pub parent_id: Option<i64>,
    #[relationship(back_populates = "children")]
    pub parent: One<Node>,
    #[relationship(back_populates = "parent")]
    pub children: Many<Node>,
}

fn node(name: &str) -> Obj<Node> {
    Obj::new(Node {
        name: name.into(),
        ..Default::default()
    })
}

fn names(nodes: &[Obj<Node>]) -> Vec<String> {
    nodes.iter().map(|n| n.borrow().name.clone()).collect()
}

fn children(n: &Obj<Node>) -> Vec<String> {
    names(&n.get(Node::children).expect("children"))
}

fn parent(n: &Obj<Node>) -> Option<String> {
    n.get(Node::parent)
        .expect("parent")
        .map(|p| p.borrow().name.clone())
}

backend_tests! {
    #[test]
    fn append_while_the_item_is_borrowed_changes_nothing() {
        let p = node("p");
        let c = node("c");
        let guard = c.borrow();
        let err = p.append(Node::children, &c).unwrap_err();
        assert!(matches!(err, Error::Borrowed { model: "Node" }), "{err}");
        drop(guard);
        assert!(children(&p).is_empty());
        assert_eq!(parent(&c), None);
        // Retrying after the guard is gone works.
        p.append(Node::children, &c).unwrap();
        assert_eq!(children(&p), ["c"]);
        assert_eq!(parent(&c).as_deref(), Some("p"));
    }

    #[test]
    fn a_failed_move_leaves_both_parents_as_they_were() -> orm_core::Result<()> {
        let old = node("old");
        let new = node("new");
        let c = node("c");
        old.append(Node::children, &c)?;
        // The old parent is borrowed: moving the child would have to change it.
        let guard = old.borrow();
        let err = new.append(Node::children, &c).unwrap_err();
        assert!(matches!(err, Error::Borrowed { .. }), "{err}");
        drop(guard);
        assert_eq!(children(&old), ["c"]);
        assert!(children(&new).is_empty());
        assert_eq!(parent(&c).as_deref(), Some("old"));

        let guard = old.borrow();
        let err = c.set(Node::parent, &new).unwrap_err();
        assert!(matches!(err, Error::Borrowed { .. }), "{err}");
        drop(guard);
        assert_eq!(children(&old), ["c"]);
        assert!(children(&new).is_empty());
        assert_eq!(parent(&c).as_deref(), Some("old"));

        // After the failure the move goes through and memory agrees everywhere.
        new.append(Node::children, &c)?;
        assert!(children(&old).is_empty());
        assert_eq!(children(&new), ["c"]);
        assert_eq!(parent(&c).as_deref(), Some("new"));
        Ok(())
    }

    #[test]
    fn remove_and_clear_while_borrowed_change_nothing() -> orm_core::Result<()> {
        let p = node("p");
        let c = node("c");
        p.append(Node::children, &c)?;
        let guard = c.borrow();
        assert!(matches!(
            p.remove(Node::children, &c).unwrap_err(),
            Error::Borrowed { .. }
        ));
        drop(guard);
        assert_eq!(children(&p), ["c"]);
        assert_eq!(parent(&c).as_deref(), Some("p"));

        let guard = p.borrow();
        assert!(matches!(
            c.set(Node::parent, None).unwrap_err(),
            Error::Borrowed { .. }
        ));
        drop(guard);
        assert_eq!(children(&p), ["c"]);
        assert_eq!(parent(&c).as_deref(), Some("p"));
        Ok(())
    }

    #[test]
    fn a_failed_commit_after_a_failed_move_writes_the_old_parent() -> orm_core::Result<()> {
        let registry = Registry::builder().model::<Node>().build()?;
        let (engine, session) = setup(&registry);
        let old = node("old");
        let new = node("new");
        let c = node("c");
        old.append(Node::children, &c)?;
        session.add(&old)?;
        session.add(&new)?;
        session.commit()?;
        let guard = old.borrow();
        assert!(new.append(Node::children, &c).is_err());
        drop(guard);
        session.commit()?;
        assert_eq!(
            rows(&engine, "SELECT name, parent_id FROM node ORDER BY name"),
            ["'c', 1", "'new', None", "'old', None"]
        );
        Ok(())
    }

    #[test]
    fn a_new_node_that_is_its_own_parent_is_a_cycle_error() -> orm_core::Result<()> {
        let registry = Registry::builder().model::<Node>().build()?;
        let (engine, session) = setup(&registry);
        let n = node("n");
        n.set(Node::parent, &n)?;
        // Memory agrees on both sides of the loop.
        assert_eq!(children(&n), ["n"]);
        assert_eq!(parent(&n).as_deref(), Some("n"));
        session.add(&n)?;
        let err = session.commit().unwrap_err();
        assert!(matches!(err, Error::Cycle { model: "Node", .. }), "{err}");
        assert!(err.to_string().contains("post_update"), "{err}");
        assert!(rows(&engine, "SELECT id FROM node").is_empty());

        // The session is still usable: break the loop and commit.
        n.set(Node::parent, None)?;
        session.commit()?;
        assert_eq!(rows(&engine, "SELECT id, parent_id FROM node"), ["1, None"]);

        // A persistent row may refer to itself: its key is known.
        n.set(Node::parent, &n)?;
        session.commit()?;
        assert_eq!(rows(&engine, "SELECT id, parent_id FROM node"), ["1, 1"]);
        Ok(())
    }
}

/// `Session::commit` sends COMMIT from its flush, before recording what
/// the flush wrote. A COMMIT that fails (a deferred foreign key, checked
/// only then) still leaves the flush recorded, with its backups, and the
/// transaction open: a rollback then takes the objects back to before it,
/// and the corrected object commits.
#[test]
fn a_failed_commit_is_rolled_back_like_a_flushed_transaction() -> orm_core::Result<()> {
    let registry = Registry::builder().model::<Node>().build()?;
    let engine = orm_sqlite::memory()?;
    registry.create_all(&engine)?;
    let session = Session::new(&engine, &registry);
    let kept = node("kept");
    session.add(&kept)?;
    session.commit()?;

    session.begin()?;
    // Foreign keys are checked at COMMIT until this transaction ends.
    engine.execute("PRAGMA defer_foreign_keys = ON", &[])?;
    kept.borrow_mut().name = "renamed".into();
    let orphan = Obj::new(Node {
        name: "orphan".into(),
        parent_id: Some(99),
        ..Default::default()
    });
    session.add(&orphan)?;
    let err = session.commit().unwrap_err();
    assert_eq!(
        err.db_kind(),
        Some(orm_core::DbErrorKind::ForeignKeyViolation),
        "{err}"
    );
    // The flush is recorded: the new row has its key, the transaction is open.
    assert!(session.in_transaction());
    assert_eq!(orphan.borrow().id, Some(2));
    assert_eq!(orphan.state(), ObjectState::Persistent);

    session.rollback()?;
    assert_eq!(orphan.borrow().id, None);
    assert_eq!(orphan.state(), ObjectState::Transient);
    assert_eq!(kept.borrow().name, "kept");
    assert_eq!(
        rows(&engine, "SELECT id, name, parent_id FROM node"),
        ["1, 'kept', None"]
    );

    orphan.borrow_mut().parent_id = None;
    session.add(&orphan)?;
    session.commit()?;
    assert_eq!(
        rows(&engine, "SELECT id, name, parent_id FROM node ORDER BY id"),
        ["1, 'kept', None", "2, 'orphan', None"]
    );
    Ok(())
}

/// A row deleted behind the session's back (raw SQL) leaves its object in
/// the identity map; a new object may then take its key (here given by
/// hand). The commit that writes that row finds the conflict before its
/// COMMIT: the transaction rolls back, the new object stays pending, and
/// once the stale object is expunged the commit succeeds.
#[test]
fn a_key_reused_behind_the_sessions_back_stops_the_commit() -> orm_core::Result<()> {
    let registry = Registry::builder().model::<Node>().build()?;
    let engine = orm_sqlite::memory()?;
    registry.create_all(&engine)?;
    let session = Session::new(&engine, &registry);
    let stale = node("stale");
    session.add(&stale)?;
    session.commit()?;
    engine.execute("DELETE FROM node WHERE id = 1", &[])?;

    let fresh = Obj::new(Node {
        id: Some(1),
        name: "fresh".into(),
        ..Default::default()
    });
    session.add(&fresh)?;
    let err = session.commit().unwrap_err();
    assert!(
        matches!(err, Error::IdentityConflict { model: "Node", .. }),
        "{err}"
    );
    assert!(rows(&engine, "SELECT id, name FROM node").is_empty());
    assert!(!session.in_transaction());
    assert_eq!(fresh.state(), ObjectState::Pending);

    session.expunge(&stale)?;
    session.commit()?;
    assert_eq!(rows(&engine, "SELECT id, name FROM node"), ["1, 'fresh'"]);
    assert_eq!(fresh.state(), ObjectState::Persistent);
    Ok(())
}

/// The flush of `commit` records its state after COMMIT. When that fails
/// (the program holds a borrow of an object the flush must update), the
/// error says so, the rows are committed, and memory still agrees with
/// them: a rollback restores nothing of the committed transaction, and
/// the next commit finishes the recording.
#[test]
fn a_borrow_held_across_commit_leaves_memory_agreeing_with_the_committed_rows(
) -> orm_core::Result<()> {
    let registry = Registry::builder().model::<Node>().build()?;
    let engine = orm_sqlite::memory()?;
    registry.create_all(&engine)?;
    let session = Session::new(&engine, &registry);
    let parent = node("parent");
    session.add(&parent)?;
    // An earlier flush of the same transaction keeps a rollback backup.
    session.flush()?;
    parent.borrow_mut().name = "renamed".into();
    let child = node("child");
    parent.append(Node::children, &child)?;
    let guard = parent.borrow();
    let err = session.commit().unwrap_err();
    assert!(matches!(err, Error::Borrowed { model: "Node" }), "{err}");
    drop(guard);
    assert!(!session.in_transaction());
    assert_eq!(
        rows(&engine, "SELECT id, name, parent_id FROM node ORDER BY id"),
        ["1, 'renamed', None", "2, 'child', 1"]
    );
    // Nothing to roll back: the transaction committed.
    session.rollback()?;
    assert_eq!(parent.state(), ObjectState::Persistent);
    assert_eq!(parent.borrow().name, "renamed");
    assert_eq!(child.borrow().id, Some(2));
    assert_eq!(children(&parent), ["child"]);
    // The next commit writes only what changed since.
    child.borrow_mut().name = "kid".into();
    engine.start_recording();
    session.commit()?;
    assert_eq!(
        rows(&engine, "SELECT id, name, parent_id FROM node ORDER BY id"),
        ["1, 'renamed', None", "2, 'kid', 1"]
    );
    Ok(())
}

#[derive(Model, Debug, Default)]
#[model(table = "pair")]
pub struct Pair {
    #[column(primary_key)]
    pub a: i64,
    #[column(primary_key)]
    pub b: String,
}

backend_tests! {
    #[test]
    fn keys_are_checked_against_the_key_columns() -> orm_core::Result<()> {
        let registry = Registry::builder()
            .model::<Node>()
            .model::<Pair>()
            .build()?;
        let (_engine, session) = setup(&registry);
        let err = session.get::<Node>((1, 2)).unwrap_err();
        assert!(
            matches!(err, Error::InvalidKey { model: "Node", .. }),
            "{err}"
        );
        assert!(err.to_string().contains("1 column"), "{err}");
        let err = session.get::<Node>("abc").unwrap_err();
        assert!(
            matches!(err, Error::InvalidKey { model: "Node", .. }),
            "{err}"
        );
        assert!(err.to_string().contains("id"), "{err}");
        let err = session.get::<Node>(vec![Value::Null]).unwrap_err();
        assert!(matches!(err, Error::InvalidKey { .. }), "{err}");
        let err = session.get::<Pair>(1).unwrap_err();
        assert!(
            matches!(err, Error::InvalidKey { model: "Pair", .. }),
            "{err}"
        );
        let err = session.get::<Pair>(("x", 1)).unwrap_err();
        assert!(
            matches!(err, Error::InvalidKey { model: "Pair", .. }),
            "{err}"
        );
        assert!(session.get::<Pair>((1, "x"))?.is_none());
        assert!(session.get::<Node>(7)?.is_none());
        Ok(())
    }
}

#[derive(Model, Debug, Default)]
#[model(table = "stray")]
pub struct Stray {
    #[column(primary_key)]
    pub id: Option<i64>,
}

backend_tests! {
    #[test]
    fn a_model_missing_from_the_registry_says_how_to_register_it() -> orm_core::Result<()> {
        let registry = Registry::builder().model::<Node>().build()?;
        let (_engine, session) = setup(&registry);
        let err = session.add(&Obj::new(Stray::default())).unwrap_err();
        assert!(
            matches!(err, Error::UnregisteredModel { model: "Stray" }),
            "{err}"
        );
        let message = err.to_string();
        assert!(message.contains(".model::<Stray>()"), "{message}");
        assert!(!message.contains("``"), "{message}");
        let err = session.get::<Stray>(1).unwrap_err();
        assert!(
            matches!(err, Error::UnregisteredModel { model: "Stray" }),
            "{err}"
        );
        Ok(())
    }
}

mod proxy {
    use orm_core::prelude::*;
    use orm_core::{AssociationProxy, Error};

    #[derive(Model, Debug, Default)]
    #[model(table = "link")]
    pub struct Link {
        #[column(primary_key, foreign_key = "owner.id")]
        pub owner_id: Option<i64>,
        #[column(primary_key, foreign_key = "item.id")]
        pub item_id: Option<i64>,
        #[relationship(back_populates = "links")]
        pub owner: One<Owner>,
        #[relationship(back_populates = "links")]
        pub item: One<Item>,
    }

    #[derive(Model, Debug, Default)]
    #[model(table = "owner")]
    pub struct Owner {
        #[column(primary_key)]
        pub id: Option<i64>,
        #[relationship(back_populates = "owner", cascade = "all, delete-orphan")]
        pub links: Many<Link>,
    }

    #[derive(Model, Debug, Default)]
    #[model(table = "item")]
    pub struct Item {
        #[column(primary_key)]
        pub id: Option<i64>,
        #[relationship(back_populates = "item")]
        pub links: Many<Link>,
    }

    #[allow(non_upper_case_globals)]
    impl Owner {
        pub const items: AssociationProxy<Owner, Link, Item> =
            AssociationProxy::new(Owner::links, Link::item);
    }

    #[test]
    fn a_failed_proxy_append_leaves_no_half_made_link() -> orm_core::Result<()> {
        let owner = Obj::new(Owner::default());
        let item = Obj::new(Item::default());
        let guard = owner.borrow();
        let err = Owner::items.append(&owner, &item).unwrap_err();
        assert!(matches!(err, Error::Borrowed { model: "Owner" }), "{err}");
        drop(guard);
        assert!(owner.get(Owner::links)?.is_empty());
        assert!(item.get(Item::links)?.is_empty());

        let guard = item.borrow();
        assert!(Owner::items.append(&owner, &item).is_err());
        drop(guard);
        assert!(owner.get(Owner::links)?.is_empty());
        assert!(item.get(Item::links)?.is_empty());

        let link = Owner::items.append(&owner, &item)?;
        assert!(Owner::items.get(&owner)?.iter().eq([&item]));
        // A failed proxy remove keeps the link on both sides.
        let guard = link.borrow();
        assert!(Owner::items.remove(&owner, &item).is_err());
        drop(guard);
        assert!(Owner::items.get(&owner)?.iter().eq([&item]));
        assert!(link.get(Link::owner)?.is_some_and(|o| o.ptr_eq(&owner)));
        Owner::items.remove(&owner, &item)?;
        assert!(Owner::items.get(&owner)?.is_empty());
        assert!(link.get(Link::owner)?.is_none());
        Ok(())
    }
}
