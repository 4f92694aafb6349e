use orm_core::prelude::*;

#[derive(Model, Default)]
pub struct Parent {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[relationship(cascade = "all, delete-orphan", passive_deletes = "all")]
    pub children: Many<Child>,
    #[relationship(passive_deletes = "some")]
    pub others: Many<Child>,
}

#[derive(Model, Default)]
pub struct Child {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[column(foreign_key = "parent.id")]
    pub parent_id: Option<i64>,
}

fn main() {}
