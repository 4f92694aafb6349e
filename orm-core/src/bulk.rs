//! Bulk UPDATE and DELETE of the rows a query's filter matches, one
//! statement each ([`Query::update`], [`Query::delete`]), keeping the
//! identity map honest the way SQLAlchemy's `synchronize_session="fetch"`
//! does: the statement returns the keys it touched (`RETURNING`, on both
//! backends), and the objects of those keys already in the session take the
//! new values, or leave it.

use std::marker::PhantomData;
use std::rc::Rc;

use crate::aggregate::Numeric;
use crate::error::{Error, Result};
use crate::model::Model;
use crate::obj::AnyObj;
use crate::operators::Operand;
use crate::query::Query;
use crate::relation::Col;
use crate::session::SessionInner;
use crate::value::{ColumnType, NotOption, Value};

/// An arithmetic operator of a [`ColExpr`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ArithOp {
    Add,
    Sub,
    Mul,
}

impl ArithOp {
    pub(crate) fn sql(self) -> &'static str {
        match self {
            ArithOp::Add => " + ",
            ArithOp::Sub => " - ",
            ArithOp::Mul => " * ",
        }
    }
}

/// A column of `M` combined with a value, for a bulk
/// [`update`](Query::update): `Book::copies + 1`, `Book::price * 1.1`,
/// `Book::stock - 2`, evaluated by the database row by row.
///
/// ```
/// # use orm_core::prelude::*;
/// # #[derive(Model, Debug, Default)]
/// # pub struct Book { #[column(primary_key)] pub id: Option<i64>, pub copies: i32 }
/// let one_more = Book::copies.set(Book::copies + 1);
/// # let _ = one_more;
/// ```
pub struct ColExpr<M, V> {
    column: usize,
    op: ArithOp,
    value: Value,
    _marker: PhantomData<fn() -> (M, V)>,
}

macro_rules! arith {
    ($($trait:ident $method:ident $op:ident),*) => {$(
        /// Arithmetic on a numeric column, for a bulk update's new value.
        impl<M: Model, V: Numeric, T: Operand<V>> std::ops::$trait<T> for Col<M, V> {
            type Output = ColExpr<M, V>;
            fn $method(self, value: T) -> ColExpr<M, V> {
                ColExpr {
                    column: self.index(),
                    op: ArithOp::$op,
                    value: value.into_value(),
                    _marker: PhantomData,
                }
            }
        }
    )*};
}
arith!(Add add Add, Sub sub Sub, Mul mul Mul);

/// What a column of type `V` of model `M` may be set to in a bulk update:
/// a value it compares with ([`Operand`]: its own type, `None` or a plain
/// value for a nullable column, `&str` for text) or a [`ColExpr`] of `M`.
#[diagnostic::on_unimplemented(
    message = "a column of type `{V}` cannot be set to `{Self}`",
    label = "expected a value of the column's type `{V}`, or an expression like `Book::copies + 1`",
    note = "a column is set to a value of its own type (a nullable column also to a plain value or None), or to arithmetic on a numeric column of the same model"
)]
pub trait SetValue<M, V> {
    /// The new value, without its types.
    #[doc(hidden)]
    fn assigned(self) -> Assigned;
}

/// A bulk update's new value for one column, without its types.
#[doc(hidden)]
#[derive(Debug, Clone)]
pub struct Assigned(pub(crate) AssignedValue);

#[derive(Debug, Clone)]
pub(crate) enum AssignedValue {
    Value(Value),
    Arith {
        column: usize,
        op: ArithOp,
        value: Value,
    },
    /// A value the database cannot store: [`Error::Unstorable`] before any
    /// SQL.
    Unstorable {
        value: String,
        reason: &'static str,
    },
}

fn value(value: Value) -> Assigned {
    Assigned(AssignedValue::Value(value))
}

/// A value to write, or why it cannot be (a `u64` above `i64::MAX`).
fn written<V: ColumnType>(v: &V) -> Assigned {
    match v.try_to_value() {
        Ok(v) => value(v),
        Err(Error::Unstorable { value, reason }) => {
            Assigned(AssignedValue::Unstorable { value, reason })
        }
        Err(other) => Assigned(AssignedValue::Unstorable {
            value: other.to_string(),
            reason: "the value does not convert",
        }),
    }
}

impl<M, V: ColumnType> SetValue<M, V> for V {
    fn assigned(self) -> Assigned {
        written(&self)
    }
}

