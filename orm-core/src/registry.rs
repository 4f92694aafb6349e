//! The configure step: resolves the static metadata of a set of models into
//! mappers (tables, foreign keys, relationship directions, table order) and
//! reports every misconfiguration as a [`ConfigError`].

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};

use crate::error::ConfigError;
use crate::meta::{Cardinality, ModelMeta, RelationshipMeta};
use crate::model::Model;

/// Which side holds the foreign key, as inferred from the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// The target's table holds a foreign key to this model's table.
    OneToMany,
    /// This model's table holds a foreign key to the target's table.
    ManyToOne,
}

/// A foreign key column resolved to the table and column it references.
#[derive(Debug, Clone)]
pub(crate) struct ForeignKey {
    /// The column holding the key (index into the owning model's columns).
    pub column: usize,
    /// The referenced model (index into the registry).
    pub target: usize,
    /// The referenced column (index into the target's columns).
    pub target_column: usize,
}

/// A relationship after configuration.
#[derive(Debug, Clone)]
pub(crate) struct ResolvedRelationship {
    /// The target model (index into the registry).
    pub target: usize,
    /// Which side holds the foreign key.
    pub direction: Direction,
    /// Column pairs `(referenced column on the parent side, foreign key
    /// column on the child side)`; the parent is this model for
    /// one-to-many and the target for many-to-one.
    pub pairs: Vec<(usize, usize)>,
    /// The mirroring relationship on the target, if any.
    pub reverse: Option<usize>,
}

/// A configured model.
#[derive(Debug)]
pub(crate) struct Mapper {
    pub meta: &'static ModelMeta,
    pub primary_key: Vec<usize>,
    pub foreign_keys: Vec<ForeignKey>,
    pub relationships: Vec<ResolvedRelationship>,
}

impl Mapper {
    /// The autoincrement key column, if the model has one.
    pub fn autoincrement(&self) -> Option<usize> {
        self.meta.columns.iter().position(|c| c.autoincrement)
    }
}

