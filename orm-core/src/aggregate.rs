//! Aggregate functions for [`Select`](crate::Select) lists and `HAVING`
//! conditions: [`count`], [`count_distinct`], [`count_all`], [`sum`],
//! [`avg`], [`min`] and [`max`], each typed by the column it reads and the
//! Rust type of its result ([`Agg`]).

use std::marker::PhantomData;

use crate::filter::{AggFunc, CmpOp, Expr, Filter};
use crate::operators::Operand;
use crate::relation::Col;
use crate::value::{ColumnType, NotOption, Value};

/// An aggregate of a column of `M` whose result reads back as `R`: what
/// [`count`], [`sum`], [`min`] and their kin return. Select it
/// ([`Session::select`](crate::Session::select)), order by it, or compare
/// it (`count(Book::id).gt(1)`) for [`Select::having`](crate::Select::having).
///
/// ```
/// use orm_core::prelude::*;
/// use orm_core::{count, sum};
///
/// #[derive(Model, Debug, Default)]
/// pub struct Book {
///     #[column(primary_key)]
///     pub id: Option<i64>,
///     pub copies: i32,
/// }
///
/// let popular = count(Book::id).gt(1) & sum(Book::copies).ge(10);
/// assert_eq!(popular.condition().len(), 2);
/// ```
pub struct Agg<M, R> {
    pub(crate) func: AggFunc,
    pub(crate) column: usize,
    _marker: PhantomData<fn() -> (M, R)>,
}

impl<M, R> Clone for Agg<M, R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M, R> Copy for Agg<M, R> {}

impl<M, R> std::fmt::Debug for Agg<M, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}(column {})", self.func, self.column)
    }
}

/// The model type of a filter over aggregates of the columns of `M`
/// (`Filter<Aggregated<Book>>`): it goes into
/// [`Select::having`](crate::Select::having), and a `WHERE`
/// ([`Query::filter`](crate::Query::filter)) refuses it at compile time,
/// as SQL does.
pub struct Aggregated<M>(PhantomData<fn() -> M>);

/// The "model" of [`count_all`]: `count(*)` reads no column, so it belongs
/// to every query.
pub struct Star;

fn agg<M, R>(func: AggFunc, column: usize) -> Agg<M, R> {
    Agg {
        func,
        column,
        _marker: PhantomData,
    }
}

/// `count(column)`: the rows where the column is not NULL.
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
/// let per_year: Vec<(i64, i64)> = session
///     .select((Book::year, orm_core::count(Book::id)))
///     .group_by(Book::year)
///     .order_by(Book::year)
///     .all()?;
/// assert_eq!(per_year, [(1999, 1), (2001, 2)]);
/// # Ok(()) }
/// ```
pub fn count<M, V: ColumnType>(column: Col<M, V>) -> Agg<M, i64> {
    agg(AggFunc::Count, column.index())
}

/// `count(DISTINCT column)`: how many different non-NULL values.
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
/// let years: i64 = session.select(orm_core::count_distinct(Book::year)).one()?;
/// assert_eq!(years, 2);
/// # Ok(()) }
/// ```
pub fn count_distinct<M, V: ColumnType>(column: Col<M, V>) -> Agg<M, i64> {
    agg(AggFunc::CountDistinct, column.index())
}

/// `count(*)`: the rows of the group (or of the query, without
/// `group_by`). It reads no column, so it fits any query; start the query
/// from its model ([`Query::select`](crate::Query::select)) when it is
/// the first item.
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
/// let n: i64 = session.query::<Book>().select(orm_core::count_all()).one()?;
/// assert_eq!(n, 3);
/// let busy: Vec<i64> = session
///     .select(Book::year)
///     .group_by(Book::year)
///     .having(orm_core::count_all().gt(1))
///     .all()?;
/// assert_eq!(busy, [2001]);
/// # Ok(()) }
/// ```
pub fn count_all() -> Agg<Star, i64> {
    agg(AggFunc::CountAll, 0)
}

