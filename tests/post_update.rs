//! Rows that depend on each other: `post_update` writes one of the keys
//! with a second UPDATE; without it, the cycle is a clear error.

#[macro_use]
mod common;

use common::{dml, rows, setup};
use orm_core::prelude::*;
use orm_core::Error;

/// SQLAlchemy's widget/entry example: each widget has entries, and points
/// at one favourite entry.
#[derive(Model, Debug, Default)]
pub struct Widget {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[column(foreign_key = "entry.id")]
    pub favorite_entry_id: Option<i64>,
    #[relationship(foreign_keys = "favorite_entry_id", post_update)]
    pub favorite_entry: One<Entry>,
    #[relationship(foreign_keys = "entry.widget_id", back_populates = "widget")]
    pub entries: Many<Entry>,
}

#[derive(Model, Debug, Default)]
pub struct Entry {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[column(foreign_key = "widget.id")]
    pub widget_id: Option<i64>,
    #[relationship(foreign_keys = "widget_id", back_populates = "entries")]
    pub widget: One<Widget>,
}

backend_tests! {
    #[test]
    fn mutually_dependent_rows_with_post_update() -> orm_core::Result<()> {
        let registry = Registry::builder().model::<Widget>().build()?;
        assert_eq!(registry.tables(), ["widget", "entry"]);
        let (engine, session) = setup(&registry);
        let w = Obj::new(Widget::default());
        let e = Obj::new(Entry::default());
        w.append(Widget::entries, &e)?;
        w.set(Widget::favorite_entry, &e)?;
        session.add(&w)?;
        session.commit()?;
        assert_eq!(
            dml(&engine),
            [
                "INSERT INTO widget (favorite_entry_id) VALUES (?) [None]",
                "INSERT INTO entry (widget_id) VALUES (?) [1]",
                "UPDATE widget SET favorite_entry_id = ? WHERE id = ? [1, 1]",
            ]
        );
        assert_eq!(
            rows(&engine, "SELECT id, favorite_entry_id FROM widget"),
            ["1, 1"]
        );

        // Deleting both: the post-updated key is cleared first.
        session.delete(&e)?;
        session.delete(&w)?;
        session.commit()?;
        assert_eq!(
            dml(&engine),
            [
                "UPDATE widget SET favorite_entry_id = ? WHERE id = ? [None, 1]",
                "DELETE FROM entry WHERE id = ? [1]",
                "DELETE FROM widget WHERE id = ? [1]",
            ]
        );
        assert!(rows(&engine, "SELECT * FROM widget").is_empty());
        Ok(())
    }
}

#[derive(Model, Debug, Default)]
#[model(table = "node")]
pub struct Node {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[column(foreign_key = "node.id")]
    pub parent_id: Option<i64>,
    #[relationship(back_populates = "children")]
    pub parent: One<Node>,
    #[relationship(back_populates = "parent")]
    pub children: Many<Node>,
}

backend_tests! {
    #[test]
    fn a_row_cycle_without_post_update_is_an_error() -> orm_core::Result<()> {
        let registry = Registry::builder().model::<Node>().build()?;
        let (engine, session) = setup(&registry);
        let a = Obj::new(Node::default());
        let b = Obj::new(Node::default());
        a.set(Node::parent, &b)?;
        b.set(Node::parent, &a)?;
        session.add(&a)?;
        let err = session.flush().unwrap_err();
        assert!(matches!(err, Error::Cycle { model: "Node", .. }), "{err}");
        assert_eq!(
            err.to_string(),
            "the rows of Node (table node) depend on each other in a cycle; add `post_update = true` to Node.parent"
        );
        assert!(dml(&engine).is_empty(), "nothing was sent");
        Ok(())
    }
}

mod buddies {
    use super::*;

    /// Two rows of one table pointing at each other.
    #[derive(Model, Debug, Default)]
    pub struct Person {
        #[column(primary_key)]
        pub id: Option<i64>,
        #[column(foreign_key = "person.id")]
        pub buddy_id: Option<i64>,
        #[relationship(post_update)]
        pub buddy: One<Person>,
    }
}

backend_tests! {
    #[test]
    fn two_rows_of_one_table_pointing_at_each_other() -> orm_core::Result<()> {
        use buddies::Person;
        let registry = Registry::builder().model::<Person>().build()?;
        let (engine, session) = setup(&registry);
        let a = Obj::new(Person::default());
        let b = Obj::new(Person::default());
        a.set(Person::buddy, &b)?;
        b.set(Person::buddy, &a)?;
        session.add(&a)?;
        session.commit()?;
        assert_eq!(
            dml(&engine),
            [
                "INSERT INTO person (buddy_id) VALUES (?) [None]",
                "INSERT INTO person (buddy_id) VALUES (?) [None]",
                "UPDATE person SET buddy_id = ? WHERE id = ? [2, 1]",
                "UPDATE person SET buddy_id = ? WHERE id = ? [1, 2]",
            ]
        );
        session.delete(&a)?;
        session.delete(&b)?;
        session.commit()?;
        assert_eq!(
            dml(&engine),
            [
                "UPDATE person SET buddy_id = ? WHERE id = ? [None, 1]",
                "UPDATE person SET buddy_id = ? WHERE id = ? [None, 2]",
                "DELETE FROM person WHERE id = ? [1]",
                "DELETE FROM person WHERE id = ? [2]",
            ]
        );
        assert!(rows(&engine, "SELECT * FROM person").is_empty());
        Ok(())
    }
}

/// SQLite resolves a reference when rows are written (and cannot add a
/// constraint to a table later), so every key stays inside `CREATE TABLE`;
/// PostgreSQL adds the key to the table created later afterwards
/// (`tests/postgres.rs`).
#[test]
fn tables_that_refer_to_each_other_keep_their_keys_inline_on_sqlite() -> orm_core::Result<()> {
    let registry = Registry::builder().model::<Widget>().build()?;
    let dialect = orm_sqlite::SqliteDialect;
    assert!(registry.add_foreign_key_sql(&dialect).is_empty());
    let tables = registry.create_table_sql(&dialect);
    assert!(
        tables[0].contains("FOREIGN KEY (favorite_entry_id) REFERENCES entry (id)"),
        "{tables:?}"
    );
    assert_eq!(
        registry.schema_sql(&dialect).len(),
        4,
        "2 tables, 2 indexes"
    );
    Ok(())
}
