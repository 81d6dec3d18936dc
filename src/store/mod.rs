//! State that must hold across Lambda instances: per-caller rate limits and mutation
//! idempotency. A deployed stage keeps it in one DynamoDB table ([`dynamo`]); a laptop or a
//! single container may keep it in memory ([`memory`]), which holds per instance only. What the
//! limits are, and the windows they count in, is configuration (`config::rate_limits`).

pub mod dynamo;
pub mod memory;

use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;

pub use crate::config::{RateLimits, Window};

/// DynamoDB items hold at most 400 KB; a recorded result leaves room for the key and the other
/// attributes. Both stores refuse a larger one alike.
pub(crate) const MAX_RESULT_BYTES: usize = 350 * 1024;

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

/// Dyn-compatible async traits here and in `backend` use `#[async_trait]`, one style throughout.
#[async_trait]
pub trait RateLimiter: Send + Sync {
    /// Count one call of `tool` by `principal` against the tool's limit in each window
    /// ([`RateLimits`]), the minute first: a call the minute refuses is not counted against the
    /// day. A tool without any limit is always allowed and costs nothing.
    async fn check(&self, principal: &str, tool: &str) -> Result<RateDecision, StateError>;
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

#[async_trait]
pub trait IdempotencyStore: Send + Sync {
    /// Claim `key` for a call about to run, with a lease of `lease`.
    async fn begin(&self, key: &str, lease: Duration) -> Result<Claim, StateError>;
    /// Record the result of the call that claimed `key`; kept for the retention window.
    async fn complete(&self, key: &str, result: &Value) -> Result<(), StateError>;
    /// The call that claimed `key` failed: forget the claim, so that a retry runs.
    async fn abandon(&self, key: &str) -> Result<(), StateError>;
}
