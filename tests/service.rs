//! The catalogue service example, started on 127.0.0.1 and driven by a real
//! HTTP client from several threads at once; the rows are checked after.

#[macro_use]
mod common;

#[path = "../examples/catalogue_service/app.rs"]
mod app;
#[path = "../examples/catalogue_service/models.rs"]
mod models;

use std::time::Duration;

use app::{AuthorJson, BookJson, Catalogue};
use orm_core::Value;
use serde_json::json;

/// The service on a fresh database file, on a port of its own.
struct Running {
    // Dropped first: the server's tasks (and their engine handles) go
    // before the test's engine, whose pooled PostgreSQL clients must not
    // be closed on a runtime thread.
    _runtime: tokio::runtime::Runtime,
    base: String,
    catalogue: Catalogue,
    /// The SQLite run's database file.
    file: Option<std::path::PathBuf>,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(file) = &self.file {
            remove_database(file);
        }
    }
}

/// Removes a SQLite database file and its WAL files.
fn remove_database(file: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
}

fn start(name: &str) -> Running {
    // The SQLite and PostgreSQL runs of a test share the process (and its
    // id): only the SQLite run may touch its file, or the other could
    // remove it while it is in use.
    let (url, file) = match common::backend() {
        common::Backend::Sqlite => {
            let file =
                std::env::temp_dir().join(format!("orm-service-{name}-{}.db", std::process::id()));
            remove_database(&file);
            (format!("sqlite://{}", file.display()), Some(file))
        }
        common::Backend::Postgres => (common::postgres_url_in_new_schema(), None),
    };
    let catalogue = Catalogue::open(&url).unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let router = app::router(catalogue.clone());
    runtime.spawn(async move { axum::serve(listener, router).await });
    Running {
        base,
        catalogue,
        file,
        _runtime: runtime,
    }
}

/// A failed request's status and body, for the panic message.
fn explain(err: ureq::Error) -> String {
    match err {
        ureq::Error::Status(code, response) => {
            format!("{code}: {}", response.into_string().unwrap_or_default())
        }
        other => other.to_string(),
    }
}

fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(30))
        .build()
}

fn post<T: serde::de::DeserializeOwned>(base: &str, path: &str, body: serde_json::Value) -> T {
    agent()
        .post(&format!("{base}{path}"))
        .send_json(body)
        .unwrap_or_else(|e| panic!("POST {path}: {e}"))
        .into_json()
        .unwrap()
}

fn get<T: serde::de::DeserializeOwned>(base: &str, path: &str) -> T {
    agent()
        .get(&format!("{base}{path}"))
        .call()
        .unwrap_or_else(|e| panic!("GET {path}: {e}"))
        .into_json()
        .unwrap()
}

fn rows(running: &Running, sql: &str) -> Vec<Vec<Value>> {
    running.catalogue.engine().query(sql, &[]).unwrap()
}

backend_tests! {
    #[test]
    fn concurrent_requests_leave_the_rows_they_asked_for() {
        let running = start("concurrent");
        let base = running.base.as_str();
        let authors: Vec<AuthorJson> = (0..2)
            .map(|i| post(base, "/authors", json!({ "name": format!("author {i}") })))
            .collect();
        let (a, b) = (authors[0].id, authors[1].id);

        // Eight clients at once, each creating five books for author A, tagging
        // each with its own tag and a shared one (created by whoever is first),
        // moving the odd ones to author B, and untagging the shared tag from
        // every third.
        const CLIENTS: i64 = 8;
        const BOOKS: i64 = 5;
        std::thread::scope(|scope| {
            for client in 0..CLIENTS {
                scope.spawn(move || {
                    for n in 0..BOOKS {
                        let book: BookJson = post(
                            base,
                            "/books",
                            json!({ "title": format!("c{client}-b{n}"), "year": 2000 + n, "author_id": a }),
                        );
                        let tagged = agent()
                            .put(&format!("{base}/books/{}/tags/client-{client}", book.id))
                            .call()
                            .map_err(explain)
                            .unwrap();
                        assert_eq!(tagged.status(), 200);
                        agent()
                            .put(&format!("{base}/books/{}/tags/shared", book.id))
                            .call()
                            .map_err(explain)
                            .unwrap();
                        if n % 2 == 1 {
                            let moved: BookJson = agent()
                                .put(&format!("{base}/books/{}/author", book.id))
                                .send_json(json!({ "author_id": b }))
                                .map_err(explain)
                                .unwrap()
                                .into_json()
                                .unwrap();
                            assert_eq!(moved.author_id, Some(b));
                        }
                        if n % 3 == 0 {
                            let untagged: BookJson = agent()
                                .delete(&format!("{base}/books/{}/tags/shared", book.id))
                                .call()
                                .map_err(explain)
                                .unwrap()
                                .into_json()
                                .unwrap();
                            assert_eq!(untagged.tags, [format!("client-{client}")]);
                        }
                    }
                });
            }
        });

        let total = CLIENTS * BOOKS;
        let count = |sql: &str| rows(&running, sql)[0][0].clone();
        assert_eq!(count("SELECT count(*) FROM book"), Value::Integer(total));
        let per_author = rows(
            &running,
            "SELECT author_id, count(*) FROM book GROUP BY author_id ORDER BY author_id",
        );
        assert_eq!(
            per_author,
            [
                vec![Value::Integer(a), Value::Integer(CLIENTS * 3)],
                vec![Value::Integer(b), Value::Integer(CLIENTS * 2)],
            ]
        );
        // One tag per client plus one shared tag, created once despite the race.
        assert_eq!(
            count("SELECT count(*) FROM tag"),
            Value::Integer(CLIENTS + 1)
        );
        // Every book keeps its client tag; the shared one stays on n = 1, 2, 4.
        assert_eq!(
            count("SELECT count(*) FROM book_tag"),
            Value::Integer(total + CLIENTS * 3)
        );

        // Reading back through the API: filters and pages.
        let of_b: Vec<BookJson> = get(base, &format!("/books?author_id={b}&limit=100"));
        assert_eq!(of_b.len() as i64, CLIENTS * 2);
        assert!(of_b.windows(2).all(|w| w[0].id < w[1].id));
        let page: Vec<BookJson> = get(base, "/books?limit=7&offset=7");
        assert_eq!(page.len(), 7);
        assert_eq!(page[0].id, 8);
        let shared: Vec<BookJson> = get(base, "/books?tag=shared&year=2001&limit=100");
        assert_eq!(shared.len() as i64, CLIENTS);
        assert!(shared
            .iter()
            .all(|book| book.tags.contains(&"shared".to_owned())));
        let author: AuthorJson = get(base, &format!("/authors/{b}"));
        assert_eq!(author.books.len() as i64, CLIENTS * 2);
    }

    #[test]
    fn bad_requests_get_clear_statuses() {
        let running = start("errors");
        let base = running.base.as_str();
        let status = |result: Result<ureq::Response, ureq::Error>| match result {
            Ok(response) => response.status(),
            Err(ureq::Error::Status(code, _)) => code,
            Err(other) => panic!("{other}"),
        };
        assert_eq!(
            status(agent().get(&format!("{base}/authors/99")).call()),
            404
        );
        assert_eq!(
            status(
                agent()
                    .post(&format!("{base}/books"))
                    .send_json(json!({ "title": "t", "year": 1, "author_id": 99 }))
            ),
            422
        );
        assert_eq!(
            status(agent().delete(&format!("{base}/books/1/tags/none")).call()),
            404
        );
        assert!(rows(&running, "SELECT * FROM book").is_empty());
    }
}
