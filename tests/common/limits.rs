//! Server instances over a shared DynamoDB state store, as Lambda instances share a stage's
//! table, and reading the refusals of their limits. The table is moto's in the e2e tests; here
//! nothing needs it to exist (a store whose endpoint does not answer refuses every call).

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use b2b_mcp::Mode;
use b2b_mcp::backend::GraphqlBackend;
use b2b_mcp::backend::memory::MemoryBackend;
use b2b_mcp::store::dynamo::DynamoState;
use b2b_mcp::store::{RateLimits, Window};

use super::aws::test_sdk_config;
use super::{Client, client_with_stores};

/// The state table's name, as the SAM template defines it.
pub const STATE_TABLE: &str = "b2b-mcp-state";

/// A DynamoDB store on the state table at `url`, keeping records for an hour.
pub fn dynamo(url: &str, limits: RateLimits) -> Arc<DynamoState> {
    Arc::new(DynamoState::new(&test_sdk_config(), Some(url), STATE_TABLE, limits, Duration::from_secs(3600)))
}

/// An instance of the server over `backend`, with its own DynamoDB client on the shared table,
/// limiting ai_search to 5 calls a minute and nothing else.
pub fn instance(url: &str, backend: Arc<dyn GraphqlBackend>, vars: &[(&str, &str)]) -> Client {
    let store = dynamo(url, RateLimits::none().with("ai_search", Window::Minute, 5));
    client_with_stores(backend, Mode::Serve, vars, store.clone(), store)
}

/// An instance as `main` builds one for a stage with a table: the limits from its own settings
/// (`vars`, RATE_LIMITS included), kept in the shared table.
pub fn configured_instance(url: &str, backend: Arc<dyn GraphqlBackend>, vars: &[(&str, &str)]) -> Client {
    let mut vars = vars.to_vec();
    vars.push(("INBOUND_AUTH", "off"));
    let config = b2b_mcp::configure(Mode::Serve, |k| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| (*v).to_owned()))
        .expect("valid settings");
    let store = dynamo(url, config.rate_limits);
    client_with_stores(backend, Mode::Serve, &vars, store.clone(), store)
}

/// The number after "retry in " in a refusal.
pub fn retry_in(text: &str) -> u64 {
    text.split("retry in ").nth(1).and_then(|t| t.split(' ').next()?.parse().ok()).unwrap_or(0)
}

pub fn until_midnight_utc() -> u64 {
    86_400 - SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() % 86_400
}

/// Don't start a loop in the last seconds of a minute: its calls are to share one window (and
/// one day, since midnight UTC ends a minute too).
pub async fn within_one_minute() {
    let into = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() % 60;
    if into > 50 {
        tokio::time::sleep(Duration::from_secs(60 - into)).await;
    }
}

/// How many email discoveries reached the platform.
pub fn discoveries(backend: &MemoryBackend) -> usize {
    backend.calls().iter().filter(|c| c.operation == "RequestEmailDiscovery").count()
}
