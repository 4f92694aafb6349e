use orm_core::prelude::*;

#[derive(Table)]
#[table(name = "tagging")]
pub struct Tagging {
    pub post_id: i64,
    #[column(version)]
    pub version: i64,
}

fn main() {}
