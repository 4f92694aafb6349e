//! The catalogue service: an axum router whose handlers run the library's
//! synchronous sessions on tokio's blocking thread pool, one session per
//! request, on a shared pooled engine.
//!
//! | method and path | does |
//! |---|---|
//! | `POST /authors` `{"name"}` | creates an author |
//! | `GET /authors/{id}` | an author with their books |
//! | `GET /books?author_id=&year=&tag=&limit=&offset=` | books, filtered (the tag through `Book::tags.any(..)`, an EXISTS) and paged in SQL, by id |
//! | `POST /books` `{"title", "year", "author_id"}` | creates a book |
//! | `PUT /books/{id}/author` `{"author_id"}` | moves a book to another author |
//! | `PUT /books/{id}/tags/{name}` | tags a book (creating the tag) |
//! | `DELETE /books/{id}/tags/{name}` | untags a book |

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use orm_core::prelude::*;
use orm_core::{selectin, transaction_with_retry, DbErrorKind, RetryPolicy};
use serde::{Deserialize, Serialize};

use crate::models::{Author, Book, Tag};

/// What every handler shares: the engine (a connection pool) and the
/// registry. Both are `Send + Sync`; sessions are made per request.
#[derive(Clone)]
pub struct Catalogue {
    engine: Engine,
    registry: Arc<Registry>,
}

impl Catalogue {
    /// Connects to the database a URL names and creates the tables:
    /// `sqlite://path/to/file.db`, `sqlite::memory:`,
    /// `postgresql://user@host/database`.
    pub fn open(url: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        let engine = connect(url)?;
        let registry = Registry::builder().model::<Author>().build()?;
        registry.create_all(&engine)?;
        Ok(Catalogue { engine, registry })
    }

    /// The engine, to look at the rows (`tests/service.rs` does).
    #[allow(dead_code)]
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Runs read-only work in a session on a blocking thread.
    async fn read<R: Send + 'static>(
        &self,
        work: impl FnOnce(&Session) -> Result<R, ApiError> + Send + 'static,
    ) -> Result<R, ApiError> {
        let catalogue = self.clone();
        tokio::task::spawn_blocking(move || {
            let session = Session::new(&catalogue.engine, &catalogue.registry);
            work(&session)
        })
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
    }

    /// Runs work that writes in one transaction on a blocking thread,
    /// rerunning it when it loses a race with another request.
    async fn write<R: Send + 'static>(
        &self,
        mut work: impl FnMut(&Session) -> Result<R, ApiError> + Send + 'static,
    ) -> Result<R, ApiError> {
        let catalogue = self.clone();
        tokio::task::spawn_blocking(move || {
            let policy = RetryPolicy::new()
                .attempts(20)
                .first_delay(Duration::from_millis(2));
            // Two requests may create the same tag at once: the loser's
            // insert trips the UNIQUE name and it runs again, finding it.
            let mut duplicates = 0;
            loop {
                // The library's errors go back to the helper, which reruns
                // the work when a concurrent request won a race; the
                // request's own errors (not found, invalid) end it.
                let outcome = transaction_with_retry(
                    &catalogue.engine,
                    &catalogue.registry,
                    &policy,
                    |session| match work(session) {
                        Err(ApiError::Orm(err)) => Err(err),
                        other => Ok(other),
                    },
                );
                match outcome {
                    Err(err)
                        if err.db_kind() == Some(DbErrorKind::UniqueViolation)
                            && duplicates < 3 =>
                    {
                        duplicates += 1;
                    }
                    Err(err) => return Err(ApiError::from(err)),
                    Ok(result) => return result,
                }
            }
        })
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
    }
}

/// An engine for a database URL.
fn connect(url: &str) -> Result<Engine, Box<dyn std::error::Error + Send + Sync>> {
    if url == "sqlite::memory:" {
        return Ok(orm_sqlite::memory()?);
    }
    if let Some(path) = url.strip_prefix("sqlite://") {
        let options = orm_sqlite::SqliteOptions::new()
            .wal(true)
            .busy_timeout(Duration::from_secs(10));
        return Ok(orm_sqlite::open_with(path, &options)?);
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(orm_postgres::connect(url)?);
    }
    Err(format!(
        "unsupported database URL `{url}`: use sqlite://FILE, sqlite::memory: or postgresql://..."
    )
    .into())
}

