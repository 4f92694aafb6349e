//! Shared helpers for the integration tests: a fresh database per test, on
//! SQLite or PostgreSQL, and readers for the SQL emitted and the rows
//! stored.
//!
//! # Both backends
//!
//! Tests written inside [`backend_tests!`] run once per backend: each
//! `#[test] fn name()` becomes `name::sqlite` and `name::postgres`, and the
//! body is unchanged: [`setup`], [`engine`] and [`two_engines`] (two
//! connections to one database) open the backend of the test that calls
//! them, and [`backend`] tells which it is, for the few real differences.
//!
//! - SQLite: a private in-memory database.
//! - PostgreSQL: a schema of its own (`orm_test_<pid>_<n>`), created for the
//!   test, first on the connection's `search_path`, and dropped with
//!   everything in it when the test ends, so tests run in parallel on one
//!   database.
//!
//! Which backends run: `ORM_TEST_BACKENDS=sqlite`, `postgres` or
//! `sqlite,postgres`. Unset, SQLite always runs and PostgreSQL runs when a
//! server answers at `ORM_TEST_POSTGRES_URL` (default
//! `postgresql://postgres@127.0.0.1:5432/test`, then the same as `root`);
//! when none answers, the PostgreSQL tests print one notice and pass, except
//! under `CI=true` or when `ORM_TEST_BACKENDS` asks for `postgres`, where an
//! unreachable server fails them.
//!
//! The statement readers ([`dml`], [`sql`], [`selects`]) give PostgreSQL's
//! statements in SQLite's spelling, so one expected text serves both:
//! `$1` is written `?`, the `RETURNING` clause that reads a generated key is
//! left out, identifiers are quoted as SQLite's dialect quotes them, and a
//! multi-row INSERT (both backends send consecutive new rows of one table
//! together) is listed as one INSERT per row.
//! The other way round, hand-written SQL in the tests may use `?`: the
//! harness's PostgreSQL connections number the placeholders.
#![allow(dead_code)]

use std::cell::{Cell, RefCell};
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use orm_core::{Dialect, Engine, Registry, Session, Statement, Value};

/// The database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// In-memory SQLite.
    Sqlite,
    /// A schema of its own on a PostgreSQL server.
    Postgres,
}

thread_local! {
    static BACKEND: Cell<Backend> = const { Cell::new(Backend::Sqlite) };
    /// The PostgreSQL schemas this thread's test created, dropped at its end.
    static SCHEMAS: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
    /// The SQLite files this thread's test created, removed at its end.
    static FILES: RefCell<Vec<std::path::PathBuf>> = const { RefCell::new(Vec::new()) };
}

/// The backend of the running test.
pub fn backend() -> Backend {
    BACKEND.with(Cell::get)
}

