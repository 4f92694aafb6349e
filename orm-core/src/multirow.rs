//! Multi-row INSERTs for backends: recognising the one-row `INSERT` the
//! core hands to [`Connection::execute_many`](crate::Connection::execute_many)
//! (association rows, bulk inserts) and writing the same statement for
//! several rows, so that a backend can send a batch in a few statements
//! while the statement recorded and logged stays the one the core wrote.

use crate::engine::Dialect;

/// `INSERT INTO t (a, b) VALUES (<p1>, <p2>)`, exactly, with the dialect's
/// placeholders in order: a statement whose rows can be sent several per
/// statement.
///
/// ```
/// use orm_core::OneRowInsert;
/// use orm_sqlite::SqliteDialect;
///
/// let sql = "INSERT INTO link (left_id, right_id) VALUES (?, ?)";
/// let insert = OneRowInsert::parse(sql, &SqliteDialect).unwrap();
/// assert_eq!(insert.width(), 2);
/// assert_eq!(
///     insert.rows(3, &SqliteDialect),
///     "INSERT INTO link (left_id, right_id) VALUES (?, ?), (?, ?), (?, ?)"
/// );
/// for other in [
///     "INSERT INTO t (a) VALUES (?) RETURNING id",
///     "INSERT INTO t (a) VALUES (?) ON CONFLICT DO NOTHING",
///     "INSERT INTO t (a, b) VALUES (?, 7)",
///     "INSERT INTO t DEFAULT VALUES",
///     "UPDATE t SET a = ?",
/// ] {
///     assert!(OneRowInsert::parse(other, &SqliteDialect).is_none(), "{other}");
/// }
/// ```
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub struct OneRowInsert<'a> {
    /// Everything up to and including `VALUES `.
    head: &'a str,
    /// The placeholders of the row.
    width: usize,
}

impl<'a> OneRowInsert<'a> {
    /// Recognises `sql` as a one-row INSERT of bound values only (no
    /// `RETURNING`, no conflict clause, no literal), with `dialect`'s
    /// placeholders numbered from 1 in order; `None` otherwise.
    pub fn parse(sql: &'a str, dialect: &dyn Dialect) -> Option<Self> {
        if !sql.starts_with("INSERT INTO ") {
            return None;
        }
        let at = sql.rfind(" VALUES (")? + " VALUES ".len();
        let tuple = sql[at..].strip_prefix('(')?.strip_suffix(')')?;
        let mut width = 0;
        for (i, placeholder) in tuple.split(", ").enumerate() {
            if placeholder != dialect.placeholder(i + 1) {
                return None;
            }
            width += 1;
        }
        Some(OneRowInsert {
            head: &sql[..at],
            width,
        })
    }

    /// The number of values one row binds.
    pub fn width(&self) -> usize {
        self.width
    }

    /// The statement for `rows` rows, placeholders numbered on across rows.
    pub fn rows(&self, rows: usize, dialect: &dyn Dialect) -> String {
        let mut sql = String::with_capacity(self.head.len() + rows * self.width * 5);
        sql.push_str(self.head);
        let mut n = 0;
        for row in 0..rows {
            sql.push_str(if row == 0 { "(" } else { ", (" });
            for column in 0..self.width {
                n += 1;
                if column > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&dialect.placeholder(n));
            }
            sql.push(')');
        }
        sql
    }
}