impl<M, T: ColumnType + NotOption> SetValue<M, Option<T>> for T {
    fn assigned(self) -> Assigned {
        written(&self)
    }
}

impl<M> SetValue<M, String> for &str {
    fn assigned(self) -> Assigned {
        value(Value::Text(self.to_owned()))
    }
}

impl<M> SetValue<M, Option<String>> for &str {
    fn assigned(self) -> Assigned {
        value(Value::Text(self.to_owned()))
    }
}

impl<M, V> SetValue<M, V> for ColExpr<M, V> {
    fn assigned(self) -> Assigned {
        Assigned(AssignedValue::Arith {
            column: self.column,
            op: self.op,
            value: self.value,
        })
    }
}

/// `column = value` in a bulk [`update`](Query::update): made by
/// [`Col::set`].
pub struct Assignment<M> {
    pub(crate) column: usize,
    pub(crate) value: AssignedValue,
    _marker: PhantomData<fn() -> M>,
}

impl<M: Model, V: ColumnType> Col<M, V> {
    /// `SET column = value` for a bulk [`update`](Query::update): a value
    /// of the column's type, or arithmetic on a numeric column of the same
    /// model (`Book::copies + 1`).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Book { #[column(primary_key)] pub id: Option<i64>, pub year: i64, pub note: Option<String>, pub copies: i32 }
    /// let year = Book::year.set(2001);
    /// let cleared = Book::note.set(None::<String>);
    /// let restocked = Book::copies.set(Book::copies + 10);
    /// # let _ = (year, cleared, restocked);
    /// ```
    pub fn set(self, value: impl SetValue<M, V>) -> Assignment<M> {
        Assignment {
            column: self.index(),
            value: value.assigned().0,
            _marker: PhantomData,
        }
    }
}

/// The assignments of a bulk [`update`](Query::update): one
/// [`Assignment`], a tuple of up to 8, an array or a `Vec` of them.
pub trait Assignments<M> {
    /// The assignments, in order.
    #[doc(hidden)]
    fn into_assignments(self) -> Vec<Assignment<M>>;
}

impl<M> Assignments<M> for Assignment<M> {
    fn into_assignments(self) -> Vec<Assignment<M>> {
        vec![self]
    }
}

impl<M> Assignments<M> for Vec<Assignment<M>> {
    fn into_assignments(self) -> Vec<Assignment<M>> {
        self
    }
}

impl<M, const N: usize> Assignments<M> for [Assignment<M>; N] {
    fn into_assignments(self) -> Vec<Assignment<M>> {
        self.into()
    }
}

macro_rules! tuple_assignments {
    ($(($($name:ident),+))*) => {$(
        #[allow(non_snake_case)]
        impl<M> Assignments<M> for ($(tuple_assignments!(@ty $name M),)+) {
            fn into_assignments(self) -> Vec<Assignment<M>> {
                let ($($name,)+) = self;
                vec![$($name),+]
            }
        }
    )*};
    (@ty $name:ident $m:ident) => { Assignment<$m> };
}

tuple_assignments! {
    (A)
    (A, B)
    (A, B, C)
    (A, B, C, D)
    (A, B, C, D, E)
    (A, B, C, D, E, F)
    (A, B, C, D, E, F, G)
    (A, B, C, D, E, F, G, H)
}

