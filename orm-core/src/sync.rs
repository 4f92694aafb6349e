//! In-memory back-reference sync: the attribute events of relationships.
//!
//! Every change made through [`Obj::set`](crate::Obj::set),
//! [`Obj::append`](crate::Obj::append) and [`Obj::remove`](crate::Obj::remove)
//! lands here. The change is applied to the relationship, then mirrored on
//! the relationship that `back_populates` or `backref` pairs it with, with
//! raw operations that do not echo back. Only static metadata is used, so
//! this works on transient objects that no session has seen.

use std::rc::Rc;

use crate::error::{Error, Result};
use crate::meta::{Cardinality, RelInfo, RelRef};
use crate::obj::AnyObj;
use crate::session::SessionInner;

/// What `obj`'s relationship `rel` is.
pub(crate) fn info(obj: &AnyObj, rel: RelRef) -> Result<RelInfo> {
    rel.info(obj.meta())
        .ok_or_else(|| no_relationship(obj, rel))
}

fn no_relationship(obj: &AnyObj, rel: RelRef) -> Error {
    Error::Internal(format!("{} has no relationship {rel:?}", obj.meta().name))
}

/// Whether `obj`'s relationship `rel` holds one object or many (without
/// the reverse relationship [`info`] looks up by name).
fn cardinality(obj: &AnyObj, rel: RelRef) -> Result<Cardinality> {
    rel.cardinality(obj.meta())
        .ok_or_else(|| no_relationship(obj, rel))
}

/// The cascades of `obj`'s relationship `rel` (without the reverse
/// relationship [`info`] looks up by name).
pub(crate) fn cascade(obj: &AnyObj, rel: RelRef) -> Result<crate::meta::Cascade> {
    rel.cascade(obj.meta())
        .ok_or_else(|| no_relationship(obj, rel))
}

/// The current value of a scalar relationship, without emitting SQL.
///
/// An unloaded many-to-one is resolved through the session's identity map
/// when the target is there; otherwise the answer is `None` (nothing in
/// memory needs updating then).
fn current_one(obj: &AnyObj, rel: RelRef) -> Result<Option<AnyObj>> {
    {
        let field = obj.rel(rel)?;
        if field.is_loaded() {
            return Ok(field.first());
        }
    }
    match obj.session() {
        Some(session) => session.related_in_identity_map(obj, rel),
        None => Ok(None),
    }
}

/// The relationship slots an operation will write, found before anything
/// changes so that an operation either applies in full or not at all.
///
/// Every write goes through a `RefCell` that the user may hold borrowed
/// (`obj.borrow()` while calling `set`); checking them all first is what
/// keeps a failed `set`/`append`/`remove` from leaving one side changed and
/// the other not. Reads need no check: the planning reads them already.
/// Nothing changes while an operation is planned, so each slot is checked
/// as it is found (no handles kept, no list).
#[derive(Default)]
struct Writes {
    /// The first slot that cannot be written.
    refused: Option<crate::error::Error>,
}

impl Writes {
    fn add(&mut self, obj: &AnyObj, rel: RelRef) {
        if self.refused.is_none() {
            self.refused = obj.check_writable(rel).err();
        }
    }

    /// Fails with [`Error::Borrowed`] if any slot cannot be written now.
    fn check(self) -> Result<()> {
        self.refused.map_or(Ok(()), Err)
    }
}

/// What `link(obj, rel, target)` will write; `None` when it is a no-op.
fn plan_link(obj: &AnyObj, rel: RelRef, own: &RelInfo, target: &AnyObj) -> Result<Option<Writes>> {
    let mut writes = Writes::default();
    match own.cardinality {
        Cardinality::One => {
            let old = current_one(obj, rel)?;
            if old.as_ref().is_some_and(|o| o.ptr_eq(target)) {
                return Ok(None);
            }
            writes.add(obj, rel);
            if let (Some(reverse), Some(old)) = (own.reverse, &old) {
                writes.add(old, reverse);
            }
        }
        Cardinality::Many => {
            match membership(obj, rel, own.reverse, target)? {
                Some(true) => return Ok(None),
                Some(false) => {}
                // Only the rows know. A second association row would be a
                // UNIQUE violation: load the collection first (as SQLAlchemy
                // does on every append). Setting a child's key again is
                // harmless, so a one-to-many goes on without SQL.
                None if own.secondary => {
                    crate::loading::ensure_loaded(obj, rel)?;
                    if obj.rel(rel)?.contains(target) {
                        return Ok(None);
                    }
                }
                None => {}
            }
            writes.add(obj, rel);
        }
    }
    if let Some(reverse) = own.reverse {
        writes.add(target, reverse);
        if cardinality(target, reverse)? == Cardinality::One {
            // The item leaves its previous owner's collection.
            if let Some(previous) = current_one(target, reverse)? {
                if !previous.ptr_eq(obj) {
                    writes.add(&previous, rel);
                }
            }
        }
    }
    Ok(Some(writes))
}

