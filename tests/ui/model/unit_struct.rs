use orm_core::prelude::*;

#[derive(Model)]
pub struct User;

fn main() {}
