//! SQLite's SQL dialect: `?` placeholders, type names, identifier quoting.

use std::borrow::Cow;

use orm_core::{Dialect, SqlType};

/// The SQLite dialect.
#[derive(Debug, Clone, Copy, Default)]
pub struct SqliteDialect;

/// SQLite's keywords (<https://sqlite.org/lang_keywords.html>); identifiers
/// that match one are quoted.
const KEYWORDS: &[&str] = &[
    "ABORT",
    "ACTION",
    "ADD",
    "AFTER",
    "ALL",
    "ALTER",
    "ALWAYS",
    "ANALYZE",
    "AND",
    "AS",
    "ASC",
    "ATTACH",
    "AUTOINCREMENT",
    "BEFORE",
    "BEGIN",
    "BETWEEN",
    "BY",
    "CASCADE",
    "CASE",
    "CAST",
    "CHECK",
    "COLLATE",
    "COLUMN",
    "COMMIT",
    "CONFLICT",
    "CONSTRAINT",
    "CREATE",
    "CROSS",
    "CURRENT",
    "CURRENT_DATE",
    "CURRENT_TIME",
    "CURRENT_TIMESTAMP",
    "DATABASE",
    "DEFAULT",
    "DEFERRABLE",
    "DEFERRED",
    "DELETE",
    "DESC",
    "DETACH",
    "DISTINCT",
    "DO",
    "DROP",
    "EACH",
    "ELSE",
    "END",
    "ESCAPE",
    "EXCEPT",
    "EXCLUDE",
    "EXCLUSIVE",
    "EXISTS",
    "EXPLAIN",
    "FAIL",
    "FILTER",
    "FIRST",
    "FOLLOWING",
    "FOR",
    "FOREIGN",
    "FROM",
    "FULL",
    "GENERATED",
    "GLOB",
    "GROUP",
    "GROUPS",
    "HAVING",
    "IF",
    "IGNORE",
    "IMMEDIATE",
    "IN",
    "INDEX",
    "INDEXED",
    "INITIALLY",
    "INNER",
    "INSERT",
    "INSTEAD",
    "INTERSECT",
    "INTO",
    "IS",
    "ISNULL",
    "JOIN",
    "KEY",
    "LAST",
    "LEFT",
    "LIKE",
    "LIMIT",
    "MATCH",
    "MATERIALIZED",
    "NATURAL",
    "NO",
    "NOT",
    "NOTHING",
    "NOTNULL",
    "NULL",
    "NULLS",
    "OF",
    "OFFSET",
    "ON",
    "OR",
    "ORDER",
    "OTHERS",
    "OUTER",
    "OVER",
    "PARTITION",
    "PLAN",
    "PRAGMA",
    "PRECEDING",
    "PRIMARY",
    "QUERY",
    "RAISE",
    "RANGE",
    "RECURSIVE",
    "REFERENCES",
    "REGEXP",
    "REINDEX",
    "RELEASE",
    "RENAME",
    "REPLACE",
    "RESTRICT",
    "RETURNING",
    "RIGHT",
    "ROLLBACK",
    "ROW",
    "ROWS",
    "SAVEPOINT",
    "SELECT",
    "SET",
    "TABLE",
    "TEMP",
    "TEMPORARY",
    "THEN",
    "TIES",
    "TO",
    "TRANSACTION",
    "TRIGGER",
    "UNBOUNDED",
    "UNION",
    "UNIQUE",
    "UPDATE",
    "USING",
    "VACUUM",
    "VALUES",
    "VIEW",
    "VIRTUAL",
    "WHEN",
    "WHERE",
    "WINDOW",
    "WITH",
    "WITHOUT",
];

fn needs_quotes(ident: &str) -> bool {
    let mut chars = ident.chars();
    let plain_start = chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_');
    let plain_rest = chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    !(plain_start && plain_rest) || KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(ident))
}

