//! Conditions on the columns of one model: [`Filter`], typed by the model,
//! made from column descriptors ([`Col::eq`](crate::Col::eq),
//! [`Col::lt`](crate::Col::lt), [`Col::in_`](crate::Col::in_), ...) and
//! combined with [`and`](Filter::and), [`or`](Filter::or),
//! [`not`](Filter::not) (or `&`, `|`, `!`); and its type-erased form
//! [`Condition`], an expression tree that static metadata can hold and the
//! SQL builder renders (`sql.rs`), every value bound.

use std::marker::PhantomData;

use crate::error::{Error, Result};
use crate::meta::{ColumnMeta, ModelMeta, RelRef};
use crate::registry::Registry;
use crate::value::Value;

/// A condition on the columns of `M`, for [`Query::filter`](crate::Query::filter)
/// and filtered relationships (`#[relationship(viewonly, filter = ...)]`).
///
/// Made from the column descriptors the derive generates, so a value of the
/// wrong type or a column of another model is a compile error. Combine with
/// [`and`](Filter::and) / `&`, [`or`](Filter::or) / `|` and
/// [`not`](Filter::not) / `!`; grouping follows the calls, and the SQL gets
/// the parentheses it needs.
///
/// ```
/// use orm_core::prelude::*;
///
/// #[derive(Model, Debug, Default)]
/// pub struct Task {
///     #[column(primary_key)]
///     pub id: Option<i64>,
///     pub done: bool,
///     pub owner: Option<String>,
///     pub rank: i32,
/// }
///
/// let open_and_unassigned = Task::done.eq(false).and(Task::owner.is_null());
/// assert_eq!(open_and_unassigned.condition().len(), 2);
/// // (done = ? OR rank < ?) AND NOT owner = ?, written with operators:
/// let mixed = (Task::done.eq(true) | Task::rank.lt(3)) & !Task::owner.eq("ann");
/// assert_eq!(mixed.condition().len(), 3);
/// ```
pub struct Filter<M> {
    condition: Condition,
    _marker: PhantomData<fn() -> M>,
}

impl<M> Filter<M> {
    pub(crate) fn from_expr(expr: Expr) -> Self {
        Filter {
            condition: Condition { expr },
            _marker: PhantomData,
        }
    }

    /// The condition every row satisfies (no `WHERE` at all): the start of
    /// a filter built in a loop with [`and`](Filter::and).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Item { #[column(primary_key)] pub id: Option<i64>, pub rank: i32 }
    /// let mut filter = orm_core::Filter::<Item>::always();
    /// for rank in [1, 2] {
    ///     filter = filter & Item::rank.ne(rank);
    /// }
    /// assert_eq!(filter.condition().len(), 2);
    /// assert!(orm_core::Filter::<Item>::always().condition().is_empty());
    /// ```
    pub fn always() -> Self {
        Filter::from_expr(Expr::And(Vec::new()))
    }

    /// The condition no row satisfies (`1 = 0`): the start of a filter
    /// built in a loop with [`or`](Filter::or).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Item { #[column(primary_key)] pub id: Option<i64>, pub rank: i32 }
    /// let any_of = [1, 5].into_iter().fold(orm_core::Filter::<Item>::never(), |f, r| f | Item::rank.eq(r));
    /// assert_eq!(any_of.condition().len(), 2);
    /// ```
    pub fn never() -> Self {
        Filter::from_expr(Expr::Or(Vec::new()))
    }

    /// Both conditions (`AND`).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Item { #[column(primary_key)] pub id: Option<i64>, pub rank: i32 }
    /// let middle = Item::rank.gt(1).and(Item::rank.lt(9));
    /// assert_eq!(middle.condition().len(), 2);
    /// ```
    #[must_use]
    pub fn and(self, other: Filter<M>) -> Self {
        Filter::from_expr(self.condition.expr.and(other.condition.expr))
    }

    /// Either condition (`OR`).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Item { #[column(primary_key)] pub id: Option<i64>, pub rank: i32 }
    /// let ends = Item::rank.lt(2).or(Item::rank.gt(8));
    /// assert_eq!(ends.condition().len(), 2);
    /// ```
    #[must_use]
    pub fn or(self, other: Filter<M>) -> Self {
        Filter::from_expr(self.condition.expr.or(other.condition.expr))
    }

