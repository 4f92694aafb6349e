use orm_core::prelude::*;

#[derive(Model, Default)]
pub struct Parent {
    #[column(primary_key)]
    pub id: Option<i64>,
    // Writes through it would not set `active`.
    #[relationship(filter = Child::active.eq(true))]
    pub active_children: Many<Child>,
}

#[derive(Model, Default)]
pub struct Child {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[column(foreign_key = "parent.id")]
    pub parent_id: Option<i64>,
    pub active: bool,
}

fn main() {}
