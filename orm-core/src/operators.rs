//! The column operators of the query language: methods on the column
//! descriptors ([`Col`]) that make [`Filter`]s and [`Order`]s, and the
//! [`Operand`] trait that says which Rust values a column compares with.

use std::marker::PhantomData;

use crate::filter::{escape_like, CmpOp, Expr, Filter};
use crate::meta::RelRef;
use crate::model::Model;
use crate::relation::{Col, Many, One, Rel};
use crate::value::{ColumnType, NotOption, Value};

/// A Rust value that a column of type `V` can be compared with: a value of
/// the column's own type, the inner type of a nullable column
/// (`Author::country.eq("FR")` for an `Option<String>` column), and `&str`
/// for text columns. Anything else is a compile error.
///
/// ```
/// use orm_core::{Operand, Value};
/// assert_eq!(Operand::<Option<i64>>::into_value(5_i64), Value::Integer(5));
/// assert_eq!(Operand::<Option<i64>>::into_value(None::<i64>), Value::Null);
/// assert_eq!(Operand::<String>::into_value("x"), Value::from("x"));
/// ```
#[diagnostic::on_unimplemented(
    message = "a column of type `{V}` cannot be compared with `{Self}`",
    label = "expected a value of the column's type `{V}`",
    note = "a column compares with a value of its own type, a nullable column (`Option<T>`) also with a plain `T`, and a text column with `&str`"
)]
pub trait Operand<V> {
    /// The value to bind.
    fn into_value(self) -> Value;
}

impl<V: ColumnType> Operand<V> for V {
    fn into_value(self) -> Value {
        self.to_value()
    }
}

impl<T: ColumnType + NotOption> Operand<Option<T>> for T {
    fn into_value(self) -> Value {
        self.to_value()
    }
}

impl Operand<String> for &str {
    fn into_value(self) -> Value {
        Value::Text(self.to_owned())
    }
}

impl Operand<Option<String>> for &str {
    fn into_value(self) -> Value {
        Value::Text(self.to_owned())
    }
}

impl Operand<String> for &String {
    fn into_value(self) -> Value {
        Value::Text(self.clone())
    }
}

impl Operand<Option<String>> for &String {
    fn into_value(self) -> Value {
        Value::Text(self.clone())
    }
}

/// The text column types (`String`, `Option<String>`), which have the
/// pattern operators ([`Col::like`] and its kin); other columns do not.
///
/// ```
/// # use orm_core::prelude::*;
/// # #[derive(Model, Debug, Default)]
/// # pub struct Author { #[column(primary_key)] pub id: Option<i64>, pub country: Option<String> }
/// fn text_only<V: orm_core::TextColumn>() {}
/// text_only::<Option<String>>();
/// let european = Author::country.like("_E"); // a nullable text column has them too
/// # let _ = european;
/// ```
pub trait TextColumn: ColumnType {}
impl TextColumn for String {}
impl TextColumn for Option<String> {}

impl<M, V: ColumnType> Col<M, V> {
    fn compare(self, op: CmpOp, value: Value) -> Filter<M> {
        Filter::from_expr(Expr::Cmp {
            column: self.index(),
            op,
            value,
        })
    }

    /// `column = ?`; `column IS NULL` when the value is `None`.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Author { #[column(primary_key)] pub id: Option<i64>, pub name: String, pub country: Option<String> }
    /// let named = Author::name.eq("Ann");
    /// let french = Author::country.eq("FR");          // a nullable column, a plain value
    /// let unknown = Author::country.eq(None::<String>); // IS NULL
    /// # let _ = (named, french, unknown);
    /// ```
    pub fn eq(self, value: impl Operand<V>) -> Filter<M> {
        match value.into_value() {
            Value::Null => self.is_null(),
            value => self.compare(CmpOp::Eq, value),
        }
    }

    /// `column <> ?`; `column IS NOT NULL` when the value is `None`. A row
    /// whose column is NULL matches neither `eq` nor `ne` of a value.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Author { #[column(primary_key)] pub id: Option<i64>, pub country: Option<String> }
    /// let elsewhere = Author::country.ne("FR");
    /// # let _ = elsewhere;
    /// ```
    pub fn ne(self, value: impl Operand<V>) -> Filter<M> {
        match value.into_value() {
            Value::Null => self.is_not_null(),
            value => self.compare(CmpOp::Ne, value),
        }
    }

