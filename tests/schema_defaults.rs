//! Column defaults: `server_default` emitted by `create_all` as `DEFAULT`,
//! left out of the INSERT when the field is `None` and read back with
//! `RETURNING`; `default` / `default_fn` applied at INSERT when the field
//! is `None`, written into the object; both undone when the flush fails.
//! On SQLite and PostgreSQL.

#[macro_use]
mod common;

use std::cell::Cell;

use common::{dml, rows, setup};
use orm_core::prelude::*;

thread_local! {
    static SLUGS: Cell<u32> = const { Cell::new(0) };
}

/// A new slug per call, to show that `default_fn` runs for every INSERT.
fn next_slug() -> String {
    let n = SLUGS.with(|c| {
        c.set(c.get() + 1);
        c.get()
    });
    format!("slug-{n}")
}

#[derive(Model, Debug, Default)]
pub struct Article {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[column(unique)]
    pub title: String,
    #[column(server_default = "'draft'")]
    pub status: Option<String>,
    #[column(server_default = "0")]
    pub views: Option<i64>,
    #[column(default = 3)]
    pub rating: Option<i32>,
    #[column(default_fn = next_slug)]
    pub slug: Option<String>,
}

/// A key that a server default fills in, read back before the identity
/// map needs it.
#[derive(Model, Debug, Default)]
pub struct Setting {
    #[column(primary_key, server_default = "'main'")]
    pub name: Option<String>,
    pub value: i64,
}

/// A column NOT NULL in the table, `None` in the object only until the
/// database fills it in.
#[derive(Model, Debug, Default)]
pub struct Job {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[column(server_default = "'queued'", nullable = false)]
    pub state: Option<String>,
}

/// A default the database cannot store (above `i64::MAX`).
#[derive(Model, Debug, Default)]
pub struct Counter {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[column(default = u64::MAX)]
    pub start: Option<u64>,
}

fn registry() -> std::sync::Arc<Registry> {
    Registry::builder()
        .model::<Article>()
        .model::<Setting>()
        .build()
        .unwrap()
}

fn article(title: &str) -> Obj<Article> {
    Obj::new(Article {
        title: title.into(),
        ..Default::default()
    })
}

#[test]
fn create_all_emits_server_defaults() {
    let registry = registry();
    let sqlite = registry.create_table_sql(&orm_sqlite::SqliteDialect);
    assert_eq!(
        sqlite[0],
        "CREATE TABLE IF NOT EXISTS article (\n\
         \tid INTEGER PRIMARY KEY AUTOINCREMENT,\n\
         \ttitle TEXT NOT NULL UNIQUE,\n\
         \tstatus TEXT DEFAULT 'draft',\n\
         \tviews INTEGER DEFAULT 0,\n\
         \trating INTEGER,\n\
         \tslug TEXT\n)"
    );
    let postgres = registry.create_table_sql(&orm_postgres::PgDialect);
    assert_eq!(
        postgres[1],
        "CREATE TABLE IF NOT EXISTS setting (\n\
         \tname TEXT DEFAULT 'main' NOT NULL,\n\
         \tvalue BIGINT NOT NULL,\n\
         \tPRIMARY KEY (name)\n)"
    );
}

#[test]
fn nullable_false_makes_an_option_column_not_null() {
    let registry = Registry::builder().model::<Job>().build().unwrap();
    assert_eq!(
        registry.create_table_sql(&orm_sqlite::SqliteDialect),
        ["CREATE TABLE IF NOT EXISTS job (\n\tid INTEGER PRIMARY KEY AUTOINCREMENT,\n\tstate TEXT DEFAULT 'queued' NOT NULL\n)"]
    );
    assert!(!Job::meta().columns[1].nullable);
}

