//! One workload, run once, for a profiler: `valgrind --tool=callgrind`
//! counts instructions, which stay the same from run to run on a shared,
//! noisy machine where times do not; `perf record` shows where the time
//! goes. A counting global allocator prints the bytes live and at peak, and
//! the allocations made, per object after each phase.
//!
//! ```sh
//! cargo bench --bench profile --no-run            # build it
//! B=$(ls -t target/release/deps/profile-* | grep -v '\.d$' | head -1)
//! $B w1 20000                                     # W1 through the ORM
//! $B w1-rusqlite 20000                            # the same by hand
//! valgrind --tool=callgrind --toggle-collect='orm_core::session::Session::commit' $B w1 20000
//! valgrind --tool=callgrind $B w5 20000
//! ```
//!
//! Workloads: `w1` / `w1-rusqlite` (N parents with 5 children each,
//! inserted through `Parent.children`, one commit), `w3` (N children under
//! N/5 parents loaded with `selectin`), `w3-lazy` (the same, one query per
//! parent), `w5` (one column of N loaded
//! children changed, one commit), `w5-one` (one row of N loaded changed,
//! committed, 100 times: a small flush in a large session), `add-each`
//! (`session.add` on each node of a wide tree of N nodes, root first),
//! `w2` / `w2-bi` (N + N objects, 10 many-to-many links each, the
//! relationship on one side or on both; the build, `add_all` and commit).
//! Without arguments (`cargo test --benches`) each runs once at a small
//! size.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Instant;

use orm_core::prelude::*;
use orm_core::{selectin, Value};

#[path = "support/w2.rs"]
mod w2;
use w2::{BiLeft, LeftItem};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);
/// What was live when counting (re)started.
static BASE: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Relaxed);
        let live = LIVE.fetch_add(layout.size(), Relaxed) + layout.size();
        PEAK.fetch_max(live, Relaxed);
        System.alloc(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Relaxed);
        System.dealloc(ptr, layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Relaxed);
        if new_size > layout.size() {
            let grow = new_size - layout.size();
            let live = LIVE.fetch_add(grow, Relaxed) + grow;
            PEAK.fetch_max(live, Relaxed);
        } else {
            LIVE.fetch_sub(layout.size() - new_size, Relaxed);
        }
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Starts counting from what is live now.
fn reset_counts() {
    let live = LIVE.load(Relaxed);
    BASE.store(live, Relaxed);
    PEAK.store(live, Relaxed);
    ALLOCATIONS.store(0, Relaxed);
}

/// Prints the counts so far, per object.
fn report(phase: &str, objects: usize) {
    eprintln!(
        "  {phase}: live {} B, peak {} B, {} allocations per object",
        LIVE.load(Relaxed).saturating_sub(BASE.load(Relaxed)) / objects,
        PEAK.load(Relaxed).saturating_sub(BASE.load(Relaxed)) / objects,
        ALLOCATIONS.load(Relaxed) / objects,
    );
}

#[derive(Model, Debug, Default)]
#[model(table = "parent")]
pub struct Parent {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    #[relationship(back_populates = "parent")]
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

/// A self-referential tree, for `add-each`.
#[derive(Model, Debug, Default)]
#[model(table = "node")]
pub struct Node {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    #[column(foreign_key = "node.id")]
    pub parent_id: Option<i64>,
    #[relationship(back_populates = "children")]
    pub parent: One<Node>,
    #[relationship(back_populates = "parent", cascade = "all")]
    pub children: Many<Node>,
}

const CHILDREN: usize = 5;

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let registry = Registry::builder()
        .model::<Parent>()
        .model::<Node>()
        .model::<LeftItem>()
        .model::<BiLeft>()
        .build()
        .unwrap();
    match args.first().map(String::as_str) {
        None => {
            for workload in [
                "w1",
                "w1-rusqlite",
                "w3",
                "w3-lazy",
                "w5",
                "w5-one",
                "add-each",
                "w2",
                "w2-bi",
            ] {
                run(&registry, workload, 200);
            }
        }
        Some(workload) => {
            let n = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(20_000);
            run(&registry, workload, n);
        }
    }
}