/// `sum(column)` of a numeric column: `None` when no row has a value.
/// Integer columns sum to `i64` (the SQL casts the sum to the dialect's
/// integer type: PostgreSQL's sum of a `BIGINT` is `NUMERIC`), floats to
/// `f64`.
///
/// ```
/// # use orm_core::prelude::*;
/// # #[derive(Model, Debug, Default)]
/// # pub struct Book { #[column(primary_key)] pub id: Option<i64>, pub copies: i32 }
/// # fn main() -> orm_core::Result<()> {
/// # let registry = Registry::builder().model::<Book>().build()?;
/// # let engine = orm_sqlite::memory()?;
/// # registry.create_all(&engine)?;
/// # let session = Session::new(&engine, &registry);
/// assert_eq!(session.select(orm_core::sum(Book::copies)).one()?, None);
/// for copies in [3, 4] {
///     session.add(&Obj::new(Book { copies, ..Default::default() }))?;
/// }
/// session.commit()?;
/// let total: Option<i64> = session.select(orm_core::sum(Book::copies)).one()?;
/// assert_eq!(total, Some(7));
/// # Ok(()) }
/// ```
pub fn sum<M, V: Numeric>(column: Col<M, V>) -> Agg<M, V::Sum> {
    agg(
        AggFunc::Sum {
            integral: V::INTEGRAL,
        },
        column.index(),
    )
}

/// `avg(column)` of a numeric column, as `f64` (cast to the dialect's
/// real type); `None` when no row has a value.
///
/// ```
/// # use orm_core::prelude::*;
/// # #[derive(Model, Debug, Default)]
/// # pub struct Book { #[column(primary_key)] pub id: Option<i64>, pub copies: i32 }
/// # fn main() -> orm_core::Result<()> {
/// # let registry = Registry::builder().model::<Book>().build()?;
/// # let engine = orm_sqlite::memory()?;
/// # registry.create_all(&engine)?;
/// # let session = Session::new(&engine, &registry);
/// for copies in [3, 4] {
///     session.add(&Obj::new(Book { copies, ..Default::default() }))?;
/// }
/// session.commit()?;
/// assert_eq!(session.select(orm_core::avg(Book::copies)).one()?, Some(3.5));
/// # Ok(()) }
/// ```
pub fn avg<M, V: Numeric>(column: Col<M, V>) -> Agg<M, Option<f64>> {
    agg(AggFunc::Avg, column.index())
}

/// `min(column)`: the smallest value, `None` when no row has one.
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
/// let (first, oldest) = session.select((orm_core::min(Book::title), orm_core::min(Book::year))).one()?;
/// assert_eq!((first.as_deref(), oldest), (Some("a"), Some(1999)));
/// # Ok(()) }
/// ```
pub fn min<M, V: Nullable>(column: Col<M, V>) -> Agg<M, V::Nullable> {
    agg(AggFunc::Min, column.index())
}

/// `max(column)`: the largest value, `None` when no row has one.
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
/// assert_eq!(session.select(orm_core::max(Book::year)).one()?, Some(2001));
/// # Ok(()) }
/// ```
pub fn max<M, V: Nullable>(column: Col<M, V>) -> Agg<M, V::Nullable> {
    agg(AggFunc::Max, column.index())
}

/// The numeric column types, which [`sum`] and [`avg`] accept: integers
/// sum to `Option<i64>`, floats to `Option<f64>`; a nullable column sums
/// as its inner type.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a numeric column type",
    label = "sum and avg take an integer or floating-point column",
    note = "numeric columns: i8, i16, i32, i64, u8, u16, u32, u64, f32, f64 and Option<_> of each"
)]
pub trait Numeric: ColumnType {
    /// What the sum reads back as.
    type Sum: ColumnType;
    /// Whether the sum is an integer (cast to the dialect's integer type).
    const INTEGRAL: bool;
}

macro_rules! numeric {
    ($sum:ty, $integral:expr; $($t:ty),*) => {$(
        impl Numeric for $t {
            type Sum = Option<$sum>;
            const INTEGRAL: bool = $integral;
        }
    )*};
}
numeric!(i64, true; i8, i16, i32, i64, u8, u16, u32, u64);
numeric!(f64, false; f32, f64);