    /// `column < ?`.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Book { #[column(primary_key)] pub id: Option<i64>, pub year: i64 }
    /// let old = Book::year.lt(1900);
    /// # let _ = old;
    /// ```
    pub fn lt(self, value: impl Operand<V>) -> Filter<M> {
        self.compare(CmpOp::Lt, value.into_value())
    }

    /// `column <= ?`.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Book { #[column(primary_key)] pub id: Option<i64>, pub year: i64 }
    /// let by_1900 = Book::year.le(1900);
    /// # let _ = by_1900;
    /// ```
    pub fn le(self, value: impl Operand<V>) -> Filter<M> {
        self.compare(CmpOp::Le, value.into_value())
    }

    /// `column > ?`.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Book { #[column(primary_key)] pub id: Option<i64>, pub year: i64 }
    /// let recent = Book::year.gt(2000);
    /// # let _ = recent;
    /// ```
    pub fn gt(self, value: impl Operand<V>) -> Filter<M> {
        self.compare(CmpOp::Gt, value.into_value())
    }

    /// `column >= ?`.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Book { #[column(primary_key)] pub id: Option<i64>, pub year: i64 }
    /// let since_2000 = Book::year.ge(2000);
    /// # let _ = since_2000;
    /// ```
    pub fn ge(self, value: impl Operand<V>) -> Filter<M> {
        self.compare(CmpOp::Ge, value.into_value())
    }

    /// `column BETWEEN ? AND ?`, both ends included.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Book { #[column(primary_key)] pub id: Option<i64>, pub year: i64 }
    /// let nineties = Book::year.between(1990, 1999);
    /// # let _ = nineties;
    /// ```
    pub fn between(self, low: impl Operand<V>, high: impl Operand<V>) -> Filter<M> {
        Filter::from_expr(Expr::Between {
            column: self.index(),
            low: low.into_value(),
            high: high.into_value(),
            negated: false,
        })
    }

    /// `column IN (?, ...)` over the values of any iterator. An empty list
    /// matches no row (written `1 = 0`, never the invalid `IN ()`). Longer
    /// lists get placeholders in powers of two (the last value repeated),
    /// so that lists of many lengths share a few statement texts. A query
    /// whose values exceed the backend's parameter limit (SQLite 32766,
    /// PostgreSQL 65535) runs in several statements when that gives the
    /// same rows, and is otherwise refused before any SQL with
    /// [`Error::TooManyParameters`](crate::Error::TooManyParameters).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Author { #[column(primary_key)] pub id: Option<i64>, pub country: Option<String> }
    /// let european = Author::country.in_(["FR", "DE", "IT"]);
    /// let ids: Vec<i64> = (1..=3).collect();
    /// let some = Author::id.in_(ids);
    /// let nobody = Author::id.in_(Vec::<i64>::new());
    /// # let _ = (european, some, nobody);
    /// ```
    pub fn in_<I>(self, values: I) -> Filter<M>
    where
        I: IntoIterator,
        I::Item: Operand<V>,
    {
        self.in_list(values, false)
    }

    /// `column NOT IN (?, ...)`; an empty list matches every row (`1 = 1`).
    /// As in SQL, a NULL among the values makes it match no row, and a row
    /// whose column is NULL never matches.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Book { #[column(primary_key)] pub id: Option<i64>, pub year: i64 }
    /// let other_years = Book::year.not_in([2000, 2001]);
    /// # let _ = other_years;
    /// ```
    pub fn not_in<I>(self, values: I) -> Filter<M>
    where
        I: IntoIterator,
        I::Item: Operand<V>,
    {
        self.in_list(values, true)
    }

    fn in_list<I>(self, values: I, negated: bool) -> Filter<M>
    where
        I: IntoIterator,
        I::Item: Operand<V>,
    {
        let values: Vec<Value> = values.into_iter().map(Operand::into_value).collect();
        if values.is_empty() {
            return if negated {
                Filter::always()
            } else {
                Filter::never()
            };
        }
        Filter::from_expr(Expr::In {
            column: self.index(),
            values,
            negated,
        })
    }

