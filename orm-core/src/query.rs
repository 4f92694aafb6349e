//! Queries over the rows of one model: filtered by typed conditions
//! ([`Filter`]), ordered, paged, counted.

use std::marker::PhantomData;

use crate::error::{Error, Result};
use crate::filter::{Condition, Filter};
use crate::join::{source_of, InQuery, Join, JoinStep};
use crate::loading::SelectSpec;
use crate::meta::RelRef;
use crate::model::Model;
use crate::obj::Obj;
use crate::operators::{Order, OrderTerm};
use crate::relation::{Col, Rel, RelationKind};
use crate::session::{downcast, Session};
use crate::sql::Output;
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
pub struct Query<'s, T: Model, J = ()> {
    pub(crate) session: &'s Session,
    pub(crate) filter: Condition,
    pub(crate) order: Vec<OrderTerm>,
    pub(crate) eager: Vec<Vec<RelRef>>,
    pub(crate) page: crate::loading::Page,
    pub(crate) distinct: bool,
    pub(crate) joins: Vec<JoinStep>,
    pub(crate) _model: PhantomData<fn() -> (T, J)>,
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
            filter: Condition::default(),
            order: Vec::new(),
            eager: Vec::new(),
            page: crate::loading::Page::default(),
            distinct: false,
            joins: Vec::new(),
            _model: PhantomData,
        }
    }
}

impl<'s, T: Model, J> Query<'s, T, J> {
    /// Loads a relationship path eagerly for every row of the result; see
    /// [`selectin`].
    pub fn options<L>(mut self, path: LoadPath<T, L>) -> Self {
        self.eager.push(path.steps);
        self
    }

    /// Keeps the rows that satisfy `filter`; the filters of several calls
    /// are ANDed. The filter is typed by the model, so a condition on
    /// another model's columns does not compile.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Book { #[column(primary_key)] pub id: Option<i64>, pub title: String, pub year: i64 }
    /// # fn main() -> orm_core::Result<()> {
    /// # let registry = Registry::builder().model::<Book>().build()?;
    /// # let engine = orm_sqlite::memory()?;
    /// # registry.create_all(&engine)?;
    /// # let session = Session::new(&engine, &registry);
    /// for (title, year) in [("Rust in Action", 2021), ("Dune", 1965), ("Rust for Rustaceans", 2021)] {
    ///     session.add(&Obj::new(Book { title: title.into(), year, ..Default::default() }))?;
    /// }
    /// session.commit()?;
    /// let found = session
    ///     .query::<Book>()
    ///     .filter(Book::year.gt(2000) & Book::title.contains("Rust"))
    ///     .filter(Book::title.ne("Rust in Action") | Book::year.lt(1970))
    ///     .all()?;
    /// assert_eq!(found.len(), 1);
    /// assert_eq!(found[0].borrow().title, "Rust for Rustaceans");
    /// # Ok(()) }
    /// ```
    pub fn filter<M, I>(mut self, filter: Filter<M>) -> Self
    where
        (T, J): InQuery<M, I>,
    {
        let source = source_of(<(T, J) as InQuery<M, I>>::POSITION, self.joins.len());
        let condition = filter.into_condition().on_source(source);
        self.filter = std::mem::take(&mut self.filter).and(condition);
        self
    }

