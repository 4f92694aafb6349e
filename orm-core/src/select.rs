//! Selecting columns and aggregates instead of objects (SQLAlchemy's
//! `select(Author.name, func.count(Book.id))`): [`Select`], built by
//! [`Session::select`](crate::Session::select) or
//! [`Query::select`](crate::Query::select), returning typed tuples.
//!
//! A select list is a column descriptor, an aggregate ([`Agg`]) or a tuple
//! of 1 to 12 of them ([`Selection`]); each item says which model it reads
//! and what Rust type it reads back, and the list must only read models of
//! the query (its own and the targets of its joins), checked when the
//! query runs, at compile time.

use crate::aggregate::{Agg, AggOrder, Aggregated, Star};
use crate::error::{Error, Result};
use crate::filter::{AggFunc, Condition, Filter};
use crate::join::{source_of, Aliased, InQuery};
use crate::model::Model;
use crate::operators::{Nulls, Order};
use crate::query::Query;
use crate::relation::{Col, Rel, RelationKind};
use crate::value::{ColumnType, Value};

/// One item of a select list, `GROUP BY` or `ORDER BY`, without its types:
/// a column, or an aggregate of one, of a FROM-clause entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SelectItem {
    /// The FROM-clause entry (0: the queried model, `k`: the `k`-th join).
    pub(crate) source: usize,
    pub(crate) column: usize,
    pub(crate) func: Option<AggFunc>,
}

/// One `ORDER BY` term of a [`Select`], without its types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SelectOrder {
    pub(crate) item: SelectItem,
    pub(crate) descending: bool,
    pub(crate) nulls: Option<Nulls>,
}

/// An item of a select list in a query whose models are `L` (at type-level
/// position `I`, inferred): a column descriptor (`Book::title`, read back
/// as its field type) or an aggregate ([`count`](crate::count),
/// [`sum`](crate::sum), ...). A column of a model that is not in the query
/// does not compile.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be selected in this query",
    label = "a column or aggregate of a model that is not in the query",
    note = "select the columns (or aggregates of the columns) of the queried model and of the models joined with `.join(...)`"
)]
pub trait Selectable<L, I> {
    /// The Rust type the item reads back as.
    type Output;
    /// The item, in a query with `joins` joins.
    fn item(&self, joins: usize) -> SelectItem;
    /// Converts the item's value in a row.
    fn read(&self, value: Value) -> Result<Self::Output>;
}

impl<L, M, V, I> Selectable<L, I> for Col<M, V>
where
    L: InQuery<M, I>,
    M: Model,
    V: ColumnType,
{
    type Output = V;
    fn item(&self, joins: usize) -> SelectItem {
        SelectItem {
            source: source_of(L::POSITION, joins),
            column: self.index(),
            func: None,
        }
    }
    fn read(&self, value: Value) -> Result<V> {
        V::from_value(value).map_err(|e| read_error::<M>(e, self.index()))
    }
}

/// A value of the select list that does not convert, named by the model
/// and column it reads (an aggregate names the column it aggregates).
fn read_error<M: Model>(source: Error, column: usize) -> Error {
    let meta = M::meta();
    Error::Column {
        model: meta.name,
        column: meta.columns.get(column).map_or("?", |c| c.name),
        source: Box::new(source),
    }
}

impl<L, M, R, I> Selectable<L, I> for Agg<M, R>
where
    L: InQuery<M, I>,
    M: Model,
    R: ColumnType,
{
    type Output = R;
    fn item(&self, joins: usize) -> SelectItem {
        SelectItem {
            source: source_of(L::POSITION, joins),
            column: self.column,
            func: Some(self.func),
        }
    }
    fn read(&self, value: Value) -> Result<R> {
        R::from_value(value).map_err(|e| read_error::<M>(e, self.column))
    }
}

impl<L, M, V, I> Selectable<L, I> for Col<Aliased<M>, V>
where
    L: InQuery<Aliased<M>, I>,
    M: Model,
    V: ColumnType,
{
    type Output = V;
    fn item(&self, joins: usize) -> SelectItem {
        SelectItem {
            source: source_of(L::POSITION, joins),
            column: self.index(),
            func: None,
        }
    }
    fn read(&self, value: Value) -> Result<V> {
        V::from_value(value).map_err(|e| read_error::<M>(e, self.index()))
    }
}

