//! Static metadata that `#[derive(Model)]` and `#[derive(Table)]` generate.
//!
//! This is what the derives know at compile time: names, types and the
//! attributes as written. The [`Registry`](crate::Registry) resolves it into
//! the configured form (directions, column pairs, table order).

use crate::error::Result;
use crate::filter::Condition;
use crate::obj::AnyObj;
use crate::relation::RelationshipField;
use crate::value::{SqlType, Value};

/// The static description of one model.
#[derive(Debug)]
pub struct ModelMeta {
    /// The Rust type name.
    pub name: &'static str,
    /// The table it maps.
    pub table: &'static str,
    /// Its columns, in field order.
    pub columns: &'static [ColumnMeta],
    /// Its relationship fields, in field order.
    pub relationships: &'static [RelationshipMeta],
    /// Table-level indexes and constraints (`#[model(index(..), unique(..),
    /// check = "..")]`).
    pub constraints: &'static [TableConstraint],
    /// This metadata, as a function (names the model in constants).
    #[doc(hidden)]
    pub get: fn() -> &'static ModelMeta,
    /// Builds an instance from one value per column (generated).
    #[doc(hidden)]
    pub construct: fn(Vec<Value>) -> Result<AnyObj>,
}

impl ModelMeta {
    /// The index of the `#[column(version)]` column, if the model has one.
    pub fn version_column(&self) -> Option<usize> {
        self.columns.iter().position(|c| c.version)
    }

    /// Indices of the primary key columns, in column order.
    pub fn primary_key(&self) -> impl Iterator<Item = usize> + '_ {
        self.columns
            .iter()
            .enumerate()
            .filter(|(_, c)| c.primary_key)
            .map(|(i, _)| i)
    }

    /// The column with this column name.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// The relationship field with this name.
    pub fn relationship_index(&self, field: &str) -> Option<usize> {
        self.relationships.iter().position(|r| r.field == field)
    }

    /// Whether two metadata references describe the same model.
    pub fn same(&self, other: &ModelMeta) -> bool {
        std::ptr::eq(self, other)
    }
}

/// The static description of a table that is not a model: the association
/// table of a many-to-many relationship, declared with `#[derive(Table)]`.
#[derive(Debug)]
pub struct TableMeta {
    /// The Rust type name.
    pub name: &'static str,
    /// The table name.
    pub table: &'static str,
    /// Its columns.
    pub columns: &'static [ColumnMeta],
}

/// An index or constraint over columns of a model's table, declared with
/// `#[model(...)]`. Columns are named by column name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableConstraint {
    /// `index(a, b)`: a (composite) index, `ix_<table>_<a>_<b>`.
    Index(&'static [&'static str]),
    /// `unique(a, b)`: a `UNIQUE (a, b)` table constraint.
    Unique(&'static [&'static str]),
    /// `check = "price >= 0"`: a `CHECK (...)` table constraint, its SQL as
    /// written.
    Check(&'static str),
}

/// The static description of one column.
#[derive(Debug)]
pub struct ColumnMeta {
    /// The struct field.
    pub field: &'static str,
    /// The column name (the field name unless `name = "..."` is given).
    pub name: &'static str,
    /// The storage class.
    pub sql_type: SqlType,
    /// Whether NULL is allowed (the field is an `Option`).
    pub nullable: bool,
    /// Whether the column is part of the primary key.
    pub primary_key: bool,
    /// Whether the database generates the value (a single `Option<i64>` key).
    pub autoincrement: bool,
    /// Whether the column carries a `UNIQUE` constraint.
    pub unique: bool,
    /// `#[column(index)]`: `Some(true)` indexes the column, `Some(false)`
    /// keeps the index a foreign key column gets by default off, `None`
    /// leaves the default (foreign keys indexed, other columns not).
    pub index: Option<bool>,
    /// The referenced `table.column`, if this is a foreign key.
    pub foreign_key: Option<&'static str>,
    /// The foreign key's `ON DELETE` rule
    /// (`#[column(foreign_key = "...", on_delete = "cascade")]`).
    pub on_delete: Option<ReferentialAction>,
    /// The foreign key's `ON UPDATE` rule.
    pub on_update: Option<ReferentialAction>,
    /// Whether this is the optimistic-concurrency counter
    /// (`#[column(version)]`): every UPDATE and DELETE of the row checks it
    /// and every UPDATE increments it.
    pub version: bool,
    /// `#[column(server_default = "SQL")]`: the column's `DEFAULT` clause,
    /// SQL as written. An INSERT of an object whose field is `None` leaves
    /// the column out, and the value the database chose is read back into
    /// the object where the dialect supports `RETURNING`.
    pub server_default: Option<&'static str>,
    /// `#[column(default = <expr>)]` or `default_fn = path`: the value an
    /// INSERT writes, and stores into the object, when the field is `None`
    /// (evaluated for every such INSERT).
    pub default: Option<fn() -> Result<Value>>,
}

