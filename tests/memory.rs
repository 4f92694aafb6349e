//! The memory model: objects are freed when the program no longer holds
//! them, session or not, although bidirectional relationships make
//! reference cycles. Memory is measured with a counting allocator (bytes
//! allocated and not yet freed, per thread, so tests may run in parallel).

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use common::setup;
use orm_core::prelude::*;
use orm_core::{collect_cycles, WeakObj};

struct Counting;

thread_local! {
    static LIVE_BYTES: Cell<isize> = const { Cell::new(0) };
}

fn count(delta: isize) {
    let _ = LIVE_BYTES.try_with(|c| c.set(c.get() + delta));
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size() as isize);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        count(-(layout.size() as isize));
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size as isize - layout.size() as isize);
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn live_bytes() -> isize {
    LIVE_BYTES.with(Cell::get)
}

#[derive(Model, Debug, Default)]
#[model(table = "parent")]
pub struct Parent {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    #[relationship(back_populates = "parent", cascade = "all, delete-orphan")]
    pub children: Many<Child>,
}

#[derive(Model, Debug, Default)]
#[model(table = "child")]
pub struct Child {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    #[column(foreign_key = "parent.id")]
    pub parent_id: Option<i64>,
    #[relationship(back_populates = "children")]
    pub parent: One<Parent>,
}

/// `parents` parents with five children each, linked both ways.
fn graph(parents: usize) -> Vec<Obj<Parent>> {
    (0..parents)
        .map(|i| {
            let p = Obj::new(Parent {
                name: format!("p{i}"),
                ..Default::default()
            });
            for j in 0..5 {
                let c = Obj::new(Child {
                    name: format!("c{i}_{j}"),
                    ..Default::default()
                });
                c.set(Child::parent, &p).unwrap();
            }
            p
        })
        .collect()
}

#[test]
fn a_graph_that_never_entered_a_session_is_freed() {
    collect_cycles();
    let before = live_bytes();
    let parents = graph(20_000); // 120,000 objects
    let watch: Vec<WeakObj<Parent>> = parents.iter().map(Obj::downgrade).collect();
    let size = live_bytes() - before;
    assert!(size > 120_000 * 100, "the graph takes {size} bytes");
    drop(parents);
    collect_cycles();
    assert!(watch.iter().all(|w| w.upgrade().is_none()));
    drop(watch);
    let left = live_bytes() - before;
    assert!(left < size / 100, "{left} of {size} bytes are left");
}

#[test]
fn dropped_graphs_are_freed_without_being_asked() {
    collect_cycles();
    let before = live_bytes();
    let one = {
        let parents = graph(2_000);
        let size = live_bytes() - before;
        drop(parents);
        size
    };
    // Forty graphs built and dropped: without a collector they would all
    // stay; the automatic collections keep the garbage to a few graphs.
    for _ in 0..40 {
        drop(graph(2_000));
    }
    let left = live_bytes() - before;
    assert!(left < 4 * one, "{left} bytes left, one graph is {one}");
    collect_cycles();
    let left = live_bytes() - before;
    assert!(left < one / 10, "{left} bytes left, one graph is {one}");
}

#[test]
fn a_graph_held_after_its_session_ends_is_freed_when_dropped() -> orm_core::Result<()> {
    let registry = Registry::builder().model::<Parent>().build()?;
    let (engine, session) = setup(&registry);
    let parents = graph(1_000);
    for p in &parents {
        session.add(p)?;
    }
    session.commit()?;
    drop(session);
    // Held by the program after the session: everything is still there.
    let watch: Vec<WeakObj<Child>> = parents
        .iter()
        .flat_map(|p| p.borrow().children.to_vec())
        .map(|c| c.downgrade())
        .collect();
    assert_eq!(watch.len(), 5_000);
    assert!(parents.iter().all(|p| p.borrow().children.len() == 5));
    drop(parents);
    collect_cycles();
    assert!(watch.iter().all(|w| w.upgrade().is_none()));
    drop(engine);
    Ok(())
}

#[test]
fn what_the_program_holds_keeps_its_whole_graph() -> orm_core::Result<()> {
    let parents = graph(100);
    // Keep one child; drop everything else.
    let kept = parents[7].get(Parent::children)?[3].clone();
    drop(parents);
    collect_cycles();
    let parent = kept.get(Child::parent)?.expect("the parent is kept");
    assert_eq!(parent.borrow().name, "p7");
    let siblings: Vec<String> = parent
        .get(Parent::children)?
        .iter()
        .map(|c| c.borrow().name.clone())
        .collect();
    assert_eq!(siblings, ["c7_0", "c7_1", "c7_2", "c7_3", "c7_4"]);
    Ok(())
}

#[test]
fn objects_of_a_live_session_are_never_collected() -> orm_core::Result<()> {
    let registry = Registry::builder().model::<Parent>().build()?;
    let (engine, session) = setup(&registry);
    let parents = graph(10);
    for p in &parents {
        session.add(p)?;
    }
    session.commit()?;
    drop(parents);
    collect_cycles();
    engine.take_recorded();
    // The identity map still holds every object, with its loaded children.
    let p = session.get::<Parent>(3)?.expect("in the identity map");
    assert_eq!(p.get(Parent::children)?.len(), 5);
    assert!(engine.take_recorded().is_empty(), "no SQL was needed");
    Ok(())
}

#[test]
fn relationship_fields_are_small() {
    // A collection keeps its pending changes and its hash index boxed: most
    // collections never have either, and the user's struct holds the field.
    assert!(std::mem::size_of::<Many<Child>>() <= 48);
    assert!(std::mem::size_of::<One<Parent>>() <= 16);
}
