//! Dependency processing: what each relationship change means for rows, one
//! processor per direction (SQLAlchemy's `dependency.py`).
//!
//! The input is the set of changed objects of a flush. The output is:
//! - *key syncs*: "child's foreign key columns take the parent's key" (set)
//!   or "become NULL" (clear), applied when the child row is written, after
//!   its parent's INSERT, so generated keys are known. When one child gets
//!   both kinds, the sets win: a child moved from one parent to another is
//!   removed from the first and added to the second, and ends with the
//!   second's key;
//! - *association rows* to INSERT and DELETE for many-to-many relationships;
//! - the final set of objects to delete: the ones marked, plus orphans
//!   (`delete-orphan`) and what `delete` cascades reach.

use std::rc::Rc;
use std::sync::Arc;

use rustc_hash::FxHashSet as HashSet;
use smallvec::SmallVec;

use crate::error::Result;
use crate::loading;
use crate::meta::{ModelMeta, PassiveDeletes, RelRef};
use crate::obj::AnyObj;
use crate::registry::{Direction, ResolvedRelationship};
use crate::session::SessionInner;

/// Why a foreign key is being changed, for error messages.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Reason {
    /// The child was removed from `model.rel`.
    Removed(&'static ModelMeta, RelRef),
    /// The many-to-one `model.rel` was cleared.
    Cleared(&'static ModelMeta, RelRef),
    /// The parent, through `model.rel`, is being deleted.
    ParentDeleted(&'static ModelMeta, RelRef),
    /// The child was added to, or assigned through, a relationship.
    Assigned,
}

impl Reason {
    pub fn describe(&self) -> String {
        let field = |meta: &'static ModelMeta, rel: RelRef| {
            let name = rel.info(meta).map_or("?", |i| i.name);
            format!("{}.{name}", meta.name)
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
    pub pairs: Arc<[(usize, usize)]>,
    /// The parent whose key is copied, or `None` to clear.
    pub parent: Option<AnyObj>,
    pub reason: Reason,
    /// Written by a second UPDATE after every row is saved (`post_update`).
    pub post: bool,
}

/// The assignments for one child: clears (no parent) and sets, in the
/// order found, in one list (most children get one set, kept inline).
#[derive(Default)]
pub(crate) struct ChildSyncs {
    all: SmallVec<[KeySync; 1]>,
}

impl ChildSyncs {
    /// The syncs that clear the key.
    pub fn clears(&self) -> impl Iterator<Item = &KeySync> {
        self.all.iter().filter(|s| s.parent.is_none())
    }

    /// The syncs that copy a parent's key.
    pub fn sets(&self) -> impl Iterator<Item = &KeySync> {
        self.all.iter().filter(|s| s.parent.is_some())
    }

    /// The syncs written with the row itself, clears first, then sets. A
    /// clear of columns that a set writes anyway is left out (the set
    /// wins), so moving a child whose key is NOT NULL (an association
    /// object's) never clears it.
    pub fn immediate(&self) -> impl Iterator<Item = &KeySync> {
        let set = |col: usize| {
            self.sets()
                .any(|s| !s.post && s.pairs.iter().any(|&(_, c)| c == col))
        };
        self.clears()
            .filter(move |s| !s.pairs.iter().all(|&(_, c)| set(c)))
            .chain(self.sets())
            .filter(|s| !s.post)
    }

    /// The syncs written by a second UPDATE.
    pub fn deferred(&self) -> impl Iterator<Item = &KeySync> {
        self.clears().chain(self.sets()).filter(|s| s.post)
    }
}

/// One row of an association table: which object provides which column.
#[derive(Clone)]
pub(crate) struct AssociationRow {
    pub table: usize,
    /// `(association column, object, object column)`, sorted by association column.
    pub columns: Vec<(usize, AnyObj, usize)>,
}

impl AssociationRow {
    fn new(
        table: usize,
        owner: &AnyObj,
        local: &[(usize, usize)],
        target: &AnyObj,
        remote: &[(usize, usize)],
    ) -> Self {
        let mut columns: Vec<(usize, AnyObj, usize)> = local
            .iter()
            .map(|&(own, sc)| (sc, owner.clone(), own))
            .chain(remote.iter().map(|&(col, sc)| (sc, target.clone(), col)))
            .collect();
        columns.sort_by_key(|(sc, _, _)| *sc);
        AssociationRow { table, columns }
    }

    /// The same row reached from either side is one row.
    fn identity(&self) -> (usize, Vec<(usize, *const ())>) {
        (
            self.table,
            self.columns
                .iter()
                .map(|(sc, o, _)| (*sc, o.addr()))
                .collect(),
        )
    }
}

/// The key syncs of a flush, per child object: a table indexed by a slot
/// each child object keeps (`AnyObj::flush_slot`), not a hash map, so that
/// finding a child's syncs is one array access near the previous one, not a
/// hashed, random one (which costs a cache miss per row on large graphs). A
/// slot left from another flush or session is detected: the entry there is
/// not the object.
#[derive(Default)]
pub(crate) struct SyncTable {
    entries: Vec<SyncEntry>,
}

/// One child of a [`SyncTable`], with what the flush reads of it, taken
/// when it gets its first sync (so that later passes need not touch it).
struct SyncEntry {
    child: AnyObj,
    syncs: ChildSyncs,
    /// Its syncs are wanted: it is an object of the flushing session. Key
    /// syncs onto objects that are not (expunged, or never added) are not
    /// written: the session does not own them, and writing one would also
    /// flush its unrelated changes. SQLAlchemy skips them the same way,
    /// with a warning.
    live: bool,
    /// It has a row (a key, and was not deleted) as the flush begins.
    stored: bool,
}

impl SyncTable {
    fn slot(&self, child: &AnyObj) -> Option<usize> {
        let slot = child.flush_slot() as usize;
        self.entries
            .get(slot)
            .filter(|entry| entry.child.ptr_eq(child))
            .map(|_| slot)
    }

    /// The syncs of `child`, if it has any.
    pub fn get(&self, child: &AnyObj) -> Option<&ChildSyncs> {
        let entry = &self.entries[self.slot(child)?];
        entry.live.then_some(&entry.syncs)
    }

    /// The syncs of `child`, made empty if it has none yet (then it is
    /// admitted, or not, as an object of `session`).
    fn entry(&mut self, child: &AnyObj, session: &Rc<SessionInner>) -> Result<&mut ChildSyncs> {
        let slot = match self.slot(child) {
            Some(slot) => slot,
            None => {
                let slot = self.entries.len();
                // (Past `u32::MAX` entries the table would hold hundreds
                // of gigabytes: its allocation fails long before.)
                child.set_flush_slot(u32::try_from(slot).unwrap_or(u32::MAX));
                let (live, stored) = {
                    let state = child.state()?;
                    let mine = state
                        .session
                        .as_ref()
                        .is_some_and(|s| std::ptr::eq(s.as_ptr(), Rc::as_ptr(session)));
                    (mine, state.key.is_some() && !state.deleted)
                };
                if !live {
                    log::warn!(
                        target: "orm::flush",
                        "{child:?} is not in this session: its foreign key will not be written"
                    );
                }
                self.entries.push(SyncEntry {
                    child: child.clone(),
                    syncs: ChildSyncs::default(),
                    live,
                    stored,
                });
                slot
            }
        };
        Ok(&mut self.entries[slot].syncs)
    }

    /// The children with syncs, in the order they were first given one
    /// (they may need an UPDATE though they were not modified), each with
    /// whether it has a row. Still listed after
    /// [`SyncTable::release_syncs`].
    pub fn targets_stored(&self) -> impl Iterator<Item = (&AnyObj, bool)> {
        self.entries
            .iter()
            .filter(|entry| entry.live)
            .map(|entry| (&entry.child, entry.stored))
    }

    /// The children with syncs (see [`targets_stored`](Self::targets_stored)).
    pub fn targets(&self) -> impl Iterator<Item = &AnyObj> {
        self.targets_stored().map(|(child, _)| child)
    }

    /// Frees the syncs themselves (written with the rows) and keeps the
    /// list of their children.
    pub fn release_syncs(&mut self) {
        for entry in &mut self.entries {
            entry.syncs = ChildSyncs::default();
        }
    }
}

/// Everything the relationship changes of one flush imply.
#[derive(Default)]
pub(crate) struct Dependencies {
    /// Key syncs per child object (and the list of those children).
    pub syncs: SyncTable,
    /// `(child, deleted parent)`: children whose key is cleared because their
    /// parent is deleted; their reference to it is cleared in memory after flush.
    pub orphaned: Vec<(AnyObj, AnyObj)>,
    /// Association rows to INSERT, after every object is saved.
    pub association_inserts: Vec<AssociationRow>,
    /// Association rows to DELETE, before any object is deleted.
    pub association_deletes: Vec<AssociationRow>,
    /// Every object to delete: marked, orphaned, or reached by `delete` cascades.
    pub deleting: Vec<AnyObj>,
    /// Pending objects that became orphans: they are never inserted.
    pub dropped: Vec<AnyObj>,
}

impl Dependencies {
    fn set(
        &mut self,
        session: &Rc<SessionInner>,
        child: &AnyObj,
        rel: &ResolvedRelationship,
        parent: &AnyObj,
    ) -> Result<()> {
        let syncs = self.syncs.entry(child, session)?;
        // Both sides of a `back_populates` pair report the same link (the
        // collection gained the child, the child's reference the parent):
        // one copy of the key is enough.
        let known = syncs.sets().any(|s| {
            s.post == rel.post_update
                && s.parent.as_ref().is_some_and(|p| p.ptr_eq(parent))
                && s.pairs[..] == rel.pairs[..]
        });
        if !known {
            syncs.all.push(KeySync {
                pairs: rel.pairs.clone(),
                parent: Some(parent.clone()),
                reason: Reason::Assigned,
                post: rel.post_update,
            });
        }
        Ok(())
    }

    fn clear(
        &mut self,
        session: &Rc<SessionInner>,
        child: &AnyObj,
        rel: &ResolvedRelationship,
        reason: Reason,
    ) -> Result<()> {
        let syncs = self.syncs.entry(child, session)?;
        syncs.all.push(KeySync {
            pairs: rel.pairs.clone(),
            parent: None,
            reason,
            post: rel.post_update,
        });
        Ok(())
    }
}

/// How one relationship of one object changed since it was last flushed
/// (the object borrowed from the flush's list: no handle per change).
struct Change<'f> {
    obj: &'f AnyObj,
    rel: RelRef,
    /// (Inline for a scalar's change: at most one object each.)
    added: SmallVec<[AnyObj; 1]>,
    removed: SmallVec<[AnyObj; 1]>,
    /// A many-to-one set to `None` whose previous value is not known.
    cleared: bool,
}

/// Runs the dependency processors over the objects of a flush.
pub(crate) fn process(
    session: &Rc<SessionInner>,
    saved: &[AnyObj],
    marked: &[AnyObj],
) -> Result<Dependencies> {
    let changes = collect_changes(session, saved)?;
    let mut deps = Dependencies::default();

    // Orphans: removed from a delete-orphan collection and given no other
    // parent, also from a parent that is being deleted itself (its delete
    // cascade no longer sees the removed child).
    let mut deleting: Vec<AnyObj> = marked.to_vec();
    let mut deleting_set: HashSet<AnyObj> = marked.iter().cloned().collect();
    let removals_of_deleted = collect_changes(session, marked)?;

    // Which children keep (or get) a parent through some relationship
    // (only needed when some child was removed from a collection).
    let mut reparented: HashSet<AnyObj> = HashSet::default();
    let removals = changes
        .iter()
        .chain(&removals_of_deleted)
        .any(|change| !change.removed.is_empty());
    for change in changes.iter().filter(|_| removals) {
        let resolved = resolved(session, change.obj, change.rel)?;
        match resolved.direction {
            Direction::OneToMany => reparented.extend(change.added.iter().cloned()),
            Direction::ManyToOne if !change.added.is_empty() => {
                reparented.insert(change.obj.clone());
            }
            _ => {}
        }
    }
    for change in changes.iter().chain(&removals_of_deleted) {
        let resolved = resolved(session, change.obj, change.rel)?;
        if resolved.direction != Direction::OneToMany || !resolved.cascade.delete_orphan {
            continue;
        }
        for child in &change.removed {
            if reparented.contains(child) || deleting_set.contains(child) {
                continue;
            }
            if child.state()?.key.is_none() {
                deps.dropped.push(child.clone());
            } else if child.state()?.deleted {
                continue;
            } else {
                deleting_set.insert(child.clone());
                deleting.push(child.clone());
            }
        }
    }

    // The delete cascade, breadth first.
    let mut i = 0;
    while i < deleting.len() {
        let obj = deleting[i].clone();
        i += 1;
        let mapper = session.mapper(obj.meta())?;
        for (rel, resolved) in mapper.all_relationships() {
            if !resolved.cascade.delete {
                continue;
            }
            let Some(targets) = members_to_process(&obj, rel, resolved)? else {
                continue;
            };
            for target in targets {
                if deleting_set.contains(&target) {
                    continue;
                }
                if target.state()?.key.is_none() {
                    deps.dropped.push(target);
                } else if !target.state()?.deleted {
                    deleting_set.insert(target.clone());
                    deleting.push(target);
                }
            }
        }
    }
    let dropped: HashSet<AnyObj> = deps.dropped.iter().cloned().collect();
    let gone = |obj: &AnyObj| {
        deleting_set.contains(obj) || dropped.contains(obj) || obj.state().is_ok_and(|s| s.deleted)
    };

    // Key syncs and association rows for the objects that stay.
    let mut association_seen = HashSet::default();
    for change in &changes {
        let obj = change.obj;
        if gone(obj) {
            continue;
        }
        let resolved = resolved(session, obj, change.rel)?;
        match resolved.direction {
            Direction::OneToMany => {
                for child in change.removed.iter().filter(|c| !gone(c)) {
                    deps.clear(
                        session,
                        child,
                        resolved,
                        Reason::Removed(obj.meta(), change.rel),
                    )?;
                }
                for child in change.added.iter().filter(|c| !gone(c)) {
                    deps.set(session, child, resolved, obj)?;
                }
            }
            Direction::ManyToOne => {
                if let Some(parent) = change.added.first() {
                    if !gone(parent) {
                        deps.set(session, obj, resolved, parent)?;
                    }
                } else if change.cleared || !change.removed.is_empty() {
                    deps.clear(
                        session,
                        obj,
                        resolved,
                        Reason::Cleared(obj.meta(), change.rel),
                    )?;
                }
            }
            Direction::ManyToMany => {
                let Some(link) = &resolved.secondary else {
                    continue;
                };
                for target in change.added.iter().filter(|t| !gone(t)) {
                    let row =
                        AssociationRow::new(link.table, obj, &link.local, target, &link.remote);
                    if association_seen.insert(("+", row.identity())) {
                        deps.association_inserts.push(row);
                    }
                }
                // A removed link goes even when its other end is deleted too
                // (that side may not know the table).
                for target in &change.removed {
                    let row =
                        AssociationRow::new(link.table, obj, &link.local, target, &link.remote);
                    if association_seen.insert(("-", row.identity())) {
                        deps.association_deletes.push(row);
                    }
                }
            }
        }
    }

    // What deleting an object means for the rows that point at it.
    for obj in &deleting {
        let mapper = session.mapper(obj.meta())?;
        for (rel, resolved) in mapper.all_relationships() {
            if resolved.viewonly {
                continue;
            }
            match resolved.direction {
                Direction::OneToMany => {
                    let Some(children) = members_to_process(obj, rel, resolved)? else {
                        continue;
                    };
                    for child in children.iter().filter(|c| !gone(c)) {
                        deps.clear(
                            session,
                            child,
                            resolved,
                            Reason::ParentDeleted(obj.meta(), rel),
                        )?;
                        deps.orphaned.push((child.clone(), obj.clone()));
                    }
                }
                Direction::ManyToMany => {
                    let Some(link) = &resolved.secondary else {
                        continue;
                    };
                    if members_to_process(obj, rel, resolved)?.is_none() {
                        continue;
                    }
                    let committed = obj.state()?.committed_rels.get(rel).unwrap_or_default();
                    for target in &committed {
                        let row =
                            AssociationRow::new(link.table, obj, &link.local, target, &link.remote);
                        if association_seen.insert(("-", row.identity())) {
                            deps.association_deletes.push(row);
                        }
                    }
                }
                Direction::ManyToOne => {}
            }
        }
    }
    deps.deleting = deleting;
    Ok(deps)
}

/// The related objects that deleting `obj` must process for `rel`, as its
/// `passive_deletes` says: every member (loading the relationship first),
/// only the ones in memory when it is not loaded (`passive_deletes`: the
/// database's `ON DELETE` rule handles the rest), or none at all
/// (`passive_deletes = "all"`, returned as `None`).
fn members_to_process(
    obj: &AnyObj,
    rel: RelRef,
    resolved: &ResolvedRelationship,
) -> Result<Option<Vec<AnyObj>>> {
    match resolved.passive_deletes {
        PassiveDeletes::All => Ok(None),
        PassiveDeletes::Unloaded if !obj.rel(rel)?.is_loaded() => {
            Ok(Some(obj.rel(rel)?.pending().0))
        }
        PassiveDeletes::Unloaded | PassiveDeletes::Off => {
            loading::ensure_loaded(obj, rel)?;
            Ok(Some(obj.rel(rel)?.items()))
        }
    }
}

fn resolved<'s>(
    session: &'s SessionInner,
    obj: &AnyObj,
    rel: RelRef,
) -> Result<&'s ResolvedRelationship> {
    session.mapper(obj.meta())?.resolved(rel).ok_or_else(|| {
        crate::error::Error::Internal(format!(
            "{} has no configured relationship {rel:?}",
            obj.meta().name
        ))
    })
}