    /// `column IS NULL`.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Author { #[column(primary_key)] pub id: Option<i64>, pub country: Option<String> }
    /// let stateless = Author::country.is_null();
    /// # let _ = stateless;
    /// ```
    pub fn is_null(self) -> Filter<M> {
        Filter::from_expr(Expr::Null {
            column: self.index(),
            negated: false,
        })
    }

    /// `column IS NOT NULL`.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Author { #[column(primary_key)] pub id: Option<i64>, pub country: Option<String> }
    /// let located = Author::country.is_not_null();
    /// # let _ = located;
    /// ```
    pub fn is_not_null(self) -> Filter<M> {
        Filter::from_expr(Expr::Null {
            column: self.index(),
            negated: true,
        })
    }

    /// Ascending order on this column, for [`Query::order_by`](crate::Query::order_by).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Author { #[column(primary_key)] pub id: Option<i64>, pub country: Option<String> }
    /// let order = Author::country.asc().nulls_last();
    /// # let _ = order;
    /// ```
    pub fn asc(self) -> Order<M> {
        Order::new(self.index(), false)
    }

    /// Descending order on this column, for [`Query::order_by`](crate::Query::order_by).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Book { #[column(primary_key)] pub id: Option<i64>, pub year: i64 }
    /// let newest_first = Book::year.desc();
    /// # let _ = newest_first;
    /// ```
    pub fn desc(self) -> Order<M> {
        Order::new(self.index(), true)
    }
}

impl<M, V: TextColumn> Col<M, V> {
    fn pattern(self, pattern: String, negated: bool, fold_case: bool, escaped: bool) -> Filter<M> {
        Filter::from_expr(Expr::Like {
            column: self.index(),
            pattern: Value::Text(pattern),
            negated,
            fold_case,
            escaped,
        })
    }

    /// `column LIKE ?` with a pattern of your own: `%` matches any run of
    /// characters, `_` one character. Case-sensitive on both backends (the
    /// SQLite backend turns on `case_sensitive_like`); see
    /// [`ilike`](Col::ilike). To match text that may hold `%` or `_`, use
    /// [`starts_with`](Col::starts_with), [`ends_with`](Col::ends_with) or
    /// [`contains`](Col::contains).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Book { #[column(primary_key)] pub id: Option<i64>, pub title: String }
    /// let second_letter_u = Book::title.like("_u%");
    /// # let _ = second_letter_u;
    /// ```
    pub fn like(self, pattern: impl AsRef<str>) -> Filter<M> {
        self.pattern(pattern.as_ref().to_owned(), false, false, false)
    }

    /// `column NOT LIKE ?`.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Book { #[column(primary_key)] pub id: Option<i64>, pub title: String }
    /// let no_the = Book::title.not_like("The %");
    /// # let _ = no_the;
    /// ```
    pub fn not_like(self, pattern: impl AsRef<str>) -> Filter<M> {
        self.pattern(pattern.as_ref().to_owned(), true, false, false)
    }

    /// Case-insensitive `LIKE`: `lower(column) LIKE lower(?)`, written the
    /// same on both backends. SQLite's `lower` folds ASCII letters only,
    /// PostgreSQL's every letter.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Book { #[column(primary_key)] pub id: Option<i64>, pub title: String }
    /// let rusty = Book::title.ilike("%RUST%");
    /// # let _ = rusty;
    /// ```
    pub fn ilike(self, pattern: impl AsRef<str>) -> Filter<M> {
        self.pattern(pattern.as_ref().to_owned(), false, true, false)
    }

    /// Case-insensitive `NOT LIKE`: `lower(column) NOT LIKE lower(?)`.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Book { #[column(primary_key)] pub id: Option<i64>, pub title: String }
    /// let no_draft = Book::title.not_ilike("%draft%");
    /// # let _ = no_draft;
    /// ```
    pub fn not_ilike(self, pattern: impl AsRef<str>) -> Filter<M> {
        self.pattern(pattern.as_ref().to_owned(), true, true, false)
    }

    /// The column starts with `prefix`, taken literally: `column LIKE ?
    /// ESCAPE '/'` with `%`, `_` and `/` escaped in the bound pattern.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Book { #[column(primary_key)] pub id: Option<i64>, pub title: String }
    /// let percent = Book::title.starts_with("100%"); // binds '100/%%'
    /// # let _ = percent;
    /// ```
    pub fn starts_with(self, prefix: impl AsRef<str>) -> Filter<M> {
        self.pattern(
            format!("{}%", escape_like(prefix.as_ref())),
            false,
            false,
            true,
        )
    }

