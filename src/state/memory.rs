//! In-memory state for one process (a laptop, a single container, tests): a sliding-log rate
//! limiter and an idempotency store. Neither holds across Lambda instances; DynamoDB does.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{BoxFuture, Claim, IdempotencyStore, RateDecision, RateLimiter, StateError};

/// Number of tracked (caller, tool) pairs above which idle ones are dropped.
const SWEEP_AT: usize = 10_000;

/// Sliding log: exact over the window, memory bounded by calls in the last window.
pub struct LocalRateLimiter {
    limits: HashMap<String, u32>,
    window: Duration,
    calls: Mutex<Calls>,
}

#[derive(Default)]
struct Calls {
    log: HashMap<(String, String), VecDeque<Instant>>,
    /// Size at which idle callers are next swept out; doubles with the active set, so the sweep
    /// costs O(1) per call amortised.
    sweep_at: usize,
}

impl LocalRateLimiter {
    pub fn new(limits: impl IntoIterator<Item = (String, u32)>, window: Duration) -> LocalRateLimiter {
        LocalRateLimiter {
            limits: limits.into_iter().collect(),
            window,
            calls: Mutex::new(Calls { log: HashMap::new(), sweep_at: SWEEP_AT }),
        }
    }

    fn check_at(&self, principal: &str, tool: &str, now: Instant) -> Result<(), Duration> {
        let Some(&limit) = self.limits.get(tool) else {
            return Ok(());
        };
        // A poisoned lock only means another request panicked mid-update; the log is still usable.
        let mut calls = self.calls.lock().unwrap_or_else(|p| p.into_inner());
        if calls.log.len() >= calls.sweep_at {
            // Forget callers with no call inside the window, so memory follows active callers.
            calls.log.retain(|_, log| log.back().is_some_and(|t| now.duration_since(*t) < self.window));
            calls.sweep_at = (calls.log.len() * 2).max(SWEEP_AT);
        }
        let log = calls.log.entry((principal.to_owned(), tool.to_owned())).or_default();
        while log.front().is_some_and(|t| now.duration_since(*t) >= self.window) {
            log.pop_front();
        }
        if log.len() >= limit as usize {
            let oldest = log.front().copied().unwrap_or(now);
            return Err(self.window.saturating_sub(now.duration_since(oldest)));
        }
        log.push_back(now);
        Ok(())
    }
}

impl RateLimiter for LocalRateLimiter {
    fn check<'a>(&'a self, principal: &'a str, tool: &'a str) -> BoxFuture<'a, Result<RateDecision, StateError>> {
        let decision = match self.check_at(principal, tool, Instant::now()) {
            Ok(()) => RateDecision::Allowed,
            Err(retry_after) => RateDecision::Limited { retry_after },
        };
        Box::pin(async move { Ok(decision) })
    }
}

/// Idempotency records of this process, forgotten after the retention window. Bounded: at most
/// [`MAX_RECORDS`] live records (beyond that a new claim is refused, retry-safe), results of at
/// most the size a DynamoDB item could hold, and expired records swept out in amortised O(1).
pub struct MemoryIdempotency {
    retention: Duration,
    records: Mutex<Records>,
}

/// Live idempotency records one process keeps at most.
pub const MAX_RECORDS: usize = 100_000;

struct Records {
    map: HashMap<String, Record>,
    sweep_at: usize,
}

enum Record {
    Pending { lease_until: Instant },
    Done { result: Value, expires: Instant },
}

impl Record {
    fn live(&self, now: Instant) -> bool {
        match self {
            Record::Pending { lease_until } => *lease_until > now,
            Record::Done { expires, .. } => *expires > now,
        }
    }
}