/// Whether `target` is in the collection `obj.rel`, when it can be known
/// without SQL: from its items or pending changes, from the loaded other
/// side, or because `target` has no row yet. `None` when only the database
/// knows (both sides unloaded).
fn membership(
    obj: &AnyObj,
    rel: RelRef,
    reverse: Option<RelRef>,
    target: &AnyObj,
) -> Result<Option<bool>> {
    {
        let field = obj.rel(rel)?;
        if field.contains(target) {
            return Ok(Some(true));
        }
        if field.is_loaded() {
            return Ok(Some(false));
        }
        if field.pending().1.contains(target) || target.state()?.key.is_none() {
            return Ok(Some(false));
        }
    }
    let Some(reverse) = reverse else {
        return Ok(None);
    };
    let mirror = target.rel(reverse)?;
    Ok(mirror.is_loaded().then(|| mirror.contains(obj)))
}

/// Whether appending `target` to `obj.rel` would be a no-op (it is known to
/// be there: appending again must not write a second association row).
fn already_member(
    obj: &AnyObj,
    rel: RelRef,
    reverse: Option<RelRef>,
    target: &AnyObj,
) -> Result<bool> {
    Ok(membership(obj, rel, reverse, target)? == Some(true))
}

/// Checks that `unlink(obj, rel, target)` can be applied in full.
pub(crate) fn check_unlink(obj: &AnyObj, rel: RelRef, target: &AnyObj) -> Result<()> {
    let info = info(obj, rel)?;
    let mut writes = Writes::default();
    if let Some(reverse) = info.reverse {
        writes.add(target, reverse);
    }
    writes.add(obj, rel);
    writes.check()
}

/// Checks that `link(obj, rel, target)` can be applied in full.
pub(crate) fn check_link(obj: &AnyObj, rel: RelRef, target: &AnyObj) -> Result<()> {
    match plan_link(obj, rel, &info(obj, rel)?, target)? {
        Some(writes) => writes.check(),
        None => Ok(()),
    }
}

/// Makes `target` a member of `obj.rel` (replacing the old value of a scalar),
/// and mirrors the change on the reverse relationship.
pub(crate) fn link(obj: &AnyObj, rel: RelRef, target: &AnyObj) -> Result<()> {
    let info = info(obj, rel)?;
    match plan_link(obj, rel, &info, target)? {
        Some(writes) => writes.check()?,
        None => return Ok(()),
    }
    let session = cascading_session(obj, &info, target)?;
    match info.cardinality {
        Cardinality::One => {
            let old = current_one(obj, rel)?;
            if old.as_ref().is_some_and(|o| o.ptr_eq(target)) {
                return Ok(());
            }
            obj.rel_mut(rel)?.insert(target.clone())?;
            if let (Some(reverse), Some(old)) = (info.reverse, &old) {
                detach(old, reverse, obj)?;
            }
            if let Some(old) = &old {
                forget_pending_orphan(obj, rel, old)?;
            }
        }
        Cardinality::Many => {
            if already_member(obj, rel, info.reverse, target)? {
                return Ok(());
            }
            obj.rel_mut(rel)?.insert(target.clone())?;
        }
    }
    if let Some(reverse) = info.reverse {
        attach_reverse(target, reverse, obj, rel)?;
    }
    match session {
        Some(session) => session.cascade_add(vec![target.clone()]),
        None => Ok(()),
    }
}

/// The save-update cascade as an attribute event (SQLAlchemy's): an object
/// linked to an object of a session through a relationship that cascades
/// `save-update` joins that session at once, with what it reaches.
///
/// Only the relationship the user changed cascades, not its mirror:
/// `child.set(Child::parent, &attached)` on a transient child leaves the
/// child transient (as SQLAlchemy 2 does); the flush's cascade from the
/// parent picks it up.
///
/// Returns the session to cascade into once the link is made (so that the
/// cascade follows the graph as it is after the change), after checking
/// that `target` does not belong to another session.
fn cascading_session(
    obj: &AnyObj,
    info: &RelInfo,
    target: &AnyObj,
) -> Result<Option<Rc<SessionInner>>> {
    if !info.cascade.save_update {
        return Ok(None);
    }
    let Some(session) = obj.session() else {
        return Ok(None);
    };
    if let Some(other) = target.session() {
        if !Rc::ptr_eq(&other, &session) {
            return Err(Error::OtherSession {
                model: target.meta().name,
            });
        }
    }
    Ok(Some(session))
}

