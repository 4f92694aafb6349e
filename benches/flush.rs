//! The ORM against hand-written rusqlite, side by side on the same workload.
//!
//! Every group has an `orm` and a `rusqlite` function (and `insert_graph` a
//! third, `orm_flush_only`), measured in the same run. The rusqlite side is
//! the practical limit: one transaction, `prepare_cached` statements, the
//! same SQL text and the same rows as the ORM emits. Both sides use the schema
//! `Registry::schema_sql` produces, on a private in-memory database
//! with `PRAGMA foreign_keys = ON`.
//!
//! Building and tearing down databases, sessions and object graphs is done in
//! `iter_batched` setup (not measured), and the routines return what they
//! built so that dropping it is not measured either (for the ORM the session
//! drop runs the cycle release of `cycles.rs`, which is left out).
//!
//! - `insert_graph`: 100 parents with 10 children each, FK copied from the
//!   generated parent id, one commit. `orm` includes building the graph with
//!   `Obj::new`/`append` (the user's work); `orm_flush_only` builds it in
//!   setup and measures `session.add` + `commit` alone.
//! - `update_scalars`: 1000 loaded rows, one column changed on each, commit.
//! - `load_children`: all 100 parents, then each one's children (1 + 100
//!   SELECTs, N+1 by design: lazy loading).
//! - `delete_parents`: delete 100 parents whose children are not loaded; the
//!   ORM loads them (100 SELECTs), sets their FK to NULL (1000 UPDATEs) and
//!   deletes the parents (100 DELETEs).
//!
//! Before measuring, each group runs both sides once and checks that they
//! leave the same rows (or load the same data).
//!
//! ```sh
//! cargo bench --bench flush -- --warm-up-time 1 --measurement-time 2
//! ```

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

#[path = "support/mod.rs"]
mod support;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, SamplingMode};
use orm_core::prelude::*;
use orm_core::Value;
use rusqlite::{params, Connection};
use support::{orm_engine, raw_conn};

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

const PARENTS: usize = 100;
const CHILDREN: usize = 10;

/// `(id, name, parent_id)` of a child row.
type ChildRow = (i64, String, Option<i64>);
/// `(id, name)` of a parent row.
type ParentRow = (i64, String);

const INSERT_PARENT: &str = "INSERT INTO parent (name) VALUES (?)";
const INSERT_CHILD: &str = "INSERT INTO child (name, parent_id) VALUES (?, ?)";
const SELECT_PARENTS: &str = "SELECT id, name FROM parent";
const SELECT_CHILDREN_OF: &str = "SELECT id, name, parent_id FROM child WHERE parent_id = ?";
const SELECT_ALL_CHILDREN: &str = "SELECT id, name, parent_id FROM child ORDER BY id";
const UPDATE_NAME: &str = "UPDATE child SET name = ? WHERE id = ?";
const UPDATE_PARENT_ID: &str = "UPDATE child SET parent_id = ? WHERE id = ?";
const DELETE_PARENT: &str = "DELETE FROM parent WHERE id = ?";

fn parent_name(i: usize) -> String {
    format!("p{i}")
}

fn child_name(i: usize, j: usize) -> String {
    format!("c{i}_{j}")
}

fn new_name(generation: u64, i: usize) -> String {
    format!("u{generation}_{i}")
}

// ---------------------------------------------------------------- databases

fn registry() -> Arc<Registry> {
    Registry::builder().model::<Parent>().build().unwrap()
}

/// Fills an ORM engine with the 100 x 10 rows, without a session (setup).
fn orm_populate(engine: &Engine) {
    engine.execute("BEGIN", &[]).unwrap();
    for i in 0..PARENTS {
        let pid = engine
            .execute(INSERT_PARENT, &[Value::Text(parent_name(i))])
            .unwrap()
            .last_insert_id
            .unwrap();
        for j in 0..CHILDREN {
            engine
                .execute(
                    INSERT_CHILD,
                    &[Value::Text(child_name(i, j)), Value::Integer(pid)],
                )
                .unwrap();
        }
    }
    engine.execute("COMMIT", &[]).unwrap();
}

/// A populated ORM engine (setup).
fn orm_populated(registry: &Registry) -> Engine {
    let engine = orm_engine(registry);
    orm_populate(&engine);
    engine
}

/// A populated rusqlite connection (setup): the same rows as `orm_populate`.
fn raw_populated(registry: &Registry) -> Connection {
    let mut conn = raw_conn(registry);
    raw_insert_graph(&mut conn);
    conn
}

