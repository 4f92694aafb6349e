//! Schema creation: `CREATE TABLE` for every mapped table, in dependency order.

use crate::engine::Engine;
use crate::error::Result;
use crate::registry::{Mapper, Registry};

impl Registry {
    /// Creates every mapped table that does not exist yet, referenced tables
    /// first, with primary keys, `NOT NULL` for non-`Option` fields,
    /// `UNIQUE` and foreign key constraints.
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
    ///     "CREATE TABLE IF NOT EXISTS note (\n\tid INTEGER NOT NULL,\n\ttitle TEXT NOT NULL UNIQUE,\n\tPRIMARY KEY (id)\n)"
    /// );
    /// ```
    pub fn create_all(&self, engine: &Engine) -> Result<()> {
        for sql in self.create_table_sql(engine.dialect()) {
            engine.execute(&sql, &[])?;
        }
        Ok(())
    }

    /// The `CREATE TABLE` statements [`create_all`](Registry::create_all) runs.
    pub fn create_table_sql(&self, dialect: &dyn crate::engine::Dialect) -> Vec<String> {
        self.table_order
            .iter()
            .map(|&m| create_table(self, &self.mappers[m], dialect))
            .collect()
    }
}

fn create_table(
    registry: &Registry,
    mapper: &Mapper,
    dialect: &dyn crate::engine::Dialect,
) -> String {
    let meta = mapper.meta;
    let mut lines: Vec<String> = meta
        .columns
        .iter()
        .map(|col| {
            let mut line = format!(
                "{} {}",
                dialect.quote(col.name),
                dialect.type_name(col.sql_type)
            );
            if !col.nullable || col.primary_key {
                line.push_str(" NOT NULL");
            }
            if col.unique {
                line.push_str(" UNIQUE");
            }
            line
        })
        .collect();
    let pk: Vec<String> = mapper
        .primary_key
        .iter()
        .map(|&c| dialect.quote(meta.columns[c].name).into_owned())
        .collect();
    lines.push(format!("PRIMARY KEY ({})", pk.join(", ")));

    // One constraint per referenced table, unless two columns reference the
    // same column there (then they are separate keys).
    let mut groups: Vec<(usize, Vec<(usize, usize)>)> = Vec::new();
    for fk in &mapper.foreign_keys {
        let slot = groups.iter_mut().find(|(t, cols)| {
            *t == fk.target && cols.iter().all(|&(_, tc)| tc != fk.target_column)
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
            .map(|&(c, _)| dialect.quote(meta.columns[c].name).into_owned())
            .collect();
        let remote: Vec<String> = cols
            .iter()
            .map(|&(_, c)| dialect.quote(target_meta.columns[c].name).into_owned())
            .collect();
        lines.push(format!(
            "FOREIGN KEY ({}) REFERENCES {} ({})",
            local.join(", "),
            dialect.quote(target_meta.table),
            remote.join(", ")
        ));
    }
    format!(
        "CREATE TABLE IF NOT EXISTS {} (\n\t{}\n)",
        dialect.quote(meta.table),
        lines.join(",\n\t")
    )
}
