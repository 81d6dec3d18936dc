//! The DynamoDB state store against a real DynamoDB-compatible endpoint (moto's server): two
//! `DynamoState` instances on one table stand for two Lambda instances. They reach moto through a
//! [`SerialProxy`], which hands it one request at a time: moto applies concurrent conditional
//! writes non-atomically (9 of 20 let through a limit of 5, once, in CI), DynamoDB atomically.
//! (A table that cannot be reached: `tests/app/state_unreachable.rs`.)

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};
use b2b_mcp::store::dynamo::DynamoState;
use b2b_mcp::store::{Claim, IdempotencyStore, RateDecision, RateLimiter, RateLimits, Window};
use futures::future::join_all;
use serde_json::json;

use crate::common::aws::test_sdk_config;
use crate::common::limits::STATE_TABLE as TABLE;
use crate::moto::Moto;
use crate::proxy::SerialProxy;

const WINDOW: Duration = Duration::from_secs(60);
const RETENTION: Duration = Duration::from_secs(3600);
const LEASE: Duration = Duration::from_secs(30);

/// moto with the table the SAM template defines, a raw client on it, and two store instances
/// reaching it through a [`SerialProxy`] (`serial`, for more instances).
struct Table {
    _moto: Moto,
    url: String,
    serial: String,
    raw: aws_sdk_dynamodb::Client,
    a: DynamoState,
    b: DynamoState,
}

impl Table {
    /// Stores limiting `ai_search` to `limit` calls a minute; every other tool is unlimited.
    async fn start(limit: u32) -> Table {
        Table::with_limits(ai_search_per_minute(limit)).await
    }

    async fn with_limits(limits: RateLimits) -> Table {
        let moto = Moto::start();
        let raw = create_table(&moto.url).await;
        let serial = SerialProxy::start(&moto.url).await.url;
        let a = store_with(&serial, TABLE, limits.clone());
        let b = store_with(&serial, TABLE, limits);
        Table { url: moto.url.clone(), serial, _moto: moto, raw, a, b }
    }

    /// Every item in the table.
    async fn items(&self) -> Vec<HashMap<String, AttributeValue>> {
        self.raw.scan().table_name(TABLE).send().await.unwrap().items.unwrap_or_default()
    }
}

/// The table the SAM template defines (partition key `pk`, on demand), on the DynamoDB at `url`;
/// returns a raw client on it.
pub async fn create_table(url: &str) -> aws_sdk_dynamodb::Client {
    let conf = aws_sdk_dynamodb::config::Builder::from(&test_sdk_config()).endpoint_url(url).build();
    let raw = aws_sdk_dynamodb::Client::from_conf(conf);
    raw.create_table()
        .table_name(TABLE)
        .attribute_definitions(
            AttributeDefinition::builder().attribute_name("pk").attribute_type(ScalarAttributeType::S).build().unwrap(),
        )
        .key_schema(KeySchemaElement::builder().attribute_name("pk").key_type(KeyType::Hash).build().unwrap())
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
    raw
}

fn ai_search_per_minute(limit: u32) -> RateLimits {
    RateLimits::none().with("ai_search", Window::Minute, limit)
}

fn store_on(url: &str, table: &str, limit: u32) -> DynamoState {
    store_with(url, table, ai_search_per_minute(limit))
}

fn store_with(url: &str, table: &str, limits: RateLimits) -> DynamoState {
    DynamoState::new(&test_sdk_config(), Some(url), table, limits, RETENTION)
}

fn now_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

/// Wait for a new minute when this one is nearly over, so a test's calls share one window (and
/// one day: midnight UTC is the end of a minute too).
async fn within_one_window() {
    let into = now_secs() % WINDOW.as_secs();
    if into > WINDOW.as_secs() - 10 {
        tokio::time::sleep(Duration::from_secs(WINDOW.as_secs() - into)).await;
    }
}

#[tokio::test]
async fn two_instances_enforce_one_limit() {
    let t = Table::start(5).await;
    within_one_window().await;
    for i in 0..5 {
        let store = if i % 2 == 0 { &t.a } else { &t.b };
        assert_eq!(store.check("alice", "ai_search").await.unwrap(), RateDecision::Allowed, "call {i}");
    }
    match t.b.check("alice", "ai_search").await.unwrap() {
        RateDecision::Limited { window: Window::Minute, limit: 5, retry_after } => {
            assert!((1..=60).contains(&retry_after.as_secs()), "{retry_after:?}")
        }
        other => panic!("sixth call: {other:?}"),
    }
    assert!(matches!(t.a.check("alice", "ai_search").await.unwrap(), RateDecision::Limited { .. }), "other instance");
    assert_eq!(t.a.check("bob", "ai_search").await.unwrap(), RateDecision::Allowed, "another caller");
    assert_eq!(t.b.check("alice", "search_companies").await.unwrap(), RateDecision::Allowed, "unlimited tool");
}

