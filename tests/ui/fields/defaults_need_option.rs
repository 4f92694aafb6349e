use orm_core::prelude::*;

#[derive(Model)]
pub struct Article {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[column(server_default = "0")]
    pub views: i64,
    #[column(default = 3)]
    pub rating: i32,
    #[column(default_fn = String::new)]
    pub slug: String,
    #[column(nullable = true)]
    pub note: String,
}

fn main() {}
