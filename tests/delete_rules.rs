//! Delete rules: the foreign key's own `ON DELETE` / `ON UPDATE` rule
//! (`#[column(foreign_key = "...", on_delete = "...")]`), emitted by
//! `create_all`, and `passive_deletes` (`true`: leave what is not loaded to
//! that rule; `"all"`: never touch the related rows), for one-to-many and
//! many-to-many, as SQLAlchemy does.

#[macro_use]
mod common;

use common::{rows, setup};
use orm_core::prelude::*;
use orm_core::{DbErrorKind, Error};

/// A blog whose posts' foreign key declares `rule` (or none), with
/// `passive_deletes` as given; the default cascade (no delete).
macro_rules! blog_models {
    ($module:ident, passive = $passive:tt, fk = ($($fk:tt)*)) => {
        mod $module {
            use orm_core::prelude::*;

            #[derive(Model, Debug, Default)]
            pub struct Blog {
                #[column(primary_key)]
                pub id: Option<i64>,
                #[relationship(back_populates = "blog", passive_deletes = $passive)]
                pub posts: Many<Post>,
            }

            #[derive(Model, Debug, Default)]
            pub struct Post {
                #[column(primary_key)]
                pub id: Option<i64>,
                #[column($($fk)*)]
                pub blog_id: Option<i64>,
                #[relationship(back_populates = "posts")]
                pub blog: One<Blog>,
            }
        }
    };
}

blog_models!(
    set_null,
    passive = true,
    fk = (foreign_key = "blog.id", on_delete = "set null")
);
blog_models!(no_rule, passive = true, fk = (foreign_key = "blog.id"));
blog_models!(
    all_set_null,
    passive = "all",
    fk = (foreign_key = "blog.id", on_delete = "set null")
);
blog_models!(
    all_cascade,
    passive = "all",
    fk = (foreign_key = "blog.id", on_delete = "cascade")
);
blog_models!(
    cascade_not_passive,
    passive = false,
    fk = (foreign_key = "blog.id", on_delete = "cascade")
);

/// Stores one blog with three posts and returns a new session on it.
fn blog_with_posts<B: Model + Default, P: Model + Default>(
    registry: &std::sync::Arc<Registry>,
    posts: orm_core::Rel<B, Many<P>>,
) -> orm_core::Result<(Engine, Session)> {
    let (engine, session) = setup(registry);
    let blog = Obj::new(B::default());
    for _ in 0..3 {
        blog.append(posts, &Obj::new(P::default()))?;
    }
    session.add(&blog)?;
    session.commit()?;
    drop(session);
    engine.take_recorded();
    Ok((engine.clone(), Session::new(&engine, registry)))
}