/// What the database does to the rows that refer to a row when that row is
/// deleted (`ON DELETE`) or its key changes (`ON UPDATE`): a foreign key's
/// referential action, written
/// `#[column(foreign_key = "parent.id", on_delete = "cascade")]`.
///
/// `create_all` emits it; the session does not rely on it unless a
/// relationship says `passive_deletes` (see
/// [`PassiveDeletes`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferentialAction {
    /// `NO ACTION`: the statement fails if rows still refer (checked at the
    /// end of the statement; the database's default).
    NoAction,
    /// `RESTRICT`: the statement fails if rows still refer (checked at once).
    Restrict,
    /// `CASCADE`: the referring rows are deleted (or re-keyed).
    Cascade,
    /// `SET NULL`: the referring rows' foreign key becomes NULL.
    SetNull,
}

impl ReferentialAction {
    /// The SQL keywords: `CASCADE`, `SET NULL`, ...
    pub fn sql(self) -> &'static str {
        match self {
            ReferentialAction::NoAction => "NO ACTION",
            ReferentialAction::Restrict => "RESTRICT",
            ReferentialAction::Cascade => "CASCADE",
            ReferentialAction::SetNull => "SET NULL",
        }
    }
}

/// What deleting an object does with the rows of a relationship that are
/// not loaded: SQLAlchemy's `passive_deletes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PassiveDeletes {
    /// Load the relationship and apply its cascade to every related row:
    /// delete them (`delete` cascade), un-parent them (one-to-many) or
    /// delete their association rows (many-to-many). The default.
    #[default]
    Off,
    /// `passive_deletes`: an unloaded relationship is not loaded; its rows
    /// are left to the foreign key's `ON DELETE` rule. A loaded one is
    /// handled as with `Off`.
    Unloaded,
    /// `passive_deletes = "all"`: the session never loads nor writes the
    /// related rows, loaded or not; the database's rule does everything.
    All,
}

/// Whether a relationship holds one object or a collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cardinality {
    /// A `One<T>`: at most one object.
    One,
    /// A `Many<T>`: a collection.
    Many,
}

/// The cascades of a relationship, SQLAlchemy's `cascade = "..."`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cascade {
    /// `save-update`: adding the parent adds the related objects.
    pub save_update: bool,
    /// `merge` (accepted; there is no `merge` operation yet).
    pub merge: bool,
    /// `delete`: deleting the parent deletes the related objects.
    pub delete: bool,
    /// `delete-orphan`: a related object removed from the parent is deleted.
    pub delete_orphan: bool,
    /// `refresh-expire` (accepted; objects are not expired).
    pub refresh_expire: bool,
    /// `expunge`: expunging the parent expunges the related objects.
    pub expunge: bool,
}

impl Cascade {
    /// SQLAlchemy's default, `"save-update, merge"`.
    pub const DEFAULT: Cascade = Cascade {
        save_update: true,
        merge: true,
        delete: false,
        delete_orphan: false,
        refresh_expire: false,
        expunge: false,
    };

    /// No cascade at all (what a `viewonly` relationship gets).
    pub const NONE: Cascade = Cascade {
        save_update: false,
        merge: false,
        delete: false,
        delete_orphan: false,
        refresh_expire: false,
        expunge: false,
    };
}

impl Default for Cascade {
    fn default() -> Self {
        Cascade::DEFAULT
    }
}

/// How a relationship loads when it is not loaded yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lazy {
    /// On first use, one query for this object (the default).
    #[default]
    Select,
    /// Eagerly, for every object of a query at once (one query per level).
    Selectin,
}

/// The association table of a many-to-many relationship.
#[derive(Debug, Clone, Copy)]
pub enum Secondary {
    /// By type: `secondary = Association`.
    Table(fn() -> &'static TableMeta),
    /// By table name, resolved at configure time: `secondary = "association"`.
    Name(&'static str),
}

/// The reverse relationship that `backref = "..."` creates on the target.
#[derive(Debug)]
pub struct BackrefMeta {
    /// Its name (the accessor constant on the target).
    pub name: &'static str,
    /// `One` or `Many`.
    pub cardinality: Cardinality,
    /// Makes the relationship's storage for one target object.
    #[doc(hidden)]
    pub new_field: fn(loaded: bool) -> Box<dyn RelationshipField>,
}

/// The static description of one relationship field.
#[derive(Debug)]
pub struct RelationshipMeta {
    /// The struct field.
    pub field: &'static str,
    /// The target model.
    pub target: fn() -> &'static ModelMeta,
    /// `One` or `Many`, from the field type.
    pub cardinality: Cardinality,
    /// The relationship on the target that mirrors this one.
    pub back_populates: Option<&'static str>,
    /// The reverse relationship this one creates on the target.
    pub backref: Option<BackrefMeta>,
    /// The association table, for many-to-many.
    pub secondary: Option<Secondary>,
    /// Columns (`table.column` or `column`) that restrict which foreign keys link the two tables.
    pub foreign_keys: &'static [&'static str],
    /// The cascades.
    pub cascade: Cascade,
    /// What deleting the owner does with related rows not loaded.
    pub passive_deletes: PassiveDeletes,
    /// Loads but never writes.
    pub viewonly: bool,
    /// An extra condition on the target's columns (viewonly only):
    /// `#[relationship(viewonly, filter = Child::active.eq(true))]`.
    pub filter: Option<fn() -> Condition>,
    /// Write the foreign key with a second UPDATE, to break a dependency cycle.
    pub post_update: bool,
    /// Collection order: `(column name, descending)` on the target.
    pub order_by: &'static [(&'static str, bool)],
    /// The loading strategy.
    pub lazy: Lazy,
}

