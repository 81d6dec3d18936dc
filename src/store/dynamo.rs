//! DynamoDB-backed state, shared by every Lambda instance of a stage. One table: partition key
//! `pk` (S) only, on-demand, TTL attribute `expires_at` (N, epoch seconds). Two kinds of item:
//!
//! - `rate#<tool length>:<tool>#<window seconds>#<window index>#<principal>`: `calls` (N),
//!   `expires_at`. The tool is length-prefixed, the window's length and index are digits, and the
//!   principal (an IAM ARN may hold `#`, `:` and `/`) comes last, so no principal, tool and window
//!   can spell another's key, and a minute counter never meets a day counter.
//! - `idem#<key>`: `state` (`pending` | `done`), `lease_until` (N, epoch ms, while pending),
//!   `result` (S, the serialized JSON, once done), `expires_at`.
//!
//! # Why fixed windows
//! One conditional `UpdateItem` per window (`ADD calls :one` if `calls < :limit`) counts and
//! decides at once: DynamoDB applies it atomically, so any number of instances calling at the same
//! moment let through exactly `limit` calls, with no read-modify-write. A sliding log would need a
//! read, a write and a retry loop per call. The cost: a caller can burst up to twice the limit
//! across a window boundary (`limit` calls at the end of one window, `limit` at the start of the
//! next), which is acceptable for a cost guard such as "ai_search 5 per minute".
//!
//! A tool limited per minute and per day costs two updates, the minute first: a call the minute
//! refuses stops there and never spends the day's quota. (A call the day refuses has spent a
//! minute slot, which matters little: the day is over for that caller.)
//!
//! # Bounded latency
//! Each call gets 1 s per attempt and 2 s in all, with at most 2 attempts (the SDK's standard
//! retry), so a slow table cannot eat the request's deadline. A retried attempt may repeat a write
//! that had landed: a call may then count twice against a limit, or find its own claim `InFlight`;
//! both refuse rather than let something through. Building the client makes no network call.
//!
//! # Expiry
//! DynamoDB's TTL deletes lazily (within days of expiry, not at it), so a record whose
//! `expires_at` has passed counts as absent when claiming a key. Rate items are per window and
//! simply stop being written.

use std::collections::HashMap;
use std::fmt::Display;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};
use serde_json::Value;

use async_trait::async_trait;

use super::{Claim, IdempotencyStore, MAX_RESULT_BYTES, RateDecision, RateLimiter, RateLimits, StateError, Window};

const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(1);
const OPERATION_TIMEOUT: Duration = Duration::from_secs(2);
const MAX_ATTEMPTS: u32 = 2;
/// A rate item outlives its window's end by this much, so TTL never removes a live counter.
const RATE_ITEM_GRACE_SECS: u64 = 300;

const PK: &str = "pk";
const STATE: &str = "state";
const RESULT: &str = "result";
const LEASE_UNTIL: &str = "lease_until";
const EXPIRES_AT: &str = "expires_at";
const PENDING: &str = "pending";
const DONE: &str = "done";

const CLAIM_CONDITION: &str =
    "attribute_not_exists(pk) OR expires_at < :now_s OR (#s = :pending AND lease_until < :now_ms)";

/// Rate limits and idempotency records in one DynamoDB table.
pub struct DynamoState {
    client: Client,
    table: String,
    limits: RateLimits,
    retention: Duration,
}

