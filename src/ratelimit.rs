//! Per-caller, per-tool call limits. This in-memory limiter holds per Lambda instance only; a
//! shared table replaces it where limits must hold across instances.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Number of tracked (caller, tool) pairs above which idle ones are dropped.
const SWEEP_AT: usize = 10_000;

pub trait RateLimiter: Send + Sync {
    /// Count one call; `Err(wait)` when the caller must wait before calling this tool again.
    fn check(&self, principal: &str, tool: &str) -> Result<(), Duration>;
}

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
    fn check(&self, principal: &str, tool: &str) -> Result<(), Duration> {
        self.check_at(principal, tool, Instant::now())
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
