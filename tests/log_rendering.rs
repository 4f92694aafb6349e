//! How the echo and the log render parameters: hidden on request, long
//! values shortened, every character visible; recording keeps full values.

use std::cell::RefCell;
use std::process::Command;

use orm_core::prelude::*;
use orm_core::{DbErrorKind, Engine, Error, Value};

thread_local! {
    // The logger is global but called on the thread that logs, so each
    // test reads only its own lines.
    static LOGGED: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.target() == "orm::sql"
    }
    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            let line = format!("{} {}", record.level(), record.args());
            LOGGED.with(|logged| logged.borrow_mut().push(line));
        }
    }
    fn flush(&self) {}
}

/// Installs the capturing logger (once per process) and clears this
/// thread's lines.
fn capture() {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        log::set_logger(&Capture).expect("no other logger");
        log::set_max_level(log::LevelFilter::Debug);
    });
    LOGGED.with(|logged| logged.borrow_mut().clear());
}

/// This thread's captured lines since `capture()`.
fn logged() -> Vec<String> {
    LOGGED.with(|logged| logged.borrow().clone())
}

#[derive(Model, Debug, Default)]
pub struct Account {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    pub password: String,
}

fn engine() -> Engine {
    let engine = orm_sqlite::memory().unwrap();
    engine
        .execute("CREATE TABLE t (a TEXT, b BLOB)", &[])
        .unwrap();
    engine
}

#[test]
fn hidden_parameters_do_not_reach_the_log_but_stay_recorded() -> orm_core::Result<()> {
    let registry = Registry::builder().model::<Account>().build()?;
    let engine = orm_sqlite::memory()?.hide_parameters(true);
    registry.create_all(&engine)?;
    engine.start_recording();
    capture();
    let session = Session::new(&engine, &registry);
    for name in ["ann", "bob"] {
        session.add(&Obj::new(Account {
            name: name.into(),
            password: format!("secret-of-{name}"),
            ..Default::default()
        }))?;
    }
    session.commit()?;
    engine.query("SELECT id FROM account WHERE name = ?", &["ann".into()])?;

    let lines = logged();
    assert_eq!(
        lines,
        [
            "DEBUG BEGIN",
            "DEBUG INSERT INTO account (name, password) VALUES (?, ?), (?, ?) RETURNING id [parameters hidden]",
            "DEBUG COMMIT",
            "DEBUG SELECT id FROM account WHERE name = ? [parameters hidden]",
        ]
    );
    assert!(lines.iter().all(|l| !l.contains("secret")));

    let recorded: Vec<String> = engine
        .take_recorded()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        recorded[1],
        "INSERT INTO account (name, password) VALUES (?, ?), (?, ?) RETURNING id ['ann', 'secret-of-ann', 'bob', 'secret-of-bob']"
    );

    // Turned off again, values show.
    engine.set_hide_parameters(false);
    capture();
    engine.query("SELECT id FROM account WHERE name = ?", &["ann".into()])?;
    assert_eq!(
        logged(),
        ["DEBUG SELECT id FROM account WHERE name = ? ['ann']"]
    );
    Ok(())
}

#[test]
fn a_ten_megabyte_blob_logs_as_a_short_line_and_is_recorded_in_full() {
    let engine = engine();
    engine.start_recording();
    capture();
    let blob: Vec<u8> = (0..10 * 1024 * 1024).map(|i| (i % 251) as u8).collect();
    let text = "é".repeat(150);
    engine
        .execute(
            "INSERT INTO t (a, b) VALUES (?, ?)",
            &[text.clone().into(), blob.clone().into()],
        )
        .unwrap();

    let lines = logged();
    assert_eq!(lines.len(), 1);
    let expected_hex: String = (0..50).map(|i| format!("{i:02x}")).collect();
    assert_eq!(
        lines[0],
        format!(
            "DEBUG INSERT INTO t (a, b) VALUES (?, ?) ['{}'... (50 more characters), x'{expected_hex}'... ({} more bytes)]",
            "é".repeat(100),
            blob.len() - 50
        )
    );
    assert!(lines[0].len() < 500);

    let recorded = engine.take_recorded();
    assert_eq!(recorded[0].params, [Value::Text(text), Value::Blob(blob)]);
}

