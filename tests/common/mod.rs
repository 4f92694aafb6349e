//! Shared helpers for the integration tests: a fresh in-memory database per
//! test, and readers for the SQL emitted and the rows stored.
#![allow(dead_code)]

use std::sync::Arc;

use orm_core::{Engine, Registry, Session, Value};

/// An in-memory engine with the registry's tables created and SQL recording on.
pub fn setup(registry: &Arc<Registry>) -> (Engine, Session) {
    let engine = orm_sqlite::memory().expect("open in-memory database");
    registry.create_all(&engine).expect("create tables");
    engine.start_recording();
    let session = Session::new(&engine, registry);
    (engine, session)
}

/// The INSERT/UPDATE/DELETE statements sent since the last call, rendered
/// as `SQL [params]`.
pub fn dml(engine: &Engine) -> Vec<String> {
    engine
        .take_recorded()
        .into_iter()
        .filter(|s| s.is_dml())
        .map(|s| s.to_string())
        .collect()
}

/// Every statement sent since the last call, rendered as `SQL [params]`.
pub fn sql(engine: &Engine) -> Vec<String> {
    engine
        .take_recorded()
        .into_iter()
        .map(|s| s.to_string())
        .collect()
}

/// The SELECT statements sent since the last call.
pub fn selects(engine: &Engine) -> Vec<String> {
    sql(engine)
        .into_iter()
        .filter(|s| s.starts_with("SELECT"))
        .collect()
}

/// Rows of a raw query, with values rendered (`1`, `'a'`, `None`).
pub fn rows(engine: &Engine, query: &str) -> Vec<String> {
    let result = engine.query(query, &[]).expect("query");
    result
        .into_iter()
        .map(|row| {
            row.iter()
                .map(Value::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        })
        .collect()
}
