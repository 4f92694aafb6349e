use orm_core::prelude::*;

#[derive(ColumnEnum)]
pub enum WithFields {
    A(i64),
    B { x: String },
}

#[derive(ColumnEnum)]
pub enum Clash {
    InReview,
    #[column_enum(rename = "in_review")]
    Other,
}

#[derive(ColumnEnum)]
#[column_enum(integer)]
pub enum NotLiteral {
    A = 1 + 1,
    #[column_enum(rename = "b")]
    B,
}

#[derive(ColumnEnum)]
pub struct NotAnEnum {
    pub x: i64,
}

fn main() {}
