//! `Registry::schema_diff`: the models compared with a live database.
//! Empty after `create_all`; after changes made by hand (an index dropped,
//! a column added, a table created without a column, with another type,
//! without its constraints), the differences listed. On SQLite and
//! PostgreSQL.

#[macro_use]
mod common;

use common::setup;
use orm_core::prelude::*;
use orm_core::SchemaDifference;

#[derive(Model, Debug, Default)]
pub struct Author {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[column(unique)]
    pub name: String,
    #[column(index)]
    pub country: Option<String>,
}

#[derive(Model, Debug, Default)]
#[model(unique(title, year))]
pub struct Book {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub title: String,
    pub year: i64,
    #[column(foreign_key = "author.id")]
    pub author_id: Option<i64>,
}

/// An association table, compared like the models' tables.
#[derive(Table)]
pub struct ShelfAuthor {
    #[column(primary_key, foreign_key = "shelf.id")]
    pub shelf_id: i64,
    #[column(primary_key, foreign_key = "author.id")]
    pub author_id: i64,
}

#[derive(Model, Debug, Default)]
pub struct Shelf {
    #[column(primary_key)]
    pub id: Option<i64>,
    #[relationship(secondary = ShelfAuthor)]
    pub authors: Many<Author>,
}

fn registry() -> std::sync::Arc<Registry> {
    Registry::builder()
        .model::<Author>()
        .model::<Book>()
        .build()
        .unwrap()
}

/// The integer type `create_all` gives a key on the running backend.
fn integer() -> &'static str {
    match common::backend() {
        common::Backend::Sqlite => "INTEGER",
        common::Backend::Postgres => "BIGINT",
    }
}

fn strings(diff: &[SchemaDifference]) -> Vec<String> {
    diff.iter().map(ToString::to_string).collect()
}

backend_tests! {
    #[test]
    fn nothing_differs_after_create_all() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, _session) = setup(&registry);
        assert_eq!(registry.schema_diff(&engine)?, []);
        // Also with an association table and every column type.
        let full = Registry::builder()
            .model::<Author>()
            .model::<Book>()
            .model::<Shelf>()
            .build()?;
        full.create_all(&engine)?;
        assert_eq!(full.schema_diff(&engine)?, []);
        // The association table's foreign keys are checked like any.
        engine.execute("DROP TABLE shelf_author", &[])?;
        assert_eq!(strings(&full.schema_diff(&engine)?), ["table shelf_author is missing"]);
        Ok(())
    }

    #[test]
    fn a_dropped_index_and_an_added_column_are_listed() -> orm_core::Result<()> {
        let registry = registry();
        let (engine, _session) = setup(&registry);
        engine.execute("DROP INDEX ix_book_author_id", &[])?;
        engine.execute("ALTER TABLE book ADD COLUMN isbn TEXT NOT NULL DEFAULT ''", &[])?;
        engine.execute("ALTER TABLE author ADD COLUMN born INTEGER", &[])?;
        let diff = registry.schema_diff(&engine)?;
        assert_eq!(
            diff,
            [
                SchemaDifference::ExtraColumn {
                    table: "author".into(),
                    column: "born".into(),
                    nullable: true,
                },
                SchemaDifference::ExtraColumn {
                    table: "book".into(),
                    column: "isbn".into(),
                    nullable: false,
                },
                SchemaDifference::MissingIndex {
                    table: "book".into(),
                    name: "ix_book_author_id".into(),
                    columns: vec!["author_id".into()],
                },
            ]
        );
        assert_eq!(
            strings(&diff),
            [
                "column author.born (NULL) is not mapped by any field",
                "column book.isbn (NOT NULL) is not mapped by any field",
                "index ix_book_author_id on book (author_id) is missing",
            ]
        );
        // Put back, the index is found again whatever its name.
        engine.execute("CREATE INDEX by_author ON book (author_id)", &[])?;
        assert_eq!(registry.schema_diff(&engine)?.len(), 2);
        Ok(())
    }

    #[test]
    fn a_table_made_by_hand_lists_what_it_lacks() -> orm_core::Result<()> {
        let registry = registry();
        let engine = common::engine();
        assert_eq!(
            strings(&registry.schema_diff(&engine)?),
            ["table author is missing", "table book is missing"]
        );
        engine.execute(
            &format!("CREATE TABLE author (id {} PRIMARY KEY, name TEXT NOT NULL UNIQUE, country TEXT)", integer()),
            &[],
        )?;
        engine.execute("CREATE INDEX ix_author_country ON author (country)", &[])?;
        engine.execute(
            &format!("CREATE TABLE book (id {} PRIMARY KEY, title TEXT, author_id TEXT)", integer()),
            &[],
        )?;
        let diff = registry.schema_diff(&engine)?;
        assert_eq!(
            diff,
            [
                SchemaDifference::NullabilityMismatch {
                    table: "book".into(),
                    column: "title".into(),
                    expected_nullable: false,
                },
                SchemaDifference::MissingColumn {
                    table: "book".into(),
                    column: "year".into(),
                },
                SchemaDifference::TypeMismatch {
                    table: "book".into(),
                    column: "author_id".into(),
                    expected: integer().into(),
                    found: "TEXT".into(),
                },
                SchemaDifference::MissingIndex {
                    table: "book".into(),
                    name: "ix_book_author_id".into(),
                    columns: vec!["author_id".into()],
                },
                SchemaDifference::MissingUnique {
                    table: "book".into(),
                    columns: vec!["title".into(), "year".into()],
                },
                SchemaDifference::MissingForeignKey {
                    table: "book".into(),
                    column: "author_id".into(),
                    references: "author.id".into(),
                },
            ]
        );
        assert_eq!(
            strings(&diff),
            [
                "column book.title is NULL; the model expects NOT NULL",
                "column book.year is missing",
                &format!("column book.author_id has type TEXT; the model expects {}", integer()),
                "index ix_book_author_id on book (author_id) is missing",
                "unique constraint on book (title, year) is missing",
                "foreign key book.author_id -> author.id is missing",
            ]
        );
        Ok(())
    }

    #[test]
    fn a_lost_unique_constraint_and_primary_key_are_listed() -> orm_core::Result<()> {
        let registry = registry();
        let engine = common::engine();
        engine.execute(
            &format!("CREATE TABLE author (id {} NOT NULL, name TEXT NOT NULL, country TEXT)", integer()),
            &[],
        )?;
        let diff = registry.schema_diff(&engine)?;
        assert_eq!(
            strings(&diff[..3]),
            [
                "table author has primary key (); the model expects (id)",
                "index ix_author_country on author (country) is missing",
                "unique constraint on author (name) is missing",
            ]
        );
        assert_eq!(strings(&diff[3..]), ["table book is missing"]);
        Ok(())
    }
}
