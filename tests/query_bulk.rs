//! Bulk UPDATE and DELETE of the rows a query matches, one statement each,
//! on both backends: the SQL sent, the rows, and the objects already in the
//! session (new values as their committed state, or deleted and taken out
//! of related collections), through commit and rollback.

#[macro_use]
mod common;

use common::{dml, rows, setup, sql};
use orm_core::prelude::*;
use orm_core::{Error, ObjectState};

#[derive(Model, Debug, Default)]
pub struct Shelf {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    #[relationship(back_populates = "shelf")]
    pub books: Many<Volume>,
}

#[derive(Model, Debug, Default)]
pub struct Volume {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[column(foreign_key = "shelf.id")]
    pub shelf_id: Option<i64>,
    pub title: String,
    pub year: i64,
    pub copies: i32,
    pub note: Option<String>,
    #[relationship(back_populates = "books")]
    pub shelf: One<Shelf>,
}

/// A counter with an unsigned column, for values the database cannot store.
#[derive(Model, Debug, Default)]
pub struct Tally {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub n: u64,
}

fn registry() -> std::sync::Arc<Registry> {
    Registry::builder().model::<Shelf>().build().unwrap()
}

/// Shelf "old" (id 1): v1 "a" 1990 (2 copies), v2 "b" 1995 (1); shelf
/// "new" (id 2): v3 "c" 2020 (5). Every object stays loaded.
fn stored(engine: &Engine, session: &Session) -> orm_core::Result<(Obj<Shelf>, Vec<Obj<Volume>>)> {
    let old = Obj::new(Shelf {
        name: "old".into(),
        ..Default::default()
    });
    let new = Obj::new(Shelf {
        name: "new".into(),
        ..Default::default()
    });
    let volume = |title: &str, year, copies| {
        Obj::new(Volume {
            title: title.into(),
            year,
            copies,
            ..Default::default()
        })
    };
    let volumes = vec![
        volume("a", 1990, 2),
        volume("b", 1995, 1),
        volume("c", 2020, 5),
    ];
    old.append(Shelf::books, &volumes[0])?;
    old.append(Shelf::books, &volumes[1])?;
    new.append(Shelf::books, &volumes[2])?;
    session.add_all([&old, &new])?;
    session.commit()?;
    engine.take_recorded();
    Ok((old, volumes))
}