impl<T: Model> Query<'_, T> {
    /// Updates every row the query's filter matches in one statement
    /// (SQLAlchemy's `update(Book).where(..).values(..)` with
    /// `synchronize_session="fetch"`) and returns how many rows changed.
    ///
    /// - The session is flushed first, so the statement sees (and does not
    ///   undo) the pending changes.
    /// - The statement runs in the session's transaction (begun if none is
    ///   open): `commit` keeps it, `rollback` undoes it and restores the
    ///   objects.
    /// - `RETURNING` reads back the key and the new values of every row
    ///   changed; the objects of those rows already in the session take the
    ///   new values as their committed state, so a later flush writes
    ///   nothing for them. Relationships that a changed foreign key would
    ///   move are not re-synced: refresh or expire those objects.
    /// - A version column is not bumped, and no ORM cascade runs.
    ///
    /// A query with an order, a window, `distinct` or joins, an empty
    /// assignment list, or an assignment to a primary key column is
    /// [`Error::UnsupportedBulk`] before any SQL.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Book { #[column(primary_key)] pub id: Option<i64>, pub year: i64, pub copies: i32 }
    /// # fn main() -> orm_core::Result<()> {
    /// # let registry = Registry::builder().model::<Book>().build()?;
    /// # let engine = orm_sqlite::memory()?;
    /// # registry.create_all(&engine)?;
    /// # let session = Session::new(&engine, &registry);
    /// let old = Obj::new(Book { year: 1999, copies: 1, ..Default::default() });
    /// session.add(&old)?;
    /// session.add(&Obj::new(Book { year: 2021, copies: 1, ..Default::default() }))?;
    /// session.commit()?;
    /// let changed = session
    ///     .query::<Book>()
    ///     .filter(Book::year.lt(2000))
    ///     .update((Book::year.set(2001), Book::copies.set(Book::copies + 2)))?;
    /// assert_eq!(changed, 1);
    /// assert_eq!((old.borrow().year, old.borrow().copies), (2001, 3)); // the loaded object follows
    /// session.commit()?;
    /// # Ok(()) }
    /// ```
    pub fn update(mut self, assignments: impl Assignments<T>) -> Result<u64> {
        let assignments = assignments.into_assignments();
        let meta = T::meta();
        let inner = self.session.inner().clone();
        let mapper = inner.mapper_index(meta)?;
        self.check_bulk()?;
        if assignments.is_empty() {
            return Err(unsupported::<T>("an update needs at least one assignment"));
        }
        let key = inner.registry.mappers[mapper].primary_key.clone();
        if assignments.iter().any(|a| key.contains(&a.column)) {
            return Err(unsupported::<T>(
                "a bulk update cannot change a primary key column",
            ));
        }
        for a in &assignments {
            if let AssignedValue::Unstorable { value, reason } = &a.value {
                return Err(Error::Unstorable {
                    value: value.clone(),
                    reason,
                });
            }
        }
        inner.flush()?;
        self.filter.resolve(&inner.registry)?;
        let set: Vec<(usize, AssignedValue)> = assignments
            .into_iter()
            .map(|a| (a.column, a.value))
            .collect();
        let mut returning = key.clone();
        returning.extend(set.iter().map(|(c, _)| *c));
        let sql =
            crate::sql::bulk_update(inner.engine.dialect(), meta, &set, &self.filter, &returning);
        let mut params: Vec<Value> = set
            .iter()
            .filter_map(|(_, v)| match v {
                AssignedValue::Value(value) | AssignedValue::Arith { value, .. } => {
                    Some(value.clone())
                }
                AssignedValue::Unstorable { .. } => None,
            })
            .collect();
        params.extend(self.filter.params());
        let rows = run(&inner, meta.name, &sql, &params)?;
        for row in &rows {
            let (row_key, values) = row.split_at(key.len().min(row.len()));
            let Some(obj) = inner.identity.borrow().get(mapper, row_key).cloned() else {
                continue;
            };
            synchronize_update(&inner, &obj, &set, values)?;
        }
        Ok(rows.len() as u64)
    }

    /// Deletes every row the query's filter matches in one statement
    /// (SQLAlchemy's `delete(Book).where(..)` with
    /// `synchronize_session="fetch"`) and returns how many rows went.
    ///
    /// - The session is flushed first, and the statement runs in its
    ///   transaction (begun if none is open).
    /// - `RETURNING` reads back the keys of the rows deleted; their
    ///   objects already in the session become deleted as a flushed
    ///   [`Session::delete`](crate::Session::delete) leaves them (out of
    ///   the identity map, detached at commit, restored by `rollback`), and
    ///   leave the loaded collections and references of the objects related
    ///   to them.
    /// - No ORM cascade runs: rows of other tables that refer to the
    ///   deleted ones are the database's business (`ON DELETE CASCADE`, or
    ///   a foreign-key error), association rows included.
    ///
    /// A query with an order, a window, `distinct` or joins is
    /// [`Error::UnsupportedBulk`] before any SQL.
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
    /// let old = Obj::new(Book { year: 1999, ..Default::default() });
    /// session.add(&old)?;
    /// session.add(&Obj::new(Book { year: 2021, ..Default::default() }))?;
    /// session.commit()?;
    /// assert_eq!(session.query::<Book>().filter(Book::year.lt(2000)).delete()?, 1);
    /// assert_eq!(old.state(), orm_core::ObjectState::Deleted);
    /// session.commit()?;
    /// assert_eq!(old.state(), orm_core::ObjectState::Detached);
    /// assert_eq!(session.query::<Book>().count()?, 1);
    /// # Ok(()) }
    /// ```
    pub fn delete(mut self) -> Result<u64> {
        let meta = T::meta();
        let inner = self.session.inner().clone();
        let mapper = inner.mapper_index(meta)?;
        self.check_bulk()?;
        inner.flush()?;
        self.filter.resolve(&inner.registry)?;
        let key = inner.registry.mappers[mapper].primary_key.clone();
        let sql = crate::sql::bulk_delete(inner.engine.dialect(), meta, &self.filter, &key);
        let rows = run(&inner, meta.name, &sql, &self.filter.params())?;
        let mut gone = Vec::new();
        for row in &rows {
            let found = inner.identity.borrow().get(mapper, row).cloned();
            if let Some(obj) = found {
                inner.touch(&obj)?;
                {
                    let mut state = obj.state_mut()?;
                    state.deleted = true;
                    state.marked_for_delete = false;
                }
                inner.identity.borrow_mut().remove(mapper, row);
                gone.push(obj);
            }
        }
        for obj in &gone {
            crate::unitofwork::forget_bulk_deleted(&inner, obj)?;
        }
        Ok(rows.len() as u64)
    }

    /// Refuses what one UPDATE or DELETE statement cannot say.
    fn check_bulk(&self) -> Result<()> {
        if !self.joins.is_empty() {
            return Err(unsupported::<T>(
                "a bulk statement cannot join; test related rows with any()/has()",
            ));
        }
        if !self.order.is_empty() || self.page != crate::loading::Page::default() {
            return Err(unsupported::<T>(
                "a bulk statement has no order, limit or offset",
            ));
        }
        if self.distinct {
            return Err(unsupported::<T>("a bulk statement has no distinct"));
        }
        Ok(())
    }
}

