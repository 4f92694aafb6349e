//! Schema creation: `CREATE TABLE` for every mapped table and association
//! table, in dependency order.

use crate::engine::{Dialect, Engine};
use crate::error::Result;
use crate::meta::{ColumnMeta, TableConstraint};
use crate::registry::{ForeignKey, Registry};

impl Registry {
    /// Creates every mapped table that does not exist yet, referenced tables
    /// first, then the association tables, with primary keys, `NOT NULL`
    /// for non-`Option` fields, `UNIQUE` and foreign key constraints
    /// with the `ON DELETE` / `ON UPDATE` rules their columns declare
    /// (`#[column(foreign_key = "parent.id", on_delete = "cascade")]`), and
    /// `DEFAULT <sql>` for `#[column(server_default = "<sql>")]`.
    ///
    /// ```
    /// use orm_core::prelude::*;
    ///
    /// #[derive(Model, Debug, Default)]
    /// pub struct Note {
    ///     #[column(primary_key)]
    ///     pub id: Option<i64>,
    ///     #[column(unique)]
    ///     pub title: String,
    /// }
    ///
    /// let registry = Registry::builder().model::<Note>().build().unwrap();
    /// assert_eq!(
    ///     registry.create_table_sql(orm_sqlite::memory().unwrap().dialect())[0],
    ///     "CREATE TABLE IF NOT EXISTS note (\n\tid INTEGER PRIMARY KEY AUTOINCREMENT,\n\ttitle TEXT NOT NULL UNIQUE\n)"
    /// );
    /// ```
    ///
    /// Every foreign key gets an index (`ix_<table>_<columns>`) unless the
    /// primary key or a `UNIQUE` constraint already starts with its
    /// columns: without one, loading a parent's children and every
    /// `DELETE` of a referenced row (the database checks who still refers to
    /// it) scan the whole child table, which makes deleting a tree
    /// quadratic in its size.
    pub fn create_all(&self, engine: &Engine) -> Result<()> {
        let conn = engine.connect()?;
        for sql in self.schema_sql(engine.dialect()) {
            conn.execute(&sql, &[])?;
        }
        Ok(())
    }

    /// Drops every mapped table and association table that exists,
    /// referring tables first, so that `create_all` can start again from
    /// nothing (tests, prototypes). Rows are lost.
    ///
    /// ```
    /// use orm_core::prelude::*;
    ///
    /// #[derive(Model, Debug, Default)]
    /// pub struct Note {
    ///     #[column(primary_key)]
    ///     pub id: Option<i64>,
    /// }
    ///
    /// # fn main() -> orm_core::Result<()> {
    /// let registry = Registry::builder().model::<Note>().build()?;
    /// let engine = orm_sqlite::memory()?;
    /// registry.create_all(&engine)?;
    /// registry.drop_all(&engine)?;
    /// assert!(engine.query("SELECT name FROM sqlite_master WHERE name = 'note'", &[])?.is_empty());
    /// registry.create_all(&engine)?;
    /// # Ok(()) }
    /// ```
    pub fn drop_all(&self, engine: &Engine) -> Result<()> {
        let conn = engine.connect()?;
        for sql in self.drop_table_sql(engine.dialect()) {
            conn.execute(&sql, &[])?;
        }
        Ok(())
    }

    /// The statements [`drop_all`](Registry::drop_all) runs: association
    /// tables, then the models' tables in the reverse of their creation
    /// order.
    pub fn drop_table_sql(&self, dialect: &dyn Dialect) -> Vec<String> {
        let associations = self
            .tables
            .iter()
            .filter(|t| t.model.is_none())
            .map(|def| def.name);
        let models = self
            .table_order
            .iter()
            .rev()
            .map(|&m| self.mappers[m].meta.table);
        associations
            .chain(models)
            .map(|name| dialect.drop_table(&dialect.quote(name)))
            .collect()
    }

