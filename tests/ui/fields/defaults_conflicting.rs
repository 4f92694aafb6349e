use orm_core::prelude::*;

#[derive(Model)]
pub struct Article {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[column(default = 3, default_fn = three)]
    pub rating: Option<i32>,
    #[column(version, server_default = "1")]
    pub version: i64,
    #[column(server_default = "")]
    pub note: Option<String>,
}

fn three() -> i32 {
    3
}

fn main() {}
