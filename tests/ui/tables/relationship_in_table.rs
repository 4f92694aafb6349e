use orm_core::prelude::*;

#[derive(Model)]
pub struct Left {
    #[column(primary_key)]
    pub id: Option<i64>,
}

#[derive(Table)]
#[table(nmae = "association")]
#[model(table = "association")]
pub struct Association {
    #[column(foreign_key = "left.id")]
    pub left_id: i64,
    #[relationship]
    pub left: One<Left>,
    #[column(foreign_key = "right")]
    pub right_id: i64,
}

fn main() {}
