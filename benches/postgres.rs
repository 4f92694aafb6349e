//! The ORM against the hand-written `postgres` crate, side by side on
//! PostgreSQL, workloads W1-W5 of the performance issue.
//!
//! Each group has an `orm` function (objects, relationships, `add`,
//! `commit`, queries with `options(selectin(..))`, as a user writes them)
//! and a `postgres` function doing the same SQL work by hand: one
//! transaction, statements prepared once, keys read back with
//! `RETURNING`. Both run on one server (`ORM_BENCH_POSTGRES_URL`, default
//! `postgresql://postgres@127.0.0.1:5432/test`), in a schema of their own
//! (`orm_bench`), on tables made by `Registry::schema_sql`. Before measuring,
//! each group checks that both sides leave the same rows or load the same
//! data. Without a server the benchmark prints a notice and does nothing.
//!
//! - `w1_insert`: `P` parents with 5 children each, through
//!   `Parent.children`, one commit.
//! - `w2_many_to_many`: `P / 2` lefts and `P / 2` rights, each left linked
//!   to 10 rights through an association table the user never touches.
//! - `w3_load_lazy` / `w3_load_selectin`: `P / 4` parents and their
//!   children: one query per parent, or one for all.
//! - `w4_delete`: delete `P / 10` parents whose children are not loaded:
//!   the children's keys are set to NULL first.
//! - `w5_update`: change one column on `P * 2` loaded rows, commit.
//!
//! `P` is 2,000, times `ORM_BENCH_SCALE` (default 1): every row costs a
//! round trip to the server on both sides, so `ORM_BENCH_SCALE=10` takes
//! minutes.
//!
//! ```sh
//! cargo bench --bench postgres
//! ORM_BENCH_SCALE=10 cargo bench --bench postgres -- --sample-size 10
//! ```

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, SamplingMode};
use orm_core::prelude::*;
use orm_core::selectin;
use postgres::{Client, NoTls};

// W2's models and graph, shared with the SQLite benches (which also use
// its bidirectional form).
#[path = "support/w2.rs"]
#[allow(dead_code)]
mod w2;

use w2::{orm_w2_one_sided, right_of, LeftItem, LINKS};

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

const SCHEMA: &str = "orm_bench";
const CHILDREN: usize = 5;

fn scale() -> usize {
    std::env::var("ORM_BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1)
}

fn parents() -> usize {
    2_000 * scale()
}

fn url() -> Option<&'static str> {
    static URL: OnceLock<Option<String>> = OnceLock::new();
    URL.get_or_init(|| {
        let url = std::env::var("ORM_BENCH_POSTGRES_URL")
            .unwrap_or_else(|_| "postgresql://postgres@127.0.0.1:5432/test".to_owned());
        match Client::connect(&url, NoTls) {
            Ok(mut client) => {
                client
                    .batch_execute(&format!(
                        "DROP SCHEMA IF EXISTS {SCHEMA} CASCADE; CREATE SCHEMA {SCHEMA}"
                    ))
                    .unwrap();
                Some(url)
            }
            Err(e) => {
                eprintln!("note: PostgreSQL benchmarks skipped: no server at {url} ({e})");
                None
            }
        }
    })
    .as_deref()
}

fn registry() -> Arc<Registry> {
    Registry::builder()
        .model::<Parent>()
        .model::<LeftItem>()
        .build()
        .unwrap()
}

/// The ORM's engine: one connection, in the benchmark's schema.
fn orm_engine(url: &str) -> Engine {
    let options = orm_postgres::PgOptions::new()
        .search_path([SCHEMA])
        .pool(orm_core::PoolOptions::new().max_size(1));
    orm_postgres::connect_with(url, &options).unwrap()
}

/// The hand-written side's connection, in the benchmark's schema.
fn raw_client(url: &str) -> Client {
    let mut client = Client::connect(url, NoTls).unwrap();
    client
        .batch_execute(&format!("SET search_path TO {SCHEMA}"))
        .unwrap();
    client
}

/// Creates the tables once, then empties them (keys restart at 1).
fn reset(client: &mut Client, registry: &Registry) {
    static CREATED: OnceLock<()> = OnceLock::new();
    CREATED.get_or_init(|| {
        for sql in registry.schema_sql(&orm_postgres::PgDialect) {
            client.batch_execute(&sql).unwrap();
        }
    });
    client
        .batch_execute("TRUNCATE link, left_item, right_item, child, parent RESTART IDENTITY")
        .unwrap();
}

