//! The PostgreSQL backend on its own: column types and value conversion,
//! errors classified by SQLSTATE (constraints, lock timeout, serialization
//! failure, deadlock, a lost connection), the statement cache, savepoints
//! and repeated schema creation. Skipped (passing, with a notice) when no
//! server answers, as every PostgreSQL test of the harness is.

#[macro_use]
mod common;

use std::time::Duration;

use common::{run, Backend};
use orm_core::prelude::*;
use orm_core::{DbErrorKind, Engine, Error, Value};

/// Runs a test body on PostgreSQL only.
macro_rules! postgres_tests {
    ($(
        $(#[doc = $doc:expr])*
        #[test]
        fn $name:ident() -> $ret:ty $body:block
    )*) => {$(
        $(#[doc = $doc])*
        #[test]
        fn $name() -> $ret {
            fn body() -> $ret $body
            run(Backend::Postgres, body)
        }
    )*};
}

#[derive(Model, Debug, Default, PartialEq)]
pub struct Sample {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub big: i64,
    pub small: i32,
    pub real: f64,
    pub flag: bool,
    pub text: String,
    pub bytes: Vec<u8>,
    pub maybe_big: Option<i64>,
    pub maybe_small: Option<i32>,
    pub maybe_real: Option<f64>,
    pub maybe_flag: Option<bool>,
    pub maybe_text: Option<String>,
    pub maybe_bytes: Option<Vec<u8>>,
}

/// Widgets and entries refer to each other (one key written with
/// `post_update`), so one of the two foreign keys refers to a table that
/// does not exist yet when its own is created.
#[derive(Model, Debug, Default)]
pub struct Widget {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[column(foreign_key = "entry.id")]
    pub favorite_entry_id: Option<i64>,
    #[relationship(foreign_keys = "favorite_entry_id", post_update)]
    pub favorite_entry: One<Entry>,
}

#[derive(Model, Debug, Default)]
pub struct Entry {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[column(foreign_key = "widget.id")]
    pub widget_id: Option<i64>,
    #[relationship(foreign_keys = "widget_id")]
    pub widget: One<Widget>,
}

fn sample() -> Sample {
    Sample {
        id: None,
        big: i64::MIN,
        small: i32::MAX,
        real: -2.5e-300,
        flag: true,
        text: "it's ünïcödé\n".into(),
        bytes: vec![0, 1, 0xfe, 0xff],
        maybe_big: Some(i64::MAX),
        maybe_small: None,
        maybe_real: Some(0.5),
        maybe_flag: Some(false),
        maybe_text: None,
        maybe_bytes: Some(Vec::new()),
    }
}

/// A second connection to the schema of `engine`, with options.
fn connect_like(engine: &Engine, options: orm_postgres::PgOptions) -> Engine {
    let rows = engine
        .query("SELECT current_schema()", &[])
        .expect("current schema");
    let Value::Text(schema) = &rows[0][0] else {
        panic!("current_schema() is text: {rows:?}")
    };
    options
        .search_path([schema.as_str()])
        .connect(common::postgres_url().expect("server"))
        .expect("connect")
}

fn kind(result: Result<impl std::fmt::Debug, orm_core::DbError>) -> DbErrorKind {
    result.expect_err("the statement fails").kind
}

postgres_tests! {
    #[test]
    fn every_column_type_round_trips() -> orm_core::Result<()> {
        let registry = Registry::builder().model::<Sample>().build()?;
        let (engine, session) = common::setup(&registry);
        let obj = Obj::new(sample());
        session.add(&obj)?;
        session.commit()?;
        assert_eq!(obj.borrow().id, Some(1));
        drop(session);

        let fresh = Session::new(&engine, &registry);
        let loaded = fresh.get::<Sample>(1)?.expect("row");
        assert_eq!(*loaded.borrow(), Sample { id: Some(1), ..sample() });

        // A boolean filter: the core's integer 1 is bound as `true`.
        let found = fresh.query::<Sample>().filter(Sample::flag.eq(true)).all()?;
        assert_eq!(found.len(), 1);

        let types = common::rows(
            &engine,
            "SELECT column_name::text, data_type::text, is_nullable::text \
             FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = 'sample' \
             ORDER BY ordinal_position",
        );
        assert_eq!(
            types,
            [
                "'id', 'bigint', 'NO'",
                "'big', 'bigint', 'NO'",
                "'small', 'bigint', 'NO'",
                "'real', 'double precision', 'NO'",
                "'flag', 'boolean', 'NO'",
                "'text', 'text', 'NO'",
                "'bytes', 'bytea', 'NO'",
                "'maybe_big', 'bigint', 'YES'",
                "'maybe_small', 'bigint', 'YES'",
                "'maybe_real', 'double precision', 'YES'",
                "'maybe_flag', 'boolean', 'YES'",
                "'maybe_text', 'text', 'YES'",
                "'maybe_bytes', 'bytea', 'YES'",
            ]
        );
        Ok(())
    }

    #[test]
    fn values_follow_the_parameter_and_column_types() -> orm_core::Result<()> {
        let engine = common::engine();
        engine.execute(
            "CREATE TABLE t (i2 SMALLINT, i4 INTEGER, f4 REAL, v VARCHAR(10), c CHAR(2), b BOOLEAN)",
            &[],
        )?;
        let insert = "INSERT INTO t VALUES ($1, $2, $3, $4, $5, $6)";
        engine.execute(
            insert,
            &[
                Value::Integer(-7),
                Value::Integer(70_000),
                Value::Real(1.5),
                "abc".into(),
                "x".into(),
                Value::Integer(1),
            ],
        )?;
        assert_eq!(
            engine.query("SELECT i2, i4, f4, v, c, b, i4::oid FROM t", &[])?,
            [vec![
                Value::Integer(-7),
                Value::Integer(70_000),
                Value::Real(1.5),
                "abc".into(),
                "x ".into(),
                Value::Integer(1),
                Value::Integer(70_000),
            ]]
        );
        // An integer that does not fit is refused, never wrapped.
        let err = engine
            .execute(
                insert,
                &[Value::Integer(70_000), Value::Null, Value::Null, Value::Null, Value::Null, Value::Null],
            )
            .unwrap_err();
        assert!(
            err.message.contains("integer 70000 is out of range for a parameter of type int2"),
            "{err}"
        );
        // A value of the wrong kind names both types.
        let err = engine.execute("SELECT $1::bigint", &["x".into()]).unwrap_err();
        assert!(
            err.message.contains("cannot bind a TEXT value to a parameter of type int8"),
            "{err}"
        );
        // A column type without a Value says to cast it.
        let err = engine.query("SELECT interval '1 day' AS span", &[]).unwrap_err();
        assert!(err.message.contains("column `span` has type interval"), "{err}");
        // Dates, timestamps, UUIDs, JSON and numerics come back as text.
        assert_eq!(
            engine.query("SELECT timestamptz '2024-01-02 03:04:05.5+01:00', uuid '67E55044-10B1-426F-9247-BB680E5FE0C8', numeric '-0.50'", &[])?,
            [vec![
                Value::from("2024-01-02 02:04:05.500+00:00"),
                Value::from("67e55044-10b1-426f-9247-bb680e5fe0c8"),
                Value::from("-0.50"),
            ]]
        );
        assert_eq!(engine.query("SELECT now()::text IS NOT NULL", &[])?, [vec![Value::Integer(1)]]);
        Ok(())
    }

    #[test]
    fn constraint_violations_are_classified_by_sqlstate() -> orm_core::Result<()> {
        let engine = common::engine();
        engine.execute("CREATE TABLE p (id BIGINT PRIMARY KEY)", &[])?;
        engine.execute(
            "CREATE TABLE c (id BIGINT PRIMARY KEY, p_id BIGINT NOT NULL REFERENCES p (id), \
             n BIGINT CHECK (n > 0))",
            &[],
        )?;
        engine.execute("INSERT INTO p VALUES (1)", &[])?;
        let insert = "INSERT INTO c VALUES ($1, $2, $3)";
        let row = |id: i64, p: Value, n: i64| vec![Value::Integer(id), p, Value::Integer(n)];
        engine.execute(insert, &row(1, Value::Integer(1), 1))?;
        assert_eq!(kind(engine.execute(insert, &row(1, Value::Integer(1), 1))), DbErrorKind::UniqueViolation);
        assert_eq!(kind(engine.execute(insert, &row(2, Value::Integer(9), 1))), DbErrorKind::ForeignKeyViolation);
        assert_eq!(kind(engine.execute(insert, &row(3, Value::Null, 1))), DbErrorKind::NotNullViolation);
        assert_eq!(kind(engine.execute(insert, &row(4, Value::Integer(1), -1))), DbErrorKind::CheckViolation);
        // The message is the server's, without the row's values (DETAIL).
        let err = engine.execute(insert, &row(1, Value::Integer(1), 1)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "unique constraint violation: ERROR: duplicate key value violates unique constraint \
             \"c_pkey\" [SQL: INSERT INTO c VALUES ($1, $2, $3)]"
        );
        Ok(())
    }

    #[test]
    fn a_lock_timeout_is_busy_and_retryable() -> orm_core::Result<()> {
        let holder = common::engine();
        holder.execute("CREATE TABLE counter (id BIGINT PRIMARY KEY, n BIGINT)", &[])?;
        holder.execute("INSERT INTO counter VALUES (1, 0)", &[])?;
        let waiter = connect_like(
            &holder,
            orm_postgres::PgOptions::new().lock_timeout(Some(Duration::from_millis(50))),
        );
        holder.execute("BEGIN", &[])?;
        holder.execute("UPDATE counter SET n = n + 1", &[])?;
        let err = waiter.execute("UPDATE counter SET n = n + 1", &[]).unwrap_err();
        assert_eq!(err.kind, DbErrorKind::Busy, "{err}");
        assert!(err.is_retryable());
        holder.execute("COMMIT", &[])?;
        waiter.execute("UPDATE counter SET n = n + 1", &[])?;
        assert_eq!(common::rows(&holder, "SELECT n FROM counter"), ["2"]);
        Ok(())
    }

    #[test]
    fn a_serialization_failure_is_retryable() -> orm_core::Result<()> {
        let first = common::engine();
        first.execute("CREATE TABLE counter (id BIGINT PRIMARY KEY, n BIGINT)", &[])?;
        first.execute("INSERT INTO counter VALUES (1, 0)", &[])?;
        let second = connect_like(&first, orm_postgres::PgOptions::new());
        first.execute("BEGIN ISOLATION LEVEL REPEATABLE READ", &[])?;
        first.query("SELECT n FROM counter", &[])?;
        second.execute("UPDATE counter SET n = 5", &[])?;
        let err = first.execute("UPDATE counter SET n = n + 1", &[]).unwrap_err();
        assert_eq!(err.kind, DbErrorKind::SerializationFailure, "{err}");
        assert!(err.is_retryable());
        first.execute("ROLLBACK", &[])?;
        Ok(())
    }

    #[test]
    fn a_deadlock_is_retryable() -> orm_core::Result<()> {
        let first = common::engine();
        first.execute("CREATE TABLE counter (id BIGINT PRIMARY KEY, n BIGINT)", &[])?;
        first.execute("INSERT INTO counter VALUES (1, 0), (2, 0)", &[])?;
        let rows = first.query("SELECT current_schema()", &[])?;
        let Value::Text(schema) = rows[0][0].clone() else { panic!("{rows:?}") };
        let url = common::postgres_url().expect("server").to_owned();

        first.execute("BEGIN", &[])?;
        first.execute("UPDATE counter SET n = 1 WHERE id = 1", &[])?;
        let (locked, go) = std::sync::mpsc::channel();
        // Engines stay on their thread: the other transaction opens its own.
        let other = std::thread::spawn(move || -> Result<(), orm_core::DbError> {
            let second = orm_postgres::PgOptions::new().search_path([schema]).connect(&url)?;
            second.execute("BEGIN", &[])?;
            second.execute("UPDATE counter SET n = 2 WHERE id = 2", &[])?;
            let _ = locked.send(());
            let result = second.execute("UPDATE counter SET n = 2 WHERE id = 1", &[]);
            let _ = second.execute("ROLLBACK", &[]);
            result.map(|_| ())
        });
        go.recv().expect("the other transaction holds row 2");
        let mine = first.execute("UPDATE counter SET n = 1 WHERE id = 2", &[]);
        let _ = first.execute("ROLLBACK", &[]);
        let theirs = other.join().expect("thread");
        // The server picks one victim; the other statement then goes through.
        let victim = match (mine, theirs) {
            (Err(e), Ok(())) | (Ok(_), Err(e)) => e,
            other => panic!("exactly one transaction is the victim: {other:?}"),
        };
        assert_eq!(victim.kind, DbErrorKind::Deadlock, "{victim}");
        assert!(victim.is_retryable());
        Ok(())
    }

    #[test]
    fn a_lost_connection_is_connection_failed() -> orm_core::Result<()> {
        let engine = common::engine();
        let pid = engine.query("SELECT pg_backend_pid()", &[])?.remove(0).remove(0);
        let admin = connect_like(&engine, orm_postgres::PgOptions::new());
        admin.query("SELECT pg_terminate_backend($1)", &[pid])?;
        let err = engine.query("SELECT 1", &[]).unwrap_err();
        assert_eq!(err.kind, DbErrorKind::ConnectionFailed, "{err}");
        assert!(!err.is_retryable());
        let err = orm_postgres::connect("postgresql://postgres@127.0.0.1:1/test").unwrap_err();
        assert_eq!(err.kind, DbErrorKind::ConnectionFailed, "{err}");
        let err = orm_postgres::connect("postgresql://[bad").unwrap_err();
        assert_eq!(err.kind, DbErrorKind::Other, "{err}");
        Ok(())
    }

    #[test]
    fn the_statement_cache_evicts_and_recovers_from_schema_changes() -> orm_core::Result<()> {
        let engine = connect_like(&common::engine(), orm_postgres::PgOptions::new().statement_cache(2));
        engine.execute("CREATE TABLE t (a BIGINT)", &[])?;
        for round in 0..3_i64 {
            for sql in ["INSERT INTO t VALUES ($1)", "SELECT $1::bigint", "SELECT a FROM t WHERE a = $1"] {
                engine.query(sql, &[Value::Integer(round)])?;
            }
        }
        assert_eq!(common::rows(&engine, "SELECT count(*) FROM t"), ["3"]);
        // A cached SELECT * whose table changed fails once, then is prepared again.
        let select = "SELECT * FROM t WHERE a = $1";
        engine.query(select, &[Value::Integer(0)])?;
        engine.execute("ALTER TABLE t ADD COLUMN b TEXT", &[])?;
        let first = engine.query(select, &[Value::Integer(0)]);
        if let Err(err) = &first {
            assert!(err.message.contains("cached plan"), "{err}");
        }
        assert_eq!(engine.query(select, &[Value::Integer(0)])?, [vec![Value::Integer(0), Value::Null]]);
        Ok(())
    }

    #[test]
    fn tables_that_refer_to_each_other_are_created_and_created_again() -> orm_core::Result<()> {
        let registry = Registry::builder().model::<Widget>().build()?;
        let engine = common::engine();
        let ddl = registry.schema_sql(engine.dialect());
        assert!(ddl[0].starts_with("CREATE TABLE IF NOT EXISTS widget"), "{ddl:?}");
        assert!(!ddl[0].contains("REFERENCES entry"), "{ddl:?}");
        assert!(ddl[2].contains("ALTER TABLE widget ADD CONSTRAINT fk_widget_favorite_entry_id"), "{ddl:?}");
        registry.create_all(&engine)?;
        registry.create_all(&engine)?;
        assert_eq!(
            common::rows(
                &engine,
                "SELECT conname::text FROM pg_constraint WHERE contype = 'f' \
                 AND connamespace = current_schema()::regnamespace ORDER BY 1"
            ),
            ["'entry_widget_id_fkey'", "'fk_widget_favorite_entry_id'"]
        );
        // The key is enforced.
        let err = engine
            .execute("INSERT INTO widget (favorite_entry_id) VALUES (42)", &[])
            .unwrap_err();
        assert_eq!(err.kind, DbErrorKind::ForeignKeyViolation);
        Ok(())
    }

    #[test]
    fn a_failed_flush_in_a_transaction_rolls_back_to_its_savepoint() -> orm_core::Result<()> {
        let registry = Registry::builder().model::<Sample>().build()?;
        let (engine, session) = common::setup(&registry);
        let first = Obj::new(sample());
        session.add(&first)?;
        session.flush()?; // the transaction is open
        let taken = Obj::new(Sample { id: Some(1), ..sample() });
        session.add(&taken)?;
        let err = session.flush().unwrap_err();
        assert_eq!(err.db_kind(), Some(DbErrorKind::UniqueViolation), "{err}");
        // The transaction is usable (not aborted) and keeps the first flush.
        session.expunge(&taken)?;
        let second = Obj::new(sample());
        session.add(&second)?;
        session.commit()?;
        assert_eq!(common::rows(&engine, "SELECT id FROM sample ORDER BY id"), ["1", "2"]);
        let statements = common::sql(&engine);
        assert!(statements.contains(&"ROLLBACK TO SAVEPOINT flush_1".to_owned()), "{statements:?}");
        Ok(())
    }

    #[test]
    fn rows_of_one_table_are_inserted_several_per_statement() -> orm_core::Result<()> {
        let registry = Registry::builder().model::<Sample>().build()?;
        let (engine, session) = common::setup(&registry);
        let objs: Vec<Obj<Sample>> = (0..5)
            .map(|i| Obj::new(Sample { big: i, ..sample() }))
            .collect();
        for obj in &objs {
            session.add(obj)?;
        }
        session.commit()?;
        // Runs of a power-of-two number of rows: 4, then 1.
        let inserts: Vec<(usize, usize)> = engine
            .take_recorded()
            .iter()
            .filter(|s| s.sql.starts_with("INSERT"))
            .map(|s| (s.sql.matches("), (").count() + 1, s.params.len()))
            .collect();
        assert_eq!(inserts, [(4, 4 * 12), (1, 12)]);
        // Each object got the key of its own row.
        for obj in &objs {
            let (id, big) = (obj.borrow().id.expect("key"), obj.borrow().big);
            assert_eq!(
                common::rows(&engine, &format!("SELECT big FROM sample WHERE id = {id}")),
                [big.to_string()]
            );
        }
        let ids: Vec<i64> = objs.iter().filter_map(|o| o.borrow().id).collect();
        assert_eq!(ids, [1, 2, 3, 4, 5]);
        Ok(())
    }

    #[test]
    fn execute_many_sends_plain_inserts_several_rows_at_a_time() -> orm_core::Result<()> {
        let engine = common::engine();
        engine.execute("CREATE TABLE link (a BIGINT, b BIGINT, PRIMARY KEY (a, b))", &[])?;
        let rows: Vec<Vec<Value>> = (0..5).map(|i| vec![Value::Integer(i), Value::Integer(i)]).collect();
        let insert = "INSERT INTO link (a, b) VALUES ($1, $2)";
        assert_eq!(engine.execute_many(insert, &rows)?, 5);
        assert_eq!(common::rows(&engine, "SELECT count(*) FROM link"), ["5"]);
        // A statement of four rows fails as a whole.
        let clash: Vec<Vec<Value>> = (4..9).map(|i| vec![Value::Integer(i), Value::Integer(i)]).collect();
        let err = engine.execute_many(insert, &clash).unwrap_err();
        assert_eq!(err.kind, DbErrorKind::UniqueViolation);
        assert_eq!(common::rows(&engine, "SELECT count(*) FROM link"), ["5"]);
        // Other statements run row by row.
        let delete = "DELETE FROM link WHERE a = $1 AND b = $2";
        assert_eq!(engine.execute_many(delete, &rows[..3])?, 3);
        assert_eq!(common::rows(&engine, "SELECT a FROM link ORDER BY a"), ["3", "4"]);
        Ok(())
    }

    #[test]
    fn misuse_is_an_error_not_a_panic() -> orm_core::Result<()> {
        let engine = common::engine();
        let err = engine.execute("SELEC 1", &[]).unwrap_err();
        assert_eq!(err.kind, DbErrorKind::Other);
        let err = engine.query("SELECT $1::bigint, $2::bigint", &[Value::Integer(1)]).unwrap_err();
        assert!(err.message.contains("expected 2 parameters but got 1"), "{err}");
        assert!(matches!(
            engine.execute("SELECT $1::text", &["a\0b".into()]).map_err(Error::from),
            Err(Error::Database(_))
        ));
        Ok(())
    }
}