impl<T: Numeric + NotOption> Numeric for Option<T> {
    type Sum = T::Sum;
    const INTEGRAL: bool = T::INTEGRAL;
}

/// A column type and its nullable form, which [`min`] and [`max`] read
/// back (`i32` gives `Option<i32>`, `Option<String>` stays itself): the
/// aggregate of no row is NULL.
pub trait Nullable: ColumnType {
    /// `Option<Self>`, or `Self` when it is an `Option` already.
    type Nullable: ColumnType;
}

impl<T: ColumnType + NotOption> Nullable for T {
    type Nullable = Option<T>;
}

impl<T: ColumnType + NotOption> Nullable for Option<T> {
    type Nullable = Option<T>;
}

impl<M, R> Agg<M, R> {
    fn test(self, expr: Expr) -> Filter<Aggregated<M>> {
        Filter::from_expr(Expr::Aggregate {
            func: self.func,
            expr: Box::new(expr),
        })
    }

    fn compare(self, op: CmpOp, value: Value) -> Filter<Aggregated<M>> {
        let column = self.column;
        self.test(Expr::Cmp { column, op, value })
    }

    /// `aggregate = ?` (`IS NULL` for `None`).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Book { #[column(primary_key)] pub id: Option<i64>, pub year: i64 }
    /// let single = orm_core::count(Book::id).eq(1);
    /// # let _ = single;
    /// ```
    pub fn eq(self, value: impl Operand<R>) -> Filter<Aggregated<M>> {
        match value.into_value() {
            Value::Null => self.is_null(),
            value => self.compare(CmpOp::Eq, value),
        }
    }

    /// `aggregate <> ?` (`IS NOT NULL` for `None`).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Book { #[column(primary_key)] pub id: Option<i64>, pub year: i64 }
    /// let not_single = orm_core::count(Book::id).ne(1);
    /// # let _ = not_single;
    /// ```
    pub fn ne(self, value: impl Operand<R>) -> Filter<Aggregated<M>> {
        match value.into_value() {
            Value::Null => self.is_not_null(),
            value => self.compare(CmpOp::Ne, value),
        }
    }

    /// `aggregate < ?`.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Book { #[column(primary_key)] pub id: Option<i64>, pub year: i64 }
    /// let old_on_average = orm_core::avg(Book::year).lt(1950.0);
    /// # let _ = old_on_average;
    /// ```
    pub fn lt(self, value: impl Operand<R>) -> Filter<Aggregated<M>> {
        self.compare(CmpOp::Lt, value.into_value())
    }

    /// `aggregate <= ?`.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Book { #[column(primary_key)] pub id: Option<i64>, pub year: i64 }
    /// let few = orm_core::count(Book::id).le(2);
    /// # let _ = few;
    /// ```
    pub fn le(self, value: impl Operand<R>) -> Filter<Aggregated<M>> {
        self.compare(CmpOp::Le, value.into_value())
    }

    /// `aggregate > ?`.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Book { #[column(primary_key)] pub id: Option<i64>, pub year: i64 }
    /// let several = orm_core::count(Book::id).gt(1);
    /// # let _ = several;
    /// ```
    pub fn gt(self, value: impl Operand<R>) -> Filter<Aggregated<M>> {
        self.compare(CmpOp::Gt, value.into_value())
    }

    /// `aggregate >= ?`.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Book { #[column(primary_key)] pub id: Option<i64>, pub year: i64 }
    /// let recent = orm_core::max(Book::year).ge(2000);
    /// # let _ = recent;
    /// ```
    pub fn ge(self, value: impl Operand<R>) -> Filter<Aggregated<M>> {
        self.compare(CmpOp::Ge, value.into_value())
    }

    /// `aggregate BETWEEN ? AND ?`.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Book { #[column(primary_key)] pub id: Option<i64>, pub year: i64 }
    /// let some = orm_core::count(Book::id).between(2, 5);
    /// # let _ = some;
    /// ```
    pub fn between(self, low: impl Operand<R>, high: impl Operand<R>) -> Filter<Aggregated<M>> {
        let column = self.column;
        self.test(Expr::Between {
            column,
            low: low.into_value(),
            high: high.into_value(),
            negated: false,
        })
    }

