//! One cached credential (a secret, an OIDC token, AWS credentials) shared by every request of
//! an instance.
//!
//! - A hit reads under a short synchronous lock, never across a network call, so it never waits
//!   behind a fetch in flight (a slow identity provider or Secrets Manager must not stall the
//!   requests that already hold what they need).
//! - Misses are single flight: the first caller fetches, the others wait for it and take its
//!   value, or its failure, instead of fetching one after another.
//! - Every fetched value gets a generation number. After AppSync rejects generation `g`, the
//!   caller asks for something newer than `g`: one fetch serves all requests that were rejected
//!   together, and rejections cause a fetch at most once per [`REFRESH_INTERVAL`] (in between,
//!   the caller gets the current value), so a flood of them cannot hammer Secrets Manager or the
//!   token endpoint.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{PoisonError, RwLock};
use std::time::{Duration, Instant};

use super::BackendError;

/// The shortest time between two fetches caused by rejections (a first fetch or one after
/// expiry does not count).
pub const REFRESH_INTERVAL: Duration = Duration::from_secs(5);

/// A value and the generation it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Versioned<T> {
    pub value: T,
    pub generation: u64,
}

struct Entry<T> {
    value: T,
    generation: u64,
    /// When it must no longer be used; `None`: never (credentials without expiry).
    stale_at: Option<Instant>,
}

#[derive(Default)]
struct Flight {
    generation: u64,
    /// When a rejection last caused a fetch.
    last_refresh: Option<Instant>,
    /// The message of the last fetch, when it failed; waiters that queued behind it get it too.
    last_failure: Option<String>,
}

pub struct Cache<T> {
    current: RwLock<Option<Entry<T>>>,
    /// Held only by the caller that fetches; its content is the fetch history.
    flight: tokio::sync::Mutex<Flight>,
    /// Counts finished fetches, readable without the lock: a waiter compares it to tell that a
    /// fetch ended while it waited, and then takes that fetch's outcome.
    finished: AtomicU64,
}

impl<T> Default for Cache<T> {
    fn default() -> Self {
        Cache {
            current: RwLock::new(None),
            flight: tokio::sync::Mutex::new(Flight::default()),
            finished: AtomicU64::new(0),
        }
    }
}

/// What a fetch returns: the value and until when it may be used (`None`: no expiry).
pub type Fetch<T> = Result<(T, Option<Instant>), BackendError>;

impl<T: Clone> Cache<T> {
    /// The cached value, or a fetched one when there is none or it has gone stale.
    pub async fn get<F, Fut>(&self, fetch: F) -> Result<Versioned<T>, BackendError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Fetch<T>>,
    {
        self.obtain(None, fetch).await
    }

    /// Something newer than `rejected`: a value another caller fetched meanwhile, or a new fetch;
    /// but the current value when a rejection already caused a fetch less than
    /// [`REFRESH_INTERVAL`] ago (and the current value has not expired).
    pub async fn refresh<F, Fut>(&self, rejected: u64, fetch: F) -> Result<Versioned<T>, BackendError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Fetch<T>>,
    {
        self.obtain(Some(rejected), fetch).await
    }

    async fn obtain<F, Fut>(&self, rejected: Option<u64>, fetch: F) -> Result<Versioned<T>, BackendError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Fetch<T>>,
    {
        if let Some(hit) = self.usable(rejected) {
            return Ok(hit);
        }
        let finished_seen = self.finished.load(Ordering::Acquire);
        let mut flight = self.flight.lock().await;
        // Whoever held the lock before may have fetched what this caller needs.
        if let Some(hit) = self.usable(rejected) {
            return Ok(hit);
        }
        if self.finished.load(Ordering::Acquire) != finished_seen
            && let Some(failure) = &flight.last_failure
        {
            return Err(BackendError::Credentials(failure.clone()));
        }
        if rejected.is_some() {
            if flight.last_refresh.is_some_and(|at| at.elapsed() < REFRESH_INTERVAL)
                && let Some(current) = self.usable(None)
            {
                return Ok(current);
            }
            flight.last_refresh = Some(Instant::now());
        }
        let outcome = fetch().await;
        self.finished.fetch_add(1, Ordering::AcqRel);
        match outcome {
            Ok((value, stale_at)) => {
                flight.generation += 1;
                flight.last_failure = None;
                let generation = flight.generation;
                let entry = Entry { value: value.clone(), generation, stale_at };
                *self.current.write().unwrap_or_else(PoisonError::into_inner) = Some(entry);
                Ok(Versioned { value, generation })
            }
            Err(e) => {
                flight.last_failure = Some(match &e {
                    BackendError::Credentials(message) => message.clone(),
                    other => other.to_string(),
                });
                Err(e)
            }
        }
    }

