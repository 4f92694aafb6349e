//! Classifying PostgreSQL errors into [`DbErrorKind`]s by SQLSTATE, and the
//! backend's own conversion errors.

use orm_core::{DbError, DbErrorKind};

/// Converts a `postgres` error into a classified [`DbError`].
///
/// The message is the server's primary message (`duplicate key value
/// violates unique constraint "note_title_key"`), never its `DETAIL`, which
/// may quote the row's values: errors carry no parameters.
pub(crate) fn convert(err: postgres::Error) -> DbError {
    if let Some(db) = err.as_db_error() {
        let kind = classify(db.code().code());
        return DbError::new(kind, format!("{}: {}", db.severity(), db.message()));
    }
    let kind = if err.is_closed() || is_io(&err) {
        DbErrorKind::ConnectionFailed
    } else {
        DbErrorKind::Other
    };
    let message = match std::error::Error::source(&err) {
        Some(source) => format!("{err}: {source}"),
        None => err.to_string(),
    };
    DbError::new(kind, message)
}

/// Whether the error comes from the socket (refused, reset, timed out).
fn is_io(err: &postgres::Error) -> bool {
    let mut source = std::error::Error::source(err);
    while let Some(e) = source {
        if e.is::<std::io::Error>() {
            return true;
        }
        source = e.source();
    }
    // `connect` failures that carry no I/O error (no host answered).
    err.to_string().starts_with("error connecting")
        || err.to_string().starts_with("timeout waiting")
}

/// The kind of a SQLSTATE
/// (<https://www.postgresql.org/docs/15/errcodes-appendix.html>).
///
/// `55P03` (`lock_not_available`: `lock_timeout` expired, or `NOWAIT`
/// found the row locked) is [`Busy`](DbErrorKind::Busy), retryable like
/// SQLite's busy timeout: another transaction holds the lock, and the same
/// work can succeed once it has finished. `57014` (`query_canceled`, also
/// what `statement_timeout` raises) stays [`Other`](DbErrorKind::Other):
/// a statement that is too slow is usually slow again.
pub(crate) fn classify(sqlstate: &str) -> DbErrorKind {
    match sqlstate {
        "23505" => DbErrorKind::UniqueViolation,
        "23503" => DbErrorKind::ForeignKeyViolation,
        "23502" => DbErrorKind::NotNullViolation,
        "23514" => DbErrorKind::CheckViolation,
        "40001" => DbErrorKind::SerializationFailure,
        "40P01" => DbErrorKind::Deadlock,
        "55P03" => DbErrorKind::Busy,
        "25006" => DbErrorKind::ReadOnly,
        "53100" => DbErrorKind::DiskFull,
        "XX001" | "XX002" => DbErrorKind::Corrupt,
        // admin_shutdown, crash_shutdown, cannot_connect_now: the server
        // ended (or refused) the session.
        "57P01" | "57P02" | "57P03" => DbErrorKind::ConnectionFailed,
        code if code.starts_with("08") => DbErrorKind::ConnectionFailed,
        _ => DbErrorKind::Other,
    }
}

/// A value that PostgreSQL and [`orm_core::Value`] cannot exchange.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConversionError {
    /// A parameter's value does not fit the type the server expects for it.
    #[error("cannot bind a {value} value to a parameter of type {ty}")]
    Bind {
        /// The kind of [`Value`](orm_core::Value) given.
        value: &'static str,
        /// The PostgreSQL type of the parameter.
        ty: String,
    },
    /// An integer does not fit the parameter's type.
    #[error("integer {value} is out of range for a parameter of type {ty}")]
    OutOfRange {
        /// The integer given.
        value: i64,
        /// The PostgreSQL type of the parameter.
        ty: String,
    },
    /// A text value is not in the form of the parameter's type (a date
    /// `YYYY-MM-DD`, a UUID, a decimal number, ...; see
    /// `orm_core::types::text`).
    #[error("cannot bind text {text:?} to a parameter of type {ty}")]
    Text {
        /// The text given (its first 100 characters).
        text: String,
        /// The PostgreSQL type of the parameter.
        ty: String,
    },
    /// The server sent a value of a typed column that is cut short.
    #[error("malformed {ty} value from the server")]
    Malformed {
        /// The PostgreSQL type of the column.
        ty: String,
    },
    /// A result column has a type the backend does not read.
    #[error("column `{column}` has type {ty}, which has no orm_core::Value; cast it in the query (to TEXT, BIGINT, DOUBLE PRECISION, BYTEA, BOOLEAN, DATE, TIMESTAMP, TIMESTAMPTZ, UUID, JSONB or NUMERIC)")]
    UnsupportedColumn {
        /// The column's name in the result.
        column: String,
        /// Its PostgreSQL type.
        ty: String,
    },
}

impl From<ConversionError> for DbError {
    fn from(err: ConversionError) -> Self {
        DbError::new(DbErrorKind::Other, err.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlstates_map_to_kinds() {
        for (code, kind) in [
            ("23505", DbErrorKind::UniqueViolation),
            ("23503", DbErrorKind::ForeignKeyViolation),
            ("23502", DbErrorKind::NotNullViolation),
            ("23514", DbErrorKind::CheckViolation),
            ("40001", DbErrorKind::SerializationFailure),
            ("40P01", DbErrorKind::Deadlock),
            ("55P03", DbErrorKind::Busy),
            ("25006", DbErrorKind::ReadOnly),
            ("53100", DbErrorKind::DiskFull),
            ("XX001", DbErrorKind::Corrupt),
            ("08006", DbErrorKind::ConnectionFailed),
            ("08001", DbErrorKind::ConnectionFailed),
            ("57P01", DbErrorKind::ConnectionFailed),
            ("57014", DbErrorKind::Other),
            ("42P01", DbErrorKind::Other),
        ] {
            assert_eq!(classify(code), kind, "{code}");
        }
    }

    #[test]
    fn retryable_kinds() {
        assert!(classify("40001").is_retryable());
        assert!(classify("40P01").is_retryable());
        assert!(classify("55P03").is_retryable());
        assert!(!classify("23505").is_retryable());
    }
}
