//! The configure step: resolves the static metadata of a set of models and
//! association tables into mappers (foreign keys, relationship directions,
//! backrefs, table order) and reports every misconfiguration as a
//! [`ConfigError`].

mod resolve;
mod validate;

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use crate::error::ConfigError;
use crate::filter::Condition;
use crate::meta::{
    BackrefId, Cascade, ColumnMeta, Lazy, ModelMeta, PassiveDeletes, RelRef, Secondary, TableMeta,
};
use crate::model::{Model, Table};

/// Which side holds the foreign key, as inferred from the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// The target's table holds a foreign key to this model's table.
    OneToMany,
    /// This model's table holds a foreign key to the target's table.
    ManyToOne,
    /// An association table holds foreign keys to both.
    ManyToMany,
}

/// A foreign key column resolved to the model and column it references.
#[derive(Debug, Clone)]
pub(crate) struct ForeignKey {
    /// The column holding the key (index into the owning table's columns).
    pub column: usize,
    /// The referenced model (index into the registry's mappers).
    pub target: usize,
    /// The referenced column (index into the target's columns).
    pub target_column: usize,
}

/// How a many-to-many relationship reaches its association table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SecondaryLink {
    /// The association table (index into the registry's tables).
    pub table: usize,
    /// `(column of this model, column of the association table)`.
    pub local: Vec<(usize, usize)>,
    /// `(column of the target, column of the association table)`.
    pub remote: Vec<(usize, usize)>,
}

impl SecondaryLink {
    /// The same link seen from the target.
    fn mirrored(&self) -> SecondaryLink {
        SecondaryLink {
            table: self.table,
            local: self.remote.clone(),
            remote: self.local.clone(),
        }
    }
}

/// A relationship after configuration.
#[derive(Debug, Clone)]
pub(crate) struct ResolvedRelationship {
    /// The accessor name.
    pub name: &'static str,
    /// The target model (index into the registry's mappers).
    pub target: usize,
    /// Which side holds the foreign key.
    pub direction: Direction,
    /// For one-to-many and many-to-one: column pairs `(referenced column on
    /// the parent side, foreign key column on the child side)`; the parent is
    /// this model for one-to-many and the target for many-to-one.
    pub pairs: Arc<[(usize, usize)]>,
    /// For many-to-many: the association table.
    pub secondary: Option<SecondaryLink>,
    /// Cascades (none for a viewonly relationship).
    pub cascade: Cascade,
    /// What deleting the owner does with related rows not loaded.
    pub passive_deletes: PassiveDeletes,
    /// Loads but never writes.
    pub viewonly: bool,
    /// Writes its foreign key with a separate UPDATE.
    pub post_update: bool,
    /// Collection order: `(target column, descending)`.
    pub order_by: Vec<(usize, bool)>,
    /// Loading strategy.
    pub lazy: Lazy,
    /// The extra condition on the target's columns (empty for none).
    pub filter: Condition,
}

/// A configured model.
#[derive(Debug)]
pub(crate) struct Mapper {
    pub meta: &'static ModelMeta,
    pub primary_key: Vec<usize>,
    pub foreign_keys: Vec<ForeignKey>,
    /// One per relationship field.
    pub relationships: Vec<ResolvedRelationship>,
    /// The backrefs other models declared onto this one.
    pub backrefs: Vec<(BackrefId, ResolvedRelationship)>,
    /// Every column, in order: what an INSERT writes.
    pub all_columns: Vec<usize>,
    /// Every column but the autoincrement key: what an INSERT writes when
    /// the database generates the key.
    pub columns_but_generated: Vec<usize>,
    autoincrement: Option<usize>,
}

impl Mapper {
    /// The autoincrement key column, if the model has one.
    pub fn autoincrement(&self) -> Option<usize> {
        self.autoincrement
    }

    /// The primary key values within a row of this model.
    pub fn key_of(&self, row: &[crate::value::Value]) -> crate::identity::Key {
        if let [column] = self.primary_key[..] {
            // Most keys: one value, stored inline.
            let mut key = crate::identity::Key::new();
            key.push(row[column].clone());
            return key;
        }
        self.primary_key.iter().map(|&c| row[c].clone()).collect()
    }

    /// A relationship of this model, field or backref.
    pub fn resolved(&self, rel: RelRef) -> Option<&ResolvedRelationship> {
        match rel {
            RelRef::Field(i) => self.relationships.get(i),
            RelRef::Backref(id) => self.backrefs.iter().find(|(k, _)| *k == id).map(|(_, r)| r),
        }
    }

    /// Every relationship of this model: fields, then backrefs.
    pub fn all_relationships(&self) -> impl Iterator<Item = (RelRef, &ResolvedRelationship)> {
        self.relationships
            .iter()
            .enumerate()
            .map(|(i, r)| (RelRef::Field(i), r))
            .chain(
                self.backrefs
                    .iter()
                    .map(|(id, r)| (RelRef::Backref(*id), r)),
            )
    }
}

