//! Raw SQL into objects (through the identity map, columns matched by
//! name) and into typed tuples, on both backends; parameters bound with
//! the backend's placeholders.

#[macro_use]
mod common;

use common::{backend, selects, setup, Backend};
use orm_core::prelude::*;
use orm_core::{Error, ObjectState, Value};

#[derive(Model, Debug, Default)]
pub struct Writer {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    #[relationship(back_populates = "writer")]
    pub works: Many<Work>,
}

#[derive(Model, Debug, Default)]
pub struct Work {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[column(foreign_key = "writer.id")]
    pub writer_id: Option<i64>,
    pub title: String,
    pub year: i64,
    pub rating: Option<f64>,
    #[relationship(back_populates = "works")]
    pub writer: One<Writer>,
}

fn registry() -> std::sync::Arc<Registry> {
    Registry::builder().model::<Writer>().build().unwrap()
}

/// Ann: "Dune" 1965 (4.5), "Emma" 1815 (no rating); Bob: "Ubik" 1969 (4.0).
/// Returns the works, loaded.
fn stored(engine: &Engine, session: &Session) -> orm_core::Result<Vec<Obj<Work>>> {
    let work = |title: &str, year, rating| {
        Obj::new(Work {
            title: title.into(),
            year,
            rating,
            ..Default::default()
        })
    };
    let works = vec![
        work("Dune", 1965, Some(4.5)),
        work("Emma", 1815, None),
        work("Ubik", 1969, Some(4.0)),
    ];
    let ann = Obj::new(Writer {
        name: "Ann".into(),
        ..Default::default()
    });
    let bob = Obj::new(Writer {
        name: "Bob".into(),
        ..Default::default()
    });
    ann.append(Writer::works, &works[0])?;
    ann.append(Writer::works, &works[1])?;
    bob.append(Writer::works, &works[2])?;
    session.add_all([&ann, &bob])?;
    session.commit()?;
    engine.take_recorded();
    Ok(works)
}

