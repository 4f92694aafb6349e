//! Classifying rusqlite errors into [`DbErrorKind`]s.

use orm_core::{DbError, DbErrorKind};
use rusqlite::ffi;

/// Converts a rusqlite error into a classified [`DbError`].
pub(crate) fn convert(err: rusqlite::Error) -> DbError {
    let kind = match &err {
        // A foreign key's `ON DELETE RESTRICT` / `ON UPDATE RESTRICT` fails
        // through SQLite's trigger machinery, with the foreign key message.
        rusqlite::Error::SqliteFailure(e, Some(message))
            if e.extended_code == ffi::SQLITE_CONSTRAINT_TRIGGER
                && message.starts_with("FOREIGN KEY constraint failed") =>
        {
            DbErrorKind::ForeignKeyViolation
        }
        rusqlite::Error::SqliteFailure(e, _) => classify(e.extended_code),
        _ => DbErrorKind::Other,
    };
    DbError::new(kind, err.to_string())
}

/// The kind of an SQLite (extended) result code.
///
/// See <https://www.sqlite.org/rescode.html>: the low 8 bits are the primary
/// code, the rest refine it.
pub(crate) fn classify(extended_code: i32) -> DbErrorKind {
    match extended_code {
        ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
            DbErrorKind::UniqueViolation
        }
        ffi::SQLITE_CONSTRAINT_FOREIGNKEY => DbErrorKind::ForeignKeyViolation,
        ffi::SQLITE_CONSTRAINT_NOTNULL => DbErrorKind::NotNullViolation,
        ffi::SQLITE_CONSTRAINT_CHECK => DbErrorKind::CheckViolation,
        // WAL mode: the read snapshot of the transaction is stale, so it can
        // never be promoted to a write transaction; only a rerun helps.
        ffi::SQLITE_BUSY_SNAPSHOT => DbErrorKind::SerializationFailure,
        code => match code & 0xff {
            ffi::SQLITE_BUSY | ffi::SQLITE_LOCKED => DbErrorKind::Busy,
            ffi::SQLITE_READONLY => DbErrorKind::ReadOnly,
            ffi::SQLITE_FULL => DbErrorKind::DiskFull,
            ffi::SQLITE_CORRUPT | ffi::SQLITE_NOTADB => DbErrorKind::Corrupt,
            ffi::SQLITE_CANTOPEN => DbErrorKind::ConnectionFailed,
            _ => DbErrorKind::Other,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Codes that the integration tests in `tests/db_errors.rs` cannot
    // provoke on demand; the others are checked there against real files.
    #[test]
    fn extended_codes_map_to_their_primary_kind() {
        for (code, kind) in [
            (ffi::SQLITE_LOCKED, DbErrorKind::Busy),
            (ffi::SQLITE_LOCKED_SHAREDCACHE, DbErrorKind::Busy),
            (ffi::SQLITE_BUSY_RECOVERY, DbErrorKind::Busy),
            (ffi::SQLITE_BUSY_SNAPSHOT, DbErrorKind::SerializationFailure),
            (ffi::SQLITE_READONLY_DBMOVED, DbErrorKind::ReadOnly),
            (ffi::SQLITE_CORRUPT_INDEX, DbErrorKind::Corrupt),
            (ffi::SQLITE_CANTOPEN_ISDIR, DbErrorKind::ConnectionFailed),
            (ffi::SQLITE_CONSTRAINT_TRIGGER, DbErrorKind::Other),
            (ffi::SQLITE_IOERR_READ, DbErrorKind::Other),
        ] {
            assert_eq!(classify(code), kind, "code {code}");
        }
    }

    #[test]
    fn non_sqlite_errors_are_other() {
        let err = convert(rusqlite::Error::InvalidQuery);
        assert_eq!(err.kind, DbErrorKind::Other);
    }
}