/// A table the registry knows: an association table declared with
/// `#[derive(Table)]`, or a model's table used as a `secondary`.
#[derive(Debug)]
pub(crate) struct TableDef {
    pub name: &'static str,
    pub columns: &'static [ColumnMeta],
    pub foreign_keys: Vec<ForeignKey>,
    /// The model mapping this table, when it is a model's table.
    pub model: Option<usize>,
    /// The Rust type that declared it, for messages.
    pub declared_by: &'static str,
}

/// Registers a model for discovery by [`Registry::global`]; emitted by
/// `#[derive(Model)]`.
#[doc(hidden)]
pub struct ModelRegistration(pub fn() -> &'static ModelMeta);

inventory::collect!(ModelRegistration);

/// Registers an association table for discovery (by type or by name);
/// emitted by `#[derive(Table)]`.
#[doc(hidden)]
pub struct TableRegistration(pub fn() -> &'static TableMeta);

inventory::collect!(TableRegistration);

/// A configured set of models: the ORM's view of the schema.
///
/// Build one from every `#[derive(Model)]` type linked into the program with
/// [`Registry::global`], or from an explicit list with [`Registry::builder`].
/// Relationship targets and association tables are pulled in automatically.
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
    pub(crate) tables: Vec<TableDef>,
    by_meta: rustc_hash::FxHashMap<usize, usize>,
    /// The models' metadata addresses, by mapper index: a few models (the
    /// usual registry) are found by scanning this instead of hashing, on
    /// the flush's per-object path.
    meta_keys: Vec<usize>,
    /// Mapper indices, referenced tables before referencing ones.
    pub(crate) table_order: Vec<usize>,
    /// Whether some relationship loads with `selectin` by default (else
    /// freshly loaded objects have nothing to load eagerly).
    pub(crate) eager_defaults: bool,
}

/// Collects the models and tables of a [`Registry`].
#[derive(Debug, Default)]
pub struct RegistryBuilder {
    metas: Vec<&'static ModelMeta>,
    tables: Vec<&'static TableMeta>,
}

impl RegistryBuilder {
    /// Adds a model (and, when built, every model its relationships reach).
    pub fn model<T: Model>(mut self) -> Self {
        self.metas.push(T::meta());
        self
    }

    /// Adds an association table.
    pub fn table<T: Table>(mut self) -> Self {
        self.tables.push(T::table_meta());
        self
    }

    /// Adds a model by its metadata.
    pub fn meta(mut self, meta: &'static ModelMeta) -> Self {
        self.metas.push(meta);
        self
    }

    /// Runs the configure step.
    pub fn build(self) -> Result<Arc<Registry>, ConfigError> {
        Registry::configure(self.metas, self.tables).map(Arc::new)
    }
}

pub(crate) fn meta_key(meta: &'static ModelMeta) -> usize {
    meta as *const ModelMeta as usize
}

impl Registry {
    /// Starts an explicit list of models.
    pub fn builder() -> RegistryBuilder {
        RegistryBuilder::default()
    }

    /// The registry of every `#[derive(Model)]` and `#[derive(Table)]` type
    /// linked into the program, configured once.
    pub fn global() -> Result<Arc<Registry>, ConfigError> {
        static GLOBAL: OnceLock<Result<Arc<Registry>, ConfigError>> = OnceLock::new();
        GLOBAL
            .get_or_init(|| {
                let metas = inventory::iter::<ModelRegistration>
                    .into_iter()
                    .map(|r| (r.0)())
                    .collect();
                let tables = inventory::iter::<TableRegistration>
                    .into_iter()
                    .map(|r| (r.0)())
                    .collect();
                Registry::configure(metas, tables).map(Arc::new)
            })
            .clone()
    }

    /// The mapped tables, referenced tables first (association tables last).
    pub fn tables(&self) -> Vec<&'static str> {
        self.table_order
            .iter()
            .map(|&m| self.mappers[m].meta.table)
            .chain(
                self.tables
                    .iter()
                    .filter(|t| t.model.is_none())
                    .map(|t| t.name),
            )
            .collect()
    }

    /// The direction inferred for a relationship, or `None` if its model is
    /// not registered.
    pub fn direction<M: Model, F>(&self, rel: crate::Rel<M, F>) -> Option<Direction> {
        let mapper = self.mapper_of(M::meta())?;
        Some(self.mappers[mapper].resolved(rel.rel_ref())?.direction)
    }

    pub(crate) fn mapper_of(&self, meta: &'static ModelMeta) -> Option<usize> {
        let key = meta_key(meta);
        if self.meta_keys.len() <= 16 {
            return self.meta_keys.iter().position(|&k| k == key);
        }
        self.by_meta.get(&key).copied()
    }

    fn configure(
        roots: Vec<&'static ModelMeta>,
        explicit_tables: Vec<&'static TableMeta>,
    ) -> Result<Registry, ConfigError> {
        // Models reachable through relationships, in first-seen order.
        let mut metas: Vec<&'static ModelMeta> = Vec::new();
        let mut by_meta = rustc_hash::FxHashMap::default();
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
            let autoincrement = meta.columns.iter().position(|c| c.autoincrement);
            mappers.push(Mapper {
                meta,
                primary_key: meta.primary_key().collect(),
                foreign_keys: resolve::foreign_keys(meta.name, meta.columns, &metas, &by_table)?,
                relationships: Vec::new(),
                backrefs: Vec::new(),
                all_columns: (0..meta.columns.len()).collect(),
                columns_but_generated: (0..meta.columns.len())
                    .filter(|&c| Some(c) != autoincrement)
                    .collect(),
                autoincrement,
            });
        }
        let tables = resolve::tables(&metas, &by_table, explicit_tables)?;

        for m in 0..mappers.len() {
            let resolved = (0..metas[m].relationships.len())
                .map(|r| resolve::relationship(&mappers, &tables, &by_meta, m, r))
                .collect::<Result<Vec<_>, _>>()?;
            mappers[m].relationships = resolved;
        }
        resolve::backrefs(&mut mappers)?;
        for m in 0..mappers.len() {
            for r in 0..mappers[m].relationships.len() {
                validate::back_populates(&mappers, m, r)?;
            }
        }
        validate::secondary_mapped_twice(&mappers, &tables)?;
        let table_order = table_order(&mappers)?;
        let meta_keys = mappers.iter().map(|m| meta_key(m.meta)).collect();
        let eager_defaults = mappers.iter().any(|m| {
            m.all_relationships()
                .any(|(_, r)| r.lazy == crate::meta::Lazy::Selectin)
        });
        Ok(Registry {
            mappers,
            tables,
            by_meta,
            meta_keys,
            table_order,
            eager_defaults,
        })
    }
}

