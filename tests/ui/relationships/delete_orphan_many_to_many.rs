use orm_core::prelude::*;

#[derive(Model)]
pub struct Post {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[relationship(secondary = "post_tag", cascade = "all, delete-orphan")]
    pub tags: Many<Tag>,
}

#[derive(Model)]
pub struct Tag {
    #[column(primary_key)]
    pub id: Option<i64>,
}

fn main() {}
