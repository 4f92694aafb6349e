//! Per-connection settings: [`PgOptions`].

use std::time::Duration;

use orm_core::{DbError, DbErrorKind, Dialect, Engine, PoolOptions};

use crate::error::convert;
use crate::{PgDialect, PgManager};

/// How many prepared statements each connection keeps by default.
pub const DEFAULT_STATEMENT_CACHE: usize = 256;

/// How long connecting waits for the server by default.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Settings for one PostgreSQL connection.
///
/// [`config`](PgOptions::config) turns a URL into the `postgres` crate's
/// [`Config`](postgres::Config) with the connect settings, and
/// [`apply`](PgOptions::apply) sets the session settings on an open client,
/// the split a connection pool with a per-connection setup hook needs.
///
/// ```no_run
/// use std::time::Duration;
/// use orm_postgres::PgOptions;
///
/// # fn main() -> Result<(), orm_core::DbError> {
/// let engine = PgOptions::new()
///     .lock_timeout(Some(Duration::from_secs(2)))
///     .search_path(["app"])
///     .connect("postgresql://postgres@127.0.0.1/test")?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PgOptions {
    /// How many prepared statements the connection keeps, by SQL text; the
    /// least recently used one is closed when a new one needs the room.
    /// Zero prepares every statement anew. Default:
    /// [`DEFAULT_STATEMENT_CACHE`].
    pub statement_cache: usize,
    /// How long connecting waits for the server. `None` waits as long as
    /// the operating system does. Default: [`DEFAULT_CONNECT_TIMEOUT`].
    pub connect_timeout: Option<Duration>,
    /// The schemas unqualified table names are looked up in (and created
    /// in: the first one), as `SET search_path`. Empty keeps the server's
    /// default (`"$user", public`).
    pub search_path: Vec<String>,
    /// How long a statement waits for a row or table lock held by another
    /// transaction before it fails with
    /// [`DbErrorKind::Busy`](orm_core::DbErrorKind::Busy) (SQLSTATE
    /// 55P03, retryable), as `SET lock_timeout`. `None` keeps the server's
    /// setting (by default: wait forever). Milliseconds; less is rounded up
    /// to one.
    pub lock_timeout: Option<Duration>,
    /// The `application_name` the server shows for the connection
    /// (in `pg_stat_activity`). Default: `None`, the server's default.
    pub application_name: Option<String>,
    /// The engine's pool: how many connections and how long a checkout
    /// waits. Default: [`PoolOptions::default`] (up to ten connections).
    pub pool: PoolOptions,
}

impl Default for PgOptions {
    fn default() -> Self {
        PgOptions {
            statement_cache: DEFAULT_STATEMENT_CACHE,
            connect_timeout: Some(DEFAULT_CONNECT_TIMEOUT),
            search_path: Vec::new(),
            lock_timeout: None,
            application_name: None,
            pool: PoolOptions::default(),
        }
    }
}

impl PgOptions {
    /// The default options.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`statement_cache`](PgOptions#structfield.statement_cache).
    pub fn statement_cache(mut self, capacity: usize) -> Self {
        self.statement_cache = capacity;
        self
    }

    /// Sets [`connect_timeout`](PgOptions#structfield.connect_timeout).
    pub fn connect_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets [`search_path`](PgOptions#structfield.search_path).
    pub fn search_path<S: Into<String>>(mut self, schemas: impl IntoIterator<Item = S>) -> Self {
        self.search_path = schemas.into_iter().map(Into::into).collect();
        self
    }

    /// Sets [`lock_timeout`](PgOptions#structfield.lock_timeout).
    pub fn lock_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.lock_timeout = timeout;
        self
    }

    /// Sets [`application_name`](PgOptions#structfield.application_name).
    pub fn application_name(mut self, name: impl Into<String>) -> Self {
        self.application_name = Some(name.into());
        self
    }

    /// Parses a connection URL (`postgresql://user@host:port/database`) or
    /// key-value string (`host=127.0.0.1 user=postgres dbname=test`) and
    /// adds the connect settings of these options.
    pub fn config(&self, url: &str) -> Result<postgres::Config, DbError> {
        let mut config: postgres::Config = url.parse().map_err(|e: postgres::Error| {
            DbError::new(
                DbErrorKind::Other,
                format!("invalid PostgreSQL connection string: {e}"),
            )
        })?;
        if let Some(timeout) = self.connect_timeout {
            config.connect_timeout(timeout);
        }
        if let Some(name) = &self.application_name {
            config.application_name(name);
        }
        Ok(config)
    }

    /// The statements that [`apply`](PgOptions::apply) runs on a new
    /// connection.
    ///
    /// ```
    /// use std::time::Duration;
    /// let options = orm_postgres::PgOptions::new()
    ///     .search_path(["test_1", "public"])
    ///     .lock_timeout(Some(Duration::from_millis(1500)));
    /// assert_eq!(
    ///     options.setup_sql(),
    ///     ["SET search_path TO test_1, public", "SET lock_timeout = 1500"]
    /// );
    /// ```
    pub fn setup_sql(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !self.search_path.is_empty() {
            let schemas: Vec<String> = self
                .search_path
                .iter()
                .map(|s| PgDialect.quote(s).into_owned())
                .collect();
            out.push(format!("SET search_path TO {}", schemas.join(", ")));
        }
        if let Some(timeout) = self.lock_timeout {
            let ms = timeout.as_millis().clamp(1, i32::MAX as u128);
            out.push(format!("SET lock_timeout = {ms}"));
        }
        out
    }

    /// Applies the session settings to an open client: search path and
    /// lock timeout. Run it on every new connection (a pool's
    /// per-connection setup hook is the place).
    pub fn apply(&self, client: &mut postgres::Client) -> Result<(), DbError> {
        for sql in self.setup_sql() {
            client
                .batch_execute(&sql)
                .map_err(|e| convert(e).with_sql(&sql))?;
        }
        Ok(())
    }

    /// Sets [`pool`](PgOptions#structfield.pool).
    pub fn pool(mut self, pool: PoolOptions) -> Self {
        self.pool = pool;
        self
    }

    /// An engine over a pool of connections to `url`, each set up with
    /// these options. The first connection is opened at once, so an
    /// unreachable server is reported here.
    pub fn connect(&self, url: &str) -> Result<Engine, DbError> {
        Engine::pooled(PgManager::new(url, self.clone()), &self.pool)
    }
}