    /// `aggregate IN (?, ...)`; an empty list matches no group.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Book { #[column(primary_key)] pub id: Option<i64>, pub year: i64 }
    /// let odd = orm_core::count(Book::id).in_([1, 3, 5]);
    /// # let _ = odd;
    /// ```
    pub fn in_<I>(self, values: I) -> Filter<Aggregated<M>>
    where
        I: IntoIterator,
        I::Item: Operand<R>,
    {
        let values: Vec<Value> = values.into_iter().map(Operand::into_value).collect();
        if values.is_empty() {
            return Filter::never();
        }
        let column = self.column;
        self.test(Expr::In {
            column,
            values,
            negated: false,
        })
    }

    /// `aggregate IS NULL` (a `sum`, `avg`, `min` or `max` of no value).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Book { #[column(primary_key)] pub id: Option<i64>, pub year: Option<i64> }
    /// let undated = orm_core::max(Book::year).is_null();
    /// # let _ = undated;
    /// ```
    pub fn is_null(self) -> Filter<Aggregated<M>> {
        let column = self.column;
        self.test(Expr::Null {
            column,
            negated: false,
        })
    }

    /// `aggregate IS NOT NULL`.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Book { #[column(primary_key)] pub id: Option<i64>, pub year: Option<i64> }
    /// let dated = orm_core::max(Book::year).is_not_null();
    /// # let _ = dated;
    /// ```
    pub fn is_not_null(self) -> Filter<Aggregated<M>> {
        let column = self.column;
        self.test(Expr::Null {
            column,
            negated: true,
        })
    }

    /// Ascending order on the aggregate, for
    /// [`Select::order_by`](crate::Select::order_by).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Book { #[column(primary_key)] pub id: Option<i64>, pub year: i64 }
    /// let fewest_first = orm_core::count(Book::id).asc();
    /// # let _ = fewest_first;
    /// ```
    pub fn asc(self) -> AggOrder<M> {
        AggOrder {
            func: self.func,
            column: self.column,
            descending: false,
            nulls: None,
            _marker: PhantomData,
        }
    }

    /// Descending order on the aggregate, for
    /// [`Select::order_by`](crate::Select::order_by).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Book { #[column(primary_key)] pub id: Option<i64>, pub year: i64 }
    /// let most_first = orm_core::count(Book::id).desc();
    /// # let _ = most_first;
    /// ```
    pub fn desc(self) -> AggOrder<M> {
        AggOrder {
            descending: true,
            ..self.asc()
        }
    }
}

/// An `ORDER BY` term on an aggregate of a column of `M`: made by
/// [`Agg::asc`] / [`Agg::desc`].
///
/// ```
/// # use orm_core::prelude::*;
/// # #[derive(Model, Debug, Default)]
/// # pub struct Book { #[column(primary_key)] pub id: Option<i64>, pub year: Option<i64> }
/// let order = orm_core::max(Book::year).desc().nulls_last();
/// # let _ = order;
/// ```
pub struct AggOrder<M> {
    pub(crate) func: AggFunc,
    pub(crate) column: usize,
    pub(crate) descending: bool,
    pub(crate) nulls: Option<crate::operators::Nulls>,
    _marker: PhantomData<fn() -> M>,
}

impl<M> AggOrder<M> {
    /// NULLs first (`NULLS FIRST`).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Book { #[column(primary_key)] pub id: Option<i64>, pub year: Option<i64> }
    /// let order = orm_core::min(Book::year).asc().nulls_first();
    /// # let _ = order;
    /// ```
    #[must_use]
    pub fn nulls_first(mut self) -> Self {
        self.nulls = Some(crate::operators::Nulls::First);
        self
    }

    /// NULLs last (`NULLS LAST`).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Book { #[column(primary_key)] pub id: Option<i64>, pub year: Option<i64> }
    /// let order = orm_core::min(Book::year).desc().nulls_last();
    /// # let _ = order;
    /// ```
    #[must_use]
    pub fn nulls_last(mut self) -> Self {
        self.nulls = Some(crate::operators::Nulls::Last);
        self
    }
}
