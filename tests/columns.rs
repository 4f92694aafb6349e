//! Column mapping: every supported type, NULL handling, composite and
//! explicit keys, column names, and the DDL of `create_all`.

#[macro_use]
mod common;

use common::{dml, rows, setup};
use orm_core::prelude::*;
use orm_core::Error;

#[derive(Model, Debug, Default, PartialEq)]
#[model(table = "sample")]
pub struct Sample {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub big: i64,
    pub small: i32,
    pub ratio: f64,
    pub flag: bool,
    pub label: String,
    pub bytes: Vec<u8>,
    pub maybe_big: Option<i64>,
    pub maybe_small: Option<i32>,
    pub maybe_ratio: Option<f64>,
    pub maybe_flag: Option<bool>,
    #[column(name = "maybe_text", unique)]
    pub maybe_label: Option<String>,
    pub maybe_bytes: Option<Vec<u8>>,
}

#[derive(Model, Debug, Default)]
#[model(table = "enrolment")]
pub struct Enrolment {
    #[column(primary_key)]
    pub student: String,
    #[column(primary_key)]
    pub course: i32,
    pub grade: Option<f64>,
}

#[derive(Model, Debug, Default)]
pub struct Country {
    #[column(primary_key)]
    pub code: String,
    pub name: String,
}

fn registry() -> std::sync::Arc<Registry> {
    Registry::builder()
        .model::<Sample>()
        .model::<Enrolment>()
        .model::<Country>()
        .build()
        .unwrap()
}

backend_tests! {
    #[test]
    fn create_all_emits_types_keys_and_constraints() {
        let registry = registry();
        let engine = orm_sqlite::memory().unwrap();
        assert_eq!(
            registry.create_table_sql(engine.dialect()),
            [
                "CREATE TABLE IF NOT EXISTS sample (\n\tid INTEGER PRIMARY KEY AUTOINCREMENT,\n\tbig INTEGER NOT NULL,\n\t\
                 small INTEGER NOT NULL,\n\tratio REAL NOT NULL,\n\tflag BOOLEAN NOT NULL,\n\tlabel TEXT NOT NULL,\n\t\
                 bytes BLOB NOT NULL,\n\tmaybe_big INTEGER,\n\tmaybe_small INTEGER,\n\tmaybe_ratio REAL,\n\t\
                 maybe_flag BOOLEAN,\n\tmaybe_text TEXT UNIQUE,\n\tmaybe_bytes BLOB\n)",
                "CREATE TABLE IF NOT EXISTS enrolment (\n\tstudent TEXT NOT NULL,\n\tcourse INTEGER NOT NULL,\n\t\
                 grade REAL,\n\tPRIMARY KEY (student, course)\n)",
                "CREATE TABLE IF NOT EXISTS country (\n\tcode TEXT NOT NULL,\n\tname TEXT NOT NULL,\n\tPRIMARY KEY (code)\n)",
            ]
        );
        // Running it twice is harmless.
        registry.create_all(&engine).unwrap();
        registry.create_all(&engine).unwrap();
    }

    #[test]
    fn every_column_type_round_trips() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        let full = Obj::new(Sample {
            id: None,
            big: i64::MAX,
            small: -7,
            ratio: 0.25,
            flag: true,
            label: "it's".into(),
            bytes: vec![0, 255],
            maybe_big: Some(i64::MIN),
            maybe_small: Some(3),
            maybe_ratio: Some(-1.5),
            maybe_flag: Some(false),
            maybe_label: Some("x".into()),
            maybe_bytes: Some(vec![1]),
        });
        let empty = Obj::new(Sample::default());
        session.add(&full)?;
        session.add(&empty)?;
        session.commit()?;
        drop(session);

        let session = Session::new(&engine, &registry);
        let loaded = session.query::<Sample>().order_by(Sample::id).all()?;
        assert_eq!(*loaded[0].borrow(), *full.borrow());
        assert_eq!(*loaded[1].borrow(), *empty.borrow());
        assert_eq!(loaded[1].borrow().maybe_label, None);

        let found = session
            .query::<Sample>()
            .filter(Sample::maybe_label.eq(None))
            .all()?;
        assert_eq!(found.len(), 1);
        assert!(found[0].ptr_eq(&loaded[1]));
        let found = session
            .query::<Sample>()
            .filter(Sample::flag.eq(true))
            .filter(Sample::small.eq(-7))
            .one()?;
        assert!(found.ptr_eq(&loaded[0]));
        Ok(())
    }

    #[test]
    fn composite_and_natural_keys() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        session.add(&Obj::new(Enrolment {
            student: "ann".into(),
            course: 101,
            grade: None,
        }))?;
        session.add(&Obj::new(Country {
            code: "NZ".into(),
            name: "New Zealand".into(),
        }))?;
        session.commit()?;
        assert_eq!(
            dml(&engine),
            [
                "INSERT INTO enrolment (student, course, grade) VALUES (?, ?, ?) ['ann', 101, None]",
                "INSERT INTO country (code, name) VALUES (?, ?) ['NZ', 'New Zealand']",
            ]
        );
        let e = session.get::<Enrolment>(("ann", 101))?.unwrap();
        e.borrow_mut().grade = Some(4.5);
        session.commit()?;
        assert_eq!(
            dml(&engine),
            ["UPDATE enrolment SET grade = ? WHERE student = ? AND course = ? [4.5, 'ann', 101]"]
        );
        assert!(session.get::<Enrolment>(("ann", 102))?.is_none());

        // Changing a primary key updates the row where the old key was.
        let nz = session.get::<Country>("NZ")?.unwrap();
        nz.borrow_mut().code = "NZL".into();
        session.commit()?;
        assert_eq!(
            dml(&engine),
            ["UPDATE country SET code = ? WHERE code = ? ['NZL', 'NZ']"]
        );
        assert!(session.get::<Country>("NZL")?.unwrap().ptr_eq(&nz));
        assert_eq!(rows(&engine, "SELECT code FROM country"), ["'NZL'"]);
        Ok(())
    }
}

#[derive(Model, Debug, Default)]
pub struct Keyless {
    #[column(primary_key, autoincrement = false)]
    pub id: Option<i64>,
}

backend_tests! {
    #[test]
    fn a_key_that_is_not_autoincrement_must_be_set() -> orm_core::Result<()> {
        let registry = Registry::builder().model::<Keyless>().build()?;
        let (_engine, session) = setup(&registry);
        session.add(&Obj::new(Keyless::default()))?;
        let err = session.commit().unwrap_err();
        assert!(
            matches!(err, Error::MissingPrimaryKey { column: "id", .. }),
            "{err}"
        );
        Ok(())
    }
}

// SQLite only: it stores any value in any column.
#[test]
fn values_of_the_wrong_type_are_conversion_errors() -> orm_core::Result<()> {
    let registry = Registry::builder().model::<Country>().build()?;
    let (engine, session) = setup(&registry);
    // SQLite lets any value into any column; the ORM refuses to misread it.
    engine.execute("INSERT INTO country (code, name) VALUES ('X', x'00')", &[])?;
    let err = session.get::<Country>("X").unwrap_err();
    assert_eq!(
        err.to_string(),
        "column Country.name: cannot convert a database BLOB value into String"
    );
    Ok(())
}
