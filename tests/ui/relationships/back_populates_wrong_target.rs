use orm_core::prelude::*;

#[derive(Model)]
pub struct Parent {
    #[column(primary_key)]
    pub id: Option<i64>,
    // `Child::school` is a relationship, but to `School`, not back to `Parent`.
    #[relationship(back_populates = "school")]
    pub children: Many<Child>,
}

#[derive(Model)]
pub struct School {
    #[column(primary_key)]
    pub id: Option<i64>,
}

#[derive(Model)]
pub struct Child {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[column(foreign_key = "parent.id")]
    pub parent_id: Option<i64>,
    #[column(foreign_key = "school.id")]
    pub school_id: Option<i64>,
    #[relationship]
    pub parent: One<Parent>,
    #[relationship]
    pub school: One<School>,
}

fn main() {}