backend_tests! {
    #[test]
    fn create_all_emits_the_declared_rules_and_nothing_else() -> orm_core::Result<()> {
        let dialect = orm_sqlite::SqliteDialect;
        let ddl = |registry: &Registry| registry.create_table_sql(&dialect)[1].clone();

        let registry = Registry::builder().model::<set_null::Blog>().build()?;
        assert!(
            ddl(&registry).contains("FOREIGN KEY (blog_id) REFERENCES blog (id) ON DELETE SET NULL\n"),
            "{}",
            ddl(&registry)
        );
        // passive_deletes alone declares nothing: the database keeps its
        // default (the DELETE of a referenced row fails).
        let registry = Registry::builder().model::<no_rule::Blog>().build()?;
        assert!(
            ddl(&registry).contains("FOREIGN KEY (blog_id) REFERENCES blog (id)\n"),
            "{}",
            ddl(&registry)
        );
        Ok(())
    }

    #[test]
    fn on_update_and_on_delete_on_an_association_table() -> orm_core::Result<()> {
        #[derive(Table)]
        pub struct Membership {
            #[column(
                primary_key,
                foreign_key = "club.code",
                on_delete = "cascade",
                on_update = "cascade"
            )]
            pub club_code: String,
            #[column(primary_key, foreign_key = "person.id", on_delete = "restrict")]
            pub person_id: i64,
        }

        #[derive(Model, Debug, Default)]
        pub struct Club {
            #[column(primary_key)]
            pub code: String,
            #[relationship(secondary = Membership)]
            pub members: Many<Person>,
        }

        #[derive(Model, Debug, Default)]
        pub struct Person {
            #[column(primary_key)]
            pub id: Option<i64>,
        }

        let registry = Registry::builder().model::<Club>().build()?;
        let ddl = registry.create_table_sql(&orm_sqlite::SqliteDialect);
        let membership = ddl.iter().find(|s| s.contains("membership")).unwrap();
        assert!(
            membership.contains(
                "FOREIGN KEY (club_code) REFERENCES club (code) ON DELETE CASCADE ON UPDATE CASCADE"
            ),
            "{membership}"
        );
        assert!(
            membership.contains("FOREIGN KEY (person_id) REFERENCES person (id) ON DELETE RESTRICT"),
            "{membership}"
        );

        // The database applies them: renaming a club's code re-keys its rows.
        let (engine, _session) = setup(&registry);
        engine.execute("INSERT INTO club (code) VALUES ('chess')", &[])?;
        engine.execute("INSERT INTO person (id) VALUES (1)", &[])?;
        engine.execute("INSERT INTO membership VALUES ('chess', 1)", &[])?;
        engine.execute("UPDATE club SET code = 'go' WHERE code = 'chess'", &[])?;
        assert_eq!(rows(&engine, "SELECT * FROM membership"), ["'go', 1"]);
        let err = engine
            .execute("DELETE FROM person WHERE id = 1", &[])
            .unwrap_err();
        assert_eq!(err.kind, DbErrorKind::ForeignKeyViolation);
        Ok(())
    }

    #[test]
    fn passive_deletes_leaves_unloaded_children_to_set_null() -> orm_core::Result<()> {
        use set_null::Blog;
        let registry = Registry::builder().model::<Blog>().build()?;
        let (engine, session) = blog_with_posts(&registry, Blog::posts)?;
        let blog = session.get::<Blog>(1)?.unwrap();
        session.delete(&blog)?;
        session.commit()?;
        // Not loaded, not touched: no SELECT, no UPDATE of the posts.
        assert_eq!(
            common::sql(&engine),
            [
                "SELECT id FROM blog WHERE id = ? [1]",
                "BEGIN",
                "DELETE FROM blog WHERE id = ? [1]",
                "COMMIT"
            ]
        );
        // The database un-parented them, as the default cascade would have.
        assert_eq!(
            rows(&engine, "SELECT id, blog_id FROM post"),
            ["1, None", "2, None", "3, None"]
        );
        Ok(())
    }

    #[test]
    fn passive_deletes_still_unparents_the_loaded_children() -> orm_core::Result<()> {
        use set_null::{Blog, Post};
        let registry = Registry::builder().model::<Blog>().build()?;
        let (engine, session) = blog_with_posts(&registry, Blog::posts)?;
        let blog = session.get::<Blog>(1)?.unwrap();
        let posts = blog.get(Blog::posts)?;
        engine.take_recorded();
        session.delete(&blog)?;
        session.commit()?;
        assert_eq!(
            common::dml(&engine),
            [
                "UPDATE post SET blog_id = ? WHERE id = ? [None, 1]",
                "UPDATE post SET blog_id = ? WHERE id = ? [None, 2]",
                "UPDATE post SET blog_id = ? WHERE id = ? [None, 3]",
                "DELETE FROM blog WHERE id = ? [1]"
            ]
        );
        for post in &posts {
            assert_eq!(post.borrow().blog_id, None);
            assert!(post.get(Post::blog)?.is_none());
        }
        assert_eq!(
            rows(&engine, "SELECT count(*) FROM post WHERE blog_id IS NULL"),
            ["3"]
        );
        Ok(())
    }

    #[test]
    fn passive_deletes_does_not_add_a_cascade_to_the_schema() -> orm_core::Result<()> {
        use no_rule::Blog;
        let registry = Registry::builder().model::<Blog>().build()?;
        let (engine, session) = blog_with_posts(&registry, Blog::posts)?;
        let blog = session.get::<Blog>(1)?.unwrap();
        session.delete(&blog)?;
        // The relationship leaves the posts to the database, whose key has no
        // rule: it refuses, and nothing changes.
        let err = session.commit().unwrap_err();
        assert!(
            matches!(&err, Error::Database(db) if db.kind == DbErrorKind::ForeignKeyViolation),
            "{err}"
        );
        assert_eq!(rows(&engine, "SELECT count(*) FROM blog"), ["1"]);
        assert_eq!(
            rows(&engine, "SELECT count(*) FROM post WHERE blog_id = 1"),
            ["3"]
        );
        session.rollback()?;
        assert_eq!(blog.state(), orm_core::ObjectState::Persistent);
        Ok(())
    }

    #[test]
    fn passive_deletes_all_never_touches_loaded_children() -> orm_core::Result<()> {
        use all_set_null::{Blog, Post};
        let registry = Registry::builder().model::<Blog>().build()?;
        let (engine, session) = blog_with_posts(&registry, Blog::posts)?;
        let blog = session.get::<Blog>(1)?.unwrap();
        let posts = blog.get(Blog::posts)?;
        engine.take_recorded();
        session.delete(&blog)?;
        session.commit()?;
        // Loaded or not, the posts are the database's business.
        assert_eq!(common::dml(&engine), ["DELETE FROM blog WHERE id = ? [1]"]);
        assert_eq!(
            rows(&engine, "SELECT count(*) FROM post WHERE blog_id IS NULL"),
            ["3"]
        );
        // Memory still shows the old key until the objects are refreshed.
        assert_eq!(posts[0].borrow().blog_id, Some(1));
        session.refresh(&posts[0])?;
        assert_eq!(posts[0].borrow().blog_id, None);
        assert!(posts[0].get(Post::blog)?.is_none());
        Ok(())
    }

    #[test]
    fn passive_deletes_all_leaves_loaded_children_to_on_delete_cascade() -> orm_core::Result<()> {
        use all_cascade::Blog;
        let registry = Registry::builder().model::<Blog>().build()?;
        let (engine, session) = blog_with_posts(&registry, Blog::posts)?;
        let blog = session.get::<Blog>(1)?.unwrap();
        let posts = blog.get(Blog::posts)?;
        engine.take_recorded();
        session.delete(&blog)?;
        session.commit()?;
        assert_eq!(common::dml(&engine), ["DELETE FROM blog WHERE id = ? [1]"]);
        assert_eq!(rows(&engine, "SELECT count(*) FROM post"), ["0"]);
        // The session did not delete them; refreshing one says it is gone.
        assert!(matches!(
            session.refresh(&posts[0]),
            Err(Error::ObjectDeleted { .. })
        ));
        Ok(())
    }

    #[test]
    fn without_passive_deletes_the_session_does_the_work_before_the_rule() -> orm_core::Result<()> {
        use cascade_not_passive::Blog;
        let registry = Registry::builder().model::<Blog>().build()?;
        let (engine, session) = blog_with_posts(&registry, Blog::posts)?;
        let blog = session.get::<Blog>(1)?.unwrap();
        session.delete(&blog)?;
        session.commit()?;
        // The default cascade un-parents the posts (loading them first); the
        // database's CASCADE then finds nothing to delete.
        let statements = common::sql(&engine);
        assert!(
            statements.contains(&"SELECT id, blog_id FROM post WHERE blog_id = ? [1]".to_owned()),
            "{statements:#?}"
        );
        assert!(statements.contains(&"UPDATE post SET blog_id = ? WHERE id = ? [None, 3]".to_owned()));
        assert_eq!(rows(&engine, "SELECT count(*) FROM post"), ["3"]);
        Ok(())
    }
}