impl<L, M, R, I> Selectable<L, I> for Agg<Aliased<M>, R>
where
    L: InQuery<Aliased<M>, I>,
    M: Model,
    R: ColumnType,
{
    type Output = R;
    fn item(&self, joins: usize) -> SelectItem {
        SelectItem {
            source: source_of(L::POSITION, joins),
            column: self.column,
            func: Some(self.func),
        }
    }
    fn read(&self, value: Value) -> Result<R> {
        R::from_value(value).map_err(|e| read_error::<M>(e, self.column))
    }
}

impl<L> Selectable<L, Star> for Agg<Star, i64> {
    type Output = i64;
    fn item(&self, _joins: usize) -> SelectItem {
        SelectItem {
            source: 0,
            column: 0,
            func: Some(AggFunc::CountAll),
        }
    }
    fn read(&self, value: Value) -> Result<i64> {
        i64::from_value(value)
    }
}

/// A whole select list in a query whose models are `L`: one
/// [`Selectable`] (read back as its own type) or a tuple of 1 to 12 (read
/// back as the tuple of their types). `I` is inferred.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a select list of this query",
    label = "each item must be a column or an aggregate of a model in the query",
    note = "a select list is a column, an aggregate (count, sum, avg, min, max, count_all) or a tuple of up to 12 of them, over the queried model and the models joined with `.join(...)`"
)]
pub trait Selection<L, I> {
    /// What one row reads back as.
    type Output;
    /// The items, in a query with `joins` joins.
    fn items(&self, joins: usize) -> Vec<SelectItem>;
    /// Converts one row (one value per item, in order).
    fn read(&self, row: &mut std::vec::IntoIter<Value>) -> Result<Self::Output>;
}

/// [`Selection`]'s index for a single item.
pub struct Single<I>(std::marker::PhantomData<I>);

fn next(row: &mut std::vec::IntoIter<Value>) -> Result<Value> {
    row.next()
        .ok_or_else(|| Error::Internal("a row has fewer values than the select list".into()))
}

impl<L, I, A: Selectable<L, I>> Selection<L, Single<I>> for A {
    type Output = A::Output;
    fn items(&self, joins: usize) -> Vec<SelectItem> {
        vec![self.item(joins)]
    }
    fn read(&self, row: &mut std::vec::IntoIter<Value>) -> Result<A::Output> {
        Selectable::read(self, next(row)?)
    }
}

macro_rules! tuple_selection {
    ($(($($name:ident $index:ident $field:tt),+))*) => {$(
        impl<L, $($name: Selectable<L, $index>, $index),+> Selection<L, ($($index,)+)> for ($($name,)+) {
            type Output = ($($name::Output,)+);
            fn items(&self, joins: usize) -> Vec<SelectItem> {
                vec![$(self.$field.item(joins)),+]
            }
            fn read(&self, row: &mut std::vec::IntoIter<Value>) -> Result<Self::Output> {
                Ok(($(self.$field.read(next(row)?)?,)+))
            }
        }
    )*};
}

tuple_selection! {
    (A IA 0)
    (A IA 0, B IB 1)
    (A IA 0, B IB 1, C IC 2)
    (A IA 0, B IB 1, C IC 2, D ID 3)
    (A IA 0, B IB 1, C IC 2, D ID 3, E IE 4)
    (A IA 0, B IB 1, C IC 2, D ID 3, E IE 4, F IF 5)
    (A IA 0, B IB 1, C IC 2, D ID 3, E IE 4, F IF 5, G IG 6)
    (A IA 0, B IB 1, C IC 2, D ID 3, E IE 4, F IF 5, G IG 6, H IH 7)
    (A IA 0, B IB 1, C IC 2, D ID 3, E IE 4, F IF 5, G IG 6, H IH 7, J IJ 8)
    (A IA 0, B IB 1, C IC 2, D ID 3, E IE 4, F IF 5, G IG 6, H IH 7, J IJ 8, K IK 9)
    (A IA 0, B IB 1, C IC 2, D ID 3, E IE 4, F IF 5, G IG 6, H IH 7, J IJ 8, K IK 9, N IN 10)
    (A IA 0, B IB 1, C IC 2, D ID 3, E IE 4, F IF 5, G IG 6, H IH 7, J IJ 8, K IK 9, N IN 10, P IP 11)
}

