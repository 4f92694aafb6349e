//! Many-to-many through an association table (seeds 000-004): the
//! association rows are written and deleted automatically.

#[macro_use]
mod common;

use common::{dml, rows, setup};
use orm_core::prelude::*;
use orm_core::Error;

/// The seeds' `association_table`, declared in Rust.
#[derive(Table)]
#[table(name = "association")]
pub struct Association {
    #[column(primary_key, foreign_key = "left.id")]
    pub left_id: i64,
    #[column(primary_key, foreign_key = "right.id")]
    pub right_id: i64,
}

/// Bidirectional with `back_populates`, the table named by type on one side
/// and by name on the other.
mod bidirectional {
    use super::*;

    #[derive(Model, Debug, Default)]
    #[model(table = "left")]
    pub struct Parent {
        #[column(primary_key)]
        pub id: Option<i64>,
        pub name: String,
        #[relationship(secondary = Association, back_populates = "parents")]
        pub children: Many<Child>,
    }

    #[derive(Model, Debug, Default)]
    #[model(table = "right")]
    pub struct Child {
        #[column(primary_key)]
        pub id: Option<i64>,
        pub name: String,
        #[relationship(secondary = "association", back_populates = "children")]
        pub parents: Many<Parent>,
    }

    pub fn parent(name: &str) -> Obj<Parent> {
        Obj::new(Parent {
            name: name.into(),
            ..Default::default()
        })
    }

    pub fn child(name: &str) -> Obj<Child> {
        Obj::new(Child {
            name: name.into(),
            ..Default::default()
        })
    }
}

fn names<T: Model>(objs: &[Obj<T>], name: impl Fn(&T) -> String) -> Vec<String> {
    objs.iter().map(|o| name(&o.borrow())).collect()
}

// SQLite only: the text of its DDL and its query planner.
#[test]
fn create_all_makes_the_association_table() -> orm_core::Result<()> {
    use bidirectional::Parent;
    let registry = Registry::builder().model::<Parent>().build()?;
    assert_eq!(registry.tables(), ["left", "right", "association"]);
    let engine = orm_sqlite::memory()?;
    assert_eq!(
        registry.create_table_sql(engine.dialect())[2],
        "CREATE TABLE IF NOT EXISTS association (\n\tleft_id INTEGER NOT NULL,\n\tright_id INTEGER NOT NULL,\n\t\
         PRIMARY KEY (left_id, right_id),\n\tFOREIGN KEY (left_id) REFERENCES \"left\" (id),\n\t\
         FOREIGN KEY (right_id) REFERENCES \"right\" (id)\n)"
    );
    // The primary key indexes left_id; right_id gets an index of its own,
    // so deleting a `right` row does not scan the association table.
    assert_eq!(
        registry.create_index_sql(engine.dialect()),
        ["CREATE INDEX IF NOT EXISTS ix_association_right_id ON association (right_id)"]
    );
    registry.create_all(&engine)?;
    let plan = engine.query(
        "EXPLAIN QUERY PLAN SELECT 1 FROM association WHERE right_id = 1",
        &[],
    )?;
    assert!(
        format!("{plan:?}").contains("ix_association_right_id"),
        "{plan:?}"
    );
    Ok(())
}

