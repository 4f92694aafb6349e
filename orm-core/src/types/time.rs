//! `time::Date`, `PrimitiveDateTime` and `OffsetDateTime` as columns.

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

use super::text::{CivilDate, CivilDateTime};
use super::{column_value, expect_text, unparsable};
use crate::error::{Error, Result};
use crate::value::{ColumnType, SqlType, Value};

const DATE: &str = "a date (YYYY-MM-DD)";
const TIMESTAMP: &str = "a timestamp (YYYY-MM-DD HH:MM:SS)";
const INSTANT: &str = "an instant (YYYY-MM-DD HH:MM:SS+HH:MM)";

fn civil_date(date: Date) -> Option<CivilDate> {
    CivilDate::new(
        date.year(),
        u32::from(u8::from(date.month())),
        u32::from(date.day()),
    )
}

fn civil(time: PrimitiveDateTime) -> Option<CivilDateTime> {
    CivilDateTime::new(
        civil_date(time.date())?,
        u32::from(time.hour()),
        u32::from(time.minute()),
        u32::from(time.second()),
        time.microsecond(),
    )
}

fn date_of(civil: CivilDate) -> Option<Date> {
    let month = Month::try_from(u8::try_from(civil.month).ok()?).ok()?;
    Date::from_calendar_date(civil.year, month, u8::try_from(civil.day).ok()?).ok()
}

fn primitive(civil: CivilDateTime) -> Option<PrimitiveDateTime> {
    let time = Time::from_hms_micro(
        u8::try_from(civil.hour).ok()?,
        u8::try_from(civil.minute).ok()?,
        u8::try_from(civil.second).ok()?,
        civil.micro,
    )
    .ok()?;
    Some(PrimitiveDateTime::new(date_of(civil.date)?, time))
}

fn out_of_range(value: &dyn std::fmt::Debug) -> Error {
    Error::Unstorable {
        value: format!("{value:?}"),
        reason: "dates and timestamps are stored for the years 1 to 9999",
    }
}

/// Stored as `DATE` (text `YYYY-MM-DD` on SQLite).
///
/// ```
/// use orm_core::{ColumnType, Value};
/// let date = time::Date::from_calendar_date(2024, time::Month::May, 6).unwrap();
/// assert_eq!(date.to_value(), Value::from("2024-05-06"));
/// assert_eq!(time::Date::from_value(Value::from("2024-05-06")).unwrap(), date);
/// ```
impl ColumnType for Date {
    const SQL_TYPE: SqlType = SqlType::Date;
    const NULLABLE: bool = false;
    fn to_value(&self) -> Value {
        civil_date(*self).map_or_else(
            || Value::Text(self.to_string()),
            |d| Value::Text(d.to_string()),
        )
    }
    fn try_to_value(&self) -> Result<Value> {
        let date = civil_date(*self).ok_or_else(|| out_of_range(self))?;
        Ok(Value::Text(date.to_string()))
    }
    fn from_value(value: Value) -> Result<Self> {
        let text = expect_text(value, DATE)?;
        CivilDate::parse(&text)
            .and_then(date_of)
            .ok_or_else(|| unparsable(DATE))
    }
}

/// Stored as `TIMESTAMP` (text on SQLite), to the microsecond.
impl ColumnType for PrimitiveDateTime {
    const SQL_TYPE: SqlType = SqlType::Timestamp;
    const NULLABLE: bool = false;
    fn to_value(&self) -> Value {
        civil(*self).map_or_else(
            || Value::Text(self.to_string()),
            |t| Value::Text(t.to_string()),
        )
    }
    fn try_to_value(&self) -> Result<Value> {
        let time = civil(*self).ok_or_else(|| out_of_range(self))?;
        Ok(Value::Text(time.to_string()))
    }
    fn from_value(value: Value) -> Result<Self> {
        let text = expect_text(value, TIMESTAMP)?;
        match CivilDateTime::parse(&text) {
            Some((time, None)) => primitive(time).ok_or_else(|| unparsable(TIMESTAMP)),
            _ => Err(unparsable(TIMESTAMP)),
        }
    }
}

/// Stored as `TIMESTAMPTZ` (UTC text `...+00:00` on SQLite), to the
/// microsecond. The offset is not kept: the value reads back in UTC, the
/// same instant.
///
/// ```
/// use orm_core::{ColumnType, Value};
/// let at = time::OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
/// assert_eq!(at.to_value(), Value::from("2023-11-14 22:13:20+00:00"));
/// assert_eq!(time::OffsetDateTime::from_value(at.to_value()).unwrap(), at);
/// ```
impl ColumnType for OffsetDateTime {
    const SQL_TYPE: SqlType = SqlType::TimestampTz;
    const NULLABLE: bool = false;
    fn to_value(&self) -> Value {
        let utc = self.to_offset(UtcOffset::UTC);
        let primitive = PrimitiveDateTime::new(utc.date(), utc.time());
        civil(primitive).map_or_else(
            || Value::Text(self.to_string()),
            |t| Value::Text(format!("{t}+00:00")),
        )
    }
    fn try_to_value(&self) -> Result<Value> {
        let utc = self.to_offset(UtcOffset::UTC);
        let time = civil(PrimitiveDateTime::new(utc.date(), utc.time()))
            .ok_or_else(|| out_of_range(self))?;
        Ok(Value::Text(format!("{time}+00:00")))
    }
    fn from_value(value: Value) -> Result<Self> {
        let text = expect_text(value, INSTANT)?;
        let (time, offset) = CivilDateTime::parse(&text).ok_or_else(|| unparsable(INSTANT))?;
        let micros = time.micros_since_unix_epoch() - i64::from(offset.unwrap_or(0)) * 1_000_000;
        CivilDateTime::from_micros_since_unix_epoch(micros)
            .and_then(primitive)
            .map(PrimitiveDateTime::assume_utc)
            .ok_or_else(|| unparsable(INSTANT))
    }
}

column_value!(Date, PrimitiveDateTime, OffsetDateTime);