/// The model a select list starts from, for
/// [`Session::select`](crate::Session::select): the model of its first
/// item (a column or an aggregate of a column; [`count_all`](crate::count_all)
/// has none, so a list that starts with it starts from
/// [`Query::select`](crate::Query::select)).
pub trait SelectRoot {
    /// The queried model.
    type Root: Model;
}

impl<M: Model, V> SelectRoot for Col<M, V> {
    type Root = M;
}

impl<M: Model, R> SelectRoot for Agg<M, R> {
    type Root = M;
}

macro_rules! tuple_root {
    ($(($first:ident $(, $rest:ident)*))*) => {$(
        impl<$first: SelectRoot $(, $rest)*> SelectRoot for ($first, $($rest,)*) {
            type Root = $first::Root;
        }
    )*};
}

tuple_root! {
    (A)
    (A, B)
    (A, B, C)
    (A, B, C, D)
    (A, B, C, D, E)
    (A, B, C, D, E, F)
    (A, B, C, D, E, F, G)
    (A, B, C, D, E, F, G, H)
    (A, B, C, D, E, F, G, H, J)
    (A, B, C, D, E, F, G, H, J, K)
    (A, B, C, D, E, F, G, H, J, K, N)
    (A, B, C, D, E, F, G, H, J, K, N, P)
}

/// A condition for [`Select::having`] in a query whose models are `L`: a
/// filter over aggregates (`count(Book::id).gt(1)`, a
/// `Filter<Aggregated<Book>>`) or over plain columns (`Author::name.ne(..)`,
/// best written in `filter`, where it is tested before grouping).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a HAVING condition of this query",
    label = "a condition on a model that is not in the query",
    note = "having takes a filter over aggregates (count(..).gt(..)) or columns of the queried model or of a joined one"
)]
pub trait HavingCondition<L, I> {
    /// The condition, in a query with `joins` joins.
    fn condition(self, joins: usize) -> Condition;
}

impl<L: InQuery<M, I>, M: Model, I> HavingCondition<L, I> for Filter<Aggregated<M>> {
    fn condition(self, joins: usize) -> Condition {
        self.into_condition()
            .on_source(source_of(L::POSITION, joins))
    }
}

impl<L: InQuery<Aliased<M>, I>, M: Model, I> HavingCondition<L, I>
    for Filter<Aggregated<Aliased<M>>>
{
    fn condition(self, joins: usize) -> Condition {
        self.into_condition()
            .on_source(source_of(L::POSITION, joins))
    }
}

impl<L: InQuery<Aliased<M>, I>, M: Model, I> HavingCondition<L, I> for Filter<Aliased<M>> {
    fn condition(self, joins: usize) -> Condition {
        self.into_condition()
            .on_source(source_of(L::POSITION, joins))
    }
}

impl<L> HavingCondition<L, Star> for Filter<Aggregated<Star>> {
    fn condition(self, _joins: usize) -> Condition {
        self.into_condition()
    }
}

impl<L: InQuery<M, I>, M: Model, I> HavingCondition<L, I> for Filter<M> {
    fn condition(self, joins: usize) -> Condition {
        self.into_condition()
            .on_source(source_of(L::POSITION, joins))
    }
}

/// An `ORDER BY` term of a [`Select`] in a query whose models are `L`: a
/// column (ascending), an [`Order`] (`Book::year.desc()`), an aggregate
/// (ascending) or an [`AggOrder`] (`count(Book::id).desc()`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot order this query",
    label = "a column or aggregate of a model that is not in the query",
    note = "order by columns (or aggregates) of the queried model and of the models joined with `.join(...)`"
)]
pub trait SelectOrdering<L, I> {
    /// The term, in a query with `joins` joins.
    fn term(self, joins: usize) -> SelectOrder;
}

impl<L: InQuery<M, I>, M, I> SelectOrdering<L, I> for Order<M> {
    fn term(self, joins: usize) -> SelectOrder {
        SelectOrder {
            item: SelectItem {
                source: source_of(L::POSITION, joins),
                column: self.term.column,
                func: None,
            },
            descending: self.term.descending,
            nulls: self.term.nulls,
        }
    }
}

