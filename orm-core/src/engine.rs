//! The backend seam: [`Connection`] and [`Dialect`], implemented by backend
//! crates, and the [`Engine`]: a thread-safe source of connections (a pool,
//! or one shared connection) with SQL echo, logging and recording.

use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::error::DbError;
use crate::introspect::{QueryFn, TableDescription};
use crate::pool::{PoolOptions, Shared, Source};
use crate::value::{self, SqlType, Value};

/// The SQL differences between databases. Dialects are stateless values
/// shared by every connection of a backend.
pub trait Dialect: Send + Sync {
    /// A short name (`"sqlite"`).
    fn name(&self) -> &'static str;

    /// The bind placeholder for parameter `index` (1-based).
    fn placeholder(&self, index: usize) -> Cow<'static, str>;

    /// Quotes an identifier when it needs quoting.
    fn quote<'a>(&self, ident: &'a str) -> Cow<'a, str>;

    /// The most values one statement may bind: SQLite's default
    /// `SQLITE_MAX_VARIABLE_NUMBER`, 32766, unless a backend says more.
    /// Queries check it before sending anything.
    ///
    /// ```
    /// use orm_core::Dialect;
    /// assert_eq!(orm_sqlite::SqliteDialect.max_parameters(), 32766);
    /// ```
    fn max_parameters(&self) -> usize {
        32766
    }

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

    /// Whether `INSERT ... RETURNING <columns>` works: PostgreSQL, and
    /// SQLite from 3.35. The unit of work then reads back, in the same
    /// statement, the values a column's `server_default` gave to a row
    /// whose field was `None` (one row per INSERT). When false (the
    /// default), such fields stay `None` until the object is loaded again.
    ///
    /// ```
    /// use orm_core::Dialect;
    /// assert!(orm_sqlite::SqliteDialect.supports_returning());
    /// ```
    fn supports_returning(&self) -> bool {
        false
    }

    /// How many rows of one table, of `columns` columns each, the unit of
    /// work may insert with one multi-row `INSERT ... VALUES (..), (..)`
    /// (SQLAlchemy's "insertmanyvalues"). 1, the default, inserts row by
    /// row, one prepared statement executed per row. A server saves a round
    /// trip per row; an embedded database saves the per-statement work
    /// (SQLite: a quarter of the instructions of W1's INSERTs).
    ///
    /// The generated keys of a multi-row INSERT come back as the rows of
    /// its `RETURNING` clause (so a dialect answering more than 1 must
    /// [`support RETURNING`](Dialect::supports_returning) for tables with
    /// a generated key), in any order, and are given to the rows in
    /// ascending order: the database must draw them in the order of the
    /// `VALUES` list (PostgreSQL's sequences and SQLite's rowids do).
    fn max_insert_rows(&self, columns: usize) -> usize {
        let _ = columns;
        1
    }

    /// Whether the keys one multi-row INSERT generates are consecutive
    /// integers, as SQLite's rowids are (each new row takes the largest
    /// rowid plus one), so the unit of work can check that they were drawn
    /// in order. SQLite draws rowids at random once a table holds the
    /// largest integer; the check then fails the flush with
    /// [`Error::Internal`](crate::Error::Internal) instead of giving keys
    /// to the wrong objects. False (the default) for databases whose
    /// sequences other transactions draw from at the same time.
    ///
    /// ```
    /// use orm_core::Dialect;
    /// assert!(orm_sqlite::SqliteDialect.generated_keys_consecutive());
    /// ```
    fn generated_keys_consecutive(&self) -> bool {
        false
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

    /// Describes table `table` (unquoted) from the database's catalog,
    /// running its queries through `query`, or `None` when the table does
    /// not exist; for [`Registry::schema_diff`](crate::Registry::schema_diff).
    /// Type names are spelled as [`type_name`](Dialect::type_name) spells
    /// them. The default refuses: the dialect cannot introspect.
    fn describe_table(
        &self,
        query: &mut QueryFn<'_>,
        table: &str,
    ) -> Result<Option<TableDescription>, DbError> {
        let _ = (query, table);
        Err(DbError::new(
            crate::DbErrorKind::Other,
            format!("the {} dialect cannot describe tables", self.name()),
        ))
    }

    /// The statement that drops a table if it exists (`quoted_name` is
    /// quoted already). The default is `DROP TABLE IF EXISTS <name>`;
    /// databases that refuse to drop a table other tables' foreign keys
    /// still refer to (tables that refer to each other) add `CASCADE`.
    fn drop_table(&self, quoted_name: &str) -> String {
        format!("DROP TABLE IF EXISTS {quoted_name}")
    }

    /// The statement that starts a transaction at `isolation` (`None`: the
    /// database's default). The default implementation sends the standard
    /// `BEGIN` and `SET TRANSACTION ISOLATION LEVEL` words.
    fn begin(&self, isolation: Option<IsolationLevel>) -> Cow<'static, str> {
        match isolation {
            None => Cow::Borrowed("BEGIN"),
            Some(level) => Cow::Owned(format!("BEGIN ISOLATION LEVEL {}", level.sql())),
        }
    }
}

