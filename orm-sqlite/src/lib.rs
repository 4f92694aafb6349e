//! The SQLite backend for `orm-core`, on rusqlite with SQLite bundled.
//!
//! ```
//! use orm_core::prelude::*;
//!
//! #[derive(Model, Debug, Default)]
//! pub struct Note {
//!     #[column(primary_key)]
//!     pub id: Option<i64>,
//!     pub text: String,
//! }
//!
//! # fn main() -> orm_core::Result<()> {
//! let engine = orm_sqlite::memory()?.echo(false);
//! let registry = Registry::builder().model::<Note>().build()?;
//! registry.create_all(&engine)?;
//! let session = Session::new(&engine, &registry);
//! session.add(&Obj::new(Note { text: "hello".into(), ..Default::default() }))?;
//! session.commit()?;
//! assert_eq!(engine.query("SELECT text FROM note", &[])?, vec![vec!["hello".into()]]);
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

mod dialect;
mod error;
mod introspect;
mod manager;
mod options;

use std::path::Path;

use orm_core::{
    Connection, DbError, DbErrorKind, Dialect, Engine, ExecOutcome, OneRowInsert, Value,
};
use rusqlite::types::{ToSqlOutput, ValueRef};

pub use dialect::SqliteDialect;
pub use manager::SqliteManager;
pub use options::{SqliteOptions, Synchronous, DEFAULT_BUSY_TIMEOUT, DEFAULT_STATEMENT_CACHE};

use error::convert;

/// A SQLite connection with foreign key enforcement on.
pub struct SqliteConnection {
    conn: rusqlite::Connection,
}

impl SqliteConnection {
    /// Wraps an open rusqlite connection, turns on `PRAGMA foreign_keys` and
    /// sets the statement cache; the connection's busy timeout is left as
    /// it is (rusqlite's default is five seconds). Use
    /// [`with_options`](SqliteConnection::with_options) to set it.
    pub fn new(conn: rusqlite::Connection) -> Result<Self, DbError> {
        conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA case_sensitive_like = ON")
            .map_err(convert)?;
        conn.set_prepared_statement_cache_capacity(DEFAULT_STATEMENT_CACHE);
        Ok(SqliteConnection { conn })
    }

    /// Wraps an open rusqlite connection and [applies](SqliteOptions::apply)
    /// the options to it; `read_only` only takes effect when opening, so
    /// open the connection with [`SqliteOptions::open_flags`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use orm_sqlite::{SqliteConnection, SqliteOptions};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let options = SqliteOptions::new().busy_timeout(Duration::from_millis(100));
    /// let raw = rusqlite::Connection::open_in_memory()?;
    /// let conn = SqliteConnection::with_options(raw, &options)?;
    /// let engine = orm_core::Engine::new(conn);
    /// engine.execute("CREATE TABLE t (x INTEGER)", &[])?;
    /// # Ok(()) }
    /// ```
    pub fn with_options(
        conn: rusqlite::Connection,
        options: &SqliteOptions,
    ) -> Result<Self, DbError> {
        options.apply(&conn)?;
        Ok(SqliteConnection { conn })
    }

    /// Opens a database file with the options.
    pub fn open(path: impl AsRef<Path>, options: &SqliteOptions) -> Result<Self, DbError> {
        let conn =
            rusqlite::Connection::open_with_flags(path, options.open_flags()).map_err(convert)?;
        Self::with_options(conn, options)
    }

    /// The underlying rusqlite connection.
    pub fn raw(&self) -> &rusqlite::Connection {
        &self.conn
    }
}

/// An engine over a private in-memory database, with the default
/// [`SqliteOptions`]. It has one connection, which every session and
/// statement shares (a second connection would be another database), so
/// use it from one thread at a time.
pub fn memory() -> Result<Engine, DbError> {
    SqliteOptions::default().memory()
}

/// An engine over a database file, created if it does not exist, with the
/// default [`SqliteOptions`] (among them a five second busy timeout): a
/// pool of up to ten connections, each set up with the options, safe to
/// share between threads.
pub fn open(path: impl AsRef<Path>) -> Result<Engine, DbError> {
    SqliteOptions::default().open(path)
}

/// An engine over a database file with the given options (per-connection
/// settings and [`pool`](SqliteOptions#structfield.pool) size and timeout).
///
/// ```
/// use std::time::Duration;
/// use orm_sqlite::SqliteOptions;
///
/// # fn main() -> Result<(), orm_core::DbError> {
/// let path = std::env::temp_dir().join(format!("orm-doc-open-with-{}.db", std::process::id()));
/// let options = SqliteOptions::new().busy_timeout(Duration::from_millis(100));
/// let engine = orm_sqlite::open_with(&path, &options)?;
/// # drop(engine);
/// # let _ = std::fs::remove_file(&path);
/// # Ok(()) }
/// ```
pub fn open_with(path: impl AsRef<Path>, options: &SqliteOptions) -> Result<Engine, DbError> {
    options.open(path)
}

