//! Dependency processing: what each relationship change means for foreign
//! keys, one processor per direction (SQLAlchemy's `dependency.py`).
//!
//! The result is a set of key syncs: "child's foreign key columns take the
//! parent's key" (set) or "become NULL" (clear). They are applied when the
//! child row is written, after its parent's INSERT, so generated keys are
//! known. When one child gets both kinds, the sets win: a child moved from
//! one parent to another is removed from the first and added to the second,
//! and ends with the second's key.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::rc::Rc;

use crate::error::Result;
use crate::loading;
use crate::meta::ModelMeta;
use crate::obj::AnyObj;
use crate::registry::Direction;
use crate::session::SessionInner;

/// Why a foreign key is being changed, for error messages.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Reason {
    /// The child was removed from `model.field`.
    Removed(&'static ModelMeta, usize),
    /// The many-to-one `model.field` was cleared.
    Cleared(&'static ModelMeta, usize),
    /// The parent, through `model.field`, is being deleted.
    ParentDeleted(&'static ModelMeta, usize),
    /// The child was added to, or assigned through, a relationship.
    Assigned,
}

impl Reason {
    pub fn describe(&self) -> String {
        let field = |meta: &ModelMeta, rel: usize| {
            format!("{}.{}", meta.name, meta.relationships[rel].field)
        };
        match *self {
            Reason::Removed(meta, rel) => format!("it was removed from {}", field(meta, rel)),
            Reason::Cleared(meta, rel) => format!("{} was set to None", field(meta, rel)),
            Reason::ParentDeleted(meta, rel) => {
                format!(
                    "its {} object is being deleted ({})",
                    meta.name,
                    field(meta, rel)
                )
            }
            Reason::Assigned => "it was assigned".to_owned(),
        }
    }
}

/// One foreign key assignment on a child row.
pub(crate) struct KeySync {
    /// `(parent column, child column)` pairs.
    pub pairs: Vec<(usize, usize)>,
    /// The parent whose key is copied, or `None` to clear.
    pub parent: Option<AnyObj>,
    pub reason: Reason,
}

/// The assignments for one child: clears first, then sets.
#[derive(Default)]
pub(crate) struct ChildSyncs {
    pub clears: Vec<KeySync>,
    pub sets: Vec<KeySync>,
}

impl ChildSyncs {
    pub fn all(&self) -> impl Iterator<Item = &KeySync> {
        self.clears.iter().chain(&self.sets)
    }
}

/// Everything the relationship changes of one flush imply.
#[derive(Default)]
pub(crate) struct Dependencies {
    /// Key syncs per child object.
    pub syncs: HashMap<AnyObj, ChildSyncs>,
    /// Children first seen through a sync, in discovery order (they may need
    /// an UPDATE though they were not modified).
    pub sync_targets: Vec<AnyObj>,
    /// `(child, deleted parent)`: children whose key is cleared because their
    /// parent is deleted; their many-to-one is cleared in memory after flush.
    pub orphaned: Vec<(AnyObj, AnyObj)>,
}

impl Dependencies {
    fn entry(&mut self, child: &AnyObj) -> &mut ChildSyncs {
        if !self.syncs.contains_key(child) {
            self.sync_targets.push(child.clone());
        }
        self.syncs.entry(child.clone()).or_default()
    }

    fn set(&mut self, child: &AnyObj, pairs: &[(usize, usize)], parent: &AnyObj) {
        self.entry(child).sets.push(KeySync {
            pairs: pairs.to_vec(),
            parent: Some(parent.clone()),
            reason: Reason::Assigned,
        });
    }

    fn clear(&mut self, child: &AnyObj, pairs: &[(usize, usize)], reason: Reason) {
        self.entry(child).clears.push(KeySync {
            pairs: pairs.to_vec(),
            parent: None,
            reason,
        });
    }
}

/// Runs the dependency processors over the objects of a flush.
pub(crate) fn process(
    session: &Rc<SessionInner>,
    saved: &[AnyObj],
    deleted: &[AnyObj],
) -> Result<Dependencies> {
    let marked: HashSet<&AnyObj> = deleted.iter().collect();
    // Rows being deleted now, or already deleted earlier in the transaction.
    let deleting = |obj: &AnyObj| marked.contains(obj) || obj.state().is_ok_and(|s| s.deleted);
    let mut deps = Dependencies::default();
    for obj in saved {
        let mapper = session.mapper(obj.meta())?;
        for (rel, resolved) in mapper.relationships.iter().enumerate() {
            let pairs = &resolved.pairs;
            match resolved.direction {
                Direction::OneToMany => {
                    let (added, removed) = collection_changes(session, obj, rel)?;
                    for child in removed.iter().filter(|c| !deleting(c)) {
                        deps.clear(child, pairs, Reason::Removed(obj.meta(), rel));
                    }
                    for child in added.iter().filter(|c| !deleting(c)) {
                        deps.set(child, pairs, obj);
                    }
                }
                Direction::ManyToOne => match scalar_change(obj, rel)? {
                    ScalarChange::Unchanged => {}
                    ScalarChange::Set(parent) => deps.set(obj, pairs, &parent),
                    ScalarChange::Cleared => {
                        deps.clear(obj, pairs, Reason::Cleared(obj.meta(), rel))
                    }
                },
            }
        }
    }
    for obj in deleted {
        let mapper = session.mapper(obj.meta())?;
        for (rel, resolved) in mapper.relationships.iter().enumerate() {
            if resolved.direction != Direction::OneToMany {
                continue;
            }
            loading::ensure_loaded(obj, rel)?;
            let children = obj.rel(rel)?.items();
            for child in children.iter().filter(|c| !deleting(c)) {
                deps.clear(
                    child,
                    &resolved.pairs,
                    Reason::ParentDeleted(obj.meta(), rel),
                );
                deps.orphaned.push((child.clone(), obj.clone()));
            }
        }
    }
    Ok(deps)
}

/// Members added to and removed from a collection (or a one-to-many scalar)
/// since it was last flushed or loaded.
fn collection_changes(
    session: &Rc<SessionInner>,
    obj: &AnyObj,
    rel: usize,
) -> Result<(Vec<AnyObj>, Vec<AnyObj>)> {
    let (loaded, current, pending) = {
        let field = obj.rel(rel)?;
        (field.is_loaded(), field.items(), field.pending())
    };
    if !loaded {
        return Ok(pending);
    }
    let committed = obj.state()?.committed_rels[rel].clone();
    let committed = match committed {
        Some(committed) => committed,
        // Loaded but with no snapshot: the field was replaced wholesale.
        // What the database holds is the baseline.
        None => {
            let fetched = loading::fetch_related(session, obj, rel)?;
            obj.state_mut()?.committed_rels[rel] = Some(fetched.clone());
            fetched
        }
    };
    let committed_set: HashSet<&AnyObj> = committed.iter().collect();
    let current_set: HashSet<&AnyObj> = current.iter().collect();
    let added = current
        .iter()
        .filter(|o| !committed_set.contains(o))
        .cloned()
        .collect();
    let removed = committed
        .iter()
        .filter(|o| !current_set.contains(o))
        .cloned()
        .collect();
    Ok((added, removed))
}

enum ScalarChange {
    Unchanged,
    Set(AnyObj),
    Cleared,
}

/// How a many-to-one changed since it was last flushed or loaded.
fn scalar_change(obj: &AnyObj, rel: usize) -> Result<ScalarChange> {
    let current = {
        let field = obj.rel(rel)?;
        if !field.is_loaded() {
            return Ok(ScalarChange::Unchanged);
        }
        field.items().into_iter().next()
    };
    let committed = obj.state()?.committed_rels[rel].clone();
    let unchanged = committed
        .as_ref()
        .is_some_and(|c| c.first() == current.as_ref());
    Ok(match (unchanged, current) {
        (true, _) => ScalarChange::Unchanged,
        (false, Some(parent)) => ScalarChange::Set(parent),
        (false, None) => ScalarChange::Cleared,
    })
}
