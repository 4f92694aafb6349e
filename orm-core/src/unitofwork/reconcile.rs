//! Memory that agrees with the rows after a flush.
//!
//! The flush writes what the relationships say, and the relationships
//! already show it. Three things can still leave memory showing something
//! the rows do not hold; each is unloaded here so that its next use reads
//! the database:
//!
//! - a many-to-one whose foreign key columns no longer match the object it
//!   holds (the key was set by hand, or cleared through the other side while
//!   this side was not loaded), together with the collections on both ends
//!   that would list the object in the wrong place;
//! - the collections of a newly inserted object that nobody filled (another
//!   object may have been given the new key by hand), once its transaction
//!   commits;
//! - every loaded `viewonly` relationship whose rows the flush may have
//!   changed (it is never kept in sync in memory).

use std::rc::Rc;

use rustc_hash::FxHashSet as HashSet;

use crate::dependency::Dependencies;
use crate::error::Result;
use crate::meta::RelRef;
use crate::obj::AnyObj;
use crate::registry::Direction;
use crate::session::SessionInner;
use crate::value::Value;

/// The key values `obj`'s many-to-one `rel` points at, or `None` if a
/// column is NULL.
fn key_of_reference(obj: &AnyObj, pairs: &[(usize, usize)]) -> Result<Option<Vec<Value>>> {
    let mut key = Vec::with_capacity(pairs.len());
    for &(_, fk) in pairs {
        let value = obj.column_value(fk)?;
        if value.is_null() {
            return Ok(None);
        }
        key.push(value);
    }
    Ok(Some(key))
}

/// Whether `obj`'s foreign key columns hold the key of `held` (all NULL
/// when it holds nothing, or any NULL: a partial key refers to nothing).
fn points_at(obj: &AnyObj, held: Option<&AnyObj>, pairs: &[(usize, usize)]) -> Result<bool> {
    let Some(target) = held else {
        return Ok(key_of_reference(obj, pairs)?.is_none());
    };
    for &(pk, fk) in pairs {
        let value = obj.column_value(fk)?;
        if value.is_null() || value != target.column_value(pk)? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Unloads `obj`'s many-to-ones whose foreign key columns no longer hold
/// the key of the object they hold, with the collections on both ends
/// that would list `obj` in the wrong place (called for every object whose
/// row a flush wrote).
pub(super) fn many_to_one_follows_key(session: &Rc<SessionInner>, obj: &AnyObj) -> Result<()> {
    let mapper = session.mapper(obj.meta())?;
    for (rel, resolved) in mapper.all_relationships() {
        if resolved.direction != Direction::ManyToOne || !obj.rel(rel)?.is_loaded() {
            continue;
        }
        let held = obj.rel(rel)?.first();
        if points_at(obj, held.as_ref(), &resolved.pairs)? {
            continue;
        }
        let wanted = key_of_reference(obj, &resolved.pairs)?;
        let reverse = crate::sync::info(obj, rel)?.reverse;
        unload(obj, rel)?;
        let Some(reverse) = reverse else {
            continue;
        };
        if let Some(old) = held {
            unload(&old, reverse)?;
        }
        if let Some(key) = wanted {
            let new = session
                .identity
                .borrow()
                .get(resolved.target, &key)
                .cloned();
            if let Some(new) = new {
                unload(&new, reverse)?;
            }
        }
    }
    Ok(())
}

/// After the commit of the transaction that inserted `obj`: its empty
/// collections (which another writer, or a key set by hand, may have given
/// rows) load from the database on next use. Not at the flush: until the
/// commit a rollback can make the object transient again, and a transient
/// object's collections must stay loaded.
pub(crate) fn unfilled_collections(session: &SessionInner, obj: &AnyObj) -> Result<()> {
    let mapper = session.mapper(obj.meta())?;
    for (rel, resolved) in mapper.all_relationships() {
        let remote = matches!(
            resolved.direction,
            Direction::OneToMany | Direction::ManyToMany
        );
        if !remote {
            continue;
        }
        let empty = {
            let field = obj.rel(rel)?;
            field.is_loaded() && field.is_empty()
        };
        if empty {
            unload(obj, rel)?;
        }
    }
    Ok(())
}

/// Unloads every loaded `viewonly` relationship whose rows the flush may
/// have changed.
pub(super) fn viewonly(
    session: &Rc<SessionInner>,
    saved: &[AnyObj],
    deleted: &[AnyObj],
    deps: &Dependencies,
) -> Result<()> {
    let registry = &session.registry;
    if !registry
        .mappers
        .iter()
        .any(|m| m.all_relationships().any(|(_, r)| r.viewonly))
    {
        return Ok(());
    }
    let mut written_models: HashSet<usize> = HashSet::default();
    for obj in saved.iter().chain(deleted) {
        written_models.insert(session.mapper_index(obj.meta())?);
    }
    let written_tables: HashSet<usize> = deps
        .association_inserts
        .iter()
        .chain(&deps.association_deletes)
        .map(|row| row.table)
        .collect();
    for (m, mapper) in registry.mappers.iter().enumerate() {
        let stale: Vec<RelRef> = mapper
            .all_relationships()
            .filter(|(_, r)| r.viewonly)
            .filter(|(_, r)| {
                written_models.contains(&r.target)
                    || r.secondary.as_ref().is_some_and(|link| {
                        written_tables.contains(&link.table)
                            || registry.tables[link.table]
                                .model
                                .is_some_and(|t| written_models.contains(&t))
                    })
            })
            .map(|(rel, _)| rel)
            .collect();
        if stale.is_empty() {
            continue;
        }
        let owners: Vec<AnyObj> = session.identity.borrow().values_of(m).cloned().collect();
        for owner in owners {
            for &rel in &stale {
                if owner.rel(rel)?.is_loaded() {
                    unload(&owner, rel)?;
                }
            }
        }
    }
    Ok(())
}

/// Unloads `obj.rel` and forgets its committed contents, keeping the
/// object's modified flag as it was.
fn unload(obj: &AnyObj, rel: RelRef) -> Result<()> {
    obj.keeping_modified_flag(|| {
        obj.rel_mut(rel)?.unload();
        obj.state_mut()?.committed_rels.set(rel, None);
        Ok(())
    })
}
