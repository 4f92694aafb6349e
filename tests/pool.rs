//! Engines are `Send + Sync` pools: sessions on several threads, each with
//! its own connection, checked out at the session's first statement and
//! given back at `commit`, `rollback`, `close` or drop.

use std::sync::Arc;
use std::time::Duration;

use orm_core::prelude::*;
use orm_core::{DbErrorKind, Error, PoolOptions};
use orm_sqlite::SqliteOptions;

#[derive(Model, Debug, Default)]
pub struct Account {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub owner: String,
    #[relationship(back_populates = "account", cascade = "all, delete-orphan")]
    pub entries: Many<Entry>,
}

#[derive(Model, Debug, Default)]
pub struct Entry {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[column(foreign_key = "account.id")]
    pub account_id: Option<i64>,
    pub amount: i64,
    #[relationship(back_populates = "entries")]
    pub account: One<Account>,
}

/// A database file removed when dropped.
struct TempDb(std::path::PathBuf);

impl TempDb {
    fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "orm-pool-{name}-{}-{:?}.db",
            std::process::id(),
            std::thread::current().id()
        ));
        let db = TempDb(path);
        db.remove();
        db
    }

    fn remove(&self) {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
        }
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        self.remove();
    }
}

fn registry() -> Arc<Registry> {
    Registry::builder().model::<Account>().build().unwrap()
}

fn count(engine: &Engine, sql: &str) -> i64 {
    match engine.query(sql, &[]).unwrap()[0][0] {
        orm_core::Value::Integer(n) => n,
        ref other => panic!("{other:?}"),
    }
}

#[test]
fn engines_and_registries_cross_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Engine>();
    send_sync::<Registry>();
    send_sync::<PoolOptions>();
}

#[test]
fn sessions_on_many_threads_write_through_one_pool() -> orm_core::Result<()> {
    let db = TempDb::new("threads");
    let options = SqliteOptions::new()
        .wal(true)
        .busy_timeout(Duration::from_secs(30))
        .pool(PoolOptions::new().max_size(4));
    let engine = orm_sqlite::open_with(&db.0, &options)?;
    let registry = registry();
    registry.create_all(&engine)?;

    const THREADS: i64 = 8;
    const JOBS: i64 = 25;
    std::thread::scope(|scope| {
        for t in 0..THREADS {
            let (engine, registry) = (&engine, &registry);
            scope.spawn(move || {
                for job in 0..JOBS {
                    // One session per job, on this thread.
                    let session = Session::new(engine, registry);
                    let account = Obj::new(Account {
                        owner: format!("t{t}-j{job}"),
                        ..Default::default()
                    });
                    for amount in [1, 2, 3] {
                        let entry = Obj::new(Entry {
                            amount,
                            ..Default::default()
                        });
                        account.append(Account::entries, &entry).unwrap();
                    }
                    session.add(&account).unwrap();
                    session.commit().unwrap();
                }
            });
        }
    });
    assert_eq!(
        count(&engine, "SELECT count(*) FROM account"),
        THREADS * JOBS
    );
    assert_eq!(
        count(&engine, "SELECT count(*) FROM entry"),
        THREADS * JOBS * 3
    );
    assert_eq!(
        count(&engine, "SELECT sum(amount) FROM entry"),
        THREADS * JOBS * 6
    );
    // Every entry belongs to an account with its own three entries.
    assert_eq!(
        count(
            &engine,
            "SELECT count(*) FROM (SELECT account_id FROM entry GROUP BY account_id HAVING count(*) = 3)"
        ),
        THREADS * JOBS
    );
    Ok(())
}

/// A pool of one connection whose checkout gives up after 100 ms.
fn single_connection(db: &TempDb) -> orm_core::Result<Engine> {
    let options = SqliteOptions::new().pool(
        PoolOptions::new()
            .max_size(1)
            .connection_timeout(Duration::from_millis(100)),
    );
    let engine = orm_sqlite::open_with(&db.0, &options)?;
    registry().create_all(&engine)?;
    Ok(engine)
}

fn pool_is_exhausted(engine: &Engine) -> bool {
    // From another thread, as a concurrent request would.
    std::thread::scope(|scope| {
        scope
            .spawn(|| match engine.query("SELECT 1", &[]) {
                Err(err) if err.kind == DbErrorKind::PoolTimeout => true,
                Err(err) => panic!("unexpected error: {err}"),
                Ok(_) => false,
            })
            .join()
            .unwrap()
    })
}

#[test]
fn a_session_holds_its_connection_from_its_first_statement_to_commit() -> orm_core::Result<()> {
    let db = TempDb::new("checkout");
    let engine = single_connection(&db)?;
    let registry = registry();

    let session = Session::new(&engine, &registry);
    // No statement yet: nothing checked out.
    assert!(!pool_is_exhausted(&engine));
    assert!(session.get::<Account>(1)?.is_none());
    // A read checked the connection out; it stays with the session.
    assert!(pool_is_exhausted(&engine));
    session.add(&Obj::new(Account {
        owner: "a".into(),
        ..Default::default()
    }))?;
    session.flush()?;
    assert!(pool_is_exhausted(&engine));
    session.commit()?;
    assert!(!pool_is_exhausted(&engine));
    assert_eq!(count(&engine, "SELECT count(*) FROM account"), 1);

    // The same session checks out again for its next statement (`get`
    // would answer from the identity map without one).
    let account = session.query::<Account>().one()?;
    assert!(pool_is_exhausted(&engine));
    account.borrow_mut().owner = "b".into();
    session.rollback()?;
    assert!(!pool_is_exhausted(&engine));
    assert_eq!(account.borrow().owner, "a");

    // close and drop give it back too.
    session.query::<Account>().all()?;
    assert!(pool_is_exhausted(&engine));
    session.close()?;
    assert!(!pool_is_exhausted(&engine));
    let session = Session::new(&engine, &registry);
    session.get::<Account>(1)?;
    drop(session);
    assert!(!pool_is_exhausted(&engine));
    Ok(())
}

#[test]
fn a_pool_timeout_is_a_typed_error_and_the_session_stays_usable() -> orm_core::Result<()> {
    let db = TempDb::new("timeout");
    let engine = single_connection(&db)?;
    let registry = registry();
    let holder = engine.connect()?;

    let session = Session::new(&engine, &registry);
    session.add(&Obj::new(Account {
        owner: "a".into(),
        ..Default::default()
    }))?;
    let err = session.commit().unwrap_err();
    match &err {
        Error::Database(db) => {
            assert_eq!(db.kind, DbErrorKind::PoolTimeout);
            assert!(!db.is_retryable());
            assert!(db.message.contains("pool"), "{err}");
        }
        other => panic!("unexpected error: {other}"),
    }
    drop(holder);
    // Nothing was written; the pending object is still pending.
    session.commit()?;
    assert_eq!(count(&engine, "SELECT count(*) FROM account"), 1);
    Ok(())
}

#[test]
fn an_unreachable_file_is_reported_when_the_engine_is_opened() {
    let err = orm_sqlite::open("/nonexistent-directory/for/sure/db.sqlite").unwrap_err();
    assert_eq!(err.kind, DbErrorKind::ConnectionFailed, "{err}");
}
