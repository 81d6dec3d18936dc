//! The DynamoDB state store when its table cannot be reached: nothing listening there, or a peer
//! that accepts connections and never answers. Every operation fails with `StateError` within
//! about three seconds, far inside a request's deadline. (The store against a real table, moto's:
//! `tests/e2e/state.rs`.)

use std::time::{Duration, Instant};

use b2b_mcp::store::dynamo::DynamoState;
use b2b_mcp::store::{IdempotencyStore, RateLimiter, RateLimits, Window};
use platform_local::testing::free_port;
use serde_json::json;

use crate::common::limits::dynamo;

const LEASE: Duration = Duration::from_secs(30);

/// A store limiting `ai_search` to `limit` calls a minute; every other tool is unlimited.
fn store(url: &str, limit: u32) -> std::sync::Arc<DynamoState> {
    dynamo(url, RateLimits::none().with("ai_search", Window::Minute, limit))
}

/// Every operation of a store at `url` fails with `StateError` within about three seconds.
async fn fails_fast(url: &str) {
    let s = store(url, 5);
    let result = json!({});
    let started = Instant::now();
    let (check, begin, complete, abandon) =
        tokio::join!(s.check("alice", "ai_search"), s.begin("k", LEASE), s.complete("k", &result), s.abandon("k"));
    let elapsed = started.elapsed();
    assert!(check.is_err() && begin.is_err() && complete.is_err() && abandon.is_err());
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
}

#[tokio::test]
async fn an_unreachable_table_fails_fast() {
    let url = format!("http://127.0.0.1:{}", free_port().unwrap());
    let started = Instant::now();
    let err = store(&url, 5).check("alice", "ai_search").await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    assert!(err.to_string().contains("DynamoDB UpdateItem"), "{err}");
    fails_fast(&url).await;
}

/// A peer that accepts connections and never answers: only the timeouts end the call.
#[tokio::test]
async fn a_silent_table_fails_within_the_operation_timeout() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let started = Instant::now();
    let err = store(&url, 5).begin("k", LEASE).await.unwrap_err();
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}: {err}");
    fails_fast(&url).await;
    drop(listener);
}
