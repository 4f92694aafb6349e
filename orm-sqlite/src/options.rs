//! Per-connection settings: [`SqliteOptions`].

use std::path::Path;
use std::time::Duration;

use orm_core::{DbError, Engine, PoolOptions};
use rusqlite::OpenFlags;

use crate::error::convert;
use crate::{SqliteConnection, SqliteManager};

/// How long a connection waits for another connection's lock by default:
/// five seconds, the same as rusqlite's own default.
pub const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How many prepared statements each connection keeps by default.
pub const DEFAULT_STATEMENT_CACHE: usize = 256;

/// Settings for one SQLite connection.
///
/// A plain set of values: [`open_flags`](SqliteOptions::open_flags) are used
/// when a connection is opened, and [`apply`](SqliteOptions::apply) sets the
/// rest on an open connection, so a connection pool can apply the same
/// options to each connection it makes. Build them with the chained setters,
/// or assign the public fields.
///
/// ```
/// use std::time::Duration;
/// use orm_sqlite::SqliteOptions;
///
/// # fn main() -> Result<(), orm_core::DbError> {
/// let path = std::env::temp_dir().join(format!("orm-doc-options-{}.db", std::process::id()));
/// let engine = SqliteOptions::new()
///     .busy_timeout(Duration::from_millis(250))
///     .open(&path)?;
/// engine.execute("CREATE TABLE IF NOT EXISTS t (x INTEGER)", &[])?;
/// # drop(engine);
/// # let _ = std::fs::remove_file(&path);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SqliteOptions {
    /// How long a statement waits for a lock held by another connection
    /// before it fails with [`DbErrorKind::Busy`](orm_core::DbErrorKind::Busy).
    /// Zero fails at once. Default: [`DEFAULT_BUSY_TIMEOUT`]. SQLite counts
    /// in milliseconds, up to `i32::MAX` of them; longer is capped.
    pub busy_timeout: Duration,
    /// Opens the database read-only: writes fail with
    /// [`DbErrorKind::ReadOnly`](orm_core::DbErrorKind::ReadOnly), and a
    /// missing file is an error instead of being created. Default: false.
    pub read_only: bool,
    /// Enforces foreign keys (`PRAGMA foreign_keys`). Default: true, which
    /// the ORM's cascades and `passive_deletes` expect.
    pub foreign_keys: bool,
    /// How many prepared statements the connection keeps. Default:
    /// [`DEFAULT_STATEMENT_CACHE`].
    pub statement_cache: usize,
    /// Puts the database file in write-ahead-log mode
    /// (`PRAGMA journal_mode = WAL`), where readers do not block the writer
    /// nor the writer the readers: what a pool of connections serving
    /// several threads wants. The mode is stored in the file and stays
    /// after the program ends. Default: false (the file keeps its mode).
    pub wal: bool,
    /// How often SQLite waits for the disk (`PRAGMA synchronous`), or
    /// `None` to keep SQLite's default (`FULL`). With
    /// [`wal`](SqliteOptions#structfield.wal), [`Synchronous::Normal`] is
    /// the usual choice: a commit is durable once the write-ahead log is
    /// checkpointed, and the database is never corrupted by a crash.
    /// Default: `None`.
    pub synchronous: Option<Synchronous>,
    /// The pool of an engine opened on a file: how many connections and how
    /// long a checkout waits. Default: [`PoolOptions::default`].
    pub pool: PoolOptions,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        SqliteOptions {
            busy_timeout: DEFAULT_BUSY_TIMEOUT,
            read_only: false,
            foreign_keys: true,
            statement_cache: DEFAULT_STATEMENT_CACHE,
            wal: false,
            synchronous: None,
            pool: PoolOptions::default(),
        }
    }
}

impl SqliteOptions {
    /// The default options.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`busy_timeout`](SqliteOptions#structfield.busy_timeout).
    pub fn busy_timeout(mut self, timeout: Duration) -> Self {
        self.busy_timeout = timeout;
        self
    }

    /// Sets [`read_only`](SqliteOptions#structfield.read_only).
    pub fn read_only(mut self, on: bool) -> Self {
        self.read_only = on;
        self
    }

    /// Sets [`foreign_keys`](SqliteOptions#structfield.foreign_keys).
    pub fn foreign_keys(mut self, on: bool) -> Self {
        self.foreign_keys = on;
        self
    }

    /// Sets [`statement_cache`](SqliteOptions#structfield.statement_cache).
    pub fn statement_cache(mut self, capacity: usize) -> Self {
        self.statement_cache = capacity;
        self
    }