    /// The column ends with `suffix`, taken literally (see
    /// [`starts_with`](Col::starts_with)).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Book { #[column(primary_key)] pub id: Option<i64>, pub title: String }
    /// let sequels = Book::title.ends_with(" II");
    /// # let _ = sequels;
    /// ```
    pub fn ends_with(self, suffix: impl AsRef<str>) -> Filter<M> {
        self.pattern(
            format!("%{}", escape_like(suffix.as_ref())),
            false,
            false,
            true,
        )
    }

    /// The column contains `text`, taken literally (see
    /// [`starts_with`](Col::starts_with)).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Book { #[column(primary_key)] pub id: Option<i64>, pub title: String }
    /// let snake = Book::title.contains("snake_case");
    /// # let _ = snake;
    /// ```
    pub fn contains(self, text: impl AsRef<str>) -> Filter<M> {
        self.pattern(
            format!("%{}%", escape_like(text.as_ref())),
            false,
            false,
            true,
        )
    }

    /// [`starts_with`](Col::starts_with), ignoring case (as [`ilike`](Col::ilike)).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Book { #[column(primary_key)] pub id: Option<i64>, pub title: String }
    /// let the = Book::title.istarts_with("the ");
    /// # let _ = the;
    /// ```
    pub fn istarts_with(self, prefix: impl AsRef<str>) -> Filter<M> {
        self.pattern(
            format!("{}%", escape_like(prefix.as_ref())),
            false,
            true,
            true,
        )
    }

    /// [`ends_with`](Col::ends_with), ignoring case (as [`ilike`](Col::ilike)).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Book { #[column(primary_key)] pub id: Option<i64>, pub title: String }
    /// let guides = Book::title.iends_with(" GUIDE");
    /// # let _ = guides;
    /// ```
    pub fn iends_with(self, suffix: impl AsRef<str>) -> Filter<M> {
        self.pattern(
            format!("%{}", escape_like(suffix.as_ref())),
            false,
            true,
            true,
        )
    }

    /// [`contains`](Col::contains), ignoring case (as [`ilike`](Col::ilike)).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Book { #[column(primary_key)] pub id: Option<i64>, pub title: String }
    /// let rust = Book::title.icontains("rust");
    /// # let _ = rust;
    /// ```
    pub fn icontains(self, text: impl AsRef<str>) -> Filter<M> {
        self.pattern(
            format!("%{}%", escape_like(text.as_ref())),
            false,
            true,
            true,
        )
    }
}

/// Where NULLs go in an ordering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Nulls {
    First,
    Last,
}

/// One term of an `ORDER BY`, on a column of `M`: made by
/// [`Col::asc`]/[`Col::desc`] (or a bare column, ascending), with
/// [`nulls_first`](Order::nulls_first)/[`nulls_last`](Order::nulls_last).
///
/// Without them NULLs go where the database puts them: first in ascending
/// order on SQLite, last on PostgreSQL; say which to get the same order on
/// both.
///
/// ```
/// # use orm_core::prelude::*;
/// # #[derive(Model, Debug, Default)]
/// # pub struct Author { #[column(primary_key)] pub id: Option<i64>, pub name: String, pub country: Option<String> }
/// # fn main() -> orm_core::Result<()> {
/// # let registry = Registry::builder().model::<Author>().build()?;
/// # let engine = orm_sqlite::memory()?;
/// # registry.create_all(&engine)?;
/// # let session = Session::new(&engine, &registry);
/// let authors = session
///     .query::<Author>()
///     .order_by(Author::country.desc().nulls_last())
///     .order_by(Author::name)
///     .all()?;
/// # Ok(()) }
/// ```
pub struct Order<M> {
    pub(crate) term: OrderTerm,
    _marker: PhantomData<fn() -> M>,
}

/// An [`Order`] without its model type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct OrderTerm {
    /// The FROM-clause entry (0: the queried model, `k`: the `k`-th join).
    pub source: usize,
    pub column: usize,
    pub descending: bool,
    pub nulls: Option<Nulls>,
}