#[test]
fn the_logged_value_length_is_configurable() {
    let engine = engine().max_logged_value_len(4);
    capture();
    engine
        .execute(
            "INSERT INTO t (a, b) VALUES (?, ?)",
            &["abcdef".into(), vec![1u8, 2, 3].into()],
        )
        .unwrap();
    engine
        .execute(
            "INSERT INTO t (a, b) VALUES (?, ?)",
            &["abcd".into(), vec![1u8, 2].into()],
        )
        .unwrap();
    engine.set_max_logged_value_len(usize::MAX);
    let long = "z".repeat(1000);
    engine
        .execute("INSERT INTO t (a) VALUES (?)", &[long.clone().into()])
        .unwrap();
    assert_eq!(
        logged(),
        [
            "DEBUG INSERT INTO t (a, b) VALUES (?, ?) ['abcd'... (2 more characters), x'0102'... (1 more byte)]".to_owned(),
            "DEBUG INSERT INTO t (a, b) VALUES (?, ?) ['abcd', x'0102']".to_owned(),
            format!("DEBUG INSERT INTO t (a) VALUES (?) ['{long}']"),
        ]
    );
}

#[test]
fn special_characters_render_visibly() {
    let engine = engine();
    engine.start_recording();
    capture();
    engine
        .execute(
            "INSERT INTO t (a, b) VALUES (?, ?)",
            &[
                "nul\0 nl\n tab\t it's \"q\" back\\slash \u{202e}".into(),
                Value::Null,
            ],
        )
        .unwrap();
    let expected = r#"INSERT INTO t (a, b) VALUES (?, ?) ['nul\0 nl\n tab\t it''s "q" back\\slash \u{202e}', None]"#;
    assert_eq!(logged(), [format!("DEBUG {expected}")]);
    assert_eq!(engine.take_recorded()[0].to_string(), expected);
}

#[test]
fn a_large_batch_logs_its_first_rows() {
    let engine = engine();
    engine.start_recording();
    capture();
    let batch: Vec<Vec<Value>> = (0..25).map(|i| vec![format!("n{i}").into()]).collect();
    engine
        .execute_many("INSERT INTO t (a) VALUES (?)", &batch)
        .unwrap();
    engine.set_hide_parameters(true);
    engine
        .execute_many("INSERT INTO t (a) VALUES (?)", &batch)
        .unwrap();
    let rows: Vec<String> = (0..10).map(|i| format!("['n{i}']")).collect();
    assert_eq!(
        logged(),
        [
            format!(
                "DEBUG INSERT INTO t (a) VALUES (?) [{}, ... (15 more rows)]",
                rows.join(", ")
            ),
            "DEBUG INSERT INTO t (a) VALUES (?) [parameters hidden]".to_owned(),
        ]
    );
    let recorded = engine.take_recorded();
    assert_eq!(recorded[0].batch, batch);
    assert!(recorded[0].to_string().ends_with("['n23'], ['n24']]"));
}

#[test]
fn errors_do_not_carry_parameters() {
    let engine = engine().hide_parameters(true);
    engine
        .execute("CREATE TABLE u (x TEXT UNIQUE)", &[])
        .unwrap();
    engine
        .execute("INSERT INTO u VALUES (?)", &["secret".into()])
        .unwrap();
    let err = Error::from(
        engine
            .execute("INSERT INTO u VALUES (?)", &["secret".into()])
            .unwrap_err(),
    );
    assert_eq!(err.db_kind(), Some(DbErrorKind::UniqueViolation));
    assert!(!err.to_string().contains("secret"), "{err}");
}

/// The echo prints the same line as the log. Standard output of a test is
/// captured by the harness, so the check runs this test binary again with
/// `--nocapture` and reads what the child printed.
#[test]
fn echo_prints_hidden_and_shortened_parameters() {
    let output = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "echo_child", "--nocapture", "--test-threads=1"])
        .env("ORM_LOG_RENDERING_ECHO_CHILD", "1")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.contains("INSERT INTO t (a) VALUES (?) [parameters hidden]\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("INSERT INTO t (a) VALUES (?) ['xx'... (8 more characters)]\n"),
        "{stdout}"
    );
    assert!(!stdout.contains("hunter2"), "{stdout}");
}

#[test]
fn echo_child() {
    if std::env::var_os("ORM_LOG_RENDERING_ECHO_CHILD").is_none() {
        return;
    }
    let engine = engine().echo(true).hide_parameters(true);
    engine
        .execute("INSERT INTO t (a) VALUES (?)", &["hunter2".into()])
        .unwrap();
    engine.set_hide_parameters(false);
    engine.set_max_logged_value_len(2);
    engine
        .execute("INSERT INTO t (a) VALUES (?)", &["x".repeat(10).into()])
        .unwrap();
}
