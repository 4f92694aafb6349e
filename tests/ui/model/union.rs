use orm_core::prelude::*;

#[derive(Model)]
pub union Bits {
    pub int: i64,
    pub real: f64,
}

fn main() {}
