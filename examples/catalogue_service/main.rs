//! A small HTTP JSON service over a book catalogue (authors, books, tags),
//! on axum, with the library's synchronous sessions running on tokio's
//! blocking thread pool: one session per request, one pooled engine.
//!
//! ```text
//! cargo run --example catalogue_service                      # sqlite://catalogue.db
//! cargo run --example catalogue_service -- sqlite::memory:
//! cargo run --example catalogue_service -- postgresql://postgres@127.0.0.1/test
//! DATABASE_URL=sqlite:///tmp/books.db BIND=127.0.0.1:8080 cargo run --example catalogue_service
//!
//! curl -X POST localhost:3000/authors -H 'content-type: application/json' -d '{"name":"Le Guin"}'
//! curl -X POST localhost:3000/books -H 'content-type: application/json' \
//!      -d '{"title":"The Dispossessed","year":1974,"author_id":1}'
//! curl -X PUT localhost:3000/books/1/tags/utopia
//! curl 'localhost:3000/books?tag=utopia&limit=10'
//! ```
//!
//! `tests/service.rs` starts it and sends it concurrent requests.

mod app;
mod models;

fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let url = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("DATABASE_URL").ok())
        .unwrap_or_else(|| "sqlite://catalogue.db".to_owned());
    let bind = std::env::var("BIND").unwrap_or_else(|_| "127.0.0.1:3000".to_owned());
    let catalogue = app::Catalogue::open(&url)?;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(&bind).await?;
        println!("catalogue service on http://{bind} ({url})");
        axum::serve(listener, app::router(catalogue)).await
    })?;
    Ok(())
}
