//! Column types for the types of other crates, each behind a cargo feature
//! of `orm-core` (the backends need no feature of their own):
//!
//! | feature | Rust type | [`SqlType`](crate::SqlType) | PostgreSQL | SQLite |
//! |---|---|---|---|---|
//! | `chrono` | `chrono::NaiveDate` | `Date` | `DATE` | `DATE`, text `2024-05-06` |
//! | `chrono` | `chrono::NaiveDateTime` | `Timestamp` | `TIMESTAMP` | `TIMESTAMP`, text `2024-05-06 07:08:09.5` |
//! | `chrono` | `chrono::DateTime<Utc>` | `TimestampTz` | `TIMESTAMPTZ` | `TIMESTAMPTZ`, UTC text `... +00:00` |
//! | `time` | `time::Date` | `Date` | `DATE` | as above |
//! | `time` | `time::PrimitiveDateTime` | `Timestamp` | `TIMESTAMP` | as above |
//! | `time` | `time::OffsetDateTime` | `TimestampTz` | `TIMESTAMPTZ` | as above (stored in UTC) |
//! | `uuid` | `uuid::Uuid` | `Uuid` | `UUID` | `TEXT`, lower-case hyphenated |
//! | `serde_json` | `serde_json::Value`, `Json<T>` | `Json` | `JSONB` | `TEXT` |
//! | `rust_decimal` | `rust_decimal::Decimal` | `Decimal` | `NUMERIC` | `TEXT`, `-12.50` |
//!
//! Every one of them travels as `Value::Text` in the
//! forms of [`text`], which the PostgreSQL backend converts to and from
//! its native types; on SQLite the text is what is stored. Timestamps are
//! kept to the microsecond (PostgreSQL's precision; finer digits are
//! dropped when written) and years run from 1 to 9999: a value outside is
//! `Error::Unstorable` before any SQL is sent.
//! Their text sorts in time order, so `Event::at.gt(t)` and `order_by`
//! work on SQLite as on PostgreSQL. Decimals on SQLite are text: equality
//! is exact, but `<` and `ORDER BY` compare them as text there, not as
//! numbers. Text the database writes itself is read as well (SQLite's
//! `CURRENT_TIMESTAMP` is `2024-05-06 07:08:09`, UTC without an offset),
//! but compares in SQL as the text it is: on SQLite, a `server_default` in
//! the library's form (`(strftime('%Y-%m-%d %H:%M:%S+00:00', 'now'))` for an
//! instant) keeps `eq` and ordering exact. A stored value that does not parse reads back as
//! `Error::Column` naming the column.
//!
//! ```toml
//! [dependencies]
//! orm-core = { version = "0.1", features = ["chrono", "uuid"] }
//! ```

pub mod text;

#[cfg(feature = "chrono")]
mod chrono;
#[cfg(feature = "rust_decimal")]
mod decimal;
#[cfg(feature = "serde_json")]
mod json;
#[cfg(feature = "time")]
mod time;
#[cfg(feature = "uuid")]
mod uuid;

#[cfg(feature = "serde_json")]
pub use json::Json;

#[cfg(any(feature = "chrono", feature = "time", feature = "serde_json"))]
/// The text of a value read back, or a conversion error naming what was
/// expected.
pub(crate) fn expect_text(
    value: crate::value::Value,
    expected: &'static str,
) -> Result<String, crate::error::Error> {
    match value {
        crate::value::Value::Text(text) => Ok(text),
        other => Err(crate::error::Error::Conversion {
            expected,
            found: other.kind(),
        }),
    }
}

#[cfg(any(
    feature = "chrono",
    feature = "time",
    feature = "uuid",
    feature = "serde_json",
    feature = "rust_decimal"
))]
/// The error for stored text that does not parse.
pub(crate) fn unparsable(expected: &'static str) -> crate::error::Error {
    crate::error::Error::Conversion {
        expected,
        found: "TEXT",
    }
}

#[cfg(any(
    feature = "chrono",
    feature = "time",
    feature = "uuid",
    feature = "serde_json",
    feature = "rust_decimal"
))]
/// Implements `NotOption` and `From<T> for Value` for a column type.
macro_rules! column_value {
    ($($t:ty),*) => {$(
        impl crate::value::NotOption for $t {}
        impl From<$t> for crate::value::Value {
            fn from(value: $t) -> Self {
                crate::value::ColumnType::to_value(&value)
            }
        }
    )*};
}
#[cfg(any(
    feature = "chrono",
    feature = "time",
    feature = "uuid",
    feature = "serde_json",
    feature = "rust_decimal"
))]
pub(crate) use column_value;
