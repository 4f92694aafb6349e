use orm_core::prelude::*;

#[derive(Model)]
pub struct Job {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub timeout: std::time::Duration,
}

fn main() {}