    /// The opposite condition (`NOT`). A single test is negated in place
    /// (`NOT a < ?` is written `a >= ?`, `NOT a IN (...)` is `a NOT IN
    /// (...)`); a group is wrapped in `NOT (...)`. As in SQL, a test on a
    /// NULL column is neither true nor false, so neither a condition nor its
    /// negation matches it (use [`is_null`](crate::Col::is_null)).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Item { #[column(primary_key)] pub id: Option<i64>, pub rank: i32 }
    /// let outside = Item::rank.between(2, 8).not();
    /// assert_eq!(outside.condition().len(), 1);
    /// ```
    #[must_use]
    #[allow(clippy::should_implement_trait)] // it is implemented too: `!filter`
    pub fn not(self) -> Self {
        Filter::from_expr(self.condition.expr.negate())
    }

    /// The condition without its model type.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Item { #[column(primary_key)] pub id: Option<i64>, pub rank: i32 }
    /// assert_eq!(Item::rank.is_null().condition().len(), 1);
    /// ```
    pub fn condition(&self) -> &Condition {
        &self.condition
    }

    /// The condition without its model type, as a filtered relationship
    /// keeps it.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Item { #[column(primary_key)] pub id: Option<i64>, pub rank: i32 }
    /// let condition: orm_core::Condition = (Item::rank.gt(1) | Item::rank.is_null()).into_condition();
    /// assert_eq!(condition.len(), 2);
    /// ```
    pub fn into_condition(self) -> Condition {
        self.condition
    }
}

impl<M> Clone for Filter<M> {
    fn clone(&self) -> Self {
        Filter {
            condition: self.condition.clone(),
            _marker: PhantomData,
        }
    }
}

/// `a & b` is [`a.and(b)`](Filter::and).
impl<M> std::ops::BitAnd for Filter<M> {
    type Output = Filter<M>;
    fn bitand(self, other: Filter<M>) -> Filter<M> {
        self.and(other)
    }
}

/// `a | b` is [`a.or(b)`](Filter::or).
impl<M> std::ops::BitOr for Filter<M> {
    type Output = Filter<M>;
    fn bitor(self, other: Filter<M>) -> Filter<M> {
        self.or(other)
    }
}

/// `!a` is [`a.not()`](Filter::not).
impl<M> std::ops::Not for Filter<M> {
    type Output = Filter<M>;
    fn not(self) -> Filter<M> {
        Filter::not(self)
    }
}

impl<M> std::fmt::Debug for Filter<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.condition.fmt(f)
    }
}

/// A [`Filter`] without its model type: an expression tree over column
/// indexes. What a filtered relationship (`#[relationship(viewonly, filter
/// = ...)]`) keeps in its static metadata.
///
/// ```
/// # use orm_core::prelude::*;
/// # #[derive(Model, Debug, Default)]
/// # pub struct Item { #[column(primary_key)] pub id: Option<i64>, pub rank: i32 }
/// let condition = Item::rank.in_([1, 2, 3]).into_condition();
/// assert_eq!(condition.len(), 1);
/// assert!(!condition.is_empty());
/// assert!(orm_core::Condition::default().is_empty());
/// ```
#[derive(Debug, Clone)]
pub struct Condition {
    pub(crate) expr: Expr,
}

/// Equal conditions render the same SQL with the same values.
impl PartialEq for Condition {
    fn eq(&self, other: &Self) -> bool {
        self.shape() == other.shape() && self.params() == other.params()
    }
}

impl Default for Condition {
    /// The condition every row satisfies.
    fn default() -> Self {
        Condition {
            expr: Expr::And(Vec::new()),
        }
    }
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    pub(crate) fn sql(self) -> &'static str {
        match self {
            CmpOp::Eq => " = ",
            CmpOp::Ne => " <> ",
            CmpOp::Lt => " < ",
            CmpOp::Le => " <= ",
            CmpOp::Gt => " > ",
            CmpOp::Ge => " >= ",
        }
    }

    fn negate(self) -> Self {
        match self {
            CmpOp::Eq => CmpOp::Ne,
            CmpOp::Ne => CmpOp::Eq,
            CmpOp::Lt => CmpOp::Ge,
            CmpOp::Le => CmpOp::Gt,
            CmpOp::Gt => CmpOp::Le,
            CmpOp::Ge => CmpOp::Lt,
        }
    }
}