/// The changed relationships of the saved objects (viewonly ones excluded).
fn collect_changes<'f>(session: &Rc<SessionInner>, saved: &'f [AnyObj]) -> Result<Vec<Change<'f>>> {
    // About one change per saved object: sized once.
    let mut changes = Vec::with_capacity(saved.len());
    for obj in saved {
        for rel in obj.rel_refs() {
            let resolved = resolved(session, obj, rel)?;
            if resolved.viewonly {
                continue;
            }
            let change = match resolved.direction {
                Direction::ManyToOne => scalar_change(obj, rel)?,
                _ => collection_change(session, obj, rel)?,
            };
            if let Some(change) = change {
                changes.push(change);
            }
        }
    }
    Ok(changes)
}

/// Members added to and removed from a collection (or a one-to-one scalar)
/// since it was last flushed or loaded.
fn collection_change<'f>(
    session: &Rc<SessionInner>,
    obj: &'f AnyObj,
    rel: RelRef,
) -> Result<Option<Change<'f>>> {
    let (loaded, current, pending) = {
        let field = obj.rel(rel)?;
        (field.is_loaded(), field.items(), field.pending())
    };
    let (added, removed): (SmallVec<[AnyObj; 1]>, SmallVec<[AnyObj; 1]>) = if !loaded {
        (SmallVec::from_vec(pending.0), SmallVec::from_vec(pending.1))
    } else {
        let committed = obj.state()?.committed_rels.get(rel);
        let committed = match committed {
            Some(committed) => committed,
            // Loaded but with no snapshot: the field was replaced wholesale.
            // What the database holds is the baseline.
            None => {
                let fetched = loading::fetch_related(session, obj, rel)?;
                obj.state_mut()?
                    .committed_rels
                    .set(rel, Some(fetched.clone()));
                fetched
            }
        };
        if committed.is_empty() {
            // A new object, or an empty collection: everything is added.
            (SmallVec::from_vec(current), SmallVec::new())
        } else {
            let committed_set: HashSet<&AnyObj> = committed.iter().collect();
            let current_set: HashSet<&AnyObj> = current.iter().collect();
            (
                current
                    .iter()
                    .filter(|o| !committed_set.contains(o))
                    .cloned()
                    .collect(),
                committed
                    .iter()
                    .filter(|o| !current_set.contains(o))
                    .cloned()
                    .collect(),
            )
        }
    };
    if added.is_empty() && removed.is_empty() {
        return Ok(None);
    }
    Ok(Some(Change {
        obj,
        rel,
        added,
        removed,
        cleared: false,
    }))
}

/// How a many-to-one changed since it was last flushed or loaded.
fn scalar_change(obj: &AnyObj, rel: RelRef) -> Result<Option<Change<'_>>> {
    let current = {
        let field = obj.rel(rel)?;
        if !field.is_loaded() {
            return Ok(None);
        }
        field.first()
    };
    let committed = obj.state()?.committed_rels.get(rel);
    if committed
        .as_ref()
        .is_some_and(|c| c.first() == current.as_ref())
    {
        return Ok(None);
    }
    let removed = SmallVec::from_vec(committed.unwrap_or_default());
    Ok(Some(Change {
        obj,
        rel,
        cleared: current.is_none(),
        added: current.into_iter().collect(),
        removed,
    }))
}
