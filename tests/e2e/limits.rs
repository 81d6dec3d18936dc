//! Limits and idempotency that hold across instances: two server instances (two apps, as two
//! Lambda instances) share one DynamoDB table on moto's server.

use std::sync::Arc;
use std::time::Duration;

use b2b_mcp::Mode;
use b2b_mcp::backend::appsync::connect;
use b2b_mcp::backend::memory::MemoryBackend;
use b2b_mcp::config::AppsyncAuth;
use b2b_mcp::error::Outcome;
use b2b_mcp::outbound::Outbound;
use b2b_mcp::store::dynamo::DynamoState;
use b2b_mcp::store::{Claim, IdempotencyStore, RateLimits, StateError};
use futures::future::join_all;
use serde_json::{Value, json};

use crate::common::aws::platform_sdk;
use crate::common::limits::{
    configured_instance, discoveries, dynamo, instance, retry_in, until_midnight_utc, within_one_minute,
};
use crate::common::platform::{config, platform};
use crate::common::{client_with_stores, is_error, text_of};
use crate::moto::Moto;
use crate::proxy::SerialProxy;
use crate::state::create_table;

/// Finding 5: the paid tool, looped with a fresh idempotency key per call (so no call is a replay)
/// across two instances, stops at the stage's daily quota; the refusals reach nothing and say
/// when the quota resets.
#[tokio::test]
async fn request_email_discovery_looped_with_fresh_keys_stops_at_the_daily_quota() {
    let moto = Moto::start();
    create_table(&moto.url).await;
    let backend = Arc::new(MemoryBackend::recording());
    let vars = [
        ("LOCAL_PRINCIPAL", "alice"),
        ("ALLOW_MUTATIONS", "true"),
        ("RATE_LIMITS", "request_email_discovery=100/min,request_email_discovery=3/day"),
    ];
    let nodes = [
        configured_instance(&moto.url, backend.clone(), &vars),
        configured_instance(&moto.url, backend.clone(), &vars),
    ];
    within_one_minute().await;
    for i in 0..8 {
        let node = &nodes[i % 2];
        let args = json!({"company_id": "c_0001", "idempotency_key": format!("loop-{i}")});
        let result = node.call("request_email_discovery", args).await;
        if i < 3 {
            assert!(!is_error(&result), "call {i}: {result}");
            continue;
        }
        assert!(is_error(&result), "call {i} is over the daily quota of 3: {result}");
        let text = text_of(&result);
        assert!(text.contains("daily quota of 3 calls") && text.contains("resets at 00:00 UTC"), "{text}");
        let (wait, midnight) = (retry_in(&text), until_midnight_utc());
        assert!(wait.abs_diff(midnight) <= 5, "retry in {wait} s, but midnight UTC is in {midnight} s: {text}");
        assert_eq!(node.audit.records().last().unwrap().outcome, Outcome::RateLimited);
    }
    assert_eq!(discoveries(&backend), 3, "nothing over the quota reached the platform");
    let bob = configured_instance(&moto.url, backend.clone(), &[vars[1], vars[2], ("LOCAL_PRINCIPAL", "bob")]);
    let other = bob.call("request_email_discovery", json!({"company_id": "c_0001"})).await;
    assert!(!is_error(&other), "another caller has a quota of his own: {other}");
}

/// Two instances over one table count one caller's ai_search calls together.
#[tokio::test]
async fn two_instances_sharing_the_table_enforce_one_ai_search_limit() {
    let moto = Moto::start();
    create_table(&moto.url).await;
    let backend = Arc::new(MemoryBackend::recording());
    let alice = [("LOCAL_PRINCIPAL", "alice")];
    let (a, b) = (instance(&moto.url, backend.clone(), &alice), instance(&moto.url, backend.clone(), &alice));
    let query = json!({"query": "Fintech companies in Germany", "limit": 3});
    for i in 0..5 {
        let node = if i % 2 == 0 { &a } else { &b };
        let result = node.call("ai_search", query.clone()).await;
        assert!(!is_error(&result), "call {i}: {result}");
    }
    for node in [&a, &b] {
        let result = node.call("ai_search", query.clone()).await;
        assert!(is_error(&result), "the 6th call in a minute, on either instance, is refused: {result}");
        let text = text_of(&result);
        let wait: u64 = text.split("retry in ").nth(1).and_then(|t| t.split(' ').next()?.parse().ok()).unwrap_or(0);
        assert!((1..=60).contains(&wait), "{text}");
        assert_eq!(node.audit.records().last().unwrap().outcome, Outcome::RateLimited);
    }
    assert_eq!(backend.calls().len(), 5, "refused calls never reached the platform");
    let bob = instance(&moto.url, backend.clone(), &[("LOCAL_PRINCIPAL", "bob")]);
    assert!(!is_error(&bob.call("ai_search", query).await), "another caller has his own budget");
    assert!(!is_error(&a.call("search_companies", json!({"country": "DE"})).await), "an unlimited tool");
}

