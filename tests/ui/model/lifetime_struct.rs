use orm_core::prelude::*;

#[derive(Model)]
pub struct User<'a> {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: &'a str,
}

fn main() {}
