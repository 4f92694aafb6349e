//! A self-referential table (`node.parent_id -> node.id`) at two sizes, the
//! ORM against hand-written rusqlite in the same run: inserting and then
//! cascade-deleting a chain (every node the only child of the previous one)
//! and a wide tree (a root, 100 children, the rest spread under them).
//!
//! The sizes are 10,000 and 100,000 nodes, so the report shows how cost grows
//! with the graph: time per node should stay flat. Both sides use the schema
//! `Registry::schema_sql` produces (which indexes `parent_id`; without that
//! index every DELETE makes SQLite scan the table for rows that still refer
//! to the deleted one, and deleting a tree is quadratic in its size).
//!
//! - `insert`: the ORM builds the nodes with `Obj::new` and `append`, adds
//!   the root and commits (rows parents first, keys copied from the
//!   generated ids); rusqlite inserts the same rows with cached statements
//!   and `last_insert_rowid` in one transaction.
//! - `delete`: the tree is committed in setup; the ORM deletes the root of a
//!   `cascade = "all"` relationship (loaded collections) and commits; rusqlite
//!   deletes the same rows leaves first.
//!
//! - `add_each`: `session.add` called on every node of the wide tree, one by
//!   one (no SQL, so no rusqlite side): it must cost time linear in the
//!   nodes, which once it did not (every `add` walked the whole connected
//!   graph again).
//!
//! Before measuring, both sides run once and must leave the same rows.
//!
//! ```sh
//! cargo bench --bench tree -- --warm-up-time 1 --measurement-time 5
//! ```

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

#[path = "support/mod.rs"]
mod support;

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, SamplingMode};
use orm_core::prelude::*;
use orm_core::Value;
use rusqlite::Connection;
use support::{orm_engine, raw_conn};

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

const SIZES: [usize; 2] = [10_000, 100_000];
const INSERT: &str = "INSERT INTO node (name, parent_id) VALUES (?, ?)";
const DELETE: &str = "DELETE FROM node WHERE id = ?";
const ROWS: &str = "SELECT id, name, parent_id FROM node ORDER BY id";

#[derive(Clone, Copy, Debug)]
enum Shape {
    Chain,
    Wide,
}

impl Shape {
    /// The parent (an index into the nodes, in insertion order) of node `i`.
    fn parent(self, i: usize) -> Option<usize> {
        match (self, i) {
            (_, 0) => None,
            (Shape::Chain, i) => Some(i - 1),
            (Shape::Wide, i) if i <= 100 => Some(0),
            (Shape::Wide, i) => Some(1 + i % 100),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Shape::Chain => "chain",
            Shape::Wide => "wide",
        }
    }
}

/// Node names by index; node `i`'s row id is `i + 1` on both sides.
fn name(i: usize) -> String {
    format!("n{i}")
}

fn registry() -> Arc<Registry> {
    Registry::builder().model::<Node>().build().unwrap()
}

/// The user's work: the nodes, linked with `append`; returns the root.
fn orm_build(shape: Shape, size: usize) -> Obj<Node> {
    let nodes: Vec<Obj<Node>> = (0..size)
        .map(|i| {
            Obj::new(Node {
                name: name(i),
                ..Default::default()
            })
        })
        .collect();
    for (i, node) in nodes.iter().enumerate() {
        if let Some(p) = shape.parent(i) {
            nodes[p].append(Node::children, node).unwrap();
        }
    }
    nodes[0].clone()
}

fn orm_insert(engine: &Engine, registry: &Arc<Registry>, shape: Shape, size: usize) -> Session {
    let session = Session::new(engine, registry);
    let root = orm_build(shape, size);
    session.add(&root).unwrap();
    session.commit().unwrap();
    session
}

fn raw_insert(conn: &mut Connection, shape: Shape, size: usize) {
    let tx = conn.transaction().unwrap();
    {
        let mut insert = tx.prepare_cached(INSERT).unwrap();
        let mut ids = Vec::with_capacity(size);
        for i in 0..size {
            let parent = shape.parent(i).map(|p| ids[p]);
            insert.execute(rusqlite::params![name(i), parent]).unwrap();
            ids.push(tx.last_insert_rowid());
        }
    }
    tx.commit().unwrap();
}

/// The ORM's delete: the root of a loaded, cascading tree.
fn orm_delete(session: &Session) {
    let root = session.get::<Node>(1).unwrap().unwrap();
    session.delete(&root).unwrap();
    session.commit().unwrap();
}

/// The same rows deleted by hand, leaves first (children have higher ids).
fn raw_delete(conn: &mut Connection, size: usize) {
    let tx = conn.transaction().unwrap();
    {
        let mut delete = tx.prepare_cached(DELETE).unwrap();
        for id in (1..=size as i64).rev() {
            delete.execute([id]).unwrap();
        }
    }
    tx.commit().unwrap();
}

type Row = (i64, String, Option<i64>);