fn orm_child_rows(engine: &Engine) -> Vec<ChildRow> {
    engine
        .query(SELECT_ALL_CHILDREN, &[])
        .unwrap()
        .into_iter()
        .map(|row| match row.as_slice() {
            [Value::Integer(id), Value::Text(name), parent] => {
                let parent = match parent {
                    Value::Integer(p) => Some(*p),
                    Value::Null => None,
                    other => panic!("unexpected parent_id {other}"),
                };
                (*id, name.clone(), parent)
            }
            other => panic!("unexpected row {other:?}"),
        })
        .collect()
}

fn orm_parent_rows(engine: &Engine) -> Vec<ParentRow> {
    engine
        .query("SELECT id, name FROM parent ORDER BY id", &[])
        .unwrap()
        .into_iter()
        .map(|row| match row.as_slice() {
            [Value::Integer(id), Value::Text(name)] => (*id, name.clone()),
            other => panic!("unexpected row {other:?}"),
        })
        .collect()
}

fn raw_child_rows(conn: &Connection) -> Vec<ChildRow> {
    let mut stmt = conn.prepare(SELECT_ALL_CHILDREN).unwrap();
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap();
    rows.collect::<Result<_, _>>().unwrap()
}

fn raw_parent_rows(conn: &Connection) -> Vec<ParentRow> {
    let mut stmt = conn
        .prepare("SELECT id, name FROM parent ORDER BY id")
        .unwrap();
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    rows.collect::<Result<_, _>>().unwrap()
}

fn assert_same_rows(engine: &Engine, conn: &Connection) {
    assert_eq!(
        orm_parent_rows(engine),
        raw_parent_rows(conn),
        "parent rows"
    );
    assert_eq!(orm_child_rows(engine), raw_child_rows(conn), "child rows");
}

fn child_row(c: &Obj<Child>) -> ChildRow {
    let c = c.borrow();
    (c.id.unwrap(), c.name.clone(), c.parent_id)
}

// ------------------------------------------------------------- insert_graph

/// The user's work: 100 parents with 10 children each, linked with `append`.
fn orm_build_graph() -> Vec<Obj<Parent>> {
    (0..PARENTS)
        .map(|i| {
            let p = Obj::new(Parent {
                name: parent_name(i),
                ..Default::default()
            });
            for j in 0..CHILDREN {
                let c = Obj::new(Child {
                    name: child_name(i, j),
                    ..Default::default()
                });
                p.append(Parent::children, &c).unwrap();
            }
            p
        })
        .collect()
}

fn orm_save_graph(session: &Session, graph: &[Obj<Parent>]) {
    for p in graph {
        session.add(p).unwrap();
    }
    session.commit().unwrap();
}

fn raw_insert_graph(conn: &mut Connection) {
    let tx = conn.transaction().unwrap();
    {
        let mut insert_parent = tx.prepare_cached(INSERT_PARENT).unwrap();
        let mut insert_child = tx.prepare_cached(INSERT_CHILD).unwrap();
        for i in 0..PARENTS {
            insert_parent.execute([parent_name(i)]).unwrap();
            let pid = tx.last_insert_rowid();
            for j in 0..CHILDREN {
                insert_child
                    .execute(params![child_name(i, j), pid])
                    .unwrap();
            }
        }
    }
    tx.commit().unwrap();
}

