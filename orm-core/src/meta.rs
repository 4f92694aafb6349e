//! Static metadata that `#[derive(Model)]` generates for every model.
//!
//! This is what the derive knows at compile time: names, types and the
//! attributes as written. The [`Registry`](crate::Registry) resolves it into
//! the configured form (directions, column pairs, table order).

use crate::value::SqlType;

/// The static description of one model.
#[derive(Debug)]
pub struct ModelMeta {
    /// The Rust type name.
    pub name: &'static str,
    /// The table it maps.
    pub table: &'static str,
    /// Its columns, in field order.
    pub columns: &'static [ColumnMeta],
    /// Its relationships, in field order.
    pub relationships: &'static [RelationshipMeta],
    /// Builds an instance from one value per column (generated).
    #[doc(hidden)]
    pub construct: fn(Vec<crate::value::Value>) -> crate::error::Result<crate::obj::AnyObj>,
}

impl ModelMeta {
    /// Indices of the primary key columns, in column order.
    pub fn primary_key(&self) -> impl Iterator<Item = usize> + '_ {
        self.columns
            .iter()
            .enumerate()
            .filter(|(_, c)| c.primary_key)
            .map(|(i, _)| i)
    }

    /// The column with this column name.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// The relationship declared on this field.
    pub fn relationship_index(&self, field: &str) -> Option<usize> {
        self.relationships.iter().position(|r| r.field == field)
    }

    /// Whether two metadata references describe the same model.
    pub fn same(&self, other: &ModelMeta) -> bool {
        std::ptr::eq(self, other)
    }
}

/// The static description of one column.
#[derive(Debug)]
pub struct ColumnMeta {
    /// The struct field.
    pub field: &'static str,
    /// The column name (the field name unless `name = "..."` is given).
    pub name: &'static str,
    /// The storage class.
    pub sql_type: SqlType,
    /// Whether NULL is allowed (the field is an `Option`).
    pub nullable: bool,
    /// Whether the column is part of the primary key.
    pub primary_key: bool,
    /// Whether the database generates the value (a single `Option<i64>` key).
    pub autoincrement: bool,
    /// Whether the column carries a `UNIQUE` constraint.
    pub unique: bool,
    /// The referenced `table.column`, if this is a foreign key.
    pub foreign_key: Option<&'static str>,
}

/// Whether a relationship field holds one object or a collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cardinality {
    /// A `One<T>` field: at most one object.
    One,
    /// A `Many<T>` field: a collection.
    Many,
}

/// The static description of one relationship field.
#[derive(Debug)]
pub struct RelationshipMeta {
    /// The struct field.
    pub field: &'static str,
    /// The target model.
    pub target: fn() -> &'static ModelMeta,
    /// `One` or `Many`, from the field type.
    pub cardinality: Cardinality,
    /// The relationship on the target that mirrors this one.
    pub back_populates: Option<&'static str>,
    /// Columns (`table.column` or `column`) that restrict which foreign keys link the two tables.
    pub foreign_keys: &'static [&'static str],
}
