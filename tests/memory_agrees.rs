//! After every flush, memory agrees with the rows: what the flush could
//! have changed without in-memory sync is unloaded and read again on next
//! use.

#[macro_use]
mod common;

use common::{rows, selects, setup};
use orm_core::prelude::*;

#[derive(Model, Debug, Default)]
#[model(table = "parent")]
pub struct Parent {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    #[relationship(back_populates = "parent")]
    pub children: Many<Child>,
    /// A second, read-only view of the same rows.
    #[relationship(viewonly)]
    pub all_children: Many<Child>,
    #[relationship(back_populates = "user", uselist = false)]
    pub profile: One<Profile>,
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
#[model(table = "profile")]
pub struct Profile {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[column(foreign_key = "parent.id", unique)]
    pub user_id: Option<i64>,
    #[relationship(back_populates = "profile")]
    pub user: One<Parent>,
}

fn registry() -> std::sync::Arc<Registry> {
    Registry::builder().model::<Parent>().build().unwrap()
}

fn parent(name: &str) -> Obj<Parent> {
    Obj::new(Parent {
        name: name.into(),
        ..Default::default()
    })
}

fn child(name: &str) -> Obj<Child> {
    Obj::new(Child {
        name: name.into(),
        ..Default::default()
    })
}

fn names(children: Vec<Obj<Child>>) -> Vec<String> {
    children.iter().map(|c| c.borrow().name.clone()).collect()
}

backend_tests! {
    #[test]
    fn a_foreign_key_set_by_hand_moves_the_object_after_the_flush() -> orm_core::Result<()> {
        let registry = registry();
        let (_engine, session) = setup(&registry);
        let (p1, p2) = (parent("p1"), parent("p2"));
        let c = child("c");
        p1.append(Parent::children, &c)?;
        p2.append(Parent::children, &child("d"))?;
        session.add_all([&p1, &p2])?;
        session.commit()?;
        // Both collections and the many-to-one are loaded; the key changes by hand.
        assert_eq!(names(p2.get(Parent::children)?), ["d"]);
        c.borrow_mut().parent_id = p2.borrow().id;
        session.commit()?;
        assert!(c.get(Child::parent)?.is_some_and(|p| p.ptr_eq(&p2)));
        assert!(p1.get(Parent::children)?.is_empty());
        // A collection without `order_by` comes in the database's order: an
        // updated row moves to the end of a PostgreSQL table.
        let mut moved = names(p2.get(Parent::children)?);
        moved.sort();
        assert_eq!(moved, ["c", "d"]);
        Ok(())
    }

    #[test]
    fn a_one_to_one_cleared_while_unloaded_does_not_leave_a_stale_reference() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        let user = parent("u");
        user.set(Parent::profile, &Obj::new(Profile::default()))?;
        session.add(&user)?;
        session.commit()?;
        drop((session, user));

        let session = Session::new(&engine, &registry);
        let user = session.get::<Parent>(1)?.expect("user");
        let profile = session.get::<Profile>(1)?.expect("profile");
        // The old profile is not loaded on the user's side.
        user.set(Parent::profile, None)?;
        assert!(
            profile.get(Profile::user)?.is_some(),
            "the row still says so"
        );
        session.commit()?;
        assert_eq!(
            rows(&engine, "SELECT id, user_id FROM profile"),
            ["1, None"]
        );
        assert_eq!(profile.borrow().user_id, None);
        assert!(profile.get(Profile::user)?.is_none());
        assert!(user.get(Parent::profile)?.is_none());
        Ok(())
    }

    #[test]
    fn a_new_objects_unfilled_collection_reads_the_database_after_the_flush() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        let p = parent("p");
        session.add(&p)?;
        session.commit()?;
        // Another writer gives the new parent a child.
        engine.execute(
            "INSERT INTO child (name, parent_id) VALUES ('late', 1)",
            &[],
        )?;
        engine.take_recorded();
        assert_eq!(names(p.get(Parent::children)?), ["late"]);
        assert_eq!(selects(&engine).len(), 1);
        // A filled collection of a new object stays as it is: no SELECT.
        let q = parent("q");
        q.append(Parent::children, &child("x"))?;
        session.add(&q)?;
        session.commit()?;
        engine.take_recorded();
        assert_eq!(names(q.get(Parent::children)?), ["x"]);
        assert!(selects(&engine).is_empty());
        Ok(())
    }

    #[test]
    fn a_viewonly_collection_sees_rows_written_through_the_writable_side() -> orm_core::Result<()> {
        let registry = registry();
        let (_engine, session) = setup(&registry);
        let p = parent("p");
        p.append(Parent::children, &child("a"))?;
        session.add(&p)?;
        session.commit()?;
        assert_eq!(names(p.get(Parent::all_children)?), ["a"]);
        p.append(Parent::children, &child("b"))?;
        // Not synced in memory before the flush (viewonly never is)...
        assert_eq!(names(p.get(Parent::all_children)?), ["a"]);
        session.commit()?;
        // ...but read again after it.
        assert_eq!(names(p.get(Parent::all_children)?), ["a", "b"]);
        Ok(())
    }
}