backend_tests! {
    #[test]
    fn appending_inserts_association_rows_and_syncs_both_sides() -> orm_core::Result<()> {
        use bidirectional::{child, parent, Child, Parent};
        let registry = Registry::builder().model::<Parent>().build()?;
        let (engine, session) = setup(&registry);
        let p1 = parent("p1");
        let p2 = parent("p2");
        let a = child("a");
        let b = child("b");
        p1.append(Parent::children, &a)?;
        p1.append(Parent::children, &b)?;
        b.append(Child::parents, &p2)?;
        // Both sides in memory, before any flush.
        assert_eq!(names(&a.get(Child::parents)?, |p| p.name.clone()), ["p1"]);
        assert_eq!(
            names(&b.get(Child::parents)?, |p| p.name.clone()),
            ["p1", "p2"]
        );
        assert_eq!(names(&p2.get(Parent::children)?, |c| c.name.clone()), ["b"]);
        // Appending again changes nothing (and inserts no duplicate row).
        p1.append(Parent::children, &a)?;
        assert_eq!(p1.get(Parent::children)?.len(), 2);

        session.add(&p1)?;
        session.commit()?;
        assert_eq!(
            dml(&engine),
            [
                "INSERT INTO \"left\" (name) VALUES (?) ['p1']",
                "INSERT INTO \"left\" (name) VALUES (?) ['p2']",
                "INSERT INTO \"right\" (name) VALUES (?) ['a']",
                "INSERT INTO \"right\" (name) VALUES (?) ['b']",
                "INSERT INTO association (left_id, right_id) VALUES (?, ?) [[1, 1], [1, 2], [2, 2]]",
            ]
        );
        assert_eq!(
            rows(
                &engine,
                "SELECT left_id, right_id FROM association ORDER BY 1, 2"
            ),
            ["1, 1", "1, 2", "2, 2"]
        );
        Ok(())
    }

    #[test]
    fn removing_deletes_the_association_row() -> orm_core::Result<()> {
        use bidirectional::{child, parent, Child, Parent};
        let registry = Registry::builder().model::<Parent>().build()?;
        let (engine, session) = setup(&registry);
        let p = parent("p");
        let a = child("a");
        let b = child("b");
        p.append(Parent::children, &a)?;
        p.append(Parent::children, &b)?;
        session.add(&p)?;
        session.commit()?;
        dml(&engine);

        // The seed: `myparent.children.remove(somechild)`.
        p.remove(Parent::children, &a)?;
        assert!(a.get(Child::parents)?.is_empty());
        session.commit()?;
        assert_eq!(
            dml(&engine),
            ["DELETE FROM association WHERE left_id = ? AND right_id = ? [1, 1]"]
        );
        assert_eq!(
            rows(&engine, "SELECT left_id, right_id FROM association"),
            ["1, 2"]
        );
        // Both objects still exist.
        assert_eq!(rows(&engine, "SELECT count(*) FROM \"right\""), ["2"]);
        Ok(())
    }

    #[test]
    fn remove_a_link_then_delete_one_side() -> orm_core::Result<()> {
        use bidirectional::{child, parent, Parent};
        let registry = Registry::builder().model::<Parent>().build()?;
        let (engine, session) = setup(&registry);
        let p = parent("p");
        let a = child("a");
        let b = child("b");
        p.append(Parent::children, &a)?;
        p.append(Parent::children, &b)?;
        session.add(&p)?;
        session.commit()?;
        dml(&engine);

        p.remove(Parent::children, &a)?;
        session.delete(&p)?;
        session.commit()?;
        assert_eq!(
            dml(&engine),
            [
                "DELETE FROM association WHERE left_id = ? AND right_id = ? [[1, 1], [1, 2]]",
                "DELETE FROM \"left\" WHERE id = ? [1]",
            ]
        );
        assert!(rows(&engine, "SELECT * FROM association").is_empty());
        assert_eq!(
            rows(&engine, "SELECT name FROM \"right\" ORDER BY id"),
            ["'a'", "'b'"]
        );
        Ok(())
    }

    /// The seed's `session.delete(somechild)`: the child's side knows the table
    /// (`Child.parents`), so its rows are found (loading the collection) and
    /// deleted.
    #[test]
    fn deleting_a_child_that_two_parents_link_to() -> orm_core::Result<()> {
        use bidirectional::{child, parent, Child, Parent};
        let registry = Registry::builder().model::<Parent>().build()?;
        let (engine, session) = setup(&registry);
        let p1 = parent("p1");
        let p2 = parent("p2");
        let tag = child("shared");
        p1.append(Parent::children, &tag)?;
        p2.append(Parent::children, &tag)?;
        session.add(&p1)?;
        session.add(&p2)?;
        session.commit()?;
        drop(session);

        // A fresh session: nothing is loaded.
        let session = Session::new(&engine, &registry);
        let tag = session.get::<Child>(1)?.unwrap();
        engine.take_recorded();
        session.delete(&tag)?;
        session.commit()?;
        assert_eq!(
            common::sql(&engine),
            [
                "SELECT association.right_id, \"left\".id, \"left\".name FROM \"left\" \
                 JOIN association ON \"left\".id = association.left_id WHERE association.right_id = ? [1]",
                "BEGIN",
                "DELETE FROM association WHERE left_id = ? AND right_id = ? [[1, 1], [2, 1]]",
                "DELETE FROM \"right\" WHERE id = ? [1]",
                "COMMIT",
            ]
        );
        assert!(rows(&engine, "SELECT * FROM association").is_empty());
        // The parents, loaded to find the rows, no longer list the child.
        let p1 = session.get::<Parent>(1)?.unwrap();
        assert!(p1.get(Parent::children)?.is_empty());
        Ok(())
    }

    #[test]
    fn lazy_loading_goes_through_the_association_table() -> orm_core::Result<()> {
        use bidirectional::{child, parent, Child, Parent};
        let registry = Registry::builder().model::<Parent>().build()?;
        let (engine, session) = setup(&registry);
        let p = parent("p");
        p.append(Parent::children, &child("a"))?;
        p.append(Parent::children, &child("b"))?;
        session.add(&p)?;
        session.commit()?;
        drop((session, p));

        let session = Session::new(&engine, &registry);
        let p = session.get::<Parent>(1)?.unwrap();
        let kids = p.get(Parent::children)?;
        assert_eq!(names(&kids, |c| c.name.clone()), ["a", "b"]);
        // The other side resolves to the same objects.
        assert!(kids[0].get(Child::parents)?[0].ptr_eq(&p));
        Ok(())
    }

    /// Appending to an unloaded collection does not load it; the row is still
    /// written, and a later load shows both.
    #[test]
    fn appending_to_an_unloaded_collection() -> orm_core::Result<()> {
        use bidirectional::{child, parent, Parent};
        let registry = Registry::builder().model::<Parent>().build()?;
        let (engine, session) = setup(&registry);
        let p = parent("p");
        p.append(Parent::children, &child("a"))?;
        session.add(&p)?;
        session.commit()?;
        drop((session, p));

        let session = Session::new(&engine, &registry);
        let p = session.get::<Parent>(1)?.unwrap();
        engine.take_recorded();
        p.append(Parent::children, &child("b"))?;
        session.commit()?;
        assert!(common::selects(&engine).is_empty(), "no load for an append");
        assert_eq!(
            rows(
                &engine,
                "SELECT left_id, right_id FROM association ORDER BY 2"
            ),
            ["1, 1", "1, 2"]
        );
        assert_eq!(
            names(&p.get(Parent::children)?, |c| c.name.clone()),
            ["a", "b"]
        );
        Ok(())
    }
}

