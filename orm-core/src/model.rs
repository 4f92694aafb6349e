//! The [`Model`] trait that `#[derive(Model)]` implements.

use crate::error::Result;
use crate::meta::ModelMeta;
use crate::relation::RelationshipField;
use crate::value::Value;

/// A struct mapped to a table.
///
/// Implement it with `#[derive(Model)]`; the methods are the contract between
/// the generated code and the session and are not meant to be called directly.
///
/// ```
/// use orm_core::prelude::*;
///
/// #[derive(Model, Debug, Default)]
/// #[model(table = "user_account")]
/// pub struct User {
///     #[column(primary_key)]
///     pub id: Option<i64>,
///     pub name: String,
/// }
///
/// assert_eq!(User::meta().table, "user_account");
/// assert_eq!(User::meta().columns.len(), 2);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a model",
    label = "relationship targets must be structs with #[derive(Model)]"
)]
pub trait Model: Sized + 'static {
    /// The static description of the model.
    fn meta() -> &'static ModelMeta;

    /// The value of column `index` (in [`ModelMeta::columns`] order), or an
    /// [`Error::Column`](crate::Error::Column) when the field holds a value
    /// the database cannot store.
    fn column_value(&self, index: usize) -> Result<Value>;

    /// Whether column `index` holds `value` (what the database holds): the
    /// flush compares each column of a loaded object this way to find the
    /// ones to UPDATE. The generated code compares the field in place
    /// ([`ColumnType::holds`](crate::ColumnType::holds)); the default
    /// converts it with [`column_value`](Model::column_value).
    fn column_holds(&self, index: usize, value: &Value) -> bool {
        self.column_value(index).is_ok_and(|v| v == *value)
    }

    /// Writes column `index` from a database value.
    fn set_column_value(&mut self, index: usize, value: Value) -> Result<()>;

    /// Builds an object from one value per column, with every relationship unloaded.
    fn from_values(values: Vec<Value>) -> Result<Self>;

    /// The relationship field `index` (in [`ModelMeta::relationships`] order).
    fn relationship(&self, index: usize) -> Option<&(dyn RelationshipField + 'static)>;

    /// The relationship field `index`, mutably.
    fn relationship_mut(&mut self, index: usize) -> Option<&mut (dyn RelationshipField + 'static)>;
}

/// An association table declared in Rust, for `secondary = ...`.
///
/// Implement it with `#[derive(Table)]` on a struct whose fields are the
/// columns; the struct is never instantiated.
///
/// ```
/// use orm_core::prelude::*;
///
/// #[derive(Table)]
/// #[table(name = "post_tag")]
/// pub struct PostTag {
///     #[column(primary_key, foreign_key = "post.id")]
///     pub post_id: i64,
///     #[column(primary_key, foreign_key = "tag.id")]
///     pub tag_id: i64,
/// }
///
/// assert_eq!(PostTag::table_meta().table, "post_tag");
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an association table",
    label = "`secondary` takes a type with #[derive(Table)], or a table name as a string"
)]
pub trait Table: 'static {
    /// The static description of the table.
    fn table_meta() -> &'static crate::meta::TableMeta;
}