/// The routes.
pub fn router(catalogue: Catalogue) -> Router {
    Router::new()
        .route("/authors", post(create_author))
        .route("/authors/{id}", get(show_author))
        .route("/books", get(list_books).post(create_book))
        .route("/books/{id}/author", put(move_book))
        .route("/books/{id}/tags/{name}", put(tag_book).delete(untag_book))
        .with_state(catalogue)
}

/// A failed request: its status and a JSON `{"error": ...}` body.
#[derive(Debug)]
pub enum ApiError {
    /// 404.
    NotFound(String),
    /// 422: the request asks for something impossible.
    Invalid(String),
    /// 409 when the database refused (a constraint) or a race was lost for
    /// good, else 500.
    Orm(orm_core::Error),
    /// 500.
    Internal(String),
}

impl From<orm_core::Error> for ApiError {
    fn from(err: orm_core::Error) -> Self {
        ApiError::Orm(err)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            ApiError::NotFound(m) => (StatusCode::NOT_FOUND, m),
            ApiError::Invalid(m) => (StatusCode::UNPROCESSABLE_ENTITY, m),
            ApiError::Orm(err) => {
                let conflict = err.is_retryable()
                    || matches!(err, orm_core::Error::StaleData { .. })
                    || matches!(
                        err.db_kind(),
                        Some(DbErrorKind::UniqueViolation | DbErrorKind::ForeignKeyViolation)
                    );
                let status = if conflict {
                    StatusCode::CONFLICT
                } else {
                    StatusCode::INTERNAL_SERVER_ERROR
                };
                (status, err.to_string())
            }
            ApiError::Internal(m) => (StatusCode::INTERNAL_SERVER_ERROR, m),
        };
        (status, Json(serde_json::json!({ "error": message }))).into_response()
    }
}

/// A book as the API shows it.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct BookJson {
    pub id: i64,
    pub title: String,
    pub year: i64,
    pub author_id: Option<i64>,
    pub tags: Vec<String>,
}

/// An author as the API shows it.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct AuthorJson {
    pub id: i64,
    pub name: String,
    pub books: Vec<BookJson>,
}

fn book_json(book: &Obj<Book>) -> Result<BookJson, ApiError> {
    let tags = book
        .get(Book::tags)?
        .iter()
        .map(|t| t.borrow().name.clone())
        .collect();
    let b = book.borrow();
    Ok(BookJson {
        id: b.id.unwrap_or_default(),
        title: b.title.clone(),
        year: b.year,
        author_id: b.author_id,
        tags,
    })
}

fn author_json(author: &Obj<Author>) -> Result<AuthorJson, ApiError> {
    let books = author
        .get(Author::books)?
        .iter()
        .map(book_json)
        .collect::<Result<_, _>>()?;
    let a = author.borrow();
    Ok(AuthorJson {
        id: a.id.unwrap_or_default(),
        name: a.name.clone(),
        books,
    })
}

fn find<T: Model>(session: &Session, id: i64) -> Result<Obj<T>, ApiError> {
    session
        .get::<T>(id)?
        .ok_or_else(|| ApiError::NotFound(format!("no {} with id {id}", T::meta().name)))
}

#[derive(Deserialize)]
struct NewAuthor {
    name: String,
}

async fn create_author(
    State(catalogue): State<Catalogue>,
    Json(new): Json<NewAuthor>,
) -> Result<(StatusCode, Json<AuthorJson>), ApiError> {
    let author = catalogue
        .write(move |session| {
            let author = Obj::new(Author {
                name: new.name.clone(),
                ..Default::default()
            });
            session.add(&author)?;
            session.flush()?;
            author_json(&author)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(author)))
}

async fn show_author(
    State(catalogue): State<Catalogue>,
    Path(id): Path<i64>,
) -> Result<Json<AuthorJson>, ApiError> {
    catalogue
        .read(move |session| author_json(&find::<Author>(session, id)?))
        .await
        .map(Json)
}

