//! Comparing the models with a live database: the start of migrations.

use std::fmt;

use crate::engine::Engine;
use crate::error::Result;
use crate::introspect::TableDescription;
use crate::meta::{ColumnMeta, TableConstraint};
use crate::registry::{ForeignKey, Registry};

/// One way in which the database differs from what the models declare, as
/// [`Registry::schema_diff`] lists them. Names are table and column names.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SchemaDifference {
    /// A mapped table (or association table) does not exist.
    MissingTable {
        /// The table.
        table: String,
    },
    /// A column of a model is not in its table.
    MissingColumn {
        /// The table.
        table: String,
        /// The column.
        column: String,
    },
    /// The table has a column that no field maps (harmless to the ORM
    /// unless it is `NOT NULL` without a default: then INSERTs fail).
    ExtraColumn {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// Whether it accepts `NULL`.
        nullable: bool,
    },
    /// A column has another type than the model's.
    TypeMismatch {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// The type `create_all` would give it.
        expected: String,
        /// The type it has.
        found: String,
    },
    /// A column accepts `NULL` where the model says `NOT NULL`, or the
    /// other way round.
    NullabilityMismatch {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// Whether the model's field is an `Option` (the column nullable).
        expected_nullable: bool,
    },
    /// The primary key has other columns than the model's.
    PrimaryKeyMismatch {
        /// The table.
        table: String,
        /// The model's key columns.
        expected: Vec<String>,
        /// The table's key columns.
        found: Vec<String>,
    },
    /// An index `create_all` makes (a foreign key's, `#[column(index)]`,
    /// `#[model(index(..))]`) is missing: no index has these columns.
    MissingIndex {
        /// The table.
        table: String,
        /// The name `create_all` gives it.
        name: String,
        /// Its columns.
        columns: Vec<String>,
    },
    /// A `UNIQUE` constraint (`#[column(unique)]`, `#[model(unique(..))]`)
    /// is missing: no unique index has these columns.
    MissingUnique {
        /// The table.
        table: String,
        /// Its columns.
        columns: Vec<String>,
    },
    /// A foreign key is missing.
    MissingForeignKey {
        /// The table.
        table: String,
        /// The referring column.
        column: String,
        /// `table.column` it should reference.
        references: String,
    },
}

/// One line per difference, naming what to change.
///
/// ```
/// use orm_core::SchemaDifference;
/// let missing = SchemaDifference::MissingColumn { table: "book".into(), column: "isbn".into() };
/// assert_eq!(missing.to_string(), "column book.isbn is missing");
/// ```
impl fmt::Display for SchemaDifference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SchemaDifference::MissingTable { table } => write!(f, "table {table} is missing"),
            SchemaDifference::MissingColumn { table, column } => {
                write!(f, "column {table}.{column} is missing")
            }
            SchemaDifference::ExtraColumn {
                table,
                column,
                nullable,
            } => {
                let null = if *nullable { "NULL" } else { "NOT NULL" };
                write!(
                    f,
                    "column {table}.{column} ({null}) is not mapped by any field"
                )
            }
            SchemaDifference::TypeMismatch {
                table,
                column,
                expected,
                found,
            } => write!(
                f,
                "column {table}.{column} has type {found}; the model expects {expected}"
            ),
            SchemaDifference::NullabilityMismatch {
                table,
                column,
                expected_nullable,
            } => {
                let (is, expected) = if *expected_nullable {
                    ("NOT NULL", "NULL (an Option field)")
                } else {
                    ("NULL", "NOT NULL")
                };
                write!(
                    f,
                    "column {table}.{column} is {is}; the model expects {expected}"
                )
            }
            SchemaDifference::PrimaryKeyMismatch {
                table,
                expected,
                found,
            } => write!(
                f,
                "table {table} has primary key ({}); the model expects ({})",
                found.join(", "),
                expected.join(", ")
            ),
            SchemaDifference::MissingIndex {
                table,
                name,
                columns,
            } => write!(
                f,
                "index {name} on {table} ({}) is missing",
                columns.join(", ")
            ),
            SchemaDifference::MissingUnique { table, columns } => write!(
                f,
                "unique constraint on {table} ({}) is missing",
                columns.join(", ")
            ),
            SchemaDifference::MissingForeignKey {
                table,
                column,
                references,
            } => write!(f, "foreign key {table}.{column} -> {references} is missing"),
        }
    }
}

