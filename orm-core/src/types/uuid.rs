//! `uuid::Uuid` as a column.

use uuid::Uuid;

use super::{column_value, unparsable};
use crate::error::{Error, Result};
use crate::value::{ColumnType, SqlType, Value};

const UUID: &str = "a UUID";

/// Stored as `UUID` on PostgreSQL and as lower-case hyphenated `TEXT` on
/// SQLite; a 16-byte BLOB also reads back (another program's choice).
///
/// ```
/// use orm_core::{ColumnType, Value};
/// let id = uuid::Uuid::from_u128(0x67e5_5044_10b1_426f_9247_bb68_0e5f_e0c8);
/// assert_eq!(id.to_value(), Value::from("67e55044-10b1-426f-9247-bb680e5fe0c8"));
/// assert_eq!(uuid::Uuid::from_value(Value::from("67E55044-10B1-426F-9247-BB680E5FE0C8")).unwrap(), id);
/// assert!(uuid::Uuid::from_value(Value::from("nope")).is_err());
/// ```
impl ColumnType for Uuid {
    const SQL_TYPE: SqlType = SqlType::Uuid;
    const NULLABLE: bool = false;
    fn to_value(&self) -> Value {
        Value::Text(self.hyphenated().to_string())
    }
    fn from_value(value: Value) -> Result<Self> {
        match value {
            Value::Text(text) => Uuid::try_parse(&text).map_err(|_| unparsable(UUID)),
            Value::Blob(bytes) => Uuid::from_slice(&bytes).map_err(|_| Error::Conversion {
                expected: UUID,
                found: "BLOB",
            }),
            other => Err(Error::Conversion {
                expected: UUID,
                found: other.kind(),
            }),
        }
    }
}

column_value!(Uuid);

/// A UUID is a primary key for `Session::get`.
impl crate::IntoKey for Uuid {
    fn into_key(self) -> Vec<Value> {
        vec![self.to_value()]
    }
}
