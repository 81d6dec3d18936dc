//! In-memory state for one process (a laptop, a single container, tests): a fixed-window rate
//! limiter and an idempotency store. Neither holds across Lambda instances; DynamoDB does.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use async_trait::async_trait;

use super::{Claim, IdempotencyStore, MAX_RESULT_BYTES, RateDecision, RateLimiter, RateLimits, StateError, Window};

/// Number of tracked counters (or idempotency records) above which dead ones are dropped.
const SWEEP_AT: usize = 10_000;

/// Fixed windows aligned to the epoch, counted as DynamoDB counts them (`dynamo.rs`), so a
/// laptop and a stage refuse the same calls and name the same reset time. One counter per caller,
/// tool and window: memory follows the callers active in the current windows, whatever the limits.
pub struct LocalRateLimiter {
    limits: RateLimits,
    counters: Mutex<Counters>,
}

struct Counters {
    map: HashMap<(String, String, Window), Counter>,
    /// Size at which counters of ended windows are next swept out; doubles with the active set,
    /// so the sweep costs O(1) per call amortised.
    sweep_at: usize,
}

#[derive(Clone, Copy)]
struct Counter {
    index: u64,
    calls: u32,
}

impl LocalRateLimiter {
    pub fn new(limits: RateLimits) -> LocalRateLimiter {
        LocalRateLimiter { limits, counters: Mutex::new(Counters { map: HashMap::new(), sweep_at: SWEEP_AT }) }
    }

    /// Count a call at `now` (since the Unix epoch): each window in order, stopping at the first
    /// that refuses, all under one lock, as one atomic decision.
    fn check_at(&self, principal: &str, tool: &str, now: Duration) -> RateDecision {
        let mut windows = self.limits.windows(tool).peekable();
        if windows.peek().is_none() {
            return RateDecision::Allowed;
        }
        // A poisoned lock only means another request panicked mid-update; the counts are usable.
        let mut counters = self.counters.lock().unwrap_or_else(|p| p.into_inner());
        if counters.map.len() >= counters.sweep_at {
            counters.map.retain(|(_, _, window), c| c.index == window.index(now));
            counters.sweep_at = (counters.map.len() * 2).max(SWEEP_AT);
        }
        for (window, limit) in windows {
            let index = window.index(now);
            let counter = counters
                .map
                .entry((principal.to_owned(), tool.to_owned(), window))
                .or_insert(Counter { index, calls: 0 });
            if counter.index != index {
                *counter = Counter { index, calls: 0 };
            }
            if counter.calls >= limit {
                return RateDecision::Limited { window, limit, retry_after: window.remaining(now) };
            }
            counter.calls += 1;
        }
        RateDecision::Allowed
    }
}