impl Dialect for SqliteDialect {
    fn name(&self) -> &'static str {
        "sqlite"
    }

    fn placeholder(&self, _index: usize) -> Cow<'static, str> {
        Cow::Borrowed("?")
    }

    /// ```
    /// use orm_core::Dialect;
    /// let d = orm_sqlite::SqliteDialect;
    /// assert_eq!(d.quote("parent"), "parent");
    /// assert_eq!(d.quote("left"), "\"left\"");
    /// assert_eq!(d.quote("Mixed Case"), "\"Mixed Case\"");
    /// ```
    fn quote<'a>(&self, ident: &'a str) -> Cow<'a, str> {
        if needs_quotes(ident) {
            Cow::Owned(format!("\"{}\"", ident.replace('"', "\"\"")))
        } else {
            Cow::Borrowed(ident)
        }
    }

    /// Dates and timestamps are text in declared types of their own
    /// (`DATE`, `TIMESTAMP`, `TIMESTAMPTZ`: numeric affinity, which leaves
    /// their text alone as it never looks like a number); UUIDs, JSON and
    /// decimals are `TEXT`, so that a JSON `5` or a decimal `1.50` is kept
    /// as written.
    ///
    /// ```
    /// use orm_core::{Dialect, SqlType};
    /// let d = orm_sqlite::SqliteDialect;
    /// assert_eq!(d.type_name(SqlType::TimestampTz), "TIMESTAMPTZ");
    /// assert_eq!(d.type_name(SqlType::Decimal), "TEXT");
    /// ```
    fn type_name(&self, ty: SqlType) -> &'static str {
        match ty {
            SqlType::Integer => "INTEGER",
            SqlType::Real => "REAL",
            SqlType::Text | SqlType::Uuid | SqlType::Json | SqlType::Decimal => "TEXT",
            SqlType::Blob => "BLOB",
            SqlType::Boolean => "BOOLEAN",
            SqlType::Date => "DATE",
            SqlType::Timestamp => "TIMESTAMP",
            SqlType::TimestampTz => "TIMESTAMPTZ",
        }
    }

    /// `INTEGER PRIMARY KEY AUTOINCREMENT`: the rowid itself, never reused
    /// (costs one lookup in `sqlite_sequence` per INSERT).
    fn generated_key_column(&self, quoted_name: &str) -> Option<String> {
        Some(format!("{quoted_name} INTEGER PRIMARY KEY AUTOINCREMENT"))
    }

    /// The bundled SQLite (3.35 or later) has `RETURNING`.
    fn supports_returning(&self) -> bool {
        true
    }

    /// Up to 64 rows per INSERT (fewer for wide tables, within SQLite's
    /// 32,766 parameters per statement): one statement to compile into
    /// the cache and step per batch instead of per row, which measured
    /// fastest for in-memory and file databases alike. New rowids are
    /// the largest rowid plus one, so they follow the `VALUES` list.
    ///
    /// ```
    /// use orm_core::Dialect;
    /// assert_eq!(orm_sqlite::SqliteDialect.max_insert_rows(3), 64);
    /// assert_eq!(orm_sqlite::SqliteDialect.max_insert_rows(1000), 32);
    /// ```
    fn max_insert_rows(&self, columns: usize) -> usize {
        (32_766 / columns.max(1)).clamp(1, 64)
    }

    /// Rowids of one statement's new rows are consecutive.
    fn generated_keys_consecutive(&self) -> bool {
        true
    }

    /// From the `table_info`, `index_list`, `index_info` and
    /// `foreign_key_list` pragmas; types as declared, in upper case.
    fn describe_table(
        &self,
        query: &mut orm_core::QueryFn<'_>,
        table: &str,
    ) -> Result<Option<orm_core::TableDescription>, orm_core::DbError> {
        crate::introspect::describe_table(query, table)
    }

    /// SQLite transactions are always serializable. `BEGIN` defers locking
    /// to the first statement; asked for `Serializable`, the transaction
    /// takes the write lock at once (`BEGIN IMMEDIATE`), so two
    /// read-then-write transactions queue on the busy timeout instead of
    /// both reading and one failing when it tries to write.
    ///
    /// ```
    /// use orm_core::{Dialect, IsolationLevel};
    /// let dialect = orm_sqlite::SqliteDialect;
    /// assert_eq!(dialect.begin(None), "BEGIN");
    /// assert_eq!(dialect.begin(Some(IsolationLevel::Serializable)), "BEGIN IMMEDIATE");
    /// assert_eq!(dialect.begin(Some(IsolationLevel::ReadCommitted)), "BEGIN");
    /// ```
    fn begin(&self, isolation: Option<orm_core::IsolationLevel>) -> Cow<'static, str> {
        match isolation {
            Some(orm_core::IsolationLevel::Serializable) => Cow::Borrowed("BEGIN IMMEDIATE"),
            _ => Cow::Borrowed("BEGIN"),
        }
    }
}
