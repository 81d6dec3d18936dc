//! State that must hold across Lambda instances: per-caller rate limits and mutation
//! idempotency. A deployed stage keeps it in one DynamoDB table ([`dynamo`]); a laptop or a
//! single container may keep it in memory ([`memory`]), which holds per instance only. What the
//! limits are, and the windows they count in, is configuration (`config::rate_limits`).

pub mod dynamo;
pub mod memory;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use serde_json::Value;

pub use crate::config::{RateLimits, Window};

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The store could not be reached or answered unexpectedly. The call is refused (not let
/// through unchecked) with a retry-safe message; the detail is for the logs.
#[derive(Debug, thiserror::Error)]
#[error("state store unavailable: {0}")]
pub struct StateError(pub String);

/// The answer of a rate-limit check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateDecision {
    Allowed,
    /// Over the limit of `window` (`limit` calls): the caller may call this tool again after
    /// `retry_after`, when that window ends.
    Limited {
        window: Window,
        limit: u32,
        retry_after: Duration,
    },
}

pub trait RateLimiter: Send + Sync {
    /// Count one call of `tool` by `principal` against the tool's limit in each window
    /// ([`RateLimits`]), the minute first: a call the minute refuses is not counted against the
    /// day. A tool without any limit is always allowed and costs nothing.
    fn check<'a>(&'a self, principal: &'a str, tool: &'a str) -> BoxFuture<'a, Result<RateDecision, StateError>>;
}

/// What [`IdempotencyStore::begin`] found for a key.
#[derive(Debug, Clone, PartialEq)]
pub enum Claim {
    /// No identical call is recorded: run it. The claim is a lease: if the caller dies before
    /// `complete` or `abandon`, another call may claim the key once the lease has expired.
    Fresh,
    /// An identical call finished within the retention window: its recorded result.
    Done(Value),
    /// An identical call holds an unexpired lease: it is still running (or died moments ago).
    InFlight,
}

pub trait IdempotencyStore: Send + Sync {
    /// Claim `key` for a call about to run, with a lease of `lease`.
    fn begin<'a>(&'a self, key: &'a str, lease: Duration) -> BoxFuture<'a, Result<Claim, StateError>>;
    /// Record the result of the call that claimed `key`; kept for the retention window.
    fn complete<'a>(&'a self, key: &'a str, result: &'a Value) -> BoxFuture<'a, Result<(), StateError>>;
    /// The call that claimed `key` failed: forget the claim, so that a retry runs.
    fn abandon<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), StateError>>;
}