    /// Joins the target of a relationship (SQLAlchemy's
    /// `select(Author).join(Author.books)`), so that filters may test its
    /// columns; the query still returns its own model. The relationship
    /// starts from the queried model or from a model joined before. A
    /// one-to-many join gives one row per match, so an object may come back
    /// more than once: add [`distinct`](Query::distinct). Many-to-many
    /// joins go through the association table; a relationship's own
    /// `filter` goes into the `ON` clause. A table already in the query
    /// (self-referential relationships) needs an alias:
    /// [`join_aliased`](Query::join_aliased); here it is
    /// [`Error::UnsupportedJoin`].
    ///
    /// ```
    /// use orm_core::prelude::*;
    ///
    /// #[derive(Model, Debug, Default)]
    /// pub struct Author {
    ///     #[column(primary_key)]
    ///     pub id: Option<i64>,
    ///     pub name: String,
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
    ///     pub year: i64,
    ///     #[relationship(back_populates = "books")]
    ///     pub author: One<Author>,
    /// }
    ///
    /// # fn main() -> orm_core::Result<()> {
    /// let registry = Registry::builder().model::<Author>().build()?;
    /// let engine = orm_sqlite::memory()?;
    /// registry.create_all(&engine)?;
    /// let session = Session::new(&engine, &registry);
    /// for (name, years) in [("Ann", vec![1999, 2021]), ("Bob", vec![1980])] {
    ///     let author = Obj::new(Author { name: name.into(), ..Default::default() });
    ///     for year in years {
    ///         author.append(Author::books, &Obj::new(Book { year, ..Default::default() }))?;
    ///     }
    ///     session.add(&author)?;
    /// }
    /// session.commit()?;
    /// let recent = session
    ///     .query::<Author>()
    ///     .join(Author::books)
    ///     .filter(Book::year.gt(2000))
    ///     .filter(Author::name.ne("Zed"))
    ///     .distinct()
    ///     .all()?;
    /// assert_eq!(recent.len(), 1);
    /// assert_eq!(recent[0].borrow().name, "Ann");
    /// # Ok(()) }
    /// ```
    pub fn join<S: Model, F: RelationKind, I>(self, rel: Rel<S, F>) -> Query<'s, T, (F::Target, J)>
    where
        (T, J): InQuery<S, I>,
    {
        let from = source_of(<(T, J) as InQuery<S, I>>::POSITION, self.joins.len());
        let mut joins = self.joins;
        joins.push(JoinStep {
            from,
            owner: S::meta(),
            rel: rel.rel_ref(),
            aliased: false,
        });
        Query {
            session: self.session,
            filter: self.filter,
            order: self.order,
            eager: self.eager,
            page: self.page,
            distinct: self.distinct,
            joins,
            _model: PhantomData,
        }
    }

    /// Joins the target of a relationship under an alias (SQLAlchemy's
    /// `join(Node.children.of_type(aliased(Node)))`): what a
    /// self-referential relationship needs, since its target's table is
    /// already in the query. Filters and orders name the joined copy's
    /// columns with [`Col::aliased`] (`Node::name.aliased()`), the queried
    /// model's as usual. The alias is the table and the join's number
    /// (`node_1`). A join starts from the queried model or a model joined
    /// without alias.
    ///
    /// ```
    /// use orm_core::prelude::*;
    ///
    /// #[derive(Model, Debug, Default)]
    /// pub struct Node {
    ///     #[column(primary_key)]
    ///     pub id: Option<i64>,
    ///     #[column(foreign_key = "node.id")]
    ///     pub parent_id: Option<i64>,
    ///     pub name: String,
    ///     #[relationship(back_populates = "parent")]
    ///     pub children: Many<Node>,
    ///     #[relationship(back_populates = "children")]
    ///     pub parent: One<Node>,
    /// }
    ///
    /// # fn main() -> orm_core::Result<()> {
    /// let registry = Registry::builder().model::<Node>().build()?;
    /// let engine = orm_sqlite::memory()?;
    /// registry.create_all(&engine)?;
    /// let session = Session::new(&engine, &registry);
    /// let root = Obj::new(Node { name: "root".into(), ..Default::default() });
    /// let leaf = Obj::new(Node { name: "leaf".into(), ..Default::default() });
    /// root.append(Node::children, &leaf)?;
    /// session.add(&root)?;
    /// session.commit()?;
    /// // Nodes with a child named "leaf".
    /// let parents = session
    ///     .query::<Node>()
    ///     .join_aliased(Node::children)
    ///     .filter(Node::name.aliased().eq("leaf"))
    ///     .all()?;
    /// assert_eq!(parents.len(), 1);
    /// assert!(parents[0].ptr_eq(&root));
    /// # Ok(()) }
    /// ```
    pub fn join_aliased<S: Model, F: RelationKind, I>(
        self,
        rel: Rel<S, F>,
    ) -> Query<'s, T, (crate::join::Aliased<F::Target>, J)>
    where
        (T, J): InQuery<S, I>,
    {
        let from = source_of(<(T, J) as InQuery<S, I>>::POSITION, self.joins.len());
        let mut joins = self.joins;
        joins.push(JoinStep {
            from,
            owner: S::meta(),
            rel: rel.rel_ref(),
            aliased: true,
        });
        Query {
            session: self.session,
            filter: self.filter,
            order: self.order,
            eager: self.eager,
            page: self.page,
            distinct: self.distinct,
            joins,
            _model: PhantomData,
        }
    }

