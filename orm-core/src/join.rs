//! Joins along relationships, for [`Query::join`](crate::Query::join): the
//! type-level list of the models a query may filter on ([`InQuery`]), and
//! the resolution of a relationship into the tables and `ON` pairs of its
//! join.

use std::marker::PhantomData;

use crate::error::{Error, Result};
use crate::filter::{Condition, Filter};
use crate::meta::{ColumnMeta, RelRef};
use crate::registry::{Direction, Registry};

/// Says that model `M` is among the models of a query (its own model, then
/// the targets of its joins, newest first), at type-level position `I`
/// ([`Here`] or [`There`]), which the compiler infers. A condition on a
/// model that is not there, or a join from one, does not compile.
///
/// ```
/// use orm_core::{Here, InQuery, There};
/// struct A;
/// struct B;
/// assert_eq!(<(A, (B, ())) as InQuery<A, Here>>::POSITION, 0);
/// assert_eq!(<(A, (B, ())) as InQuery<B, There<Here>>>::POSITION, 1);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{M}` is not among the models of this query",
    label = "a condition or join on `{M}`",
    note = "a query filters on its own model and on the targets of its joins: join `{M}` first with `.join(...)` along a relationship"
)]
pub trait InQuery<M, I> {
    /// Where `M` is in the list: 0 for the queried model, then 1 for the
    /// newest join, 2 for the one before it, ...
    const POSITION: usize;
}

/// A second copy of model `M` in a query: the target of
/// [`Query::join_aliased`](crate::Query::join_aliased), written `node_1`
/// (its table and the join's number) in SQL. Its columns are `M`'s,
/// turned with [`Col::aliased`](crate::Col::aliased), so that a
/// self-referential join can tell the parent's `Node::name` from the
/// child's `Node::name.aliased()` (SQLAlchemy's `aliased(Node)`).
///
/// ```
/// # use orm_core::prelude::*;
/// # #[derive(Model, Debug, Default)]
/// # pub struct Node { #[column(primary_key)] pub id: Option<i64>, pub name: String }
/// let child_name: orm_core::Col<orm_core::Aliased<Node>, String> = Node::name.aliased();
/// let leafy = child_name.eq("leaf");
/// # let _ = leafy;
/// ```
pub struct Aliased<M>(PhantomData<fn() -> M>);

impl<M: crate::model::Model, V> crate::relation::Col<M, V> {
    /// The same column of the aliased copy of `M` that
    /// [`Query::join_aliased`](crate::Query::join_aliased) joins.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Node { #[column(primary_key)] pub id: Option<i64>, pub rank: i32 }
    /// let child_first = Node::rank.aliased().asc();
    /// # let _ = child_first;
    /// ```
    pub fn aliased(self) -> crate::relation::Col<Aliased<M>, V> {
        crate::relation::Col::new(self.index())
    }
}

impl<M: crate::model::Model, F> crate::relation::Rel<M, F> {
    /// The same relationship of the aliased copy of `M` that
    /// [`Query::join_aliased`](crate::Query::join_aliased) joins, for
    /// `any` / `has` on that copy (`Node::children.aliased().any(..)`:
    /// the joined node has a child that ...).
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Node {
    /// #     #[column(primary_key)] pub id: Option<i64>,
    /// #     #[column(foreign_key = "node.id")] pub parent_id: Option<i64>,
    /// #     #[relationship(back_populates = "parent")] pub children: Many<Node>,
    /// #     #[relationship(back_populates = "children")] pub parent: One<Node>,
    /// # }
    /// let with_grandchildren = Node::children.aliased().any(orm_core::Filter::always());
    /// # let _ = with_grandchildren;
    /// ```
    pub fn aliased(self) -> crate::relation::Rel<Aliased<M>, F> {
        match self.rel_ref() {
            RelRef::Field(index) => crate::relation::Rel::new(index),
            RelRef::Backref(id) => crate::relation::Rel::backref(id.origin, id.index),
        }
    }
}

impl<M: crate::model::Model, T: crate::model::Model>
    crate::relation::Rel<Aliased<M>, crate::relation::Many<T>>
{
    /// [`any`](crate::Rel::any) on the aliased copy of `M`: a filter for
    /// the joined side of a self-referential join.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Node {
    /// #     #[column(primary_key)] pub id: Option<i64>, pub name: String,
    /// #     #[column(foreign_key = "node.id")] pub parent_id: Option<i64>,
    /// #     #[relationship(back_populates = "parent")] pub children: Many<Node>,
    /// #     #[relationship(back_populates = "children")] pub parent: One<Node>,
    /// # }
    /// let child_has_leaf: orm_core::Filter<orm_core::Aliased<Node>> =
    ///     Node::children.aliased().any(Node::name.eq("leaf"));
    /// # let _ = child_has_leaf;
    /// ```
    pub fn any(self, filter: Filter<T>) -> Filter<Aliased<M>> {
        crate::operators::exists::<M, T, Aliased<M>>(self.rel_ref(), filter)
    }
}

impl<M: crate::model::Model, T: crate::model::Model>
    crate::relation::Rel<Aliased<M>, crate::relation::One<T>>
{
    /// [`has`](crate::Rel::has) on the aliased copy of `M`.
    ///
    /// ```
    /// # use orm_core::prelude::*;
    /// # #[derive(Model, Debug, Default)]
    /// # pub struct Node {
    /// #     #[column(primary_key)] pub id: Option<i64>, pub name: String,
    /// #     #[column(foreign_key = "node.id")] pub parent_id: Option<i64>,
    /// #     #[relationship(back_populates = "parent")] pub children: Many<Node>,
    /// #     #[relationship(back_populates = "children")] pub parent: One<Node>,
    /// # }
    /// let under_root = Node::parent.aliased().has(Node::name.eq("root"));
    /// # let _ = under_root;
    /// ```
    pub fn has(self, filter: Filter<T>) -> Filter<Aliased<M>> {
        crate::operators::exists::<M, T, Aliased<M>>(self.rel_ref(), filter)
    }
}

/// [`InQuery`]'s index: the head of the list.
pub struct Here;

/// [`InQuery`]'s index: further down the list.
pub struct There<I>(PhantomData<I>);

impl<M, Tail> InQuery<M, Here> for (M, Tail) {
    const POSITION: usize = 0;
}

impl<M, H, Tail: InQuery<M, I>, I> InQuery<M, There<I>> for (H, Tail) {
    const POSITION: usize = 1 + Tail::POSITION;
}

/// The FROM-clause index (0 for the queried model, `k` for the `k`-th join)
/// of type-level position `position` in a query with `joins` joins.
pub(crate) fn source_of(position: usize, joins: usize) -> usize {
    if position == 0 {
        0
    } else {
        joins + 1 - position
    }
}

/// A join as the query records it: from FROM-clause entry `from`, along
/// relationship `rel` of model `owner`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct JoinStep {
    pub from: usize,
    pub owner: &'static crate::meta::ModelMeta,
    pub rel: RelRef,
    /// Joined under an alias ([`Query::join_aliased`](crate::Query::join_aliased)).
    pub aliased: bool,
}