/// Seed 000's first form: only the parent knows the association table.
mod one_direction {
    use super::*;

    #[derive(Model, Debug, Default)]
    #[model(table = "left")]
    pub struct Parent {
        #[column(primary_key)]
        pub id: Option<i64>,
        #[relationship(secondary = Association)]
        pub children: Many<Child>,
    }

    #[derive(Model, Debug, Default)]
    #[model(table = "right")]
    pub struct Child {
        #[column(primary_key)]
        pub id: Option<i64>,
    }
}

backend_tests! {
    #[test]
    fn unidirectional_many_to_many() -> orm_core::Result<()> {
        use one_direction::{Child, Parent};
        let registry = Registry::builder().model::<Parent>().build()?;
        let (engine, session) = setup(&registry);
        let p = Obj::new(Parent::default());
        let c = Obj::new(Child::default());
        p.append(Parent::children, &c)?;
        session.add(&p)?;
        session.commit()?;
        assert_eq!(
            rows(&engine, "SELECT left_id, right_id FROM association"),
            ["1, 1"]
        );
        assert_eq!(
            Child::meta().relationships.len(),
            0,
            "the child has no accessor"
        );

        // Deleting the child directly: nothing on its side knows the table, so
        // the row stays and the database refuses (seed 002), with a clear error.
        session.delete(&c)?;
        let err = session.commit().unwrap_err();
        assert!(matches!(err, Error::AssociationRowsRemain { .. }), "{err}");
        assert_eq!(
            err.to_string(),
            "cannot delete Child with primary key 1: rows of association table `association` still refer to it, \
             and no relationship of Child uses that table (only Parent.children); add the reverse relationship \
             (back_populates or backref), remove the object from those collections first, or give the \
             association table's foreign key `on_delete = \"cascade\"` (with passive_deletes on the relationship)"
        );
        session.rollback()?;
        // Removing it from the collection first works.
        p.remove(Parent::children, &c)?;
        session.delete(&c)?;
        session.commit()?;
        assert!(rows(&engine, "SELECT * FROM association").is_empty());
        Ok(())
    }
}

