//! Rerunning a unit of work that lost a race with a concurrent transaction:
//! [`transaction_with_retry`].

use std::sync::Arc;
use std::time::Duration;

use crate::engine::{Engine, IsolationLevel};
use crate::error::{Error, Result};
use crate::registry::Registry;
use crate::session::Session;

/// How [`transaction_with_retry`] runs and reruns a unit of work.
///
/// ```
/// use std::time::Duration;
/// use orm_core::RetryPolicy;
///
/// let policy = RetryPolicy::new().attempts(10).first_delay(Duration::from_millis(5));
/// assert_eq!(policy.attempts, 10);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// How many times the work runs at most, the first included. Default: 5.
    pub attempts: u32,
    /// The wait before the second attempt; each further wait doubles, up to
    /// `max_delay`, and is spread by a random part of itself so that the
    /// losers of one race do not meet again. Default: 10 ms.
    pub first_delay: Duration,
    /// The longest wait between attempts. Default: 1 s.
    pub max_delay: Duration,
    /// The transaction's isolation level. Default: `Serializable`, which
    /// makes the database detect every conflict (PostgreSQL aborts one side
    /// with a serialization failure; SQLite queues writers).
    pub isolation: Option<IsolationLevel>,
    /// Also rerun on [`Error::StaleData`]: a versioned row
    /// (`#[column(version)]`) changed since the work read it. Default: true.
    pub retry_stale_data: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 5,
            first_delay: Duration::from_millis(10),
            max_delay: Duration::from_secs(1),
            isolation: Some(IsolationLevel::Serializable),
            retry_stale_data: true,
        }
    }
}

impl RetryPolicy {
    /// The default policy.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`attempts`](RetryPolicy#structfield.attempts).
    pub fn attempts(mut self, attempts: u32) -> Self {
        self.attempts = attempts;
        self
    }

    /// Sets [`first_delay`](RetryPolicy#structfield.first_delay).
    pub fn first_delay(mut self, delay: Duration) -> Self {
        self.first_delay = delay;
        self
    }

    /// Sets [`max_delay`](RetryPolicy#structfield.max_delay).
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// Sets [`isolation`](RetryPolicy#structfield.isolation).
    pub fn isolation(mut self, isolation: Option<IsolationLevel>) -> Self {
        self.isolation = isolation;
        self
    }

    /// Sets [`retry_stale_data`](RetryPolicy#structfield.retry_stale_data).
    pub fn retry_stale_data(mut self, on: bool) -> Self {
        self.retry_stale_data = on;
        self
    }

    fn should_retry(&self, err: &Error) -> bool {
        err.is_retryable() || (self.retry_stale_data && matches!(err, Error::StaleData { .. }))
    }

    /// The wait after failed attempt `attempt` (1-based).
    fn delay(&self, attempt: u32) -> Duration {
        let doubled = self
            .first_delay
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(20));
        let base = doubled.min(self.max_delay);
        // Up to half of it again, from a cheap per-call random source.
        let spread = base.as_nanos() as u64 / 2;
        let jitter = if spread == 0 { 0 } else { random() % spread };
        base + Duration::from_nanos(jitter)
    }
}

/// Runs `work` in a new session inside one transaction and commits it; when
/// the transaction fails because of a concurrent one (a retryable database
/// error: serialization failure, deadlock, busy; or, by default,
/// [`Error::StaleData`]), rolls it back and runs `work` again in a fresh
/// session, waiting a little longer each time, up to the policy's
/// `attempts`. Any other error, or the last attempt's, is returned.
///
/// `work` must do all its reading through the session it is given and keep
/// nothing from a failed attempt: each attempt starts from what the
/// database holds then. Its result is returned after the commit.
///
/// A counter that several threads increment comes out exact:
///
/// ```
/// use orm_core::prelude::*;
/// use orm_core::{transaction_with_retry, RetryPolicy};
///
/// #[derive(Model, Debug, Default)]
/// pub struct Counter {
///     #[column(primary_key)]
///     pub id: Option<i64>,
///     pub hits: i64,
/// }
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let path = std::env::temp_dir().join(format!("orm-doc-retry-{}.db", std::process::id()));
/// # let _ = std::fs::remove_file(&path);
/// let engine = orm_sqlite::open(&path)?;
/// let registry = Registry::builder().model::<Counter>().build()?;
/// registry.create_all(&engine)?;
/// engine.execute("INSERT INTO counter (id, hits) VALUES (1, 0)", &[])?;
/// std::thread::scope(|scope| {
///     for _ in 0..4 {
///         scope.spawn(|| {
///             for _ in 0..10 {
///                 transaction_with_retry(&engine, &registry, &RetryPolicy::default(), |session| {
///                     let counter = session.get::<Counter>(1)?.expect("the counter row");
///                     counter.borrow_mut().hits += 1;
///                     Ok(())
///                 })
///                 .unwrap();
///             }
///         });
///     }
/// });
/// assert_eq!(engine.query("SELECT hits FROM counter", &[])?, vec![vec![40.into()]]);
/// # drop(engine);
/// # let _ = std::fs::remove_file(&path);
/// # Ok(()) }
/// ```
pub fn transaction_with_retry<R>(
    engine: &Engine,
    registry: &Arc<Registry>,
    policy: &RetryPolicy,
    mut work: impl FnMut(&Session) -> Result<R>,
) -> Result<R> {
    let mut attempt = 1;
    loop {
        let session = Session::new(engine, registry);
        let outcome = begin(&session, policy.isolation)
            .and_then(|()| work(&session))
            .and_then(|value| session.commit().map(|()| value));
        match outcome {
            Ok(value) => return Ok(value),
            Err(err) if attempt < policy.attempts && policy.should_retry(&err) => {
                log::debug!(target: "orm::retry", "attempt {attempt} failed, retrying: {err}");
                // Rolls back what is left; a failure here is the
                // connection's, and the next attempt reports it.
                let _ = session.close();
                std::thread::sleep(policy.delay(attempt));
                attempt += 1;
            }
            Err(err) => {
                let _ = session.close();
                return Err(err);
            }
        }
    }
}

fn begin(session: &Session, isolation: Option<IsolationLevel>) -> Result<()> {
    match isolation {
        Some(level) => session.begin_with(level),
        None => session.begin(),
    }
}

/// A few random bits, different per call and per thread: enough to spread
/// retries, not for anything else.
fn random() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    hasher.finish()
}
