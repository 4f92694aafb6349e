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
    /// A calendar date, as [`Value::Text`] `YYYY-MM-DD` (see
    /// [`types::text`](crate::types::text)).
    Date,
    /// A date and time without time zone, as text
    /// `YYYY-MM-DD HH:MM:SS[.ffffff]`.
    Timestamp,
    /// An instant, as UTC text `YYYY-MM-DD HH:MM:SS[.ffffff]+00:00`.
    TimestampTz,
    /// A UUID, as lower-case hyphenated text.
    Uuid,
    /// A JSON document, as its text.
    Json,
    /// An exact decimal number, as its text (`-12.50`).
    Decimal,
}

impl SqlType {
    /// Whether a value of this kind can be stored in a column of this
    /// type, as far as its variant tells (`NULL` never fits: it is not a
    /// key).
    ///
    /// ```
    /// use orm_core::{SqlType, Value};
    /// assert!(SqlType::Uuid.fits(&Value::from("67e55044-10b1-426f-9247-bb680e5fe0c8")));
    /// assert!(SqlType::Real.fits(&Value::Integer(1)));
    /// assert!(!SqlType::Integer.fits(&Value::from("1")));
    /// ```
    pub fn fits(self, value: &Value) -> bool {
        match (self, value) {
            (_, Value::Null) => false,
            (SqlType::Integer | SqlType::Boolean, Value::Integer(_)) => true,
            (SqlType::Real, Value::Real(_) | Value::Integer(_)) => true,
            (SqlType::Blob, Value::Blob(_)) => true,
            (
                SqlType::Text
                | SqlType::Date
                | SqlType::Timestamp
                | SqlType::TimestampTz
                | SqlType::Uuid
                | SqlType::Json
                | SqlType::Decimal,
                Value::Text(_),
            ) => true,
            _ => false,
        }
    }
}

/// A Rust type that can be stored in a column.
///
/// Implemented for `i64`, `i32`, `i16`, `i8`, `u32`, `u16`, `u8`, `u64`
/// (checked: at most `i64::MAX`), `f64`, `f32`, `bool`, `String`,
/// `Vec<u8>` and `Option<T>` of each (a nullable column), and, behind
/// cargo features, for the dates, times, UUIDs, JSON documents and
/// decimals of [`types`](crate::types).
///
/// # Your own types
///
/// Implement it to store a type of yours (SQLAlchemy's `TypeDecorator`):
/// choose the storage class, convert both ways, and return
/// [`Error::Conversion`] for a stored value that does not convert; the
/// library names the model and column in the error it returns. Implement
/// `From<YourType> for Value` too, so that the type can be compared in
/// queries. Implement the hidden `NotOption` marker as well, so that
/// `Option<YourType>` is a nullable column.
///
/// ```
/// use orm_core::{ColumnType, Error, SqlType, Value};
///
/// /// An e-mail address, stored as lower-case text.
/// #[derive(Debug, Clone, PartialEq)]
/// pub struct Email(String);
///
/// impl ColumnType for Email {
///     const SQL_TYPE: SqlType = SqlType::Text;
///     const NULLABLE: bool = false;
///     fn to_value(&self) -> Value {
///         Value::Text(self.0.to_lowercase())
///     }
///     fn from_value(value: Value) -> orm_core::Result<Self> {
///         match value {
///             Value::Text(text) if text.contains('@') => Ok(Email(text)),
///             other => Err(Error::Conversion { expected: "an e-mail address", found: other.kind() }),
///         }
///     }
/// }
/// impl orm_core::__private::NotOption for Email {}
///
/// assert_eq!(Email("A@B.org".into()).to_value(), Value::from("a@b.org"));
/// assert!(Email::from_value(Value::from("nope")).is_err());
/// ```
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
    note = "supported column types: i64, i32, i16, i8, u64, u32, u16, u8, f64, f32, bool, String, Vec<u8>, \
            Option<_> of each, the types of orm-core's features (chrono, time, uuid, serde_json, rust_decimal), \
            and types that implement ColumnType; \
            relationship fields are Many<_> or One<_> with #[relationship(...)]"
)]
pub trait ColumnType: Sized {
    /// The storage class of the column.
    const SQL_TYPE: SqlType;
    /// Whether the column accepts `NULL` (true for `Option<_>`).
    const NULLABLE: bool;
    /// Converts the field to a database value, for comparisons in
    /// queries. A value the database cannot store gives its nearest
    /// representable form here; writes go through
    /// [`try_to_value`](ColumnType::try_to_value), which refuses it.
    fn to_value(&self) -> Value;
    /// Converts the field to a database value for writing, or an error
    /// when it cannot be stored (a `u64` above `i64::MAX`). The default
    /// is `to_value`, which always succeeds.
    fn try_to_value(&self) -> Result<Value> {
        Ok(self.to_value())
    }
    /// Converts a database value back into the field type; a value that
    /// does not fit is [`Error::Conversion`], never a wrapped or
    /// truncated field.
    fn from_value(value: Value) -> Result<Self>;
    /// Whether the field holds `value`: equal to what
    /// [`try_to_value`](ColumnType::try_to_value) gives (never equal when
    /// that fails). The flush compares loaded columns this way to find the
    /// changed ones; the built-in types compare without converting.
    ///
    /// ```
    /// use orm_core::{ColumnType, Value};
    /// assert!(String::from("a").holds(&Value::Text("a".into())));
    /// assert!(!Some(3_i32).holds(&Value::Null));
    /// assert!(None::<i32>.holds(&Value::Null));
    /// ```
    fn holds(&self, value: &Value) -> bool {
        self.try_to_value().is_ok_and(|v| v == *value)
    }
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
    fn holds(&self, value: &Value) -> bool {
        matches!(value, Value::Integer(v) if v == self)
    }
}

