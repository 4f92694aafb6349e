//! Database failures that callers must tell apart, provoked on real SQLite
//! files: busy (with a configurable timeout), read-only, disk full, corrupt,
//! cannot open; each through the engine and through `Session::commit`.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use orm_core::prelude::*;
use orm_core::{DbError, DbErrorKind, Engine, Error, Value};
use orm_sqlite::SqliteOptions;

#[derive(Model, Debug, Default)]
pub struct Doc {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub body: String,
}

/// A database file path unique to this test, removed (with its journals)
/// on drop.
struct TempDb(PathBuf);

impl TempDb {
    fn new(name: &str) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "orm-db-errors-{}-{}-{name}.db",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let db = TempDb(path);
        db.remove();
        db
    }

    fn path(&self) -> &Path {
        &self.0
    }

    fn remove(&self) {
        for suffix in ["", "-journal", "-wal", "-shm"] {
            let mut name = self.0.clone().into_os_string();
            name.push(suffix);
            let _ = std::fs::remove_file(name);
        }
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        self.remove();
    }
}

/// A file database with the `doc` table and one row.
fn populated(name: &str) -> (TempDb, std::sync::Arc<Registry>) {
    let db = TempDb::new(name);
    let registry = Registry::builder().model::<Doc>().build().unwrap();
    let engine = orm_sqlite::open(db.path()).unwrap();
    registry.create_all(&engine).unwrap();
    engine
        .execute("INSERT INTO doc (body) VALUES (?)", &["first".into()])
        .unwrap();
    (db, registry)
}

fn insert(engine: &Engine) -> Result<(), DbError> {
    engine
        .execute("INSERT INTO doc (body) VALUES (?)", &["more".into()])
        .map(drop)
}

/// Commits a new `Doc` and returns the database error it fails with.
fn commit_error(engine: &Engine, registry: &std::sync::Arc<Registry>, body: String) -> DbError {
    let session = Session::new(engine, registry);
    session
        .add(&Obj::new(Doc {
            body,
            ..Default::default()
        }))
        .unwrap();
    match session.commit() {
        Err(Error::Database(e)) => e,
        other => panic!("expected a database error, got {other:?}"),
    }
}

#[test]
fn a_write_lock_held_elsewhere_is_busy_after_the_configured_timeout() {
    let (db, registry) = populated("busy");
    let holder = rusqlite::Connection::open(db.path()).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();

    let timeout = Duration::from_millis(200);
    let engine = SqliteOptions::new()
        .busy_timeout(timeout)
        .open(db.path())
        .unwrap();

    let started = Instant::now();
    let err = insert(&engine).unwrap_err();
    let waited = started.elapsed();
    assert_eq!(err.kind, DbErrorKind::Busy, "{err}");
    assert!(err.is_retryable());
    assert_eq!(
        err.sql.as_deref(),
        Some("INSERT INTO doc (body) VALUES (?)")
    );
    // It waited for the lock, and not for the default five seconds.
    assert!(waited >= timeout / 2, "gave up after {waited:?}");
    assert!(waited < Duration::from_secs(4), "waited {waited:?}");

    let err = commit_error(&engine, &registry, "blocked".into());
    assert_eq!(err.kind, DbErrorKind::Busy, "{err}");
    assert!(Error::Database(err).is_retryable());

    // Once the lock is released the same work goes through.
    holder.execute_batch("COMMIT").unwrap();
    insert(&engine).unwrap();
}