    /// The cached value, stale or not, without fetching.
    pub fn peek(&self) -> Option<T> {
        self.current.read().unwrap_or_else(PoisonError::into_inner).as_ref().map(|entry| entry.value.clone())
    }

    /// The cached value if it is still valid and, for a refresh, newer than the rejected one.
    fn usable(&self, rejected: Option<u64>) -> Option<Versioned<T>> {
        let current = self.current.read().unwrap_or_else(PoisonError::into_inner);
        let entry = current.as_ref()?;
        let fresh = entry.stale_at.is_none_or(|at| Instant::now() < at);
        let newer = rejected.is_none_or(|g| entry.generation > g);
        (fresh && newer).then(|| Versioned { value: entry.value.clone(), generation: entry.generation })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::AtomicUsize;

    use super::*;

    fn later(secs: u64) -> Option<Instant> {
        Some(Instant::now() + Duration::from_secs(secs))
    }

    #[tokio::test]
    async fn a_hit_does_not_wait_for_a_refresh_in_flight() {
        let cache = Arc::new(Cache::<&str>::default());
        let first = cache.get(|| async { Ok(("one", later(60))) }).await.unwrap();
        let stuck = {
            let cache = cache.clone();
            tokio::spawn(async move {
                cache
                    .refresh(first.generation, || async {
                        tokio::time::sleep(Duration::from_secs(30)).await;
                        Ok(("two", later(60)))
                    })
                    .await
            })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        let hit = tokio::time::timeout(Duration::from_secs(1), cache.get(|| async { Ok(("never", None)) })).await;
        assert_eq!(hit.ok().and_then(Result::ok).map(|v| v.value), Some("one"));
        stuck.abort();
    }

    #[tokio::test]
    async fn concurrent_misses_and_refreshes_share_one_fetch() {
        let cache = Arc::new(Cache::<usize>::default());
        let fetches = Arc::new(AtomicUsize::new(0));
        let fetch = |fetches: Arc<AtomicUsize>| async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            Ok((fetches.fetch_add(1, Ordering::SeqCst) + 1, later(60)))
        };
        let misses = (0..10).map(|_| {
            let (cache, fetches) = (cache.clone(), fetches.clone());
            tokio::spawn(async move { cache.get(|| fetch(fetches)).await.map(|v| v.value) })
        });
        for miss in futures::future::join_all(misses).await {
            assert_eq!(miss.unwrap().unwrap(), 1);
        }
        let refreshes = (0..10).map(|_| {
            let (cache, fetches) = (cache.clone(), fetches.clone());
            tokio::spawn(async move { cache.refresh(1, || fetch(fetches)).await })
        });
        for refresh in futures::future::join_all(refreshes).await {
            let refreshed = refresh.unwrap().unwrap();
            assert_eq!((refreshed.value, refreshed.generation), (2, 2));
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 2);
        // Generation 2 was rejected too, but a rejection caused a fetch moments ago: no refetch,
        // the current value.
        assert_eq!(cache.refresh(2, || fetch(fetches.clone())).await.unwrap(), Versioned { value: 2, generation: 2 });
        assert_eq!(fetches.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn waiters_share_a_failure_and_a_stale_value_is_fetched_again() {
        let cache = Arc::new(Cache::<u8>::default());
        let fetches = Arc::new(AtomicUsize::new(0));
        let failing = |fetches: Arc<AtomicUsize>| async move {
            fetches.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(50)).await;
            Err::<(u8, Option<Instant>), _>(BackendError::Credentials("down".into()))
        };
        let misses = (0..5).map(|_| {
            let (cache, fetches) = (cache.clone(), fetches.clone());
            tokio::spawn(async move { cache.get(|| failing(fetches)).await })
        });
        for miss in futures::future::join_all(misses).await {
            assert!(matches!(miss.unwrap(), Err(BackendError::Credentials(m)) if m == "down"));
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 1, "one attempt for the callers that queued together");
        let stale = cache.get(|| async { Ok((1, Some(Instant::now()))) }).await.unwrap();
        assert_eq!(stale.generation, 1);
        let again = cache.get(|| async { Ok((2, later(60))) }).await.unwrap();
        assert_eq!((again.value, again.generation), (2, 2), "a stale value is a miss, not a hit");
    }
}
