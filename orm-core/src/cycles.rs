//! The cycle collector: frees object graphs that only hold each other.
//!
//! A bidirectional relationship is a reference cycle (a parent's collection
//! holds its children, each child holds its parent), so reference counting
//! alone never frees it. This module finds such garbage by trial deletion
//! over a graph whose every edge is known (relationship fields, pending
//! collection changes and committed snapshots): for each object it counts
//! the references other objects of the graph hold, treats an object with
//! more strong references than that as held from outside (a handle of the
//! program, a session, a local of the library), marks everything reachable
//! from those as live, and clears the relationships of the rest, which
//! frees them.
//!
//! Candidates are gathered as handles are dropped: a handle whose object
//! stays alive after the drop may have left a cycle behind, so the object
//! is remembered (weakly, once). Objects of a live session are skipped: the
//! session holds them, and a session frees its graph when it ends. When the
//! candidates reach a threshold, a collection runs; the threshold then grows
//! with the number of live objects the collection had to look at, so the
//! work stays proportional to the handles dropped. [`collect_cycles`] runs
//! one at once.
//!
//! The collector only ever frees objects that nothing outside their graph
//! refers to. Every uncertainty (a field it cannot read because it is
//! borrowed at that moment) counts as "held from outside", so the worst case
//! is garbage kept until a later collection, never a live object cleared.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use crate::obj::{AnyObj, ErasedInstance, ObjRef};

/// Candidates gathered before the first automatic collection (and the
/// least the threshold ever is).
const MIN_THRESHOLD: usize = 4096;

#[derive(Default)]
struct Collector {
    candidates: RefCell<Vec<Weak<dyn ErasedInstance>>>,
    /// Candidates to gather before the next automatic collection.
    threshold: Cell<usize>,
    /// Set while a collection runs: the drops it causes are not candidates.
    collecting: Cell<bool>,
}

thread_local! {
    static COLLECTOR: Collector = Collector {
        threshold: Cell::new(MIN_THRESHOLD),
        ..Collector::default()
    };
}

/// Frees every unreachable object graph that only its own reference cycles
/// keep alive, and returns how many objects it freed.
///
/// Bidirectional relationships make reference cycles. The library frees
/// them by itself: when a session ends (its objects that the program no
/// longer holds), and, for objects outside any session, automatically
/// after enough handles have been dropped. Call this to get the memory of
/// a large graph back at a known point, such as after dropping it.
/// Objects live on one thread; this collects the calling thread's.
///
/// ```
/// use orm_core::prelude::*;
///
/// #[derive(Model, Debug, Default)]
/// pub struct Parent {
///     #[column(primary_key)]
///     pub id: Option<i64>,
///     #[relationship(back_populates = "parent")]
///     pub children: Many<Child>,
/// }
///
/// #[derive(Model, Debug, Default)]
/// pub struct Child {
///     #[column(primary_key)]
///     pub id: Option<i64>,
///     #[column(foreign_key = "parent.id")]
///     pub parent_id: Option<i64>,
///     #[relationship(back_populates = "children")]
///     pub parent: One<Parent>,
/// }
///
/// # fn main() -> orm_core::Result<()> {
/// let parent = Obj::new(Parent::default());
/// let child = Obj::new(Child::default());
/// parent.append(Parent::children, &child)?;
/// let watch = parent.downgrade();
/// drop((parent, child)); // the two still hold each other
/// assert!(watch.upgrade().is_some());
/// assert_eq!(orm_core::collect_cycles(), 2);
/// assert!(watch.upgrade().is_none());
/// # Ok(()) }
/// ```
pub fn collect_cycles() -> usize {
    COLLECTOR
        .try_with(|collector| collector.run_candidates(None))
        .unwrap_or(0)
}