fn count(client: &mut Client, sql: &str) -> i64 {
    client.query_one(sql, &[]).unwrap().get(0)
}

/// What a workload left: row counts and a checksum of the keys.
fn fingerprint(client: &mut Client) -> Vec<i64> {
    [
        "SELECT count(*) FROM parent",
        "SELECT count(*) FROM child",
        "SELECT count(*) FROM child WHERE parent_id IS NULL",
        "SELECT coalesce(sum(parent_id), 0)::bigint FROM child",
        "SELECT count(*) FROM link",
        "SELECT coalesce(sum(left_id * 7 + right_id), 0)::bigint FROM link",
        "SELECT count(*) FROM child WHERE name LIKE 'renamed%'",
    ]
    .iter()
    .map(|sql| count(client, sql))
    .collect()
}

// ---------------------------------------------------------------- W1 insert

fn orm_w1(engine: &Engine, registry: &Arc<Registry>, parents: usize) -> Session {
    let session = Session::new(engine, registry);
    let graph: Vec<Obj<Parent>> = (0..parents)
        .map(|i| {
            let parent = Obj::new(Parent {
                name: format!("p{i}"),
                ..Default::default()
            });
            for j in 0..CHILDREN {
                let child = Obj::new(Child {
                    name: format!("c{i}-{j}"),
                    ..Default::default()
                });
                parent.append(Parent::children, &child).unwrap();
            }
            parent
        })
        .collect();
    session.add_all(&graph).unwrap();
    session.commit().unwrap();
    session
}

fn raw_w1(client: &mut Client, parents: usize) {
    let mut tx = client.transaction().unwrap();
    let insert_parent = tx
        .prepare("INSERT INTO parent (name) VALUES ($1) RETURNING id")
        .unwrap();
    let insert_child = tx
        .prepare("INSERT INTO child (name, parent_id) VALUES ($1, $2) RETURNING id")
        .unwrap();
    for i in 0..parents {
        let id: i64 = tx
            .query_one(&insert_parent, &[&format!("p{i}")])
            .unwrap()
            .get(0);
        for j in 0..CHILDREN {
            tx.query_one(&insert_child, &[&format!("c{i}-{j}"), &id])
                .unwrap();
        }
    }
    tx.commit().unwrap();
}

