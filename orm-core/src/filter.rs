//! Conditions on the columns of one model: [`Filter`], typed by the model,
//! made from column descriptors ([`Col::eq`](crate::Col::eq)), and its
//! type-erased form [`Condition`], which static metadata can hold.

use std::marker::PhantomData;

use crate::value::Value;

/// A condition on the columns of `M`: one or more column tests, ANDed.
/// Made with [`Col::eq`](crate::Col::eq) and
/// [`Col::is_null`](crate::Col::is_null), combined with [`Filter::and`].
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
/// }
///
/// let open_and_unassigned = Task::done.eq(false).and(Task::owner.is_null());
/// assert_eq!(open_and_unassigned.condition().len(), 2);
/// ```
pub struct Filter<M> {
    condition: Condition,
    _marker: PhantomData<fn() -> M>,
}

impl<M> Filter<M> {
    /// `column = value`, or `column IS NULL` for a NULL value.
    pub(crate) fn eq(column: usize, value: Value) -> Self {
        Filter {
            condition: Condition {
                terms: vec![Term { column, value }],
            },
            _marker: PhantomData,
        }
    }

    /// Both conditions.
    #[must_use]
    pub fn and(mut self, other: Filter<M>) -> Self {
        self.condition.terms.extend(other.condition.terms);
        self
    }

    /// The condition without its model type.
    pub fn condition(&self) -> &Condition {
        &self.condition
    }

    /// The condition without its model type.
    pub fn into_condition(self) -> Condition {
        self.condition
    }
}

impl<M> std::fmt::Debug for Filter<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.condition.fmt(f)
    }
}

/// A [`Filter`] without its model type: column tests by column index, ANDed.
/// What a filtered relationship (`#[relationship(viewonly, filter = ...)]`)
/// keeps in its static metadata.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Condition {
    terms: Vec<Term>,
}

/// One column test of a [`Condition`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Term {
    /// The column's index in its model's metadata.
    pub column: usize,
    /// The value it must equal; NULL means `IS NULL`.
    pub value: Value,
}

impl Condition {
    /// How many column tests it has.
    pub fn len(&self) -> usize {
        self.terms.len()
    }

    /// Whether it has no test (every row passes).
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    pub(crate) fn into_terms(self) -> Vec<Term> {
        self.terms
    }

    /// The tested columns, with whether each is an `IS NULL` test.
    pub(crate) fn shape(&self) -> Vec<(usize, bool)> {
        self.terms
            .iter()
            .map(|t| (t.column, t.value.is_null()))
            .collect()
    }

    /// The values bound for the non-NULL tests, in order.
    pub(crate) fn params(&self) -> impl Iterator<Item = &Value> {
        self.terms.iter().map(|t| &t.value).filter(|v| !v.is_null())
    }
}
