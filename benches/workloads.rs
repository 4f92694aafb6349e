//! Workloads W1-W5 of the performance issue on in-memory SQLite: the ORM
//! against hand-written rusqlite, side by side in one run.
//!
//! Each group has an `orm` side (objects, relationships, `add`/`add_all`,
//! `commit`, queries with `options(selectin(..))`, as a user writes them)
//! and a `rusqlite` side doing the same SQL work by hand: one transaction,
//! `prepare_cached` statements, keys read back with `last_insert_rowid`.
//! Both sides use the tables `Registry::schema_sql` makes, on private
//! in-memory databases with `PRAGMA foreign_keys = ON`. Before measuring,
//! each group runs both sides once and checks that they leave the same rows
//! (or load the same data).
//!
//! - `w1_insert`: `P` parents with 5 children each through
//!   `Parent.children`, one commit, at P = 2,000 and 20,000 (and 200,000
//!   with `ORM_BENCH_SCALE=10`); the throughput is rows, so criterion
//!   prints time per row.
//! - `w1_insert_file`: W1 at 2,000 and 20,000 parents on a database file
//!   in WAL mode with `synchronous = NORMAL` (a fresh file per iteration).
//! - `w2_m2m_one_sided` / `w2_m2m_back_populates`: `N` lefts and `N`
//!   rights, each left linked to 10 rights through an association table
//!   the user never touches; the relationship on the left only, or with
//!   `back_populates` on both sides. N = 1,000 (10,000 with the scale).
//! - `w2_add_one_by_one`: W2 with `back_populates`, every object added on
//!   its own as soon as it is made, at N = 1,000 and 10,000: time per
//!   object and link must stay flat.
//! - `w3_load_lazy` / `w3_load_selectin`: 2,000 parents and their 10,000
//!   children: one query per parent, or one for all.
//! - `w4_delete`: of 2,000 parents with 5 children and 2 tags each, delete
//!   1,000 whose collections are not loaded: children un-parented,
//!   association rows deleted.
//! - `w5_update`: change one column on 20,000 loaded objects, commit.
//! - memory: a counting global allocator measures the bytes allocated at
//!   peak while W1 runs at 20,000 parents through each side, printed per
//!   object (and SQLite's own heap high-water mark, which the counting
//!   allocator does not see).
//!
//! Setup (fresh databases, populating, loading W5's objects) is not
//! measured, and routines return what they built so dropping it is not
//! measured either.
//!
//! ```sh
//! cargo bench --bench workloads
//! ORM_BENCH_SCALE=10 cargo bench --bench workloads
//! cargo bench --bench workloads -- --test   # each routine once
//! ```

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

#[path = "support/mod.rs"]
mod support;
#[path = "support/w2.rs"]
mod w2;

use criterion::{
    criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, SamplingMode, Throughput,
};
use orm_core::prelude::*;
use orm_core::{selectin, Value};
use rusqlite::{params, params_from_iter, Connection};
use support::{orm_engine, raw_conn};
use w2::{orm_w2_bi, orm_w2_one_sided, right_of, BiLeft, BiRight, LeftItem, LINKS};

// ------------------------------------------------------- counting allocator

