//! Name resolution and direction inference for the configure step.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::{
    meta_key, Direction, ForeignKey, Mapper, ResolvedRelationship, SecondaryLink, TableDef,
};
use crate::error::ConfigError;
use crate::filter::Condition;
use crate::meta::{BackrefId, Cardinality, Cascade, ColumnMeta, ModelMeta, Secondary, TableMeta};

/// Resolves every `foreign_key = "table.column"` of a table's columns to the
/// model and column it references.
pub(super) fn foreign_keys(
    owner: &'static str,
    columns: &'static [ColumnMeta],
    metas: &[&'static ModelMeta],
    by_table: &HashMap<&'static str, usize>,
) -> Result<Vec<ForeignKey>, ConfigError> {
    let mut out = Vec::new();
    for (column, col) in columns.iter().enumerate() {
        let Some(reference) = col.foreign_key else {
            continue;
        };
        let Some((table, target_col)) = reference.rsplit_once('.') else {
            return Err(ConfigError::MalformedForeignKey {
                model: owner,
                field: col.field,
                reference,
            });
        };
        let Some(&target) = by_table.get(table) else {
            return Err(ConfigError::UnknownTable {
                model: owner,
                field: col.field,
                reference,
                table: table.to_owned(),
            });
        };
        let target_meta = metas[target];
        let Some(target_column) = target_meta.column_index(target_col) else {
            let available: Vec<&str> = target_meta.columns.iter().map(|c| c.name).collect();
            return Err(ConfigError::UnknownColumn {
                model: owner,
                field: col.field,
                reference,
                table: table.to_owned(),
                column: target_col.to_owned(),
                available: available.join(", "),
            });
        };
        out.push(ForeignKey {
            column,
            target,
            target_column,
        });
    }
    Ok(out)
}

/// The association tables: the explicit ones, the ones named by type in a
/// `secondary`, and the ones named by string (looked up among the declared
/// tables, then among the models' tables).
pub(super) fn tables(
    metas: &[&'static ModelMeta],
    by_table: &HashMap<&'static str, usize>,
    explicit: Vec<&'static TableMeta>,
) -> Result<Vec<TableDef>, ConfigError> {
    let mut declared: Vec<&'static TableMeta> = explicit;
    for meta in metas {
        for rel in meta.relationships {
            if let Some(Secondary::Table(table)) = rel.secondary {
                declared.push(table());
            }
        }
    }
    // Tables known anywhere in the program, for names not declared here.
    let linked: Vec<&'static TableMeta> = inventory::iter::<super::TableRegistration>
        .into_iter()
        .map(|r| (r.0)())
        .collect();

    let mut out: Vec<TableDef> = Vec::new();
    let add = |table: &'static TableMeta, out: &mut Vec<TableDef>| -> Result<(), ConfigError> {
        if out.iter().any(|t| std::ptr::eq(t.columns, table.columns)) {
            return Ok(());
        }
        if let Some(&model) = by_table.get(table.table) {
            return Err(ConfigError::DuplicateTable {
                table: table.table.to_owned(),
                first: metas[model].name,
                second: table.name,
            });
        }
        if let Some(other) = out.iter().find(|t| t.name == table.table) {
            return Err(ConfigError::DuplicateTable {
                table: table.table.to_owned(),
                first: other.declared_by,
                second: table.name,
            });
        }
        out.push(TableDef {
            name: table.table,
            columns: table.columns,
            foreign_keys: foreign_keys(table.name, table.columns, metas, by_table)?,
            model: None,
            declared_by: table.name,
        });
        Ok(())
    };
    for table in declared {
        add(table, &mut out)?;
    }
    for meta in metas {
        for rel in meta.relationships {
            let Some(Secondary::Name(name)) = rel.secondary else {
                continue;
            };
            if out.iter().any(|t| t.name == name) {
                continue;
            }
            if let Some(&model) = by_table.get(name) {
                out.push(TableDef {
                    name,
                    columns: metas[model].columns,
                    foreign_keys: foreign_keys(
                        metas[model].name,
                        metas[model].columns,
                        metas,
                        by_table,
                    )?,
                    model: Some(model),
                    declared_by: metas[model].name,
                });
            } else if let Some(table) = linked.iter().find(|t| t.table == name) {
                add(table, &mut out)?;
            } else {
                return Err(ConfigError::UnknownSecondary {
                    model: meta.name,
                    relationship: rel.field,
                    table: name,
                });
            }
        }
    }
    Ok(out)
}

/// Whether a `foreign_keys = [...]` entry names column `col` of a table.
fn names_column(entry: &str, table: &str, type_name: &str, column: &ColumnMeta) -> bool {
    match entry.rsplit_once('.') {
        Some((t, name)) => {
            (t == table || t == type_name) && (name == column.name || name == column.field)
        }
        None => entry == column.name || entry == column.field,
    }
}

fn column_path(table: &str, column: &ColumnMeta) -> String {
    format!("{table}.{}", column.name)
}

/// Resolves relationship field `r` of mapper `m`.
pub(super) fn relationship(
    mappers: &[Mapper],
    tables: &[TableDef],
    by_meta: &rustc_hash::FxHashMap<usize, usize>,
    m: usize,
    r: usize,
) -> Result<ResolvedRelationship, ConfigError> {
    let mapper = &mappers[m];
    let rel = &mapper.meta.relationships[r];
    let target = by_meta[&meta_key((rel.target)())];
    let target_mapper = &mappers[target];
    let order_by = rel
        .order_by
        .iter()
        .map(|&(name, descending)| {
            target_mapper
                .meta
                .column_index(name)
                .map(|c| (c, descending))
                .ok_or(ConfigError::UnknownOrderBy {
                    model: mapper.meta.name,
                    relationship: rel.field,
                    column: name,
                    target: target_mapper.meta.name,
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut resolved = ResolvedRelationship {
        name: rel.field,
        target,
        direction: Direction::OneToMany,
        pairs: Arc::from([]),
        secondary: None,
        cascade: if rel.viewonly {
            Cascade::NONE
        } else {
            rel.cascade
        },
        passive_deletes: rel.passive_deletes,
        viewonly: rel.viewonly,
        post_update: rel.post_update,
        order_by,
        lazy: rel.lazy,
        filter: rel.filter.map(|condition| condition()).unwrap_or_default(),
    };
    if let Some(secondary) = &rel.secondary {
        resolved.direction = Direction::ManyToMany;
        resolved.secondary = Some(secondary_link(mappers, tables, m, r, target, secondary)?);
        return Ok(resolved);
    }

    // Foreign keys from `from` to `to`, restricted by `foreign_keys`.
    let candidates = |from: usize, to: usize| -> Vec<&ForeignKey> {
        let meta = mappers[from].meta;
        mappers[from]
            .foreign_keys
            .iter()
            .filter(|fk| fk.target == to)
            .filter(|fk| {
                rel.foreign_keys.is_empty()
                    || rel
                        .foreign_keys
                        .iter()
                        .any(|e| names_column(e, meta.table, meta.name, &meta.columns[fk.column]))
            })
            .collect()
    };
    for entry in rel.foreign_keys {
        let known = [(m, target), (target, m)].iter().any(|&(from, to)| {
            let meta = mappers[from].meta;
            mappers[from].foreign_keys.iter().any(|fk| {
                fk.target == to
                    && names_column(entry, meta.table, meta.name, &meta.columns[fk.column])
            })
        });
        if !known {
            return Err(ConfigError::BadForeignKeysArgument {
                model: mapper.meta.name,
                relationship: rel.field,
                column: (*entry).to_owned(),
                table: mapper.meta.table,
                target_table: target_mapper.meta.table,
            });
        }
    }

    let outgoing = candidates(m, target); // this table -> target: many-to-one
    let incoming = candidates(target, m); // target -> this table: one-to-many
    let ambiguous = |names: Vec<String>| ConfigError::AmbiguousForeignKeys {
        model: mapper.meta.name,
        relationship: rel.field,
        table: mapper.meta.table,
        target_table: target_mapper.meta.table,
        candidates: names.join(", "),
    };
    let direction = if m == target {
        // Self-referential: the field type says which end this is.
        match rel.cardinality {
            Cardinality::Many => Direction::OneToMany,
            Cardinality::One => Direction::ManyToOne,
        }
    } else {
        match (outgoing.is_empty(), incoming.is_empty()) {
            (false, true) => Direction::ManyToOne,
            (true, false) => Direction::OneToMany,
            (true, true) => {
                return Err(ConfigError::NoForeignKey {
                    model: mapper.meta.name,
                    relationship: rel.field,
                    table: mapper.meta.table,
                    target_table: target_mapper.meta.table,
                })
            }
            (false, false) => {
                let mut names: Vec<String> = outgoing
                    .iter()
                    .map(|fk| column_path(mapper.meta.table, &mapper.meta.columns[fk.column]))
                    .collect();
                names.extend(incoming.iter().map(|fk| {
                    column_path(
                        target_mapper.meta.table,
                        &target_mapper.meta.columns[fk.column],
                    )
                }));
                return Err(ambiguous(names));
            }
        }
    };
    let (child, fks) = match direction {
        Direction::ManyToOne => (m, outgoing),
        _ => (target, incoming),
    };
    // Two foreign keys onto the same referenced column are two separate paths.
    let mut seen = HashSet::new();
    if fks.iter().any(|fk| !seen.insert(fk.target_column)) {
        let meta = mappers[child].meta;
        return Err(ambiguous(
            fks.iter()
                .map(|fk| column_path(meta.table, &meta.columns[fk.column]))
                .collect(),
        ));
    }
    if direction == Direction::ManyToOne && rel.cardinality == Cardinality::Many {
        return Err(ConfigError::CollectionOnManyToOne {
            model: mapper.meta.name,
            relationship: rel.field,
            table: mapper.meta.table,
            target: target_mapper.meta.name,
        });
    }
    resolved.direction = direction;
    resolved.pairs = fks
        .iter()
        .map(|fk| (fk.target_column, fk.column))
        .collect::<Vec<_>>()
        .into();
    Ok(resolved)
}

/// Finds the columns of the association table that point at this model
/// (local) and at the target (remote).
fn secondary_link(
    mappers: &[Mapper],
    tables: &[TableDef],
    m: usize,
    r: usize,
    target: usize,
    secondary: &Secondary,
) -> Result<SecondaryLink, ConfigError> {
    let mapper = &mappers[m];
    let rel = &mapper.meta.relationships[r];
    let name = secondary.table_name();
    let table =
        tables
            .iter()
            .position(|t| t.name == name)
            .ok_or(ConfigError::UnknownSecondary {
                model: mapper.meta.name,
                relationship: rel.field,
                table: name,
            })?;
    let def = &tables[table];
    let restricted = |fk: &&ForeignKey| {
        rel.foreign_keys.is_empty()
            || rel
                .foreign_keys
                .iter()
                .any(|e| names_column(e, def.name, def.declared_by, &def.columns[fk.column]))
    };
    let mut local: Vec<&ForeignKey> = def
        .foreign_keys
        .iter()
        .filter(|fk| fk.target == m)
        .collect();
    let mut remote: Vec<&ForeignKey> = def
        .foreign_keys
        .iter()
        .filter(|fk| fk.target == target)
        .collect();
    if m == target {
        // Self-referential: `foreign_keys` names the columns pointing at this side.
        if rel.foreign_keys.is_empty() {
            return Err(ConfigError::AmbiguousForeignKeys {
                model: mapper.meta.name,
                relationship: rel.field,
                table: mapper.meta.table,
                target_table: def.name,
                candidates: local
                    .iter()
                    .map(|fk| column_path(def.name, &def.columns[fk.column]))
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        let (l, rest): (Vec<&ForeignKey>, Vec<&ForeignKey>) =
            local.iter().partition(|fk| restricted(fk));
        local = l;
        remote = rest;
    } else if !rel.foreign_keys.is_empty() {
        local.retain(|fk| restricted(fk));
    }
    if local.is_empty() || remote.is_empty() {
        let missing = if local.is_empty() {
            mapper.meta.table
        } else {
            mappers[target].meta.table
        };
        return Err(ConfigError::SecondaryWithoutForeignKey {
            model: mapper.meta.name,
            relationship: rel.field,
            secondary: def.name,
            table: missing,
        });
    }
    Ok(SecondaryLink {
        table,
        local: local
            .iter()
            .map(|fk| (fk.target_column, fk.column))
            .collect(),
        remote: remote
            .iter()
            .map(|fk| (fk.target_column, fk.column))
            .collect(),
    })
}

/// Creates, on each target, the relationships that `backref = "..."` declares.
pub(super) fn backrefs(mappers: &mut [Mapper]) -> Result<(), ConfigError> {
    let mut created: Vec<(usize, BackrefId, ResolvedRelationship)> = Vec::new();
    for (m, mapper) in mappers.iter().enumerate() {
        for (r, rel) in mapper.meta.relationships.iter().enumerate() {
            let Some(backref) = &rel.backref else {
                continue;
            };
            let forward = &mapper.relationships[r];
            let target = &mappers[forward.target];
            let clash = target.meta.relationship_index(backref.name).is_some()
                || target.meta.columns.iter().any(|c| c.field == backref.name)
                || target.backrefs.iter().any(|(_, b)| b.name == backref.name)
                || created
                    .iter()
                    .any(|(t, _, b)| *t == forward.target && b.name == backref.name);
            if clash {
                return Err(ConfigError::BackrefClash {
                    model: mapper.meta.name,
                    relationship: rel.field,
                    target: target.meta.name,
                    name: backref.name,
                });
            }
            let direction = match forward.direction {
                Direction::OneToMany => Direction::ManyToOne,
                Direction::ManyToOne => Direction::OneToMany,
                Direction::ManyToMany => Direction::ManyToMany,
            };
            if direction == Direction::ManyToOne && backref.cardinality == Cardinality::Many {
                return Err(ConfigError::BackrefCardinality {
                    model: mapper.meta.name,
                    relationship: rel.field,
                    name: backref.name,
                });
            }
            created.push((
                forward.target,
                BackrefId {
                    origin: mapper.meta.get,
                    index: r,
                },
                ResolvedRelationship {
                    name: backref.name,
                    target: m,
                    direction,
                    pairs: forward.pairs.clone(),
                    secondary: forward.secondary.as_ref().map(SecondaryLink::mirrored),
                    cascade: if forward.viewonly {
                        Cascade::NONE
                    } else {
                        Cascade::DEFAULT
                    },
                    passive_deletes: crate::meta::PassiveDeletes::Off,
                    viewonly: forward.viewonly,
                    post_update: forward.post_update,
                    order_by: Vec::new(),
                    lazy: crate::meta::Lazy::Select,
                    filter: Condition::default(),
                },
            ));
        }
    }
    for (target, id, resolved) in created {
        mappers[target].backrefs.push((id, resolved));
    }
    Ok(())
}