/// 20 checks race across two instances; exactly the limit gets through. The race is in our code
/// and the SDK up to the table; moto, unlike DynamoDB, would apply the conditional updates
/// concurrently and let more through (9 of 20 once, in CI), so the table is reached through
/// [`SerialProxy`], which applies them one by one as DynamoDB does.
#[tokio::test]
async fn concurrent_checks_let_exactly_the_limit_through() {
    let t = Table::start(5).await;
    within_one_window().await;
    let calls = (0..20).map(|i| if i % 2 == 0 { &t.a } else { &t.b }).map(|s| s.check("alice", "ai_search"));
    let decisions: Vec<_> = join_all(calls).await.into_iter().map(Result::unwrap).collect();
    let allowed = decisions.iter().filter(|d| **d == RateDecision::Allowed).count();
    assert_eq!(allowed, 5, "{decisions:?}");
}

/// Seconds until 00:00 UTC, when the day window ends.
fn until_midnight() -> u64 {
    86_400 - now_secs() % 86_400
}

#[tokio::test]
async fn minute_and_day_windows_are_both_enforced_across_two_instances() {
    let limits = RateLimits::none()
        .with("ai_search", Window::Minute, 2)
        .with("ai_search", Window::Day, 100)
        .with("request_email_discovery", Window::Minute, 100)
        .with("request_email_discovery", Window::Day, 3);
    let t = Table::with_limits(limits).await;
    within_one_window().await;
    let nodes = [&t.a, &t.b];
    for i in 0..2 {
        assert_eq!(nodes[i % 2].check("alice", "ai_search").await.unwrap(), RateDecision::Allowed, "call {i}");
    }
    for node in nodes {
        let refused = node.check("alice", "ai_search").await.unwrap();
        assert!(matches!(refused, RateDecision::Limited { window: Window::Minute, limit: 2, .. }), "{refused:?}");
    }
    for i in 0..3 {
        let decision = nodes[i % 2].check("alice", "request_email_discovery").await.unwrap();
        assert_eq!(decision, RateDecision::Allowed, "call {i}");
    }
    for node in nodes {
        match node.check("alice", "request_email_discovery").await.unwrap() {
            RateDecision::Limited { window: Window::Day, limit: 3, retry_after } => {
                let (wait, expected) = (retry_after.as_secs(), until_midnight());
                assert!(wait.abs_diff(expected) <= 5, "retry in {wait} s, midnight UTC in {expected} s");
            }
            other => panic!("the fourth call of the day, on either instance: {other:?}"),
        }
    }
    assert_eq!(t.a.check("bob", "request_email_discovery").await.unwrap(), RateDecision::Allowed, "per caller");
}

/// The minute window is checked first, so the 15 calls it refuses never reach the day counter:
/// a third instance with a large minute limit still finds 2 of the day's 7 calls left.
#[tokio::test]
async fn a_minute_refusal_does_not_spend_the_day_quota() {
    let paid = |per_minute| {
        RateLimits::none().with("request_email_discovery", Window::Minute, per_minute).with(
            "request_email_discovery",
            Window::Day,
            7,
        )
    };
    let t = Table::with_limits(paid(5)).await;
    within_one_window().await;
    let calls =
        (0..20).map(|i| if i % 2 == 0 { &t.a } else { &t.b }).map(|s| s.check("alice", "request_email_discovery"));
    let decisions: Vec<_> = join_all(calls).await.into_iter().map(Result::unwrap).collect();
    assert_eq!(decisions.iter().filter(|d| **d == RateDecision::Allowed).count(), 5, "{decisions:?}");
    let by_minute = |d: &&RateDecision| matches!(d, RateDecision::Limited { window: Window::Minute, .. });
    assert_eq!(decisions.iter().filter(by_minute).count(), 15, "{decisions:?}");

    let c = store_with(&t.serial, TABLE, paid(1000));
    for i in 0..2 {
        assert_eq!(c.check("alice", "request_email_discovery").await.unwrap(), RateDecision::Allowed, "call {}", 6 + i);
    }
    let eighth = c.check("alice", "request_email_discovery").await.unwrap();
    assert!(matches!(eighth, RateDecision::Limited { window: Window::Day, limit: 7, .. }), "{eighth:?}");
}

#[tokio::test]
async fn the_default_limits_every_tool_without_its_own_entry() {
    let limits = RateLimits::none().with("*", Window::Minute, 2).with("ai_search", Window::Minute, 3);
    let t = Table::with_limits(limits).await;
    within_one_window().await;
    for tool in ["search_companies", "get_company"] {
        assert_eq!(t.a.check("alice", tool).await.unwrap(), RateDecision::Allowed, "{tool}");
        assert_eq!(t.b.check("alice", tool).await.unwrap(), RateDecision::Allowed, "{tool}");
        let third = t.a.check("alice", tool).await.unwrap();
        assert!(matches!(third, RateDecision::Limited { window: Window::Minute, limit: 2, .. }), "{tool}: {third:?}");
    }
    for i in 0..3 {
        assert_eq!(t.b.check("alice", "ai_search").await.unwrap(), RateDecision::Allowed, "its own limit, call {i}");
    }
    assert!(matches!(t.a.check("alice", "ai_search").await.unwrap(), RateDecision::Limited { limit: 3, .. }));
}