/// Makes the collection `obj.rel` hold exactly `items`, in that order:
/// members not among them are removed, new ones appended, each with its
/// back-reference sync and cascade. Everything is checked before the first
/// change. The collection must be loaded.
pub(crate) fn replace(obj: &AnyObj, rel: RelRef, items: Vec<AnyObj>) -> Result<()> {
    let own = info(obj, rel)?;
    let mut wanted: Vec<AnyObj> = Vec::with_capacity(items.len());
    let mut wanted_set = rustc_hash::FxHashSet::default();
    for item in items {
        if wanted_set.insert(item.addr()) {
            wanted.push(item);
        }
    }
    let current = obj.rel(rel)?.items();
    let current_set: rustc_hash::FxHashSet<*const ()> = current.iter().map(AnyObj::addr).collect();
    let removed: Vec<AnyObj> = current
        .into_iter()
        .filter(|o| !wanted_set.contains(&o.addr()))
        .collect();
    let added: Vec<AnyObj> = wanted
        .iter()
        .filter(|o| !current_set.contains(&o.addr()))
        .cloned()
        .collect();
    for item in &removed {
        check_unlink(obj, rel, item)?;
    }
    for item in &added {
        check_link(obj, rel, item)?;
        cascading_session(obj, &own, item)?;
    }
    for item in &removed {
        unlink(obj, rel, item)?;
    }
    for item in &added {
        link(obj, rel, item)?;
    }
    obj.rel_mut(rel)?.reorder(&wanted);
    Ok(())
}

/// Removes `target` from the collection `obj.rel` and mirrors it.
pub(crate) fn unlink(obj: &AnyObj, rel: RelRef, target: &AnyObj) -> Result<()> {
    check_unlink(obj, rel, target)?;
    let info = info(obj, rel)?;
    // Removing what is known not to be there does nothing (it would record
    // a removal the flush cannot write).
    match membership(obj, rel, info.reverse, target)? {
        Some(false) => return Ok(()),
        Some(true) => {}
        // Deleting an association row that is not there would be
        // StaleData at the flush: look first. A one-to-many records the
        // removal without SQL (clearing a key that is not set is harmless).
        None if info.secondary => {
            crate::loading::ensure_loaded(obj, rel)?;
            if !obj.rel(rel)?.contains(target) {
                return Ok(());
            }
        }
        None => {}
    }
    if let Some(reverse) = info.reverse {
        target.rel_mut(reverse)?.remove(obj);
    }
    detach(obj, rel, target)
}

/// Empties the scalar `obj.rel` and mirrors it.
pub(crate) fn clear_one(obj: &AnyObj, rel: RelRef) -> Result<()> {
    let info = info(obj, rel)?;
    let old = current_one(obj, rel)?;
    let mut writes = Writes::default();
    writes.add(obj, rel);
    if let (Some(reverse), Some(old)) = (info.reverse, &old) {
        writes.add(old, reverse);
    }
    writes.check()?;
    obj.rel_mut(rel)?.clear();
    if let (Some(reverse), Some(old)) = (info.reverse, &old) {
        detach(old, reverse, obj)?;
    }
    if let Some(old) = &old {
        forget_pending_orphan(obj, rel, old)?;
    }
    Ok(())
}

/// Links back the objects a new instance was constructed with.
pub(crate) fn link_initial(obj: &AnyObj) -> Result<()> {
    for rel in obj.rel_refs() {
        let Some(reverse) = info(obj, rel)?.reverse else {
            continue;
        };
        let items = obj.rel(rel)?.items();
        for target in items {
            attach_reverse(&target, reverse, obj, rel)?;
        }
    }
    Ok(())
}

/// `removed` has just left `owner.rel`: when that relationship deletes its
/// orphans and `removed` was never flushed, it leaves its session now, so
/// it is never inserted.
fn forget_pending_orphan(owner: &AnyObj, rel: RelRef, removed: &AnyObj) -> Result<()> {
    let info = info(owner, rel)?;
    if !info.cascade.delete_orphan {
        return Ok(());
    }
    // Moved rather than orphaned: its own side points at a new parent.
    if let Some(reverse) = info.reverse {
        let field = removed.rel(reverse)?;
        if field.cardinality() == Cardinality::One && !field.is_empty() {
            return Ok(());
        }
    }
    let pending = removed.state()?.key.is_none();
    if pending {
        if let Some(session) = removed.session() {
            session.expunge(removed)?;
        }
    }
    Ok(())
}

/// Removes `item` from `owner.rel`, raw, then applies its orphan rule.
fn detach(owner: &AnyObj, rel: RelRef, item: &AnyObj) -> Result<()> {
    owner.rel_mut(rel)?.remove(item);
    forget_pending_orphan(owner, rel, item)
}

/// Makes `owner` a member of `target.reverse`, the mirror of `owner.rel`.
/// When `target.reverse` is a scalar that held another object, that object
/// loses `target` from its own `rel`.
fn attach_reverse(target: &AnyObj, reverse: RelRef, owner: &AnyObj, rel: RelRef) -> Result<()> {
    match cardinality(target, reverse)? {
        Cardinality::Many => target.rel_mut(reverse)?.insert(owner.clone()),
        Cardinality::One => {
            let old = current_one(target, reverse)?;
            if old.as_ref().is_some_and(|o| o.ptr_eq(owner)) {
                return Ok(());
            }
            target.rel_mut(reverse)?.insert(owner.clone())?;
            if let Some(old) = old {
                detach(&old, rel, target)?;
                forget_pending_orphan(target, reverse, &old)?;
            }
            Ok(())
        }
    }
}