/// How much a transaction sees of the transactions that run beside it, for
/// [`Session::begin_with`](crate::Session::begin_with). Databases give at
/// least the level asked for: SQLite runs every transaction serializable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IsolationLevel {
    /// Each statement sees what was committed before it started.
    ReadCommitted,
    /// The transaction sees one snapshot, taken at its first statement.
    RepeatableRead,
    /// The transaction behaves as if it ran alone; when the database cannot
    /// arrange that, it aborts it with a retryable
    /// [`SerializationFailure`](crate::DbErrorKind::SerializationFailure).
    Serializable,
}

impl IsolationLevel {
    /// The SQL words: `READ COMMITTED`, `REPEATABLE READ`, `SERIALIZABLE`.
    pub fn sql(self) -> &'static str {
        match self {
            IsolationLevel::ReadCommitted => "READ COMMITTED",
            IsolationLevel::RepeatableRead => "REPEATABLE READ",
            IsolationLevel::Serializable => "SERIALIZABLE",
        }
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
    fn dialect(&self) -> &'static dyn Dialect;

    /// Runs a statement that returns no rows.
    fn execute(&self, sql: &str, params: &[Value]) -> Result<ExecOutcome, DbError>;

    /// Runs a query and returns all rows.
    fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>, DbError>;

    /// Runs a query and returns the names of its columns with all rows,
    /// for raw SQL mapped by name
    /// ([`Session::query_sql`](crate::Session::query_sql)). The default
    /// reports that the backend cannot name them; both backends of this
    /// project do, and a wrapping connection should forward it.
    fn query_columns(
        &self,
        sql: &str,
        params: &[Value],
    ) -> Result<(Vec<String>, Vec<Vec<Value>>), DbError> {
        let _ = (sql, params);
        Err(DbError::new(
            crate::error::DbErrorKind::Other,
            "this backend does not report the column names of a query",
        ))
    }

    /// Runs one statement once per parameter row (prepared once) and returns
    /// the total rows affected.
    fn execute_many(&self, sql: &str, rows: &[Vec<Value>]) -> Result<u64, DbError> {
        let mut affected = 0;
        for params in rows {
            affected += self.execute(sql, params)?.rows_affected;
        }
        Ok(affected)
    }

