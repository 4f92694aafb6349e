use orm_core::prelude::*;

#[derive(Table)]
pub struct Link {
    #[column(primary_key, on_delete = "cascade")]
    pub left_id: i64,
    #[column(primary_key, foreign_key = "right.id", on_delete = "cascade")]
    pub right_id: i64,
}

fn main() {}