fn run(registry: &Arc<Registry>, workload: &str, n: usize) {
    let engine = orm_sqlite::memory().unwrap();
    registry.create_all(&engine).unwrap();
    match workload {
        "w1" => w1(&engine, registry, n),
        "w1-rusqlite" => w1_rusqlite(registry, n),
        "w3" => w3(&engine, registry, n),
        "w3-lazy" => w3_lazy(&engine, registry, n),
        "w5" => w5(&engine, registry, n),
        "w5-one" => w5_one(&engine, registry, n),
        "add-each" => add_each(&engine, registry, n),
        "w2" => w2(&engine, registry, n, true),
        "w2-bi" => w2(&engine, registry, n, false),
        other => panic!("unknown workload {other}: w1, w1-rusqlite, w3, w3-lazy, w5 or w5-one"),
    }
}

fn w1(engine: &Engine, registry: &Arc<Registry>, n: usize) {
    let objects = n * (1 + CHILDREN);
    reset_counts();
    let start = Instant::now();
    let session = Session::new(engine, registry);
    let graph: Vec<Obj<Parent>> = (0..n)
        .map(|i| {
            let parent = Obj::new(Parent {
                name: format!("p{i}"),
                ..Default::default()
            });
            for j in 0..CHILDREN {
                let child = Obj::new(Child {
                    name: format!("c{i}_{j}"),
                    ..Default::default()
                });
                parent.append(Parent::children, &child).unwrap();
            }
            parent
        })
        .collect();
    let built = start.elapsed();
    report("built", objects);
    session.add_all(&graph).unwrap();
    let added = start.elapsed();
    report("added", objects);
    session.commit().unwrap();
    let committed = start.elapsed();
    report("committed", objects);
    eprintln!(
        "w1 {n}: build {built:?}, add_all {:?}, commit {:?}: {:.2} us per row",
        added - built,
        committed - added,
        committed.as_secs_f64() * 1e6 / objects as f64
    );
    let start = Instant::now();
    drop((graph, session));
    eprintln!(
        "  dropping the session and the graph: {:?}",
        start.elapsed()
    );
}

fn w1_rusqlite(registry: &Registry, n: usize) {
    let mut conn = rusqlite::Connection::open_in_memory().unwrap();
    conn.execute_batch("PRAGMA foreign_keys = ON").unwrap();
    for sql in registry.schema_sql(&orm_sqlite::SqliteDialect) {
        conn.execute_batch(&sql).unwrap();
    }
    let start = Instant::now();
    let tx = conn.transaction().unwrap();
    {
        let mut insert_parent = tx
            .prepare_cached("INSERT INTO parent (name) VALUES (?)")
            .unwrap();
        let mut insert_child = tx
            .prepare_cached("INSERT INTO child (name, parent_id) VALUES (?, ?)")
            .unwrap();
        for i in 0..n {
            insert_parent.execute([format!("p{i}")]).unwrap();
            let id = tx.last_insert_rowid();
            for j in 0..CHILDREN {
                insert_child
                    .execute(rusqlite::params![format!("c{i}_{j}"), id])
                    .unwrap();
            }
        }
    }
    tx.commit().unwrap();
    let elapsed = start.elapsed();
    eprintln!(
        "w1-rusqlite {n}: {elapsed:?}: {:.2} us per row",
        elapsed.as_secs_f64() * 1e6 / (n * (1 + CHILDREN)) as f64
    );
}

/// `children` rows under `children / 5` parents, written without the ORM.
fn populate(engine: &Engine, children: usize) {
    let parents: Vec<Vec<Value>> = (0..children / CHILDREN)
        .map(|i| vec![Value::Integer(i as i64 + 1), Value::Text(format!("p{i}"))])
        .collect();
    let rows: Vec<Vec<Value>> = (0..children)
        .map(|i| {
            vec![
                Value::Text(format!("c{i}")),
                Value::Integer((i / CHILDREN) as i64 + 1),
            ]
        })
        .collect();
    engine.execute("BEGIN", &[]).unwrap();
    engine
        .execute_many("INSERT INTO parent (id, name) VALUES (?, ?)", &parents)
        .unwrap();
    engine
        .execute_many("INSERT INTO child (name, parent_id) VALUES (?, ?)", &rows)
        .unwrap();
    engine.execute("COMMIT", &[]).unwrap();
}