impl Registry {
    /// Compares the mapped tables (models and association tables) with the
    /// database behind `engine` and lists how they differ: missing tables
    /// and columns, columns no field maps, types, nullability and primary
    /// keys that differ, and missing indexes, unique constraints and
    /// foreign keys. Empty right after [`create_all`](Registry::create_all).
    ///
    /// It is the start of migrations: it says what to change, and changes
    /// nothing. Tables that no model maps, `CHECK` constraints, server
    /// defaults and referential actions are not compared. The dialect reads
    /// the catalog ([`Dialect::describe_table`](crate::Dialect::describe_table):
    /// SQLite's `table_info`, `index_list`, `index_info` and
    /// `foreign_key_list` pragmas, PostgreSQL's `pg_catalog`).
    ///
    /// ```
    /// use orm_core::prelude::*;
    /// use orm_core::SchemaDifference;
    ///
    /// #[derive(Model, Debug, Default)]
    /// pub struct Note {
    ///     #[column(primary_key)]
    ///     pub id: Option<i64>,
    ///     #[column(index)]
    ///     pub title: String,
    /// }
    ///
    /// # fn main() -> orm_core::Result<()> {
    /// let registry = Registry::builder().model::<Note>().build()?;
    /// let engine = orm_sqlite::memory()?;
    /// registry.create_all(&engine)?;
    /// assert_eq!(registry.schema_diff(&engine)?, []);
    /// engine.execute("DROP INDEX ix_note_title", &[])?;
    /// let diff = registry.schema_diff(&engine)?;
    /// assert_eq!(diff[0].to_string(), "index ix_note_title on note (title) is missing");
    /// # Ok(()) }
    /// ```
    pub fn schema_diff(&self, engine: &Engine) -> Result<Vec<SchemaDifference>> {
        let conn = engine.connect()?;
        let dialect = engine.dialect();
        let models = self.table_order.iter().map(|&m| {
            let mapper = &self.mappers[m];
            Expected {
                table: mapper.meta.table,
                columns: mapper.meta.columns,
                foreign_keys: &mapper.foreign_keys,
                constraints: mapper.meta.constraints,
            }
        });
        let associations = self
            .tables
            .iter()
            .filter(|t| t.model.is_none())
            .map(|def| Expected {
                table: def.name,
                columns: def.columns,
                foreign_keys: &def.foreign_keys,
                constraints: &[],
            });
        let mut out = Vec::new();
        for expected in models.chain(associations) {
            let mut query = |sql: &str, params: &[crate::Value]| conn.query(sql, params);
            match dialect.describe_table(&mut query, expected.table)? {
                Some(live) => expected.compare(self, dialect, &live, &mut out),
                None => out.push(SchemaDifference::MissingTable {
                    table: expected.table.to_owned(),
                }),
            }
        }
        Ok(out)
    }
}

/// What `create_all` makes of one table.
struct Expected<'a> {
    table: &'static str,
    columns: &'static [ColumnMeta],
    foreign_keys: &'a [ForeignKey],
    constraints: &'static [TableConstraint],
}

impl Expected<'_> {
    fn compare(
        &self,
        registry: &Registry,
        dialect: &dyn crate::Dialect,
        live: &TableDescription,
        out: &mut Vec<SchemaDifference>,
    ) {
        let table = || self.table.to_owned();
        for col in self.columns {
            let Some(found) = live.column(col.name) else {
                out.push(SchemaDifference::MissingColumn {
                    table: table(),
                    column: col.name.to_owned(),
                });
                continue;
            };
            let expected = dialect.type_name(col.sql_type);
            if !found.type_name.eq_ignore_ascii_case(expected) {
                out.push(SchemaDifference::TypeMismatch {
                    table: table(),
                    column: col.name.to_owned(),
                    expected: expected.to_owned(),
                    found: found.type_name.clone(),
                });
            }
            // Key columns are NOT NULL through the key (SQLite reports its
            // INTEGER PRIMARY KEY as nullable).
            if !col.primary_key && found.nullable != col.nullable {
                out.push(SchemaDifference::NullabilityMismatch {
                    table: table(),
                    column: col.name.to_owned(),
                    expected_nullable: col.nullable,
                });
            }
        }
        for found in &live.columns {
            if !self.columns.iter().any(|c| c.name == found.name) {
                out.push(SchemaDifference::ExtraColumn {
                    table: table(),
                    column: found.name.clone(),
                    nullable: found.nullable,
                });
            }
        }
        let expected_key: Vec<String> = self
            .columns
            .iter()
            .filter(|c| c.primary_key)
            .map(|c| c.name.to_owned())
            .collect();
        let found_key: Vec<String> = live
            .columns
            .iter()
            .filter(|c| c.primary_key)
            .map(|c| c.name.clone())
            .collect();
        let same_key = expected_key.len() == found_key.len()
            && expected_key.iter().all(|k| found_key.contains(k));
        if !same_key {
            out.push(SchemaDifference::PrimaryKeyMismatch {
                table: table(),
                expected: expected_key,
                found: found_key,
            });
        }
        let has_index = |columns: &[&str], unique: bool| {
            live.indexes.iter().any(|index| {
                (index.unique || !unique)
                    && index.columns.len() == columns.len()
                    && index.columns.iter().zip(columns).all(|(a, b)| a == b)
            })
        };
        let specs = crate::ddl::index_specs(
            self.table,
            self.columns,
            self.foreign_keys,
            self.constraints,
        );
        for (name, columns) in specs {
            if !has_index(&columns, false) {
                out.push(SchemaDifference::MissingIndex {
                    table: table(),
                    name,
                    columns: columns.iter().map(|c| (*c).to_owned()).collect(),
                });
            }
        }
        let uniques = self
            .columns
            .iter()
            .filter(|c| c.unique)
            .map(|c| vec![c.name])
            .chain(self.constraints.iter().filter_map(|c| match c {
                TableConstraint::Unique(names) => Some(names.to_vec()),
                _ => None,
            }));
        for columns in uniques {
            if !has_index(&columns, true) {
                out.push(SchemaDifference::MissingUnique {
                    table: table(),
                    columns: columns.iter().map(|c| (*c).to_owned()).collect(),
                });
            }
        }
        for fk in self.foreign_keys {
            let target = registry.mappers[fk.target].meta;
            let column = self.columns[fk.column].name;
            let target_column = target.columns[fk.target_column].name;
            let present = live.foreign_keys.iter().any(|found| {
                found.column == column
                    && found.references_table == target.table
                    && found.references_column == target_column
            });
            if !present {
                out.push(SchemaDifference::MissingForeignKey {
                    table: table(),
                    column: column.to_owned(),
                    references: format!("{}.{target_column}", target.table),
                });
            }
        }
    }
}
