//! Assigning a whole collection (`replace`, SQLAlchemy's
//! `parent.children = [...]`), `clear`, and `Session::add_all`.

#[macro_use]
mod common;

use common::{dml, rows, selects, setup};
use orm_core::prelude::*;
use orm_core::{Error, ObjectState};

#[derive(Model, Debug, Default)]
#[model(table = "parent")]
pub struct Parent {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    #[relationship(back_populates = "parent")]
    pub children: Many<Child>,
    #[relationship(back_populates = "owner", cascade = "all, delete-orphan")]
    pub toys: Many<Toy>,
    #[relationship(secondary = "tagging", back_populates = "parents")]
    pub tags: Many<Tag>,
}

#[derive(Model, Debug, Default)]
#[model(table = "child")]
pub struct Child {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    #[column(foreign_key = "parent.id")]
    pub parent_id: Option<i64>,
    #[relationship(back_populates = "children")]
    pub parent: One<Parent>,
}

#[derive(Model, Debug, Default)]
#[model(table = "toy")]
pub struct Toy {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    #[column(foreign_key = "parent.id")]
    pub owner_id: Option<i64>,
    #[relationship(back_populates = "toys")]
    pub owner: One<Parent>,
}

#[derive(Model, Debug, Default)]
#[model(table = "tag")]
pub struct Tag {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    #[relationship(secondary = "tagging", back_populates = "tags")]
    pub parents: Many<Parent>,
}

#[derive(Table)]
#[table(name = "tagging")]
pub struct Tagging {
    #[column(primary_key, foreign_key = "parent.id")]
    pub parent_id: i64,
    #[column(primary_key, foreign_key = "tag.id")]
    pub tag_id: i64,
}

fn registry() -> std::sync::Arc<Registry> {
    Registry::builder().model::<Parent>().build().unwrap()
}

fn named<T: Model + Default>(name: &str, set: impl Fn(&mut T, String)) -> Obj<T> {
    let mut value = T::default();
    set(&mut value, name.into());
    Obj::new(value)
}

fn child(name: &str) -> Obj<Child> {
    named(name, |c: &mut Child, n| c.name = n)
}

fn toy(name: &str) -> Obj<Toy> {
    named(name, |t: &mut Toy, n| t.name = n)
}

fn tag(name: &str) -> Obj<Tag> {
    named(name, |t: &mut Tag, n| t.name = n)
}

fn names(children: &[Obj<Child>]) -> Vec<String> {
    children.iter().map(|c| c.borrow().name.clone()).collect()
}

backend_tests! {
    #[test]
    fn replace_unparents_the_removed_and_attaches_the_new_in_order() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        let p = Obj::new(Parent::default());
        let (a, b, c) = (child("a"), child("b"), child("c"));
        p.append(Parent::children, &a)?;
        p.append(Parent::children, &b)?;
        session.add(&p)?;
        session.commit()?;
        dml(&engine);

        p.replace(Parent::children, [&c, &a])?;
        assert_eq!(names(&p.get(Parent::children)?), ["c", "a"]);
        assert!(b.get(Child::parent)?.is_none());
        assert!(c.get(Child::parent)?.is_some_and(|x| x.ptr_eq(&p)));
        // The new child joined the session at once (attach on append).
        assert_eq!(c.state(), ObjectState::Pending);
        session.commit()?;
        assert_eq!(
            dml(&engine),
            [
                "UPDATE child SET parent_id = ? WHERE id = ? [None, 2]",
                "INSERT INTO child (name, parent_id) VALUES (?, ?) ['c', 1]",
            ]
        );
        assert_eq!(
            rows(&engine, "SELECT name, parent_id FROM child ORDER BY name"),
            ["'a', 1", "'b', None", "'c', 1"]
        );
        Ok(())
    }

    #[test]
    fn replace_deletes_orphans_with_delete_orphan() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        let p = Obj::new(Parent::default());
        p.append(Parent::toys, &toy("old"))?;
        session.add(&p)?;
        session.commit()?;
        dml(&engine);
        p.replace(Parent::toys, [toy("new")])?;
        session.commit()?;
        assert_eq!(
            dml(&engine),
            // Nothing references `toy`, so the orphan goes first.
            [
                "DELETE FROM toy WHERE id = ? [1]",
                "INSERT INTO toy (name, owner_id) VALUES (?, ?) ['new', 1]",
            ]
        );
        Ok(())
    }

    #[test]
    fn replace_on_many_to_many_writes_the_association_rows() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        let p = Obj::new(Parent::default());
        let (x, y, z) = (tag("x"), tag("y"), tag("z"));
        p.append(Parent::tags, &x)?;
        p.append(Parent::tags, &y)?;
        session.add(&p)?;
        session.commit()?;
        dml(&engine);
        p.replace(Parent::tags, [&y, &z])?;
        assert!(x.get(Tag::parents)?.is_empty());
        assert!(z.get(Tag::parents)?.iter().eq([&p]));
        session.commit()?;
        assert_eq!(
            rows(
                &engine,
                "SELECT parent_id, tag_id FROM tagging ORDER BY tag_id"
            ),
            ["1, 2", "1, 3"]
        );
        Ok(())
    }

    #[test]
    fn replace_loads_an_unloaded_collection_first() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        let p = Obj::new(Parent::default());
        p.append(Parent::children, &child("a"))?;
        session.add(&p)?;
        session.commit()?;
        drop((session, p));
        let session = Session::new(&engine, &registry);
        let p = session.get::<Parent>(1)?.expect("row");
        engine.take_recorded();
        p.replace(Parent::children, [child("b")])?;
        assert_eq!(
            selects(&engine),
            ["SELECT id, name, parent_id FROM child WHERE parent_id = ? [1]"]
        );
        session.commit()?;
        assert_eq!(
            rows(&engine, "SELECT name, parent_id FROM child ORDER BY name"),
            ["'a', None", "'b', 1"]
        );
        Ok(())
    }

    #[test]
    fn a_failed_replace_changes_nothing() -> orm_core::Result<()> {
        let p = Obj::new(Parent::default());
        let (a, b, c) = (child("a"), child("b"), child("c"));
        p.append(Parent::children, &a)?;
        p.append(Parent::children, &b)?;
        let guard = c.borrow();
        let err = p.replace(Parent::children, [&c]).unwrap_err();
        assert!(matches!(err, Error::Borrowed { model: "Child" }), "{err}");
        drop(guard);
        assert_eq!(names(&p.get(Parent::children)?), ["a", "b"]);
        assert!(a.get(Child::parent)?.is_some_and(|x| x.ptr_eq(&p)));
        assert!(c.get(Child::parent)?.is_none());
        Ok(())
    }

    #[test]
    fn clear_and_add_all() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        let parents: Vec<Obj<Parent>> = (0..3).map(|_| Obj::new(Parent::default())).collect();
        parents[0].append(Parent::children, &child("a"))?;
        parents[0].append(Parent::children, &child("b"))?;
        session.add_all(&parents)?;
        assert!(parents.iter().all(|p| p.state() == ObjectState::Pending));
        session.commit()?;
        assert_eq!(rows(&engine, "SELECT COUNT(*) FROM parent"), ["3"]);
        parents[0].clear(Parent::children)?;
        assert!(parents[0].get(Parent::children)?.is_empty());
        session.commit()?;
        assert_eq!(
            rows(&engine, "SELECT name, parent_id FROM child ORDER BY name"),
            ["'a', None", "'b', None"]
        );
        Ok(())
    }
}
