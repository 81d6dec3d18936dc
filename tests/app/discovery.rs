//! E-mail discovery's result, read back with get_email_discovery: through the real binary against
//! the local platform on a fast schedule (QUEUED or RUNNING, then COMPLETED, the same in both
//! protocol eras), only ever by the caller who asked, with the contacts at the company's domain
//! and never in a log line or audit record; and the same over the sample backend.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use b2b_mcp::Mode;
use b2b_mcp::audit::MemorySink;
use b2b_mcp::backend::memory::MemoryBackend;
use platform_local::auth::Mode as PlatformMode;
use platform_local::discovery::DiscoverySchedule;
use platform_local::testing::TempPlatform;
use serde_json::json;

use crate::common::served::Served;
use crate::common::{Client, harness_over, is_error, text_of};

/// A client for a server at `url` (the binary, not an app in this process).
fn remote(url: &str) -> Client {
    Client { app: Router::new(), audit: Arc::new(MemorySink::default()), http: Some(url.to_owned()) }
}

/// The rank of a status in the order a request goes through.
fn rank(status: &str) -> u8 {
    match status {
        "queued" => 0,
        "running" => 1,
        "completed" | "failed" => 2,
        other => panic!("unknown status {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_discovery_runs_to_completion_and_only_its_requester_reads_it() {
    // Done four seconds after the request: long enough that the first read, made at once, finds it
    // still queued or running on a loaded machine.
    let schedule = DiscoverySchedule::new(Duration::from_millis(500), Duration::from_secs(4)).unwrap();
    let platform = TempPlatform::start_with_schedule(&[PlatformMode::Iam], schedule).await.expect("platform");
    let alice = Served::start(&platform, "alice", &[("ALLOW_MUTATIONS", "true"), ("LOG_LEVEL", "trace")]).await;
    let bob = Served::start(&platform, "bob", &[("LOG_LEVEL", "trace")]).await;
    let (a, b) = (remote(&alice.url), remote(&bob.url));
    let domain = platform.db.company_by_id("c_0000007").unwrap().expect("company").domain.expect("domain");

    let requested = a
        .call("request_email_discovery", json!({"company_id": "c_0000007", "department": "sales", "max_contacts": 4}))
        .await;
    assert!(!is_error(&requested), "{requested}\n{}", alice.log());
    let id = requested["structuredContent"]["request_id"].as_str().expect("request id").to_owned();

    let read = || a.call("get_email_discovery", json!({"request_id": id}));
    let first = read().await;
    let first = &first["structuredContent"];
    assert!(matches!(first["status"].as_str(), Some("queued" | "running")), "{first}");
    assert!(first["contacts"].as_array().is_some_and(Vec::is_empty), "no contacts before it is done: {first}");
    let (mut last, started) = (first.clone(), Instant::now());
    while last["status"] != "completed" {
        assert!(started.elapsed() < Duration::from_secs(60), "not completed within a minute: {last}");
        tokio::time::sleep(Duration::from_millis(100)).await;
        let next = read().await["structuredContent"].clone();
        let (was, now) = (last["status"].as_str().unwrap(), next["status"].as_str().unwrap());
        assert!(rank(was) <= rank(now), "{was} went back to {now}");
        last = next;
    }
    let done = last;
    assert_eq!(
        (&done["request_id"], &done["company_id"], &done["department"], &done["max_contacts"]),
        (&json!(id), &json!("c_0000007"), &json!("sales"), &json!(4)),
        "{done}"
    );
    assert_eq!(done["created_at"], first["created_at"]);
    assert!(done["updated_at"].as_str() > done["created_at"].as_str(), "updated_at follows the change: {done}");
    let contacts = done["contacts"].as_array().expect("contacts").clone();
    assert!((1..=4).contains(&contacts.len()), "{done}");
    for c in &contacts {
        let email = c["email"].as_str().expect("email");
        assert!(email.ends_with(&format!("@{domain}")), "{email} is not at {domain}");
        assert_eq!(c["department"], "sales", "{c}");
        assert!(c["confidence"].as_f64().is_some_and(|x| (0.5..=0.99).contains(&x)), "{c}");
        assert!(
            !c["name"].as_str().unwrap_or_default().is_empty() && !c["title"].as_str().unwrap_or_default().is_empty()
        );
    }

    // The same answer to a 2025-era client.
    let old = a.call_2025("get_email_discovery", json!({"request_id": id})).await;
    assert_eq!(old["structuredContent"], done, "{old}");

    // Another caller: not found, as for a request that does not exist.
    let theirs = b.call("get_email_discovery", json!({"request_id": id})).await;
    assert!(is_error(&theirs), "{theirs}");
    let missing = a.call("get_email_discovery", json!({"request_id": "disc_999999"})).await;
    assert_eq!(text_of(&theirs).replace(&id, "ID"), text_of(&missing).replace("disc_999999", "ID"));

    // Personal data stays out of every log line, audit records included; the request id is there.
    let logs = format!("{}{}", alice.log(), bob.log());
    assert!(logs.contains(&format!("\"request_id\":\"{id}\"")), "the audit names the request:\n{logs}");
    for c in &contacts {
        for personal in [&c["email"], &c["name"]] {
            let personal = personal.as_str().unwrap();
            let leaks: Vec<&str> = logs.lines().filter(|l| l.contains(personal)).collect();
            assert!(leaks.is_empty(), "{personal:?} in the logs:\n{}", leaks.join("\n"));
        }
    }
}

/// A discovery's contacts are its requester's alone, and they never reach the audit record.
#[tokio::test]
async fn discoveries_belong_to_the_caller_and_their_contacts_stay_out_of_the_audit() {
    let backend = Arc::new(MemoryBackend::recording());
    let on = [("ALLOW_MUTATIONS", "true")];
    let alice = harness_over(backend.clone(), Mode::Serve, &[on[0], ("LOCAL_PRINCIPAL", "alice")]);
    let bob = harness_over(backend.clone(), Mode::Serve, &[on[0], ("LOCAL_PRINCIPAL", "bob")]);
    let requested = alice.call("request_email_discovery", json!({"company_id": "c_0002", "max_contacts": 2})).await;
    let id = requested["structuredContent"]["request_id"].as_str().expect("request id").to_owned();
    let mine = alice.call("get_email_discovery", json!({"request_id": id})).await;
    let found = &mine["structuredContent"];
    assert_eq!((found["status"].as_str(), found["company_id"].as_str()), (Some("completed"), Some("c_0002")), "{mine}");
    let contacts = found["contacts"].as_array().expect("contacts");
    assert_eq!(contacts.len(), 2, "max_contacts is honoured: {mine}");
    assert!(contacts.iter().all(|c| c["email"].as_str().is_some_and(|e| e.ends_with("@nordlicht.io"))), "{mine}");
    let email = contacts[0]["email"].as_str().unwrap().to_owned();
    assert!(text_of(&mine).contains(&email), "the text rendering shows the contacts too");
    let theirs = bob.call("get_email_discovery", json!({"request_id": id})).await;
    assert!(is_error(&theirs) && text_of(&theirs).contains("no e-mail discovery with id"), "{theirs}");
    let owner_arg = bob.call("get_email_discovery", json!({"request_id": id, "owner_id": "local:alice"})).await;
    assert!(text_of(&owner_arg).contains("unknown field `owner_id`"));
    let record = alice.audit.records().pop().expect("audit record");
    assert_eq!(record.args, json!({"request_id": id}).as_object().cloned().unwrap());
    assert_eq!(record.result_count, Some(2));
    let lines = serde_json::to_string(&[alice.audit.records(), bob.audit.records()]).unwrap();
    for c in contacts {
        for personal in [&c["email"], &c["name"]] {
            assert!(!lines.contains(personal.as_str().unwrap()), "{personal} in {lines}");
        }
    }
}
