// Every relationship option, on models the registry accepts.
use orm_core::prelude::*;

#[derive(Table)]
#[table(name = "post_tag")]
pub struct PostTag {
    #[column(primary_key, foreign_key = "post.id")]
    pub post_id: i64,
    #[column(primary_key, foreign_key = "tag.id")]
    pub tag_id: i64,
}

#[derive(Table)]
pub struct Favourite {
    #[column(foreign_key = "author.id")]
    pub author_id: i64,
    #[column(foreign_key = "post.id")]
    pub post_id: i64,
}

#[derive(Model, Debug, Default)]
pub struct Author {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    #[relationship(backref = "author", cascade = "all, delete-orphan", order_by = "title desc, id")]
    pub posts: Many<Post>,
    #[relationship(secondary = "favourite", backref = "fans", lazy = "selectin")]
    pub favourites: Many<Post>,
}

#[derive(Model, Debug, Default)]
pub struct Post {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub title: String,
    #[column(foreign_key = "author.id")]
    pub author_id: Option<i64>,
    #[relationship(secondary = PostTag, back_populates = "posts", passive_deletes)]
    pub tags: Many<Tag>,
    #[relationship(viewonly, foreign_keys = "author_id")]
    pub writer: One<Author>,
}

#[derive(Model, Debug, Default)]
pub struct Tag {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[relationship(secondary = PostTag, back_populates = "tags")]
    pub posts: Many<Post>,
}

fn main() {
    let registry = Registry::builder().model::<Author>().build().unwrap();
    assert_eq!(registry.tables(), ["author", "post", "tag", "post_tag", "favourite"]);
    let _: orm_core::Rel<Post, One<Author>> = Post::author;
    let _: orm_core::Rel<Post, Many<Author>> = Post::fans;
}
