//! Schema features `create_all` emits: column and composite indexes (and
//! the opt-out of a foreign key's default index), composite UNIQUE and
//! CHECK constraints, enforced by the database; `drop_all`. On SQLite and
//! PostgreSQL.

#[macro_use]
mod common;

use common::{engine, rows};
use orm_core::prelude::*;
use orm_core::DbErrorKind;

#[derive(Model, Debug, Default)]
#[model(
    unique(shelf_id, position),
    index(title, year),
    check = "year > 0",
    check = "pos >= 0"
)]
pub struct Book {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[column(index)]
    pub title: String,
    pub year: i64,
    #[column(foreign_key = "shelf.id")]
    pub shelf_id: Option<i64>,
    #[column(name = "pos")]
    pub position: i64,
    /// A foreign key whose default index is turned off.
    #[column(foreign_key = "shelf.id", index = false)]
    pub previous_shelf_id: Option<i64>,
}

#[derive(Model, Debug, Default)]
pub struct Shelf {
    #[column(primary_key)]
    pub id: Option<i64>,
}

fn registry() -> std::sync::Arc<Registry> {
    Registry::builder()
        .model::<Shelf>()
        .model::<Book>()
        .build()
        .unwrap()
}

fn book(title: &str, year: i64, shelf: i64, position: i64) -> Obj<Book> {
    Obj::new(Book {
        title: title.into(),
        year,
        shelf_id: Some(shelf),
        position,
        ..Default::default()
    })
}

#[test]
fn create_all_emits_the_declared_indexes_and_constraints() {
    let dialect = orm_sqlite::SqliteDialect;
    let registry = registry();
    let tables = registry.create_table_sql(&dialect);
    let book_table = tables
        .iter()
        .find(|t| t.contains("TABLE IF NOT EXISTS book"))
        .unwrap();
    assert!(
        book_table.contains("\tUNIQUE (shelf_id, pos),\n"),
        "{book_table}"
    );
    // CHECK takes SQL: column names, not field names.
    assert!(
        book_table.contains("\tCHECK (year > 0),\n\tCHECK (pos >= 0),\n"),
        "{book_table}"
    );
    assert_eq!(
        registry.create_index_sql(&dialect),
        [
            // The foreign key, then the column index, then the composite
            // one; previous_shelf_id opted out.
            "CREATE INDEX IF NOT EXISTS ix_book_shelf_id ON book (shelf_id)",
            "CREATE INDEX IF NOT EXISTS ix_book_title ON book (title)",
            "CREATE INDEX IF NOT EXISTS ix_book_title_year ON book (title, year)",
        ]
    );
    assert_eq!(
        registry.drop_table_sql(&dialect),
        ["DROP TABLE IF EXISTS book", "DROP TABLE IF EXISTS shelf"]
    );
}

backend_tests! {
    #[test]
    fn the_database_enforces_them() -> orm_core::Result<()> {
        let registry = registry();
        let engine = engine();
        registry.create_all(&engine)?;
        registry.create_all(&engine)?; // idempotent
        engine.execute("INSERT INTO shelf (id) VALUES (1)", &[])?;
        let session = Session::new(&engine, &registry);
        session.add(&book("a", 1990, 1, 0))?;
        session.commit()?;

        // The same place on the shelf twice: the composite UNIQUE refuses.
        session.add(&book("b", 1991, 1, 0))?;
        let err = session.commit().unwrap_err();
        assert_eq!(err.db_kind(), Some(DbErrorKind::UniqueViolation), "{err}");
        session.rollback()?;

        // A year of 0: the CHECK refuses.
        session.add(&book("c", 0, 1, 1))?;
        let err = session.commit().unwrap_err();
        assert_eq!(err.db_kind(), Some(DbErrorKind::CheckViolation), "{err}");
        session.rollback()?;
        assert_eq!(rows(&engine, "SELECT title FROM book"), ["'a'"]);

        // drop_all removes everything; create_all starts again.
        registry.drop_all(&engine)?;
        assert!(engine.query("SELECT * FROM book", &[]).is_err());
        registry.create_all(&engine)?;
        assert!(rows(&engine, "SELECT * FROM book").is_empty());
        Ok(())
    }
}