    /// Runs one statement once per parameter row, prepared once, pushing
    /// the number of rows each run affected onto `affected` (the unit of
    /// work checks each UPDATE matched its one row). It stops at the first
    /// error, when `affected` holds the counts of the rows before the
    /// failing one. The default runs [`execute`](Connection::execute) per
    /// row; a backend overrides it to skip its per-statement lookup.
    fn execute_each(
        &self,
        sql: &str,
        rows: &[Vec<Value>],
        affected: &mut Vec<u64>,
    ) -> Result<(), DbError> {
        for params in rows {
            affected.push(self.execute(sql, params)?.rows_affected);
        }
        Ok(())
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
    source: Box<dyn Source>,
    dialect: &'static dyn Dialect,
    echo: AtomicBool,
    log_format: Mutex<LogFormat>,
    /// Whether `recorded` is on, readable without the lock.
    recording: AtomicBool,
    recorded: Mutex<Option<Vec<Statement>>>,
}

/// A source of database connections with SQL echo: a pool of connections,
/// or one connection shared by all its users (in-memory SQLite).
///
/// An engine is `Send + Sync` and cheap to clone (clones share the pool):
/// make one when the program starts and share it between threads. Each
/// [`Session`](crate::Session) checks a connection out when it runs its
/// first statement and gives it back at `commit`, `rollback` or `close`;
/// sessions and their objects stay on the thread that made them (they are
/// `!Send`). In a multi-threaded server, open one session per request or
/// job:
///
/// ```
/// use orm_core::prelude::*;
///
/// #[derive(Model, Debug, Default)]
/// pub struct Hit {
///     #[column(primary_key)]
///     pub id: Option<i64>,
///     pub worker: i64,
/// }
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let path = std::env::temp_dir().join(format!("orm-doc-engine-{}.db", std::process::id()));
/// # let _ = std::fs::remove_file(&path);
/// let engine = orm_sqlite::open(&path)?;           // a pool of connections to one file
/// let registry = Registry::builder().model::<Hit>().build()?;
/// registry.create_all(&engine)?;
/// std::thread::scope(|scope| {
///     for worker in 0..4 {
///         let (engine, registry) = (&engine, &registry);
///         scope.spawn(move || -> orm_core::Result<()> {
///             let session = Session::new(engine, registry); // one per job, on its thread
///             session.add(&Obj::new(Hit { worker, ..Default::default() }))?;
///             session.commit()                            // gives the connection back
///         });
///     }
/// });
/// assert_eq!(engine.query("SELECT count(*) FROM hit", &[])?, vec![vec![4.into()]]);
/// # drop(engine);
/// # let _ = std::fs::remove_file(&path);
/// # Ok(()) }
/// ```
///
/// Statements run directly on the engine ([`execute`](Engine::execute),
/// [`query`](Engine::query)) each check a connection out for themselves;
/// [`connect`](Engine::connect) keeps one for several statements.
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
    inner: Arc<EngineInner>,
}

impl Engine {
    /// An engine over one connection, shared by every session and
    /// statement (each statement locks it). This is what an in-memory
    /// SQLite database needs; sessions on it share its transaction.
    pub fn new(conn: impl Connection + Send + 'static) -> Self {
        let dialect = conn.dialect();
        Self::from_source(
            Box::new(Shared(Arc::new(Mutex::new(Box::new(conn))))),
            dialect,
        )
    }

    /// An engine over a pool of connections that `manager` opens (and sets
    /// up), as a backend crate provides it. One connection is opened at
    /// once, so that a database that cannot be reached is reported here,
    /// with its own error kind; the pool opens the others as they are
    /// needed (or keeps `min_idle` open).
    pub fn pooled<M>(manager: M, options: &PoolOptions) -> Result<Self, DbError>
    where
        M: r2d2::ManageConnection<Error = DbError>,
        M::Connection: Connection,
    {
        let dialect = manager.connect()?.dialect();
        let pool = options.builder().build_unchecked(manager);
        Ok(Self::from_source(Box::new(pool), dialect))
    }

    fn from_source(source: Box<dyn Source>, dialect: &'static dyn Dialect) -> Self {
        Engine {
            inner: Arc::new(EngineInner {
                source,
                dialect,
                echo: AtomicBool::new(false),
                log_format: Mutex::new(LogFormat {
                    hide_parameters: false,
                    max_value_len: DEFAULT_MAX_LOGGED_VALUE_LEN,
                    max_rows: MAX_LOGGED_ROWS,
                }),
                recording: AtomicBool::new(false),
                recorded: Mutex::new(None),
            }),
        }
    }