/// Frees what is garbage among `objects` (a session's, now detached) and
/// what they reach.
pub(crate) fn release(mut objects: Vec<AnyObj>) {
    // Walked (and so freed) in address order, about the order they were
    // made: the allocator frees that far faster than the identity map's
    // order. (The walk takes the last first.)
    objects.sort_unstable_by_key(|obj| std::cmp::Reverse(obj.addr() as usize));
    let _ = COLLECTOR.try_with(|collector| collector.run(objects, None));
}

/// Called when a handle to `obj` is dropped and the object stays alive
/// (inlined: it runs at every such drop, and returns at once for most).
#[inline]
pub(crate) fn handle_dropped(
    obj: &dyn ErasedInstance,
    weak: impl FnOnce() -> Weak<dyn ErasedInstance>,
) {
    if obj.buffered().get() || in_live_session(obj) {
        return;
    }
    let _ = COLLECTOR.try_with(|collector| {
        if collector.collecting.get() {
            return;
        }
        let Ok(mut candidates) = collector.candidates.try_borrow_mut() else {
            return;
        };
        obj.buffered().set(true);
        candidates.push(weak());
        let due = candidates.len() >= collector.threshold.get();
        drop(candidates);
        if due {
            // The handle being dropped still counts; it must not make its
            // object look held from outside.
            collector.run_candidates(Some(obj as *const dyn ErasedInstance as *const ()));
        }
    });
}

/// Whether a live session holds the object (it is not garbage then, nor
/// anything it reaches).
fn in_live_session(obj: &dyn ErasedInstance) -> bool {
    obj.state()
        .try_borrow()
        .map(|s| s.session.as_ref().is_some_and(|w| w.strong_count() > 0))
        .unwrap_or(false)
}

impl Collector {
    /// A collection from the candidates gathered so far.
    fn run_candidates(&self, dropping: Option<*const ()>) -> usize {
        let roots: Vec<AnyObj> = self
            .candidates
            .take()
            .iter()
            .filter_map(Weak::upgrade)
            .map(AnyObj)
            .collect();
        self.run(roots, dropping)
    }

    /// One collection from `roots`; returns the number of objects freed.
    /// `dropping` is an object one of whose handles is being dropped.
    fn run(&self, roots: Vec<AnyObj>, dropping: Option<*const ()>) -> usize {
        if self.collecting.replace(true) {
            return 0;
        }
        for root in &roots {
            root.0.buffered().set(false);
        }
        let (freed, live) = trial_deletion(roots, dropping);
        self.threshold.set(MIN_THRESHOLD.max(2 * live));
        self.collecting.set(false);
        freed
    }
}

/// The objects one collection looks at, one handle each. Each object
/// keeps its position on itself (`ErasedInstance::collector_slot`), so
/// finding an object is an index and a pointer comparison, not a hash
/// lookup; a position left by an earlier collection points at another
/// object (or past the end) and is not taken for membership.
#[derive(Default)]
struct Graph {
    objects: Vec<AnyObj>,
}

impl Graph {
    /// The position of `obj`, if it is in the graph.
    fn position(&self, obj: ObjRef<'_>) -> Option<usize> {
        let slot = obj.0.collector_slot().get() as usize;
        let here = self.objects.get(slot)?;
        std::ptr::addr_eq(Rc::as_ptr(&here.0), obj.0 as *const dyn ErasedInstance).then_some(slot)
    }

    fn insert(&mut self, obj: AnyObj) {
        // Past u32::MAX objects a position no longer fits: such objects
        // are looked up by a scan (never in practice).
        let slot = u32::try_from(self.objects.len()).unwrap_or(u32::MAX);
        obj.0.collector_slot().set(slot);
        self.objects.push(obj);
    }
}

