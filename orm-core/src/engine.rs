//! The backend seam: [`Connection`] and [`Dialect`], implemented by backend
//! crates, and the [`Engine`] that wraps a connection with SQL echo.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::fmt;
use std::rc::Rc;

use crate::error::DbError;
use crate::value::{self, SqlType, Value};

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

    /// The definition of a single integer primary key column the database
    /// generates, declaring the primary key itself, or `None` to use the
    /// plain type and a table-level `PRIMARY KEY`.
    ///
    /// A generated key must never be handed out twice, even after its row
    /// is deleted: a session that still holds the deleted row's object
    /// would otherwise write to the new, unrelated row. SQLite reuses the
    /// largest rowid unless the column is `AUTOINCREMENT`.
    fn generated_key_column(&self, quoted_name: &str) -> Option<String> {
        let _ = quoted_name;
        None
    }

    /// Whether an INSERT that leaves a generated key to the database reads
    /// the key back with `RETURNING <key column>`.
    ///
    /// When true, the unit of work appends the clause and runs the INSERT
    /// through [`Connection::query`], taking the key from the first column
    /// of the returned row; when false (the default) it runs the INSERT
    /// through [`Connection::execute`] and takes
    /// [`ExecOutcome::last_insert_id`]. Databases without a "last insert
    /// id" on the connection (PostgreSQL) answer true.
    fn returning_generated_key(&self) -> bool {
        false
    }

    /// How many rows of one table, of `columns` columns each, the unit of
    /// work may insert with one multi-row `INSERT ... VALUES (..), (..)`
    /// (SQLAlchemy's "insertmanyvalues"). 1, the default, inserts row by
    /// row, one prepared statement executed per row, which is as fast on an
    /// embedded database; a server saves a round trip per row.
    ///
    /// With [`returning_generated_key`](Dialect::returning_generated_key),
    /// the generated keys of a multi-row INSERT come back as the rows of its
    /// `RETURNING` clause, in any order, and are given to the rows in
    /// ascending order: the database must draw them in the order of the
    /// `VALUES` list (PostgreSQL's sequences do).
    fn max_insert_rows(&self, columns: usize) -> usize {
        let _ = columns;
        1
    }

    /// The statement that adds a foreign key to an existing table, for a
    /// key whose referenced table is created after its own (tables that
    /// refer to each other, one key written with `post_update`), or `None`
    /// (the default) to declare it inside `CREATE TABLE` like every other
    /// key, for databases that resolve a reference only when rows are
    /// written (SQLite, which also cannot add a constraint later).
    ///
    /// `table` and `constraint` are unquoted names; `definition` is
    /// `FOREIGN KEY (a) REFERENCES t (id)`, possibly with `ON DELETE
    /// CASCADE`. `create_all` may run again on an existing schema, so the
    /// statement must do nothing when the constraint exists.
    fn add_foreign_key(&self, table: &str, constraint: &str, definition: &str) -> Option<String> {
        let _ = (table, constraint, definition);
        None
    }
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

/// The full statement, `SQL [params]` or `SQL [[row], [row], ...]`, every
/// value complete (see [`Value`]'s `Display`); what recording tests compare.
/// The engine's echo and log use a shortened form, see [`Engine`].
impl fmt::Display for Statement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        LogLine {
            statement: self,
            format: LogFormat::FULL,
        }
        .fmt(f)
    }
}

/// How the echo and the log render parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct LogFormat {
    /// Show `[parameters hidden]` instead of the values.
    hide_parameters: bool,
    /// The characters of text and hex digits of a blob shown before the
    /// rest is summarised.
    max_value_len: usize,
    /// The rows of a batch shown before the rest is summarised.
    max_rows: usize,
}

impl LogFormat {
    const FULL: LogFormat = LogFormat {
        hide_parameters: false,
        max_value_len: usize::MAX,
        max_rows: usize::MAX,
    };
}

/// The default for [`Engine::max_logged_value_len`].
const DEFAULT_MAX_LOGGED_VALUE_LEN: usize = 100;

/// The rows of an `execute_many` batch that the echo and log show.
const MAX_LOGGED_ROWS: usize = 10;

/// `"1 more row"`, `"2 more rows"`.
fn more(count: usize, unit: &str) -> String {
    let plural = if count == 1 { "" } else { "s" };
    format!("{count} more {unit}{plural}")
}

/// A statement rendered in a [`LogFormat`].
struct LogLine<'a> {
    statement: &'a Statement,
    format: LogFormat,
}

impl LogLine<'_> {
    fn value(&self, f: &mut fmt::Formatter<'_>, value: &Value) -> fmt::Result {
        let max = self.format.max_value_len;
        match value {
            Value::Text(text) => match text.char_indices().nth(max) {
                Some((cut, _)) => {
                    value::fmt_text(f, &text[..cut])?;
                    let rest = text[cut..].chars().count();
                    write!(f, "... ({})", more(rest, "character"))
                }
                None => value::fmt_text(f, text),
            },
            Value::Blob(bytes) if bytes.len() > max / 2 => {
                let shown = max / 2;
                value::fmt_blob(f, &bytes[..shown])?;
                write!(f, "... ({})", more(bytes.len() - shown, "byte"))
            }
            other => write!(f, "{other}"),
        }
    }

    fn row(&self, f: &mut fmt::Formatter<'_>, row: &[Value]) -> fmt::Result {
        f.write_str("[")?;
        for (i, value) in row.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            self.value(f, value)?;
        }
        f.write_str("]")
    }
}

