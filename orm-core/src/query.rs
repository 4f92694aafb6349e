//! Basic queries: all rows of a model, filtered by column equality, ordered.

use std::marker::PhantomData;

use crate::error::{Error, Result};
use crate::filter::Filter;
use crate::meta::RelRef;
use crate::model::Model;
use crate::obj::Obj;
use crate::relation::{Col, Rel, RelationKind};
use crate::session::{downcast, Session};
use crate::value::{ColumnType, Value};

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
    eager: Vec<Vec<RelRef>>,
    page: crate::loading::Page,
}

/// A chain of relationships to load eagerly with a query, built by
/// [`selectin`] and [`LoadPath::then`].
///
/// Each step costs one query for all the objects of the level before it
/// ("selectin" loading), so a list of parents with their children and
/// grandchildren is three queries, not one per object.
pub struct LoadPath<Root, Leaf> {
    steps: Vec<RelRef>,
    _marker: PhantomData<fn() -> (Root, Leaf)>,
}

/// Starts a [`LoadPath`] at a relationship of the queried model.
///
/// ```
/// use orm_core::prelude::*;
/// use orm_core::selectin;
///
/// #[derive(Model, Debug, Default)]
/// pub struct Folder {
///     #[column(primary_key)]
///     pub id: Option<i64>,
///     #[relationship(back_populates = "folder")]
///     pub files: Many<File>,
/// }
///
/// #[derive(Model, Debug, Default)]
/// pub struct File {
///     #[column(primary_key)]
///     pub id: Option<i64>,
///     #[column(foreign_key = "folder.id")]
///     pub folder_id: Option<i64>,
///     #[relationship(back_populates = "files")]
///     pub folder: One<Folder>,
/// }
///
/// # fn main() -> orm_core::Result<()> {
/// let registry = Registry::builder().model::<Folder>().build()?;
/// let engine = orm_sqlite::memory()?;
/// registry.create_all(&engine)?;
/// let session = Session::new(&engine, &registry);
/// let folder = Obj::new(Folder::default());
/// folder.append(Folder::files, &Obj::new(File::default()))?;
/// session.add(&folder)?;
/// session.commit()?;
/// drop(session);
///
/// let session = Session::new(&engine, &registry);
/// engine.start_recording();
/// let folders = session.query::<Folder>().options(selectin(Folder::files)).all()?;
/// assert!(folders[0].borrow().files.is_loaded());
/// assert_eq!(engine.take_recorded().len(), 2); // the folders, then all their files
/// # Ok(()) }
/// ```
pub fn selectin<M: Model, F: RelationKind>(rel: Rel<M, F>) -> LoadPath<M, F::Target> {
    LoadPath {
        steps: vec![rel.rel_ref()],
        _marker: PhantomData,
    }
}

impl<Root, Leaf: Model> LoadPath<Root, Leaf> {
    /// Continues the path with a relationship of the last step's target.
    pub fn then<F: RelationKind>(mut self, rel: Rel<Leaf, F>) -> LoadPath<Root, F::Target> {
        self.steps.push(rel.rel_ref());
        LoadPath {
            steps: self.steps,
            _marker: PhantomData,
        }
    }
}

impl<'s, T: Model> Query<'s, T> {
    pub(crate) fn new(session: &'s Session) -> Self {
        Query {
            session,
            filters: Vec::new(),
            order: Vec::new(),
            eager: Vec::new(),
            page: crate::loading::Page::default(),
        }
    }

    /// Loads a relationship path eagerly for every row of the result; see
    /// [`selectin`].
    pub fn options<L>(mut self, path: LoadPath<T, L>) -> Self {
        self.eager.push(path.steps);
        self
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

    /// Returns at most `n` rows (`LIMIT`). Give an order too, or which rows
    /// come back is up to the database.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Item { #[column(primary_key)] pub id: Option<i64>, pub rank: i32 }
    /// # fn main() -> orm_core::Result<()> {
    /// # let registry = Registry::builder().model::<Item>().build()?;
    /// # let engine = orm_sqlite::memory()?;
    /// # registry.create_all(&engine)?;
    /// # let session = Session::new(&engine, &registry);
    /// for rank in 1..=10 {
    ///     session.add(&Obj::new(Item { rank, ..Default::default() }))?;
    /// }
    /// session.commit()?;
    /// let page = session.query::<Item>().order_by(Item::rank).offset(4).limit(3).all()?;
    /// let ranks: Vec<i32> = page.iter().map(|i| i.borrow().rank).collect();
    /// assert_eq!(ranks, [5, 6, 7]);
    /// # Ok(()) }
    /// ```
    pub fn limit(mut self, n: u64) -> Self {
        self.page.limit = Some(n);
        self
    }

    /// Skips the first `n` rows (`OFFSET`); see [`limit`](Query::limit).
    pub fn offset(mut self, n: u64) -> Self {
        self.page.offset = Some(n);
        self
    }

    /// Runs the query.
    pub fn all(self) -> Result<Vec<Obj<T>>> {
        let inner = self.session.inner();
        let mapper = inner.mapper_index(T::meta())?;
        let (columns, values): (Vec<usize>, Vec<Value>) = self
            .filters
            .into_iter()
            .flat_map(|f| f.into_condition().into_terms())
            .map(|t| (t.column, t.value))
            .unzip();
        let found =
            crate::loading::select(inner, mapper, &columns, values, &self.order, self.page)?;
        crate::loading::load_eager_defaults(inner, &found)?;
        for path in &self.eager {
            let mut level = found.clone();
            for &rel in path {
                if level.is_empty() {
                    break;
                }
                let loaded = crate::loading::load_related(inner, &level, rel)?;
                crate::loading::load_eager_defaults(inner, &loaded.fresh)?;
                level = loaded.targets;
            }
        }
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