    /// Orders by a column (ascending) or by an [`Order`]
    /// (`Book::year.desc()`, `Author::country.asc().nulls_last()`), of the
    /// queried model or of a joined one; each call adds a term after the
    /// earlier ones.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Book { #[column(primary_key)] pub id: Option<i64>, pub title: String, pub year: i64 }
    /// # fn main() -> orm_core::Result<()> {
    /// # let registry = Registry::builder().model::<Book>().build()?;
    /// # let engine = orm_sqlite::memory()?;
    /// # registry.create_all(&engine)?;
    /// # let session = Session::new(&engine, &registry);
    /// for (title, year) in [("b", 2001), ("a", 2001), ("c", 1999)] {
    ///     session.add(&Obj::new(Book { title: title.into(), year, ..Default::default() }))?;
    /// }
    /// session.commit()?;
    /// let books = session.query::<Book>().order_by(Book::year.desc()).order_by(Book::title).all()?;
    /// let titles: Vec<String> = books.iter().map(|b| b.borrow().title.clone()).collect();
    /// assert_eq!(titles, ["a", "b", "c"]);
    /// # Ok(()) }
    /// ```
    pub fn order_by<M, I>(mut self, order: impl Into<Order<M>>) -> Self
    where
        (T, J): InQuery<M, I>,
    {
        let mut term = order.into().term;
        term.source = source_of(<(T, J) as InQuery<M, I>>::POSITION, self.joins.len());
        self.order.push(term);
        self
    }

    /// Orders by a column, descending: `order_by(column.desc())`.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Book { #[column(primary_key)] pub id: Option<i64>, pub year: i64 }
    /// # fn main() -> orm_core::Result<()> {
    /// # let registry = Registry::builder().model::<Book>().build()?;
    /// # let engine = orm_sqlite::memory()?;
    /// # registry.create_all(&engine)?;
    /// # let session = Session::new(&engine, &registry);
    /// for year in [1999, 2001] {
    ///     session.add(&Obj::new(Book { year, ..Default::default() }))?;
    /// }
    /// session.commit()?;
    /// let newest = session.query::<Book>().order_by_desc(Book::year).first()?.unwrap();
    /// assert_eq!(newest.borrow().year, 2001);
    /// # Ok(()) }
    /// ```
    pub fn order_by_desc<V: ColumnType>(self, column: Col<T, V>) -> Self {
        self.order_by(column.desc())
    }

