use orm_core::prelude::*;

#[derive(Model)]
pub struct Node {
    #[column(primary_key)]
    pub id: Option<i64>,
    // A rule without a foreign key.
    #[column(on_delete = "cascade")]
    pub a: Option<i64>,
    // An unknown action, with a suggestion.
    #[column(foreign_key = "node.id", on_delete = "set nul")]
    pub b: Option<i64>,
    // SET NULL on a column that cannot be NULL.
    #[column(foreign_key = "node.id", on_delete = "set null")]
    pub c: i64,
    #[column(foreign_key = "node.id", on_update = "set null")]
    pub d: i64,
}

fn main() {}
