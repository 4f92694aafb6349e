//! `serde_json::Value` and [`Json<T>`] as columns.

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{column_value, expect_text, unparsable};
use crate::error::{Error, Result};
use crate::value::{ColumnType, NotOption, SqlType, Value};

const JSON: &str = "a JSON document";

/// Stored as `JSONB` on PostgreSQL and as `TEXT` on SQLite, written
/// compact with object keys in byte order (`serde_json`'s form), which is
/// also the form the PostgreSQL backend reads `JSONB` back in.
///
/// ```
/// use orm_core::{ColumnType, Value};
/// let doc = serde_json::json!({"tags": ["a", "b"]});
/// assert_eq!(doc.to_value(), Value::from(r#"{"tags":["a","b"]}"#));
/// assert_eq!(serde_json::Value::from_value(doc.to_value()).unwrap(), doc);
/// ```
impl ColumnType for serde_json::Value {
    const SQL_TYPE: SqlType = SqlType::Json;
    const NULLABLE: bool = false;
    fn to_value(&self) -> Value {
        Value::Text(self.to_string())
    }
    fn from_value(value: Value) -> Result<Self> {
        let text = expect_text(value, JSON)?;
        serde_json::from_str(&text).map_err(|_| unparsable(JSON))
    }
}

column_value!(serde_json::Value);

/// A column holding any serde type as a JSON document (`JSONB` on
/// PostgreSQL, `TEXT` on SQLite): `pub settings: Json<Settings>`.
///
/// A value that does not serialize is
/// [`Error::Unstorable`](crate::Error::Unstorable) when written; a stored
/// document that does not deserialize into `T` is
/// [`Error::Column`](crate::Error::Column) naming the column.
///
/// ```
/// use orm_core::types::Json;
/// use orm_core::{ColumnType, Value};
///
/// let tags = Json(vec!["rust".to_owned(), "orm".to_owned()]);
/// assert_eq!(tags.try_to_value().unwrap(), Value::from(r#"["rust","orm"]"#));
/// assert_eq!(Json::<Vec<String>>::from_value(Value::from("[]")).unwrap().0, Vec::<String>::new());
/// assert!(Json::<Vec<String>>::from_value(Value::from(r#"{"a":1}"#)).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Json<T>(pub T);

impl<T> std::ops::Deref for Json<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> std::ops::DerefMut for Json<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<T: Serialize + DeserializeOwned> ColumnType for Json<T> {
    const SQL_TYPE: SqlType = SqlType::Json;
    const NULLABLE: bool = false;
    /// For comparisons; a value that does not serialize compares as `NULL`
    /// (writes refuse it).
    fn to_value(&self) -> Value {
        self.try_to_value().unwrap_or(Value::Null)
    }
    /// Through `serde_json::Value`, so that the document's keys are in
    /// byte order whatever the order of `T`'s fields: the form a document
    /// read back has on every backend.
    fn try_to_value(&self) -> Result<Value> {
        serde_json::to_value(&self.0)
            .map(|doc| Value::Text(doc.to_string()))
            .map_err(|e| Error::Unstorable {
                value: e.to_string(),
                reason: "the value does not serialize to JSON",
            })
    }
    fn from_value(value: Value) -> Result<Self> {
        let text = expect_text(value, JSON)?;
        serde_json::from_str(&text)
            .map(Json)
            .map_err(|_| unparsable(JSON))
    }
}

impl<T> NotOption for Json<T> {}

impl<T: Serialize + DeserializeOwned> From<Json<T>> for Value {
    fn from(value: Json<T>) -> Self {
        value.to_value()
    }
}
