//! Database values and the conversion between them and Rust field types.

use std::fmt;
use std::hash::{Hash, Hasher};

use crate::error::{Error, Result};

/// A value as it travels between a model field and the database.
///
/// Every backend converts its native values to and from this enum, so the
/// core never sees a backend type.
///
/// ```
/// use orm_core::Value;
/// assert_eq!(Value::from(5_i64), Value::Integer(5));
/// assert_eq!(Value::from(None::<String>), Value::Null);
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    /// SQL `NULL`.
    #[default]
    Null,
    /// A 64-bit signed integer (also used for booleans).
    Integer(i64),
    /// A double precision float.
    Real(f64),
    /// UTF-8 text.
    Text(String),
    /// Raw bytes.
    Blob(Vec<u8>),
}

impl Value {
    /// Whether this is SQL `NULL`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The name of the variant, for error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "NULL",
            Value::Integer(_) => "INTEGER",
            Value::Real(_) => "REAL",
            Value::Text(_) => "TEXT",
            Value::Blob(_) => "BLOB",
        }
    }
}

// Values are used as identity-map keys; floats compare by their bits there,
// which is the only total equality they have.
impl Eq for Value {}

impl Hash for Value {
    fn hash<H: Hasher>(&self, state: &mut H) {
        std::mem::discriminant(self).hash(state);
        match self {
            Value::Null => {}
            Value::Integer(v) => v.hash(state),
            Value::Real(v) => v.to_bits().hash(state),
            Value::Text(v) => v.hash(state),
            Value::Blob(v) => v.hash(state),
        }
    }
}

/// Renders the value unambiguously, for echo, logs and test expectations.
///
/// `NULL` is `None`; text is single-quoted with a quote doubled as in SQL,
/// and with backslash escapes (as in Rust's `{:?}`) for backslashes, control
/// characters and other invisible characters, so a NUL byte shows as `\0`
/// and a newline as `\n`; a blob is a SQL hex literal. The rendering is
/// complete: the engine shortens long values itself when it logs them.
///
/// ```
/// use orm_core::Value;
/// assert_eq!(Value::Null.to_string(), "None");
/// assert_eq!(Value::Real(1.0).to_string(), "1.0");
/// assert_eq!(Value::from("it's").to_string(), "'it''s'");
/// assert_eq!(Value::from("a\0b\nc\\d").to_string(), r"'a\0b\nc\\d'");
/// assert_eq!(Value::Blob(vec![0, 0xff, 0x1a]).to_string(), "x'00ff1a'");
/// ```
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("None"),
            Value::Integer(v) => write!(f, "{v}"),
            Value::Real(v) => write!(f, "{v:?}"),
            Value::Text(v) => fmt_text(f, v),
            Value::Blob(v) => fmt_blob(f, v),
        }
    }
}

/// Writes text as a quoted, escaped literal (see `Display for Value`).
pub(crate) fn fmt_text(f: &mut fmt::Formatter<'_>, text: &str) -> fmt::Result {
    f.write_str("'")?;
    // `str::escape_debug` escapes what cannot be seen, but also both quote
    // characters; the quotes are written SQL-style between the pieces.
    for piece in text.split_inclusive(['\'', '"']) {
        let (body, quote) = match piece.strip_suffix(['\'', '"']) {
            Some(body) => (body, &piece[body.len()..]),
            None => (piece, ""),
        };
        write!(f, "{}", body.escape_debug())?;
        f.write_str(if quote == "'" { "''" } else { quote })?;
    }
    f.write_str("'")
}

/// Writes bytes as a SQL hex literal, `x'00ff'`.
pub(crate) fn fmt_blob(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    f.write_str("x'")?;
    for byte in bytes {
        write!(f, "{byte:02x}")?;
    }
    f.write_str("'")
}

/// The storage class of a column, which each dialect maps to a type name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SqlType {
    /// 64-bit integer.
    Integer,
    /// Floating point.
    Real,
    /// Text.
    Text,
    /// Bytes.
    Blob,
    /// Boolean (stored as an integer where the database has no boolean).
    Boolean,
}