#[async_trait]
impl RateLimiter for LocalRateLimiter {
    async fn check(&self, principal: &str, tool: &str) -> Result<RateDecision, StateError> {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        Ok(self.check_at(principal, tool, now))
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

#[async_trait]
impl IdempotencyStore for MemoryIdempotency {
    async fn begin(&self, key: &str, lease: Duration) -> Result<Claim, StateError> {
        let now = Instant::now();
        let mut records = self.lock();
        if records.map.len() >= records.sweep_at {
            records.map.retain(|_, r| r.live(now));
            records.sweep_at = (records.map.len() * 2).max(SWEEP_AT);
        }
        match records.map.get(key).filter(|r| r.live(now)) {
            Some(Record::Done { result, .. }) => Ok(Claim::Done(result.clone())),
            Some(Record::Pending { .. }) => Ok(Claim::InFlight),
            None if records.map.len() >= MAX_RECORDS => {
                Err(StateError(format!("{MAX_RECORDS} idempotency records in memory; set STATE_TABLE")))
            }
            None => {
                records.map.insert(key.to_owned(), Record::Pending { lease_until: now + lease });
                Ok(Claim::Fresh)
            }
        }
    }

    async fn complete(&self, key: &str, result: &Value) -> Result<(), StateError> {
        let size = result.to_string().len();
        if size > MAX_RESULT_BYTES {
            Err(StateError(format!("a result of {size} bytes is too large to record")))
        } else {
            let record = Record::Done { result: result.clone(), expires: Instant::now() + self.retention };
            self.lock().map.insert(key.to_owned(), record);
            Ok(())
        }
    }

    async fn abandon(&self, key: &str) -> Result<(), StateError> {
        let mut records = self.lock();
        if matches!(records.map.get(key), Some(Record::Pending { .. })) {
            records.map.remove(key);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A moment 20 s into a minute, 80 000 s (22:13:20) into a day.
    const T0: Duration = Duration::from_secs(1_700_000_000);

    fn limiter() -> LocalRateLimiter {
        LocalRateLimiter::new(
            RateLimits::none()
                .with("ai_search", Window::Minute, 5)
                .with("request_email_discovery", Window::Minute, 2)
                .with("request_email_discovery", Window::Day, 3),
        )
    }

    fn secs(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    #[test]
    fn sixth_call_in_a_minute_is_refused_until_the_minute_ends() {
        let l = limiter();
        for i in 0..5 {
            assert_eq!(l.check_at("alice", "ai_search", T0 + secs(i)), RateDecision::Allowed);
        }
        let refused = l.check_at("alice", "ai_search", T0 + secs(10));
        let retry_after = secs(30);
        assert_eq!(refused, RateDecision::Limited { window: Window::Minute, limit: 5, retry_after });
        assert_eq!(l.check_at("alice", "ai_search", T0 + secs(39)), refused_at(Window::Minute, 5, secs(1)));
        assert_eq!(l.check_at("alice", "ai_search", T0 + secs(40)), RateDecision::Allowed, "a new minute");
    }

    fn refused_at(window: Window, limit: u32, retry_after: Duration) -> RateDecision {
        RateDecision::Limited { window, limit, retry_after }
    }

    #[test]
    fn the_day_window_holds_across_minutes_and_resets_at_midnight_utc() {
        let l = limiter();
        let discovery = |at: Duration| l.check_at("alice", "request_email_discovery", at);
        assert_eq!(discovery(T0), RateDecision::Allowed);
        assert_eq!(discovery(T0), RateDecision::Allowed);
        assert_eq!(discovery(T0), refused_at(Window::Minute, 2, secs(40)), "the minute refuses first");
        assert_eq!(discovery(T0 + secs(60)), RateDecision::Allowed, "the third call of the day");
        let midnight = 6_400;
        assert_eq!(discovery(T0 + secs(120)), refused_at(Window::Day, 3, secs(midnight - 120)));
        assert_eq!(discovery(T0 + secs(midnight - 1)), refused_at(Window::Day, 3, secs(1)));
        assert_eq!(discovery(T0 + secs(midnight)), RateDecision::Allowed, "a new day");
    }

    #[test]
    fn a_call_the_minute_refuses_does_not_spend_the_day() {
        let l = limiter();
        let discovery = |at: Duration| l.check_at("alice", "request_email_discovery", at);
        assert_eq!(discovery(T0), RateDecision::Allowed);
        assert_eq!(discovery(T0), RateDecision::Allowed);
        for _ in 0..10 {
            assert!(matches!(discovery(T0), RateDecision::Limited { window: Window::Minute, .. }));
        }
        assert_eq!(discovery(T0 + secs(60)), RateDecision::Allowed, "2 of 3 spent, not 12");
        assert!(matches!(discovery(T0 + secs(120)), RateDecision::Limited { window: Window::Day, .. }));
    }

    #[test]
    fn the_default_limits_each_tool_without_its_own_entry_separately() {
        let l =
            LocalRateLimiter::new(RateLimits::none().with("*", Window::Minute, 2).with("ai_search", Window::Minute, 3));
        for tool in ["search_companies", "get_company"] {
            assert_eq!(l.check_at("alice", tool, T0), RateDecision::Allowed, "{tool}");
            assert_eq!(l.check_at("alice", tool, T0), RateDecision::Allowed, "{tool}");
            assert_eq!(l.check_at("alice", tool, T0), refused_at(Window::Minute, 2, secs(40)), "{tool}");
        }
        for _ in 0..3 {
            assert_eq!(l.check_at("alice", "ai_search", T0), RateDecision::Allowed, "its own limit");
        }
        assert!(matches!(l.check_at("alice", "ai_search", T0), RateDecision::Limited { limit: 3, .. }));
    }

    #[test]
    fn counters_of_ended_windows_are_forgotten() {
        let l = limiter();
        for i in 0..SWEEP_AT {
            assert_eq!(l.check_at(&format!("caller-{i}"), "ai_search", T0), RateDecision::Allowed);
        }
        assert_eq!(l.check_at("late", "ai_search", T0 + secs(61)), RateDecision::Allowed);
        assert_eq!(l.counters.lock().map(|c| c.map.len()).unwrap_or_default(), 1);
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
        for _ in 0..5 {
            assert_eq!(l.check_at("alice", "ai_search", T0), RateDecision::Allowed);
        }
        assert_eq!(l.check_at("bob", "ai_search", T0), RateDecision::Allowed);
        assert_eq!(l.check_at("alice", "search_companies", T0), RateDecision::Allowed);
        assert!(
            l.counters
                .lock()
                .map(|c| !c.map.contains_key(&("alice".into(), "search_companies".into(), Window::Minute)))
                .unwrap_or_default(),
            "nothing counted for an unlimited tool"
        );
    }
}