impl<L: InQuery<M, I>, M, V, I> SelectOrdering<L, I> for Col<M, V> {
    fn term(self, joins: usize) -> SelectOrder {
        SelectOrdering::<L, I>::term(Order::<M>::from(self), joins)
    }
}

impl<L: InQuery<M, I>, M: Model, I> SelectOrdering<L, I> for AggOrder<M> {
    fn term(self, joins: usize) -> SelectOrder {
        SelectOrder {
            item: SelectItem {
                source: source_of(L::POSITION, joins),
                column: self.column,
                func: Some(self.func),
            },
            descending: self.descending,
            nulls: self.nulls,
        }
    }
}

impl<L: InQuery<Aliased<M>, I>, M: Model, I> SelectOrdering<L, I> for AggOrder<Aliased<M>> {
    fn term(self, joins: usize) -> SelectOrder {
        SelectOrder {
            item: SelectItem {
                source: source_of(L::POSITION, joins),
                column: self.column,
                func: Some(self.func),
            },
            descending: self.descending,
            nulls: self.nulls,
        }
    }
}

impl<L: InQuery<Aliased<M>, I>, M: Model, R, I> SelectOrdering<L, I> for Agg<Aliased<M>, R> {
    fn term(self, joins: usize) -> SelectOrder {
        SelectOrdering::<L, I>::term(self.asc(), joins)
    }
}

impl<L> SelectOrdering<L, Star> for AggOrder<Star> {
    fn term(self, _joins: usize) -> SelectOrder {
        SelectOrder {
            item: SelectItem {
                source: 0,
                column: 0,
                func: Some(AggFunc::CountAll),
            },
            descending: self.descending,
            nulls: self.nulls,
        }
    }
}

impl<L: InQuery<M, I>, M: Model, R, I> SelectOrdering<L, I> for Agg<M, R> {
    fn term(self, joins: usize) -> SelectOrder {
        SelectOrdering::<L, I>::term(self.asc(), joins)
    }
}

impl<L> SelectOrdering<L, Star> for Agg<Star, i64> {
    fn term(self, joins: usize) -> SelectOrder {
        SelectOrdering::<L, Star>::term(self.asc(), joins)
    }
}

/// A query that returns columns and aggregates as typed values instead of
/// objects: `SELECT [DISTINCT] items FROM t [JOIN ...] [WHERE ...] [GROUP
/// BY ...] [HAVING ...] [ORDER BY ...] [LIMIT ? OFFSET ?]`. Build it with
/// [`Session::select`](crate::Session::select) (from the model of the first
/// item) or [`Query::select`](crate::Query::select) (from a query's model,
/// joins and filters). `S` is the select list, `J` the joined models.
///
/// Nothing goes through the identity map: the values are read as they are
/// in the database (flush first to see pending changes).
///
/// ```
/// use orm_core::prelude::*;
/// use orm_core::count;
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
/// for (name, years) in [("Ann", vec![1999, 2021, 2022]), ("Bob", vec![1980]), ("Cid", vec![2001, 2005])] {
///     let author = Obj::new(Author { name: name.into(), ..Default::default() });
///     for year in years {
///         author.append(Author::books, &Obj::new(Book { year, ..Default::default() }))?;
///     }
///     session.add(&author)?;
/// }
/// session.commit()?;
///
/// let prolific: Vec<(String, i64)> = session
///     .select((Author::name, count(Book::id)))
///     .join(Author::books)
///     .filter(Book::year.gt(1990))
///     .group_by(Author::name)
///     .having(count(Book::id).gt(1))
///     .order_by(count(Book::id).desc())
///     .all()?;
/// assert_eq!(prolific, [("Ann".to_owned(), 3), ("Cid".to_owned(), 2)]);
/// # Ok(()) }
/// ```
pub struct Select<'s, T: Model, J, S> {
    query: Query<'s, T, J>,
    selection: S,
    group_by: Vec<SelectItem>,
    having: Condition,
    order: Vec<SelectOrder>,
}

