use orm_core::prelude::*;

#[derive(Model, Default)]
pub struct Parent {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    // A condition on the columns of another model than the target.
    #[relationship(viewonly, filter = Parent::name.eq("x"))]
    pub named_children: Many<Child>,
    // A value of the wrong type for the column.
    #[relationship(viewonly, filter = Child::active.eq("yes"))]
    pub odd_children: Many<Child>,
    // Not a condition at all.
    #[relationship(viewonly, filter = 42)]
    pub all_children: Many<Child>,
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