impl DynamoState {
    /// A client from `sdk` (credentials, region), aimed at `endpoint_url` when given (DynamoDB
    /// Local, moto), with short timeouts. No network call happens here.
    pub fn new(
        sdk: &aws_config::SdkConfig,
        endpoint_url: Option<&str>,
        table: &str,
        limits: RateLimits,
        retention: Duration,
    ) -> DynamoState {
        // No connect timeout here: the shared SDK HTTP client has its own (reqwest's, TCP and
        // TLS: `outbound::SDK_CONNECT_TIMEOUT`), which a client's setting would not reach.
        let timeouts = TimeoutConfig::builder()
            .operation_attempt_timeout(ATTEMPT_TIMEOUT)
            .operation_timeout(OPERATION_TIMEOUT)
            .build();
        let mut config = aws_sdk_dynamodb::config::Builder::from(sdk)
            .timeout_config(timeouts)
            .retry_config(RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS));
        if let Some(url) = endpoint_url {
            config = config.endpoint_url(url);
        }
        DynamoState { client: Client::from_conf(config.build()), table: table.to_owned(), limits, retention }
    }

    /// Open the TLS connection and resolve credentials before the first call needs them: one
    /// GetItem of a key no record uses (half a read unit per cold start; the role may GetItem
    /// already). Bounded by the client's timeouts; a failure is only logged.
    pub async fn warm(&self) {
        let started = std::time::Instant::now();
        let outcome = self.client.get_item().table_name(&self.table).key(PK, s("warm-up")).send().await;
        let elapsed_ms = started.elapsed().as_millis() as u64;
        match outcome {
            Ok(_) => tracing::debug!(elapsed_ms, "DynamoDB warmed: credentials and a connection ready"),
            Err(e) => {
                tracing::info!(elapsed_ms, error = %self.unavailable("GetItem", e), "DynamoDB warm-up failed; the first call connects itself")
            }
        }
    }

    /// Count one call in one window: one conditional update, atomic however many instances race.
    async fn count_call(
        &self,
        principal: &str,
        tool: &str,
        window: Window,
        limit: u32,
    ) -> Result<RateDecision, StateError> {
        let now = epoch_now();
        let index = window.index(now);
        let window_end = (index + 1) * window.seconds();
        let outcome = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PK, s(rate_key(tool, window, index, principal)))
            .update_expression("ADD calls :one SET expires_at = :exp")
            .condition_expression("attribute_not_exists(calls) OR calls < :limit")
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":exp", n(window_end + RATE_ITEM_GRACE_SECS))
            .expression_attribute_values(":limit", n(limit))
            .send()
            .await;
        match outcome {
            Ok(_) => Ok(RateDecision::Allowed),
            Err(e) if e.as_service_error().is_some_and(UpdateItemError::is_conditional_check_failed_exception) => {
                Ok(RateDecision::Limited { window, limit, retry_after: window.remaining(now) })
            }
            Err(e) => Err(self.unavailable("UpdateItem", e)),
        }
    }

    async fn claim(&self, key: &str, lease: Duration) -> Result<Claim, StateError> {
        let now = epoch_now();
        let outcome = self
            .client
            .put_item()
            .table_name(&self.table)
            .item(PK, s(idem_key(key)))
            .item(STATE, s(PENDING))
            .item(LEASE_UNTIL, n((now + lease).as_millis()))
            .item(EXPIRES_AT, n((now + self.retention).as_secs()))
            .condition_expression(CLAIM_CONDITION)
            .expression_attribute_names("#s", STATE)
            .expression_attribute_values(":now_s", n(now.as_secs()))
            .expression_attribute_values(":now_ms", n(now.as_millis()))
            .expression_attribute_values(":pending", s(PENDING))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match outcome {
            Ok(_) => Ok(Claim::Fresh),
            Err(e) => match e.as_service_error() {
                Some(PutItemError::ConditionalCheckFailedException(held)) => claim_of(held.item()),
                _ => Err(self.unavailable("PutItem", e)),
            },
        }
    }

    async fn record(&self, key: &str, result: &Value) -> Result<(), StateError> {
        let json = result.to_string();
        if json.len() > MAX_RESULT_BYTES {
            return Err(StateError(format!(
                "result of {} bytes is over the {MAX_RESULT_BYTES} bytes a DynamoDB item can hold",
                json.len()
            )));
        }
        self.client
            .put_item()
            .table_name(&self.table)
            .item(PK, s(idem_key(key)))
            .item(STATE, s(DONE))
            .item(RESULT, s(json))
            .item(EXPIRES_AT, n((epoch_now() + self.retention).as_secs()))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| self.unavailable("PutItem", e))
    }

    async fn release(&self, key: &str) -> Result<(), StateError> {
        let outcome = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key(PK, s(idem_key(key)))
            .condition_expression("#s = :pending")
            .expression_attribute_names("#s", STATE)
            .expression_attribute_values(":pending", s(PENDING))
            .send()
            .await;
        match outcome {
            Ok(_) => Ok(()),
            // Completed meanwhile (or already gone): nothing of ours to release.
            Err(e) if e.as_service_error().is_some_and(DeleteItemError::is_conditional_check_failed_exception) => {
                Ok(())
            }
            Err(e) => Err(self.unavailable("DeleteItem", e)),
        }
    }

    fn unavailable<E, R>(&self, operation: &str, error: SdkError<E, R>) -> StateError
    where
        E: std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        StateError(format!("DynamoDB {operation} on {}: {}", self.table, causes(&error)))
    }
}

#[async_trait]
impl RateLimiter for DynamoState {
    async fn check(&self, principal: &str, tool: &str) -> Result<RateDecision, StateError> {
        for (window, limit) in self.limits.windows(tool) {
            let decision = self.count_call(principal, tool, window, limit).await?;
            if decision != RateDecision::Allowed {
                return Ok(decision);
            }
        }
        Ok(RateDecision::Allowed)
    }
}