/// Registers a model for discovery by [`Registry::global`]; emitted by
/// `#[derive(Model)]`.
#[doc(hidden)]
pub struct ModelRegistration(pub fn() -> &'static ModelMeta);

inventory::collect!(ModelRegistration);

/// A configured set of models: the ORM's view of the schema.
///
/// Build one from every `#[derive(Model)]` type linked into the program with
/// [`Registry::global`], or from an explicit list with [`Registry::builder`].
/// Relationship targets are pulled in automatically.
///
/// ```
/// use orm_core::prelude::*;
///
/// #[derive(Model, Debug, Default)]
/// pub struct Author {
///     #[column(primary_key)]
///     pub id: Option<i64>,
///     #[relationship(back_populates = "author")]
///     pub books: Many<Book>,
/// }
///
/// #[derive(Model, Debug, Default)]
/// pub struct Book {
///     #[column(primary_key)]
///     pub id: Option<i64>,
///     #[column(foreign_key = "author.id")]
///     pub author_id: Option<i64>,
///     #[relationship(back_populates = "books")]
///     pub author: One<Author>,
/// }
///
/// let registry = Registry::builder().model::<Author>().build().unwrap();
/// assert_eq!(registry.tables(), ["author", "book"]);
/// assert_eq!(
///     registry.direction(Author::books).unwrap(),
///     orm_core::Direction::OneToMany
/// );
/// ```
#[derive(Debug)]
pub struct Registry {
    pub(crate) mappers: Vec<Mapper>,
    by_meta: HashMap<usize, usize>,
    /// Mapper indices, referenced tables before referencing ones.
    pub(crate) table_order: Vec<usize>,
}

/// Collects the models of a [`Registry`].
#[derive(Debug, Default)]
pub struct RegistryBuilder {
    metas: Vec<&'static ModelMeta>,
}

impl RegistryBuilder {
    /// Adds a model (and, when built, every model its relationships reach).
    pub fn model<T: Model>(mut self) -> Self {
        self.metas.push(T::meta());
        self
    }

    /// Adds a model by its metadata.
    pub fn meta(mut self, meta: &'static ModelMeta) -> Self {
        self.metas.push(meta);
        self
    }

    /// Runs the configure step.
    pub fn build(self) -> Result<Arc<Registry>, ConfigError> {
        Registry::configure(self.metas).map(Arc::new)
    }
}

fn meta_key(meta: &'static ModelMeta) -> usize {
    meta as *const ModelMeta as usize
}

impl Registry {
    /// Starts an explicit list of models.
    pub fn builder() -> RegistryBuilder {
        RegistryBuilder::default()
    }

    /// The registry of every `#[derive(Model)]` type linked into the program,
    /// configured once.
    pub fn global() -> Result<Arc<Registry>, ConfigError> {
        static GLOBAL: OnceLock<Result<Arc<Registry>, ConfigError>> = OnceLock::new();
        GLOBAL
            .get_or_init(|| {
                let metas = inventory::iter::<ModelRegistration>
                    .into_iter()
                    .map(|r| (r.0)())
                    .collect();
                Registry::configure(metas).map(Arc::new)
            })
            .clone()
    }

    /// The mapped tables, referenced tables first.
    pub fn tables(&self) -> Vec<&'static str> {
        self.table_order
            .iter()
            .map(|&m| self.mappers[m].meta.table)
            .collect()
    }

    /// The direction inferred for a relationship, or `None` if its model is
    /// not registered.
    pub fn direction<M: Model, F>(&self, rel: crate::Rel<M, F>) -> Option<Direction> {
        let mapper = self.mapper_of(M::meta())?;
        Some(
            self.mappers[mapper]
                .relationships
                .get(rel.index())?
                .direction,
        )
    }

    pub(crate) fn mapper_of(&self, meta: &'static ModelMeta) -> Option<usize> {
        self.by_meta.get(&meta_key(meta)).copied()
    }

    fn configure(roots: Vec<&'static ModelMeta>) -> Result<Registry, ConfigError> {
        // Models reachable through relationships, in first-seen order.
        let mut metas: Vec<&'static ModelMeta> = Vec::new();
        let mut by_meta = HashMap::new();
        let mut stack: Vec<&'static ModelMeta> = roots.into_iter().rev().collect();
        while let Some(meta) = stack.pop() {
            if by_meta.contains_key(&meta_key(meta)) {
                continue;
            }
            by_meta.insert(meta_key(meta), metas.len());
            metas.push(meta);
            for rel in meta.relationships.iter().rev() {
                stack.push((rel.target)());
            }
        }

        let mut by_table: HashMap<&'static str, usize> = HashMap::new();
        for (i, meta) in metas.iter().enumerate() {
            if let Some(&first) = by_table.get(meta.table) {
                return Err(ConfigError::DuplicateTable {
                    table: meta.table.to_owned(),
                    first: metas[first].name,
                    second: meta.name,
                });
            }
            by_table.insert(meta.table, i);
            if meta.primary_key().next().is_none() {
                return Err(ConfigError::NoPrimaryKey { model: meta.name });
            }
        }

        let mut mappers = Vec::with_capacity(metas.len());
        for meta in &metas {
            mappers.push(Mapper {
                meta,
                primary_key: meta.primary_key().collect(),
                foreign_keys: resolve_foreign_keys(meta, &metas, &by_table)?,
                relationships: Vec::new(),
            });
        }
        for m in 0..mappers.len() {
            let resolved = (0..metas[m].relationships.len())
                .map(|r| resolve_relationship(&mappers, &by_meta, m, r))
                .collect::<Result<Vec<_>, _>>()?;
            mappers[m].relationships = resolved;
        }
        for m in 0..mappers.len() {
            for r in 0..mappers[m].relationships.len() {
                check_back_populates(&mappers, m, r)?;
            }
        }
        let table_order = table_order(&mappers)?;
        Ok(Registry {
            mappers,
            by_meta,
            table_order,
        })
    }
}