/// Runs each test for every backend; see the module documentation. Declare
/// the module with `#[macro_use] mod common;` to use it.
///
/// ```ignore
/// backend_tests! {
///     #[test]
///     fn inserts() -> orm_core::Result<()> {
///         let (engine, session) = setup(&registry());
///         ...
///     }
/// }
/// ```
#[allow(unused_macros)]
macro_rules! backend_tests {
    ($(
        $(#[doc = $doc:expr])*
        #[test]
        $(#[$meta:meta])*
        fn $name:ident() $(-> $ret:ty)? $body:block
    )*) => {$(
        $(#[doc = $doc])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[test]
            $(#[$meta])*
            fn sqlite() $(-> $ret)? {
                $crate::common::run($crate::common::Backend::Sqlite, body)
            }

            #[test]
            $(#[$meta])*
            fn postgres() $(-> $ret)? {
                $crate::common::run($crate::common::Backend::Postgres, body)
            }

            fn body() $(-> $ret)? $body
        }
    )*};
}

/// What a test returns when it is skipped: `()` or `Ok(())`.
pub trait Passed {
    /// The passing value.
    fn passed() -> Self;
}

impl Passed for () {
    fn passed() -> Self {}
}

impl<E> Passed for Result<(), E> {
    fn passed() -> Self {
        Ok(())
    }
}

/// Runs a test body on a backend, or skips it (passing) when that backend
/// is not selected or, for PostgreSQL outside CI, no server answers.
pub fn run<R: Passed>(backend: Backend, body: impl FnOnce() -> R) -> R {
    if !selected(backend) {
        return R::passed();
    }
    if backend == Backend::Postgres && postgres_url().is_none() {
        return R::passed();
    }
    BACKEND.with(|b| b.set(backend));
    // Dropped after the body, also when it panics: the test's schemas go.
    let _cleanup = Cleanup;
    body()
}

struct Cleanup;

impl Drop for Cleanup {
    fn drop(&mut self) {
        let schemas = SCHEMAS.with(|s| std::mem::take(&mut *s.borrow_mut()));
        BACKEND.with(|b| b.set(Backend::Sqlite));
        for file in FILES.with(|f| std::mem::take(&mut *f.borrow_mut())) {
            for suffix in ["", "-wal", "-shm", "-journal"] {
                let mut path = file.clone().into_os_string();
                path.push(suffix);
                let _ = std::fs::remove_file(path);
            }
        }
        if schemas.is_empty() {
            return;
        }
        let Some(url) = postgres_url() else { return };
        // A fresh connection: the test's own may be gone or mid-transaction.
        match orm_postgres::connect(url) {
            Ok(admin) => {
                for schema in schemas {
                    let drop = format!("DROP SCHEMA IF EXISTS {schema} CASCADE");
                    if let Err(e) = admin.execute(&drop, &[]) {
                        notice(&format!("could not drop test schema {schema}: {e}"));
                    }
                }
            }
            Err(e) => notice(&format!("could not drop test schemas {schemas:?}: {e}")),
        }
    }
}

/// Whether `ORM_TEST_BACKENDS` (or its default, every backend) lists it.
fn selected(backend: Backend) -> bool {
    match requested() {
        None => true,
        Some(list) => list.contains(&backend),
    }
}

/// The backends `ORM_TEST_BACKENDS` names, if it is set.
fn requested() -> Option<&'static Vec<Backend>> {
    static REQUESTED: OnceLock<Option<Vec<Backend>>> = OnceLock::new();
    REQUESTED
        .get_or_init(|| {
            let value = std::env::var("ORM_TEST_BACKENDS").ok()?;
            let list = value
                .split([',', '|', ' '])
                .filter(|s| !s.is_empty())
                .flat_map(|name| match name.to_ascii_lowercase().as_str() {
                    "sqlite" => vec![Backend::Sqlite],
                    "postgres" | "postgresql" | "pg" => vec![Backend::Postgres],
                    "all" | "both" => vec![Backend::Sqlite, Backend::Postgres],
                    other => panic!(
                        "ORM_TEST_BACKENDS: unknown backend `{other}` (use sqlite, postgres or both)"
                    ),
                })
                .collect();
            Some(list)
        })
        .as_ref()
}

/// The URL of a PostgreSQL server that answers, found once per test
/// binary; `None` (after one notice) when none does and that is allowed.
///
/// # Panics
///
/// When none answers under `CI=true` or when `ORM_TEST_BACKENDS` names
/// PostgreSQL.
pub fn postgres_url() -> Option<&'static str> {
    static URL: OnceLock<Result<String, String>> = OnceLock::new();
    let found = URL.get_or_init(|| {
        let candidates: Vec<String> = match std::env::var("ORM_TEST_POSTGRES_URL") {
            Ok(url) => vec![url],
            Err(_) => ["postgres", "root"]
                .iter()
                .map(|user| format!("postgresql://{user}@127.0.0.1:5432/test"))
                .collect(),
        };
        let mut errors = Vec::new();
        for url in candidates {
            let options = orm_postgres::PgOptions::new()
                .connect_timeout(Some(std::time::Duration::from_secs(3)));
            match options.connect(&url) {
                Ok(_) => return Ok(url),
                Err(e) => errors.push(format!("{url}: {e}")),
            }
        }
        Err(errors.join("; "))
    });
    match found {
        Ok(url) => Some(url),
        Err(why) => {
            let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
            let asked = requested().is_some_and(|l| l.contains(&Backend::Postgres));
            if ci || asked {
                panic!(
                    "PostgreSQL is required ({}) but no server answers: {why}",
                    if ci { "CI=true" } else { "ORM_TEST_BACKENDS" }
                );
            }
            static NOTICE: OnceLock<()> = OnceLock::new();
            NOTICE.get_or_init(|| {
                notice(&format!(
                    "PostgreSQL tests skipped (they pass without running): no server answers ({why}); \
                     set ORM_TEST_POSTGRES_URL, or ORM_TEST_BACKENDS=sqlite to silence this"
                ))
            });
            None
        }
    }
}

/// Writes to the real standard error, past the test harness's capture.
fn notice(message: &str) {
    let _ = writeln!(std::io::stderr().lock(), "note: {message}");
}

/// A fresh engine on the running test's backend, with no tables.
pub fn engine() -> Engine {
    match backend() {
        Backend::Sqlite => orm_sqlite::memory().expect("open in-memory database"),
        Backend::Postgres => postgres_engine(),
    }
}

/// Two connections to one fresh database with no tables, as two processes
/// would have: a temporary file on SQLite (removed when the test ends), one
/// schema on PostgreSQL.
pub fn two_engines() -> (Engine, Engine) {
    match backend() {
        Backend::Sqlite => {
            let path = std::env::temp_dir().join(format!("orm-test-{}.db", unique_name()));
            FILES.with(|f| f.borrow_mut().push(path.clone()));
            let _ = std::fs::remove_file(&path);
            let first = orm_sqlite::open(&path).expect("open the test database");
            let second = orm_sqlite::open(&path).expect("open the test database again");
            (first, second)
        }
        Backend::Postgres => {
            let (first, schema) = postgres_engine_in_new_schema();
            (first, postgres_connect(&schema))
        }
    }
}

/// `<pid>_<n>`, unique in this machine's running processes.
fn unique_name() -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    format!(
        "{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// A connection whose `search_path` is a new schema of the test's own.
fn postgres_engine() -> Engine {
    postgres_engine_in_new_schema().0
}

fn postgres_engine_in_new_schema() -> (Engine, String) {
    let schema = format!("orm_test_{}", unique_name());
    let engine = postgres_connect(&schema);
    engine
        .execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"), &[])
        .expect("drop a leftover test schema");
    engine
        .execute(&format!("CREATE SCHEMA {schema}"), &[])
        .expect("create the test schema");
    SCHEMAS.with(|s| s.borrow_mut().push(schema.clone()));
    (engine, schema)
}

fn postgres_connect(schema: &str) -> Engine {
    let url = postgres_url().expect("the PostgreSQL test is running, so a server answered");
    // A lock wait fails after five seconds, as SQLite's busy timeout does,
    // so two connections of one test thread cannot hang it.
    let options = orm_postgres::PgOptions::new()
        .search_path([schema])
        .lock_timeout(Some(std::time::Duration::from_secs(5)));
    let conn = orm_postgres::PgConnection::connect(url, &options).expect("connect to PostgreSQL");
    Engine::new(NumberedPlaceholders(conn))
}

/// The tests' hand-written SQL uses SQLite's `?` placeholders; this
/// connection numbers them (`$1`, `$2`, ...) for PostgreSQL. The library's
/// own statements already come numbered from the dialect.
struct NumberedPlaceholders(orm_postgres::PgConnection);

impl NumberedPlaceholders {
    fn number(sql: &str) -> std::borrow::Cow<'_, str> {
        if !sql.contains('?') {
            return sql.into();
        }
        let mut out = String::with_capacity(sql.len() + 8);
        let mut n = 0;
        let mut quote = None;
        for c in sql.chars() {
            match (quote, c) {
                (None, '\'' | '"') => quote = Some(c),
                (Some(q), c) if c == q => quote = None,
                (None, '?') => {
                    n += 1;
                    out.push_str(&format!("${n}"));
                    continue;
                }
                _ => {}
            }
            out.push(c);
        }
        out.into()
    }
}

impl orm_core::Connection for NumberedPlaceholders {
    fn dialect(&self) -> &'static dyn Dialect {
        self.0.dialect()
    }

    fn execute(
        &self,
        sql: &str,
        params: &[Value],
    ) -> Result<orm_core::ExecOutcome, orm_core::DbError> {
        self.0.execute(&Self::number(sql), params)
    }

    fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>, orm_core::DbError> {
        self.0.query(&Self::number(sql), params)
    }

    fn query_columns(
        &self,
        sql: &str,
        params: &[Value],
    ) -> Result<(Vec<String>, Vec<Vec<Value>>), orm_core::DbError> {
        self.0.query_columns(&Self::number(sql), params)
    }

    fn execute_many(&self, sql: &str, rows: &[Vec<Value>]) -> Result<u64, orm_core::DbError> {
        self.0.execute_many(&Self::number(sql), rows)
    }

    fn execute_each(
        &self,
        sql: &str,
        rows: &[Vec<Value>],
        affected: &mut Vec<u64>,
    ) -> Result<(), orm_core::DbError> {
        self.0.execute_each(&Self::number(sql), rows, affected)
    }
}

/// A fresh database with the registry's tables created and SQL recording on.
pub fn setup(registry: &Arc<Registry>) -> (Engine, Session) {
    let engine = engine();
    registry.create_all(&engine).expect("create tables");
    engine.start_recording();
    let session = Session::new(&engine, registry);
    (engine, session)
}

/// A statement's SQL as SQLite would spell it (see the module docs).
pub fn normalize(sql: &str) -> String {
    if !sql.contains(['$', '"']) && !sql.contains(" RETURNING ") {
        return sql.to_owned();
    }
    let sql = match sql.rfind(" RETURNING ") {
        Some(at) if sql.starts_with("INSERT") => &sql[..at],
        _ => sql,
    };
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '$' if chars.peek().is_some_and(char::is_ascii_digit) => {
                while chars.peek().is_some_and(char::is_ascii_digit) {
                    chars.next();
                }
                out.push('?');
            }
            '"' => {
                let mut ident = String::new();
                loop {
                    match chars.next() {
                        Some('"') if chars.peek() == Some(&'"') => {
                            chars.next();
                            ident.push('"');
                        }
                        Some('"') | None => break,
                        Some(c) => ident.push(c),
                    }
                }
                out.push_str(&orm_sqlite::SqliteDialect.quote(&ident));
            }
            '\'' => {
                // A string literal: copied as it is.
                out.push(c);
                for c in chars.by_ref() {
                    out.push(c);
                    if c == '\'' {
                        break;
                    }
                }
            }
            _ => out.push(c),
        }
    }
    out
}

