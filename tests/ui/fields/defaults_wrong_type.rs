use orm_core::prelude::*;

#[derive(Model)]
pub struct Article {
    #[column(primary_key, server_default = "1")]
    pub id: Option<i64>,
    #[column(default = "draft")]
    pub status: Option<String>,
    #[column(default_fn = make_rating)]
    pub rating: Option<i32>,
}

fn make_rating() -> i64 {
    3
}

fn main() {}