impl fmt::Display for LogLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Statement { sql, params, batch } = self.statement;
        f.write_str(sql)?;
        if batch.is_empty() && params.is_empty() {
            return Ok(());
        }
        if self.format.hide_parameters {
            return f.write_str(" [parameters hidden]");
        }
        f.write_str(" ")?;
        if batch.is_empty() {
            return self.row(f, params);
        }
        f.write_str("[")?;
        for (i, row) in batch.iter().take(self.format.max_rows).enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            self.row(f, row)?;
        }
        if let Some(rest) = batch
            .len()
            .checked_sub(self.format.max_rows)
            .filter(|&n| n > 0)
        {
            write!(f, ", ... ({})", more(rest, "row"))?;
        }
        f.write_str("]")
    }
}

struct EngineInner {
    conn: Box<dyn Connection>,
    echo: Cell<bool>,
    log_format: Cell<LogFormat>,
    recorded: RefCell<Option<Vec<Statement>>>,
}

/// A database connection with SQL echo, shared by the sessions that use it.
///
/// Clones share the connection. An engine is one connection and is not
/// `Send`: open one per thread.
///
/// # Echo and logging
///
/// Every statement is logged through the `log` crate, target `orm::sql`,
/// at level `debug`, as one line: the SQL, then its parameters (or the rows
/// of an [`execute_many`](Engine::execute_many) batch). With
/// [`set_echo(true)`](Engine::set_echo) the same line is also printed to
/// standard output, like SQLAlchemy's `create_engine(..., echo=True)`.
///
/// Values are rendered unambiguously (see [`Value`]'s `Display`: `'a\0b'`
/// for text with a NUL byte, `x'00ff'` for a blob) and shortened: text
/// longer than [`max_logged_value_len`](Engine::max_logged_value_len)
/// characters (100 by default) shows its beginning and
/// `... (N more characters)`, a blob its first bytes in hex and
/// `... (N more bytes)`, a batch its first ten rows and `... (N more rows)`.
/// [`hide_parameters(true)`](Engine::hide_parameters) replaces all values
/// with `[parameters hidden]`, for applications whose parameters hold
/// secrets or personal data.
///
/// Recorded statements ([`start_recording`](Engine::start_recording)) are
/// not affected: they keep every value in full.
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
                log_format: Cell::new(LogFormat {
                    hide_parameters: false,
                    max_value_len: DEFAULT_MAX_LOGGED_VALUE_LEN,
                    max_rows: MAX_LOGGED_ROWS,
                }),
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

    /// Turns hiding of parameter values in the echo and the log on or off,
    /// like SQLAlchemy's `hide_parameters`: statements show
    /// `[parameters hidden]` instead of their values. Recorded statements
    /// keep their values.
    pub fn set_hide_parameters(&self, on: bool) {
        self.update_log_format(|format| format.hide_parameters = on);
    }

    /// Builder form of [`set_hide_parameters`](Engine::set_hide_parameters).
    ///
    /// ```
    /// let engine = orm_sqlite::memory().unwrap().echo(true).hide_parameters(true);
    /// engine.execute("CREATE TABLE account (password TEXT)", &[]).unwrap();
    /// // Prints: INSERT INTO account (password) VALUES (?) [parameters hidden]
    /// engine.execute("INSERT INTO account (password) VALUES (?)", &["hunter2".into()]).unwrap();
    /// ```
    pub fn hide_parameters(self, on: bool) -> Self {
        self.set_hide_parameters(on);
        self
    }

    /// Sets how much of a long value the echo and the log show: the
    /// characters of a text value, or the hex digits (two per byte) of a
    /// blob; the rest is summarised as `... (N more characters)` or
    /// `... (N more bytes)`. The default is 100; `usize::MAX` shows values
    /// in full. Recorded statements keep their values.
    pub fn set_max_logged_value_len(&self, len: usize) {
        self.update_log_format(|format| format.max_value_len = len);
    }

    /// Builder form of
    /// [`set_max_logged_value_len`](Engine::set_max_logged_value_len).
    ///
    /// ```
    /// let engine = orm_sqlite::memory().unwrap().echo(true).max_logged_value_len(8);
    /// engine.execute("CREATE TABLE note (body TEXT)", &[]).unwrap();
    /// // Prints: INSERT INTO note (body) VALUES (?) ['a long n'... (10 more characters)]
    /// engine.execute("INSERT INTO note (body) VALUES (?)", &["a long note text".into()]).unwrap();
    /// ```
    pub fn max_logged_value_len(self, len: usize) -> Self {
        self.set_max_logged_value_len(len);
        self
    }

    fn update_log_format(&self, change: impl FnOnce(&mut LogFormat)) {
        let mut format = self.inner.log_format.get();
        change(&mut format);
        self.inner.log_format.set(format);
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
        let logged = log::log_enabled!(target: "orm::sql", log::Level::Debug);
        let mut recorded = self.inner.recorded.borrow_mut();
        if !(echo || logged || recorded.is_some()) {
            return;
        }
        let statement = statement();
        if echo || logged {
            let line = LogLine {
                statement: &statement,
                format: self.inner.log_format.get(),
            };
            if logged {
                log::debug!(target: "orm::sql", "{line}");
            }
            if echo {
                println!("{line}");
            }
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
            .field(
                "hide_parameters",
                &self.inner.log_format.get().hide_parameters,
            )
            .finish()
    }
}
