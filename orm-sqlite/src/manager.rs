//! [`SqliteManager`]: opens the connections of a pooled SQLite engine.

use std::path::PathBuf;

use orm_core::{r2d2, Connection, DbError};

use crate::{SqliteConnection, SqliteOptions};

/// Opens connections to one database file with one set of
/// [`SqliteOptions`], for an `r2d2` pool; what
/// [`orm_sqlite::open`](crate::open) builds its engine on.
///
/// ```
/// use orm_core::{Engine, PoolOptions};
/// use orm_sqlite::{SqliteManager, SqliteOptions};
///
/// # fn main() -> Result<(), orm_core::DbError> {
/// let path = std::env::temp_dir().join(format!("orm-doc-manager-{}.db", std::process::id()));
/// let manager = SqliteManager::new(&path, SqliteOptions::new().wal(true));
/// let engine = Engine::pooled(manager, &PoolOptions::new().max_size(4))?;
/// engine.execute("CREATE TABLE IF NOT EXISTS t (x INTEGER)", &[])?;
/// # drop(engine);
/// # for suffix in ["", "-wal", "-shm"] {
/// #     let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
/// # }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct SqliteManager {
    path: PathBuf,
    options: SqliteOptions,
}

impl SqliteManager {
    /// A manager for the file at `path`.
    pub fn new(path: impl Into<PathBuf>, options: SqliteOptions) -> Self {
        SqliteManager {
            path: path.into(),
            options,
        }
    }
}

impl r2d2::ManageConnection for SqliteManager {
    type Connection = SqliteConnection;
    type Error = DbError;

    fn connect(&self) -> Result<SqliteConnection, DbError> {
        SqliteConnection::open(&self.path, &self.options)
    }

    fn is_valid(&self, conn: &mut SqliteConnection) -> Result<(), DbError> {
        conn.query("SELECT 1", &[]).map(drop)
    }

    fn has_broken(&self, _conn: &mut SqliteConnection) -> bool {
        // A file connection does not break; errors are per statement.
        false
    }
}
