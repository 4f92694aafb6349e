//! Recording the state a successful flush leaves: keys, committed
//! snapshots, identity map, and the in-memory consequences of deletes.

use std::rc::Rc;

use rustc_hash::FxHashSet as HashSet;

use super::execute::Outcome;
use crate::dependency::Dependencies;
use crate::error::{Error, Result};
use crate::identity::Key;
use crate::obj::AnyObj;
use crate::session::{render_key, SessionInner};
use crate::state::Committed;

/// Before the COMMIT of a flush whose state is recorded after it: fails
/// with `IdentityConflict` if a row the flush wrote takes a key that the
/// identity map holds for another object which keeps it (one whose row was
/// deleted behind the session's back, by raw SQL, and the key reused).
/// Checked before COMMIT so that the transaction rolls back, as it does
/// when the recording finds the conflict in a flush without COMMIT.
pub(super) fn check_new_keys(session: &SessionInner, outcome: &Outcome) -> Result<()> {
    // Objects that leave their keys in this flush: deleted, or re-keyed.
    let mut leaving: HashSet<*const ()> = outcome.deleted.iter().map(AnyObj::addr).collect();
    let mut taken: Vec<(usize, Key, &AnyObj)> = Vec::new();
    for (obj, mapper, new_key) in updated_keys(session, outcome)? {
        if obj.state()?.key.as_ref() != Some(&new_key) {
            leaving.insert(obj.addr());
            taken.push((mapper, new_key, obj));
        }
    }
    let identity = session.identity.borrow();
    let inserted = outcome
        .inserted
        .iter()
        .filter(|row| !identity.is_empty_for(row.mapper()))
        .map(|row| (row.mapper(), &row.key, &row.obj));
    let updated = taken.iter().map(|(mapper, key, obj)| (*mapper, key, *obj));
    for (mapper, key, obj) in updated.chain(inserted) {
        if let Some(holder) = identity.get(mapper, key) {
            if !holder.ptr_eq(obj) && !leaving.contains(&holder.addr()) {
                return Err(Error::IdentityConflict {
                    model: obj.meta().name,
                    key: render_key(key),
                });
            }
        }
    }
    Ok(())
}

/// The UPDATEd rows of a flush whose key may have changed, each with its
/// mapper and the key it has now: every row written more than once, and a
/// row UPDATEd once when a key column was set.
fn updated_keys<'o>(
    session: &SessionInner,
    outcome: &'o Outcome,
) -> Result<Vec<(&'o AnyObj, usize, Key)>> {
    let mut keys = Vec::new();
    for (obj, values) in &outcome.updated {
        let mapper = session.mapper_index(obj.meta())?;
        keys.push((obj, mapper, session.registry.mappers[mapper].key_of(values)));
    }
    for (obj, columns, _) in &outcome.updated_columns {
        let mapper = session.mapper_index(obj.meta())?;
        let m = &session.registry.mappers[mapper];
        if columns.iter().any(|c| m.primary_key.contains(c)) {
            keys.push((obj, mapper, m.key_of(&obj.column_values()?)));
        }
    }
    Ok(keys)
}

