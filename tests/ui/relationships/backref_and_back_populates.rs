use orm_core::prelude::*;

#[derive(Model)]
pub struct Parent {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[relationship(backref = "parent", back_populates = "parent")]
    pub children: Many<Child>,
}

#[derive(Model)]
pub struct Child {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[column(foreign_key = "parent.id")]
    pub parent_id: Option<i64>,
}

fn main() {}