/// Integers narrower than 64 bits: stored as INTEGER, range-checked when
/// read back.
macro_rules! narrow_integer {
    ($($t:ty),*) => {$(
        impl ColumnType for $t {
            const SQL_TYPE: SqlType = SqlType::Integer;
            const NULLABLE: bool = false;
            fn to_value(&self) -> Value {
                Value::Integer(i64::from(*self))
            }
            fn holds(&self, value: &Value) -> bool {
                matches!(value, Value::Integer(v) if *v == i64::from(*self))
            }
            fn from_value(value: Value) -> Result<Self> {
                match value {
                    Value::Integer(v) => <$t>::try_from(v).map_err(|_| Error::Conversion {
                        expected: stringify!($t),
                        found: "INTEGER out of range",
                    }),
                    other => Err(mismatch(stringify!($t), &other)),
                }
            }
        }
        impl NotOption for $t {}
    )*};
}
narrow_integer!(i8, i16, i32, u8, u16, u32);

/// `u64` is stored as a 64-bit signed INTEGER: values above `i64::MAX`
/// cannot be written ([`Error::Conversion`]), and a negative stored value
/// cannot be read.
///
/// ```
/// use orm_core::{ColumnType, Value};
/// assert_eq!(7_u64.try_to_value().unwrap(), Value::Integer(7));
/// assert!(u64::MAX.try_to_value().is_err());
/// assert!(Some(u64::MAX).try_to_value().is_err());
/// assert!(u64::from_value(Value::Integer(-1)).is_err());
/// ```
impl ColumnType for u64 {
    const SQL_TYPE: SqlType = SqlType::Integer;
    const NULLABLE: bool = false;
    fn to_value(&self) -> Value {
        // Only for comparisons: no stored value exceeds i64::MAX, and a
        // REAL of the same magnitude orders the same way.
        i64::try_from(*self).map_or(Value::Real(*self as f64), Value::Integer)
    }
    fn try_to_value(&self) -> Result<Value> {
        i64::try_from(*self)
            .map(Value::Integer)
            .map_err(|_| Error::Unstorable {
                value: self.to_string(),
                reason: "integer columns hold at most i64::MAX (9223372036854775807)",
            })
    }
    fn from_value(value: Value) -> Result<Self> {
        match value {
            Value::Integer(v) => u64::try_from(v).map_err(|_| Error::Conversion {
                expected: "u64",
                found: "negative INTEGER",
            }),
            other => Err(mismatch("u64", &other)),
        }
    }
}
impl NotOption for u64 {}

/// `f32` is stored as REAL; reading a value that is finite as `f64` but
/// too large for `f32` is an error (precision is rounded, as any float
/// conversion does).
impl ColumnType for f32 {
    const SQL_TYPE: SqlType = SqlType::Real;
    const NULLABLE: bool = false;
    fn to_value(&self) -> Value {
        Value::Real(f64::from(*self))
    }
    fn holds(&self, value: &Value) -> bool {
        matches!(value, Value::Real(v) if *v == f64::from(*self))
    }
    fn from_value(value: Value) -> Result<Self> {
        let wide = f64::from_value(value).map_err(|_| Error::Conversion {
            expected: "f32",
            found: "a non-numeric value",
        })?;
        let narrow = wide as f32;
        if wide.is_finite() && !narrow.is_finite() {
            return Err(Error::Conversion {
                expected: "f32",
                found: "REAL out of range",
            });
        }
        Ok(narrow)
    }
}
impl NotOption for f32 {}

impl ColumnType for f64 {
    const SQL_TYPE: SqlType = SqlType::Real;
    const NULLABLE: bool = false;
    fn to_value(&self) -> Value {
        Value::Real(*self)
    }
    fn holds(&self, value: &Value) -> bool {
        matches!(value, Value::Real(v) if v == self)
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
    fn holds(&self, value: &Value) -> bool {
        matches!(value, Value::Integer(v) if *v == i64::from(*self))
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
    fn holds(&self, value: &Value) -> bool {
        matches!(value, Value::Text(v) if v == self)
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
    fn holds(&self, value: &Value) -> bool {
        matches!(value, Value::Blob(v) if v == self)
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
    fn try_to_value(&self) -> Result<Value> {
        match self {
            Some(v) => v.try_to_value(),
            None => Ok(Value::Null),
        }
    }
    fn holds(&self, value: &Value) -> bool {
        match self {
            Some(v) => v.holds(value),
            None => value.is_null(),
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
value_from!(
    i64,
    i32,
    i16,
    i8,
    u32,
    u16,
    u8,
    u64,
    f64,
    f32,
    bool,
    String,
    Vec<u8>
);

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
