//! `transaction_with_retry`: a unit of work that loses a race with a
//! concurrent transaction runs again, and contended counters come out exact.

use std::cell::Cell;
use std::sync::Arc;
use std::time::Duration;

use orm_core::prelude::*;
use orm_core::{transaction_with_retry, DbErrorKind, Error, PoolOptions, RetryPolicy, Value};
use orm_sqlite::SqliteOptions;

#[derive(Model, Debug, Default)]
pub struct Counter {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub hits: i64,
}

#[derive(Model, Debug, Default)]
pub struct Versioned {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub hits: i64,
    #[column(version)]
    pub version: i64,
}

struct TempDb(std::path::PathBuf);

impl TempDb {
    fn new(name: &str) -> Self {
        let db = TempDb(
            std::env::temp_dir().join(format!("orm-retry-{name}-{}.db", std::process::id())),
        );
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

fn hits(engine: &Engine, table: &str) -> i64 {
    match engine
        .query(&format!("SELECT hits FROM {table} WHERE id = 1"), &[])
        .unwrap()[0][0]
    {
        Value::Integer(n) => n,
        ref other => panic!("{other:?}"),
    }
}

/// Threads each increment one counter `rounds` times through the helper.
fn contend(engine: &Engine, registry: &Arc<Registry>, policy: &RetryPolicy, threads: usize) {
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                for _ in 0..20 {
                    transaction_with_retry(engine, registry, policy, |session| {
                        let counter = session.get::<Counter>(1)?.expect("the counter");
                        counter.borrow_mut().hits += 1;
                        Ok(())
                    })
                    .unwrap();
                }
            });
        }
    });
}

fn counter_file(name: &str) -> orm_core::Result<(TempDb, Engine, Arc<Registry>)> {
    let db = TempDb::new(name);
    let options = SqliteOptions::new()
        .wal(true)
        .busy_timeout(Duration::from_secs(20))
        .pool(PoolOptions::new().max_size(4));
    let engine = orm_sqlite::open_with(&db.0, &options)?;
    let registry = Registry::builder().model::<Counter>().build()?;
    registry.create_all(&engine)?;
    engine.execute("INSERT INTO counter (id, hits) VALUES (1, 0)", &[])?;
    Ok((db, engine, registry))
}

#[test]
fn a_contended_counter_is_exact_with_serializable_transactions() -> orm_core::Result<()> {
    let (_db, engine, registry) = counter_file("serializable")?;
    contend(&engine, &registry, &RetryPolicy::default(), 4);
    assert_eq!(hits(&engine, "counter"), 80);
    Ok(())
}

#[test]
fn a_contended_counter_is_exact_when_conflicts_abort_and_rerun() -> orm_core::Result<()> {
    // Deferred transactions: two of them read the counter, the first to
    // write wins and the other fails with a retryable error, then reruns.
    let (_db, engine, registry) = counter_file("deferred")?;
    let policy = RetryPolicy::new()
        .isolation(None)
        .attempts(200)
        .first_delay(Duration::from_millis(1))
        .max_delay(Duration::from_millis(20));
    contend(&engine, &registry, &policy, 4);
    assert_eq!(hits(&engine, "counter"), 80);
    Ok(())
}

/// An in-memory database: statements run on the engine share the
/// session's connection and transaction, which lets a test change a row
/// between the session's read and its write.
fn versioned() -> orm_core::Result<(Engine, Arc<Registry>)> {
    let engine = orm_sqlite::memory()?;
    let registry = Registry::builder().model::<Versioned>().build()?;
    registry.create_all(&engine)?;
    engine.execute(
        "INSERT INTO versioned (id, hits, version) VALUES (1, 0, 1)",
        &[],
    )?;
    Ok((engine, registry))
}

