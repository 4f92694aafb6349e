//! Where an [`Engine`](crate::Engine) gets its connections: one connection
//! shared by every user (in-memory SQLite), or a pool of them, on `r2d2`.
//!
//! Backends implement [`r2d2::ManageConnection`] for their connection type
//! (opening a connection and its per-connection setup) and hand the manager
//! to [`Engine::pooled`](crate::Engine::pooled) with [`PoolOptions`].

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use crate::engine::{Connection, ExecOutcome};
use crate::error::{DbError, DbErrorKind};
use crate::value::Value;

pub use r2d2;

/// How many connections a pool keeps, and how long a checkout waits.
///
/// ```
/// use std::time::Duration;
/// use orm_core::PoolOptions;
///
/// let options = PoolOptions::new().max_size(4).connection_timeout(Duration::from_secs(2));
/// assert_eq!(options.max_size, 4);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PoolOptions {
    /// The most connections open at once. Default: 10.
    pub max_size: u32,
    /// Idle connections the pool keeps open even when nobody needs them
    /// (`None`: `max_size`). Default: `Some(0)`: connections are opened
    /// when a checkout finds none free, and closed after ten idle minutes.
    pub min_idle: Option<u32>,
    /// How long a checkout waits for a free connection before it fails with
    /// [`DbErrorKind::PoolTimeout`]. Default: 30 seconds.
    pub connection_timeout: Duration,
    /// Checks that a connection still works (a trivial query) each time it
    /// is checked out, replacing it if not. Default: false: a broken
    /// connection shows as an error of the statement that used it, and is
    /// then discarded.
    pub test_on_checkout: bool,
}

impl Default for PoolOptions {
    fn default() -> Self {
        PoolOptions {
            max_size: 10,
            min_idle: Some(0),
            connection_timeout: Duration::from_secs(30),
            test_on_checkout: false,
        }
    }
}

impl PoolOptions {
    /// The default options.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`max_size`](PoolOptions#structfield.max_size).
    pub fn max_size(mut self, size: u32) -> Self {
        self.max_size = size;
        self
    }

    /// Sets [`min_idle`](PoolOptions#structfield.min_idle).
    pub fn min_idle(mut self, idle: Option<u32>) -> Self {
        self.min_idle = idle;
        self
    }

    /// Sets [`connection_timeout`](PoolOptions#structfield.connection_timeout).
    pub fn connection_timeout(mut self, timeout: Duration) -> Self {
        self.connection_timeout = timeout;
        self
    }

    /// Sets [`test_on_checkout`](PoolOptions#structfield.test_on_checkout).
    pub fn test_on_checkout(mut self, on: bool) -> Self {
        self.test_on_checkout = on;
        self
    }

    /// An `r2d2` builder with these settings.
    pub(crate) fn builder<M: r2d2::ManageConnection>(&self) -> r2d2::Builder<M> {
        r2d2::Pool::builder()
            .max_size(self.max_size.max(1))
            .min_idle(self.min_idle)
            .connection_timeout(self.connection_timeout)
            .test_on_check_out(self.test_on_checkout)
    }
}

/// A source of connections, behind the engine.
pub(crate) trait Source: Send + Sync {
    /// A connection for the caller's exclusive use until it is dropped.
    fn checkout(&self) -> Result<Box<dyn Connection>, DbError>;
}

/// One connection shared by every checkout: each statement locks it.
/// In-memory SQLite needs this (each connection would be its own database);
/// sessions on it share one transaction, as they did when an engine was a
/// single connection.
pub(crate) struct Shared(pub Arc<Mutex<Box<dyn Connection + Send>>>);

impl Source for Shared {
    fn checkout(&self) -> Result<Box<dyn Connection>, DbError> {
        Ok(Box::new(Shared(self.0.clone())))
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Box<dyn Connection + Send>> {
        // A panic in the middle of a statement leaves the connection as
        // usable as any failed statement does.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Connection for Shared {
    fn dialect(&self) -> &'static dyn crate::engine::Dialect {
        self.lock().dialect()
    }

    fn execute(&self, sql: &str, params: &[Value]) -> Result<ExecOutcome, DbError> {
        self.lock().execute(sql, params)
    }

    fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>, DbError> {
        self.lock().query(sql, params)
    }

    fn query_columns(
        &self,
        sql: &str,
        params: &[Value],
    ) -> Result<(Vec<String>, Vec<Vec<Value>>), DbError> {
        self.lock().query_columns(sql, params)
    }

    fn execute_many(&self, sql: &str, rows: &[Vec<Value>]) -> Result<u64, DbError> {
        self.lock().execute_many(sql, rows)
    }

    fn execute_each(
        &self,
        sql: &str,
        rows: &[Vec<Value>],
        affected: &mut Vec<u64>,
    ) -> Result<(), DbError> {
        self.lock().execute_each(sql, rows, affected)
    }
}

impl<M> Source for r2d2::Pool<M>
where
    M: r2d2::ManageConnection,
    M::Connection: Connection,
{
    fn checkout(&self) -> Result<Box<dyn Connection>, DbError> {
        let conn = self.get().map_err(|e| {
            DbError::new(
                DbErrorKind::PoolTimeout,
                format!(
                    "no connection became free within the pool's timeout ({} open): {e}",
                    self.state().connections
                ),
            )
        })?;
        Ok(Box::new(Pooled(conn)))
    }
}

/// A pooled connection, given back to its pool when dropped.
struct Pooled<M: r2d2::ManageConnection>(r2d2::PooledConnection<M>);

impl<M> Connection for Pooled<M>
where
    M: r2d2::ManageConnection,
    M::Connection: Connection,
{
    fn dialect(&self) -> &'static dyn crate::engine::Dialect {
        self.0.dialect()
    }

    fn execute(&self, sql: &str, params: &[Value]) -> Result<ExecOutcome, DbError> {
        self.0.execute(sql, params)
    }

    fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>, DbError> {
        self.0.query(sql, params)
    }

    fn query_columns(
        &self,
        sql: &str,
        params: &[Value],
    ) -> Result<(Vec<String>, Vec<Vec<Value>>), DbError> {
        self.0.query_columns(sql, params)
    }

    fn execute_many(&self, sql: &str, rows: &[Vec<Value>]) -> Result<u64, DbError> {
        self.0.execute_many(sql, rows)
    }

    fn execute_each(
        &self,
        sql: &str,
        rows: &[Vec<Value>],
        affected: &mut Vec<u64>,
    ) -> Result<(), DbError> {
        self.0.execute_each(sql, rows, affected)
    }
}
