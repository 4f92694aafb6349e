//! Basic queries: all rows of a model, filtered by column equality, ordered.

use std::marker::PhantomData;

use crate::error::{Error, Result};
use crate::model::Model;
use crate::obj::Obj;
use crate::relation::Col;
use crate::session::{downcast, Session};
use crate::value::{ColumnType, Value};

/// A condition on a column of `M`, made with [`Col::eq`].
pub struct Filter<M> {
    column: usize,
    value: Value,
    _marker: PhantomData<fn() -> M>,
}

impl<M> Filter<M> {
    pub(crate) fn eq(column: usize, value: Value) -> Self {
        Filter {
            column,
            value,
            _marker: PhantomData,
        }
    }
}

/// A query over the rows of `T`; build it with [`Session::query`].
///
/// Rows already in the identity map come back as the objects there, with
/// their in-memory state.
///
/// ```
/// use orm_core::prelude::*;
///
/// #[derive(Model, Debug, Default)]
/// pub struct Item {
///     #[column(primary_key)]
///     pub id: Option<i64>,
///     pub kind: String,
///     pub rank: i32,
/// }
///
/// # fn main() -> orm_core::Result<()> {
/// let registry = Registry::builder().model::<Item>().build()?;
/// let engine = orm_sqlite::memory()?;
/// registry.create_all(&engine)?;
/// let session = Session::new(&engine, &registry);
/// for (kind, rank) in [("a", 2), ("b", 1), ("a", 1)] {
///     session.add(&Obj::new(Item { kind: kind.into(), rank, ..Default::default() }))?;
/// }
/// session.commit()?;
///
/// let a = session.query::<Item>().filter(Item::kind.eq("a")).order_by(Item::rank).all()?;
/// let ranks: Vec<i32> = a.iter().map(|i| i.borrow().rank).collect();
/// assert_eq!(ranks, [1, 2]);
/// # Ok(()) }
/// ```
pub struct Query<'s, T: Model> {
    session: &'s Session,
    filters: Vec<Filter<T>>,
    order: Vec<(usize, bool)>,
}

impl<'s, T: Model> Query<'s, T> {
    pub(crate) fn new(session: &'s Session) -> Self {
        Query {
            session,
            filters: Vec::new(),
            order: Vec::new(),
        }
    }

    /// Keeps the rows that satisfy `filter` (conditions are ANDed).
    pub fn filter(mut self, filter: Filter<T>) -> Self {
        self.filters.push(filter);
        self
    }

    /// Orders by a column, ascending.
    pub fn order_by<V: ColumnType>(mut self, column: Col<T, V>) -> Self {
        self.order.push((column.index(), false));
        self
    }

    /// Orders by a column, descending.
    pub fn order_by_desc<V: ColumnType>(mut self, column: Col<T, V>) -> Self {
        self.order.push((column.index(), true));
        self
    }

    /// Runs the query.
    pub fn all(self) -> Result<Vec<Obj<T>>> {
        let inner = self.session.inner();
        let mapper = inner.mapper_index(T::meta())?;
        let (columns, values): (Vec<usize>, Vec<Value>) = self
            .filters
            .into_iter()
            .map(|f| (f.column, f.value))
            .unzip();
        let found = crate::loading::select(inner, mapper, &columns, values, &self.order)?;
        found.iter().map(downcast::<T>).collect()
    }

    /// The first row, if any.
    pub fn first(self) -> Result<Option<Obj<T>>> {
        Ok(self.all()?.into_iter().next())
    }

    /// Exactly one row; zero or several rows are an error.
    pub fn one(self) -> Result<Obj<T>> {
        let mut rows = self.all()?;
        match rows.len() {
            1 => Ok(rows.remove(0)),
            n => Err(Error::RowCount {
                model: T::meta().name,
                found: n,
            }),
        }
    }
}

/// A primary key value: a single value or a tuple for composite keys.
pub trait IntoKey {
    /// The key values, in primary key column order.
    fn into_key(self) -> Vec<Value>;
}

macro_rules! single_key {
    ($($t:ty),*) => {$(
        impl IntoKey for $t {
            fn into_key(self) -> Vec<Value> { vec![Value::from(self)] }
        }
    )*};
}
single_key!(i64, i32, String, &str, Vec<u8>);

impl<A: Into<Value>, B: Into<Value>> IntoKey for (A, B) {
    fn into_key(self) -> Vec<Value> {
        vec![self.0.into(), self.1.into()]
    }
}

impl<A: Into<Value>, B: Into<Value>, C: Into<Value>> IntoKey for (A, B, C) {
    fn into_key(self) -> Vec<Value> {
        vec![self.0.into(), self.1.into(), self.2.into()]
    }
}

impl IntoKey for Vec<Value> {
    fn into_key(self) -> Vec<Value> {
        self
    }
}