/// Concurrent conditional PutItems, serialised in front of moto like the checks above.
#[tokio::test]
async fn one_of_many_concurrent_claims_runs_and_its_result_is_replayed() {
    let t = Table::start(5).await;
    let claims = (0..10).map(|i| if i % 2 == 0 { &t.a } else { &t.b }).map(|s| s.begin("key-1", LEASE));
    let claims: Vec<_> = join_all(claims).await.into_iter().map(Result::unwrap).collect();
    assert_eq!(claims.iter().filter(|c| **c == Claim::Fresh).count(), 1, "{claims:?}");
    assert_eq!(claims.iter().filter(|c| **c == Claim::InFlight).count(), 9, "{claims:?}");

    let result = json!({"collectionId": "col_1", "added": ["c_1"], "note": "ü #:/"});
    t.a.complete("key-1", &result).await.unwrap();
    assert_eq!(t.a.begin("key-1", LEASE).await.unwrap(), Claim::Done(result.clone()));
    assert_eq!(t.b.begin("key-1", LEASE).await.unwrap(), Claim::Done(result));
}

#[tokio::test]
async fn an_abandoned_claim_can_be_retried() {
    let t = Table::start(5).await;
    assert_eq!(t.a.begin("key-2", LEASE).await.unwrap(), Claim::Fresh);
    assert_eq!(t.b.begin("key-2", LEASE).await.unwrap(), Claim::InFlight);
    t.a.abandon("key-2").await.unwrap();
    assert_eq!(t.b.begin("key-2", LEASE).await.unwrap(), Claim::Fresh, "a failed call blocks no retry");

    t.b.complete("key-2", &json!({"ok": true})).await.unwrap();
    t.a.abandon("key-2").await.unwrap();
    assert_eq!(t.a.begin("key-2", LEASE).await.unwrap(), Claim::Done(json!({"ok": true})), "abandon spares a result");
    t.a.abandon("never-claimed").await.unwrap();
}

#[tokio::test]
async fn an_expired_lease_or_record_counts_as_absent() {
    let t = Table::start(5).await;
    assert_eq!(t.a.begin("key-3", Duration::ZERO).await.unwrap(), Claim::Fresh);
    assert_eq!(t.b.begin("key-3", LEASE).await.unwrap(), Claim::Fresh, "a dead caller's lease ends");
    assert_eq!(t.a.begin("key-3", LEASE).await.unwrap(), Claim::InFlight);

    // TTL deletes lazily: a done record past its expiry may still be in the table.
    let past = (now_secs() - 10).to_string();
    t.raw
        .put_item()
        .table_name(TABLE)
        .item("pk", AttributeValue::S("idem#key-4".into()))
        .item("state", AttributeValue::S("done".into()))
        .item("result", AttributeValue::S("{\"stale\":true}".into()))
        .item("expires_at", AttributeValue::N(past))
        .send()
        .await
        .unwrap();
    assert_eq!(t.b.begin("key-4", LEASE).await.unwrap(), Claim::Fresh);
}

#[tokio::test]
async fn every_item_carries_its_expiry() {
    let t = Table::start(5).await;
    let start = now_secs();
    t.a.check("alice", "ai_search").await.unwrap();
    t.a.begin("pending", LEASE).await.unwrap();
    t.a.begin("done", LEASE).await.unwrap();
    t.a.complete("done", &json!([1, 2])).await.unwrap();
    let items = t.items().await;
    assert_eq!(items.len(), 3);
    for item in &items {
        let pk = item["pk"].as_s().unwrap();
        let expires_at: u64 = item["expires_at"].as_n().unwrap().parse().unwrap();
        let (low, high) = if pk.starts_with("rate#") {
            (start + 300, now_secs() + WINDOW.as_secs() + 300)
        } else {
            (start + RETENTION.as_secs(), now_secs() + RETENTION.as_secs())
        };
        assert!((low..=high).contains(&expires_at), "{pk}: {expires_at} not in {low}..={high}");
        assert_eq!(item.contains_key("lease_until"), pk == "idem#pending", "{pk}");
    }
}

#[tokio::test]
async fn a_missing_table_is_reported_by_name() {
    let t = Table::start(5).await;
    let s = store_on(&t.url, "no-such-table", 5);
    let err = s.check("alice", "ai_search").await.unwrap_err().to_string();
    assert_eq!(
        err,
        "state store unavailable: DynamoDB UpdateItem on no-such-table: service error: \
         ResourceNotFoundException: Requested resource not found"
    );
}
