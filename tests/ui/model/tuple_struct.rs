use orm_core::prelude::*;

#[derive(Model)]
pub struct User(Option<i64>, String);

fn main() {}