/// The system allocator, counting the bytes live now and at peak.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = System.realloc(ptr, layout, new_size);
        if !p.is_null() {
            if new_size >= layout.size() {
                let grow = new_size - layout.size();
                let live = LIVE.fetch_add(grow, Ordering::Relaxed) + grow;
                PEAK.fetch_max(live, Ordering::Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `f` and returns what it built with the peak bytes allocated (by
/// Rust, and by SQLite's own allocator) above what was live before.
fn peak_of<R>(f: impl FnOnce() -> R) -> (R, usize, usize) {
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    // SAFETY: plain calls into SQLite's memory statistics.
    let sqlite_before = unsafe {
        rusqlite::ffi::sqlite3_memory_highwater(1);
        rusqlite::ffi::sqlite3_memory_used()
    };
    let out = f();
    let peak = PEAK.load(Ordering::Relaxed) - before;
    let sqlite_peak = unsafe { rusqlite::ffi::sqlite3_memory_highwater(0) } - sqlite_before;
    (out, peak, sqlite_peak.max(0) as usize)
}

// ------------------------------------------------------------------ models

#[derive(Model, Debug, Default)]
#[model(table = "parent")]
pub struct Parent {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    #[relationship(back_populates = "parent")]
    pub children: Many<Child>,
    #[relationship(secondary = ParentTag)]
    pub tags: Many<Tag>,
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

#[derive(Model, Debug, Default)]
#[model(table = "tag")]
pub struct Tag {
    #[column(primary_key)]
    pub id: Option<i64>,
    pub name: String,
}

#[derive(Table)]
pub struct ParentTag {
    #[column(primary_key, foreign_key = "parent.id")]
    pub parent_id: i64,
    #[column(primary_key, foreign_key = "tag.id")]
    pub tag_id: i64,
}

const CHILDREN: usize = 5;
const TAGS: usize = 100;
const TAGS_PER_PARENT: usize = 2;

fn scale() -> usize {
    std::env::var("ORM_BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1)
}

fn registry() -> Arc<Registry> {
    Registry::builder()
        .model::<Parent>()
        .model::<LeftItem>()
        .model::<BiLeft>()
        .build()
        .unwrap()
}

fn parent_name(i: usize) -> String {
    format!("p{i}")
}

fn child_name(i: usize, j: usize) -> String {
    format!("c{i}_{j}")
}

// --------------------------------------------------------------- databases

/// Either side's database, for populating (not measured) and checking.
trait Db {
    fn run_many(&self, sql: &str, rows: Vec<Vec<Value>>);
    fn int(&self, sql: &str) -> i64;
}

impl Db for Engine {
    fn run_many(&self, sql: &str, rows: Vec<Vec<Value>>) {
        self.execute("BEGIN", &[]).unwrap();
        self.execute_many(sql, &rows).unwrap();
        self.execute("COMMIT", &[]).unwrap();
    }

    fn int(&self, sql: &str) -> i64 {
        match self.query(sql, &[]).unwrap()[0][0] {
            Value::Integer(i) => i,
            Value::Null => 0,
            ref other => panic!("unexpected {other}"),
        }
    }
}

impl Db for Connection {
    fn run_many(&self, sql: &str, rows: Vec<Vec<Value>>) {
        let tx = self.unchecked_transaction().unwrap();
        {
            let mut stmt = tx.prepare_cached(sql).unwrap();
            for row in rows {
                let row = row.into_iter().map(|v| match v {
                    Value::Integer(i) => rusqlite::types::Value::Integer(i),
                    Value::Text(s) => rusqlite::types::Value::Text(s),
                    other => panic!("unexpected {other}"),
                });
                stmt.execute(params_from_iter(row)).unwrap();
            }
        }
        tx.commit().unwrap();
    }

    fn int(&self, sql: &str) -> i64 {
        self.query_row(sql, [], |r| r.get::<_, Option<i64>>(0))
            .unwrap()
            .unwrap_or(0)
    }
}

/// `parents` parents with 5 children each (keys 1..), and with `tags` each
/// parent linked to 2 of 100 tags.
fn populate(db: &dyn Db, parents: usize, tags: bool) {
    db.run_many(
        "INSERT INTO parent (id, name) VALUES (?, ?)",
        (0..parents)
            .map(|i| vec![Value::Integer(i as i64 + 1), Value::Text(parent_name(i))])
            .collect(),
    );
    db.run_many(
        "INSERT INTO child (name, parent_id) VALUES (?, ?)",
        (0..parents * CHILDREN)
            .map(|n| {
                let (i, j) = (n / CHILDREN, n % CHILDREN);
                vec![Value::Text(child_name(i, j)), Value::Integer(i as i64 + 1)]
            })
            .collect(),
    );
    if tags {
        db.run_many(
            "INSERT INTO tag (id, name) VALUES (?, ?)",
            (0..TAGS)
                .map(|t| vec![Value::Integer(t as i64 + 1), Value::Text(format!("t{t}"))])
                .collect(),
        );
        db.run_many(
            "INSERT INTO parent_tag (parent_id, tag_id) VALUES (?, ?)",
            (0..parents * TAGS_PER_PARENT)
                .map(|n| {
                    let (i, k) = (n / TAGS_PER_PARENT, n % TAGS_PER_PARENT);
                    let tag = (i * 3 + k * 50) % TAGS;
                    vec![Value::Integer(i as i64 + 1), Value::Integer(tag as i64 + 1)]
                })
                .collect(),
        );
    }
}

/// What a workload left: row counts and checksums, on every table.
fn fingerprint(db: &dyn Db) -> Vec<i64> {
    [
        "SELECT count(*) FROM parent",
        "SELECT sum(length(name)) FROM parent",
        "SELECT count(*) FROM child",
        "SELECT count(*) FROM child WHERE parent_id IS NULL",
        "SELECT count(DISTINCT name) FROM child",
        "SELECT sum(length(name)) FROM child",
        // Every child under the parent whose name it carries.
        "SELECT count(*) FROM child c JOIN parent p ON p.id = c.parent_id \
         WHERE c.name LIKE 'c' || substr(p.name, 2) || '\\_%' ESCAPE '\\'",
        "SELECT count(*) FROM parent_tag",
        "SELECT sum(parent_id * 7 + tag_id) FROM parent_tag",
        "SELECT count(*) FROM left_item",
        "SELECT count(*) FROM right_item",
        "SELECT count(*) FROM link",
        "SELECT sum(l.id * 7 + r.id) FROM link k JOIN left_item l ON l.id = k.left_id \
         JOIN right_item r ON r.id = k.right_id",
        "SELECT count(*) FROM bi_left",
        "SELECT count(*) FROM bi_right",
        "SELECT count(*) FROM bi_link",
        "SELECT sum(left_id * 7 + right_id) FROM bi_link",
    ]
    .iter()
    .map(|sql| db.int(sql))
    .collect()
}

/// The (left name, right name) pairs of W2, sorted: keys may differ between
/// the sides, names may not.
fn link_pairs(db: &dyn Db, bi: bool) -> i64 {
    let (link, left, right) = if bi {
        ("bi_link", "bi_left", "bi_right")
    } else {
        ("link", "left_item", "right_item")
    };
    db.int(&format!(
        "SELECT sum(length(l.name) * 1000003 + CAST(substr(l.name, 2) AS INTEGER) * 1009 \
         + CAST(substr(r.name, 2) AS INTEGER)) FROM {link} k \
         JOIN {left} l ON l.id = k.left_id JOIN {right} r ON r.id = k.right_id"
    ))
}

// --------------------------------------------------------------- W1 insert

fn orm_w1(
    engine: &Engine,
    registry: &Arc<Registry>,
    parents: usize,
) -> (Session, Vec<Obj<Parent>>) {
    let session = Session::new(engine, registry);
    let graph: Vec<Obj<Parent>> = (0..parents)
        .map(|i| {
            let parent = Obj::new(Parent {
                name: parent_name(i),
                ..Default::default()
            });
            for j in 0..CHILDREN {
                let child = Obj::new(Child {
                    name: child_name(i, j),
                    ..Default::default()
                });
                parent.append(Parent::children, &child).unwrap();
            }
            parent
        })
        .collect();
    session.add_all(&graph).unwrap();
    session.commit().unwrap();
    (session, graph)
}

fn raw_w1(conn: &mut Connection, parents: usize) {
    let tx = conn.transaction().unwrap();
    {
        let mut insert_parent = tx
            .prepare_cached("INSERT INTO parent (name) VALUES (?)")
            .unwrap();
        let mut insert_child = tx
            .prepare_cached("INSERT INTO child (name, parent_id) VALUES (?, ?)")
            .unwrap();
        for i in 0..parents {
            insert_parent.execute([parent_name(i)]).unwrap();
            let id = tx.last_insert_rowid();
            for j in 0..CHILDREN {
                insert_child.execute(params![child_name(i, j), id]).unwrap();
            }
        }
    }
    tx.commit().unwrap();
}

fn w1_sizes() -> Vec<usize> {
    let mut sizes = vec![2_000, 20_000];
    if scale() >= 10 {
        sizes.push(200_000);
    }
    sizes
}

fn w1_insert(c: &mut Criterion) {
    let registry = registry();
    let mut group = c.benchmark_group("w1_insert");
    group.sampling_mode(SamplingMode::Flat);
    for n in w1_sizes() {
        {
            let engine = orm_engine(&registry);
            drop(orm_w1(&engine, &registry, n));
            let mut conn = raw_conn(&registry);
            raw_w1(&mut conn, n);
            let orm = fingerprint(&engine);
            assert_eq!(orm, fingerprint(&conn), "W1 at {n}: different rows");
            assert_eq!(orm[2], (n * CHILDREN) as i64);
            assert_eq!(orm[6], (n * CHILDREN) as i64);
        }
        group.throughput(Throughput::Elements((n * (1 + CHILDREN)) as u64));
        group.bench_with_input(BenchmarkId::new("orm", n), &n, |b, &n| {
            b.iter_batched(
                || orm_engine(&registry),
                |engine| (orm_w1(&engine, &registry, n), engine),
                BatchSize::PerIteration,
            )
        });
        group.bench_with_input(BenchmarkId::new("rusqlite", n), &n, |b, &n| {
            b.iter_batched(
                || raw_conn(&registry),
                |mut conn| {
                    raw_w1(&mut conn, n);
                    conn
                },
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

/// A fresh database file for one iteration: WAL, `synchronous = NORMAL`
/// (set by each side), the registry's schema. Removed when dropped.
struct DbFile(std::path::PathBuf);

impl DbFile {
    fn new(registry: &Registry) -> DbFile {
        use std::sync::atomic::AtomicUsize;
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("orm-bench-w1-{}-{n}.db", std::process::id()));
        let file = DbFile(path);
        file.remove();
        let conn = Connection::open(&file.0).unwrap();
        conn.execute_batch("PRAGMA journal_mode = WAL").unwrap();
        for sql in registry.schema_sql(&orm_sqlite::SqliteDialect) {
            conn.execute_batch(&sql).unwrap();
        }
        file
    }

    fn orm(&self) -> Engine {
        orm_sqlite::SqliteOptions::new()
            .wal(true)
            .synchronous(orm_sqlite::Synchronous::Normal)
            .open(&self.0)
            .unwrap()
    }

    fn rusqlite(&self) -> Connection {
        let conn = Connection::open(&self.0).unwrap();
        conn.execute_batch(
            "PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL",
        )
        .unwrap();
        conn
    }

    fn remove(&self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
        }
    }
}

impl Drop for DbFile {
    fn drop(&mut self) {
        self.remove();
    }
}

/// W1 on a database file (WAL, `synchronous = NORMAL`) at 2,000 and
/// 20,000 parents.
fn w1_insert_file(c: &mut Criterion) {
    let registry = registry();
    let mut group = c.benchmark_group("w1_insert_file");
    group.sampling_mode(SamplingMode::Flat);
    for n in [2_000, 20_000] {
        {
            let (orm_file, raw_file) = (DbFile::new(&registry), DbFile::new(&registry));
            let engine = orm_file.orm();
            drop(orm_w1(&engine, &registry, n));
            let mut conn = raw_file.rusqlite();
            raw_w1(&mut conn, n);
            assert_eq!(
                fingerprint(&engine),
                fingerprint(&conn),
                "W1 on a file at {n}: different rows"
            );
        }
        group.throughput(Throughput::Elements((n * (1 + CHILDREN)) as u64));
        group.bench_with_input(BenchmarkId::new("orm", n), &n, |b, &n| {
            b.iter_batched(
                || {
                    let file = DbFile::new(&registry);
                    let engine = file.orm();
                    (file, engine)
                },
                |(file, engine)| (orm_w1(&engine, &registry, n), engine, file),
                BatchSize::PerIteration,
            )
        });
        group.bench_with_input(BenchmarkId::new("rusqlite", n), &n, |b, &n| {
            b.iter_batched(
                || {
                    let file = DbFile::new(&registry);
                    let conn = file.rusqlite();
                    (file, conn)
                },
                |(file, mut conn)| {
                    raw_w1(&mut conn, n);
                    (conn, file)
                },
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

/// Peak bytes per object of W1 at 20,000 parents, through each side.
fn w1_memory(_c: &mut Criterion) {
    let registry = registry();
    let n = 20_000;
    let objects = n * (1 + CHILDREN);
    let engine = orm_engine(&registry);
    let (built, orm_rust, orm_sqlite) = peak_of(|| orm_w1(&engine, &registry, n));
    drop(built);
    drop(engine);
    let mut conn = raw_conn(&registry);
    let ((), raw_rust, raw_sqlite) = peak_of(|| raw_w1(&mut conn, n));
    drop(conn);
    let per = |bytes: usize| bytes as f64 / objects as f64;
    eprintln!(
        "memory W1 {n}x{CHILDREN} ({objects} objects): Rust heap at peak: orm {:.1} MB = {:.0} B/object, \
         rusqlite {:.1} MB = {:.0} B/object; SQLite heap high-water: orm {:.1} MB = {:.0} B/object, \
         rusqlite {:.1} MB = {:.0} B/object; size_of Parent {} B, Child {} B",
        orm_rust as f64 / 1e6,
        per(orm_rust),
        raw_rust as f64 / 1e6,
        per(raw_rust),
        orm_sqlite as f64 / 1e6,
        per(orm_sqlite),
        raw_sqlite as f64 / 1e6,
        per(raw_sqlite),
        std::mem::size_of::<Parent>(),
        std::mem::size_of::<Child>(),
    );
}

// ---------------------------------------------------------- W2 many-to-many

/// W2 with `back_populates`, each object added to the session on its own
/// as soon as it is made, and linked after it is in the session: the shape
/// in which a cascade that re-walked the objects already in the session
/// would make adding quadratic.
fn orm_w2_bi_one_by_one(engine: &Engine, registry: &Arc<Registry>, n: usize) -> Session {
    let session = Session::new(engine, registry);
    let rights: Vec<Obj<BiRight>> = (0..n)
        .map(|i| {
            let right = Obj::new(BiRight {
                name: format!("r{i}"),
                ..Default::default()
            });
            session.add(&right).unwrap();
            right
        })
        .collect();
    for i in 0..n {
        let left = Obj::new(BiLeft {
            name: format!("l{i}"),
            ..Default::default()
        });
        session.add(&left).unwrap();
        for k in 0..LINKS {
            left.append(BiLeft::rights, &rights[right_of(i, k, n)])
                .unwrap();
        }
    }
    session.commit().unwrap();
    session
}

fn raw_w2(conn: &mut Connection, n: usize, bi: bool) {
    let (link, left, right) = if bi {
        ("bi_link", "bi_left", "bi_right")
    } else {
        ("link", "left_item", "right_item")
    };
    let tx = conn.transaction().unwrap();
    {
        let mut insert_right = tx
            .prepare_cached(&format!("INSERT INTO {right} (name) VALUES (?)"))
            .unwrap();
        let mut insert_left = tx
            .prepare_cached(&format!("INSERT INTO {left} (name) VALUES (?)"))
            .unwrap();
        let mut insert_link = tx
            .prepare_cached(&format!(
                "INSERT INTO {link} (left_id, right_id) VALUES (?, ?)"
            ))
            .unwrap();
        let rights: Vec<i64> = (0..n)
            .map(|i| {
                insert_right.execute([format!("r{i}")]).unwrap();
                tx.last_insert_rowid()
            })
            .collect();
        let lefts: Vec<i64> = (0..n)
            .map(|i| {
                insert_left.execute([format!("l{i}")]).unwrap();
                tx.last_insert_rowid()
            })
            .collect();
        for (i, left) in lefts.iter().enumerate() {
            for k in 0..LINKS {
                insert_link
                    .execute([left, &rights[right_of(i, k, n)]])
                    .unwrap();
            }
        }
    }
    tx.commit().unwrap();
}

fn w2_many_to_many(c: &mut Criterion) {
    let registry = registry();
    let n = 1_000 * scale();
    for bi in [false, true] {
        let orm = |engine: &Engine| {
            if bi {
                orm_w2_bi(engine, &registry, n)
            } else {
                orm_w2_one_sided(engine, &registry, n)
            }
        };
        {
            let engine = orm_engine(&registry);
            drop(orm(&engine));
            let mut conn = raw_conn(&registry);
            raw_w2(&mut conn, n, bi);
            assert_eq!(
                fingerprint(&engine),
                fingerprint(&conn),
                "W2 at {n}: different rows"
            );
            assert_eq!(link_pairs(&engine, bi), link_pairs(&conn, bi));
            let links = if bi { "bi_link" } else { "link" };
            assert_eq!(
                engine.int(&format!("SELECT count(*) FROM {links}")),
                (n * LINKS) as i64
            );
        }
        let name = if bi { "back_populates" } else { "one_sided" };
        let mut group = c.benchmark_group(format!("w2_m2m_{name}_{n}+{n}x{LINKS}"));
        group.sampling_mode(SamplingMode::Flat);
        group.bench_function("orm", |b| {
            b.iter_batched(
                || orm_engine(&registry),
                |engine| (orm(&engine), engine),
                BatchSize::PerIteration,
            )
        });
        group.bench_function("rusqlite", |b| {
            b.iter_batched(
                || raw_conn(&registry),
                |mut conn| {
                    raw_w2(&mut conn, n, bi);
                    conn
                },
                BatchSize::PerIteration,
            )
        });
        group.finish();
    }
}

/// W2 with `back_populates`, objects added one by one, at N and 10 N: the
/// time per object must stay flat (the issue's quadratic `add`).
fn w2_add_one_by_one(c: &mut Criterion) {
    let registry = registry();
    let mut group = c.benchmark_group("w2_add_one_by_one");
    group.sampling_mode(SamplingMode::Flat);
    for n in [1_000, 10_000] {
        {
            let engine = orm_engine(&registry);
            drop(orm_w2_bi_one_by_one(&engine, &registry, n));
            let mut conn = raw_conn(&registry);
            raw_w2(&mut conn, n, true);
            assert_eq!(
                fingerprint(&engine),
                fingerprint(&conn),
                "W2 one by one at {n}: different rows"
            );
            assert_eq!(link_pairs(&engine, true), link_pairs(&conn, true));
        }
        // Objects and links: what grows with n.
        group.throughput(Throughput::Elements((n * (2 + LINKS)) as u64));
        group.bench_with_input(BenchmarkId::new("orm", n), &n, |b, &n| {
            b.iter_batched(
                || orm_engine(&registry),
                |engine| (orm_w2_bi_one_by_one(&engine, &registry, n), engine),
                BatchSize::PerIteration,
            )
        });
        group.bench_with_input(BenchmarkId::new("rusqlite", n), &n, |b, &n| {
            b.iter_batched(
                || raw_conn(&registry),
                |mut conn| {
                    raw_w2(&mut conn, n, true);
                    conn
                },
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

// ------------------------------------------------------------------ W3 load

/// `(parent id, parent name, [(child id, child name)])`, children sorted.
type Loaded = Vec<(i64, String, Vec<(i64, String)>)>;

fn orm_w3(session: &Session, eager: bool) -> Vec<(Obj<Parent>, Vec<Obj<Child>>)> {
    let query = session.query::<Parent>().order_by(Parent::id);
    let parents = if eager {
        query.options(selectin(Parent::children)).all().unwrap()
    } else {
        query.all().unwrap()
    };
    parents
        .into_iter()
        .map(|p| {
            let children = p.get(Parent::children).unwrap();
            (p, children)
        })
        .collect()
}

fn orm_loaded(loaded: &[(Obj<Parent>, Vec<Obj<Child>>)]) -> Loaded {
    loaded
        .iter()
        .map(|(p, children)| {
            let mut children: Vec<(i64, String)> = children
                .iter()
                .map(|c| (c.borrow().id.unwrap(), c.borrow().name.clone()))
                .collect();
            children.sort();
            let p = p.borrow();
            (p.id.unwrap(), p.name.clone(), children)
        })
        .collect()
}

fn raw_w3(conn: &Connection, eager: bool) -> Loaded {
    let mut select_parents = conn
        .prepare_cached("SELECT id, name FROM parent ORDER BY id")
        .unwrap();
    let parents: Vec<(i64, String)> = select_parents
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    if eager {
        let placeholders = vec!["?"; parents.len()].join(", ");
        let mut select = conn
            .prepare(&format!(
                "SELECT id, name, parent_id FROM child WHERE parent_id IN ({placeholders})"
            ))
            .unwrap();
        let mut by_parent: HashMap<i64, Vec<(i64, String)>> = HashMap::new();
        let mut rows = select
            .query(params_from_iter(parents.iter().map(|(id, _)| id)))
            .unwrap();
        while let Some(row) = rows.next().unwrap() {
            by_parent
                .entry(row.get(2).unwrap())
                .or_default()
                .push((row.get(0).unwrap(), row.get(1).unwrap()));
        }
        parents
            .into_iter()
            .map(|(id, name)| (id, name, by_parent.remove(&id).unwrap_or_default()))
            .collect()
    } else {
        let mut select = conn
            .prepare_cached("SELECT id, name, parent_id FROM child WHERE parent_id = ?")
            .unwrap();
        parents
            .into_iter()
            .map(|(id, name)| {
                let children = select
                    .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))
                    .unwrap()
                    .collect::<Result<_, _>>()
                    .unwrap();
                (id, name, children)
            })
            .collect()
    }
}

fn w3_load(c: &mut Criterion) {
    let registry = registry();
    let n = 2_000;
    let engine = orm_engine(&registry);
    populate(&engine, n, false);
    let conn = raw_conn(&registry);
    populate(&conn, n, false);
    for eager in [false, true] {
        let orm = orm_loaded(&orm_w3(&Session::new(&engine, &registry), eager));
        let mut raw = raw_w3(&conn, eager);
        for (_, _, children) in &mut raw {
            children.sort();
        }
        assert_eq!(orm, raw, "W3: different data");
        assert_eq!(orm.len(), n);
        assert_eq!(
            orm.iter().map(|(_, _, c)| c.len()).sum::<usize>(),
            n * CHILDREN
        );

        let name = if eager { "selectin" } else { "lazy" };
        let mut group = c.benchmark_group(format!("w3_load_{name}_{n}x{CHILDREN}"));
        group.sampling_mode(SamplingMode::Flat);
        group.bench_function("orm", |b| {
            b.iter_batched(
                || Session::new(&engine, &registry),
                |session| (orm_w3(&session, eager), session),
                BatchSize::PerIteration,
            )
        });
        group.bench_function("rusqlite", |b| {
            b.iter_batched(|| (), |()| raw_w3(&conn, eager), BatchSize::PerIteration)
        });
        group.finish();
    }
}

// ---------------------------------------------------------------- W4 delete

const W4_PARENTS: usize = 2_000;
const W4_DELETED: usize = 1_000;

fn orm_w4(engine: &Engine, registry: &Arc<Registry>, deleted: usize) -> Session {
    let session = Session::new(engine, registry);
    let parents = session
        .query::<Parent>()
        .order_by(Parent::id)
        .limit(deleted as u64)
        .all()
        .unwrap();
    for parent in &parents {
        session.delete(parent).unwrap();
    }
    session.commit().unwrap();
    session
}

fn raw_w4(conn: &mut Connection, deleted: usize) {
    let tx = conn.transaction().unwrap();
    {
        let mut select_parents = tx
            .prepare_cached("SELECT id, name FROM parent ORDER BY id LIMIT ?")
            .unwrap();
        let parents: Vec<i64> = select_parents
            .query_map([deleted as i64], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let mut select_children = tx
            .prepare_cached("SELECT id, name, parent_id FROM child WHERE parent_id = ?")
            .unwrap();
        let mut clear = tx
            .prepare_cached("UPDATE child SET parent_id = ? WHERE id = ?")
            .unwrap();
        let mut unlink = tx
            .prepare_cached("DELETE FROM parent_tag WHERE parent_id = ?")
            .unwrap();
        let mut delete = tx
            .prepare_cached("DELETE FROM parent WHERE id = ?")
            .unwrap();
        let mut children = Vec::new();
        for p in &parents {
            let rows = select_children
                .query_map([p], |r| r.get::<_, i64>(0))
                .unwrap();
            for child in rows {
                children.push(child.unwrap());
            }
        }
        for child in &children {
            clear.execute(params![None::<i64>, child]).unwrap();
        }
        for p in &parents {
            unlink.execute([p]).unwrap();
        }
        for p in &parents {
            assert_eq!(delete.execute([p]).unwrap(), 1);
        }
    }
    tx.commit().unwrap();
}

fn w4_delete(c: &mut Criterion) {
    let registry = registry();
    let orm_populated = || {
        let engine = orm_engine(&registry);
        populate(&engine, W4_PARENTS, true);
        engine
    };
    let raw_populated = || {
        let conn = raw_conn(&registry);
        populate(&conn, W4_PARENTS, true);
        conn
    };
    {
        let engine = orm_populated();
        drop(orm_w4(&engine, &registry, W4_DELETED));
        let mut conn = raw_populated();
        raw_w4(&mut conn, W4_DELETED);
        let orm = fingerprint(&engine);
        assert_eq!(orm, fingerprint(&conn), "W4: different rows");
        assert_eq!(orm[0], (W4_PARENTS - W4_DELETED) as i64);
        assert_eq!(orm[3], (W4_DELETED * CHILDREN) as i64);
        assert_eq!(orm[7], ((W4_PARENTS - W4_DELETED) * TAGS_PER_PARENT) as i64);
    }

    let mut group = c.benchmark_group(format!("w4_delete_{W4_DELETED}_of_{W4_PARENTS}x{CHILDREN}"));
    group.sampling_mode(SamplingMode::Flat);
    group.bench_function("orm", |b| {
        b.iter_batched(
            orm_populated,
            |engine| (orm_w4(&engine, &registry, W4_DELETED), engine),
            BatchSize::PerIteration,
        )
    });
    group.bench_function("rusqlite", |b| {
        b.iter_batched(
            raw_populated,
            |mut conn| {
                raw_w4(&mut conn, W4_DELETED);
                conn
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

// ---------------------------------------------------------------- W5 update

const W5_ROWS: usize = 20_000;

fn new_name(generation: u64, i: usize) -> String {
    format!("u{generation}_{i}")
}

fn orm_w5_load(engine: &Engine, registry: &Arc<Registry>) -> (Session, Vec<Obj<Child>>) {
    let session = Session::new(engine, registry);
    let children = session.query::<Child>().order_by(Child::id).all().unwrap();
    (session, children)
}

fn orm_w5(session: &Session, children: &[Obj<Child>], generation: u64) {
    for (i, child) in children.iter().enumerate() {
        child.borrow_mut().name = new_name(generation, i);
    }
    session.commit().unwrap();
}

fn raw_w5(conn: &mut Connection, ids: &[i64], generation: u64) {
    let tx = conn.transaction().unwrap();
    {
        let mut update = tx
            .prepare_cached("UPDATE child SET name = ? WHERE id = ?")
            .unwrap();
        for (i, id) in ids.iter().enumerate() {
            assert_eq!(
                update
                    .execute(params![new_name(generation, i), id])
                    .unwrap(),
                1
            );
        }
    }
    tx.commit().unwrap();
}

fn w5_update(c: &mut Criterion) {
    let registry = registry();
    // One database per side for the whole group: every iteration writes
    // names of a new generation, so every row changes every time.
    let engine = orm_engine(&registry);
    populate(&engine, W5_ROWS / CHILDREN, false);
    let mut conn = raw_conn(&registry);
    populate(&conn, W5_ROWS / CHILDREN, false);
    let ids: Vec<i64> = {
        let mut stmt = conn.prepare("SELECT id FROM child ORDER BY id").unwrap();
        let ids = stmt
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        ids
    };
    {
        let (session, children) = orm_w5_load(&engine, &registry);
        assert_eq!(children.len(), W5_ROWS);
        orm_w5(&session, &children, 0);
        drop((children, session));
        raw_w5(&mut conn, &ids, 0);
        assert_eq!(
            fingerprint(&engine),
            fingerprint(&conn),
            "W5: different rows"
        );
        assert_eq!(
            engine.int("SELECT count(*) FROM child WHERE name LIKE 'u0\\_%' ESCAPE '\\'"),
            W5_ROWS as i64
        );
    }

    let mut group = c.benchmark_group(format!("w5_update_{W5_ROWS}"));
    group.sampling_mode(SamplingMode::Flat);
    let mut generation = 0;
    group.bench_function("orm", |b| {
        b.iter_batched(
            || {
                generation += 1;
                let (session, children) = orm_w5_load(&engine, &registry);
                (session, children, generation)
            },
            |(session, children, generation)| {
                orm_w5(&session, &children, generation);
                (children, session)
            },
            BatchSize::PerIteration,
        )
    });
    group.bench_function("rusqlite", |b| {
        b.iter_batched(
            || {
                generation += 1;
                generation
            },
            |generation| raw_w5(&mut conn, &ids, generation),
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .without_plots()
}

criterion_group! {
    name = benches;
    config = config();
    targets = w1_memory, w1_insert, w1_insert_file, w2_many_to_many, w2_add_one_by_one, w3_load, w4_delete, w5_update
}
criterion_main!(benches);
