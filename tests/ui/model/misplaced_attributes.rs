use orm_core::prelude::*;

#[derive(Model)]
#[column(unique)]
#[relationship(back_populates = "x")]
pub struct Misplaced {
    #[model(table = "misplaced")]
    #[column(primary_key)]
    pub id: Option<i64>,
}

fn main() {}