/// Names a relationship of a model: one of its fields, or a relationship
/// that another model's `backref` created on it.
#[derive(Debug, Clone, Copy)]
pub enum RelRef {
    /// Relationship field `i` of the model.
    Field(usize),
    /// The backref created by relationship field `index` of model `origin`.
    Backref(BackrefId),
}

/// Identifies a backref by the relationship that declares it.
#[derive(Debug, Clone, Copy)]
pub struct BackrefId {
    /// The model that declares the relationship.
    pub origin: fn() -> &'static ModelMeta,
    /// The relationship field on it.
    pub index: usize,
}

impl PartialEq for BackrefId {
    fn eq(&self, other: &Self) -> bool {
        self.index == other.index && std::ptr::eq((self.origin)(), (other.origin)())
    }
}

impl Eq for BackrefId {}

impl PartialEq for RelRef {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (RelRef::Field(a), RelRef::Field(b)) => a == b,
            (RelRef::Backref(a), RelRef::Backref(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for RelRef {}

/// Everything the in-memory layer needs to know about one relationship of
/// a model, whether a field or a backref, from static metadata alone.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RelInfo {
    /// The accessor name.
    pub name: &'static str,
    /// `One` or `Many`.
    pub cardinality: Cardinality,
    /// The mirroring relationship on the target.
    pub reverse: Option<RelRef>,
    /// Cascades.
    pub cascade: Cascade,
    /// Whether its links are rows of an association table (`secondary`).
    pub secondary: bool,
}

impl RelRef {
    /// Whether `owner`'s relationship `self` holds one object or many;
    /// `None` if it does not exist. [`info`](Self::info)'s `cardinality`,
    /// without looking up the reverse relationship.
    pub(crate) fn cardinality(self, owner: &'static ModelMeta) -> Option<Cardinality> {
        match self {
            RelRef::Field(i) => Some(owner.relationships.get(i)?.cardinality),
            RelRef::Backref(id) => {
                let rel = (id.origin)().relationships.get(id.index)?;
                Some(rel.backref.as_ref()?.cardinality)
            }
        }
    }

    /// The cascades of `owner`'s relationship `self` (none for a viewonly
    /// one); `None` if it does not exist. [`info`](Self::info)'s `cascade`,
    /// without looking up the reverse relationship.
    pub(crate) fn cascade(self, owner: &'static ModelMeta) -> Option<Cascade> {
        let (rel, declared) = match self {
            RelRef::Field(i) => {
                let rel = owner.relationships.get(i)?;
                (rel, rel.cascade)
            }
            RelRef::Backref(id) => {
                let rel = (id.origin)().relationships.get(id.index)?;
                rel.backref.as_ref()?;
                (rel, Cascade::DEFAULT)
            }
        };
        Some(if rel.viewonly {
            Cascade::NONE
        } else {
            declared
        })
    }

    /// What `owner`'s relationship `self` is; `None` if it does not exist.
    pub(crate) fn info(self, owner: &'static ModelMeta) -> Option<RelInfo> {
        match self {
            RelRef::Field(i) => {
                let rel = owner.relationships.get(i)?;
                let target = (rel.target)();
                let reverse = match (rel.back_populates, &rel.backref) {
                    (Some(name), _) => target.relationship_index(name).map(RelRef::Field),
                    (None, Some(_)) => Some(RelRef::Backref(BackrefId {
                        origin: owner.get,
                        index: i,
                    })),
                    (None, None) => None,
                };
                Some(RelInfo {
                    name: rel.field,
                    cardinality: rel.cardinality,
                    reverse,
                    cascade: self.cascade(owner)?,
                    secondary: rel.secondary.is_some(),
                })
            }
            RelRef::Backref(id) => {
                let origin = (id.origin)();
                let rel = origin.relationships.get(id.index)?;
                let backref = rel.backref.as_ref()?;
                Some(RelInfo {
                    name: backref.name,
                    cardinality: backref.cardinality,
                    reverse: Some(RelRef::Field(id.index)),
                    cascade: self.cascade(owner)?,
                    secondary: rel.secondary.is_some(),
                })
            }
        }
    }
}