/// Records what a successful flush wrote. `saved` lists the pending
/// objects of the flush (its first `new_count`) and then the modified ones.
pub(super) fn after_flush(
    session: &Rc<SessionInner>,
    outcome: Outcome,
    saved: &[AnyObj],
    new_count: usize,
    deps: &Dependencies,
) -> Result<()> {
    // Deleted rows leave the identity map first: a new object may take over
    // the key of a deleted one (row switch).
    for obj in &outcome.deleted {
        session.touch(obj)?;
        let mapper = session.mapper_index(obj.meta())?;
        let mut state = obj.state_mut()?;
        state.deleted = true;
        state.marked_for_delete = false;
        if let Some(key) = &state.key {
            session.identity.borrow_mut().remove(mapper, key);
        }
    }
    session.deleted.borrow_mut().clear();

    // Rows whose key changed (an association object moved to another
    // parent) are re-keyed before new rows enter the identity map: a new
    // row may take the key one of them left. All old keys go first, so a
    // chain of moves never finds its next key still taken.
    let mut rekeyed = Vec::new();
    let mut rekey = |mapper: usize, obj: &AnyObj, new_key: Key| -> Result<()> {
        let mut state = obj.state_mut()?;
        if state.key.as_ref() != Some(&new_key) {
            if let Some(old_key) = state.key.replace(new_key.clone()) {
                session.identity.borrow_mut().remove(mapper, &old_key);
                rekeyed.push((mapper, new_key, obj.clone()));
            }
        }
        Ok(())
    };
    let new_keys: Vec<(AnyObj, usize, Key)> = updated_keys(session, &outcome)?
        .into_iter()
        .map(|(obj, mapper, key)| (obj.clone(), mapper, key))
        .collect();
    for (obj, values) in outcome.updated {
        session.commit_values(&obj, values)?;
    }
    for (obj, columns, values) in outcome.updated_columns {
        session.commit_columns(&obj, &columns, values)?;
    }
    for (obj, mapper, new_key) in new_keys {
        rekey(mapper, &obj, new_key)?;
    }
    for (mapper, key, obj) in rekeyed {
        if session
            .identity
            .borrow_mut()
            .insert(mapper, key.clone(), obj.clone())
            .is_err()
        {
            return Err(Error::IdentityConflict {
                model: obj.meta().name,
                key: render_key(&key),
            });
        }
    }

    // After the flush's own COMMIT, what `end_transaction` does for the
    // objects a transaction changed is done here for this flush's (they
    // are not registered: they need no backup).
    let committed = session.committed_flush.get();
    for row in outcome.inserted {
        let mapper = row.mapper();
        let super::execute::InsertedRow {
            obj,
            key,
            generated,
            ..
        } = row;
        session.touch(&obj)?;
        if session
            .identity
            .borrow_mut()
            .insert(mapper, key.clone(), obj.clone())
            .is_err()
        {
            return Err(Error::IdentityConflict {
                model: obj.meta().name,
                key: render_key(&key),
            });
        }
        let mut state = obj.state_mut()?;
        state.key = Some(key);
        state.committed = Committed::InFields;
        state.generated_key = generated && !committed;
        state
            .committed_rels
            .mark_persistent(obj.meta().relationships.len());
    }

    // Orphans that were never inserted leave the session (the others that
    // were pending and are not now go back to its list in the last pass).
    let dropped: HashSet<&AnyObj> = deps.dropped.iter().collect();
    if !deps.dropped.is_empty() {
        session.invalidate_cascades();
    }
    for obj in &deps.dropped {
        obj.state_mut()?.session = None;
    }

    // Deleted objects, and pending ones dropped (orphans, or reached by a
    // delete cascade) as if deleted before they were inserted.
    for obj in outcome.deleted.iter().chain(&deps.dropped) {
        forget_deleted(session, obj, &dropped)?;
    }

    // Children whose parent was deleted no longer point at it.
    for (child, parent) in &deps.orphaned {
        for rel in child.rel_refs() {
            if child.rel(rel)?.contains(parent) {
                session.touch(child)?;
                child.rel_mut(rel)?.clear();
                session.unlinked(child, rel, parent);
            }
        }
    }

    // One pass over the objects the flush wrote or touched (each visited
    // once): the relationship contents are now what the database holds;
    // the many-to-ones of the rows it wrote follow their keys; and after
    // the COMMIT, the empty collections of the rows it inserted load on
    // next use (`reconcile`). Each of these only unloads what disagrees
    // with the rows, so their order across objects does not matter.
    let visited = crate::obj::Visit::new();
    let association_objects = deps
        .association_inserts
        .iter()
        .chain(&deps.association_deletes)
        .flat_map(|row| row.columns.iter().map(|(_, o, _)| (o, Written::No)));
    let objects = saved
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let written = if i < new_count {
                Written::Inserted
            } else {
                Written::Updated
            };
            (o, written)
        })
        .chain(deps.syncs.targets().map(|o| (o, Written::Updated)))
        .chain(deps.orphaned.iter().map(|(c, _)| (c, Written::No)))
        .chain(association_objects);
    let mut still_pending = Vec::new();
    for (obj, written) in objects {
        if !obj.first_visit(&visited) {
            continue;
        }
        let (deleted, keyed) = {
            let state = obj.state()?;
            (state.deleted, state.key.is_some())
        };
        if written == Written::Inserted && !keyed && !dropped.contains(obj) {
            still_pending.push(obj.clone());
        }
        if deleted || !keyed {
            continue;
        }
        session.touch(obj)?;
        for rel in obj.rel_refs() {
            let snapshot = {
                let mut field = obj.rel_mut(rel)?;
                field.clear_pending();
                field.is_loaded().then(|| field.snapshot())
            };
            obj.state_mut()?.committed_rels.set_snapshot(rel, snapshot);
        }
        obj.clear_modified();
        if written != Written::No {
            super::reconcile::many_to_one_follows_key(session, obj)?;
        }
        if committed && written == Written::Inserted {
            super::reconcile::unfilled_collections(session, obj)?;
        }
    }
    super::reconcile::viewonly(session, saved, &outcome.deleted, deps)?;
    if committed && !outcome.deleted.is_empty() {
        for obj in &outcome.deleted {
            obj.state_mut()?.session = None;
        }
        session.invalidate_cascades();
    }
    // Last: a failure before leaves the list to `write_changes`.
    session.new.borrow_mut().extend(still_pending);
    Ok(())
}

