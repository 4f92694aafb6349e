//! `rust_decimal::Decimal` as a column.

use rust_decimal::Decimal;

use super::{column_value, unparsable};
use crate::error::{Error, Result};
use crate::value::{ColumnType, SqlType, Value};

const DECIMAL: &str = "a decimal number";

/// Stored as `NUMERIC` on PostgreSQL and as `TEXT` on SQLite (`-12.50`,
/// its scale kept), exactly. On SQLite, `<` and `ORDER BY` compare the
/// text, not the numbers.
///
/// ```
/// use orm_core::{ColumnType, Value};
/// use rust_decimal::Decimal;
/// let price = Decimal::new(-1250, 2);
/// assert_eq!(price.to_value(), Value::from("-12.50"));
/// assert_eq!(Decimal::from_value(Value::from("-12.50")).unwrap(), price);
/// assert_eq!(Decimal::from_value(Value::Integer(3)).unwrap(), Decimal::new(3, 0));
/// assert!(Decimal::from_value(Value::from("NaN")).is_err());
/// ```
impl ColumnType for Decimal {
    const SQL_TYPE: SqlType = SqlType::Decimal;
    const NULLABLE: bool = false;
    fn to_value(&self) -> Value {
        Value::Text(self.to_string())
    }
    fn from_value(value: Value) -> Result<Self> {
        match value {
            Value::Text(text) => Decimal::from_str_exact(&text).map_err(|_| unparsable(DECIMAL)),
            Value::Integer(v) => Ok(Decimal::from(v)),
            other => Err(Error::Conversion {
                expected: DECIMAL,
                found: other.kind(),
            }),
        }
    }
}

column_value!(Decimal);