/// A join resolved against the registry: what identifies its SQL text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct JoinKey {
    pub from: usize,
    pub target: usize,
    /// `(column of the FROM entry, column of the target)` for a direct
    /// join; with `secondary`, `(column of the FROM entry, association
    /// column)` then `remote` `(association column, target column)`.
    pub on: Vec<(usize, usize)>,
    pub secondary: Option<(usize, Vec<(usize, usize)>)>,
    /// The relationship's own filter, on the target (its shape).
    pub filter: Vec<u32>,
    /// Whether the target is aliased.
    pub aliased: bool,
}

/// A resolved join with what its text needs.
pub(crate) struct Join {
    pub key: JoinKey,
    pub table: &'static str,
    /// The target's alias, `<table>_<k>` for the `k`-th join, when aliased.
    pub alias: Option<String>,
    pub columns: &'static [ColumnMeta],
    pub secondary: Option<(&'static str, &'static [ColumnMeta])>,
    pub filter: Condition,
}

impl Join {
    /// What the target's columns are qualified with: its alias or table.
    pub fn qualifier(&self) -> &str {
        self.alias.as_deref().unwrap_or(self.table)
    }
}

/// Resolves the joins of a query on `root` (a mapper index).
pub(crate) fn resolve(registry: &Registry, root: usize, steps: &[JoinStep]) -> Result<Vec<Join>> {
    let mut tables = vec![registry.mappers[root].meta.table];
    let mut joins: Vec<Join> = Vec::with_capacity(steps.len());
    for step in steps {
        let owner = registry
            .mapper_of(step.owner)
            .ok_or(Error::UnregisteredModel {
                model: step.owner.name,
            })?;
        let mapper = &registry.mappers[owner];
        let resolved = mapper.resolved(step.rel).ok_or_else(|| {
            Error::Internal(format!(
                "{} has no relationship {:?}",
                mapper.meta.name, step.rel
            ))
        })?;
        let target = &registry.mappers[resolved.target];
        let alias = step
            .aliased
            .then(|| format!("{}_{}", target.meta.table, joins.len() + 1));
        if alias.is_none() && tables.contains(&target.meta.table) {
            return Err(Error::UnsupportedJoin {
                model: mapper.meta.name,
                relationship: resolved.name,
                table: target.meta.table,
            });
        }
        tables.push(target.meta.table);
        let (on, secondary) = correlation(resolved)?;
        let secondary_table = secondary.as_ref().map(|(t, _)| {
            let def = &registry.tables[*t];
            (def.name, def.columns)
        });
        let mut filter = resolved.filter.clone();
        filter.resolve(registry)?;
        joins.push(Join {
            key: JoinKey {
                from: step.from,
                target: resolved.target,
                on,
                secondary,
                filter: resolved.filter.shape(),
                aliased: alias.is_some(),
            },
            table: target.meta.table,
            alias,
            columns: target.meta.columns,
            secondary: secondary_table,
            filter,
        });
    }
    Ok(joins)
}

/// What [`correlation`] returns.
pub(crate) type Correlation = (Vec<(usize, usize)>, Option<(usize, Vec<(usize, usize)>)>);

/// How the rows of a relationship's target relate to its owner's: `(owner
/// column, target column)` pairs, or for many-to-many `(owner column,
/// association column)` pairs and the association table with its
/// `(association column, target column)` pairs.
pub(crate) fn correlation(resolved: &crate::registry::ResolvedRelationship) -> Result<Correlation> {
    Ok(match resolved.direction {
        // The target holds the key: its referenced column on the owner.
        Direction::OneToMany => (resolved.pairs.to_vec(), None),
        // The owner holds the key.
        Direction::ManyToOne => (
            resolved.pairs.iter().map(|&(p, fk)| (fk, p)).collect(),
            None,
        ),
        Direction::ManyToMany => {
            let link = resolved
                .secondary
                .as_ref()
                .ok_or_else(|| Error::Internal("many-to-many without secondary".into()))?;
            (
                link.local.clone(),
                Some((
                    link.table,
                    link.remote.iter().map(|&(t, a)| (a, t)).collect(),
                )),
            )
        }
    })
}
