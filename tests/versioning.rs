//! Concurrency: generated keys are never reused, and `#[column(version)]`
//! turns a lost update into `StaleData` (SQLAlchemy's `version_id_col`).
//! Two engines on one database (a SQLite file, a PostgreSQL schema) play
//! two processes.

#[macro_use]
mod common;

use common::{dml, rows, setup};
use orm_core::prelude::*;
use orm_core::{Engine, Error, ObjectState};

#[derive(Model, Debug, Default)]
#[model(table = "item")]
pub struct Item {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: String,
}

#[derive(Model, Debug, Default)]
#[model(table = "account")]
pub struct Account {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub owner: String,
    pub balance: i64,
    #[column(version)]
    pub version: i64,
    #[column(foreign_key = "branch.id")]
    pub branch_id: Option<i64>,
    #[relationship(back_populates = "accounts")]
    pub branch: One<Branch>,
}

#[derive(Model, Debug, Default)]
#[model(table = "branch")]
pub struct Branch {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    #[relationship(back_populates = "branch")]
    pub accounts: Many<Account>,
}

/// Two engines (two processes, as far as the database can tell) on one new
/// database, with a session each. Fields drop in order: sessions, engines.
struct TwoProcesses {
    a: Session,
    b: Session,
    engine_a: Engine,
    _engine_b: Engine,
}

impl TwoProcesses {
    fn new(_name: &str) -> orm_core::Result<Self> {
        let registry = registry();
        let (engine_a, engine_b) = common::two_engines();
        registry.create_all(&engine_a)?;
        Ok(TwoProcesses {
            a: Session::new(&engine_a, &registry),
            b: Session::new(&engine_b, &registry),
            engine_a,
            _engine_b: engine_b,
        })
    }
}

fn registry() -> std::sync::Arc<Registry> {
    Registry::builder()
        .model::<Item>()
        .model::<Account>()
        .build()
        .unwrap()
}

backend_tests! {
    #[test]
    fn a_stale_object_cannot_overwrite_a_new_row_with_a_reused_key() -> orm_core::Result<()> {
        let w = TwoProcesses::new("reuse")?;
        let (a, b, engine_a) = (&w.a, &w.b, &w.engine_a);

        let first = Obj::new(Item {
            name: "first".into(),
            ..Default::default()
        });
        a.add(&first)?;
        a.commit()?;
        let stale = b.get::<Item>(1)?.expect("row 1");
        b.commit()?;

        a.delete(&first)?;
        a.commit()?;
        let second = Obj::new(Item {
            name: "second".into(),
            ..Default::default()
        });
        a.add(&second)?;
        a.commit()?;
        // AUTOINCREMENT: the deleted row's key is not handed out again.
        assert_eq!(second.borrow().id, Some(2));

        stale.borrow_mut().name = "overwritten?".into();
        let err = b.commit().unwrap_err();
        assert!(
            matches!(
                err,
                Error::StaleData {
                    model: "Item",
                    operation: "UPDATE",
                    matched: 0,
                    ..
                }
            ),
            "{err}"
        );
        assert_eq!(rows(engine_a, "SELECT id, name FROM item"), ["2, 'second'"]);
        Ok(())
    }
}

fn account(owner: &str, balance: i64) -> Obj<Account> {
    Obj::new(Account {
        owner: owner.into(),
        balance,
        ..Default::default()
    })
}