/// An aggregate function of a select list or a `HAVING` test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum AggFunc {
    /// `count(*)`: the column is ignored.
    CountAll,
    Count,
    CountDistinct,
    /// `sum`, its result cast to the integer or real type of the dialect
    /// (PostgreSQL's sum of a `BIGINT` is `NUMERIC`).
    Sum {
        integral: bool,
    },
    /// `avg`, cast to the dialect's real type.
    Avg,
    Min,
    Max,
}

/// A node of a [`Condition`]. `And([])` is true and `Or([])` false.
#[derive(Debug, Clone)]
pub(crate) enum Expr {
    /// A test (`Cmp`, `Between`, `In`, `Null`) whose column stands for an
    /// aggregate of it (`count(column) > ?`): a `HAVING` condition.
    Aggregate {
        func: AggFunc,
        expr: Box<Expr>,
    },
    /// `[NOT] EXISTS (SELECT 1 FROM target WHERE <correlation> AND
    /// filter)`: some related row of relationship `rel` of `owner` passes
    /// `filter` (on the target's columns; the relationship's own filter
    /// included). `sql` is filled by [`Condition::resolve`].
    Exists {
        owner: &'static ModelMeta,
        rel: RelRef,
        filter: Box<Expr>,
        negated: bool,
        sql: Option<Box<ExistsSql>>,
    },
    And(Vec<Expr>),
    Or(Vec<Expr>),
    /// `NOT (group)`; single tests are negated in place.
    Not(Box<Expr>),
    /// `column <op> ?`.
    Cmp {
        column: usize,
        op: CmpOp,
        value: Value,
    },
    /// `column IS [NOT] NULL`.
    Null {
        column: usize,
        negated: bool,
    },
    /// `column [NOT] BETWEEN ? AND ?`.
    Between {
        column: usize,
        low: Value,
        high: Value,
        negated: bool,
    },
    /// `column [NOT] IN (?, ...)`, never empty (an empty list is a constant).
    In {
        column: usize,
        values: Vec<Value>,
        negated: bool,
    },
    /// A condition on the columns of FROM-clause entry `source` (a join's
    /// target; `0`, the queried model, is never wrapped).
    Source {
        source: usize,
        expr: Box<Expr>,
    },
    /// `column [NOT] LIKE ?`, or `lower(column) [NOT] LIKE lower(?)` when
    /// `fold_case`, with `ESCAPE '/'` when `escaped`.
    Like {
        column: usize,
        /// The pattern, as text.
        pattern: Value,
        negated: bool,
        fold_case: bool,
        escaped: bool,
    },
}

/// What an `EXISTS` needs from the registry: the target and how its rows
/// correlate with the owner's.
#[derive(Debug, Clone)]
pub(crate) struct ExistsSql {
    pub target: &'static ModelMeta,
    /// `(owner column, target column)`, or with `secondary` `(owner
    /// column, association column)`.
    pub on: Vec<(usize, usize)>,
    /// The association table and its `(association column, target
    /// column)` pairs.
    pub secondary: Option<AssociationJoin>,
}

/// An association table's name, columns and `(association column, target
/// column)` pairs.
pub(crate) type AssociationJoin = (&'static str, &'static [ColumnMeta], Vec<(usize, usize)>);

/// The escape character of the patterns that
/// [`starts_with`](crate::Col::starts_with) and its kin build.
pub(crate) const LIKE_ESCAPE: char = '/';

/// `text` with `%`, `_` and the escape character escaped, to match itself
/// in a `LIKE ... ESCAPE '/'` pattern.
pub(crate) fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    for c in text.chars() {
        if matches!(c, '%' | '_' | LIKE_ESCAPE) {
            out.push(LIKE_ESCAPE);
        }
        out.push(c);
    }
    out
}