fn w1_insert(c: &mut Criterion) {
    let Some(url) = url() else { return };
    let registry = registry();
    let engine = orm_engine(url);
    let mut client = raw_client(url);
    // Setup between iterations (not measured) on a connection of its own.
    let admin = std::cell::RefCell::new(raw_client(url));
    let n = parents();
    reset(&mut client, &registry);
    drop(orm_w1(&engine, &registry, n));
    let orm_rows = fingerprint(&mut client);
    reset(&mut client, &registry);
    raw_w1(&mut client, n);
    assert_eq!(orm_rows, fingerprint(&mut client), "W1: different rows");

    let mut group = c.benchmark_group(format!("w1_insert_{n}x{CHILDREN}"));
    group.sampling_mode(SamplingMode::Flat);
    group.bench_function("orm", |b| {
        b.iter_batched(
            || reset(&mut admin.borrow_mut(), &registry),
            |()| orm_w1(&engine, &registry, n),
            BatchSize::PerIteration,
        )
    });
    group.bench_function("postgres", |b| {
        b.iter_batched(
            || reset(&mut admin.borrow_mut(), &registry),
            |()| raw_w1(&mut client, n),
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

// ---------------------------------------------------------- W2 many-to-many

fn raw_w2(client: &mut Client, each: usize) {
    let mut tx = client.transaction().unwrap();
    let insert_right = tx
        .prepare("INSERT INTO right_item (name) VALUES ($1) RETURNING id")
        .unwrap();
    let insert_left = tx
        .prepare("INSERT INTO left_item (name) VALUES ($1) RETURNING id")
        .unwrap();
    let insert_link = tx
        .prepare("INSERT INTO link (left_id, right_id) VALUES ($1, $2)")
        .unwrap();
    let rights: Vec<i64> = (0..each)
        .map(|i| {
            tx.query_one(&insert_right, &[&format!("r{i}")])
                .unwrap()
                .get(0)
        })
        .collect();
    let lefts: Vec<i64> = (0..each)
        .map(|i| {
            tx.query_one(&insert_left, &[&format!("l{i}")])
                .unwrap()
                .get(0)
        })
        .collect();
    for (i, left) in lefts.iter().enumerate() {
        for k in 0..LINKS {
            let right = rights[right_of(i, k, each)];
            tx.execute(&insert_link, &[left, &right]).unwrap();
        }
    }
    tx.commit().unwrap();
}

fn w2_many_to_many(c: &mut Criterion) {
    let Some(url) = url() else { return };
    let registry = registry();
    let engine = orm_engine(url);
    let mut client = raw_client(url);
    // Setup between iterations (not measured) on a connection of its own.
    let admin = std::cell::RefCell::new(raw_client(url));
    let each = parents() / 2;
    reset(&mut client, &registry);
    drop(orm_w2_one_sided(&engine, &registry, each));
    let orm_rows = fingerprint(&mut client);
    reset(&mut client, &registry);
    raw_w2(&mut client, each);
    assert_eq!(orm_rows, fingerprint(&mut client), "W2: different rows");

    let mut group = c.benchmark_group(format!("w2_many_to_many_{each}+{each}x{LINKS}"));
    group.sampling_mode(SamplingMode::Flat);
    group.bench_function("orm", |b| {
        b.iter_batched(
            || reset(&mut admin.borrow_mut(), &registry),
            |()| orm_w2_one_sided(&engine, &registry, each),
            BatchSize::PerIteration,
        )
    });
    group.bench_function("postgres", |b| {
        b.iter_batched(
            || reset(&mut admin.borrow_mut(), &registry),
            |()| raw_w2(&mut client, each),
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

// -------------------------------------------------------------------- W3 load

type Loaded = Vec<(i64, Vec<(i64, String)>)>;

fn orm_w3(session: &Session, eager: bool) -> Loaded {
    let query = session.query::<Parent>().order_by(Parent::id);
    let parents = if eager {
        query.options(selectin(Parent::children)).all().unwrap()
    } else {
        query.all().unwrap()
    };
    parents
        .iter()
        .map(|p| {
            let children = p
                .get(Parent::children)
                .unwrap()
                .iter()
                .map(|c| (c.borrow().id.unwrap(), c.borrow().name.clone()))
                .collect();
            (p.borrow().id.unwrap(), children)
        })
        .collect()
}

fn raw_w3(client: &mut Client, eager: bool) -> Loaded {
    let parents: Vec<i64> = client
        .query("SELECT id, name FROM parent ORDER BY id", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    if eager {
        let rows = client
            .query(
                "SELECT id, name, parent_id FROM child WHERE parent_id = ANY($1)",
                &[&parents],
            )
            .unwrap();
        let mut by_parent: std::collections::HashMap<i64, Vec<(i64, String)>> =
            std::collections::HashMap::new();
        for row in rows {
            by_parent
                .entry(row.get(2))
                .or_default()
                .push((row.get(0), row.get(1)));
        }
        parents
            .into_iter()
            .map(|p| (p, by_parent.remove(&p).unwrap_or_default()))
            .collect()
    } else {
        let select = client
            .prepare("SELECT id, name, parent_id FROM child WHERE parent_id = $1")
            .unwrap();
        parents
            .into_iter()
            .map(|p| {
                let children = client
                    .query(&select, &[&p])
                    .unwrap()
                    .iter()
                    .map(|r| (r.get(0), r.get(1)))
                    .collect();
                (p, children)
            })
            .collect()
    }
}

fn w3_load(c: &mut Criterion) {
    let Some(url) = url() else { return };
    let registry = registry();
    let engine = orm_engine(url);
    let mut client = raw_client(url);
    let n = parents() / 4;
    reset(&mut client, &registry);
    raw_w1(&mut client, n);
    for eager in [false, true] {
        let sort = |mut loaded: Loaded| {
            for (_, children) in &mut loaded {
                children.sort();
            }
            loaded
        };
        let orm = sort(orm_w3(&Session::new(&engine, &registry), eager));
        assert_eq!(orm, sort(raw_w3(&mut client, eager)), "W3: different data");
        assert_eq!(orm.len(), n);

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
        group.bench_function("postgres", |b| b.iter(|| raw_w3(&mut client, eager)));
        group.finish();
    }
}

// ------------------------------------------------------------------ W4 delete

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

fn raw_w4(client: &mut Client, deleted: usize) {
    let mut tx = client.transaction().unwrap();
    let parents: Vec<i64> = tx
        .query(
            "SELECT id, name FROM parent ORDER BY id LIMIT $1",
            &[&(deleted as i64)],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let select = tx
        .prepare("SELECT id, name, parent_id FROM child WHERE parent_id = $1")
        .unwrap();
    let clear = tx
        .prepare("UPDATE child SET parent_id = $1 WHERE id = $2")
        .unwrap();
    let delete = tx.prepare("DELETE FROM parent WHERE id = $1").unwrap();
    let mut children = Vec::new();
    for p in &parents {
        for row in tx.query(&select, &[p]).unwrap() {
            children.push(row.get::<_, i64>(0));
        }
    }
    for child in &children {
        tx.execute(&clear, &[&None::<i64>, child]).unwrap();
    }
    for p in &parents {
        tx.execute(&delete, &[p]).unwrap();
    }
    tx.commit().unwrap();
}

fn w4_delete(c: &mut Criterion) {
    let Some(url) = url() else { return };
    let registry = registry();
    let engine = orm_engine(url);
    let mut client = raw_client(url);
    // Setup between iterations (not measured) on a connection of its own.
    let admin = std::cell::RefCell::new(raw_client(url));
    let n = parents() / 10;
    let populate = |client: &mut Client| {
        reset(client, &registry);
        raw_w1(client, n * 2);
    };
    populate(&mut client);
    drop(orm_w4(&engine, &registry, n));
    let orm_rows = fingerprint(&mut client);
    populate(&mut client);
    raw_w4(&mut client, n);
    assert_eq!(orm_rows, fingerprint(&mut client), "W4: different rows");

    let mut group = c.benchmark_group(format!("w4_delete_{n}x{CHILDREN}"));
    group.sampling_mode(SamplingMode::Flat);
    group.bench_function("orm", |b| {
        b.iter_batched(
            || populate(&mut admin.borrow_mut()),
            |()| orm_w4(&engine, &registry, n),
            BatchSize::PerIteration,
        )
    });
    group.bench_function("postgres", |b| {
        b.iter_batched(
            || populate(&mut admin.borrow_mut()),
            |()| raw_w4(&mut client, n),
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

// ------------------------------------------------------------------ W5 update

fn orm_w5_load(engine: &Engine, registry: &Arc<Registry>) -> (Session, Vec<Obj<Child>>) {
    let session = Session::new(engine, registry);
    let children = session.query::<Child>().all().unwrap();
    (session, children)
}

fn orm_w5(session: &Session, children: &[Obj<Child>]) {
    for (i, child) in children.iter().enumerate() {
        child.borrow_mut().name = format!("renamed{i}");
    }
    session.commit().unwrap();
}

fn raw_w5(client: &mut Client) {
    let mut tx = client.transaction().unwrap();
    let ids: Vec<i64> = tx
        .query("SELECT id, name, parent_id FROM child", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let update = tx
        .prepare("UPDATE child SET name = $1 WHERE id = $2")
        .unwrap();
    for (i, id) in ids.iter().enumerate() {
        tx.execute(&update, &[&format!("renamed{i}"), id]).unwrap();
    }
    tx.commit().unwrap();
}

fn w5_update(c: &mut Criterion) {
    let Some(url) = url() else { return };
    let registry = registry();
    let engine = orm_engine(url);
    let mut client = raw_client(url);
    // Setup between iterations (not measured) on a connection of its own.
    let admin = std::cell::RefCell::new(raw_client(url));
    let rows = parents() * 2;
    let populate = |client: &mut Client| {
        reset(client, &registry);
        raw_w1(client, rows / CHILDREN);
    };
    populate(&mut client);
    let (session, children) = orm_w5_load(&engine, &registry);
    orm_w5(&session, &children);
    drop((session, children));
    let orm_rows = fingerprint(&mut client);
    populate(&mut client);
    raw_w5(&mut client);
    assert_eq!(orm_rows, fingerprint(&mut client), "W5: different rows");

    // Loading is part of both sides: the ORM's objects must come from a
    // query to be tracked, and the hand-written side reads the ids.
    let mut group = c.benchmark_group(format!("w5_update_{rows}"));
    group.sampling_mode(SamplingMode::Flat);
    group.bench_function("orm", |b| {
        b.iter_batched(
            || populate(&mut admin.borrow_mut()),
            |()| {
                let (session, children) = orm_w5_load(&engine, &registry);
                orm_w5(&session, &children);
                (session, children)
            },
            BatchSize::PerIteration,
        )
    });
    group.bench_function("postgres", |b| {
        b.iter_batched(
            || populate(&mut admin.borrow_mut()),
            |()| raw_w5(&mut client),
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .without_plots()
}

criterion_group! {
    name = benches;
    config = config();
    targets = w1_insert, w2_many_to_many, w3_load, w4_delete, w5_update
}
criterion_main!(benches);