/// `GET /books` filters.
#[derive(Deserialize)]
pub struct BookFilter {
    author_id: Option<i64>,
    year: Option<i64>,
    tag: Option<String>,
    limit: Option<u64>,
    offset: Option<u64>,
}

/// The largest page a client may ask for.
const MAX_PAGE: u64 = 100;

async fn list_books(
    State(catalogue): State<Catalogue>,
    Query(filter): Query<BookFilter>,
) -> Result<Json<Vec<BookJson>>, ApiError> {
    let limit = filter.limit.unwrap_or(20).min(MAX_PAGE);
    let offset = filter.offset.unwrap_or(0);
    catalogue
        .read(move |session| {
            let mut query = session
                .query::<Book>()
                .order_by(Book::id)
                .options(selectin(Book::tags));
            if let Some(author) = filter.author_id {
                query = query.filter(Book::author_id.eq(author));
            }
            if let Some(year) = filter.year {
                query = query.filter(Book::year.eq(year));
            }
            if let Some(name) = &filter.tag {
                // EXISTS (a link to a tag of that name).
                query = query.filter(Book::tags.any(Tag::name.eq(name.as_str())));
            }
            let books = query.offset(offset).limit(limit).all()?;
            books
                .iter()
                .map(book_json)
                .collect::<Result<Vec<_>, _>>()
                .map(Json)
        })
        .await
}

#[derive(Deserialize)]
struct NewBook {
    title: String,
    year: i64,
    author_id: i64,
}

async fn create_book(
    State(catalogue): State<Catalogue>,
    Json(new): Json<NewBook>,
) -> Result<(StatusCode, Json<BookJson>), ApiError> {
    let book = catalogue
        .write(move |session| {
            let author = find::<Author>(session, new.author_id)
                .map_err(|_| ApiError::Invalid(format!("no author {}", new.author_id)))?;
            let book = Obj::new(Book {
                title: new.title.clone(),
                year: new.year,
                ..Default::default()
            });
            book.set(Book::author, &author)?;
            session.add(&book)?;
            session.flush()?;
            book_json(&book)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(book)))
}

#[derive(Deserialize)]
struct MoveBook {
    author_id: i64,
}

async fn move_book(
    State(catalogue): State<Catalogue>,
    Path(id): Path<i64>,
    Json(target): Json<MoveBook>,
) -> Result<Json<BookJson>, ApiError> {
    catalogue
        .write(move |session| {
            let book = find::<Book>(session, id)?;
            let author = find::<Author>(session, target.author_id)
                .map_err(|_| ApiError::Invalid(format!("no author {}", target.author_id)))?;
            book.set(Book::author, &author)?;
            session.flush()?;
            book_json(&book)
        })
        .await
        .map(Json)
}

async fn tag_book(
    State(catalogue): State<Catalogue>,
    Path((id, name)): Path<(i64, String)>,
) -> Result<Json<BookJson>, ApiError> {
    catalogue
        .write(move |session| {
            let book = find::<Book>(session, id)?;
            let existing = session
                .query::<Tag>()
                .filter(Tag::name.eq(name.as_str()))
                .first()?;
            let tag = existing.unwrap_or_else(|| {
                Obj::new(Tag {
                    name: name.clone(),
                    ..Default::default()
                })
            });
            book.append(Book::tags, &tag)?;
            session.flush()?;
            book_json(&book)
        })
        .await
        .map(Json)
}

async fn untag_book(
    State(catalogue): State<Catalogue>,
    Path((id, name)): Path<(i64, String)>,
) -> Result<Json<BookJson>, ApiError> {
    catalogue
        .write(move |session| {
            let book = find::<Book>(session, id)?;
            let tag = session
                .query::<Tag>()
                .filter(Tag::name.eq(name.as_str()))
                .first()?
                .ok_or_else(|| ApiError::NotFound(format!("no tag `{name}`")))?;
            book.remove(Book::tags, &tag)?;
            session.flush()?;
            book_json(&book)
        })
        .await
        .map(Json)
}
