//! The backend seam: [`Connection`] and [`Dialect`], implemented by backend
//! crates, and the [`Engine`] that wraps a connection with SQL echo.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::fmt;
use std::rc::Rc;

use crate::error::DbError;
use crate::value::{SqlType, Value};

/// The SQL differences between databases.
pub trait Dialect {
    /// A short name (`"sqlite"`).
    fn name(&self) -> &'static str;

    /// The bind placeholder for parameter `index` (1-based).
    fn placeholder(&self, index: usize) -> Cow<'static, str>;

    /// Quotes an identifier when it needs quoting.
    fn quote<'a>(&self, ident: &'a str) -> Cow<'a, str>;

    /// The column type for a storage class.
    fn type_name(&self, ty: SqlType) -> &'static str;
}

/// What executing a statement reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ExecOutcome {
    /// Rows inserted, updated or deleted.
    pub rows_affected: u64,
    /// The key the database generated for an INSERT, if any.
    pub last_insert_id: Option<i64>,
}

/// One database connection, as a backend provides it.
///
/// Implementations should cache prepared statements by SQL text: the unit of
/// work issues the same text for every row of a table and operation.
pub trait Connection {
    /// The dialect for building statements.
    fn dialect(&self) -> &dyn Dialect;

    /// Runs a statement that returns no rows.
    fn execute(&self, sql: &str, params: &[Value]) -> Result<ExecOutcome, DbError>;

    /// Runs a query and returns all rows.
    fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>, DbError>;

    /// Runs one statement once per parameter row (prepared once) and returns
    /// the total rows affected.
    fn execute_many(&self, sql: &str, rows: &[Vec<Value>]) -> Result<u64, DbError> {
        let mut affected = 0;
        for params in rows {
            affected += self.execute(sql, params)?.rows_affected;
        }
        Ok(affected)
    }
}

/// A statement as it was sent to the database, for echo and tests.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// The SQL text.
    pub sql: String,
    /// The bound parameters.
    pub params: Vec<Value>,
    /// For a statement run once per row (`execute_many`), the rows.
    pub batch: Vec<Vec<Value>>,
}

impl Statement {
    /// Whether this is an INSERT, UPDATE or DELETE.
    pub fn is_dml(&self) -> bool {
        let head = self.sql.trim_start();
        ["INSERT", "UPDATE", "DELETE"]
            .iter()
            .any(|kw| head.len() >= kw.len() && head[..kw.len()].eq_ignore_ascii_case(kw))
    }
}

impl fmt::Display for Statement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.sql)?;
        if !self.batch.is_empty() {
            let rows: Vec<String> = self
                .batch
                .iter()
                .map(|row| {
                    let values: Vec<String> = row.iter().map(ToString::to_string).collect();
                    format!("[{}]", values.join(", "))
                })
                .collect();
            write!(f, " [{}]", rows.join(", "))?;
        } else if !self.params.is_empty() {
            let params: Vec<String> = self.params.iter().map(ToString::to_string).collect();
            write!(f, " [{}]", params.join(", "))?;
        }
        Ok(())
    }
}

struct EngineInner {
    conn: Box<dyn Connection>,
    echo: Cell<bool>,
    recorded: RefCell<Option<Vec<Statement>>>,
}

/// A database connection with SQL echo, shared by the sessions that use it.
///
/// Every statement is logged through the `log` crate (target `orm::sql`, level
/// `info`); with [`set_echo(true)`](Engine::set_echo) it is also printed to
/// standard output, like SQLAlchemy's `create_engine(..., echo=True)`.
/// Clones share the connection. An engine is one connection and is not
/// `Send`: open one per thread.
///
/// ```
/// let engine = orm_sqlite::memory().unwrap();
/// engine.start_recording();
/// engine.execute("CREATE TABLE t (x INTEGER)", &[]).unwrap();
/// engine.execute("INSERT INTO t (x) VALUES (?)", &[7.into()]).unwrap();
/// let rows = engine.query("SELECT x FROM t", &[]).unwrap();
/// assert_eq!(rows, vec![vec![orm_core::Value::Integer(7)]]);
/// assert_eq!(engine.take_recorded()[1].to_string(), "INSERT INTO t (x) VALUES (?) [7]");
/// ```
#[derive(Clone)]
pub struct Engine {
    inner: Rc<EngineInner>,
}

impl Engine {
    /// Wraps a backend connection.
    pub fn new(conn: impl Connection + 'static) -> Self {
        Engine {
            inner: Rc::new(EngineInner {
                conn: Box::new(conn),
                echo: Cell::new(false),
                recorded: RefCell::new(None),
            }),
        }
    }

    /// Turns printing of every statement to standard output on or off.
    pub fn set_echo(&self, on: bool) {
        self.inner.echo.set(on);
    }

    /// Builder form of [`set_echo`](Engine::set_echo).
    pub fn echo(self, on: bool) -> Self {
        self.set_echo(on);
        self
    }

    /// Starts keeping every statement sent, for [`take_recorded`](Engine::take_recorded).
    pub fn start_recording(&self) {
        *self.inner.recorded.borrow_mut() = Some(Vec::new());
    }

    /// The statements sent since recording started (or since the last call);
    /// recording goes on.
    pub fn take_recorded(&self) -> Vec<Statement> {
        self.inner
            .recorded
            .borrow_mut()
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    }

    /// The dialect of the connection.
    pub fn dialect(&self) -> &dyn Dialect {
        self.inner.conn.dialect()
    }

    /// Runs a statement that returns no rows.
    pub fn execute(&self, sql: &str, params: &[Value]) -> Result<ExecOutcome, DbError> {
        self.trace(sql, params);
        self.inner
            .conn
            .execute(sql, params)
            .map_err(|e| e.with_sql(sql))
    }

    /// Runs one statement for each parameter row, like Python's
    /// `executemany`; logged once, with every row.
    pub fn execute_many(&self, sql: &str, rows: &[Vec<Value>]) -> Result<u64, DbError> {
        self.trace_many(sql, rows);
        self.inner
            .conn
            .execute_many(sql, rows)
            .map_err(|e| e.with_sql(sql))
    }

    /// Runs a query and returns all rows.
    pub fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>, DbError> {
        self.trace(sql, params);
        self.inner
            .conn
            .query(sql, params)
            .map_err(|e| e.with_sql(sql))
    }

    fn trace_many(&self, sql: &str, rows: &[Vec<Value>]) {
        match rows {
            [single] => self.trace(sql, single),
            _ => self.emit(|| Statement {
                sql: sql.to_owned(),
                params: Vec::new(),
                batch: rows.to_vec(),
            }),
        }
    }

    fn trace(&self, sql: &str, params: &[Value]) {
        self.emit(|| Statement {
            sql: sql.to_owned(),
            params: params.to_vec(),
            batch: Vec::new(),
        });
    }

    /// Logs, prints and records a statement, building it only if one of
    /// them is on.
    fn emit(&self, statement: impl FnOnce() -> Statement) {
        let echo = self.inner.echo.get();
        let logged = log::log_enabled!(target: "orm::sql", log::Level::Info);
        let mut recorded = self.inner.recorded.borrow_mut();
        if !(echo || logged || recorded.is_some()) {
            return;
        }
        let statement = statement();
        if logged {
            log::info!(target: "orm::sql", "{statement}");
        }
        if echo {
            println!("{statement}");
        }
        if let Some(recorded) = recorded.as_mut() {
            recorded.push(statement);
        }
    }
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine")
            .field("dialect", &self.dialect().name())
            .field("echo", &self.inner.echo.get())
            .finish()
    }
}
