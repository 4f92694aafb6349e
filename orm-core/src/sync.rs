//! In-memory back-reference sync: the attribute events of relationship fields.
//!
//! Every change made through [`Obj::set`](crate::Obj::set),
//! [`Obj::append`](crate::Obj::append) and [`Obj::remove`](crate::Obj::remove)
//! lands here. The change is applied to the field, then mirrored on the
//! relationship named by `back_populates` on the other model, with raw
//! operations that do not echo back. No session is needed: this works on
//! transient objects too.

use crate::error::Result;
use crate::meta::{Cardinality, ModelMeta};
use crate::obj::AnyObj;

/// The relationship on the target model that mirrors `rel` of `meta`.
pub(crate) fn reverse_of(meta: &'static ModelMeta, rel: usize) -> Option<usize> {
    let relationship = meta.relationships.get(rel)?;
    let name = relationship.back_populates?;
    (relationship.target)().relationship_index(name)
}

fn cardinality(obj: &AnyObj, rel: usize) -> Cardinality {
    obj.meta().relationships[rel].cardinality
}

/// The current value of a scalar relationship, without emitting SQL.
///
/// An unloaded many-to-one is resolved through the session's identity map
/// when the target is there; otherwise the answer is `None` (nothing in
/// memory needs updating then).
fn current_one(obj: &AnyObj, rel: usize) -> Result<Option<AnyObj>> {
    {
        let field = obj.rel(rel)?;
        if field.is_loaded() {
            return Ok(field.items().into_iter().next());
        }
    }
    match obj.session() {
        Some(session) => session.related_in_identity_map(obj, rel),
        None => Ok(None),
    }
}

/// Makes `target` a member of `obj.rel` (replacing the old value of a scalar),
/// and mirrors the change on the reverse relationship.
pub(crate) fn link(obj: &AnyObj, rel: usize, target: &AnyObj) -> Result<()> {
    let reverse = reverse_of(obj.meta(), rel);
    match cardinality(obj, rel) {
        Cardinality::One => {
            let old = current_one(obj, rel)?;
            if old.as_ref().is_some_and(|o| o.ptr_eq(target)) {
                return Ok(());
            }
            obj.rel_mut(rel)?.insert(target.clone())?;
            if let (Some(reverse), Some(old)) = (reverse, old) {
                detach_raw(&old, reverse, obj)?;
            }
        }
        Cardinality::Many => {
            if obj.rel(rel)?.contains(target) {
                return Ok(());
            }
            obj.rel_mut(rel)?.insert(target.clone())?;
        }
    }
    if let Some(reverse) = reverse {
        attach_reverse(target, reverse, obj, rel)?;
    }
    Ok(())
}

/// Removes `target` from the collection `obj.rel` and mirrors it.
pub(crate) fn unlink(obj: &AnyObj, rel: usize, target: &AnyObj) -> Result<()> {
    obj.rel_mut(rel)?.remove(target);
    if let Some(reverse) = reverse_of(obj.meta(), rel) {
        detach_raw(target, reverse, obj)?;
    }
    Ok(())
}

/// Empties the scalar `obj.rel` and mirrors it.
pub(crate) fn clear_one(obj: &AnyObj, rel: usize) -> Result<()> {
    let old = current_one(obj, rel)?;
    obj.rel_mut(rel)?.clear();
    if let (Some(reverse), Some(old)) = (reverse_of(obj.meta(), rel), old) {
        detach_raw(&old, reverse, obj)?;
    }
    Ok(())
}

/// Links back the objects a new instance was constructed with.
pub(crate) fn link_initial(obj: &AnyObj) -> Result<()> {
    let meta = obj.meta();
    for rel in 0..meta.relationships.len() {
        let Some(reverse) = reverse_of(meta, rel) else {
            continue;
        };
        let items = obj.rel(rel)?.items();
        for target in items {
            attach_reverse(&target, reverse, obj, rel)?;
        }
    }
    Ok(())
}

/// Makes `owner` a member of `target.reverse`, the mirror of `owner.rel`.
/// When `target.reverse` is a scalar that held another object, that object
/// loses `target` from its own `rel`.
fn attach_reverse(target: &AnyObj, reverse: usize, owner: &AnyObj, rel: usize) -> Result<()> {
    match cardinality(target, reverse) {
        Cardinality::Many => target.rel_mut(reverse)?.insert(owner.clone()),
        Cardinality::One => {
            let old = current_one(target, reverse)?;
            if old.as_ref().is_some_and(|o| o.ptr_eq(owner)) {
                return Ok(());
            }
            target.rel_mut(reverse)?.insert(owner.clone())?;
            if let Some(old) = old {
                old.rel_mut(rel)?.remove(target);
            }
            Ok(())
        }
    }
}

/// Removes `other` from `obj.rel` without mirroring.
fn detach_raw(obj: &AnyObj, rel: usize, other: &AnyObj) -> Result<()> {
    obj.rel_mut(rel)?.remove(other);
    Ok(())
}