fn insert_graph(c: &mut Criterion) {
    let registry = registry();
    {
        let engine = orm_engine(&registry);
        let session = Session::new(&engine, &registry);
        let graph = orm_build_graph();
        orm_save_graph(&session, &graph);
        let mut conn = raw_conn(&registry);
        raw_insert_graph(&mut conn);
        assert_same_rows(&engine, &conn);
        assert_eq!(orm_child_rows(&engine).len(), PARENTS * CHILDREN);
        drop(graph);
    }

    let mut group = c.benchmark_group("insert_graph");
    group.sampling_mode(SamplingMode::Flat);
    group.bench_function("orm", |b| {
        b.iter_batched(
            || {
                let engine = orm_engine(&registry);
                let session = Session::new(&engine, &registry);
                (engine, session)
            },
            |(engine, session)| {
                let graph = orm_build_graph();
                orm_save_graph(&session, &graph);
                // Dropped after the timer stops, user handles first so the
                // session's cycle release can free the graph.
                (graph, session, engine)
            },
            BatchSize::PerIteration,
        )
    });
    group.bench_function("orm_flush_only", |b| {
        b.iter_batched(
            || {
                let engine = orm_engine(&registry);
                let session = Session::new(&engine, &registry);
                (orm_build_graph(), engine, session)
            },
            |(graph, engine, session)| {
                orm_save_graph(&session, &graph);
                (graph, session, engine)
            },
            BatchSize::PerIteration,
        )
    });
    group.bench_function("rusqlite", |b| {
        b.iter_batched(
            || raw_conn(&registry),
            |mut conn| {
                raw_insert_graph(&mut conn);
                conn
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

// ----------------------------------------------------------- update_scalars

/// Loads every child into a new session (setup).
fn orm_load_all_children(engine: &Engine, registry: &Arc<Registry>) -> (Session, Vec<Obj<Child>>) {
    let session = Session::new(engine, registry);
    let rows = session.query::<Child>().order_by(Child::id).all().unwrap();
    assert_eq!(rows.len(), PARENTS * CHILDREN);
    (session, rows)
}

fn orm_update_names(session: &Session, rows: &[Obj<Child>], generation: u64) {
    for (i, row) in rows.iter().enumerate() {
        row.borrow_mut().name = new_name(generation, i);
    }
    session.commit().unwrap();
}

fn raw_child_ids(conn: &Connection) -> Vec<i64> {
    raw_child_rows(conn).into_iter().map(|r| r.0).collect()
}

fn raw_update_names(conn: &mut Connection, ids: &[i64], generation: u64) {
    let tx = conn.transaction().unwrap();
    {
        let mut update = tx.prepare_cached(UPDATE_NAME).unwrap();
        for (i, id) in ids.iter().enumerate() {
            let n = update
                .execute(params![new_name(generation, i), id])
                .unwrap();
            assert_eq!(n, 1);
        }
    }
    tx.commit().unwrap();
}

fn update_scalars(c: &mut Criterion) {
    let registry = registry();
    // One database per side for the whole group: every iteration writes
    // names of a new generation, so every row changes every time.
    let engine = orm_populated(&registry);
    let mut conn = raw_populated(&registry);
    let ids = raw_child_ids(&conn);
    {
        let (session, rows) = orm_load_all_children(&engine, &registry);
        orm_update_names(&session, &rows, 0);
        raw_update_names(&mut conn, &ids, 0);
        assert_same_rows(&engine, &conn);
        drop(rows);
    }

    let mut group = c.benchmark_group("update_scalars");
    group.sampling_mode(SamplingMode::Flat);
    let mut generation = 0;
    group.bench_function("orm", |b| {
        b.iter_batched(
            || {
                generation += 1;
                let (session, rows) = orm_load_all_children(&engine, &registry);
                (session, rows, generation)
            },
            |(session, rows, generation)| {
                orm_update_names(&session, &rows, generation);
                (rows, session)
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
            |generation| raw_update_names(&mut conn, &ids, generation),
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

// ------------------------------------------------------------ load_children

type OrmLoaded = (Vec<Vec<Obj<Child>>>, Vec<Obj<Parent>>);

/// All parents, then each one's children through the lazy loader.
fn orm_load_children(session: &Session) -> OrmLoaded {
    let parents = session.query::<Parent>().all().unwrap();
    let children = parents
        .iter()
        .map(|p| p.get(Parent::children).unwrap())
        .collect();
    (children, parents)
}

/// The same 1 + 100 SELECTs by hand.
fn raw_load_children(conn: &Connection) -> (Vec<ParentRow>, Vec<Vec<ChildRow>>) {
    let mut select_parents = conn.prepare_cached(SELECT_PARENTS).unwrap();
    let parents: Vec<ParentRow> = select_parents
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut select_children = conn.prepare_cached(SELECT_CHILDREN_OF).unwrap();
    let children = parents
        .iter()
        .map(|(id, _)| {
            select_children
                .query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .unwrap()
                .collect::<Result<Vec<ChildRow>, _>>()
                .unwrap()
        })
        .collect();
    (parents, children)
}

fn load_children(c: &mut Criterion) {
    let registry = registry();
    let engine = orm_populated(&registry);
    let conn = raw_populated(&registry);
    {
        let session = Session::new(&engine, &registry);
        let (orm_children, orm_parents) = orm_load_children(&session);
        let (raw_parents, raw_children) = raw_load_children(&conn);
        let orm_parents: Vec<ParentRow> = orm_parents
            .iter()
            .map(|p| (p.borrow().id.unwrap(), p.borrow().name.clone()))
            .collect();
        let orm_children: Vec<Vec<ChildRow>> = orm_children
            .iter()
            .map(|kids| kids.iter().map(child_row).collect())
            .collect();
        assert_eq!(orm_parents, raw_parents);
        assert_eq!(orm_children, raw_children);
        assert_eq!(
            raw_children.iter().map(Vec::len).sum::<usize>(),
            PARENTS * CHILDREN
        );
    }

    let mut group = c.benchmark_group("load_children");
    group.sampling_mode(SamplingMode::Flat);
    group.bench_function("orm", |b| {
        b.iter_batched(
            || Session::new(&engine, &registry),
            |session| {
                let loaded = orm_load_children(&session);
                (loaded, session)
            },
            BatchSize::PerIteration,
        )
    });
    group.bench_function("rusqlite", |b| {
        b.iter_batched(
            || (),
            |()| raw_load_children(&conn),
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

// ----------------------------------------------------------- delete_parents

/// A populated engine, and a session holding the 100 parents with their
/// children not loaded (setup).
fn orm_delete_setup(registry: &Arc<Registry>) -> (Vec<Obj<Parent>>, Session, Engine) {
    let engine = orm_populated(registry);
    let session = Session::new(&engine, registry);
    let parents = session.query::<Parent>().all().unwrap();
    assert!(parents.iter().all(|p| !p.borrow().children.is_loaded()));
    (parents, session, engine)
}

fn orm_delete_parents(session: &Session, parents: &[Obj<Parent>]) {
    for p in parents {
        session.delete(p).unwrap();
    }
    session.commit().unwrap();
}

fn raw_delete_setup(registry: &Registry) -> (Connection, Vec<i64>) {
    let conn = raw_populated(registry);
    let ids = raw_parent_rows(&conn).into_iter().map(|r| r.0).collect();
    (conn, ids)
}

/// What the ORM sends: the children SELECTs (before the transaction, as the
/// ORM's flush loads them while planning), then in one transaction an UPDATE
/// per child and a DELETE per parent.
fn raw_delete_parents(conn: &mut Connection, parent_ids: &[i64]) -> Vec<Vec<ChildRow>> {
    let loaded: Vec<Vec<ChildRow>> = {
        let mut select_children = conn.prepare_cached(SELECT_CHILDREN_OF).unwrap();
        parent_ids
            .iter()
            .map(|id| {
                select_children
                    .query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                    .unwrap()
                    .collect::<Result<Vec<ChildRow>, _>>()
                    .unwrap()
            })
            .collect()
    };
    let tx = conn.transaction().unwrap();
    {
        let mut clear_fk = tx.prepare_cached(UPDATE_PARENT_ID).unwrap();
        for (id, _, _) in loaded.iter().flatten() {
            let n = clear_fk.execute(params![None::<i64>, id]).unwrap();
            assert_eq!(n, 1);
        }
        let mut delete = tx.prepare_cached(DELETE_PARENT).unwrap();
        for id in parent_ids {
            let n = delete.execute([id]).unwrap();
            assert_eq!(n, 1);
        }
    }
    tx.commit().unwrap();
    loaded
}

fn delete_parents(c: &mut Criterion) {
    let registry = registry();
    {
        let (parents, session, engine) = orm_delete_setup(&registry);
        orm_delete_parents(&session, &parents);
        let (mut conn, ids) = raw_delete_setup(&registry);
        raw_delete_parents(&mut conn, &ids);
        assert_same_rows(&engine, &conn);
        assert!(orm_parent_rows(&engine).is_empty());
        assert!(orm_child_rows(&engine).iter().all(|r| r.2.is_none()));
        assert_eq!(orm_child_rows(&engine).len(), PARENTS * CHILDREN);
        drop(parents);
    }

    let mut group = c.benchmark_group("delete_parents");
    group.sampling_mode(SamplingMode::Flat);
    group.bench_function("orm", |b| {
        b.iter_batched(
            || orm_delete_setup(&registry),
            |(parents, session, engine)| {
                orm_delete_parents(&session, &parents);
                (parents, session, engine)
            },
            BatchSize::PerIteration,
        )
    });
    group.bench_function("rusqlite", |b| {
        b.iter_batched(
            || raw_delete_setup(&registry),
            |(mut conn, ids)| {
                let loaded = raw_delete_parents(&mut conn, &ids);
                (black_box(loaded), conn)
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

fn config() -> Criterion {
    // Set on the Criterion (not on the groups) so that the command line
    // (`--warm-up-time`, `--measurement-time`, `--sample-size`) still wins.
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .without_plots()
}

criterion_group! {
    name = benches;
    config = config();
    targets = insert_graph, update_scalars, load_children, delete_parents
}
criterion_main!(benches);