/// Tables in an order where every referenced table precedes the tables that
/// reference it. Self-references are ordered row by row at flush, and
/// foreign keys written by `post_update` relationships do not count.
fn table_order(mappers: &[Mapper]) -> Result<Vec<usize>, ConfigError> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        None,
        Active,
        Done,
    }
    // Columns written by post_update relationships, per mapper.
    let mut deferred: Vec<Vec<usize>> = vec![Vec::new(); mappers.len()];
    for (m, mapper) in mappers.iter().enumerate() {
        for (_, rel) in mapper.all_relationships() {
            if !rel.post_update {
                continue;
            }
            match rel.direction {
                Direction::ManyToOne => deferred[m].extend(rel.pairs.iter().map(|&(_, c)| c)),
                Direction::OneToMany => {
                    deferred[rel.target].extend(rel.pairs.iter().map(|&(_, c)| c))
                }
                Direction::ManyToMany => {}
            }
        }
    }
    struct Walk<'a> {
        mappers: &'a [Mapper],
        deferred: &'a [Vec<usize>],
        marks: Vec<Mark>,
        path: Vec<usize>,
        out: Vec<usize>,
    }
    impl Walk<'_> {
        fn visit(&mut self, m: usize) -> Result<(), ConfigError> {
            match self.marks[m] {
                Mark::Done => return Ok(()),
                Mark::Active => {
                    let start = self.path.iter().position(|&p| p == m).unwrap_or(0);
                    let mut cycle: Vec<usize> = self.path[start..].to_vec();
                    cycle.push(m);
                    return Err(cycle_error(self.mappers, &cycle));
                }
                Mark::None => {}
            }
            self.marks[m] = Mark::Active;
            self.path.push(m);
            for fk in &self.mappers[m].foreign_keys {
                if fk.target != m && !self.deferred[m].contains(&fk.column) {
                    self.visit(fk.target)?;
                }
            }
            self.path.pop();
            self.marks[m] = Mark::Done;
            self.out.push(m);
            Ok(())
        }
    }
    let mut walk = Walk {
        mappers,
        deferred: &deferred,
        marks: vec![Mark::None; mappers.len()],
        path: Vec::new(),
        out: Vec::with_capacity(mappers.len()),
    };
    for m in 0..mappers.len() {
        walk.visit(m)?;
    }
    Ok(walk.out)
}

/// The error for a cycle of tables, naming the relationships that could
/// break it with `post_update = true`.
fn cycle_error(mappers: &[Mapper], cycle: &[usize]) -> ConfigError {
    let tables: Vec<&str> = cycle.iter().map(|&m| mappers[m].meta.table).collect();
    let mut relationships = Vec::new();
    for window in cycle.windows(2) {
        let (from, to) = (window[0], window[1]);
        for (_, rel) in mappers[from].all_relationships() {
            if rel.target == to && rel.direction == Direction::ManyToOne {
                relationships.push(format!("{}.{}", mappers[from].meta.name, rel.name));
            }
        }
    }
    ConfigError::TableCycle {
        tables: tables.join(" -> "),
        relationships: if relationships.is_empty() {
            "a many-to-one relationship on one of them".to_owned()
        } else {
            relationships.join(" or ")
        },
    }
}

impl Secondary {
    pub(crate) fn table_name(&self) -> &'static str {
        match self {
            Secondary::Table(meta) => meta().table,
            Secondary::Name(name) => name,
        }
    }
}