    /// Checks a connection out for several statements; it goes back when
    /// the returned value is dropped. Statements on it are echoed, logged
    /// and recorded like the engine's own.
    ///
    /// ```
    /// let engine = orm_sqlite::memory().unwrap();
    /// let conn = engine.connect().unwrap();
    /// conn.execute("CREATE TABLE t (x INTEGER)", &[]).unwrap();
    /// assert!(conn.query("SELECT x FROM t", &[]).unwrap().is_empty());
    /// ```
    pub fn connect(&self) -> Result<EngineConnection, DbError> {
        Ok(EngineConnection {
            engine: self.clone(),
            conn: self.inner.source.checkout()?,
        })
    }

    /// Turns printing of every statement to standard output on or off.
    pub fn set_echo(&self, on: bool) {
        self.inner.echo.store(on, Ordering::Relaxed);
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
        change(&mut self.log_format());
    }

    fn log_format(&self) -> MutexGuard<'_, LogFormat> {
        self.inner
            .log_format
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn recorded(&self) -> MutexGuard<'_, Option<Vec<Statement>>> {
        self.inner
            .recorded
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts keeping every statement sent, for [`take_recorded`](Engine::take_recorded).
    pub fn start_recording(&self) {
        *self.recorded() = Some(Vec::new());
        self.inner.recording.store(true, Ordering::Relaxed);
    }

    /// The statements sent since recording started (or since the last call);
    /// recording goes on.
    pub fn take_recorded(&self) -> Vec<Statement> {
        self.recorded()
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    }

    /// The dialect of the engine's connections.
    pub fn dialect(&self) -> &'static dyn Dialect {
        self.inner.dialect
    }

    /// Runs a statement that returns no rows, on a connection checked out
    /// for it.
    pub fn execute(&self, sql: &str, params: &[Value]) -> Result<ExecOutcome, DbError> {
        self.connect()?.execute(sql, params)
    }

    /// Runs one statement for each parameter row, like Python's
    /// `executemany`; logged once, with every row.
    pub fn execute_many(&self, sql: &str, rows: &[Vec<Value>]) -> Result<u64, DbError> {
        self.connect()?.execute_many(sql, rows)
    }

    /// Runs a query and returns all rows.
    pub fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>, DbError> {
        self.connect()?.query(sql, params)
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
        let echo = self.inner.echo.load(Ordering::Relaxed);
        let logged = log::log_enabled!(target: "orm::sql", log::Level::Debug);
        let recording = self.inner.recording.load(Ordering::Relaxed);
        if !(echo || logged || recording) {
            return;
        }
        let statement = statement();
        if echo || logged {
            let format = *self.log_format();
            let line = LogLine {
                statement: &statement,
                format,
            };
            if logged {
                log::debug!(target: "orm::sql", "{line}");
            }
            if echo {
                println!("{line}");
            }
        }
        if recording {
            if let Some(recorded) = self.recorded().as_mut() {
                recorded.push(statement);
            }
        }
    }
}

/// A connection checked out of an [`Engine`], for the caller's exclusive
/// use (on a shared-connection engine, shared with the engine's other
/// users) until it is dropped. Statements on it are echoed, logged and
/// recorded like the engine's.
pub struct EngineConnection {
    engine: Engine,
    conn: Box<dyn Connection>,
}