    /// Every statement [`create_all`](Registry::create_all) runs: the
    /// tables, the foreign keys that refer to a table created after their
    /// own (on databases that add them separately, see
    /// [`Dialect::add_foreign_key`]), then the indexes.
    pub fn schema_sql(&self, dialect: &dyn Dialect) -> Vec<String> {
        let mut out = self.create_table_sql(dialect);
        out.extend(self.add_foreign_key_sql(dialect));
        out.extend(self.create_index_sql(dialect));
        out
    }

    /// The foreign keys that [`create_table_sql`](Registry::create_table_sql)
    /// leaves out because their referenced table does not exist yet when
    /// their own is created, as the dialect adds them afterwards; empty for
    /// a dialect that declares them inline (SQLite) or when no tables refer
    /// to each other.
    pub fn add_foreign_key_sql(&self, dialect: &dyn Dialect) -> Vec<String> {
        self.model_tables()
            .into_iter()
            .flat_map(|table| {
                table
                    .foreign_key_clauses(self, dialect)
                    .into_iter()
                    .filter(|clause| clause.forward)
                    .filter_map(move |clause| {
                        dialect.add_foreign_key(table.name, &clause.constraint, &clause.definition)
                    })
            })
            .collect()
    }

    /// The model tables in creation order, with what `CREATE TABLE` needs.
    fn model_tables(&self) -> Vec<Table<'_>> {
        self.table_order
            .iter()
            .enumerate()
            .map(|(position, &m)| {
                let mapper = &self.mappers[m];
                Table {
                    name: mapper.meta.table,
                    columns: mapper.meta.columns,
                    generated_key: mapper.autoincrement(),
                    foreign_keys: &mapper.foreign_keys,
                    constraints: mapper.meta.constraints,
                    created_later: self.table_order[position + 1..].to_vec(),
                }
            })
            .collect()
    }

    /// The `CREATE INDEX` statements for the foreign keys that no primary
    /// key or `UNIQUE` column already indexes.
    ///
    /// ```
    /// use orm_core::prelude::*;
    ///
    /// #[derive(Model, Debug, Default)]
    /// pub struct Folder {
    ///     #[column(primary_key)]
    ///     pub id: Option<i64>,
    ///     #[column(foreign_key = "folder.id")]
    ///     pub parent_id: Option<i64>,
    /// }
    ///
    /// let registry = Registry::builder().model::<Folder>().build().unwrap();
    /// assert_eq!(
    ///     registry.create_index_sql(&orm_sqlite::SqliteDialect),
    ///     ["CREATE INDEX IF NOT EXISTS ix_folder_parent_id ON folder (parent_id)"]
    /// );
    /// ```
    pub fn create_index_sql(&self, dialect: &dyn Dialect) -> Vec<String> {
        let models = self.table_order.iter().map(|&m| {
            let mapper = &self.mappers[m];
            (
                mapper.meta.table,
                mapper.meta.columns,
                &mapper.foreign_keys[..],
                mapper.meta.constraints,
            )
        });
        let associations = self
            .tables
            .iter()
            .filter(|t| t.model.is_none())
            .map(|def| (def.name, def.columns, &def.foreign_keys[..], &[][..]));
        models
            .chain(associations)
            .flat_map(|(name, columns, foreign_keys, constraints)| {
                indexes(name, columns, foreign_keys, constraints, dialect)
            })
            .collect()
    }

    /// The `CREATE TABLE` statements [`create_all`](Registry::create_all)
    /// runs (it runs [`create_index_sql`](Registry::create_index_sql) after them).
    pub fn create_table_sql(&self, dialect: &dyn Dialect) -> Vec<String> {
        let models = self
            .model_tables()
            .into_iter()
            .map(|table| table.create(self, dialect));
        let associations = self.tables.iter().filter(|t| t.model.is_none()).map(|def| {
            let table = Table {
                name: def.name,
                columns: def.columns,
                generated_key: None,
                foreign_keys: &def.foreign_keys,
                constraints: &[],
                created_later: Vec::new(),
            };
            table.create(self, dialect)
        });
        models.chain(associations).collect()
    }
}

