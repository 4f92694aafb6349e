//! A declarative ORM with SQLAlchemy's relationship patterns.
//!
//! Put `#[derive(Model)]` on plain structs, declare relationships with
//! `#[relationship(back_populates = "...")]` on [`Many<T>`] and [`One<T>`]
//! fields, and work with an object graph through a [`Session`]: `add`,
//! `delete`, `flush`, `commit`. The session keeps an identity map (one row,
//! one object), keeps both sides of a relationship in sync in memory, and
//! flushes INSERT, UPDATE and DELETE statements in dependency order.
//!
//! ```
//! use orm_core::prelude::*;
//!
//! #[derive(Model, Debug, Default)]
//! #[model(table = "parent")]
//! pub struct Parent {
//!     #[column(primary_key)]
//!     pub id: Option<i64>,
//!     pub name: String,
//!     #[relationship(back_populates = "parent")]
//!     pub children: Many<Child>,
//! }
//!
//! #[derive(Model, Debug, Default)]
//! #[model(table = "child")]
//! pub struct Child {
//!     #[column(primary_key)]
//!     pub id: Option<i64>,
//!     #[column(foreign_key = "parent.id")]
//!     pub parent_id: Option<i64>,
//!     #[relationship(back_populates = "children")]
//!     pub parent: One<Parent>,
//! }
//!
//! # fn main() -> orm_core::Result<()> {
//! let registry = Registry::builder().model::<Parent>().build()?;
//! let engine = orm_sqlite::memory()?;
//! registry.create_all(&engine)?;
//! let session = Session::new(&engine, &registry);
//!
//! let parent = Obj::new(Parent { name: "p1".into(), ..Default::default() });
//! let child = Obj::new(Child::default());
//! child.set(Child::parent, &parent)?;            // parent.children now holds child
//! assert_eq!(parent.borrow().children.len(), 1);
//!
//! session.add(&parent)?;
//! session.commit()?;                              // INSERT parent, then child
//! assert_eq!(child.borrow().parent_id, parent.borrow().id);
//! # Ok(()) }
//! ```
//!
//! # Queries
//!
//! [`Session::query`] builds a [`Query`]; its conditions are [`Filter`]s made
//! from the column constants the derive generates, so a value of the wrong
//! type or a column of another model does not compile. Every value is bound
//! and every identifier quoted by the backend's dialect.
//!
//! ```
//! # use orm_core::prelude::*;
//! # #[derive(Model, Debug, Default)]
//! # pub struct Book { #[column(primary_key)] pub id: Option<i64>, pub title: String, pub year: i64 }
//! # fn main() -> orm_core::Result<()> {
//! # let registry = Registry::builder().model::<Book>().build()?;
//! # let engine = orm_sqlite::memory()?;
//! # registry.create_all(&engine)?;
//! # let session = Session::new(&engine, &registry);
//! let recent = session
//!     .query::<Book>()
//!     .filter(Book::year.ge(2000) & (Book::title.icontains("rust") | Book::year.in_([2020, 2021])))
//!     .order_by(Book::year.desc())
//!     .limit(10)
//!     .all()?;
//! let older = session.query::<Book>().filter(Book::year.lt(2000)).count()?;
//! # let _ = (recent, older);
//! # Ok(()) }
//! ```
//!
//! # Memory
//!
//! Objects are reference-counted handles ([`Obj<T>`]). An object is freed
//! when the program no longer reaches it: through a handle it holds, a
//! [`Session`] it holds, or another object it reaches. Bidirectional
//! relationships are reference cycles; a cycle collector frees unreachable
//! ones when a session ends and, for objects outside sessions, after enough
//! handles have been dropped. [`collect_cycles`] frees them at once.
//! Objects and sessions are `!Send`: they stay on the thread that made
//! them (one session per thread, request or job). The [`Engine`] is
//! `Send + Sync`: a pool of connections shared by every thread, from which
//! each session checks one out for its transaction.
//!
//! # Concurrency
//!
//! Two sessions (or processes) may load the same row. A model with a
//! `#[column(version)]` integer gets optimistic locking: every UPDATE and
//! DELETE matches the version the session loaded and increments it, and a
//! row changed by another transaction meanwhile is [`Error::StaleData`]
//! (the flush writes nothing). Without a version column, the last writer
//! wins: each flush writes the columns its objects changed. Generated keys
//! are never reused, so a stale object never reaches a new row. A session
//! sees other writers' changes to rows it has already loaded only when it
//! asks ([`Session::refresh`], [`Session::expire`]).
#![warn(missing_docs)]

mod aggregate;
mod bulk;
mod cycles;
mod ddl;
mod dependency;
mod engine;
mod error;
mod expiry;
mod filter;
mod identity;
mod introspect;
mod join;
mod loading;
mod meta;
mod model;
mod multirow;
mod obj;
mod objlist;
mod operators;
mod persistence;
mod pool;
mod proxy;
mod query;
mod raw;
mod registry;
mod relation;
mod retry;
mod schema_diff;
mod select;
mod session;
mod sql;
mod state;
mod sync;
pub mod types;
mod unitofwork;
mod value;

