//! Several threads, each with its own session on one pooled engine,
//! updating the same rows: optimistic locking reports exactly the losers,
//! no update is lost, conflicts come back as retryable typed errors, and
//! `transaction_with_retry` makes contended counters exact. On SQLite and
//! PostgreSQL.

#[macro_use]
mod common;

use std::sync::{Arc, Barrier};
use std::time::Duration;

use common::{pooled_engine, rows};
use orm_core::prelude::*;
use orm_core::{transaction_with_retry, DbErrorKind, Error, IsolationLevel, RetryPolicy};

#[derive(Model, Debug, Default)]
pub struct Versioned {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub hits: i64,
    #[column(version)]
    pub version: i64,
}

#[derive(Model, Debug, Default)]
pub struct Counter {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub hits: i64,
}

const THREADS: usize = 6;

/// A pooled engine with both tables and row 1 in each.
fn prepared() -> (Engine, Arc<Registry>) {
    let engine = pooled_engine(THREADS as u32 + 1, Duration::from_secs(20));
    let registry = Registry::builder()
        .model::<Versioned>()
        .model::<Counter>()
        .build()
        .unwrap();
    registry.create_all(&engine).unwrap();
    engine
        .execute(
            "INSERT INTO versioned (id, hits, version) VALUES (1, 0, 1)",
            &[],
        )
        .unwrap();
    engine
        .execute("INSERT INTO counter (id, hits) VALUES (1, 0)", &[])
        .unwrap();
    (engine, registry)
}

backend_tests! {
    /// Every thread loads version 1, then all write at once: one wins, each
    /// other one gets `StaleData` and writes nothing.
    #[test]
    fn exactly_the_losers_of_a_versioned_race_get_stale_data() {
        let (engine, registry) = prepared();
        let barrier = Barrier::new(THREADS);
        let outcomes: Vec<Result<(), Error>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..THREADS)
                .map(|_| {
                    scope.spawn(|| {
                        let session = Session::new(&engine, &registry);
                        let row = session.get::<Versioned>(1)?.expect("row 1");
                        barrier.wait();
                        row.borrow_mut().hits += 1;
                        session.commit()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let won = outcomes.iter().filter(|o| o.is_ok()).count();
        let stale = outcomes
            .iter()
            .filter(|o| matches!(o, Err(Error::StaleData { .. })))
            .count();
        assert_eq!((won, stale), (1, THREADS - 1), "{outcomes:?}");
        assert_eq!(rows(&engine, "SELECT hits, version FROM versioned"), ["1, 2"]);
    }

    /// The same race rerun by the helper: no update is lost.
    #[test]
    fn retried_versioned_increments_lose_nothing() {
        let (engine, registry) = prepared();
        let policy = RetryPolicy::new()
            .isolation(None)
            .attempts(1000)
            .first_delay(Duration::from_millis(1))
            .max_delay(Duration::from_millis(50));
        std::thread::scope(|scope| {
            for _ in 0..THREADS {
                scope.spawn(|| {
                    for _ in 0..10 {
                        transaction_with_retry(&engine, &registry, &policy, |session| {
                            let row = session.get::<Versioned>(1)?.expect("row 1");
                            row.borrow_mut().hits += 1;
                            Ok(())
                        })
                        .unwrap();
                    }
                });
            }
        });
        let total = THREADS * 10;
        assert_eq!(
            rows(&engine, "SELECT hits, version FROM versioned"),
            [format!("{total}, {}", total + 1)]
        );
    }

    /// Without a version column, serializable transactions and the helper
    /// make a read-modify-write counter exact.
    #[test]
    fn a_serializable_counter_is_exact() {
        let (engine, registry) = prepared();
        let policy = RetryPolicy::new()
            .attempts(1000)
            .first_delay(Duration::from_millis(1))
            .max_delay(Duration::from_millis(50));
        std::thread::scope(|scope| {
            for _ in 0..THREADS {
                scope.spawn(|| {
                    for _ in 0..10 {
                        transaction_with_retry(&engine, &registry, &policy, |session| {
                            let row = session.get::<Counter>(1)?.expect("row 1");
                            row.borrow_mut().hits += 1;
                            Ok(())
                        })
                        .unwrap();
                    }
                });
            }
        });
        assert_eq!(rows(&engine, "SELECT hits FROM counter"), [format!("{}", THREADS * 10)]);
    }
}

/// Runs `test` on PostgreSQL only: row locks, deadlocks and serialization
/// failures are its own.
fn on_postgres(test: impl FnOnce()) {
    common::run(common::Backend::Postgres, test)
}

#[test]
fn postgres_reports_a_deadlock_as_a_retryable_error() {
    on_postgres(|| {
        let (engine, registry) = prepared();
        engine
            .execute("INSERT INTO counter (id, hits) VALUES (2, 0)", &[])
            .unwrap();
        let barrier = Barrier::new(2);
        // Each locks one row, then wants the other's.
        let outcomes: Vec<Result<(), Error>> = std::thread::scope(|scope| {
            let handles: Vec<_> = [(1, 2), (2, 1)]
                .into_iter()
                .map(|(first, second)| {
                    let (engine, registry, barrier) = (&engine, &registry, &barrier);
                    scope.spawn(move || {
                        let session = Session::new(engine, registry);
                        session.begin()?;
                        let a = session.get::<Counter>(first)?.expect("row");
                        a.borrow_mut().hits += 1;
                        session.flush()?;
                        barrier.wait();
                        let b = session.get::<Counter>(second)?.expect("row");
                        b.borrow_mut().hits += 1;
                        session.commit()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let deadlocks: Vec<&Error> = outcomes.iter().filter_map(|o| o.as_ref().err()).collect();
        assert_eq!(deadlocks.len(), 1, "{outcomes:?}");
        assert_eq!(
            deadlocks[0].db_kind(),
            Some(DbErrorKind::Deadlock),
            "{}",
            deadlocks[0]
        );
        assert!(deadlocks[0].is_retryable());
        // The winner's two increments, nothing of the loser's.
        assert_eq!(
            rows(&engine, "SELECT CAST(sum(hits) AS BIGINT) FROM counter"),
            ["2"]
        );
    });
}

#[test]
fn postgres_reports_a_serialization_failure_as_a_retryable_error() {
    on_postgres(|| {
        let (engine, registry) = prepared();
        let barrier = Barrier::new(2);
        let outcomes: Vec<Result<(), Error>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..2)
                .map(|_| {
                    let (engine, registry, barrier) = (&engine, &registry, &barrier);
                    scope.spawn(move || {
                        let session = Session::new(engine, registry);
                        session.begin_with(IsolationLevel::Serializable)?;
                        let row = session.get::<Counter>(1)?.expect("row");
                        barrier.wait();
                        row.borrow_mut().hits += 1;
                        session.commit()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let failed: Vec<&Error> = outcomes.iter().filter_map(|o| o.as_ref().err()).collect();
        assert_eq!(failed.len(), 1, "{outcomes:?}");
        assert_eq!(
            failed[0].db_kind(),
            Some(DbErrorKind::SerializationFailure),
            "{}",
            failed[0]
        );
        assert!(failed[0].is_retryable());
        assert_eq!(rows(&engine, "SELECT hits FROM counter"), ["1"]);
    });
}
