//! SQL echo through the `log` crate: every statement with its parameters, at
//! `debug` level, under the `orm::sql` target.

use std::sync::Mutex;

use orm_core::prelude::*;

static LOGGED: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.target() == "orm::sql"
    }
    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            LOGGED
                .lock()
                .unwrap()
                .push(format!("{} {}", record.level(), record.args()));
        }
    }
    fn flush(&self) {}
}

#[derive(Model, Debug, Default)]
pub struct Entry {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub text: String,
}

#[test]
fn statements_are_logged_with_parameters() -> orm_core::Result<()> {
    log::set_logger(&Capture).unwrap();
    log::set_max_level(log::LevelFilter::Debug);
    let registry = Registry::builder().model::<Entry>().build()?;
    let engine = orm_sqlite::memory()?;
    registry.create_all(&engine)?;
    let session = Session::new(&engine, &registry);
    session.add(&Obj::new(Entry {
        text: "hello".into(),
        ..Default::default()
    }))?;
    session.commit()?;
    let logged = LOGGED.lock().unwrap().clone();
    assert_eq!(
        logged,
        [
            "DEBUG CREATE TABLE IF NOT EXISTS entry (\n\tid INTEGER PRIMARY KEY AUTOINCREMENT,\n\ttext TEXT NOT NULL\n)",
            "DEBUG BEGIN",
            "DEBUG INSERT INTO entry (text) VALUES (?) ['hello']",
            "DEBUG COMMIT",
        ]
    );
    Ok(())
}