/// A Rust type that can be stored in a column.
///
/// Implemented for `i64`, `i32`, `f64`, `bool`, `String`, `Vec<u8>` and
/// `Option<T>` of each (a nullable column).
///
/// ```
/// use orm_core::{ColumnType, SqlType, Value};
/// assert_eq!(<Option<i32> as ColumnType>::SQL_TYPE, SqlType::Integer);
/// assert!(<Option<i32> as ColumnType>::NULLABLE);
/// assert_eq!(Some(3_i32).to_value(), Value::Integer(3));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a supported column type",
    label = "unsupported column type",
    note = "supported column types: i64, i32, f64, bool, String, Vec<u8>, and Option<_> of each; \
            relationship fields are Many<_> or One<_> with #[relationship(...)]"
)]
pub trait ColumnType: Sized {
    /// The storage class of the column.
    const SQL_TYPE: SqlType;
    /// Whether the column accepts `NULL` (true for `Option<_>`).
    const NULLABLE: bool;
    /// Converts the field to a database value.
    fn to_value(&self) -> Value;
    /// Converts a database value back into the field type.
    fn from_value(value: Value) -> Result<Self>;
}

fn mismatch(expected: &'static str, got: &Value) -> Error {
    Error::Conversion {
        expected,
        found: got.kind(),
    }
}

impl ColumnType for i64 {
    const SQL_TYPE: SqlType = SqlType::Integer;
    const NULLABLE: bool = false;
    fn to_value(&self) -> Value {
        Value::Integer(*self)
    }
    fn from_value(value: Value) -> Result<Self> {
        match value {
            Value::Integer(v) => Ok(v),
            other => Err(mismatch("i64", &other)),
        }
    }
}

impl ColumnType for i32 {
    const SQL_TYPE: SqlType = SqlType::Integer;
    const NULLABLE: bool = false;
    fn to_value(&self) -> Value {
        Value::Integer(i64::from(*self))
    }
    fn from_value(value: Value) -> Result<Self> {
        match value {
            Value::Integer(v) => i32::try_from(v).map_err(|_| Error::Conversion {
                expected: "i32",
                found: "INTEGER out of range",
            }),
            other => Err(mismatch("i32", &other)),
        }
    }
}

impl ColumnType for f64 {
    const SQL_TYPE: SqlType = SqlType::Real;
    const NULLABLE: bool = false;
    fn to_value(&self) -> Value {
        Value::Real(*self)
    }
    fn from_value(value: Value) -> Result<Self> {
        match value {
            Value::Real(v) => Ok(v),
            // SQLite stores integral reals as integers when it can.
            Value::Integer(v) => Ok(v as f64),
            other => Err(mismatch("f64", &other)),
        }
    }
}

impl ColumnType for bool {
    const SQL_TYPE: SqlType = SqlType::Boolean;
    const NULLABLE: bool = false;
    fn to_value(&self) -> Value {
        Value::Integer(i64::from(*self))
    }
    fn from_value(value: Value) -> Result<Self> {
        match value {
            Value::Integer(v) => Ok(v != 0),
            other => Err(mismatch("bool", &other)),
        }
    }
}

impl ColumnType for String {
    const SQL_TYPE: SqlType = SqlType::Text;
    const NULLABLE: bool = false;
    fn to_value(&self) -> Value {
        Value::Text(self.clone())
    }
    fn from_value(value: Value) -> Result<Self> {
        match value {
            Value::Text(v) => Ok(v),
            other => Err(mismatch("String", &other)),
        }
    }
}

impl ColumnType for Vec<u8> {
    const SQL_TYPE: SqlType = SqlType::Blob;
    const NULLABLE: bool = false;
    fn to_value(&self) -> Value {
        Value::Blob(self.clone())
    }
    fn from_value(value: Value) -> Result<Self> {
        match value {
            Value::Blob(v) => Ok(v),
            other => Err(mismatch("Vec<u8>", &other)),
        }
    }
}

impl<T: ColumnType + NotOption> ColumnType for Option<T> {
    const SQL_TYPE: SqlType = T::SQL_TYPE;
    const NULLABLE: bool = true;
    fn to_value(&self) -> Value {
        match self {
            Some(v) => v.to_value(),
            None => Value::Null,
        }
    }
    fn from_value(value: Value) -> Result<Self> {
        match value {
            Value::Null => Ok(None),
            other => T::from_value(other).map(Some),
        }
    }
}

/// Marks the column types that are not themselves `Option`, so that
/// `Option<Option<T>>` is rejected at compile time.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`Option<{Self}>` is not a supported column type: nested options cannot be stored",
    label = "use a single Option<_> for a nullable column"
)]
pub trait NotOption {}
impl NotOption for i64 {}
impl NotOption for i32 {}
impl NotOption for f64 {}
impl NotOption for bool {}
impl NotOption for String {}
impl NotOption for Vec<u8> {}

macro_rules! value_from {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(v: $t) -> Self { ColumnType::to_value(&v) }
        }
    )*};
}
value_from!(i64, i32, f64, bool, String, Vec<u8>);

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_owned())
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}
