//! What a database says about one of its tables: the data a
//! [`Dialect`](crate::Dialect) reads from the catalog for
//! [`Registry::schema_diff`](crate::Registry::schema_diff).

use crate::error::DbError;
use crate::value::Value;

/// Runs a query on the connection being introspected.
pub type QueryFn<'a> = dyn FnMut(&str, &[Value]) -> Result<Vec<Vec<Value>>, DbError> + 'a;

/// A table as the database describes it.
///
/// ```
/// use orm_core::{ColumnDescription, TableDescription};
/// let table = TableDescription {
///     columns: vec![ColumnDescription {
///         name: "id".into(),
///         type_name: "INTEGER".into(),
///         nullable: false,
///         primary_key: true,
///     }],
///     ..Default::default()
/// };
/// assert!(table.column("id").is_some());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableDescription {
    /// Its columns, in table order.
    pub columns: Vec<ColumnDescription>,
    /// Its indexes, including those behind `UNIQUE` and primary key
    /// constraints.
    pub indexes: Vec<IndexDescription>,
    /// Its foreign keys, one entry per column.
    pub foreign_keys: Vec<ForeignKeyDescription>,
}

impl TableDescription {
    /// The column with this name.
    pub fn column(&self, name: &str) -> Option<&ColumnDescription> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// A column as the database describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnDescription {
    /// Its name.
    pub name: String,
    /// Its type, spelled as the dialect's
    /// [`type_name`](crate::Dialect::type_name) spells it (`BIGINT`,
    /// `TIMESTAMPTZ`), or as declared for types the dialect does not use.
    pub type_name: String,
    /// Whether it accepts `NULL`.
    pub nullable: bool,
    /// Whether it is part of the primary key.
    pub primary_key: bool,
}

/// An index as the database describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexDescription {
    /// Its name.
    pub name: String,
    /// Its columns, in index order.
    pub columns: Vec<String>,
    /// Whether it is unique.
    pub unique: bool,
}

/// One column of a foreign key, as the database describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignKeyDescription {
    /// The referring column.
    pub column: String,
    /// The referenced table.
    pub references_table: String,
    /// The referenced column.
    pub references_column: String,
}