/// How the flush met an object of its final pass.
#[derive(Clone, Copy, PartialEq)]
enum Written {
    /// A pending object: inserted, unless it was dropped (then it has no
    /// key and is skipped).
    Inserted,
    /// A modified object, or one the flush copied a key into.
    Updated,
    /// Only related to what was written (an orphan, the end of an
    /// association row).
    No,
}

/// Takes an object whose row a bulk DELETE removed out of the loaded
/// collections and references of the objects related to it, as a flushed
/// delete does.
pub(crate) fn forget_bulk_deleted(session: &SessionInner, obj: &AnyObj) -> Result<()> {
    forget_deleted(session, obj, &HashSet::default())
}

/// Takes a deleted (or dropped) object out of the collections that mirror
/// its relationships, as SQLAlchemy's reload after commit would show them.
fn forget_deleted(session: &SessionInner, obj: &AnyObj, dropped: &HashSet<&AnyObj>) -> Result<()> {
    for rel in obj.rel_refs() {
        let Some(reverse) = crate::sync::info(obj, rel)?.reverse else {
            continue;
        };
        let mut targets = obj.rel(rel)?.items();
        if targets.is_empty() && !obj.rel(rel)?.is_loaded() {
            targets.extend(session.related_in_identity_map(obj, rel)?);
        }
        for target in targets {
            if target.state()?.deleted {
                continue;
            }
            session.touch(&target)?;
            target.keeping_modified_flag(|| {
                // An unloaded collection will not find the row when loaded.
                if target.rel(reverse)?.is_loaded() && target.rel_mut(reverse)?.remove(obj) {
                    session.unlinked(&target, reverse, obj);
                    // A dropped object is transient again and lets go too, so
                    // both sides agree (a rollback relinks both).
                    if dropped.contains(obj) && obj.rel_mut(rel)?.remove(&target) {
                        session.unlinked(obj, rel, &target);
                    }
                }
                if let Some(Some(committed)) = target.state_mut()?.committed_rels.get_mut(reverse) {
                    committed.retain(|o| !o.ptr_eq(obj));
                }
                Ok(())
            })?;
        }
    }
    Ok(())
}