backend_tests! {
    #[test]
    fn the_version_starts_at_one_and_every_update_bumps_and_checks_it() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        let acc = account("ann", 10);
        session.add(&acc)?;
        session.commit()?;
        assert_eq!(acc.borrow().version, 1);
        assert_eq!(
            dml(&engine),
            ["INSERT INTO account (owner, balance, version, branch_id) VALUES (?, ?, ?, ?) ['ann', 10, 1, None]"]
        );
        acc.borrow_mut().balance = 20;
        session.commit()?;
        assert_eq!(
            dml(&engine),
            ["UPDATE account SET balance = ?, version = ? WHERE id = ? AND version = ? [20, 2, 1, 1]"]
        );
        assert_eq!(acc.borrow().version, 2);
        // Nothing changed: nothing written, the version stays.
        session.commit()?;
        assert!(dml(&engine).is_empty());
        // The version is the ORM's: a value set by hand is not written.
        acc.borrow_mut().version = 99;
        session.commit()?;
        assert!(dml(&engine).is_empty());
        assert_eq!(acc.borrow().version, 2);
        assert_eq!(
            rows(&engine, "SELECT balance, version FROM account"),
            ["20, 2"]
        );
        Ok(())
    }

    #[test]
    fn the_second_of_two_concurrent_writers_gets_stale_data() -> orm_core::Result<()> {
        let w = TwoProcesses::new("writers")?;
        let (a, b, engine_a) = (&w.a, &w.b, &w.engine_a);
        let mine = account("ann", 100);
        a.add(&mine)?;
        a.commit()?;
        let theirs = b.get::<Account>(1)?.expect("row");

        mine.borrow_mut().balance = 150;
        a.commit()?;
        theirs.borrow_mut().balance = 50;
        let err = b.commit().unwrap_err();
        assert!(
            matches!(err, Error::StaleData { model: "Account", ref key, operation: "UPDATE", .. } if key == "1"),
            "{err}"
        );
        assert!(err.to_string().contains("refresh"), "{err}");
        // The first writer's value stands; the loser's object is as before its
        // commit (version included), and its session is usable.
        assert_eq!(
            rows(engine_a, "SELECT balance, version FROM account"),
            ["150, 2"]
        );
        assert_eq!(theirs.borrow().balance, 50);
        assert_eq!(theirs.borrow().version, 1);
        b.refresh(&theirs)?;
        assert_eq!((theirs.borrow().balance, theirs.borrow().version), (150, 2));
        theirs.borrow_mut().balance -= 50;
        b.commit()?;
        assert_eq!(
            rows(engine_a, "SELECT balance, version FROM account"),
            ["100, 3"]
        );
        Ok(())
    }

    #[test]
    fn a_stale_delete_is_refused() -> orm_core::Result<()> {
        let w = TwoProcesses::new("delete")?;
        let (a, b, engine_a) = (&w.a, &w.b, &w.engine_a);
        let mine = account("ann", 1);
        a.add(&mine)?;
        a.commit()?;
        let theirs = b.get::<Account>(1)?.expect("row");
        mine.borrow_mut().balance = 2;
        a.commit()?;
        b.delete(&theirs)?;
        let err = b.commit().unwrap_err();
        assert!(
            matches!(
                err,
                Error::StaleData {
                    operation: "DELETE",
                    matched: 0,
                    ..
                }
            ),
            "{err}"
        );
        assert_eq!(theirs.state(), ObjectState::Persistent);
        assert_eq!(rows(engine_a, "SELECT balance FROM account"), ["2"]);
        b.rollback()?;
        b.refresh(&theirs)?;
        b.delete(&theirs)?;
        b.commit()?;
        assert!(rows(engine_a, "SELECT id FROM account").is_empty());
        Ok(())
    }

    #[test]
    fn moving_a_versioned_object_between_parents_bumps_its_version() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        let (north, south) = (
            Obj::new(Branch {
                name: "north".into(),
                ..Default::default()
            }),
            Obj::new(Branch {
                name: "south".into(),
                ..Default::default()
            }),
        );
        let acc = account("ann", 5);
        north.append(Branch::accounts, &acc)?;
        session.add_all([&north, &south])?;
        session.commit()?;
        dml(&engine);
        south.append(Branch::accounts, &acc)?;
        session.commit()?;
        assert_eq!(
            dml(&engine),
            ["UPDATE account SET branch_id = ?, version = ? WHERE id = ? AND version = ? [2, 2, 1, 1]"]
        );
        Ok(())
    }

    #[test]
    fn a_failed_flush_restores_the_version() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        let (one, two) = (account("ann", 1), account("bob", 1));
        session.add_all([&one, &two])?;
        session.commit()?;
        // The second UPDATE fails (stale): the first one's version goes back.
        engine.execute("UPDATE account SET version = 7 WHERE id = 2", &[])?;
        one.borrow_mut().balance = 10;
        two.borrow_mut().balance = 10;
        assert!(matches!(session.commit(), Err(Error::StaleData { .. })));
        assert_eq!(one.borrow().version, 1);
        assert_eq!(
            rows(&engine, "SELECT id, balance, version FROM account"),
            ["1, 1, 1", "2, 1, 7"]
        );
        Ok(())
    }

    #[test]
    fn without_a_version_column_the_last_writer_wins() -> orm_core::Result<()> {
        let w = TwoProcesses::new("last-writer")?;
        let (a, b, engine_a) = (&w.a, &w.b, &w.engine_a);
        let mine = Obj::new(Item {
            name: "first".into(),
            ..Default::default()
        });
        a.add(&mine)?;
        a.commit()?;
        let theirs = b.get::<Item>(1)?.expect("row");
        mine.borrow_mut().name = "from a".into();
        a.commit()?;
        theirs.borrow_mut().name = "from b".into();
        b.commit()?;
        assert_eq!(rows(engine_a, "SELECT name FROM item"), ["'from b'"]);
        Ok(())
    }
}
