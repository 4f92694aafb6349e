//! Statements the flush sends together: consecutive new rows of one table
//! go to the database in multi-row `INSERT ... VALUES (..), (..) RETURNING
//! <key>` statements (SQLAlchemy's "insertmanyvalues"), on SQLite as on
//! PostgreSQL, and each generated key reaches its own object; consecutive
//! UPDATEs with the same text run as one prepared statement (in runs of
//! at most 1,024 rows), each still checked to match its row.

#[macro_use]
mod common;

use common::{backend, normalize, rows, setup, Backend};
use orm_core::prelude::*;

#[derive(Model, Debug, Default)]
#[model(table = "parent")]
pub struct Parent {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    #[relationship(back_populates = "parent")]
    pub children: Many<Child>,
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

/// Many-to-many: a writer's tags.
#[derive(Table)]
#[table(name = "writer_tag")]
pub struct WriterTag {
    #[column(primary_key, foreign_key = "writer.id")]
    pub writer_id: i64,
    #[column(primary_key, foreign_key = "tag.id")]
    pub tag_id: i64,
}

#[derive(Model, Debug, Default)]
#[model(table = "writer")]
pub struct Writer {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    #[relationship(secondary = WriterTag, back_populates = "writers")]
    pub tags: Many<Tag>,
}

#[derive(Model, Debug, Default)]
#[model(table = "tag")]
pub struct Tag {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    #[relationship(secondary = WriterTag, back_populates = "tags")]
    pub writers: Many<Writer>,
}

fn registry() -> std::sync::Arc<Registry> {
    Registry::builder()
        .model::<Parent>()
        .model::<Child>()
        .model::<Writer>()
        .model::<Tag>()
        .build()
        .expect("registry")
}

backend_tests! {
    #[test]
    fn new_rows_of_one_table_go_in_batches_of_up_to_64() -> orm_core::Result<()> {
        let (engine, session) = setup(&registry());
        let parent = Obj::new(Parent { name: "p".into(), ..Default::default() });
        let children: Vec<Obj<Child>> = (0..100)
            .map(|i| Obj::new(Child { name: format!("c{i}"), ..Default::default() }))
            .collect();
        for child in &children {
            parent.append(Parent::children, child)?;
        }
        session.add(&parent)?;
        session.commit()?;

        // As sent: the parent alone, then the children in statements of
        // 64, 32 and 4 rows (powers of two, so a table has a few statement
        // texts), each reading the generated keys back.
        let inserts: Vec<(String, bool, usize)> = engine
            .take_recorded()
            .into_iter()
            .filter(|s| s.sql.starts_with("INSERT"))
            .map(|s| (normalize(&s.sql), s.sql.ends_with(" RETURNING id"), s.params.len()))
            .collect();
        let values = |n: usize| vec!["(?, ?)"; n].join(", ");
        assert_eq!(
            inserts,
            [
                // One row: SQLite reads its key from the connection.
                (
                    "INSERT INTO parent (name) VALUES (?)".to_owned(),
                    backend() == Backend::Postgres,
                    1
                ),
                (format!("INSERT INTO child (name, parent_id) VALUES {}", values(64)), true, 128),
                (format!("INSERT INTO child (name, parent_id) VALUES {}", values(32)), true, 64),
                (format!("INSERT INTO child (name, parent_id) VALUES {}", values(4)), true, 8),
            ]
        );

        // Each object holds the key of its own row.
        let in_memory: Vec<String> = children
            .iter()
            .map(|c| {
                let c = c.borrow();
                format!("{}, '{}', {}", c.id.unwrap(), c.name, c.parent_id.unwrap())
            })
            .collect();
        let parent_id = parent.borrow().id.unwrap();
        assert!(in_memory.iter().all(|r| r.ends_with(&format!(", {parent_id}"))));
        assert_eq!(
            rows(&engine, "SELECT id, name, parent_id FROM child ORDER BY id"),
            in_memory
        );
        Ok(())
    }

    #[test]
    fn a_batch_splits_where_the_rows_change_shape() -> orm_core::Result<()> {
        // 70 new children; the 11th to 13th come with their own keys, so
        // their INSERT lists the key column and needs none read back.
        let (engine, session) = setup(&registry());
        let parent = Obj::new(Parent { name: "p".into(), ..Default::default() });
        let children: Vec<Obj<Child>> = (0..70)
            .map(|i| {
                let id = (10..13).contains(&i).then_some(1000 + i);
                Obj::new(Child { id, name: format!("c{i}"), ..Default::default() })
            })
            .collect();
        for child in &children {
            parent.append(Parent::children, child)?;
        }
        session.add(&parent)?;
        session.commit()?;
        let child_inserts: Vec<(bool, usize)> = engine
            .take_recorded()
            .into_iter()
            .filter(|s| s.sql.starts_with("INSERT INTO child"))
            .map(|s| (s.sql.contains("(id, name, parent_id)"), s.params.len()))
            .collect();
        // Runs of one shape, each in statements of a power of two rows.
        assert_eq!(
            child_inserts,
            [(false, 16), (false, 4), (true, 6), (true, 3), (false, 64), (false, 32), (false, 16), (false, 2)]
        );
        let in_memory: Vec<String> = children
            .iter()
            .map(|c| {
                let c = c.borrow();
                format!("{}, '{}'", c.id.unwrap(), c.name)
            })
            .collect();
        assert_eq!(in_memory[10..13], ["1010, 'c10'", "1011, 'c11'", "1012, 'c12'"]);
        let mut stored = rows(&engine, "SELECT id, name FROM child");
        let mut expected = in_memory.clone();
        stored.sort();
        expected.sort();
        assert_eq!(stored, expected);
        Ok(())
    }

    #[test]
    fn association_rows_go_to_the_database_together() -> orm_core::Result<()> {
        // 100 association rows: the backend sends them in a few multi-row
        // statements; what is recorded (and logged) is the one-row INSERT
        // the unit of work wrote, with a row of parameters per link.
        let (engine, session) = setup(&registry());
        let writer = Obj::new(Writer { name: "w".into(), ..Default::default() });
        let tags: Vec<Obj<Tag>> = (0..100)
            .map(|i| Obj::new(Tag { name: format!("t{i}"), ..Default::default() }))
            .collect();
        for tag in &tags {
            writer.append(Writer::tags, tag)?;
        }
        session.add(&writer)?;
        engine.take_recorded();
        session.commit()?;
        let links: Vec<String> = engine
            .take_recorded()
            .into_iter()
            .filter(|s| s.sql.contains("writer_tag"))
            .map(|s| normalize(&s.sql))
            .collect();
        assert_eq!(links, ["INSERT INTO writer_tag (writer_id, tag_id) VALUES (?, ?)"]);
        let mut stored = rows(
            &engine,
            "SELECT tag.name FROM writer_tag JOIN tag ON tag.id = writer_tag.tag_id",
        );
        stored.sort();
        let mut expected: Vec<String> = (0..100).map(|i| format!("'t{i}'")).collect();
        expected.sort();
        assert_eq!(stored, expected);
        Ok(())
    }

    #[test]
    fn a_failing_association_row_fails_its_whole_batch() -> orm_core::Result<()> {
        // The 51st of 100 new links is already in the table (written by
        // raw SQL after the collection was loaded, so the session does not
        // know): the flush fails with a unique violation, no link of it
        // stays, and the session rolls back to what the database holds.
        let (engine, session) = setup(&registry());
        let writer = Obj::new(Writer { name: "w".into(), ..Default::default() });
        let tags: Vec<Obj<Tag>> = (0..100)
            .map(|i| Obj::new(Tag { name: format!("t{i}"), ..Default::default() }))
            .collect();
        session.add(&writer)?;
        session.add_all(&tags)?;
        session.commit()?;
        assert!(writer.get(Writer::tags)?.is_empty());
        let writer_id = writer.borrow().id.unwrap();
        let taken = tags[50].borrow().id.unwrap();
        engine.execute(
            "INSERT INTO writer_tag (writer_id, tag_id) VALUES (?, ?)",
            &[writer_id.into(), taken.into()],
        )?;
        for tag in &tags {
            writer.append(Writer::tags, tag)?;
        }
        let err = session.commit().unwrap_err();
        assert_eq!(err.db_kind(), Some(orm_core::DbErrorKind::UniqueViolation), "{err}");
        assert_eq!(rows(&engine, "SELECT tag_id FROM writer_tag"), [taken.to_string()]);
        session.rollback()?;
        assert_eq!(rows(&engine, "SELECT count(*) FROM writer_tag"), ["1"]);
        Ok(())
    }

    #[test]
    fn batches_follow_the_dependency_order() -> orm_core::Result<()> {
        // Parents before their children, each table in one statement.
        let (engine, session) = setup(&registry());
        let mut all = Vec::new();
        for p in 0..3 {
            let parent = Obj::new(Parent { name: format!("p{p}"), ..Default::default() });
            for c in 0..2 {
                let child = Obj::new(Child { name: format!("p{p}c{c}"), ..Default::default() });
                parent.append(Parent::children, &child)?;
            }
            all.push(parent);
        }
        session.add_all(&all)?;
        session.commit()?;
        let inserts: Vec<String> = engine
            .take_recorded()
            .into_iter()
            .filter(|s| s.sql.starts_with("INSERT"))
            .map(|s| normalize(&s.sql))
            .collect();
        assert_eq!(
            inserts,
            [
                "INSERT INTO parent (name) VALUES (?), (?)",
                "INSERT INTO parent (name) VALUES (?)",
                "INSERT INTO child (name, parent_id) VALUES (?, ?), (?, ?), (?, ?), (?, ?)",
                "INSERT INTO child (name, parent_id) VALUES (?, ?), (?, ?)",
            ]
        );
        assert_eq!(
            rows(
                &engine,
                "SELECT child.name, parent.name FROM child JOIN parent ON parent.id = child.parent_id ORDER BY child.name"
            ),
            ["'p0c0', 'p0'", "'p0c1', 'p0'", "'p1c0', 'p1'", "'p1c1', 'p1'", "'p2c0', 'p2'", "'p2c1', 'p2'"]
        );
        Ok(())
    }
}

backend_tests! {
    #[test]
    fn updates_with_one_text_run_together_and_each_must_match_its_row() -> orm_core::Result<()> {
        let (engine, session) = setup(&registry());
        let children: Vec<Obj<Child>> = (0..3)
            .map(|i| Obj::new(Child { name: format!("c{i}"), ..Default::default() }))
            .collect();
        session.add_all(&children)?;
        session.commit()?;
        for child in &children {
            let mut child = child.borrow_mut();
            child.name.push('!');
        }
        session.commit()?;
        assert_eq!(
            common::dml(&engine),
            [
                "INSERT INTO child (name, parent_id) VALUES (?, ?) ['c0', None]",
                "INSERT INTO child (name, parent_id) VALUES (?, ?) ['c1', None]",
                "INSERT INTO child (name, parent_id) VALUES (?, ?) ['c2', None]",
                "UPDATE child SET name = ? WHERE id = ? ['c0!', 1]",
                "UPDATE child SET name = ? WHERE id = ? ['c1!', 2]",
                "UPDATE child SET name = ? WHERE id = ? ['c2!', 3]",
            ]
        );

        // The second row goes behind the session's back: its UPDATE matches
        // nothing, and the flush fails with that row's key once the
        // statement has run for every row, and rolls back.
        engine.execute("DELETE FROM child WHERE id = 2", &[])?;
        for child in &children {
            child.borrow_mut().name.push('?');
        }
        let err = session.commit().unwrap_err();
        assert!(
            matches!(&err, orm_core::Error::StaleData { key, operation: "UPDATE", matched: 0, .. } if key == "2"),
            "{err:?}"
        );
        assert_eq!(
            common::dml(&engine),
            [
                "DELETE FROM child WHERE id = 2",
                "UPDATE child SET name = ? WHERE id = ? ['c0!?', 1]",
                "UPDATE child SET name = ? WHERE id = ? ['c1!?', 2]",
                "UPDATE child SET name = ? WHERE id = ? ['c2!?', 3]",
            ]
        );
        assert_eq!(rows(&engine, "SELECT id, name FROM child ORDER BY id"), ["1, 'c0!'", "3, 'c2!'"]);
        Ok(())
    }
}

backend_tests! {
    /// Many changed rows: their UPDATEs run in runs of at most 1,024 (the
    /// flush does not hold every row's parameters at once), in key order;
    /// a row that no longer matches fails the flush at the end of its run,
    /// before the later runs, and the transaction rolls back.
    #[test]
    fn many_updates_run_in_bounded_runs() -> orm_core::Result<()> {
        const N: usize = 2_500;
        let (engine, session) = setup(&registry());
        let children: Vec<Obj<Child>> = (0..N)
            .map(|i| Obj::new(Child { name: format!("c{i}"), ..Default::default() }))
            .collect();
        session.add_all(&children)?;
        session.commit()?;
        common::dml(&engine);
        for child in &children {
            child.borrow_mut().name.push('!');
        }
        session.commit()?;
        let updates = common::dml(&engine);
        assert_eq!(updates.len(), N);
        for (i, sql) in updates.iter().enumerate() {
            assert_eq!(sql, &format!("UPDATE child SET name = ? WHERE id = ? ['c{i}!', {}]", i + 1));
        }
        assert_eq!(
            rows(&engine, "SELECT count(*) FROM child WHERE name LIKE '%!'"),
            [N.to_string()]
        );

        // Row 1,500 (in the second run) is gone: the second run fails, the
        // third never starts, and nothing stays written.
        engine.execute("DELETE FROM child WHERE id = 1500", &[])?;
        common::dml(&engine);
        for child in &children {
            child.borrow_mut().name.push('?');
        }
        let err = session.commit().unwrap_err();
        assert!(
            matches!(&err, orm_core::Error::StaleData { key, matched: 0, .. } if key == "1500"),
            "{err:?}"
        );
        assert_eq!(common::dml(&engine).len(), 2 * 1024);
        assert_eq!(
            rows(&engine, "SELECT count(*) FROM child WHERE name LIKE '%?'"),
            ["0"]
        );
        Ok(())
    }
}

/// A table whose largest rowid is the largest integer makes SQLite draw new
/// rowids at random (tables the library creates use `AUTOINCREMENT`, which
/// fails instead): the keys of a multi-row INSERT then cannot be matched
/// to the rows, and the flush fails and rolls back instead of giving keys
/// to the wrong objects.
#[test]
fn sqlite_keys_drawn_at_random_fail_the_flush() {
    let engine = orm_sqlite::memory().expect("in-memory database");
    engine
        .execute(
            "CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT NOT NULL)",
            &[],
        )
        .unwrap();
    engine
        .execute(
            "CREATE TABLE child (id INTEGER PRIMARY KEY, name TEXT NOT NULL, parent_id INTEGER)",
            &[],
        )
        .unwrap();
    engine
        .execute(
            "INSERT INTO child (id, name) VALUES (9223372036854775807, 'last')",
            &[],
        )
        .unwrap();
    let session = Session::new(&engine, &registry());
    let children: Vec<Obj<Child>> = (0..8)
        .map(|i| {
            Obj::new(Child {
                name: format!("c{i}"),
                ..Default::default()
            })
        })
        .collect();
    session.add_all(&children).unwrap();
    let err = session.commit().unwrap_err();
    assert!(
        matches!(&err, orm_core::Error::Internal(m) if m.contains("out of order")),
        "{err:?}"
    );
    // Nothing was written, and the objects are pending again, without keys.
    assert_eq!(rows(&engine, "SELECT count(*) FROM child"), ["1"]);
    assert!(children.iter().all(|c| c.borrow().id.is_none()));
    session.rollback().unwrap();
    assert!(children.iter().all(|c| c.borrow().id.is_none()));
}