backend_tests! {
    #[test]
    fn update_sets_values_and_expressions_and_loaded_objects_follow() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        let (_, v) = stored(&engine, &session)?;
        let changed = session
            .query::<Volume>()
            .filter(Volume::year.lt(2000))
            .update((
                Volume::year.set(2001),
                Volume::copies.set(Volume::copies + 10),
                Volume::note.set("reprint"),
            ))?;
        assert_eq!(changed, 2);
        assert_eq!(
            sql(&engine),
            [
                "BEGIN",
                "UPDATE volume SET year = ?, copies = copies + ?, note = ? WHERE year < ? RETURNING id, year, copies, note [2001, 10, 'reprint', 2000]",
            ]
        );
        // The loaded objects have the new values, and no change to flush.
        assert_eq!((v[0].borrow().year, v[0].borrow().copies, v[0].borrow().note.as_deref()), (2001, 12, Some("reprint")));
        assert_eq!((v[1].borrow().year, v[1].borrow().copies), (2001, 11));
        assert_eq!((v[2].borrow().year, v[2].borrow().copies, v[2].borrow().note.clone()), (2020, 5, None));
        session.commit()?;
        assert!(dml(&engine).is_empty(), "the committed snapshots hold the new values");
        assert_eq!(
            rows(&engine, "SELECT id, year, copies, note FROM volume ORDER BY id"),
            ["1, 2001, 12, 'reprint'", "2, 2001, 11, 'reprint'", "3, 2020, 5, None"]
        );
        // A later change to another column writes only that column.
        v[0].borrow_mut().title = "a2".into();
        session.commit()?;
        assert_eq!(dml(&engine), ["UPDATE volume SET title = ? WHERE id = ? ['a2', 1]"]);
        // Multiplication, subtraction, a NULL, an array of assignments, no filter.
        let all = session.query::<Volume>().update([Volume::copies.set(Volume::copies * 2), Volume::note.set(None::<String>)])?;
        assert_eq!(all, 3);
        session.query::<Volume>().filter(Volume::id.eq(3)).update(Volume::copies.set(Volume::copies - 1))?;
        assert_eq!((v[0].borrow().copies, v[2].borrow().copies, v[2].borrow().note.clone()), (24, 9, None));
        assert_eq!(
            dml(&engine),
            [
                "UPDATE volume SET copies = copies * ?, note = ? RETURNING id, copies, note [2, None]",
                "UPDATE volume SET copies = copies - ? WHERE id = ? RETURNING id, copies [1, 3]",
            ]
        );
        Ok(())
    }

    #[test]
    fn pending_changes_are_flushed_before_a_bulk_update() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        let (_, v) = stored(&engine, &session)?;
        // In memory only: 1990 becomes 2010, so the bulk update no longer matches it.
        v[0].borrow_mut().year = 2010;
        let changed = session.query::<Volume>().filter(Volume::year.lt(2000)).update(Volume::copies.set(0))?;
        assert_eq!(changed, 1);
        assert_eq!(
            dml(&engine),
            [
                "UPDATE volume SET year = ? WHERE id = ? [2010, 1]",
                "UPDATE volume SET copies = ? WHERE year < ? RETURNING id, copies [0, 2000]",
            ]
        );
        assert_eq!((v[0].borrow().year, v[0].borrow().copies), (2010, 2));
        assert_eq!(v[1].borrow().copies, 0);
        // A new object is inserted first, and updated with the rest.
        let fresh = Obj::new(Volume { title: "d".into(), year: 1900, ..Default::default() });
        session.add(&fresh)?;
        session.query::<Volume>().filter(Volume::year.lt(2000)).update(Volume::copies.set(7))?;
        assert_eq!(fresh.borrow().copies, 7);
        assert_eq!(fresh.state(), ObjectState::Persistent);
        Ok(())
    }

    #[test]
    fn rollback_undoes_a_bulk_update_in_rows_and_objects() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        let (_, v) = stored(&engine, &session)?;
        session.query::<Volume>().filter(Volume::title.eq("a")).update(Volume::year.set(1))?;
        assert_eq!(v[0].borrow().year, 1);
        session.rollback()?;
        assert_eq!(v[0].borrow().year, 1990);
        assert_eq!(rows(&engine, "SELECT year FROM volume WHERE id = 1"), ["1990"]);
        // Inside an explicit transaction: a failing statement leaves it usable.
        session.begin()?;
        session.query::<Volume>().filter(Volume::title.eq("b")).update(Volume::year.set(2))?;
        let failed = session
            .query::<Volume>()
            .filter(Volume::title.eq("c"))
            .update(Volume::shelf_id.set(Some(99)));
        assert!(matches!(&failed, Err(Error::Database(e)) if e.kind == orm_core::DbErrorKind::ForeignKeyViolation), "{failed:?}");
        assert_eq!(v[2].borrow().shelf_id, Some(2));
        session.commit()?;
        assert_eq!(rows(&engine, "SELECT year, shelf_id FROM volume ORDER BY id"), ["1990, 1", "2, 1", "2020, 2"]);
        assert_eq!(v[1].borrow().year, 2);
        Ok(())
    }

    #[test]
    fn delete_removes_rows_and_objects_leave_the_session_and_collections() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        let (old, v) = stored(&engine, &session)?;
        assert_eq!(old.get(Shelf::books)?.len(), 2);
        let gone = session.query::<Volume>().filter(Volume::year.lt(1993) | Volume::title.eq("zzz")).delete()?;
        assert_eq!(gone, 1);
        assert_eq!(
            sql(&engine),
            [
                "BEGIN",
                "DELETE FROM volume WHERE year < ? OR title = ? RETURNING id [1993, 'zzz']",
            ]
        );
        assert_eq!(v[0].state(), ObjectState::Deleted);
        assert!(session.get::<Volume>(1)?.is_none());
        let books = old.get(Shelf::books)?;
        assert_eq!(books.len(), 1, "taken out of the loaded collection");
        assert!(books[0].ptr_eq(&v[1]));
        session.commit()?;
        assert!(dml(&engine).is_empty(), "nothing left to flush for the parent");
        assert_eq!(v[0].state(), ObjectState::Detached);
        assert_eq!(rows(&engine, "SELECT id FROM volume ORDER BY id"), ["2", "3"]);
        // Through an EXISTS on a relationship.
        let emptied = session.query::<Volume>().filter(Volume::shelf.has(Shelf::name.eq("new"))).delete()?;
        assert_eq!(emptied, 1);
        assert_eq!(
            dml(&engine),
            ["DELETE FROM volume WHERE EXISTS (SELECT 1 FROM shelf WHERE shelf.id = volume.shelf_id AND shelf.name = ?) RETURNING id ['new']"]
        );
        assert_eq!(v[2].state(), ObjectState::Deleted);
        Ok(())
    }

    #[test]
    fn rollback_restores_bulk_deleted_objects() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        let (old, v) = stored(&engine, &session)?;
        old.get(Shelf::books)?;
        assert_eq!(session.query::<Volume>().filter(Volume::shelf_id.eq(1)).delete()?, 2);
        assert!(old.get(Shelf::books)?.is_empty());
        session.rollback()?;
        assert_eq!(v[0].state(), ObjectState::Persistent);
        assert!(session.get::<Volume>(1)?.is_some_and(|o| o.ptr_eq(&v[0])));
        assert_eq!(old.get(Shelf::books)?.len(), 2);
        assert_eq!(rows(&engine, "SELECT count(*) FROM volume"), ["3"]);
        // A parent whose children still refer to it: the database refuses.
        let refused = session.query::<Shelf>().filter(Shelf::name.eq("old")).delete();
        assert!(matches!(&refused, Err(Error::Database(e)) if e.kind == orm_core::DbErrorKind::ForeignKeyViolation), "{refused:?}");
        assert_eq!(old.state(), ObjectState::Persistent);
        assert!(!session.in_transaction());
        Ok(())
    }

    #[test]
    fn what_one_statement_cannot_say_is_refused_before_any_sql() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, session) = setup(&registry);
        stored(&engine, &session)?;
        let limited = session.query::<Volume>().limit(1).delete();
        assert!(matches!(limited, Err(Error::UnsupportedBulk { model: "Volume", .. })), "{limited:?}");
        let ordered = session.query::<Volume>().order_by(Volume::year).update(Volume::year.set(1));
        assert!(matches!(ordered, Err(Error::UnsupportedBulk { .. })), "{ordered:?}");
        let key = session.query::<Volume>().update(Volume::id.set(Some(9)));
        assert!(matches!(key, Err(Error::UnsupportedBulk { reason: "a bulk update cannot change a primary key column", .. })), "{key:?}");
        let nothing = session.query::<Volume>().update(Vec::new());
        assert!(matches!(nothing, Err(Error::UnsupportedBulk { .. })), "{nothing:?}");
        assert!(sql(&engine).is_empty());
        // A value no column can hold.
        let registry = Registry::builder().model::<Tally>().build()?;
        let (engine, session) = setup(&registry);
        session.add(&Obj::new(Tally { n: 1, ..Default::default() }))?;
        session.commit()?;
        engine.take_recorded();
        let huge = session.query::<Tally>().update(Tally::n.set(u64::MAX));
        assert!(matches!(huge, Err(Error::Unstorable { .. })), "{huge:?}");
        assert!(sql(&engine).is_empty());
        assert_eq!(session.query::<Tally>().update(Tally::n.set(Tally::n + 1_u64))?, 1);
        assert_eq!(rows(&engine, "SELECT n FROM tally"), ["2"]);
        Ok(())
    }
}