impl<'s, T: Model, J> Query<'s, T, J> {
    /// Returns columns and aggregates instead of objects: the query's
    /// model, joins, filters, order and window carry over into a
    /// [`Select`].
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
    /// let titles: Vec<String> = session
    ///     .query::<Book>()
    ///     .filter(Book::year.gt(2000))
    ///     .order_by(Book::title)
    ///     .select(Book::title)
    ///     .all()?;
    /// assert_eq!(titles, ["a", "b"]);
    /// let recent: i64 = session.query::<Book>().filter(Book::year.gt(2000)).select(orm_core::count_all()).one()?;
    /// assert_eq!(recent, 2);
    /// # Ok(()) }
    /// ```
    pub fn select<S>(self, selection: S) -> Select<'s, T, J, S> {
        let order = self
            .order
            .iter()
            .map(|term| SelectOrder {
                item: SelectItem {
                    source: term.source,
                    column: term.column,
                    func: None,
                },
                descending: term.descending,
                nulls: term.nulls,
            })
            .collect();
        Select {
            query: Query {
                order: Vec::new(),
                ..self
            },
            selection,
            group_by: Vec::new(),
            having: Condition::default(),
            order,
        }
    }
}

impl<'s, T: Model, J, S> Select<'s, T, J, S> {
    /// Keeps the rows that satisfy `filter` (`WHERE`, before grouping); see
    /// [`Query::filter`].
    pub fn filter<M, I>(mut self, filter: Filter<M>) -> Self
    where
        (T, J): InQuery<M, I>,
    {
        self.query = self.query.filter(filter);
        self
    }

    /// Joins the target of a relationship, so that the select list, filters,
    /// groups and order may use its columns; see [`Query::join`].
    pub fn join<O: Model, F: RelationKind, I>(
        self,
        rel: Rel<O, F>,
    ) -> Select<'s, T, (F::Target, J), S>
    where
        (T, J): InQuery<O, I>,
    {
        Select {
            query: self.query.join(rel),
            selection: self.selection,
            group_by: self.group_by,
            having: self.having,
            order: self.order,
        }
    }

    /// Joins the target of a relationship under an alias; see
    /// [`Query::join_aliased`].
    pub fn join_aliased<O: Model, F: RelationKind, I>(
        self,
        rel: Rel<O, F>,
    ) -> Select<'s, T, (crate::join::Aliased<F::Target>, J), S>
    where
        (T, J): InQuery<O, I>,
    {
        Select {
            query: self.query.join_aliased(rel),
            selection: self.selection,
            group_by: self.group_by,
            having: self.having,
            order: self.order,
        }
    }

    /// Groups the rows by a column (`GROUP BY`), of the queried model or a
    /// joined one; each call adds a column. Every column of the select list
    /// that is not aggregated should be among them (SQLite accepts less,
    /// PostgreSQL does not).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Book { #[column(primary_key)] pub id: Option<i64>, pub genre: String, pub year: i64 }
    /// # fn main() -> orm_core::Result<()> {
    /// # let registry = Registry::builder().model::<Book>().build()?;
    /// # let engine = orm_sqlite::memory()?;
    /// # registry.create_all(&engine)?;
    /// # let session = Session::new(&engine, &registry);
    /// for (genre, year) in [("sf", 2001), ("sf", 1999), ("crime", 1980)] {
    ///     session.add(&Obj::new(Book { genre: genre.into(), year, ..Default::default() }))?;
    /// }
    /// session.commit()?;
    /// let spans: Vec<(String, Option<i64>, Option<i64>)> = session
    ///     .select((Book::genre, orm_core::min(Book::year), orm_core::max(Book::year)))
    ///     .group_by(Book::genre)
    ///     .order_by(Book::genre)
    ///     .all()?;
    /// assert_eq!(spans, [("crime".into(), Some(1980), Some(1980)), ("sf".into(), Some(1999), Some(2001))]);
    /// # Ok(()) }
    /// ```
    pub fn group_by<M, V, I>(mut self, column: Col<M, V>) -> Self
    where
        (T, J): InQuery<M, I>,
    {
        self.group_by.push(SelectItem {
            source: source_of(<(T, J) as InQuery<M, I>>::POSITION, self.query.joins.len()),
            column: column.index(),
            func: None,
        });
        self
    }