/// The statements recorded since the last call, in SQLite's spelling, a
/// multi-row INSERT listed as its one-row INSERTs (`tests/batching.rs`
/// asserts the statements as sent).
fn recorded(engine: &Engine) -> Vec<Statement> {
    let statements = engine.take_recorded();
    let mut out = Vec::with_capacity(statements.len());
    for mut statement in statements {
        statement.sql = normalize(&statement.sql);
        out.extend(split_multi_row_insert(statement));
    }
    out
}

/// `INSERT INTO t (a) VALUES (?), (?) [1, 2]` as `INSERT INTO t (a) VALUES
/// (?) [1]` and `INSERT INTO t (a) VALUES (?) [2]`.
fn split_multi_row_insert(statement: Statement) -> Vec<Statement> {
    let rows = statement.sql.matches("), (").count() + 1;
    let head = statement
        .sql
        .find(" VALUES (")
        .filter(|_| rows > 1 && statement.sql.starts_with("INSERT"));
    let Some(head) = head else {
        return vec![statement];
    };
    let per_row = statement.params.len() / rows;
    let one_row = format!(
        "{} VALUES ({})",
        &statement.sql[..head],
        vec!["?"; per_row].join(", ")
    );
    statement
        .params
        .chunks(per_row.max(1))
        .map(|params| Statement {
            sql: one_row.clone(),
            params: params.to_vec(),
            batch: Vec::new(),
        })
        .collect()
}

