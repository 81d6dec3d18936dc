//! The person's yes before a paid call, through the whole app over the recording backend: the
//! question says what will happen, a yes runs the call once, a no or a replay runs nothing, a
//! client that cannot ask gets the stage's fallback, and each round is audited. (The Python SDK
//! drives the same flows against the real binary in tests/e2e/confirm.rs; the state's binding to
//! the caller and the arguments is src/mcp/confirm_tests.rs's.)

use http::StatusCode;
use serde_json::{Value, json};

use crate::common::{Harness, harness, is_error, text_of};

const PAID: &str = "request_email_discovery";
const V2026: &str = "2026-07-28";

fn paid_stage(fallback: &str) -> Harness {
    harness(
        b2b_mcp::Mode::Serve,
        &[("ALLOW_MUTATIONS", "true"), ("CONFIRM_TOOLS", PAID), ("CONFIRM_FALLBACK", fallback)],
    )
}

/// `_meta` of a 2026-07-28 client that declares `capabilities`.
fn meta(capabilities: Value) -> Value {
    json!({"io.modelcontextprotocol/protocolVersion": V2026, "io.modelcontextprotocol/clientCapabilities": capabilities})
}

/// One 2026-07-28 tools/call of the paid tool with `extra` params; the JSON-RPC result.
async fn call(h: &Harness, capabilities: Value, extra: Value) -> Value {
    let mut params = json!({"name": PAID, "arguments": {"company_id": "c_0001", "department": "sales"},
        "_meta": meta(capabilities)});
    if let (Some(params), Some(extra)) = (params.as_object_mut(), extra.as_object()) {
        params.extend(extra.clone());
    }
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": params});
    let headers = [("mcp-protocol-version", V2026), ("mcp-method", "tools/call"), ("mcp-name", PAID)];
    let r = h.post(body, &headers).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json.get("result").cloned().unwrap_or_else(|| panic!("no result: {}", r.text))
}

fn queued(h: &Harness) -> usize {
    h.backend.calls().iter().filter(|c| c.operation == "RequestEmailDiscovery").count()
}

fn answer(action: &str, yes: bool) -> Value {
    json!({"confirm": {"action": action, "content": {"confirm": yes}}})
}

fn confirmations(h: &Harness) -> Vec<(Option<String>, String)> {
    let record = |r: &b2b_mcp::audit::AuditRecord| {
        (r.confirmation.map(str::to_owned), serde_json::to_value(r.outcome).unwrap().as_str().unwrap().to_owned())
    };
    h.audit.records().iter().filter(|r| r.tool == PAID).map(record).collect()
}

#[tokio::test]
async fn the_person_is_asked_what_will_happen_and_a_yes_runs_it_once() {
    let h = paid_stage("refuse");
    let asked = call(&h, json!({"elicitation": {}}), json!({})).await;
    assert_eq!(asked["resultType"], "input_required", "{asked}");
    let question = &asked["inputRequests"]["confirm"];
    assert_eq!(question["method"], "elicitation/create");
    assert_eq!(question["params"]["mode"], "form");
    let message = question["params"]["message"].as_str().unwrap();
    for what in ["Acme Analytics GmbH", "acme-analytics.de", "up to 5 contacts", "sales", "bills"] {
        assert!(message.contains(what), "the question names {what:?}: {message}");
    }
    assert_eq!(queued(&h), 0, "nothing sent before the yes");
    let state = asked["requestState"].as_str().unwrap();

    let yes = json!({"requestState": state, "inputResponses": answer("accept", true)});
    let done = call(&h, json!({"elicitation": {}}), yes.clone()).await;
    assert!(!is_error(&done), "{done}");
    assert_eq!(done["structuredContent"]["status"], "queued", "{done}");
    assert_eq!(queued(&h), 1);

    let replayed = call(&h, json!({"elicitation": {}}), yes).await;
    assert!(is_error(&replayed) && text_of(&replayed).contains("already used"), "{replayed}");
    assert_eq!(queued(&h), 1, "a replay sends nothing");
    let expected =
        [(Some("asked"), "confirmation_requested"), (Some("confirmed"), "ok"), (Some("refused"), "unconfirmed")];
    let expected: Vec<(Option<String>, String)> =
        expected.iter().map(|(c, o)| (c.map(str::to_owned), (*o).to_owned())).collect();
    assert_eq!(confirmations(&h), expected);
}

#[tokio::test]
async fn a_no_or_a_dismissed_question_sends_nothing_and_says_so() {
    let h = paid_stage("refuse");
    for (action, yes) in [("decline", false), ("cancel", false), ("accept", false)] {
        let asked = call(&h, json!({"elicitation": {"form": {}}}), json!({})).await;
        let state = asked["requestState"].as_str().unwrap();
        let no =
            call(&h, json!({"elicitation": {}}), json!({"requestState": state, "inputResponses": answer(action, yes)}));
        let no = no.await;
        assert!(is_error(&no) && text_of(&no).contains("declined"), "{action}: {no}");
    }
    assert_eq!(queued(&h), 0);
    assert!(confirmations(&h).iter().filter(|(c, _)| c.as_deref() == Some("declined")).all(|(_, o)| o == "declined"));
}

#[tokio::test]
async fn an_altered_state_is_refused_and_a_missing_answer_is_asked_again() {
    let h = paid_stage("refuse");
    let asked = call(&h, json!({"elicitation": {}}), json!({})).await;
    let state = asked["requestState"].as_str().unwrap().to_owned();
    let altered = format!("{}x", &state);
    let refused = call(
        &h,
        json!({"elicitation": {}}),
        json!({"requestState": altered, "inputResponses": answer("accept", true)}),
    );
    let refused = refused.await;
    assert!(is_error(&refused) && text_of(&refused).contains("not valid"), "{refused}");
    let again = call(&h, json!({"elicitation": {}}), json!({"requestState": state})).await;
    assert_eq!(again["resultType"], "input_required", "no answer: asked again: {again}");
    assert_eq!(queued(&h), 0);
}

#[tokio::test]
async fn a_client_that_cannot_ask_gets_the_stages_fallback() {
    for (fallback, runs) in [("refuse", false), ("allow", true)] {
        let h = paid_stage(fallback);
        // A 2026-07-28 client without form elicitation (URL only), and a 2025-era client.
        let url_only = call(&h, json!({"elicitation": {"url": {}}}), json!({})).await;
        let legacy = h.call_2025(PAID, json!({"company_id": "c_0001"})).await;
        for answer in [&url_only, &legacy] {
            assert_eq!(is_error(answer), !runs, "{fallback}: {answer}");
            if !runs {
                assert!(text_of(answer).contains("cannot ask"), "{answer}");
            }
        }
        assert_eq!(queued(&h), if runs { 2 } else { 0 }, "{fallback}");
        let how = if runs { "fallback_allowed" } else { "refused" };
        assert!(confirmations(&h).iter().all(|(c, _)| c.as_deref() == Some(how)), "{:?}", confirmations(&h));
    }
}