struct Table<'a> {
    name: &'static str,
    columns: &'static [ColumnMeta],
    /// The single primary key column the database generates, if any.
    generated_key: Option<usize>,
    foreign_keys: &'a [ForeignKey],
    /// `#[model(unique(..), check = "..")]` (indexes go separately).
    constraints: &'static [TableConstraint],
    /// The model tables (mapper indexes) created after this one.
    created_later: Vec<usize>,
}

/// One `FOREIGN KEY` clause of a table.
struct ForeignKeyClause {
    /// `FOREIGN KEY (a) REFERENCES t (id)`, with its `ON DELETE` / `ON
    /// UPDATE` rules.
    definition: String,
    /// `fk_<table>_<columns>`, for a constraint added separately.
    constraint: String,
    /// Whether the referenced table is created after this one.
    forward: bool,
}

impl Table<'_> {
    fn create(&self, registry: &Registry, dialect: &dyn Dialect) -> String {
        let generated = self
            .generated_key
            .and_then(|i| dialect.generated_key_column(&dialect.quote(self.columns[i].name)));
        let mut lines: Vec<String> = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, col)| {
                if let (Some(definition), Some(key)) = (&generated, self.generated_key) {
                    if i == key {
                        return definition.clone();
                    }
                }
                let mut line = format!(
                    "{} {}",
                    dialect.quote(col.name),
                    dialect.type_name(col.sql_type)
                );
                if let Some(sql) = col.server_default {
                    line.push_str(" DEFAULT ");
                    line.push_str(sql);
                }
                if !col.nullable || col.primary_key {
                    line.push_str(" NOT NULL");
                }
                if col.unique {
                    line.push_str(" UNIQUE");
                }
                line
            })
            .collect();
        let pk: Vec<String> = self
            .columns
            .iter()
            .filter(|c| c.primary_key)
            .map(|c| dialect.quote(c.name).into_owned())
            .collect();
        if !pk.is_empty() && generated.is_none() {
            lines.push(format!("PRIMARY KEY ({})", pk.join(", ")));
        }
        for constraint in self.constraints {
            match constraint {
                TableConstraint::Unique(names) => {
                    let quoted: Vec<String> = names
                        .iter()
                        .map(|n| dialect.quote(n).into_owned())
                        .collect();
                    lines.push(format!("UNIQUE ({})", quoted.join(", ")));
                }
                TableConstraint::Check(sql) => lines.push(format!("CHECK ({sql})")),
                TableConstraint::Index(_) => {}
            }
        }

        for clause in self.foreign_key_clauses(registry, dialect) {
            // A key to a table that does not exist yet is added after every
            // table is created, where the dialect needs that.
            let added_later = clause.forward
                && dialect
                    .add_foreign_key(self.name, &clause.constraint, &clause.definition)
                    .is_some();
            if !added_later {
                lines.push(clause.definition);
            }
        }
        format!(
            "CREATE TABLE IF NOT EXISTS {} (\n\t{}\n)",
            dialect.quote(self.name),
            lines.join(",\n\t")
        )
    }

    /// The table's `FOREIGN KEY` clauses: one per referenced table, unless
    /// two columns reference the same column there, or they declare
    /// different rules (then they are separate keys).
    fn foreign_key_clauses(
        &self,
        registry: &Registry,
        dialect: &dyn Dialect,
    ) -> Vec<ForeignKeyClause> {
        let mut out = Vec::new();
        let rules = |c: usize| (self.columns[c].on_delete, self.columns[c].on_update);
        let mut groups: Vec<(usize, Vec<(usize, usize)>)> = Vec::new();
        for fk in self.foreign_keys {
            let slot = groups.iter_mut().find(|(t, cols)| {
                *t == fk.target
                    && cols.iter().all(|&(_, tc)| tc != fk.target_column)
                    && rules(cols[0].0) == rules(fk.column)
            });
            match slot {
                Some((_, cols)) => cols.push((fk.column, fk.target_column)),
                None => groups.push((fk.target, vec![(fk.column, fk.target_column)])),
            }
        }
        for (target, cols) in groups {
            let target_meta = registry.mappers[target].meta;
            let local: Vec<String> = cols
                .iter()
                .map(|&(c, _)| dialect.quote(self.columns[c].name).into_owned())
                .collect();
            let remote: Vec<String> = cols
                .iter()
                .map(|&(_, c)| dialect.quote(target_meta.columns[c].name).into_owned())
                .collect();
            let first = &self.columns[cols[0].0];
            let mut rules = String::new();
            for (clause, action) in [("DELETE", first.on_delete), ("UPDATE", first.on_update)] {
                if let Some(action) = action {
                    rules.push_str(&format!(" ON {clause} {}", action.sql()));
                }
            }
            let names: Vec<&str> = cols.iter().map(|&(c, _)| self.columns[c].name).collect();
            out.push(ForeignKeyClause {
                definition: format!(
                    "FOREIGN KEY ({}) REFERENCES {} ({}){rules}",
                    local.join(", "),
                    dialect.quote(target_meta.table),
                    remote.join(", ")
                ),
                constraint: format!("fk_{}_{}", self.name, names.join("_")),
                forward: self.created_later.contains(&target),
            });
        }
        out
    }
}

