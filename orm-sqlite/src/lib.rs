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

use std::path::Path;

use orm_core::{Connection, DbError, DbErrorKind, Dialect, Engine, ExecOutcome, Value};
use rusqlite::types::{ToSqlOutput, ValueRef};

pub use dialect::SqliteDialect;

/// How many prepared statements each connection keeps.
const STATEMENT_CACHE: usize = 256;

/// A SQLite connection with foreign key enforcement on.
pub struct SqliteConnection {
    conn: rusqlite::Connection,
}

impl SqliteConnection {
    /// Wraps an open rusqlite connection and turns on `PRAGMA foreign_keys`.
    pub fn new(conn: rusqlite::Connection) -> Result<Self, DbError> {
        conn.execute_batch("PRAGMA foreign_keys = ON")
            .map_err(convert)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        Ok(SqliteConnection { conn })
    }

    /// The underlying rusqlite connection.
    pub fn raw(&self) -> &rusqlite::Connection {
        &self.conn
    }
}

/// An engine over a private in-memory database.
pub fn memory() -> Result<Engine, DbError> {
    let conn = rusqlite::Connection::open_in_memory().map_err(convert)?;
    Ok(Engine::new(SqliteConnection::new(conn)?))
}

/// An engine over a database file, created if it does not exist.
pub fn open(path: impl AsRef<Path>) -> Result<Engine, DbError> {
    let conn = rusqlite::Connection::open(path).map_err(convert)?;
    Ok(Engine::new(SqliteConnection::new(conn)?))
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

/// Classifies a rusqlite error.
fn convert(err: rusqlite::Error) -> DbError {
    use rusqlite::ffi;
    let kind = match &err {
        rusqlite::Error::SqliteFailure(e, _) => match e.extended_code {
            ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                DbErrorKind::UniqueViolation
            }
            ffi::SQLITE_CONSTRAINT_FOREIGNKEY => DbErrorKind::ForeignKeyViolation,
            ffi::SQLITE_CONSTRAINT_NOTNULL => DbErrorKind::NotNullViolation,
            ffi::SQLITE_CONSTRAINT_CHECK => DbErrorKind::CheckViolation,
            _ => DbErrorKind::Other,
        },
        _ => DbErrorKind::Other,
    };
    DbError::new(kind, err.to_string())
}

impl Connection for SqliteConnection {
    fn dialect(&self) -> &dyn Dialect {
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

    fn execute_many(&self, sql: &str, rows: &[Vec<Value>]) -> Result<u64, DbError> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(convert)?;
        let mut affected = 0;
        for params in rows {
            affected += stmt
                .execute(rusqlite::params_from_iter(params.iter().map(Param)))
                .map_err(convert)? as u64;
        }
        Ok(affected)
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