    /// Returns each distinct row once (`SELECT DISTINCT`). A query of one
    /// table selects its primary key, so its rows are distinct already;
    /// this matters once queries join other tables.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Book { #[column(primary_key)] pub id: Option<i64>, pub year: i64 }
    /// # fn main() -> orm_core::Result<()> {
    /// # let registry = Registry::builder().model::<Book>().build()?;
    /// # let engine = orm_sqlite::memory()?;
    /// # registry.create_all(&engine)?;
    /// # let session = Session::new(&engine, &registry);
    /// session.add(&Obj::new(Book { year: 2001, ..Default::default() }))?;
    /// session.commit()?;
    /// assert_eq!(session.query::<Book>().distinct().count()?, 1);
    /// # Ok(()) }
    /// ```
    pub fn distinct(mut self) -> Self {
        self.distinct = true;
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

    fn spec<'a>(&'a self, joins: &'a [Join]) -> SelectSpec<'a> {
        SelectSpec {
            filter: &self.filter,
            order: &self.order,
            page: self.page,
            distinct: self.distinct,
            joins,
        }
    }

    /// Runs the query: every matching row, as objects through the identity
    /// map, with the eager loads of [`options`](Query::options).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Book { #[column(primary_key)] pub id: Option<i64>, pub year: i64 }
    /// # fn main() -> orm_core::Result<()> {
    /// # let registry = Registry::builder().model::<Book>().build()?;
    /// # let engine = orm_sqlite::memory()?;
    /// # registry.create_all(&engine)?;
    /// # let session = Session::new(&engine, &registry);
    /// let book = Obj::new(Book { year: 2001, ..Default::default() });
    /// session.add(&book)?;
    /// session.commit()?;
    /// let all = session.query::<Book>().all()?;
    /// assert!(all[0].ptr_eq(&book)); // the identity map's object
    /// # Ok(()) }
    /// ```
    pub fn all(mut self) -> Result<Vec<Obj<T>>> {
        let inner = self.session.inner();
        let mapper = inner.mapper_index(T::meta())?;
        self.filter.resolve(&inner.registry)?;
        let joins = crate::join::resolve(&inner.registry, mapper, &self.joins)?;
        let found = crate::loading::select(inner, mapper, &self.spec(&joins))?;
        self.finish(found)
    }

    /// Eager loads for the objects found, then the typed handles.
    fn finish(&self, found: Vec<crate::obj::AnyObj>) -> Result<Vec<Obj<T>>> {
        let inner = self.session.inner();
        crate::loading::load_eager_defaults(inner, &found)?;
        for path in &self.eager {
            let mut level = found.clone();
            for &rel in path {
                if level.is_empty() {
                    break;
                }
                let loaded = crate::loading::load_related(inner, &level, rel)?;
                if inner.registry.eager_defaults {
                    let fresh = crate::loading::targets_of(&loaded, rel)?;
                    crate::loading::load_eager_defaults(inner, &fresh)?;
                }
                level = crate::loading::targets_of(&level, rel)?;
            }
        }
        found.iter().map(downcast::<T>).collect()
    }

    /// At most `n` rows of the query (within its own limit, if any).
    fn take(mut self, n: u64) -> Result<Vec<Obj<T>>> {
        self.page.limit = Some(self.page.limit.map_or(n, |l| l.min(n)));
        self.all()
    }

    /// The first row, if any (`LIMIT 1`).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Book { #[column(primary_key)] pub id: Option<i64>, pub year: i64 }
    /// # fn main() -> orm_core::Result<()> {
    /// # let registry = Registry::builder().model::<Book>().build()?;
    /// # let engine = orm_sqlite::memory()?;
    /// # registry.create_all(&engine)?;
    /// # let session = Session::new(&engine, &registry);
    /// for year in [2001, 1999] {
    ///     session.add(&Obj::new(Book { year, ..Default::default() }))?;
    /// }
    /// session.commit()?;
    /// let oldest = session.query::<Book>().order_by(Book::year).first()?.unwrap();
    /// assert_eq!(oldest.borrow().year, 1999);
    /// assert!(session.query::<Book>().filter(Book::year.gt(2020)).first()?.is_none());
    /// # Ok(()) }
    /// ```
    pub fn first(self) -> Result<Option<Obj<T>>> {
        Ok(self.take(1)?.into_iter().next())
    }

    /// Exactly one row: none is [`Error::NoResultFound`], several
    /// [`Error::MultipleResultsFound`] (it asks for two rows to tell).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Book { #[column(primary_key)] pub id: Option<i64>, pub year: i64 }
    /// # fn main() -> orm_core::Result<()> {
    /// # let registry = Registry::builder().model::<Book>().build()?;
    /// # let engine = orm_sqlite::memory()?;
    /// # registry.create_all(&engine)?;
    /// # let session = Session::new(&engine, &registry);
    /// for year in [2001, 2001, 1999] {
    ///     session.add(&Obj::new(Book { year, ..Default::default() }))?;
    /// }
    /// session.commit()?;
    /// assert_eq!(session.query::<Book>().filter(Book::year.eq(1999)).one()?.borrow().year, 1999);
    /// let several = session.query::<Book>().filter(Book::year.eq(2001)).one();
    /// assert!(matches!(several, Err(orm_core::Error::MultipleResultsFound { .. })));
    /// let none = session.query::<Book>().filter(Book::year.eq(1)).one();
    /// assert!(matches!(none, Err(orm_core::Error::NoResultFound { .. })));
    /// # Ok(()) }
    /// ```
    pub fn one(self) -> Result<Obj<T>> {
        self.one_or_none()?.ok_or(Error::NoResultFound {
            model: T::meta().name,
        })
    }

    /// At most one row: `None` for none, [`Error::MultipleResultsFound`]
    /// for several.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Book { #[column(primary_key)] pub id: Option<i64>, pub year: i64 }
    /// # fn main() -> orm_core::Result<()> {
    /// # let registry = Registry::builder().model::<Book>().build()?;
    /// # let engine = orm_sqlite::memory()?;
    /// # registry.create_all(&engine)?;
    /// # let session = Session::new(&engine, &registry);
    /// session.add(&Obj::new(Book { year: 2001, ..Default::default() }))?;
    /// session.commit()?;
    /// assert!(session.query::<Book>().filter(Book::year.eq(1999)).one_or_none()?.is_none());
    /// assert!(session.query::<Book>().filter(Book::year.eq(2001)).one_or_none()?.is_some());
    /// # Ok(()) }
    /// ```
    pub fn one_or_none(self) -> Result<Option<Obj<T>>> {
        let mut rows = self.take(2)?;
        match rows.len() {
            0 => Ok(None),
            1 => Ok(rows.pop()),
            _ => Err(Error::MultipleResultsFound {
                model: T::meta().name,
            }),
        }
    }

    /// How many rows the query matches: `SELECT count(*) FROM t WHERE ...`
    /// (over a subquery when it is paged or distinct). No object is loaded.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Book { #[column(primary_key)] pub id: Option<i64>, pub year: i64 }
    /// # fn main() -> orm_core::Result<()> {
    /// # let registry = Registry::builder().model::<Book>().build()?;
    /// # let engine = orm_sqlite::memory()?;
    /// # registry.create_all(&engine)?;
    /// # let session = Session::new(&engine, &registry);
    /// for year in [2001, 2002, 1999] {
    ///     session.add(&Obj::new(Book { year, ..Default::default() }))?;
    /// }
    /// session.commit()?;
    /// assert_eq!(session.query::<Book>().filter(Book::year.gt(2000)).count()?, 2);
    /// assert_eq!(session.query::<Book>().limit(2).count()?, 2);
    /// # Ok(()) }
    /// ```
    pub fn count(mut self) -> Result<u64> {
        let inner = self.session.inner();
        let mapper = inner.mapper_index(T::meta())?;
        self.filter.resolve(&inner.registry)?;
        let rows = {
            let joins = crate::join::resolve(&inner.registry, mapper, &self.joins)?;
            crate::loading::select_rows(inner, mapper, &self.spec(&joins), Output::Count)?
        };
        match rows.first().and_then(|r| r.first()) {
            Some(Value::Integer(n)) => Ok(u64::try_from(*n).unwrap_or(0)),
            other => Err(Error::Internal(format!("count(*) returned {other:?}"))),
        }
    }

    /// Whether the query matches any row (`SELECT 1 ... LIMIT 1`). No
    /// object is loaded.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Book { #[column(primary_key)] pub id: Option<i64>, pub year: i64 }
    /// # fn main() -> orm_core::Result<()> {
    /// # let registry = Registry::builder().model::<Book>().build()?;
    /// # let engine = orm_sqlite::memory()?;
    /// # registry.create_all(&engine)?;
    /// # let session = Session::new(&engine, &registry);
    /// session.add(&Obj::new(Book { year: 2001, ..Default::default() }))?;
    /// session.commit()?;
    /// assert!(session.query::<Book>().filter(Book::year.eq(2001)).exists()?);
    /// assert!(!session.query::<Book>().filter(Book::year.ne(2001)).exists()?);
    /// # Ok(()) }
    /// ```
    pub fn exists(mut self) -> Result<bool> {
        let inner = self.session.inner();
        let mapper = inner.mapper_index(T::meta())?;
        self.filter.resolve(&inner.registry)?;
        self.page.limit = Some(self.page.limit.map_or(1, |l| l.min(1)));
        let rows = {
            let joins = crate::join::resolve(&inner.registry, mapper, &self.joins)?;
            crate::loading::select_rows(inner, mapper, &self.spec(&joins), Output::One)?
        };
        Ok(!rows.is_empty())
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