/// The `CREATE INDEX` statements of one table (see [`index_specs`]).
fn indexes(
    table: &str,
    columns: &[ColumnMeta],
    foreign_keys: &[ForeignKey],
    constraints: &[TableConstraint],
    dialect: &dyn Dialect,
) -> Vec<String> {
    index_specs(table, columns, foreign_keys, constraints)
        .into_iter()
        .map(|(name, names)| {
            let quoted: Vec<String> = names
                .iter()
                .map(|n| dialect.quote(n).into_owned())
                .collect();
            format!(
                "CREATE INDEX IF NOT EXISTS {} ON {} ({})",
                dialect.quote(&name),
                dialect.quote(table),
                quoted.join(", ")
            )
        })
        .collect()
}

/// The indexes of one table, as `(name, column names)`: one per foreign
/// key column that no primary key or `UNIQUE` constraint starts with
/// (unless `#[column(index = false)]`), one per `#[column(index)]` column,
/// and one per `#[model(index(..))]`; named `ix_<table>_<columns>`.
pub(crate) fn index_specs(
    table: &str,
    columns: &[ColumnMeta],
    foreign_keys: &[ForeignKey],
    constraints: &[TableConstraint],
) -> Vec<(String, Vec<&'static str>)> {
    let primary_key: Vec<usize> = (0..columns.len())
        .filter(|&i| columns[i].primary_key)
        .collect();
    let covered = |c: usize| primary_key.first() == Some(&c) || columns[c].unique;
    let mut single: Vec<usize> = Vec::new();
    for fk in foreign_keys {
        let c = fk.column;
        if columns[c].index != Some(false) && !covered(c) && !single.contains(&c) {
            single.push(c);
        }
    }
    for (c, column) in columns.iter().enumerate() {
        if column.index == Some(true) && !covered(c) && !single.contains(&c) {
            single.push(c);
        }
    }
    let spec = |names: Vec<&'static str>| (format!("ix_{table}_{}", names.join("_")), names);
    let mut out: Vec<_> = single
        .iter()
        .map(|&c| spec(vec![columns[c].name]))
        .collect();
    for constraint in constraints {
        if let TableConstraint::Index(names) = constraint {
            out.push(spec(names.to_vec()));
        }
    }
    out
}