/// How many placeholders an `IN` list of `n` values gets, the last value
/// repeated in the extra ones: `n` up to 8, then the next power of two up
/// to 4096, then the next multiple of 1024. Lists of every length share a
/// few statement texts, and a long list gets less than 1024 extra values.
pub(crate) fn in_list_slots(n: usize) -> usize {
    if n <= 8 {
        n
    } else if n <= 4096 {
        n.next_power_of_two()
    } else {
        n.div_ceil(1024) * 1024
    }
}

/// The longest list whose placeholders fit in `available` parameters.
fn in_list_fitting(available: usize) -> usize {
    if available <= 8 {
        available
    } else if available < 4096 {
        1 << available.ilog2()
    } else {
        available / 1024 * 1024
    }
}

impl Expr {
    fn is_true(&self) -> bool {
        matches!(self, Expr::And(v) if v.is_empty())
    }

    fn is_false(&self) -> bool {
        matches!(self, Expr::Or(v) if v.is_empty())
    }

    pub(crate) fn and(self, other: Expr) -> Expr {
        if self.is_false() || other.is_false() {
            return Expr::Or(Vec::new());
        }
        let mut terms = match self {
            Expr::And(terms) => terms,
            e => vec![e],
        };
        match other {
            Expr::And(more) => terms.extend(more),
            e => terms.push(e),
        }
        if terms.len() == 1 {
            return terms.pop().expect("one term");
        }
        Expr::And(terms)
    }

    pub(crate) fn or(self, other: Expr) -> Expr {
        if self.is_true() || other.is_true() {
            return Expr::And(Vec::new());
        }
        let mut terms = match self {
            Expr::Or(terms) => terms,
            e => vec![e],
        };
        match other {
            Expr::Or(more) => terms.extend(more),
            e => terms.push(e),
        }
        if terms.len() == 1 {
            return terms.pop().expect("one term");
        }
        Expr::Or(terms)
    }

    pub(crate) fn negate(self) -> Expr {
        match self {
            e if e.is_true() => Expr::Or(Vec::new()),
            e if e.is_false() => Expr::And(Vec::new()),
            Expr::Not(inner) => *inner,
            Expr::Exists {
                owner,
                rel,
                filter,
                negated,
                sql,
            } => Expr::Exists {
                owner,
                rel,
                filter,
                negated: !negated,
                sql,
            },
            Expr::Source { source, expr } => Expr::Source {
                source,
                expr: Box::new(expr.negate()),
            },
            Expr::Aggregate { func, expr } => Expr::Aggregate {
                func,
                expr: Box::new(expr.negate()),
            },
            group @ (Expr::And(_) | Expr::Or(_)) => Expr::Not(Box::new(group)),
            Expr::Cmp { column, op, value } => Expr::Cmp {
                column,
                op: op.negate(),
                value,
            },
            Expr::Null { column, negated } => Expr::Null {
                column,
                negated: !negated,
            },
            Expr::Between {
                column,
                low,
                high,
                negated,
            } => Expr::Between {
                column,
                low,
                high,
                negated: !negated,
            },
            Expr::In {
                column,
                values,
                negated,
            } => Expr::In {
                column,
                values,
                negated: !negated,
            },
            Expr::Like {
                column,
                pattern,
                negated,
                fold_case,
                escaped,
            } => Expr::Like {
                column,
                pattern,
                negated: !negated,
                fold_case,
                escaped,
            },
        }
    }

    fn leaves(&self) -> usize {
        match self {
            Expr::And(v) | Expr::Or(v) => v.iter().map(Expr::leaves).sum(),
            Expr::Not(e) | Expr::Source { expr: e, .. } | Expr::Aggregate { expr: e, .. } => {
                e.leaves()
            }
            _ => 1,
        }
    }

