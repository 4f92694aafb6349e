// Every attribute the derive supports, on models the registry accepts.
use orm_core::prelude::*;

#[derive(Model, Debug, Default)]
#[model(table = "users")]
pub struct User {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[column(unique, name = "user_name")]
    pub name: String,
    #[column(unique = false)]
    pub nickname: Option<String>,
    pub score: f64,
    pub active: bool,
    pub level: i32,
    #[column(version)]
    pub version: i64,
    pub avatar: Option<Vec<u8>>,
    #[relationship(
        back_populates = "author",
        foreign_keys = "posts.author_id",
        uselist = true,
        cascade = "save-update, merge",
        lazy = "select",
        passive_deletes = false,
        viewonly = false
    )]
    pub posts: Many<Post>,
    #[relationship(back_populates = "reviewer", foreign_keys = ["posts.reviewer_id"])]
    pub reviews: Many<Post>,
    #[relationship(viewonly, foreign_keys = "posts.author_id", filter = Post::draft.eq(true))]
    pub drafts: Many<Post>,
}

#[derive(Model, Debug, Default)]
#[model(table = "posts")]
pub struct Post {
    #[column(primary_key = true, autoincrement = false)]
    pub id: i64,
    #[column(foreign_key = "users.id")]
    pub author_id: Option<i64>,
    #[column(foreign_key = "users.id", on_delete = "set null", on_update = "cascade")]
    pub reviewer_id: Option<i64>,
    pub draft: bool,
    #[column(server_default = "0", nullable = false)]
    pub views: Option<i64>,
    #[column(default = 1.5)]
    pub weight: Option<f64>,
    #[column(default_fn = String::new, server_default = "''")]
    pub summary: Option<String>,
    #[relationship(back_populates = "posts", uselist = false, foreign_keys = "author_id")]
    pub author: One<User>,
    #[relationship(back_populates = "reviews", foreign_keys = ["reviewer_id"], lazy = "select")]
    pub reviewer: One<User>,
}

/// A composite primary key; `autoincrement` is off for it.
#[derive(Model, Debug, Default)]
pub struct PostTag {
    #[column(primary_key, foreign_key = "posts.id", on_delete = "restrict", on_update = "no action")]
    pub post_id: i64,
    #[column(primary_key)]
    pub tag: String,
    #[relationship(passive_deletes = "all")]
    pub post: One<Post>,
}

fn main() {
    let registry = Registry::builder()
        .model::<User>()
        .model::<PostTag>()
        .build()
        .unwrap();
    assert_eq!(User::meta().table, "users");
    assert_eq!(User::meta().columns[1].name, "user_name");
    assert_eq!(PostTag::meta().table, "post_tag");
    assert_eq!(PostTag::meta().primary_key().count(), 2);
    assert!(PostTag::meta().columns.iter().all(|c| !c.autoincrement));
    assert!(User::meta().columns[0].autoincrement);
    assert!(!Post::meta().columns[0].autoincrement);
    drop(registry);
}
