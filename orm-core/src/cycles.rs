//! Freeing the reference cycles that bidirectional relationships create.
//!
//! A parent's collection holds its children and each child holds its parent,
//! so with reference counting neither is ever freed. When a session ends,
//! this module finds which of its objects the program still reaches from
//! outside (a handle held somewhere that is not another object's
//! relationship) and clears the relationships of the rest, which breaks
//! their cycles. It is trial deletion over a graph whose every edge is
//! known: the relationship fields and the committed snapshots.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::rc::Rc;

use crate::obj::AnyObj;
use crate::session::SessionInner;

/// Every object `obj` holds a reference to.
fn edges(obj: &AnyObj) -> Vec<AnyObj> {
    let mut out = Vec::new();
    for rel in obj.rel_refs() {
        if let Ok(field) = obj.rel(rel) {
            out.extend(field.items());
            let (added, removed) = field.pending();
            out.extend(added);
            out.extend(removed);
        }
    }
    if let Ok(state) = obj.state() {
        out.extend(state.committed_rels.objects().cloned());
        if let Some(backup) = &state.txn_backup {
            out.extend(backup.committed_rels.objects().cloned());
        }
    }
    out
}

/// Detaches `objects` and clears the relationships of those (among them and
/// among what they reach) that nothing outside the graph refers to.
pub(crate) fn release(objects: Vec<AnyObj>, owner: *const SessionInner) {
    // The whole graph reachable from the session's objects, one handle each.
    let mut seen: HashSet<AnyObj> = HashSet::default();
    let mut graph: Vec<AnyObj> = Vec::new();
    let mut stack = objects;
    while let Some(obj) = stack.pop() {
        if seen.contains(&obj) {
            continue;
        }
        stack.extend(edges(&obj));
        seen.insert(obj.clone());
        graph.push(obj);
    }
    drop(stack);

    // References held by objects of the graph, per target.
    let mut internal: HashMap<*const (), usize> = HashMap::default();
    for obj in &graph {
        for target in edges(obj) {
            *internal.entry(target.addr()).or_default() += 1;
        }
    }
    // `seen` and `graph` hold two handles to each object.
    let held_here = 2;
    let roots: Vec<&AnyObj> = graph
        .iter()
        .filter(|obj| {
            let internal = internal.get(&obj.addr()).copied().unwrap_or(0);
            Rc::strong_count(&obj.0) > internal + held_here
        })
        .collect();

    let mut live: HashSet<*const ()> = HashSet::default();
    let mut stack: Vec<AnyObj> = roots.into_iter().cloned().collect();
    while let Some(obj) = stack.pop() {
        if live.insert(obj.addr()) {
            stack.extend(edges(&obj));
        }
    }
    drop(seen);

    for obj in &graph {
        let alive = live.contains(&obj.addr());
        if let Ok(mut state) = obj.state_mut() {
            let foreign = state
                .session
                .as_ref()
                .is_some_and(|w| w.as_ptr() != owner && w.strong_count() > 0);
            if foreign {
                continue;
            }
            state.session = None;
            state.marked_for_delete = false;
            if !alive {
                state.committed_rels.forget();
                state.txn_backup = None;
            }
        }
        if !alive {
            for rel in obj.rel_refs() {
                if let Ok(mut field) = obj.rel_mut(rel) {
                    field.unload();
                }
            }
        }
    }
}