    /// Appends what identifies the statement text: the tree without its
    /// values (but with each `IN` list's placeholder count).
    fn shape(&self, out: &mut Vec<u32>) {
        // Column indexes are small; tags go above them.
        const TAG: u32 = 1 << 24;
        let col = |c: usize| u32::try_from(c).unwrap_or(u32::MAX);
        match self {
            Expr::And(v) | Expr::Or(v) => {
                out.push(TAG + u32::from(matches!(self, Expr::Or(_))));
                out.push(col(v.len()));
                for e in v {
                    e.shape(out);
                }
            }
            Expr::Not(e) => {
                out.push(TAG + 2);
                e.shape(out);
            }
            Expr::Source { source, expr } => {
                out.extend([TAG + 8, col(*source)]);
                expr.shape(out);
            }
            Expr::Aggregate { func, expr } => {
                let code = match func {
                    AggFunc::CountAll => 0,
                    AggFunc::Count => 1,
                    AggFunc::CountDistinct => 2,
                    AggFunc::Sum { integral: false } => 3,
                    AggFunc::Sum { integral: true } => 4,
                    AggFunc::Avg => 5,
                    AggFunc::Min => 6,
                    AggFunc::Max => 7,
                };
                out.extend([TAG + 10, code]);
                expr.shape(out);
            }
            Expr::Exists {
                owner,
                rel,
                filter,
                negated,
                ..
            } => {
                let addr = |m: &'static ModelMeta| {
                    let a = m as *const ModelMeta as usize as u64;
                    [a as u32, (a >> 32) as u32]
                };
                out.push(TAG + 9);
                out.push(u32::from(*negated));
                out.extend(addr(owner));
                match rel {
                    RelRef::Field(i) => out.extend([0, col(*i)]),
                    RelRef::Backref(id) => {
                        out.push(1);
                        out.extend(addr((id.origin)()));
                        out.push(col(id.index));
                    }
                }
                filter.shape(out);
            }
            Expr::Cmp { column, op, .. } => {
                out.extend([TAG + 3, col(*column), *op as u32]);
            }
            Expr::Null { column, negated } => {
                out.extend([TAG + 4, col(*column), u32::from(*negated)]);
            }
            Expr::Between {
                column, negated, ..
            } => {
                out.extend([TAG + 5, col(*column), u32::from(*negated)]);
            }
            Expr::In {
                column,
                values,
                negated,
            } => {
                out.extend([
                    TAG + 6,
                    col(*column),
                    u32::from(*negated),
                    col(in_list_slots(values.len())),
                ]);
            }
            Expr::Like {
                column,
                negated,
                fold_case,
                escaped,
                ..
            } => {
                out.extend([
                    TAG + 7,
                    col(*column),
                    u32::from(*negated) | u32::from(*fold_case) << 1 | u32::from(*escaped) << 2,
                ]);
            }
        }
    }

    /// The bound values, in the order the SQL builder writes their
    /// placeholders.
    fn params<'a>(&'a self, out: &mut Vec<&'a Value>) {
        match self {
            Expr::And(v) | Expr::Or(v) => v.iter().for_each(|e| e.params(out)),
            Expr::Not(e) | Expr::Source { expr: e, .. } | Expr::Aggregate { expr: e, .. } => {
                e.params(out)
            }
            Expr::Exists { filter, .. } => filter.params(out),
            Expr::Cmp { value, .. } => out.push(value),
            Expr::Null { .. } => {}
            Expr::Between { low, high, .. } => out.extend([low, high]),
            Expr::In { values, .. } => {
                out.extend(values.iter());
                if let Some(last) = values.last() {
                    for _ in values.len()..in_list_slots(values.len()) {
                        out.push(last);
                    }
                }
            }
            Expr::Like { pattern, .. } => out.push(pattern),
        }
    }
}

impl Condition {
    /// How many column tests it has.
    pub fn len(&self) -> usize {
        self.expr.leaves()
    }

    /// Whether it has no test (every row passes).
    pub fn is_empty(&self) -> bool {
        self.expr.is_true()
    }

    /// `columns[i] = values[i]` for every `i` (a primary key lookup).
    pub(crate) fn key(columns: &[usize], values: &[Value]) -> Condition {
        let terms = columns
            .iter()
            .zip(values)
            .map(|(&column, value)| Expr::Cmp {
                column,
                op: CmpOp::Eq,
                value: value.clone(),
            })
            .collect();
        Condition {
            expr: Expr::And(terms).and(Expr::And(Vec::new())),
        }
    }

    /// Fills in what each `EXISTS` needs from the registry.
    pub(crate) fn resolve(&mut self, registry: &Registry) -> Result<()> {
        self.expr.resolve(registry)
    }