impl EngineConnection {
    /// The engine it came from.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The dialect of the connection.
    pub fn dialect(&self) -> &'static dyn Dialect {
        self.engine.inner.dialect
    }

    /// Runs a statement that returns no rows.
    pub fn execute(&self, sql: &str, params: &[Value]) -> Result<ExecOutcome, DbError> {
        self.engine.trace(sql, params);
        self.conn.execute(sql, params).map_err(|e| e.with_sql(sql))
    }

    /// Runs one statement for each parameter row; logged once, with every
    /// row.
    pub fn execute_many(&self, sql: &str, rows: &[Vec<Value>]) -> Result<u64, DbError> {
        self.engine.trace_many(sql, rows);
        self.conn
            .execute_many(sql, rows)
            .map_err(|e| e.with_sql(sql))
    }

    /// Runs one statement once per parameter row, prepared once, and
    /// returns the rows each run affected; each run is logged as its own
    /// statement (after it ran), up to the failing one.
    pub fn execute_each(&self, sql: &str, rows: &[Vec<Value>]) -> Result<Vec<u64>, DbError> {
        let mut affected = Vec::with_capacity(rows.len());
        let result = self.conn.execute_each(sql, rows, &mut affected);
        let ran = (affected.len() + usize::from(result.is_err())).min(rows.len());
        for params in &rows[..ran] {
            self.engine.trace(sql, params);
        }
        result.map_err(|e| e.with_sql(sql))?;
        Ok(affected)
    }

    /// Runs a query and returns all rows.
    pub fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>, DbError> {
        self.engine.trace(sql, params);
        self.conn.query(sql, params).map_err(|e| e.with_sql(sql))
    }

    /// Runs a query and returns its column names and rows; logged.
    pub fn query_columns(
        &self,
        sql: &str,
        params: &[Value],
    ) -> Result<(Vec<String>, Vec<Vec<Value>>), DbError> {
        self.engine.trace(sql, params);
        self.conn
            .query_columns(sql, params)
            .map_err(|e| e.with_sql(sql))
    }
}

impl fmt::Debug for EngineConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EngineConnection")
            .field("dialect", &self.dialect().name())
            .finish_non_exhaustive()
    }
}

/// The connection of a [`Session`](crate::Session): checked out of the
/// engine when the session runs its first statement, given back by
/// [`release`](SessionConnection::release) (at `commit`, `rollback` and
/// `close`).
pub(crate) struct SessionConnection {
    engine: Engine,
    conn: RefCell<Option<EngineConnection>>,
}

impl SessionConnection {
    pub fn new(engine: &Engine) -> Self {
        SessionConnection {
            engine: engine.clone(),
            conn: RefCell::new(None),
        }
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub fn dialect(&self) -> &'static dyn Dialect {
        self.engine.inner.dialect
    }

    /// Runs `f` on the checked-out connection, checking one out first if
    /// there is none.
    fn with<R>(
        &self,
        f: impl FnOnce(&EngineConnection) -> Result<R, DbError>,
    ) -> Result<R, DbError> {
        if let Some(conn) = self.conn.borrow().as_ref() {
            return f(conn);
        }
        let conn = self.engine.connect()?;
        let result = f(&conn);
        *self.conn.borrow_mut() = Some(conn);
        result
    }

    pub fn execute(&self, sql: &str, params: &[Value]) -> Result<ExecOutcome, DbError> {
        self.with(|conn| conn.execute(sql, params))
    }

    pub fn execute_many(&self, sql: &str, rows: &[Vec<Value>]) -> Result<u64, DbError> {
        self.with(|conn| conn.execute_many(sql, rows))
    }

    pub fn execute_each(&self, sql: &str, rows: &[Vec<Value>]) -> Result<Vec<u64>, DbError> {
        self.with(|conn| conn.execute_each(sql, rows))
    }

    pub fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>, DbError> {
        self.with(|conn| conn.query(sql, params))
    }

    pub fn query_columns(
        &self,
        sql: &str,
        params: &[Value],
    ) -> Result<(Vec<String>, Vec<Vec<Value>>), DbError> {
        self.with(|conn| conn.query_columns(sql, params))
    }

    /// Gives the connection back to the engine.
    pub fn release(&self) {
        self.conn.borrow_mut().take();
    }

    /// Whether a connection is checked out.
    pub fn is_checked_out(&self) -> bool {
        self.conn.borrow().is_some()
    }
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine")
            .field("dialect", &self.dialect().name())
            .field("echo", &self.inner.echo.load(Ordering::Relaxed))
            .field("hide_parameters", &self.log_format().hide_parameters)
            .finish()
    }
}