/// The INSERT/UPDATE/DELETE statements sent since the last call, rendered
/// as `SQL [params]`.
pub fn dml(engine: &Engine) -> Vec<String> {
    recorded(engine)
        .into_iter()
        .filter(|s| s.is_dml())
        .map(|s| s.to_string())
        .collect()
}

/// Every statement sent since the last call, rendered as `SQL [params]`.
pub fn sql(engine: &Engine) -> Vec<String> {
    recorded(engine)
        .into_iter()
        .map(|s| s.to_string())
        .collect()
}

/// The SELECT statements sent since the last call.
pub fn selects(engine: &Engine) -> Vec<String> {
    sql(engine)
        .into_iter()
        .filter(|s| s.starts_with("SELECT"))
        .collect()
}

/// Rows of a raw query, with values rendered (`1`, `'a'`, `None`).
pub fn rows(engine: &Engine, query: &str) -> Vec<String> {
    let result = engine.query(query, &[]).expect("query");
    result
        .into_iter()
        .map(|row| {
            row.iter()
                .map(Value::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        })
        .collect()
}

/// A pooled engine on the running test's backend, as a multi-threaded
/// program opens it: a temporary SQLite file in WAL mode (removed when the
/// test ends) or a pool of PostgreSQL connections to a schema of the
/// test's own; up to `size` connections. Lock waits give up after
/// `lock_wait`.
pub fn pooled_engine(size: u32, lock_wait: std::time::Duration) -> Engine {
    let pool = orm_core::PoolOptions::new().max_size(size);
    match backend() {
        Backend::Sqlite => {
            let path = std::env::temp_dir().join(format!("orm-test-{}.db", unique_name()));
            FILES.with(|f| f.borrow_mut().push(path.clone()));
            let _ = std::fs::remove_file(&path);
            let options = orm_sqlite::SqliteOptions::new()
                .wal(true)
                .busy_timeout(lock_wait)
                .pool(pool);
            orm_sqlite::open_with(&path, &options).expect("open the test database")
        }
        Backend::Postgres => {
            let (first, schema) = postgres_engine_in_new_schema();
            drop(first);
            let url = postgres_url().expect("a server answered");
            let options = orm_postgres::PgOptions::new()
                .search_path([schema])
                .lock_timeout(Some(lock_wait));
            Engine::pooled(
                NumberedManager(orm_postgres::PgManager::new(url, options)),
                &pool,
            )
            .expect("connect to PostgreSQL")
        }
    }
}

/// A PostgreSQL pool whose connections number `?` placeholders.
#[derive(Debug)]
struct NumberedManager(orm_postgres::PgManager);

impl orm_core::r2d2::ManageConnection for NumberedManager {
    type Connection = NumberedPlaceholders;
    type Error = orm_core::DbError;

    fn connect(&self) -> Result<NumberedPlaceholders, orm_core::DbError> {
        self.0.connect().map(NumberedPlaceholders)
    }

    fn is_valid(&self, conn: &mut NumberedPlaceholders) -> Result<(), orm_core::DbError> {
        self.0.is_valid(&mut conn.0)
    }

    fn has_broken(&self, conn: &mut NumberedPlaceholders) -> bool {
        self.0.has_broken(&mut conn.0)
    }
}

/// A PostgreSQL URL whose connections work in a new schema of the running
/// test's own (dropped when it ends), for code that connects by URL.
pub fn postgres_url_in_new_schema() -> String {
    let (engine, schema) = postgres_engine_in_new_schema();
    drop(engine);
    let url = postgres_url().expect("a server answered");
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}options=-csearch_path%3D{schema}")
}