    /// Keeps the groups that satisfy `condition` (`HAVING`): a test of an
    /// aggregate (`count(Book::id).gt(1)`, `sum(Book::copies).between(..)`,
    /// combined with `&`, `|`, `!` when they aggregate one model's columns)
    /// or of a grouped column. The conditions of several calls are ANDed.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Book { #[column(primary_key)] pub id: Option<i64>, pub genre: String, pub copies: i32 }
    /// # fn main() -> orm_core::Result<()> {
    /// # let registry = Registry::builder().model::<Book>().build()?;
    /// # let engine = orm_sqlite::memory()?;
    /// # registry.create_all(&engine)?;
    /// # let session = Session::new(&engine, &registry);
    /// for (genre, copies) in [("sf", 5), ("sf", 7), ("crime", 30), ("poetry", 1)] {
    ///     session.add(&Obj::new(Book { genre: genre.into(), copies, ..Default::default() }))?;
    /// }
    /// session.commit()?;
    /// use orm_core::{count, sum};
    /// let stocked: Vec<String> = session
    ///     .select(Book::genre)
    ///     .group_by(Book::genre)
    ///     .having(sum(Book::copies).ge(10) | count(Book::id).gt(1))
    ///     .having(Book::genre.ne("crime"))
    ///     .all()?;
    /// assert_eq!(stocked, ["sf"]);
    /// # Ok(()) }
    /// ```
    pub fn having<C, I>(mut self, condition: C) -> Self
    where
        C: HavingCondition<(T, J), I>,
    {
        let condition = condition.condition(self.query.joins.len());
        self.having = std::mem::take(&mut self.having).and(condition);
        self
    }

    /// Orders by a column or an aggregate, ascending, or by an order made
    /// with `.asc()` / `.desc()` (and `.nulls_first()` / `.nulls_last()`);
    /// each call adds a term after the earlier ones.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Book { #[column(primary_key)] pub id: Option<i64>, pub genre: String }
    /// # fn main() -> orm_core::Result<()> {
    /// # let registry = Registry::builder().model::<Book>().build()?;
    /// # let engine = orm_sqlite::memory()?;
    /// # registry.create_all(&engine)?;
    /// # let session = Session::new(&engine, &registry);
    /// for genre in ["sf", "crime", "sf", "poetry"] {
    ///     session.add(&Obj::new(Book { genre: genre.into(), ..Default::default() }))?;
    /// }
    /// session.commit()?;
    /// let by_size: Vec<String> = session
    ///     .select(Book::genre)
    ///     .group_by(Book::genre)
    ///     .order_by(orm_core::count_all().desc())
    ///     .order_by(Book::genre)
    ///     .all()?;
    /// assert_eq!(by_size, ["sf", "crime", "poetry"]);
    /// # Ok(()) }
    /// ```
    pub fn order_by<O, I>(mut self, order: O) -> Self
    where
        O: SelectOrdering<(T, J), I>,
    {
        let term = order.term(self.query.joins.len());
        self.order.push(term);
        self
    }

    /// Returns each distinct row once (`SELECT DISTINCT`).
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
    /// let years: Vec<i64> = session.select(Book::year).distinct().order_by(Book::year).all()?;
    /// assert_eq!(years, [1999, 2001]);
    /// # Ok(()) }
    /// ```
    pub fn distinct(mut self) -> Self {
        self.query = self.query.distinct();
        self
    }

    /// Returns at most `n` rows (`LIMIT`); see [`Query::limit`].
    pub fn limit(mut self, n: u64) -> Self {
        self.query = self.query.limit(n);
        self
    }

    /// Skips the first `n` rows (`OFFSET`); see [`Query::offset`].
    pub fn offset(mut self, n: u64) -> Self {
        self.query = self.query.offset(n);
        self
    }

