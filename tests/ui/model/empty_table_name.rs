use orm_core::prelude::*;

#[derive(Model)]
#[model(table = "")]
pub struct Nameless {
    #[column(primary_key)]
    pub id: Option<i64>,
}

fn main() {}