#[async_trait]
impl IdempotencyStore for DynamoState {
    async fn begin(&self, key: &str, lease: Duration) -> Result<Claim, StateError> {
        self.claim(key, lease).await
    }
    async fn complete(&self, key: &str, result: &Value) -> Result<(), StateError> {
        self.record(key, result).await
    }
    async fn abandon(&self, key: &str) -> Result<(), StateError> {
        self.release(key).await
    }
}

/// The key of one caller's counter for one tool in one window (see the module doc).
fn rate_key(tool: &str, window: Window, window_index: u64, principal: &str) -> String {
    format!("rate#{}:{tool}#{}#{window_index}#{principal}", tool.len(), window.seconds())
}

fn idem_key(key: &str) -> String {
    format!("idem#{key}")
}

/// What the record that refused a claim says. A record that vanished between the refusal and the
/// answer (no item) is taken as still running: the safe side.
fn claim_of(item: Option<&HashMap<String, AttributeValue>>) -> Result<Claim, StateError> {
    let Some(item) = item else {
        return Ok(Claim::InFlight);
    };
    if item.get(STATE).and_then(|v| v.as_s().ok()).map(String::as_str) != Some(DONE) {
        return Ok(Claim::InFlight);
    }
    let stored = item.get(RESULT).and_then(|v| v.as_s().ok());
    let result = stored.and_then(|json| serde_json::from_str(json).ok());
    result.map(Claim::Done).ok_or_else(|| StateError("a completed idempotency record holds no JSON result".to_owned()))
}

/// An error and its sources on one line ("dispatch failure: io error: ...: Connection refused").
/// It names the operation's failure only: the request, and so any credential, is not in it.
fn causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let line = cause.to_string();
        // The SDK's operation errors wrap their exception and print the same words.
        if !text.ends_with(&line) {
            text.push_str(": ");
            text.push_str(&line);
        }
        source = cause.source();
    }
    text
}

fn epoch_now() -> Duration {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default()
}

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn n(value: impl Display) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A store aimed at a port nothing listens on: any call that reaches the network fails.
    fn offline() -> DynamoState {
        let sdk = aws_config::SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .build();
        let limits = RateLimits::none().with("ai_search", Window::Minute, 5);
        DynamoState::new(&sdk, Some("http://127.0.0.1:9"), "t", limits, Duration::from_secs(60))
    }

    #[test]
    fn a_principal_cannot_spell_another_tools_key() {
        let m = Window::Minute;
        assert_eq!(
            rate_key("ai_search", m, 7, "iam:arn:aws:iam::1:role/x#y"),
            "rate#9:ai_search#60#7#iam:arn:aws:iam::1:role/x#y"
        );
        assert_ne!(rate_key("a#60#7#b", m, 7, "p"), rate_key("a", m, 7, "b#60#7#p"));
        assert_ne!(rate_key("a", m, 7, "1#p"), rate_key("a#60#7", m, 1, "p"));
    }

    #[test]
    fn minute_and_day_counters_never_share_a_key() {
        // Index 1440 of the minute window and index 1440 of the day window are different moments.
        assert_ne!(rate_key("ai_search", Window::Minute, 1440, "p"), rate_key("ai_search", Window::Day, 1440, "p"));
        assert_eq!(rate_key("ai_search", Window::Day, 19_675, "p"), "rate#9:ai_search#86400#19675#p");
    }

    #[tokio::test]
    async fn a_tool_without_a_limit_makes_no_call() {
        assert_eq!(offline().check("alice", "search_companies").await.unwrap(), RateDecision::Allowed);
    }

    #[tokio::test]
    async fn an_oversized_result_is_refused_before_any_call() {
        let big = json!("x".repeat(MAX_RESULT_BYTES + 1));
        let err = offline().complete("k", &big).await.unwrap_err();
        assert!(err.0.contains("bytes a DynamoDB item can hold"), "{err}");
    }

    #[test]
    fn a_refusing_record_is_read_as_a_claim() {
        let done = HashMap::from([(STATE.to_owned(), s(DONE)), (RESULT.to_owned(), s(r#"{"id":1}"#))]);
        assert_eq!(claim_of(Some(&done)).unwrap(), Claim::Done(json!({"id": 1})));
        let pending = HashMap::from([(STATE.to_owned(), s(PENDING))]);
        assert_eq!(claim_of(Some(&pending)).unwrap(), Claim::InFlight);
        assert_eq!(claim_of(None).unwrap(), Claim::InFlight, "vanished meanwhile");
        let broken = HashMap::from([(STATE.to_owned(), s(DONE)), (RESULT.to_owned(), s("{"))]);
        assert!(claim_of(Some(&broken)).is_err());
    }
}