    /// Runs the query: one value (a single item) or tuple per row.
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
    /// session.add(&Obj::new(Book { title: "Dune".into(), year: 1965, ..Default::default() }))?;
    /// session.commit()?;
    /// let rows: Vec<(String, i64)> = session.select((Book::title, Book::year)).all()?;
    /// assert_eq!(rows, [("Dune".to_owned(), 1965)]);
    /// # Ok(()) }
    /// ```
    pub fn all<I>(mut self) -> Result<Vec<S::Output>>
    where
        S: Selection<(T, J), I>,
    {
        let inner = self.query.session.inner().clone();
        let mapper = inner.mapper_index(T::meta())?;
        self.query.filter.resolve(&inner.registry)?;
        self.having.resolve(&inner.registry)?;
        let joins = crate::join::resolve(&inner.registry, mapper, &self.query.joins)?;
        let items = self.selection.items(joins.len());
        let paged = self.query.page != crate::loading::Page::default();
        let mut params: Vec<Value> = joins.iter().flat_map(|j| j.filter.params()).collect();
        params.extend(self.query.filter.params());
        params.extend(self.having.params());
        if paged {
            let clamp = |n: u64| Value::Integer(i64::try_from(n).unwrap_or(i64::MAX));
            params.push(
                self.query
                    .page
                    .limit
                    .map_or(Value::Integer(i64::MAX), clamp),
            );
            params.push(clamp(self.query.page.offset.unwrap_or(0)));
        }
        let limit = inner.engine.dialect().max_parameters();
        if params.len() > limit {
            return Err(Error::TooManyParameters {
                model: T::meta().name,
                count: params.len(),
                limit,
            });
        }
        let shape = crate::sql::ItemsShape {
            items: &items,
            filter: &self.query.filter,
            joins: &joins,
            group_by: &self.group_by,
            having: &self.having,
            order: &self.order,
            paged,
            distinct: self.query.distinct,
        };
        let sql = crate::sql::select_items(inner.engine.dialect(), T::meta(), &shape);
        let rows = inner.engine.query(&sql, &params)?;
        rows.into_iter()
            .map(|row| {
                let mut values = row.into_iter();
                self.selection.read(&mut values)
            })
            .collect()
    }

    /// The first row, if any (`LIMIT 1`).
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
    /// for (title, year) in [("b", 2001), ("a", 1999)] {
    ///     session.add(&Obj::new(Book { title: title.into(), year, ..Default::default() }))?;
    /// }
    /// session.commit()?;
    /// let oldest = session.select(Book::title).order_by(Book::year).first()?;
    /// assert_eq!(oldest.as_deref(), Some("a"));
    /// # Ok(()) }
    /// ```
    pub fn first<I>(self) -> Result<Option<S::Output>>
    where
        S: Selection<(T, J), I>,
    {
        Ok(self.take(1)?.into_iter().next())
    }

    /// Exactly one row: none is [`Error::NoResultFound`], several
    /// [`Error::MultipleResultsFound`] (it asks for two rows to tell). An
    /// aggregate without `group_by` always has one row.
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
    /// assert_eq!(session.select(orm_core::count(Book::id)).one()?, 0);
    /// let none = session.select(Book::year).one();
    /// assert!(matches!(none, Err(orm_core::Error::NoResultFound { model: "Book" })));
    /// # Ok(()) }
    /// ```
    pub fn one<I>(self) -> Result<S::Output>
    where
        S: Selection<(T, J), I>,
    {
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
    /// for year in [2001, 2002] {
    ///     session.add(&Obj::new(Book { year, ..Default::default() }))?;
    /// }
    /// session.commit()?;
    /// assert_eq!(session.select(Book::year).filter(Book::year.lt(2000)).one_or_none()?, None);
    /// let several = session.select(Book::year).one_or_none();
    /// assert!(matches!(several, Err(orm_core::Error::MultipleResultsFound { .. })));
    /// # Ok(()) }
    /// ```
    pub fn one_or_none<I>(self) -> Result<Option<S::Output>>
    where
        S: Selection<(T, J), I>,
    {
        let mut rows = self.take(2)?;
        match rows.len() {
            0 => Ok(None),
            1 => Ok(rows.pop()),
            _ => Err(Error::MultipleResultsFound {
                model: T::meta().name,
            }),
        }
    }

    fn take<I>(mut self, n: u64) -> Result<Vec<S::Output>>
    where
        S: Selection<(T, J), I>,
    {
        let limit = self.query.page.limit.map_or(n, |l| l.min(n));
        self.query = self.query.limit(limit);
        self.all()
    }
}
