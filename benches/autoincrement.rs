//! What `AUTOINCREMENT` costs SQLite: the same rows inserted, in one
//! transaction with a cached statement, into a table whose key is a plain
//! `INTEGER PRIMARY KEY` (rowids may be reused after a delete) and into one
//! whose key is `INTEGER PRIMARY KEY AUTOINCREMENT` (what `create_all`
//! emits: never reused, one more lookup in `sqlite_sequence` per row), at
//! 20,000 and 200,000 rows.
//!
//! ```sh
//! cargo bench --bench autoincrement -- --warm-up-time 1 --measurement-time 3
//! ```

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, SamplingMode};
use rusqlite::Connection;

const SIZES: [usize; 2] = [20_000, 200_000];

fn table(autoincrement: bool) -> Connection {
    let conn = Connection::open_in_memory().unwrap();
    let key = if autoincrement {
        "id INTEGER PRIMARY KEY AUTOINCREMENT"
    } else {
        "id INTEGER PRIMARY KEY"
    };
    conn.execute_batch(&format!("CREATE TABLE item ({key}, name TEXT NOT NULL)"))
        .unwrap();
    conn
}

fn insert(conn: &mut Connection, rows: usize) -> i64 {
    let tx = conn.transaction().unwrap();
    {
        let mut stmt = tx
            .prepare_cached("INSERT INTO item (name) VALUES (?)")
            .unwrap();
        for i in 0..rows {
            stmt.execute([format!("item {i}")]).unwrap();
        }
    }
    let last = tx.last_insert_rowid();
    tx.commit().unwrap();
    last
}

fn autoincrement(c: &mut Criterion) {
    let mut group = c.benchmark_group("autoincrement");
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    for rows in SIZES {
        for (name, auto) in [("rowid", false), ("autoincrement", true)] {
            // Both sides hand out the same keys.
            assert_eq!(insert(&mut table(auto), 100), 100);
            group.bench_with_input(BenchmarkId::new(name, rows), &rows, |b, &rows| {
                b.iter_batched(
                    || table(auto),
                    |mut conn| {
                        black_box(insert(&mut conn, rows));
                        conn
                    },
                    BatchSize::PerIteration,
                )
            });
        }
    }
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .without_plots()
}

criterion_group! {
    name = benches;
    config = config();
    targets = autoincrement
}
criterion_main!(benches);