#[test]
fn a_zero_busy_timeout_fails_at_once() {
    let (db, _registry) = populated("busy-zero");
    let holder = rusqlite::Connection::open(db.path()).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let options = SqliteOptions::new().busy_timeout(Duration::ZERO);
    let engine = orm_sqlite::open_with(db.path(), &options).unwrap();
    let started = Instant::now();
    let err = insert(&engine).unwrap_err();
    assert_eq!(err.kind, DbErrorKind::Busy, "{err}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn writing_to_a_read_only_database_is_read_only() {
    let (db, registry) = populated("read-only");

    // Through the options.
    let engine = SqliteOptions::new()
        .read_only(true)
        .open(db.path())
        .unwrap();
    assert_eq!(
        engine.query("SELECT body FROM doc", &[]).unwrap(),
        vec![vec![Value::from("first")]]
    );
    let err = insert(&engine).unwrap_err();
    assert_eq!(err.kind, DbErrorKind::ReadOnly, "{err}");
    assert!(!err.is_retryable());
    let err = commit_error(&engine, &registry, "nope".into());
    assert_eq!(err.kind, DbErrorKind::ReadOnly, "{err}");

    // Through a rusqlite connection opened with read-only flags.
    let raw = rusqlite::Connection::open_with_flags(
        db.path(),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    let engine = Engine::new(orm_sqlite::SqliteConnection::new(raw).unwrap());
    let err = insert(&engine).unwrap_err();
    assert_eq!(err.kind, DbErrorKind::ReadOnly, "{err}");
}

#[test]
fn a_database_at_its_size_limit_is_disk_full() {
    let (db, registry) = populated("full");
    // `max_page_count` is a setting of one connection: a pool of one.
    let options = orm_sqlite::SqliteOptions::new().pool(orm_core::PoolOptions::new().max_size(1));
    let engine = orm_sqlite::open_with(db.path(), &options).unwrap();
    // The file already uses its pages; no new page may be added.
    let pages = engine.query("PRAGMA page_count", &[]).unwrap();
    let Value::Integer(pages) = pages[0][0] else {
        panic!("page_count: {pages:?}")
    };
    // This pragma answers with the new limit, so it is a query.
    engine
        .query(&format!("PRAGMA max_page_count = {pages}"), &[])
        .unwrap();
    let big = "x".repeat(64 * 1024);
    let err = engine
        .execute("INSERT INTO doc (body) VALUES (?)", &[big.clone().into()])
        .unwrap_err();
    assert_eq!(err.kind, DbErrorKind::DiskFull, "{err}");
    assert!(!err.is_retryable());

    let err = commit_error(&engine, &registry, big);
    assert_eq!(err.kind, DbErrorKind::DiskFull, "{err}");
    // Small rows still fit in the existing pages.
    insert(&engine).unwrap();
}

#[test]
fn a_file_of_garbage_is_corrupt() {
    let db = TempDb::new("garbage");
    let garbage: Vec<u8> = (0..8192u32).map(|i| (i * 7 + 13) as u8).collect();
    std::fs::write(db.path(), garbage).unwrap();
    let err = match orm_sqlite::open(db.path()) {
        // SQLite reads the header lazily, so the first statement fails.
        Ok(engine) => engine
            .query("SELECT * FROM sqlite_master", &[])
            .unwrap_err(),
        Err(err) => err,
    };
    assert_eq!(err.kind, DbErrorKind::Corrupt, "{err}");
    assert!(!err.is_retryable());
}

#[test]
fn a_damaged_table_page_is_corrupt() {
    let (db, registry) = populated("damaged");
    let page_size = {
        let engine = orm_sqlite::open(db.path()).unwrap();
        match engine.query("PRAGMA page_size", &[]).unwrap()[0][0] {
            Value::Integer(size) => size as usize,
            ref other => panic!("page_size: {other:?}"),
        }
    };
    // Page 1 holds the schema; the `doc` table's b-tree starts on page 2.
    let mut bytes = std::fs::read(db.path()).unwrap();
    assert!(bytes.len() >= 2 * page_size);
    for b in &mut bytes[page_size..2 * page_size] {
        *b = 0xA5;
    }
    std::fs::write(db.path(), bytes).unwrap();

    let engine = orm_sqlite::open(db.path()).unwrap();
    let err = engine.query("SELECT body FROM doc", &[]).unwrap_err();
    assert_eq!(err.kind, DbErrorKind::Corrupt, "{err}");
    let err = commit_error(&engine, &registry, "into the damage".into());
    assert_eq!(err.kind, DbErrorKind::Corrupt, "{err}");
}

#[test]
fn a_file_that_cannot_be_opened_is_a_connection_failure() {
    let db = TempDb::new("missing");
    // Read-only does not create the file.
    let err = SqliteOptions::new()
        .read_only(true)
        .open(db.path())
        .unwrap_err();
    assert_eq!(err.kind, DbErrorKind::ConnectionFailed, "{err}");
    assert!(!err.is_retryable());

    let in_missing_dir = db.path().with_extension("d").join("x.db");
    let err = orm_sqlite::open(in_missing_dir).unwrap_err();
    assert_eq!(err.kind, DbErrorKind::ConnectionFailed, "{err}");
}

#[test]
fn constraint_violations_are_not_retryable() {
    let engine = orm_sqlite::memory().unwrap();
    engine
        .execute("CREATE TABLE u (x INTEGER UNIQUE)", &[])
        .unwrap();
    engine.execute("INSERT INTO u VALUES (1)", &[]).unwrap();
    let err = Error::from(engine.execute("INSERT INTO u VALUES (1)", &[]).unwrap_err());
    assert_eq!(err.db_kind(), Some(DbErrorKind::UniqueViolation));
    assert!(!err.is_retryable());
}
