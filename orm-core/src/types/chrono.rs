//! `chrono::NaiveDate`, `NaiveDateTime` and `DateTime<Utc>` as columns.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};

use super::text::{CivilDate, CivilDateTime};
use super::{column_value, expect_text, unparsable};
use crate::error::{Error, Result};
use crate::value::{ColumnType, SqlType, Value};

const DATE: &str = "a date (YYYY-MM-DD)";
const TIMESTAMP: &str = "a timestamp (YYYY-MM-DD HH:MM:SS)";

fn civil_date(date: NaiveDate) -> Option<CivilDate> {
    CivilDate::new(date.year(), date.month(), date.day())
}

fn civil(time: NaiveDateTime) -> Option<CivilDateTime> {
    // A leap second (nanosecond >= 1e9) is kept as the last microsecond.
    let micro = (time.nanosecond() / 1000).min(999_999);
    CivilDateTime::new(
        civil_date(time.date())?,
        time.hour(),
        time.minute(),
        time.second(),
        micro,
    )
}

fn naive(civil: CivilDateTime) -> Option<NaiveDateTime> {
    let date = NaiveDate::from_ymd_opt(civil.date.year, civil.date.month, civil.date.day)?;
    let time = NaiveTime::from_hms_micro_opt(civil.hour, civil.minute, civil.second, civil.micro)?;
    Some(NaiveDateTime::new(date, time))
}

fn out_of_range(value: &dyn std::fmt::Display) -> Error {
    Error::Unstorable {
        value: value.to_string(),
        reason: "dates and timestamps are stored for the years 1 to 9999",
    }
}

/// Stored as `DATE` (text `YYYY-MM-DD` on SQLite).
///
/// ```
/// use orm_core::{ColumnType, Value};
/// let date = chrono::NaiveDate::from_ymd_opt(2024, 5, 6).unwrap();
/// assert_eq!(date.to_value(), Value::from("2024-05-06"));
/// assert_eq!(chrono::NaiveDate::from_value(Value::from("2024-05-06")).unwrap(), date);
/// ```
impl ColumnType for NaiveDate {
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
            .and_then(|d| NaiveDate::from_ymd_opt(d.year, d.month, d.day))
            .ok_or_else(|| unparsable(DATE))
    }
}

/// Stored as `TIMESTAMP` (text `YYYY-MM-DD HH:MM:SS[.ffffff]` on SQLite),
/// to the microsecond.
impl ColumnType for NaiveDateTime {
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
            Some((time, None)) => naive(time).ok_or_else(|| unparsable(TIMESTAMP)),
            _ => Err(unparsable(TIMESTAMP)),
        }
    }
}

/// Stored as `TIMESTAMPTZ` (UTC text `YYYY-MM-DD HH:MM:SS[.ffffff]+00:00`
/// on SQLite), to the microsecond. Text without an offset reads as UTC
/// (SQLite's `CURRENT_TIMESTAMP`).
///
/// ```
/// use orm_core::{ColumnType, Value};
/// use chrono::{DateTime, Utc};
/// let at = DateTime::<Utc>::from_timestamp(1_700_000_000, 250_000_000).unwrap();
/// assert_eq!(at.to_value(), Value::from("2023-11-14 22:13:20.250+00:00"));
/// let read = DateTime::<Utc>::from_value(Value::from("2023-11-15T00:13:20.25+02:00")).unwrap();
/// assert_eq!(read, at);
/// ```
impl ColumnType for DateTime<Utc> {
    const SQL_TYPE: SqlType = SqlType::TimestampTz;
    const NULLABLE: bool = false;
    fn to_value(&self) -> Value {
        match civil(self.naive_utc()) {
            Some(time) => Value::Text(format!("{time}+00:00")),
            None => Value::Text(format!("{self:?}")),
        }
    }
    fn try_to_value(&self) -> Result<Value> {
        let time = civil(self.naive_utc()).ok_or_else(|| out_of_range(self))?;
        Ok(Value::Text(format!("{time}+00:00")))
    }
    fn from_value(value: Value) -> Result<Self> {
        const EXPECTED: &str = "an instant (YYYY-MM-DD HH:MM:SS+HH:MM)";
        let text = expect_text(value, EXPECTED)?;
        let (time, offset) = CivilDateTime::parse(&text).ok_or_else(|| unparsable(EXPECTED))?;
        let micros = time.micros_since_unix_epoch() - i64::from(offset.unwrap_or(0)) * 1_000_000;
        CivilDateTime::from_micros_since_unix_epoch(micros)
            .and_then(naive)
            .map(|t| t.and_utc())
            .ok_or_else(|| unparsable(EXPECTED))
    }
}

column_value!(NaiveDate, NaiveDateTime, DateTime<Utc>);