    /// Sets [`wal`](SqliteOptions#structfield.wal).
    pub fn wal(mut self, on: bool) -> Self {
        self.wal = on;
        self
    }

    /// Sets [`synchronous`](SqliteOptions#structfield.synchronous).
    ///
    /// ```
    /// use orm_sqlite::{SqliteOptions, Synchronous};
    ///
    /// # fn main() -> Result<(), orm_core::DbError> {
    /// let path = std::env::temp_dir().join(format!("orm-doc-sync-{}.db", std::process::id()));
    /// let engine = SqliteOptions::new()
    ///     .wal(true)
    ///     .synchronous(Synchronous::Normal)
    ///     .open(&path)?;
    /// let rows = engine.query("PRAGMA synchronous", &[])?;
    /// assert_eq!(rows[0][0], orm_core::Value::Integer(1)); // NORMAL
    /// # drop(engine);
    /// # for suffix in ["", "-wal", "-shm"] {
    /// #     let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    /// # }
    /// # Ok(()) }
    /// ```
    pub fn synchronous(mut self, level: Synchronous) -> Self {
        self.synchronous = Some(level);
        self
    }

    /// Sets [`pool`](SqliteOptions#structfield.pool).
    pub fn pool(mut self, pool: PoolOptions) -> Self {
        self.pool = pool;
        self
    }

    /// The flags to open a file with: read-write and create, or read-only.
    pub fn open_flags(&self) -> OpenFlags {
        let base = OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        if self.read_only {
            base | OpenFlags::SQLITE_OPEN_READ_ONLY
        } else {
            base | OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE
        }
    }

    /// Applies the settings that are not open flags to an open connection:
    /// busy timeout, foreign keys, statement cache. Run it on every new
    /// connection (a pool's per-connection setup hook is the place).
    pub fn apply(&self, conn: &rusqlite::Connection) -> Result<(), DbError> {
        conn.busy_timeout(self.busy_timeout.min(MAX_BUSY_TIMEOUT))
            .map_err(convert)?;
        let foreign_keys = if self.foreign_keys { "ON" } else { "OFF" };
        // LIKE is case-sensitive, as on PostgreSQL (the query language's
        // `ilike` and kin fold case themselves).
        conn.execute_batch(&format!(
            "PRAGMA foreign_keys = {foreign_keys}; PRAGMA case_sensitive_like = ON"
        ))
        .map_err(convert)?;
        conn.set_prepared_statement_cache_capacity(self.statement_cache);
        if self.wal && !self.read_only {
            conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))
                .map_err(convert)?;
        }
        if let Some(level) = self.synchronous {
            conn.execute_batch(&format!("PRAGMA synchronous = {}", level.pragma()))
                .map_err(convert)?;
        }
        Ok(())
    }

    /// Opens an engine over a database file with these options: a pool of
    /// connections (see [`pool`](SqliteOptions#structfield.pool)), each set
    /// up with them. A file that cannot be opened, or is not a database,
    /// is an error here.
    pub fn open(&self, path: impl AsRef<Path>) -> Result<Engine, DbError> {
        Engine::pooled(SqliteManager::new(path.as_ref(), self.clone()), &self.pool)
    }

    /// Opens an engine over a private in-memory database with these
    /// options (`read_only` makes little sense there and is ignored).
    pub fn memory(&self) -> Result<Engine, DbError> {
        let conn = rusqlite::Connection::open_in_memory().map_err(convert)?;
        Ok(Engine::new(SqliteConnection::with_options(conn, self)?))
    }
}

/// The longest busy timeout SQLite accepts: `i32::MAX` milliseconds.
const MAX_BUSY_TIMEOUT: Duration = Duration::from_millis(i32::MAX as u64);

/// The values of [`SqliteOptions::synchronous`]: how often SQLite waits for
/// the disk to confirm a write (`PRAGMA synchronous`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Synchronous {
    /// Never: fastest; a power loss may lose or corrupt recent commits.
    Off,
    /// At the critical moments only: with WAL, a commit may be lost on
    /// power loss until the log is checkpointed, but the database stays
    /// consistent.
    Normal,
    /// At every commit (SQLite's default).
    Full,
    /// As `Full`, and also after unlinking a rollback journal.
    Extra,
}

impl Synchronous {
    fn pragma(self) -> &'static str {
        match self {
            Synchronous::Off => "OFF",
            Synchronous::Normal => "NORMAL",
            Synchronous::Full => "FULL",
            Synchronous::Extra => "EXTRA",
        }
    }
}