backend_tests! {
    #[test]
    fn a_not_null_option_column_is_filled_in_and_refuses_none_later() -> orm_core::Result<()> {
        let registry = Registry::builder().model::<Job>().build()?;
        let (engine, session) = setup(&registry);
        let job = Obj::new(Job::default());
        session.add(&job)?;
        session.commit()?;
        assert_eq!(job.borrow().state.as_deref(), Some("queued"));
        assert_eq!(registry.schema_diff(&engine)?, []);
        job.borrow_mut().state = None;
        let err = session.commit().unwrap_err();
        assert_eq!(err.db_kind(), Some(orm_core::DbErrorKind::NotNullViolation), "{err:?}");
        session.rollback()?;
        assert_eq!(rows(&engine, "SELECT state FROM job"), ["'queued'"]);
        Ok(())
    }


    #[test]
    fn none_fields_get_their_defaults_at_insert() -> orm_core::Result<()> {
        SLUGS.with(|c| c.set(0));
        let registry = registry();
        let (engine, session) = setup(&registry);
        let plain = article("plain");
        let given = Obj::new(Article {
            title: "given".into(),
            status: Some("live".into()),
            views: Some(7),
            rating: Some(5),
            slug: Some("mine".into()),
            ..Default::default()
        });
        session.add(&plain)?;
        session.add(&given)?;
        session.commit()?;
        // The defaulted row goes alone, its server-default columns left out
        // and read back; the row with every value given is written whole.
        // (The harness shows INSERTs without RETURNING; the next test looks
        // at it.)
        assert_eq!(
            dml(&engine),
            [
                "INSERT INTO article (title, rating, slug) VALUES (?, ?, ?) ['plain', 3, 'slug-1']".to_owned(),
                "INSERT INTO article (title, status, views, rating, slug) VALUES (?, ?, ?, ?, ?) ['given', 'live', 7, 5, 'mine']".to_owned(),
            ]
        );
        {
            let plain = plain.borrow();
            assert_eq!(plain.id, Some(1));
            assert_eq!(plain.status.as_deref(), Some("draft"));
            assert_eq!(plain.views, Some(0));
            assert_eq!(plain.rating, Some(3));
            assert_eq!(plain.slug.as_deref(), Some("slug-1"));
        }
        assert_eq!(given.borrow().status.as_deref(), Some("live"));
        assert_eq!(
            rows(&engine, "SELECT id, title, status, views, rating, slug FROM article ORDER BY id"),
            [
                "1, 'plain', 'draft', 0, 3, 'slug-1'",
                "2, 'given', 'live', 7, 5, 'mine'",
            ]
        );
        // The values read back are the committed state: nothing to UPDATE.
        session.flush()?;
        assert!(dml(&engine).is_empty());
        // A second defaulted object calls default_fn again.
        let third = article("third");
        session.add(&third)?;
        session.commit()?;
        assert_eq!(third.borrow().slug.as_deref(), Some("slug-2"));
        assert_eq!(third.borrow().id, Some(3));
        Ok(())
    }

    #[test]
    fn server_defaults_are_read_back_with_returning() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        session.add(&article("a"))?;
        session.commit()?;
        let insert = engine
            .take_recorded()
            .into_iter()
            .find(|s| s.sql.starts_with("INSERT"))
            .expect("an INSERT");
        let expected = match common::backend() {
            common::Backend::Sqlite => {
                "INSERT INTO article (title, rating, slug) VALUES (?, ?, ?) RETURNING id, status, views"
            }
            common::Backend::Postgres => {
                "INSERT INTO article (title, rating, slug) VALUES ($1, $2, $3) RETURNING id, status, views"
            }
        };
        assert_eq!(insert.sql, expected);
        Ok(())
    }

    #[test]
    fn a_server_defaulted_key_is_read_back_into_the_identity_map() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        let setting = Obj::new(Setting { name: None, value: 4 });
        session.add(&setting)?;
        session.commit()?;
        assert_eq!(setting.borrow().name.as_deref(), Some("main"));
        assert_eq!(rows(&engine, "SELECT name, value FROM setting"), ["'main', 4"]);
        let again = session.get::<Setting>("main")?.expect("the row");
        assert!(again.ptr_eq(&setting));
        Ok(())
    }

    #[test]
    fn a_failed_flush_takes_the_defaults_back() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        session.add(&article("taken"))?;
        session.commit()?;
        let fresh = article("fresh");
        let clash = article("taken");
        session.add(&fresh)?;
        session.add(&clash)?;
        assert!(session.flush().is_err());
        session.rollback()?;
        for obj in [&fresh, &clash] {
            let obj = obj.borrow();
            assert_eq!((obj.id, &obj.status, obj.views), (None, &None, None));
            assert_eq!((obj.rating, &obj.slug), (None, &None));
        }
        assert_eq!(rows(&engine, "SELECT count(*) FROM article"), ["1"]);
        Ok(())
    }

    #[test]
    fn a_default_that_cannot_be_stored_names_the_column() -> orm_core::Result<()> {
        let registry = Registry::builder().model::<Counter>().build()?;
        let (engine, session) = setup(&registry);
        session.add(&Obj::new(Counter::default()))?;
        let err = session.flush().unwrap_err();
        assert!(
            matches!(&err, orm_core::Error::Column { model: "Counter", column: "start", .. }),
            "{err:?}"
        );
        assert!(dml(&engine).is_empty());
        Ok(())
    }
}