/// Pushes onto `out` every object `obj` holds a reference to that `keep`
/// accepts.
fn push_edges(obj: &AnyObj, keep: &mut dyn FnMut(ObjRef<'_>) -> bool, out: &mut Vec<AnyObj>) {
    for rel in obj.rel_refs() {
        if let Ok(field) = obj.rel(rel) {
            field.collect_into(keep, out);
        }
    }
    if let Ok(state) = obj.state() {
        let backup = state.txn_backup.committed_rels();
        let snapshots = state
            .committed_rels
            .objects()
            .chain(backup.into_iter().flat_map(|rels| rels.objects()));
        for target in snapshots {
            if keep(ObjRef(&*target.0)) {
                out.push(target.clone());
            }
        }
    }
}

/// Calls `f` with every object `obj` holds a reference to (once per
/// reference), without cloning handles.
fn visit_edges(obj: &AnyObj, f: &mut dyn FnMut(ObjRef<'_>)) {
    for rel in obj.rel_refs() {
        if let Ok(field) = obj.rel(rel) {
            field.visit_objects(f);
        }
    }
    if let Ok(state) = obj.state() {
        for target in state.committed_rels.objects() {
            f(ObjRef(&*target.0));
        }
        if let Some(rels) = state.txn_backup.committed_rels() {
            for target in rels.objects() {
                f(ObjRef(&*target.0));
            }
        }
    }
}

/// Clears the relationships of the garbage among what `roots` reach;
/// returns how many objects were garbage and how many were live.
fn trial_deletion(roots: Vec<AnyObj>, dropping: Option<*const ()>) -> (usize, usize) {
    // The graph, one handle per object, not entering objects of a live
    // session (they are live, and so is what they reach). One walk, depth
    // first, builds it and counts, per object, the references the graph's
    // objects hold: a reference to an object already in the graph is
    // counted at once, one to an object not in it yet is counted when the
    // object is taken from the stack. (Depth first keeps the objects in
    // about the order they were made, a parent beside its children, which
    // is also the order they are freed in: freeing in another order costs
    // the allocator much more.)
    let mut graph = Graph::default();
    let mut internal: Vec<usize> = Vec::new();
    // `(handle, whether a reference of the graph led to it)`.
    let mut stack: Vec<(AnyObj, bool)> = roots.into_iter().map(|root| (root, false)).collect();
    let mut found = Vec::new();
    while let Some((obj, referenced)) = stack.pop() {
        if let Some(j) = graph.position(ObjRef(&*obj.0)) {
            internal[j] += usize::from(referenced);
            // A collection is running: dropping the handle needs no notice.
            obj.drop_untracked();
            continue;
        }
        if in_live_session(&*obj.0) {
            obj.drop_untracked();
            continue;
        }
        let at = graph.objects.len();
        internal.push(usize::from(referenced));
        graph.insert(obj);
        push_edges(
            &graph.objects[at],
            &mut |target| match graph.position(target) {
                Some(j) => {
                    internal[j] += 1;
                    false
                }
                None => true,
            },
            &mut found,
        );
        stack.extend(found.drain(..).map(|obj| (obj, true)));
    }
    drop(stack);
    let graph = graph;
    let objects = &graph.objects;

    // `graph` holds one handle to each object (and the handle being dropped
    // one more); more than that plus the internal ones means a holder
    // outside the graph.
    let mut live = vec![false; objects.len()];
    let mut stack: Vec<usize> = (0..objects.len())
        .filter(|&i| {
            let held_here = 1 + usize::from(dropping == Some(objects[i].addr()));
            Rc::strong_count(&objects[i].0) > internal[i] + held_here
        })
        .collect();
    for &i in &stack {
        live[i] = true;
    }
    while let Some(i) = stack.pop() {
        visit_edges(&objects[i], &mut |target| {
            if let Some(j) = graph.position(target) {
                if !live[j] {
                    live[j] = true;
                    stack.push(j);
                }
            }
        });
    }

    let mut freed = 0;
    for (obj, _) in objects.iter().zip(&live).filter(|(_, live)| !**live) {
        freed += 1;
        if let Ok(mut state) = obj.state_mut() {
            state.committed_rels.forget();
            state.txn_backup = crate::state::TxnBackup::None;
        }
        for rel in obj.rel_refs() {
            if let Ok(mut field) = obj.rel_mut(rel) {
                field.unload();
            }
        }
    }
    let live = live.iter().filter(|l| **l).count();
    (freed, live)
}