impl<M> Order<M> {
    fn new(column: usize, descending: bool) -> Self {
        Order {
            term: OrderTerm {
                source: 0,
                column,
                descending,
                nulls: None,
            },
            _marker: PhantomData,
        }
    }

    /// NULLs before every value (`NULLS FIRST`).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Author { #[column(primary_key)] pub id: Option<i64>, pub country: Option<String> }
    /// let order = Author::country.asc().nulls_first();
    /// # let _ = order;
    /// ```
    #[must_use]
    pub fn nulls_first(mut self) -> Self {
        self.term.nulls = Some(Nulls::First);
        self
    }

    /// NULLs after every value (`NULLS LAST`).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Author { #[column(primary_key)] pub id: Option<i64>, pub country: Option<String> }
    /// let order = Author::country.desc().nulls_last();
    /// # let _ = order;
    /// ```
    #[must_use]
    pub fn nulls_last(mut self) -> Self {
        self.term.nulls = Some(Nulls::Last);
        self
    }
}

/// A bare column orders ascending.
impl<M, V> From<Col<M, V>> for Order<M> {
    fn from(column: Col<M, V>) -> Self {
        Order::new(column.index(), false)
    }
}

/// `EXISTS` along relationship `rel` of `M`, as a filter on `Out` (`M`
/// itself, or its aliased copy).
pub(crate) fn exists<M: Model, T, Out>(rel: RelRef, filter: Filter<T>) -> Filter<Out> {
    let owner = M::meta();
    // A filtered relationship's own condition comes along.
    let own = match rel {
        RelRef::Field(i) => owner.relationships.get(i).and_then(|r| r.filter),
        RelRef::Backref(_) => None,
    };
    let mut expr = filter.into_condition().expr;
    if let Some(own) = own {
        expr = own().expr.and(expr);
    }
    Filter::from_expr(Expr::Exists {
        owner,
        rel,
        filter: Box::new(expr),
        negated: false,
        sql: None,
    })
}

impl<M: Model, T: Model> Rel<M, Many<T>> {
    /// Some object of the collection passes `filter`: an `EXISTS`
    /// subquery (SQLAlchemy's `Author.books.any(...)`); `!` gives `NOT
    /// EXISTS`, and `Filter::always()` any member at all.
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
    /// # let registry = Registry::builder().model::<Author>().build()?;
    /// # let engine = orm_sqlite::memory()?;
    /// # registry.create_all(&engine)?;
    /// # let session = Session::new(&engine, &registry);
    /// let ann = Obj::new(Author { name: "Ann".into(), ..Default::default() });
    /// ann.append(Author::books, &Obj::new(Book { year: 2021, ..Default::default() }))?;
    /// session.add(&ann)?;
    /// session.add(&Obj::new(Author { name: "Bob".into(), ..Default::default() }))?;
    /// session.commit()?;
    /// let recent = session.query::<Author>().filter(Author::books.any(Book::year.gt(2000))).all()?;
    /// assert_eq!(recent.len(), 1);
    /// let bookless = session.query::<Author>().filter(!Author::books.any(orm_core::Filter::always())).one()?;
    /// assert_eq!(bookless.borrow().name, "Bob");
    /// # Ok(()) }
    /// ```
    pub fn any(self, filter: Filter<T>) -> Filter<M> {
        exists::<M, T, M>(self.rel_ref(), filter)
    }
}

impl<M: Model, T: Model> Rel<M, One<T>> {
    /// The related object exists and passes `filter`: an `EXISTS`
    /// subquery (SQLAlchemy's `Book.author.has(...)`).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Author {
    /// #     #[column(primary_key)] pub id: Option<i64>, pub name: String,
    /// #     #[relationship(back_populates = "author")] pub books: Many<Book>,
    /// # }
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Book {
    /// #     #[column(primary_key)] pub id: Option<i64>,
    /// #     #[column(foreign_key = "author.id")] pub author_id: Option<i64>,
    /// #     #[relationship(back_populates = "books")] pub author: One<Author>,
    /// # }
    /// let by_ann = Book::author.has(Author::name.eq("Ann"));
    /// # let _ = by_ann;
    /// ```
    pub fn has(self, filter: Filter<T>) -> Filter<M> {
        exists::<M, T, M>(self.rel_ref(), filter)
    }
}