impl MemoryIdempotency {
    pub fn new(retention: Duration) -> MemoryIdempotency {
        MemoryIdempotency { retention, records: Mutex::new(Records { map: HashMap::new(), sweep_at: SWEEP_AT }) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Records> {
        self.records.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl IdempotencyStore for MemoryIdempotency {
    fn begin<'a>(&'a self, key: &'a str, lease: Duration) -> BoxFuture<'a, Result<Claim, StateError>> {
        let now = Instant::now();
        let mut records = self.lock();
        if records.map.len() >= records.sweep_at {
            records.map.retain(|_, r| r.live(now));
            records.sweep_at = (records.map.len() * 2).max(SWEEP_AT);
        }
        let claim = match records.map.get(key).filter(|r| r.live(now)) {
            Some(Record::Done { result, .. }) => Ok(Claim::Done(result.clone())),
            Some(Record::Pending { .. }) => Ok(Claim::InFlight),
            None if records.map.len() >= MAX_RECORDS => {
                Err(StateError(format!("{MAX_RECORDS} idempotency records in memory; set STATE_TABLE")))
            }
            None => {
                records.map.insert(key.to_owned(), Record::Pending { lease_until: now + lease });
                Ok(Claim::Fresh)
            }
        };
        Box::pin(async move { claim })
    }

    fn complete<'a>(&'a self, key: &'a str, result: &'a Value) -> BoxFuture<'a, Result<(), StateError>> {
        let size = result.to_string().len();
        let outcome = if size > super::dynamo::MAX_RESULT_BYTES {
            Err(StateError(format!("a result of {size} bytes is too large to record")))
        } else {
            let record = Record::Done { result: result.clone(), expires: Instant::now() + self.retention };
            self.lock().map.insert(key.to_owned(), record);
            Ok(())
        };
        Box::pin(async move { outcome })
    }

    fn abandon<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), StateError>> {
        let mut records = self.lock();
        if matches!(records.map.get(key), Some(Record::Pending { .. })) {
            records.map.remove(key);
        }
        Box::pin(async { Ok(()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter() -> LocalRateLimiter {
        LocalRateLimiter::new([("ai_search".to_owned(), 5)], Duration::from_secs(60))
    }

    #[test]
    fn sixth_call_in_a_minute_is_refused_with_the_wait() {
        let l = limiter();
        let t0 = Instant::now();
        for i in 0..5 {
            assert!(l.check_at("alice", "ai_search", t0 + Duration::from_secs(i)).is_ok());
        }
        let wait = l.check_at("alice", "ai_search", t0 + Duration::from_secs(10)).unwrap_err();
        assert_eq!(wait, Duration::from_secs(50));
        assert!(l.check_at("alice", "ai_search", t0 + Duration::from_secs(60)).is_ok(), "oldest call left the window");
    }

    #[test]
    fn idle_callers_are_forgotten() {
        let l = limiter();
        let t0 = Instant::now();
        for i in 0..SWEEP_AT {
            assert!(l.check_at(&format!("caller-{i}"), "ai_search", t0).is_ok());
        }
        assert!(l.check_at("late", "ai_search", t0 + Duration::from_secs(61)).is_ok());
        assert_eq!(l.calls.lock().map(|c| c.log.len()).unwrap_or_default(), 1);
    }

    #[tokio::test]
    async fn an_identical_call_is_fresh_once_then_in_flight_then_done() {
        let store = MemoryIdempotency::new(Duration::from_secs(60));
        let lease = Duration::from_secs(30);
        assert_eq!(store.begin("k", lease).await.unwrap(), Claim::Fresh);
        assert_eq!(store.begin("k", lease).await.unwrap(), Claim::InFlight);
        store.complete("k", &serde_json::json!({"id": 1})).await.unwrap();
        assert_eq!(store.begin("k", lease).await.unwrap(), Claim::Done(serde_json::json!({"id": 1})));
        assert_eq!(store.begin("other", lease).await.unwrap(), Claim::Fresh);
        store.abandon("other").await.unwrap();
        assert_eq!(store.begin("other", lease).await.unwrap(), Claim::Fresh, "a failed call blocks no retry");
        assert_eq!(store.begin("expired-lease", Duration::ZERO).await.unwrap(), Claim::Fresh);
        assert_eq!(store.begin("expired-lease", lease).await.unwrap(), Claim::Fresh, "a dead caller's lease ends");
    }

    #[test]
    fn callers_and_unlimited_tools_are_independent() {
        let l = limiter();
        let t0 = Instant::now();
        for _ in 0..5 {
            assert!(l.check_at("alice", "ai_search", t0).is_ok());
        }
        assert!(l.check_at("bob", "ai_search", t0).is_ok());
        assert!(l.check_at("alice", "search_companies", t0).is_ok());
    }
}
