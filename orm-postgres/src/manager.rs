//! [`PgManager`]: opens the connections of a pooled PostgreSQL engine.

use orm_core::{r2d2, Connection, DbError};

use crate::{PgConnection, PgOptions};

/// Opens connections to one server with one set of [`PgOptions`], for an
/// `r2d2` pool; what [`orm_postgres::connect`](crate::connect) builds its
/// engine on.
///
/// ```no_run
/// use orm_core::{Engine, PoolOptions};
/// use orm_postgres::{PgManager, PgOptions};
///
/// let manager = PgManager::new("postgresql://postgres@127.0.0.1/test", PgOptions::new());
/// let engine = Engine::pooled(manager, &PoolOptions::new().max_size(20))?;
/// # Ok::<(), orm_core::DbError>(())
/// ```
#[derive(Debug, Clone)]
pub struct PgManager {
    url: String,
    options: PgOptions,
}

impl PgManager {
    /// A manager for the server at `url` (see [`connect`](crate::connect)
    /// for the forms it takes).
    pub fn new(url: impl Into<String>, options: PgOptions) -> Self {
        PgManager {
            url: url.into(),
            options,
        }
    }
}

impl r2d2::ManageConnection for PgManager {
    type Connection = PgConnection;
    type Error = DbError;

    fn connect(&self) -> Result<PgConnection, DbError> {
        PgConnection::connect(&self.url, &self.options)
    }

    fn is_valid(&self, conn: &mut PgConnection) -> Result<(), DbError> {
        conn.execute("SELECT 1", &[]).map(drop)
    }

    fn has_broken(&self, conn: &mut PgConnection) -> bool {
        conn.is_closed()
    }
}