backend_tests! {
    #[test]
    fn rows_map_by_name_through_the_identity_map() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        let works = stored(&engine, &session)?;
        // Columns in another order, an extra one, a join: matched by name.
        let sql = "SELECT w.title, w.rating, 'x' AS extra, w.year, w.writer_id, w.id FROM work w JOIN writer a ON a.id = w.writer_id WHERE a.name = ? AND w.year > ? ORDER BY w.year";
        let found = session.query_sql::<Work>(sql, ("Ann", 1900))?;
        assert_eq!(found.len(), 1);
        assert!(found[0].ptr_eq(&works[0]), "the identity map's object");
        assert_eq!(selects(&engine), [format!("{sql} ['Ann', 1900]")]);
        // In-memory changes win over the row, as with any query.
        works[2].borrow_mut().title = "Ubik (draft)".into();
        let all = session.query_sql::<Work>("SELECT * FROM work ORDER BY id", ())?;
        assert_eq!(all.len(), 3);
        assert!(all.iter().zip(&works).all(|(a, b)| a.ptr_eq(b)));
        assert_eq!(all[2].borrow().title, "Ubik (draft)");
        // Names that differ only in case match (PostgreSQL folds unquoted ones).
        let cased = session.query_sql::<Work>(
            "SELECT id AS \"ID\", writer_id AS \"Writer_Id\", title AS \"TITLE\", year, rating FROM work WHERE id = ?",
            (1,),
        )?;
        assert!(cased[0].ptr_eq(&works[0]));
        Ok(())
    }

    #[test]
    fn a_fresh_session_gets_persistent_objects_that_load_their_relationships() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        stored(&engine, &session)?;
        let session = Session::new(&engine, &registry);
        let rated = session.query_sql::<Work>(
            "SELECT * FROM work WHERE rating IS NOT NULL ORDER BY rating DESC",
            (),
        )?;
        let titles: Vec<String> = rated.iter().map(|w| w.borrow().title.clone()).collect();
        assert_eq!(titles, ["Dune", "Ubik"]);
        assert_eq!(rated[0].state(), ObjectState::Persistent);
        assert_eq!(rated[0].borrow().rating, Some(4.5));
        let writer = rated[0].get(Work::writer)?.expect("loaded lazily");
        assert_eq!(writer.borrow().name, "Ann");
        // A second load of the same row is the same object.
        let again = session.query_sql::<Work>("SELECT * FROM work WHERE title = ?", ("Dune",))?;
        assert!(again[0].ptr_eq(&rated[0]));
        assert!(session.get::<Work>(rated[1].borrow().id.unwrap())?.unwrap().ptr_eq(&rated[1]));
        Ok(())
    }

    #[test]
    fn missing_and_ambiguous_columns_are_typed_errors() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        stored(&engine, &session)?;
        let missing = session.query_sql::<Work>("SELECT id, title, year, writer_id FROM work", ());
        match missing {
            Err(Error::RawColumnMissing { model: "Work", column: "rating", available }) => {
                assert_eq!(available, "id, title, year, writer_id");
            }
            other => panic!("{other:?}"),
        }
        let ambiguous = session.query_sql::<Work>("SELECT * FROM work JOIN writer ON writer.id = work.writer_id", ());
        assert!(matches!(ambiguous, Err(Error::RawColumnAmbiguous { model: "Work", column: "id", .. })), "{ambiguous:?}");
        let broken = session.query_sql::<Work>("SELECT * FROM no_such_table", ());
        assert!(matches!(broken, Err(Error::Database(_))), "{broken:?}");
        assert_eq!(session.identity_count(), 5, "nothing new registered");
        Ok(())
    }

    #[test]
    fn rows_into_typed_tuples() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        stored(&engine, &session)?;
        let per_writer: Vec<(String, i64, Option<f64>)> = session.select_sql(
            "SELECT a.name, count(w.id), max(w.rating) FROM writer a JOIN work w ON w.writer_id = a.id GROUP BY a.name ORDER BY a.name",
            (),
        )?;
        assert_eq!(per_writer, [("Ann".to_owned(), 2, Some(4.5)), ("Bob".to_owned(), 1, Some(4.0))]);
        let titles: Vec<String> = session.select_sql("SELECT title FROM work WHERE year < ? ORDER BY title", [Value::from(1966)])?;
        assert_eq!(titles, ["Dune", "Emma"]);
        let nothing: Vec<(i64, String)> = session.select_sql("SELECT id, title FROM work WHERE 1 = 0", ())?;
        assert!(nothing.is_empty());
        let wide = session.select_sql::<(String, i64)>("SELECT title FROM work", ());
        assert!(matches!(wide, Err(Error::RawRowWidth { expected: 2, found: 1, .. })), "{wide:?}");
        let wrong = session.select_sql::<(String, i64)>("SELECT title, title FROM work", ());
        assert!(matches!(&wrong, Err(Error::RawValue { index: 1, column, .. }) if column == "title"), "{wrong:?}");
        let nulls = session.select_sql::<(String, f64)>("SELECT title, rating FROM work ORDER BY id", ());
        assert!(matches!(nulls, Err(Error::RawValue { index: 1, .. })), "a NULL is no f64: {nulls:?}");
        Ok(())
    }

    #[test]
    fn placeholders_are_the_backends_own() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        stored(&engine, &session)?;
        // What users write: `?N` (or `?`) on SQLite, `$N` on PostgreSQL.
        let sql = match backend() {
            Backend::Sqlite => "SELECT * FROM work WHERE year BETWEEN ?1 AND ?2 AND title <> ?3 ORDER BY year",
            Backend::Postgres => "SELECT * FROM work WHERE year BETWEEN $1 AND $2 AND title <> $3 ORDER BY year",
        };
        let found = session.query_sql::<Work>(sql, (1900, 2000, "Ubik"))?;
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].borrow().title, "Dune");
        // A value is bound, never spliced: a quote in it is just text.
        let none = session.query_sql::<Work>("SELECT * FROM work WHERE title = ?", ("x' OR '1' = '1",))?;
        assert!(none.is_empty());
        Ok(())
    }
}

/// Raw SQL mapped by name through a pooled engine (a database file: every
/// engine of a real application is pooled), whose connections are
/// wrapped by the pool: the column names must come through the wrapper.
#[test]
fn raw_sql_maps_by_name_through_a_pooled_engine() -> orm_core::Result<()> {
    let path = std::env::temp_dir().join(format!("orm-raw-pooled-{}.db", std::process::id()));
    let remove = || {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    };
    remove();
    let result = (|| {
        let engine = orm_sqlite::open(&path)?;
        registry().create_all(&engine)?;
        let session = Session::new(&engine, &registry());
        stored(&engine, &session)?;
        let found =
            session.query_sql::<Work>("SELECT * FROM work WHERE year > ? ORDER BY id", (1900,))?;
        let titles: Vec<String> = found.iter().map(|w| w.borrow().title.clone()).collect();
        assert_eq!(titles, ["Dune", "Ubik"]);
        let rows: Vec<(String, i64)> =
            session.select_sql("SELECT title, year FROM work ORDER BY year", ())?;
        assert_eq!(rows[0], ("Emma".to_owned(), 1815));
        Ok(())
    })();
    remove();
    result
}