    /// The condition on FROM-clause entry `source` of a query.
    pub(crate) fn on_source(self, source: usize) -> Condition {
        if source == 0 || self.is_empty() {
            return self;
        }
        Condition {
            expr: Expr::Source {
                source,
                expr: Box::new(self.expr),
            },
        }
    }

    /// Both conditions.
    pub(crate) fn and(self, other: Condition) -> Condition {
        Condition {
            expr: self.expr.and(other.expr),
        }
    }

    /// What identifies the statement text the condition renders to: equal
    /// shapes render equal SQL, whatever the values.
    pub(crate) fn shape(&self) -> Vec<u32> {
        let mut out = Vec::new();
        self.expr.shape(&mut out);
        out
    }

    /// The condition split into several whose rows, together, are its rows
    /// (each once), each binding at most `limit` values: the longest
    /// positive `IN` list among the top-level `AND`ed tests, without
    /// repeats, in pieces. `None` when there is no such list or the other
    /// tests leave no room.
    pub(crate) fn split_in_list(&self, limit: usize) -> Option<Vec<Condition>> {
        let terms: &[Expr] = match &self.expr {
            Expr::And(terms) => terms,
            single => std::slice::from_ref(single),
        };
        let (at, values) = terms
            .iter()
            .enumerate()
            .filter_map(|(i, t)| match t {
                Expr::In {
                    values,
                    negated: false,
                    ..
                } => Some((i, values)),
                _ => None,
            })
            .max_by_key(|(_, values)| values.len())?;
        let mut others = Vec::new();
        for (i, t) in terms.iter().enumerate() {
            if i != at {
                t.params(&mut others);
            }
        }
        let room = in_list_fitting(limit.checked_sub(others.len())?);
        if room == 0 {
            return None;
        }
        let mut seen = std::collections::HashSet::new();
        let distinct: Vec<&Value> = values.iter().filter(|v| seen.insert(*v)).collect();
        let Expr::In { column, .. } = terms[at] else {
            return None;
        };
        Some(
            distinct
                .chunks(room)
                .map(|chunk| {
                    let mut part = terms.to_vec();
                    part[at] = Expr::In {
                        column,
                        values: chunk.iter().map(|v| (*v).clone()).collect(),
                        negated: false,
                    };
                    Condition {
                        expr: Expr::And(part).and(Expr::And(Vec::new())),
                    }
                })
                .collect(),
        )
    }

    /// How many values it binds.
    pub(crate) fn param_count(&self) -> usize {
        let mut out = Vec::new();
        self.expr.params(&mut out);
        out.len()
    }

    /// The values to bind, in placeholder order.
    pub(crate) fn params(&self) -> Vec<Value> {
        let mut out = Vec::new();
        self.expr.params(&mut out);
        out.into_iter().cloned().collect()
    }
}

impl Expr {
    fn resolve(&mut self, registry: &Registry) -> Result<()> {
        match self {
            Expr::And(v) | Expr::Or(v) => v.iter_mut().try_for_each(|e| e.resolve(registry)),
            Expr::Not(e) | Expr::Source { expr: e, .. } | Expr::Aggregate { expr: e, .. } => {
                e.resolve(registry)
            }
            Expr::Exists {
                owner,
                rel,
                filter,
                sql,
                ..
            } => {
                filter.resolve(registry)?;
                if sql.is_some() {
                    return Ok(());
                }
                let mapper = registry
                    .mapper_of(owner)
                    .map(|m| &registry.mappers[m])
                    .ok_or(Error::UnregisteredModel { model: owner.name })?;
                let resolved = mapper.resolved(*rel).ok_or_else(|| {
                    Error::Internal(format!("{} has no relationship {rel:?}", owner.name))
                })?;
                let target = registry.mappers[resolved.target].meta;
                let (on, secondary) = crate::join::correlation(resolved)?;
                let secondary = secondary.map(|(table, remote)| {
                    let def = &registry.tables[table];
                    (def.name, def.columns, remote)
                });
                *sql = Some(Box::new(ExistsSql {
                    target,
                    on,
                    secondary,
                }));
                Ok(())
            }
            _ => Ok(()),
        }
    }
}