fn resolve_foreign_keys(
    meta: &'static ModelMeta,
    metas: &[&'static ModelMeta],
    by_table: &HashMap<&'static str, usize>,
) -> Result<Vec<ForeignKey>, ConfigError> {
    let mut out = Vec::new();
    for (column, col) in meta.columns.iter().enumerate() {
        let Some(reference) = col.foreign_key else {
            continue;
        };
        let Some((table, target_col)) = reference.rsplit_once('.') else {
            return Err(ConfigError::MalformedForeignKey {
                model: meta.name,
                field: col.field,
                reference,
            });
        };
        let Some(&target) = by_table.get(table) else {
            return Err(ConfigError::UnknownTable {
                model: meta.name,
                field: col.field,
                reference,
                table: table.to_owned(),
            });
        };
        let target_meta = metas[target];
        let Some(target_column) = target_meta.column_index(target_col) else {
            let available: Vec<&str> = target_meta.columns.iter().map(|c| c.name).collect();
            return Err(ConfigError::UnknownColumn {
                model: meta.name,
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

/// Whether a `foreign_keys = [...]` entry names column `col` of `meta`.
fn names_column(entry: &str, meta: &ModelMeta, col: usize) -> bool {
    let column = &meta.columns[col];
    match entry.rsplit_once('.') {
        Some((table, name)) => {
            (table == meta.table || table == meta.name)
                && (name == column.name || name == column.field)
        }
        None => entry == column.name || entry == column.field,
    }
}

fn resolve_relationship(
    mappers: &[Mapper],
    by_meta: &HashMap<usize, usize>,
    m: usize,
    r: usize,
) -> Result<ResolvedRelationship, ConfigError> {
    let mapper = &mappers[m];
    let rel: &RelationshipMeta = &mapper.meta.relationships[r];
    let target_meta = (rel.target)();
    let target = by_meta[&meta_key(target_meta)];
    let target_mapper = &mappers[target];

    // Foreign keys from `from` to `to`, restricted by `foreign_keys`.
    let candidates = |from: usize, to: usize| -> Vec<&ForeignKey> {
        mappers[from]
            .foreign_keys
            .iter()
            .filter(|fk| fk.target == to)
            .filter(|fk| {
                rel.foreign_keys.is_empty()
                    || rel
                        .foreign_keys
                        .iter()
                        .any(|e| names_column(e, mappers[from].meta, fk.column))
            })
            .collect()
    };
    for entry in rel.foreign_keys {
        let known = [(m, target), (target, m)].iter().any(|&(from, to)| {
            mappers[from]
                .foreign_keys
                .iter()
                .any(|fk| fk.target == to && names_column(entry, mappers[from].meta, fk.column))
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
                    .map(|fk| column_path(mapper.meta, fk.column))
                    .collect();
                names.extend(
                    incoming
                        .iter()
                        .map(|fk| column_path(target_mapper.meta, fk.column)),
                );
                return Err(ambiguous(mapper, rel, target_mapper, names));
            }
        }
    };
    let (child, fks) = match direction {
        Direction::ManyToOne => (m, outgoing),
        Direction::OneToMany => (target, incoming),
    };
    // Two foreign keys onto the same referenced column are two separate paths.
    let mut seen = HashSet::new();
    if fks.iter().any(|fk| !seen.insert(fk.target_column)) {
        let names = fks
            .iter()
            .map(|fk| column_path(mappers[child].meta, fk.column))
            .collect();
        return Err(ambiguous(mapper, rel, target_mapper, names));
    }
    if direction == Direction::ManyToOne && rel.cardinality == Cardinality::Many {
        return Err(ConfigError::CollectionOnManyToOne {
            model: mapper.meta.name,
            relationship: rel.field,
            table: mapper.meta.table,
            target: target_mapper.meta.name,
        });
    }
    let pairs = fks.iter().map(|fk| (fk.target_column, fk.column)).collect();
    let reverse = crate::sync::reverse_of(mapper.meta, r);
    Ok(ResolvedRelationship {
        target,
        direction,
        pairs,
        reverse,
    })
}

fn column_path(meta: &ModelMeta, col: usize) -> String {
    format!("{}.{}", meta.table, meta.columns[col].name)
}

fn ambiguous(
    mapper: &Mapper,
    rel: &RelationshipMeta,
    target: &Mapper,
    names: Vec<String>,
) -> ConfigError {
    ConfigError::AmbiguousForeignKeys {
        model: mapper.meta.name,
        relationship: rel.field,
        table: mapper.meta.table,
        target_table: target.meta.table,
        candidates: names.join(", "),
    }
}

fn check_back_populates(mappers: &[Mapper], m: usize, r: usize) -> Result<(), ConfigError> {
    let mapper = &mappers[m];
    let rel = &mapper.meta.relationships[r];
    let Some(name) = rel.back_populates else {
        return Ok(());
    };
    let resolved = &mapper.relationships[r];
    let target = &mappers[resolved.target];
    let Some(reverse) = resolved.reverse else {
        return Err(ConfigError::UnknownBackPopulates {
            model: mapper.meta.name,
            relationship: rel.field,
            target: target.meta.name,
            back_populates: name,
        });
    };
    let other = &target.meta.relationships[reverse];
    let other_resolved = &target.relationships[reverse];
    let mismatch = |problem: String| ConfigError::MismatchedBackPopulates {
        model: mapper.meta.name,
        relationship: rel.field,
        target: target.meta.name,
        other: other.field,
        problem,
    };
    if other_resolved.target != m {
        return Err(mismatch(format!(
            "`{}.{}` targets {}, not {}; back_populates must name a relationship back to this model",
            target.meta.name,
            other.field,
            mappers[other_resolved.target].meta.name,
            mapper.meta.name
        )));
    }
    if other.back_populates != Some(rel.field) {
        return Err(mismatch(format!(
            "add `back_populates = \"{}\"` to `{}.{}` so the two sides name each other",
            rel.field, target.meta.name, other.field
        )));
    }
    if other_resolved.direction == resolved.direction || other_resolved.pairs != resolved.pairs {
        return Err(mismatch(
            "the two sides do not use the same foreign key in opposite directions; use the same `foreign_keys` on both".to_owned(),
        ));
    }
    Ok(())
}

/// Tables in an order where every referenced table precedes the tables that
/// reference it (self-references are ordered row by row at flush).
fn table_order(mappers: &[Mapper]) -> Result<Vec<usize>, ConfigError> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        None,
        Active,
        Done,
    }
    fn visit(
        m: usize,
        mappers: &[Mapper],
        marks: &mut [Mark],
        path: &mut Vec<usize>,
        out: &mut Vec<usize>,
    ) -> Result<(), ConfigError> {
        match marks[m] {
            Mark::Done => return Ok(()),
            Mark::Active => {
                let start = path.iter().position(|&p| p == m).unwrap_or(0);
                let tables: Vec<&str> = path[start..]
                    .iter()
                    .map(|&p| mappers[p].meta.table)
                    .collect();
                return Err(ConfigError::TableCycle {
                    tables: tables.join(" -> "),
                });
            }
            Mark::None => {}
        }
        marks[m] = Mark::Active;
        path.push(m);
        for fk in &mappers[m].foreign_keys {
            if fk.target != m {
                visit(fk.target, mappers, marks, path, out)?;
            }
        }
        path.pop();
        marks[m] = Mark::Done;
        out.push(m);
        Ok(())
    }
    let mut marks = vec![Mark::None; mappers.len()];
    let mut out = Vec::with_capacity(mappers.len());
    for m in 0..mappers.len() {
        visit(m, mappers, &mut marks, &mut Vec::new(), &mut out)?;
    }
    Ok(out)
}
