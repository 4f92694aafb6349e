use orm_core::prelude::*;

#[derive(Model)]
pub enum Shape {
    Circle { id: Option<i64>, radius: f64 },
    Square { id: Option<i64>, side: f64 },
}

fn main() {}