/// The generated key between two server-defaulted columns, for the path of
/// a dialect without `RETURNING`.
#[derive(Model, Debug, Default)]
pub struct Reading {
    #[column(server_default = "7")]
    pub level: Option<i64>,
    #[column(primary_key)]
    pub id: Option<i64>,
    #[column(server_default = "'x'")]
    pub tag: Option<String>,
    pub note: String,
}

/// SQLite's dialect, but saying it has no `RETURNING`.
struct NoReturning;

impl orm_core::Dialect for NoReturning {
    fn name(&self) -> &'static str {
        "sqlite-without-returning"
    }
    fn placeholder(&self, index: usize) -> std::borrow::Cow<'static, str> {
        orm_sqlite::SqliteDialect.placeholder(index)
    }
    fn quote<'a>(&self, ident: &'a str) -> std::borrow::Cow<'a, str> {
        orm_sqlite::SqliteDialect.quote(ident)
    }
    fn type_name(&self, ty: orm_core::SqlType) -> &'static str {
        orm_sqlite::SqliteDialect.type_name(ty)
    }
    fn generated_key_column(&self, quoted_name: &str) -> Option<String> {
        orm_sqlite::SqliteDialect.generated_key_column(quoted_name)
    }
}

struct NoReturningConnection(orm_sqlite::SqliteConnection);

impl orm_core::Connection for NoReturningConnection {
    fn dialect(&self) -> &'static dyn orm_core::Dialect {
        &NoReturning
    }
    fn execute(
        &self,
        sql: &str,
        params: &[orm_core::Value],
    ) -> Result<orm_core::ExecOutcome, orm_core::DbError> {
        self.0.execute(sql, params)
    }
    fn query(
        &self,
        sql: &str,
        params: &[orm_core::Value],
    ) -> Result<Vec<Vec<orm_core::Value>>, orm_core::DbError> {
        self.0.query(sql, params)
    }
}

#[test]
fn without_returning_server_defaults_are_left_to_the_database() -> orm_core::Result<()> {
    let raw = rusqlite::Connection::open_in_memory()
        .map_err(|e| orm_core::DbError::new(orm_core::DbErrorKind::Other, e.to_string()))?;
    let engine = Engine::new(NoReturningConnection(orm_sqlite::SqliteConnection::new(
        raw,
    )?));
    assert!(!engine.dialect().supports_returning());
    let registry = Registry::builder().model::<Reading>().build()?;
    registry.create_all(&engine)?;
    engine.start_recording();
    let session = Session::new(&engine, &registry);
    let reading = Obj::new(Reading {
        note: "first".into(),
        ..Default::default()
    });
    session.add(&reading)?;
    session.commit()?;
    {
        let reading = reading.borrow();
        // The key comes back; the defaults stay unknown until a reload.
        assert_eq!(
            (reading.id, reading.level, reading.tag.as_deref()),
            (Some(1), None, None)
        );
    }
    assert_eq!(
        rows(&engine, "SELECT level, id, tag, note FROM reading"),
        ["7, 1, 'x', 'first'"]
    );
    // The committed row has every value in its place: changing the note
    // updates the note alone, by the right key.
    assert_eq!(
        dml(&engine),
        ["INSERT INTO reading (note) VALUES (?) ['first']"]
    );
    reading.borrow_mut().note = "second".into();
    session.commit()?;
    assert_eq!(
        dml(&engine),
        ["UPDATE reading SET note = ? WHERE id = ? ['second', 1]"]
    );
    Ok(())
}