fn orm_rows(engine: &Engine) -> Vec<Row> {
    engine
        .query(ROWS, &[])
        .unwrap()
        .into_iter()
        .map(|row| match row.as_slice() {
            [Value::Integer(id), Value::Text(name), parent] => {
                let parent = match parent {
                    Value::Integer(p) => Some(*p),
                    _ => None,
                };
                (*id, name.clone(), parent)
            }
            other => panic!("unexpected row {other:?}"),
        })
        .collect()
}

fn raw_rows(conn: &Connection) -> Vec<Row> {
    let mut stmt = conn.prepare(ROWS).unwrap();
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap();
    rows.collect::<Result<_, _>>().unwrap()
}

/// `(name, parent's name)` of every row, sorted: the ORM inserts in the
/// order of its cascade walk, so ids differ between the sides.
fn by_name(rows: Vec<Row>) -> Vec<(String, Option<String>)> {
    let names: std::collections::HashMap<i64, String> = rows
        .iter()
        .map(|(id, name, _)| (*id, name.clone()))
        .collect();
    let mut out: Vec<_> = rows
        .iter()
        .map(|(_, name, parent)| (name.clone(), parent.map(|p| names[&p].clone())))
        .collect();
    out.sort();
    out
}

/// Both sides once, checking that they leave the same rows.
fn check_same_rows(registry: &Arc<Registry>, shape: Shape, size: usize) {
    let engine = orm_engine(registry);
    let mut conn = raw_conn(registry);
    let session = orm_insert(&engine, registry, shape, size);
    raw_insert(&mut conn, shape, size);
    let inserted = by_name(orm_rows(&engine));
    assert_eq!(inserted.len(), size);
    assert_eq!(inserted, by_name(raw_rows(&conn)), "rows after insert");
    orm_delete(&session);
    raw_delete(&mut conn, size);
    assert!(orm_rows(&engine).is_empty());
    assert!(raw_rows(&conn).is_empty());
}

fn bench_shape(c: &mut Criterion, shape: Shape) {
    let registry = registry();
    for size in SIZES {
        check_same_rows(&registry, shape, size);
    }
    let mut group = c.benchmark_group(format!("tree_{}", shape.name()));
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    for size in SIZES {
        group.bench_with_input(BenchmarkId::new("insert/orm", size), &size, |b, &size| {
            b.iter_batched(
                || orm_engine(&registry),
                |engine| {
                    let session = orm_insert(&engine, &registry, shape, size);
                    black_box((session, engine))
                },
                BatchSize::PerIteration,
            )
        });
        group.bench_with_input(
            BenchmarkId::new("insert/rusqlite", size),
            &size,
            |b, &size| {
                b.iter_batched(
                    || raw_conn(&registry),
                    |mut conn| {
                        raw_insert(&mut conn, shape, size);
                        black_box(conn)
                    },
                    BatchSize::PerIteration,
                )
            },
        );
        group.bench_with_input(BenchmarkId::new("delete/orm", size), &size, |b, &size| {
            b.iter_batched(
                || {
                    let engine = orm_engine(&registry);
                    let session = orm_insert(&engine, &registry, shape, size);
                    (engine, session)
                },
                |(engine, session)| {
                    orm_delete(&session);
                    black_box((session, engine))
                },
                BatchSize::PerIteration,
            )
        });
        group.bench_with_input(
            BenchmarkId::new("delete/rusqlite", size),
            &size,
            |b, &size| {
                b.iter_batched(
                    || {
                        let mut conn = raw_conn(&registry);
                        raw_insert(&mut conn, shape, size);
                        conn
                    },
                    |mut conn| {
                        raw_delete(&mut conn, size);
                        black_box(conn)
                    },
                    BatchSize::PerIteration,
                )
            },
        );
    }
    group.finish();
}

/// `session.add` on every node of a tree, one by one.
fn add_each(c: &mut Criterion) {
    let registry = registry();
    let mut group = c.benchmark_group("add_each");
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    for size in SIZES {
        group.bench_with_input(BenchmarkId::new("orm", size), &size, |b, &size| {
            b.iter_batched(
                || {
                    let engine = orm_engine(&registry);
                    let session = Session::new(&engine, &registry);
                    let root = orm_build(Shape::Wide, size);
                    let mut nodes = vec![root.clone()];
                    let mut next = 0;
                    while next < nodes.len() {
                        let children = nodes[next].get(Node::children).unwrap();
                        nodes.extend(children);
                        next += 1;
                    }
                    (engine, session, nodes)
                },
                |(engine, session, nodes)| {
                    for node in &nodes {
                        session.add(node).unwrap();
                    }
                    assert_eq!(nodes.len(), size);
                    black_box((session, engine, nodes))
                },
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

fn chain(c: &mut Criterion) {
    bench_shape(c, Shape::Chain);
}

fn wide(c: &mut Criterion) {
    bench_shape(c, Shape::Wide);
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .without_plots()
}

criterion_group! {
    name = benches;
    config = config();
    targets = chain, wide, add_each
}
criterion_main!(benches);