pub use aggregate::{
    avg, count, count_all, count_distinct, max, min, sum, Agg, AggOrder, Aggregated, Nullable,
    Numeric, Star,
};
pub use bulk::{Assigned, Assignment, Assignments, ColExpr, SetValue};
pub use cycles::collect_cycles;
pub use engine::{
    Connection, Dialect, Engine, EngineConnection, ExecOutcome, IsolationLevel, Statement,
};
pub use error::{ConfigError, DbError, DbErrorKind, Error, Result};
pub use filter::{Condition, Filter};
pub use introspect::{
    ColumnDescription, ForeignKeyDescription, IndexDescription, QueryFn, TableDescription,
};
pub use join::{Aliased, Here, InQuery, There};
pub use meta::{
    BackrefId, BackrefMeta, Cardinality, Cascade, ColumnMeta, Lazy, ModelMeta, PassiveDeletes,
    ReferentialAction, RelRef, RelationshipMeta, Secondary, TableConstraint, TableMeta,
};
pub use model::Model;
pub use model::Table;
pub use multirow::OneRowInsert;
pub use obj::{AnyObj, Obj, ObjRef, WeakObj};
pub use operators::{Operand, Order, TextColumn};
pub use orm_derive::{ColumnEnum, Model, Table};
pub use pool::{r2d2, PoolOptions};
pub use proxy::AssociationProxy;
pub use query::{selectin, IntoKey, LoadPath, Query};
pub use raw::{FromRow, Params};
pub use registry::{Direction, Registry, RegistryBuilder};
pub use relation::{Col, Many, One, Rel, RelationKind, RelationshipField};
pub use retry::{transaction_with_retry, RetryPolicy};
pub use schema_diff::SchemaDifference;
pub use select::{
    HavingCondition, Select, SelectItem, SelectOrder, SelectOrdering, SelectRoot, Selectable,
    Selection, Single,
};
pub use session::Session;
pub use state::ObjectState;
pub use value::{ColumnType, SqlType, Value};

/// The names most programs need: `use orm_core::prelude::*;`.
pub mod prelude {
    pub use crate::{ColumnEnum, Engine, Many, Model, Obj, One, Registry, Session, Table};
}

/// Support for the code `#[derive(Model)]` generates. Not public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::filter::{Condition, Filter};
    pub use crate::meta::{
        BackrefMeta, Cardinality, Cascade, ColumnMeta, Lazy, ModelMeta, PassiveDeletes,
        ReferentialAction, RelationshipMeta, Secondary, TableConstraint, TableMeta,
    };
    pub use crate::model::Table;
    pub use crate::registry::{ModelRegistration, TableRegistration};
    pub use crate::relation::{Col, Many, One, Rel, RelationKind, RelationshipField};
    pub use crate::value::{ColumnType, NotOption, SqlType, Value};
    pub use crate::{Error, Model, Result};
    pub use inventory;

    use std::rc::Rc;

    /// Builds a loaded instance of `T` from one value per column.
    pub fn construct<T: Model>(values: Vec<Value>) -> Result<crate::AnyObj> {
        let data = T::from_values(values)?;
        Ok(crate::AnyObj(Rc::new(crate::obj::Instance::new(
            crate::state::InstanceState::transient(),
            false,
            data,
        ))))
    }

    /// Storage for a backref of target type `T`: `One<T>` or `Many<T>`.
    pub fn backref_field<F: RelationshipField + NewField + 'static>(
        loaded: bool,
    ) -> Box<dyn RelationshipField> {
        Box::new(F::new_field(loaded))
    }

    /// Makes an empty or an unloaded relationship field.
    pub trait NewField {
        /// Empty and loaded (a new object), or unloaded (an object with a row).
        fn new_field(loaded: bool) -> Self;
    }

    impl<T: Model> NewField for One<T> {
        fn new_field(loaded: bool) -> Self {
            if loaded {
                One::new()
            } else {
                One::unloaded()
            }
        }
    }

    impl<T: Model> NewField for Many<T> {
        fn new_field(loaded: bool) -> Self {
            if loaded {
                Many::new()
            } else {
                Many::unloaded()
            }
        }
    }

    /// The value of a `default = <expr>` (typed as the field's `T`).
    pub fn default_value<T: ColumnType + NotOption>(value: T) -> Result<Value> {
        value.try_to_value()
    }

    /// Names the column in a conversion error.
    pub fn column_error(model: &'static str, column: &'static str, source: Error) -> Error {
        Error::Column {
            model,
            column,
            source: Box::new(source),
        }
    }

    /// Takes the next value of a row, for `from_values`.
    pub fn next_value(values: &mut std::vec::IntoIter<Value>) -> Result<Value> {
        values.next().ok_or_else(|| {
            Error::Internal("row has fewer values than the model has columns".into())
        })
    }

    /// Compile-time check that `back_populates` names a relationship field
    /// of the target whose own target is `Source`.
    pub const fn assert_back_populates<Source, R: BackPopulates<Source>>(_rel: &R) {}

    /// Implemented by the descriptors of relationships that point to `Source`.
    #[diagnostic::on_unimplemented(
        message = "`back_populates` must name a relationship (a Many<{Source}> or One<{Source}> field) of the target model",
        label = "this names `{Self}`, not a relationship back to `{Source}`"
    )]
    pub trait BackPopulates<Source> {}

    impl<M, S: Model> BackPopulates<S> for Rel<M, Many<S>> {}
    impl<M, S: Model> BackPopulates<S> for Rel<M, One<S>> {}
}
