//! Every supported column type round-trips through the database; a stored
//! value that does not fit its field, or a field value the database cannot
//! store, is an error naming the model and column, never a wrapped or
//! truncated value. On SQLite and PostgreSQL.

#[macro_use]
mod common;

use common::{rows, setup};
use orm_core::prelude::*;
use orm_core::{ColumnType, Error, SqlType, Value};

/// A user type: a temperature stored as integer tenths of a degree.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Celsius(f64);

impl ColumnType for Celsius {
    const SQL_TYPE: SqlType = SqlType::Integer;
    const NULLABLE: bool = false;
    fn to_value(&self) -> Value {
        Value::Integer((self.0 * 10.0).round() as i64)
    }
    fn from_value(value: Value) -> orm_core::Result<Self> {
        match value {
            Value::Integer(tenths) => Ok(Celsius(tenths as f64 / 10.0)),
            other => Err(Error::Conversion {
                expected: "tenths of a degree",
                found: other.kind(),
            }),
        }
    }
}
impl orm_core::__private::NotOption for Celsius {}

impl From<Celsius> for Value {
    fn from(c: Celsius) -> Value {
        c.to_value()
    }
}

#[derive(Model, Debug, Default, PartialEq)]
pub struct Reading {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub tiny: i8,
    pub small: i16,
    pub normal: i32,
    pub byte: u8,
    pub word: u16,
    pub count: u32,
    pub big: u64,
    pub ratio: f32,
    pub maybe_count: Option<u32>,
    pub maybe_ratio: Option<f32>,
    pub temperature: Celsius,
    pub low: Option<Celsius>,
}

fn registry() -> std::sync::Arc<Registry> {
    Registry::builder().model::<Reading>().build().unwrap()
}

fn extremes() -> Reading {
    Reading {
        id: None,
        tiny: i8::MIN,
        small: i16::MAX,
        normal: i32::MIN,
        byte: u8::MAX,
        word: u16::MAX,
        count: u32::MAX,
        big: i64::MAX as u64,
        ratio: 1.5,
        maybe_count: Some(7),
        maybe_ratio: None,
        temperature: Celsius(21.5),
        low: Some(Celsius(-3.2)),
    }
}

backend_tests! {
    #[test]
    fn every_type_round_trips_at_its_limits() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        session.add(&Obj::new(extremes()))?;
        session.commit()?;
        drop(session);
        let session = Session::new(&engine, &registry);
        let read = session.get::<Reading>(1)?.unwrap();
        let expected = Reading { id: Some(1), ..extremes() };
        assert_eq!(*read.borrow(), expected);
        // Comparisons in queries take the field types, user types included.
        let found = session
            .query::<Reading>()
            .filter(Reading::count.eq(u32::MAX))
            .filter(Reading::temperature.eq(Celsius(21.5)))
            .all()?;
        assert_eq!(found.len(), 1);
        assert_eq!(rows(&engine, "SELECT temperature, low FROM reading"), ["215, -32"]);
        Ok(())
    }

    #[test]
    fn a_stored_value_that_does_not_fit_is_an_error_naming_the_column() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        session.add(&Obj::new(extremes()))?;
        session.commit()?;
        engine.execute("UPDATE reading SET byte = 300, word = -1", &[])?;
        let session = Session::new(&engine, &registry);
        let err = session.get::<Reading>(1).unwrap_err();
        assert!(
            matches!(&err, Error::Column { model: "Reading", column: "byte", source }
                if matches!(**source, Error::Conversion { expected: "u8", .. })),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "column Reading.byte: cannot convert a database INTEGER out of range value into u8"
        );
        // The failed row did not enter the identity map.
        assert_eq!(session.identity_count(), 0);
        Ok(())
    }

    #[test]
    fn a_u64_above_i64_max_is_refused_before_anything_is_written() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        let reading = Obj::new(Reading { big: u64::MAX, ..extremes() });
        session.add(&reading)?;
        let err = session.commit().unwrap_err();
        assert!(
            matches!(&err, Error::Column { model: "Reading", column: "big", source }
                if matches!(**source, Error::Unstorable { .. })),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "column Reading.big: the value 18446744073709551615 cannot be stored: \
             integer columns hold at most i64::MAX (9223372036854775807)"
        );
        assert!(rows(&engine, "SELECT id FROM reading").is_empty());
        // Fixed, the same object goes in.
        reading.borrow_mut().big = 1 << 40;
        session.commit()?;
        assert_eq!(rows(&engine, "SELECT big FROM reading"), ["1099511627776"]);
        Ok(())
    }
}
