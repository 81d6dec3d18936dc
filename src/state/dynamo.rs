//! DynamoDB-backed state (one table; partition key `pk`, TTL attribute `expires_at`).
//! PLACEHOLDER: being implemented; every call answers "unavailable" until then.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::Value;

use super::{BoxFuture, Claim, IdempotencyStore, RateDecision, RateLimiter, StateError};

pub struct DynamoState {
    table: String,
}

impl DynamoState {
    pub fn new(
        _sdk: &aws_config::SdkConfig,
        _endpoint_url: Option<&str>,
        table: &str,
        _limits: HashMap<String, u32>,
        _window: Duration,
        _retention: Duration,
    ) -> DynamoState {
        DynamoState { table: table.to_owned() }
    }
}

impl RateLimiter for DynamoState {
    fn check<'a>(&'a self, _principal: &'a str, _tool: &'a str) -> BoxFuture<'a, Result<RateDecision, StateError>> {
        Box::pin(async move { Err(StateError(format!("{} not implemented", self.table))) })
    }
}

impl IdempotencyStore for DynamoState {
    fn begin<'a>(&'a self, _key: &'a str, _lease: Duration) -> BoxFuture<'a, Result<Claim, StateError>> {
        Box::pin(async move { Err(StateError(format!("{} not implemented", self.table))) })
    }
    fn complete<'a>(&'a self, _key: &'a str, _result: &'a Value) -> BoxFuture<'a, Result<(), StateError>> {
        Box::pin(async move { Err(StateError(format!("{} not implemented", self.table))) })
    }
    fn abandon<'a>(&'a self, _key: &'a str) -> BoxFuture<'a, Result<(), StateError>> {
        Box::pin(async move { Err(StateError(format!("{} not implemented", self.table))) })
    }
}