struct Param<'a>(&'a Value);

impl rusqlite::ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self.0 {
            Value::Null => ValueRef::Null,
            Value::Integer(v) => ValueRef::Integer(*v),
            Value::Real(v) => ValueRef::Real(*v),
            Value::Text(v) => ValueRef::Text(v.as_bytes()),
            Value::Blob(v) => ValueRef::Blob(v),
        }))
    }
}

fn read(value: ValueRef<'_>) -> Result<Value, DbError> {
    Ok(match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(v) => Value::Integer(v),
        ValueRef::Real(v) => Value::Real(v),
        ValueRef::Text(v) => Value::Text(
            std::str::from_utf8(v)
                .map_err(|e| {
                    DbError::new(DbErrorKind::Other, format!("invalid UTF-8 in TEXT: {e}"))
                })?
                .to_owned(),
        ),
        ValueRef::Blob(v) => Value::Blob(v.to_vec()),
    })
}

impl Connection for SqliteConnection {
    fn dialect(&self) -> &'static dyn Dialect {
        &SqliteDialect
    }

    fn execute(&self, sql: &str, params: &[Value]) -> Result<ExecOutcome, DbError> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(convert)?;
        let rows = stmt
            .execute(rusqlite::params_from_iter(params.iter().map(Param)))
            .map_err(convert)?;
        let is_insert = sql
            .trim_start()
            .get(..6)
            .is_some_and(|s| s.eq_ignore_ascii_case("INSERT"));
        Ok(ExecOutcome {
            rows_affected: rows as u64,
            last_insert_id: is_insert.then(|| self.conn.last_insert_rowid()),
        })
    }

    /// A one-row `INSERT` (association rows, bulk inserts) goes in
    /// statements of up to 64 rows (powers of two, so a table has a few
    /// statement texts): one VDBE run per statement instead of per row.
    /// Anything else runs once per row.
    fn execute_many(&self, sql: &str, rows: &[Vec<Value>]) -> Result<u64, DbError> {
        let mut affected = 0;
        let mut rest = rows;
        let batched = OneRowInsert::parse(sql, &SqliteDialect)
            .filter(|insert| rows.iter().all(|r| r.len() == insert.width()));
        if let Some(insert) = batched {
            let max = SqliteDialect.max_insert_rows(insert.width());
            while rest.len() > 1 && max > 1 {
                let chunk = 1 << rest.len().min(max).ilog2();
                let (now, later) = rest.split_at(chunk);
                let mut stmt = self
                    .conn
                    .prepare_cached(&insert.rows(chunk, &SqliteDialect))
                    .map_err(convert)?;
                let params = now.iter().flatten().map(Param);
                affected += stmt
                    .execute(rusqlite::params_from_iter(params))
                    .map_err(convert)? as u64;
                rest = later;
            }
        }
        let mut each = Vec::with_capacity(rest.len());
        self.execute_each(sql, rest, &mut each)?;
        Ok(affected + each.iter().sum::<u64>())
    }

    /// One statement from the cache for all the rows: the cache lookup is a
    /// good part of a small statement's cost.
    fn execute_each(
        &self,
        sql: &str,
        rows: &[Vec<Value>],
        affected: &mut Vec<u64>,
    ) -> Result<(), DbError> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(convert)?;
        for params in rows {
            let count = stmt
                .execute(rusqlite::params_from_iter(params.iter().map(Param)))
                .map_err(convert)?;
            affected.push(count as u64);
        }
        Ok(())
    }

    fn query_columns(
        &self,
        sql: &str,
        params: &[Value],
    ) -> Result<(Vec<String>, Vec<Vec<Value>>), DbError> {
        let names = {
            let stmt = self.conn.prepare_cached(sql).map_err(convert)?;
            stmt.column_names().into_iter().map(str::to_owned).collect()
        };
        Ok((names, self.query(sql, params)?))
    }

    fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>, DbError> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(convert)?;
        let columns = stmt.column_count();
        let mut rows = stmt
            .query(rusqlite::params_from_iter(params.iter().map(Param)))
            .map_err(convert)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(convert)? {
            let mut values = Vec::with_capacity(columns);
            for i in 0..columns {
                values.push(read(row.get_ref(i).map_err(convert)?)?);
            }
            out.push(values);
        }
        Ok(out)
    }
}