mod tags {
    use orm_core::prelude::*;

    #[derive(Table)]
    pub struct PostTag {
        #[column(primary_key, foreign_key = "post.id", on_delete = "cascade")]
        pub post_id: i64,
        #[column(primary_key, foreign_key = "tag.id", on_delete = "cascade")]
        pub tag_id: i64,
    }

    #[derive(Model, Debug, Default)]
    pub struct Post {
        #[column(primary_key)]
        pub id: Option<i64>,
        #[relationship(secondary = PostTag, back_populates = "posts", passive_deletes)]
        pub tags: Many<Tag>,
    }

    #[derive(Model, Debug, Default)]
    pub struct Tag {
        #[column(primary_key)]
        pub id: Option<i64>,
        #[relationship(secondary = PostTag, back_populates = "tags", passive_deletes = "all")]
        pub posts: Many<Post>,
    }
}

/// A post with two tags, stored; a new session.
fn tagged_post(registry: &std::sync::Arc<Registry>) -> orm_core::Result<(Engine, Session)> {
    use tags::{Post, Tag};
    let (engine, session) = setup(registry);
    let post = Obj::new(Post::default());
    post.append(Post::tags, &Obj::new(Tag::default()))?;
    post.append(Post::tags, &Obj::new(Tag::default()))?;
    session.add(&post)?;
    session.commit()?;
    drop(session);
    engine.take_recorded();
    Ok((engine.clone(), Session::new(&engine, registry)))
}

backend_tests! {
    #[test]
    fn many_to_many_passive_deletes_deletes_loaded_association_rows() -> orm_core::Result<()> {
        use tags::{Post, Tag};
        let registry = Registry::builder().model::<Post>().build()?;
        let (engine, session) = tagged_post(&registry)?;
        let post = session.get::<Post>(1)?.unwrap();
        let tags = post.get(Post::tags)?;
        engine.take_recorded();
        session.delete(&post)?;
        session.commit()?;
        // Loaded: the rows are deleted explicitly, like a one-to-many's
        // loaded children are un-parented.
        assert_eq!(
            common::dml(&engine),
            [
                "DELETE FROM post_tag WHERE post_id = ? AND tag_id = ? [[1, 1], [1, 2]]",
                "DELETE FROM post WHERE id = ? [1]"
            ]
        );
        for tag in &tags {
            assert!(tag.get(Tag::posts)?.is_empty());
        }
        assert!(rows(&engine, "SELECT * FROM post_tag").is_empty());
        Ok(())
    }

    #[test]
    fn many_to_many_passive_deletes_all_never_touches_association_rows() -> orm_core::Result<()> {
        use tags::{Post, Tag};
        let registry = Registry::builder().model::<Post>().build()?;
        let (engine, session) = tagged_post(&registry)?;
        let tag = session.get::<Tag>(1)?.unwrap();
        assert_eq!(tag.get(Tag::posts)?.len(), 1);
        engine.take_recorded();
        session.delete(&tag)?;
        session.commit()?;
        assert_eq!(common::dml(&engine), ["DELETE FROM tag WHERE id = ? [1]"]);
        assert_eq!(rows(&engine, "SELECT * FROM post_tag"), ["1, 2"]);
        Ok(())
    }
}