/// Seed 000's third form: `backref = "parents"` creates `Child.parents`.
mod with_backref {
    use super::*;

    #[derive(Model, Debug, Default)]
    #[model(table = "left")]
    pub struct Parent {
        #[column(primary_key)]
        pub id: Option<i64>,
        #[relationship(secondary = "association", backref = "parents")]
        pub children: Many<Child>,
    }

    #[derive(Model, Debug, Default)]
    #[model(table = "right")]
    pub struct Child {
        #[column(primary_key)]
        pub id: Option<i64>,
    }
}

backend_tests! {
    #[test]
    fn backref_uses_the_same_association_table() -> orm_core::Result<()> {
        use with_backref::{Child, Parent};
        let registry = Registry::builder()
            .model::<Parent>()
            .table::<Association>()
            .build()?;
        assert_eq!(
            registry.direction(Child::parents),
            Some(orm_core::Direction::ManyToMany)
        );
        let (engine, session) = setup(&registry);
        let p = Obj::new(Parent::default());
        let c = Obj::new(Child::default());
        c.append(Child::parents, &p)?; // through the backref
        assert!(p.get(Parent::children)?[0].ptr_eq(&c));
        session.add(&c)?;
        session.commit()?;
        assert_eq!(
            rows(&engine, "SELECT left_id, right_id FROM association"),
            ["1, 1"]
        );
        drop((session, p, c));

        let session = Session::new(&engine, &registry);
        let c = session.get::<Child>(1)?.unwrap();
        let parents = c.get(Child::parents)?; // lazy load of the backref
        assert_eq!(parents.len(), 1);
        session.delete(&c)?; // the backref knows the table: rows are deleted
        session.commit()?;
        assert!(rows(&engine, "SELECT * FROM association").is_empty());
        Ok(())
    }
}

/// `passive_deletes`: the database's `ON DELETE CASCADE` removes the rows.
mod passive {
    use super::*;

    #[derive(Table)]
    pub struct PostTag {
        #[column(primary_key, foreign_key = "post.id", on_delete = "cascade")]
        pub post_id: i64,
        #[column(primary_key, foreign_key = "tag.id")]
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
        #[relationship(secondary = PostTag, back_populates = "tags")]
        pub posts: Many<Post>,
    }
}