fn w3(engine: &Engine, registry: &Arc<Registry>, n: usize) {
    populate(engine, n);
    let session = Session::new(engine, registry);
    reset_counts();
    let start = Instant::now();
    let parents = session
        .query::<Parent>()
        .options(selectin(Parent::children))
        .all()
        .unwrap();
    let loaded: usize = parents
        .iter()
        .map(|p| p.get(Parent::children).unwrap().len())
        .sum();
    assert_eq!(loaded, n);
    eprintln!("w3 {n}: selectin load {:?}", start.elapsed());
    report("loaded", n + n / CHILDREN);
}

fn w3_lazy(engine: &Engine, registry: &Arc<Registry>, n: usize) {
    populate(engine, n);
    let session = Session::new(engine, registry);
    reset_counts();
    let start = Instant::now();
    let parents = session.query::<Parent>().all().unwrap();
    let loaded: usize = parents
        .iter()
        .map(|p| p.get(Parent::children).unwrap().len())
        .sum();
    assert_eq!(loaded, n);
    eprintln!("w3-lazy {n}: lazy load {:?}", start.elapsed());
    report("loaded", n + n / CHILDREN);
}

fn w5(engine: &Engine, registry: &Arc<Registry>, n: usize) {
    populate(engine, n);
    let session = Session::new(engine, registry);
    reset_counts();
    let start = Instant::now();
    let children = session.query::<Child>().all().unwrap();
    let loaded = start.elapsed();
    report("loaded", n);
    for child in &children {
        child.borrow_mut().name.push('x');
    }
    session.commit().unwrap();
    report("committed", n);
    eprintln!(
        "w5 {n}: load {loaded:?}, change and commit {:?}",
        start.elapsed() - loaded
    );
}

/// One changed row among `n` loaded ones, committed 100 times: what a
/// small flush costs in a large session (the flush scans the identity map
/// for modified objects).
fn w5_one(engine: &Engine, registry: &Arc<Registry>, n: usize) {
    const COMMITS: u32 = 100;
    populate(engine, n);
    let session = Session::new(engine, registry);
    let children = session.query::<Child>().all().unwrap();
    let start = Instant::now();
    for round in 0..COMMITS {
        children[0].borrow_mut().name = format!("round {round}");
        session.commit().unwrap();
    }
    eprintln!(
        "w5-one {n}: one changed row of {n} loaded, per commit {:?}",
        start.elapsed() / COMMITS
    );
}

/// `session.add` on every node of a wide tree of `n` nodes (a root, 100
/// children, the rest spread under them), root first: the first `add`
/// cascades to the whole tree, the others find their node added.
fn add_each(engine: &Engine, registry: &Arc<Registry>, n: usize) {
    let nodes: Vec<Obj<Node>> = (0..n)
        .map(|i| {
            Obj::new(Node {
                name: format!("n{i}"),
                ..Default::default()
            })
        })
        .collect();
    for i in 1..n {
        let parent = if i <= 100 { 0 } else { 1 + i % 100 };
        nodes[parent].append(Node::children, &nodes[i]).unwrap();
    }
    let session = Session::new(engine, registry);
    let start = Instant::now();
    for node in &nodes {
        session.add(node).unwrap();
    }
    let elapsed = start.elapsed();
    eprintln!(
        "add-each {n}: {elapsed:?}, {:.3} us per node",
        elapsed.as_secs_f64() * 1e6 / n as f64
    );
}

/// W2 with the relationship on one side (`one_sided`) or with
/// `back_populates` on both: the build, `add_all` and the commit.
fn w2(engine: &Engine, registry: &Arc<Registry>, n: usize, one_sided: bool) {
    let start = Instant::now();
    let session = if one_sided {
        w2::orm_w2_one_sided(engine, registry, n)
    } else {
        w2::orm_w2_bi(engine, registry, n)
    };
    let elapsed = start.elapsed();
    drop(session);
    let name = if one_sided { "w2" } else { "w2-bi" };
    eprintln!("{name} {n}: {elapsed:?}");
}
