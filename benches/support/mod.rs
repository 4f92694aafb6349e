//! Databases shared by the benchmarks: the ORM's engine and a hand-written
//! rusqlite connection over the same schema.

use orm_core::{Engine, Registry};
use rusqlite::Connection;

/// A fresh in-memory ORM engine with the registry's schema.
pub fn orm_engine(registry: &Registry) -> Engine {
    let engine = orm_sqlite::memory().unwrap();
    registry.create_all(&engine).unwrap();
    engine
}

/// A fresh in-memory rusqlite connection with the same schema
/// (`Registry::schema_sql`) and `PRAGMA foreign_keys = ON`.
pub fn raw_conn(registry: &Registry) -> Connection {
    let conn = Connection::open_in_memory().unwrap();
    conn.execute_batch("PRAGMA foreign_keys = ON").unwrap();
    for sql in registry.schema_sql(&orm_sqlite::SqliteDialect) {
        conn.execute_batch(&sql).unwrap();
    }
    conn
}