backend_tests! {
    #[test]
    fn passive_deletes_leave_rows_to_on_delete_cascade() -> orm_core::Result<()> {
        use passive::{Post, Tag};
        let registry = Registry::builder().model::<Post>().build()?;
        let engine = orm_sqlite::memory()?;
        let ddl = registry.create_table_sql(engine.dialect());
        assert!(
            ddl[2].contains("FOREIGN KEY (post_id) REFERENCES post (id) ON DELETE CASCADE"),
            "{}",
            ddl[2]
        );
        assert!(
            ddl[2].contains("FOREIGN KEY (tag_id) REFERENCES tag (id)\n"),
            "{}",
            ddl[2]
        );
        drop(engine);
        let (engine, session) = setup(&registry);
        let post = Obj::new(Post::default());
        post.append(Post::tags, &Obj::new(Tag::default()))?;
        post.append(Post::tags, &Obj::new(Tag::default()))?;
        session.add(&post)?;
        session.commit()?;
        drop((session, post));

        let session = Session::new(&engine, &registry);
        let post = session.get::<Post>(1)?.unwrap();
        engine.take_recorded();
        session.delete(&post)?;
        session.commit()?;
        // No SELECT of the tags, no association DELETE: the database did it.
        assert_eq!(
            common::sql(&engine),
            ["BEGIN", "DELETE FROM post WHERE id = ? [1]", "COMMIT"]
        );
        assert!(rows(&engine, "SELECT * FROM post_tag").is_empty());
        assert_eq!(rows(&engine, "SELECT count(*) FROM tag"), ["2"]);
        Ok(())
    }

    #[test]
    fn selectin_through_the_association_table() -> orm_core::Result<()> {
        use bidirectional::{child, parent, Child, Parent};
        let registry = Registry::builder().model::<Parent>().build()?;
        let (engine, session) = setup(&registry);
        let (p1, p2) = (parent("p1"), parent("p2"));
        let (a, b) = (child("a"), child("b"));
        p1.append(Parent::children, &a)?;
        p1.append(Parent::children, &b)?;
        p2.append(Parent::children, &b)?;
        session.add(&p1)?;
        session.add(&p2)?;
        session.commit()?;
        drop(session);

        let session = Session::new(&engine, &registry);
        engine.take_recorded();
        let parents = session
            .query::<Parent>()
            .order_by(Parent::id)
            .options(orm_core::selectin(Parent::children).then(Child::parents))
            .all()?;
        assert_eq!(common::selects(&engine).len(), 3);
        assert_eq!(
            names(&parents[0].get(Parent::children)?, |c| c.name.clone()),
            ["a", "b"]
        );
        let b = &parents[1].get(Parent::children)?[0];
        assert_eq!(
            names(&b.get(Child::parents)?, |p| p.name.clone()),
            ["p1", "p2"]
        );
        assert!(common::selects(&engine).is_empty());
        Ok(())
    }
}

/// A self-referential many-to-many: `foreign_keys` says which association
/// column points at this side.
mod graph {
    use super::*;

    #[derive(Table)]
    pub struct Edge {
        #[column(primary_key, foreign_key = "node.id")]
        pub lower_id: i64,
        #[column(primary_key, foreign_key = "node.id")]
        pub higher_id: i64,
    }

    #[derive(Model, Debug, Default)]
    pub struct Node {
        #[column(primary_key)]
        pub id: Option<i64>,
        #[relationship(secondary = Edge, foreign_keys = "lower_id", back_populates = "lower_neighbors")]
        pub higher_neighbors: Many<Node>,
        #[relationship(secondary = Edge, foreign_keys = "higher_id", back_populates = "higher_neighbors")]
        pub lower_neighbors: Many<Node>,
    }
}

backend_tests! {
    #[test]
    fn self_referential_many_to_many() -> orm_core::Result<()> {
        use graph::Node;
        let registry = Registry::builder().model::<Node>().build()?;
        let (engine, session) = setup(&registry);
        let (n1, n2, n3) = (
            Obj::new(Node::default()),
            Obj::new(Node::default()),
            Obj::new(Node::default()),
        );
        n1.append(Node::higher_neighbors, &n2)?;
        n1.append(Node::higher_neighbors, &n3)?;
        n3.append(Node::lower_neighbors, &n2)?;
        assert_eq!(n3.get(Node::lower_neighbors)?.len(), 2);
        session.add(&n1)?;
        session.commit()?;
        assert_eq!(
            rows(
                &engine,
                "SELECT lower_id, higher_id FROM edge ORDER BY 1, 2"
            ),
            ["1, 2", "1, 3", "2, 3"]
        );
        Ok(())
    }
}
