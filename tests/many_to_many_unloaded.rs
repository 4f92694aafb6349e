//! Many-to-many through collections that are not loaded: regressions found
//! by the property tests (`tests/properties`).

#[macro_use]
mod common;

use common::rows;
use orm_core::prelude::*;
#[derive(Table)]
#[table(name = "post_tag")]
pub struct PostTag {
    #[column(primary_key, foreign_key = "post.id")]
    pub post_id: i64,
    #[column(primary_key, foreign_key = "tag.id")]
    pub tag_id: i64,
}
#[derive(Model, Debug, Default)]
#[model(table = "post")]
pub struct Post {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[relationship(secondary = PostTag, back_populates = "posts")]
    pub tags: Many<Tag>,
}
#[derive(Model, Debug, Default)]
#[model(table = "tag")]
pub struct Tag {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[relationship(secondary = "post_tag", back_populates = "tags")]
    pub posts: Many<Post>,
}

fn setup() -> (orm_core::Engine, Session) {
    let registry = Registry::builder().model::<Post>().build().unwrap();
    common::setup(&registry)
}

fn links(engine: &orm_core::Engine) -> Vec<String> {
    rows(
        engine,
        "SELECT post_id, tag_id FROM post_tag ORDER BY post_id, tag_id",
    )
}

backend_tests! {
    /// Was: appending a tag again to a post whose collection was not loaded
    /// INSERTed a second association row (UNIQUE violation at flush).
    #[test]
    fn appending_an_existing_link_again_writes_no_second_row() -> orm_core::Result<()> {
        let (engine, session) = setup();
        let (p, t) = (Obj::new(Post::default()), Obj::new(Tag::default()));
        session.add(&p)?;
        session.add(&t)?;
        session.commit()?;
        p.append(Post::tags, &t)?;
        session.commit()?;
        // Both collections are unloaded after that commit: the library has to
        // look before it appends.
        drop(session);
        let session = Session::new(&engine, &Registry::builder().model::<Post>().build()?);
        let p = session.get::<Post>(1)?.expect("post");
        let t = session.get::<Tag>(1)?.expect("tag");
        t.append(Tag::posts, &p)?;
        p.append(Post::tags, &t)?;
        session.commit()?;
        assert_eq!(links(&engine), ["1, 1"]);
        Ok(())
    }

    /// Was: removing a post the tag was never linked to recorded a removal the
    /// flush could not write (`Internal`, or `StaleData` for a post with a row).
    #[test]
    fn removing_what_is_not_linked_does_nothing() -> orm_core::Result<()> {
        let (engine, session) = setup();
        let t = Obj::new(Tag::default());
        let stored = Obj::new(Post::default());
        session.add(&t)?;
        session.add(&stored)?;
        session.commit()?;
        t.remove(Tag::posts, &Obj::new(Post::default()))?;
        t.remove(Tag::posts, &stored)?;
        session.commit()?;
        assert!(links(&engine).is_empty());
        Ok(())
    }

    /// Was: re-adding a link whose removal was pending on an unloaded
    /// collection INSERTed the row again.
    #[test]
    fn re_adding_a_pending_removal_cancels_it() -> orm_core::Result<()> {
        let (engine, session) = setup();
        let (p, t) = (Obj::new(Post::default()), Obj::new(Tag::default()));
        p.append(Post::tags, &t)?;
        session.add(&p)?;
        session.commit()?;
        t.remove(Tag::posts, &p)?;
        t.append(Tag::posts, &p)?;
        session.commit()?;
        assert_eq!(links(&engine), ["1, 1"]);
        assert!(p.get(Post::tags)?.iter().eq([&t]));
        Ok(())
    }

    /// Was: a rollback brought back a link that only the rolled-back
    /// transaction had written.
    #[test]
    fn a_rollback_does_not_bring_back_a_link_of_the_transaction() -> orm_core::Result<()> {
        let (_engine, session) = setup();
        let (p, t) = (Obj::new(Post::default()), Obj::new(Tag::default()));
        session.add(&p)?;
        session.add(&t)?;
        session.commit()?;
        p.append(Post::tags, &t)?;
        session.flush()?;
        t.remove(Tag::posts, &p)?;
        session.rollback()?;
        assert!(p.get(Post::tags)?.is_empty());
        assert!(t.get(Tag::posts)?.is_empty());
        Ok(())
    }
}

mod one_sided {
    use super::*;

    #[derive(Table)]
    #[table(name = "doc_label")]
    pub struct DocLabel {
        #[column(primary_key, foreign_key = "doc.id")]
        pub doc_id: i64,
        #[column(primary_key, foreign_key = "label.id")]
        pub label_id: i64,
    }

    #[derive(Model, Debug, Default)]
    #[model(table = "doc")]
    pub struct Doc {
        #[column(primary_key)]
        pub id: Option<i64>,
        #[relationship(secondary = DocLabel)]
        pub labels: Many<Label>,
    }

    #[derive(Model, Debug, Default)]
    #[model(table = "label")]
    pub struct Label {
        #[column(primary_key)]
        pub id: Option<i64>,
    }

    /// Without a mirror, only the rows know whether the link exists: the
    /// collection is loaded before the append.
    #[test]
    fn a_one_sided_link_appended_again_writes_no_second_row() -> orm_core::Result<()> {
        let registry = Registry::builder().model::<Doc>().build()?;
        let (engine, session) = common::setup(&registry);
        let (d, l) = (Obj::new(Doc::default()), Obj::new(Label::default()));
        d.append(Doc::labels, &l)?;
        session.add(&d)?;
        session.commit()?;
        drop(session);
        let session = Session::new(&engine, &registry);
        let d = session.get::<Doc>(1)?.expect("doc");
        let l = session.get::<Label>(1)?.expect("label");
        d.append(Doc::labels, &l)?;
        session.commit()?;
        assert_eq!(
            rows(&engine, "SELECT doc_id, label_id FROM doc_label"),
            ["1, 1"]
        );
        Ok(())
    }
}
