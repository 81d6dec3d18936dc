//! The limits every tool has by default, end to end over the recording backend, and a state
//! store that cannot be reached refusing every call it would have to check. (Limits and
//! idempotency shared by two instances through one DynamoDB table, moto's, are the e2e tests':
//! `tests/e2e/limits.rs`.)

use std::sync::Arc;

use b2b_mcp::Mode;
use b2b_mcp::backend::memory::MemoryBackend;
use b2b_mcp::error::Outcome;
use futures::future::join_all;
use platform_local::testing::free_port;
use serde_json::{Value, json};

use crate::common::limits::{discoveries, instance, retry_in, within_one_minute};
use crate::common::{harness_over, is_error, text_of};

/// With no RATE_LIMITS at all, the paid tool and the two collection mutations are still limited.
#[tokio::test]
async fn mutations_are_limited_by_default() {
    let backend = Arc::new(MemoryBackend::recording());
    let alice =
        harness_over(backend.clone(), Mode::Serve, &[("LOCAL_PRINCIPAL", "alice"), ("ALLOW_MUTATIONS", "true")]);
    within_one_minute().await;
    for i in 0..8 {
        let args = json!({"company_id": "c_0002", "idempotency_key": format!("fresh-{i}")});
        let result = alice.call("request_email_discovery", args).await;
        assert_eq!(is_error(&result), i >= 5, "call {i}: {result}");
        if i >= 5 {
            let wait = retry_in(&text_of(&result));
            assert!((1..=60).contains(&wait), "{result}");
        }
    }
    assert_eq!(discoveries(&backend), 5, "5 a minute by default");

    let names: Vec<String> = (0..12).map(|i| format!("List {i}")).collect();
    let created: Vec<Value> = join_all(names.iter().map(|n| alice.call("create_collection", json!({"name": n})))).await;
    assert_eq!(created.iter().filter(|r| !is_error(r)).count(), 10, "10 a minute by default");
    let collection = created.iter().find(|r| !is_error(r)).unwrap()["structuredContent"]["collection"]["id"].clone();
    for i in 0..61 {
        let args =
            json!({"collection_id": collection, "company_ids": ["c_0001"], "idempotency_key": format!("add-{i}")});
        let result = alice.call("add_to_collection", args).await;
        assert_eq!(is_error(&result), i == 60, "call {i}: {result}");
    }
    let writes = |op: &str| backend.calls().iter().filter(|c| c.operation == op).count();
    assert_eq!((writes("CreateCollection"), writes("AddToCollection")), (10, 60));
}

#[tokio::test]
async fn an_unreachable_table_refuses_the_call_with_a_retry_safe_message() {
    let backend = Arc::new(MemoryBackend::recording());
    let dead = format!("http://127.0.0.1:{}", free_port().unwrap());
    let vars = [("LOCAL_PRINCIPAL", "alice"), ("ALLOW_MUTATIONS", "true")];
    let node = instance(&dead, backend.clone(), &vars);
    let limited = node.call("ai_search", json!({"query": "Fintech companies in Germany"})).await;
    assert!(text_of(&limited).contains("could not check this call against its limits"), "{limited}");
    let write = node.call("create_collection", json!({"name": "Targets"})).await;
    assert!(is_error(&write), "{write}");
    assert!(backend.calls().is_empty(), "nothing ran unchecked");
    let audit: Vec<Outcome> = node.audit.records().iter().map(|r| r.outcome).collect();
    assert_eq!(audit, [Outcome::BackendError, Outcome::BackendError]);
}