/// The claims race in our code; moto applies them one at a time behind a [`SerialProxy`], as
/// DynamoDB evaluates each condition atomically (moto's threads do not).
#[tokio::test]
async fn ten_concurrent_identical_add_to_collection_calls_write_once() {
    let moto = Moto::start();
    create_table(&moto.url).await;
    let serial = SerialProxy::start(&moto.url).await;
    let backend = Arc::new(MemoryBackend::recording());
    let vars = [("LOCAL_PRINCIPAL", "alice"), ("ALLOW_MUTATIONS", "true")];
    let (a, b) = (instance(&serial.url, backend.clone(), &vars), instance(&serial.url, backend.clone(), &vars));
    let created = a.call("create_collection", json!({"name": "Targets"})).await;
    let collection = created["structuredContent"]["collection"]["id"].as_str().unwrap().to_owned();
    let add = json!({"collection_id": collection, "company_ids": ["c_acme", "c_globex"]});

    let calls = (0..10).map(|i| {
        let node = if i % 2 == 0 { &a } else { &b };
        node.call("add_to_collection", add.clone())
    });
    let results = join_all(calls).await;
    let writes = backend.calls().iter().filter(|c| c.operation == "AddToCollection").count();
    assert_eq!(writes, 1, "one write for ten identical calls");
    let answered: Vec<&Value> = results.iter().filter(|r| !is_error(r)).collect();
    assert!(!answered.is_empty());
    for r in &answered {
        assert_eq!(r["structuredContent"], answered[0]["structuredContent"], "every answer is the one write's result");
    }
    for r in results.iter().filter(|r| is_error(r)) {
        assert!(text_of(r).contains("still running"), "the others were told it is in progress: {r}");
    }
    // Once it has finished, a repeat is answered from the record, on either instance.
    for node in [&a, &b] {
        let again = node.call("add_to_collection", add.clone()).await;
        assert_eq!(again["structuredContent"], answered[0]["structuredContent"]);
        assert!(node.audit.records().last().unwrap().replayed);
    }
    assert_eq!(backend.calls().iter().filter(|c| c.operation == "AddToCollection").count(), 1);
    // A new key of the client's own makes it a new change on purpose.
    let keyed = json!({"collection_id": collection, "company_ids": ["c_acme"], "idempotency_key": "second-pass"});
    assert!(!is_error(&a.call("add_to_collection", keyed).await));
    assert_eq!(backend.calls().iter().filter(|c| c.operation == "AddToCollection").count(), 2);
}

/// The DynamoDB store, except that recording the first result "crashes" the process: the
/// platform has applied the mutation, the record still says pending, the client got no result.
struct CrashOnFirstRecord {
    inner: Arc<DynamoState>,
    crashed: std::sync::atomic::AtomicBool,
}

#[async_trait::async_trait]
impl IdempotencyStore for CrashOnFirstRecord {
    async fn begin(&self, key: &str, lease: Duration) -> Result<Claim, StateError> {
        self.inner.begin(key, lease).await
    }
    async fn complete(&self, key: &str, result: &Value) -> Result<(), StateError> {
        #[allow(clippy::manual_assert)]
        if !self.crashed.swap(true, std::sync::atomic::Ordering::SeqCst) {
            panic!("injected crash between the platform's answer and the idempotency record");
        }
        self.inner.complete(key, result).await
    }
    async fn abandon(&self, key: &str) -> Result<(), StateError> {
        self.inner.abandon(key).await
    }
}

#[tokio::test]
async fn a_crash_between_the_platform_and_the_record_neither_loses_nor_repeats_the_mutation() {
    let moto = Moto::start();
    create_table(&moto.url).await;
    let platform = platform(&[platform_local::auth::Mode::Iam]).await;
    let appsync = config(&platform, AppsyncAuth::Iam, None);
    let backend = Arc::new(
        connect(&appsync, Some(platform_sdk()), &Outbound::new(None).expect("outbound TLS")).await.expect("connect"),
    );
    let store = dynamo(&moto.url, RateLimits::none());
    let crashing = Arc::new(CrashOnFirstRecord { inner: store.clone(), crashed: false.into() });
    let vars = [
        ("LOCAL_PRINCIPAL", "alice"),
        ("ALLOW_MUTATIONS", "true"),
        ("REQUEST_DEADLINE_MS", "1000"),
        ("BACKEND_TIMEOUT_MS", "1000"),
        ("IDEMPOTENCY_LEASE_MS", "3000"),
    ];
    let node = client_with_stores(backend, Mode::Serve, &vars, store, crashing);
    let create = json!({"name": "Crash test"});

    let first = node.call("create_collection", create.clone()).await;
    assert!(is_error(&first) && text_of(&first).contains("internal error"), "the client got no result: {first}");
    let applied = platform.db.list_collections("local:alice", 10, None).unwrap().0;
    assert_eq!(applied.len(), 1, "the platform applied it before the crash");

    let during = node.call("create_collection", create.clone()).await;
    assert!(text_of(&during).contains("still running"), "within the dead call's lease: {during}");

    tokio::time::sleep(Duration::from_millis(3200)).await;
    let retried = node.call("create_collection", create.clone()).await;
    assert!(!is_error(&retried), "{retried}");
    assert_eq!(retried["structuredContent"]["collection"]["id"], applied[0].id.as_str(), "the first result, not lost");
    assert_eq!(platform.db.list_collections("local:alice", 10, None).unwrap().0.len(), 1, "applied once");
    assert_eq!(platform.db.keyed_mutation_count("local:alice").unwrap(), 1);

    let replayed = node.call("create_collection", create).await;
    assert_eq!(replayed["structuredContent"], retried["structuredContent"]);
    assert!(node.audit.records().last().unwrap().replayed, "answered from the record");
    let outcomes: Vec<Outcome> = node.audit.records().iter().map(|r| r.outcome).collect();
    assert_eq!(outcomes, [Outcome::InternalError, Outcome::InProgress, Outcome::Ok, Outcome::Ok]);
}