fn unsupported<T: Model>(reason: &'static str) -> Error {
    Error::UnsupportedBulk {
        model: T::meta().name,
        reason,
    }
}

/// Runs a bulk statement in the session's transaction: begun here when none
/// is open (and rolled back if the statement fails), else inside a
/// savepoint, so a failure leaves the transaction as it was.
fn run(
    inner: &Rc<SessionInner>,
    model: &'static str,
    sql: &str,
    params: &[Value],
) -> Result<Vec<Vec<Value>>> {
    let limit = inner.engine.dialect().max_parameters();
    if params.len() > limit {
        return Err(Error::TooManyParameters {
            model,
            count: params.len(),
            limit,
        });
    }
    let began = !inner.in_transaction.get();
    let savepoint = if began {
        let begin = inner.engine.dialect().begin(None);
        inner.engine.execute(&begin, &[])?;
        inner.in_transaction.set(true);
        None
    } else {
        let name = format!("bulk_{}", inner.savepoints.get() + 1);
        inner.savepoints.set(inner.savepoints.get() + 1);
        inner.engine.execute(&format!("SAVEPOINT {name}"), &[])?;
        Some(name)
    };
    match inner.engine.query(sql, params) {
        Ok(rows) => {
            if let Some(name) = &savepoint {
                inner
                    .engine
                    .execute(&format!("RELEASE SAVEPOINT {name}"), &[])?;
            }
            Ok(rows)
        }
        Err(err) => {
            match &savepoint {
                None => {
                    inner.in_transaction.set(false);
                    let _ = inner.engine.execute("ROLLBACK", &[]);
                }
                Some(name) => {
                    let _ = inner
                        .engine
                        .execute(&format!("ROLLBACK TO SAVEPOINT {name}"), &[]);
                    let _ = inner
                        .engine
                        .execute(&format!("RELEASE SAVEPOINT {name}"), &[]);
                }
            }
            Err(err.into())
        }
    }
}

/// Writes the new values of an updated row into its object, as both the
/// field and the committed state (kept for `rollback` first).
fn synchronize_update(
    inner: &Rc<SessionInner>,
    obj: &AnyObj,
    set: &[(usize, AssignedValue)],
    values: &[Value],
) -> Result<()> {
    inner.touch(obj)?;
    obj.keeping_modified_flag(|| {
        for ((column, _), value) in set.iter().zip(values) {
            obj.set_column_value(*column, value.clone())?;
            let mut state = obj.state_mut()?;
            if let Some(committed) = state.committed.row_mut() {
                if let Some(slot) = committed.get_mut(*column) {
                    *slot = value.clone();
                }
            }
        }
        Ok(())
    })
}