#[test]
fn stale_data_reruns_the_work_on_fresh_rows() -> orm_core::Result<()> {
    let (engine, registry) = versioned()?;
    let attempts = Cell::new(0);
    let seen = transaction_with_retry(&engine, &registry, &RetryPolicy::default(), |session| {
        attempts.set(attempts.get() + 1);
        let row = session.get::<Versioned>(1)?.unwrap();
        if attempts.get() == 1 {
            // Someone else increments it after this read.
            engine.execute(
                "UPDATE versioned SET hits = hits + 10, version = version + 1",
                &[],
            )?;
        }
        row.borrow_mut().hits += 1;
        let hits = row.borrow().hits;
        Ok(hits)
    })?;
    assert_eq!(attempts.get(), 2);
    // The first attempt was rolled back along with the other write (one
    // transaction on the shared connection); the second read 0 again.
    assert_eq!(seen, 1);
    assert_eq!(hits(&engine, "versioned"), 1);
    Ok(())
}

#[test]
fn errors_that_a_rerun_cannot_fix_are_returned_at_once() -> orm_core::Result<()> {
    let (engine, registry) = versioned()?;
    let attempts = Cell::new(0);
    let err = transaction_with_retry(
        &engine,
        &registry,
        &RetryPolicy::default().retry_stale_data(false),
        |session| {
            attempts.set(attempts.get() + 1);
            let row = session.get::<Versioned>(1)?.unwrap();
            engine.execute("UPDATE versioned SET version = version + 1", &[])?;
            row.borrow_mut().hits += 1;
            Ok(())
        },
    )
    .unwrap_err();
    assert!(matches!(err, Error::StaleData { .. }), "{err}");
    assert_eq!(attempts.get(), 1);

    attempts.set(0);
    let err = transaction_with_retry(&engine, &registry, &RetryPolicy::default(), |session| {
        attempts.set(attempts.get() + 1);
        session.add(&Obj::new(Versioned {
            id: Some(1),
            ..Default::default()
        }))?;
        Ok(())
    })
    .unwrap_err();
    assert_eq!(err.db_kind(), Some(DbErrorKind::UniqueViolation), "{err}");
    assert_eq!(attempts.get(), 1);
    Ok(())
}

#[test]
fn the_last_attempts_error_is_returned() -> orm_core::Result<()> {
    let (engine, registry) = versioned()?;
    let attempts = Cell::new(0);
    let policy = RetryPolicy::new()
        .attempts(3)
        .first_delay(Duration::from_millis(1));
    let err = transaction_with_retry(&engine, &registry, &policy, |session| {
        attempts.set(attempts.get() + 1);
        let row = session.get::<Versioned>(1)?.unwrap();
        engine.execute("UPDATE versioned SET version = version + 1", &[])?;
        row.borrow_mut().hits += 1;
        Ok(())
    })
    .unwrap_err();
    assert!(matches!(err, Error::StaleData { .. }), "{err}");
    assert_eq!(attempts.get(), 3);
    assert_eq!(hits(&engine, "versioned"), 0);
    Ok(())
}

#[test]
fn begin_twice_is_an_error() -> orm_core::Result<()> {
    let (engine, registry) = versioned()?;
    let session = Session::new(&engine, &registry);
    engine.start_recording();
    session.begin_with(orm_core::IsolationLevel::Serializable)?;
    assert!(session.in_transaction());
    assert!(matches!(session.begin(), Err(Error::TransactionInProgress)));
    // Reads and the flush run inside the transaction begun.
    let row = session.get::<Versioned>(1)?.unwrap();
    row.borrow_mut().hits = 5;
    session.commit()?;
    let sql: Vec<String> = engine
        .take_recorded()
        .iter()
        .map(|s| s.sql.clone())
        .collect();
    assert_eq!(sql[0], "BEGIN IMMEDIATE");
    assert!(sql[1].starts_with("SELECT"));
    assert!(sql[2].starts_with("SAVEPOINT"));
    assert_eq!(sql.last().map(String::as_str), Some("COMMIT"));
    assert!(!session.in_transaction());
    Ok(())
}
