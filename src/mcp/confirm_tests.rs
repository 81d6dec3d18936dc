//! Confirmation states: asked, answered once, and refused when altered, expired, replayed, or
//! presented by another caller or for other arguments; the fallback for clients that cannot ask.

use std::time::Duration;

use rmcp::model::{InputRequiredResult, InputResponses, JsonObject};
use serde_json::json;

use super::*;
use crate::config::{ConfirmConfig, ConfirmFallback};
use crate::error::Outcome;
use crate::store::memory::MemoryIdempotency;

const TOOL: &str = "request_email_discovery";

fn confirmer(fallback: ConfirmFallback) -> Confirmer {
    let config = ConfirmConfig { tools: vec![TOOL.into()], fallback, key_secret_arn: None };
    Confirmer::new(&config, None)
}

fn args(company: &str) -> JsonObject {
    json!({"company_id": company, "department": "sales"}).as_object().unwrap().clone()
}

fn answer(action: &str, yes: bool) -> InputResponses {
    [("confirm".to_owned(), json!({"action": action, "content": {"confirm": yes}}))].into()
}

async fn asked(c: &Confirmer, principal: &str, arguments: &JsonObject) -> String {
    let result: InputRequiredResult = c.ask("Queue it?".into(), Some(principal), TOOL, arguments).await.unwrap();
    let wire = serde_json::to_value(&result).unwrap();
    assert_eq!(wire["resultType"], "input_required");
    assert_eq!(wire["inputRequests"]["confirm"]["method"], "elicitation/create");
    assert_eq!(wire["inputRequests"]["confirm"]["params"]["mode"], "form");
    assert_eq!(
        wire["inputRequests"]["confirm"]["params"]["requestedSchema"]["properties"]["confirm"]["type"],
        "boolean"
    );
    result.request_state.unwrap()
}

async fn check(
    c: &Confirmer,
    store: &MemoryIdempotency,
    principal: &str,
    arguments: &JsonObject,
    state: Option<&str>,
    responses: Option<&InputResponses>,
) -> Check {
    let asking = Asking { can_ask: true, request_state: state, responses };
    c.check(&asking, Some(principal), TOOL, arguments, store).await
}

fn outcome(check: &Check) -> Option<Outcome> {
    match check {
        Check::Refuse(e, _) => Some(e.outcome()),
        _ => None,
    }
}

#[tokio::test]
async fn a_first_call_is_asked_and_a_yes_runs_it_once() {
    let (c, store) = (confirmer(ConfirmFallback::Refuse), MemoryIdempotency::new(Duration::from_secs(3600)));
    let a = args("cmp_1");
    assert!(matches!(check(&c, &store, "u1", &a, None, None).await, Check::Ask));
    let state = asked(&c, "u1", &a).await;
    let yes = answer("accept", true);
    assert!(matches!(check(&c, &store, "u1", &a, Some(&state), Some(&yes)).await, Check::Run("confirmed")));
    let again = check(&c, &store, "u1", &a, Some(&state), Some(&yes)).await;
    assert_eq!(outcome(&again), Some(Outcome::Unconfirmed), "a state is used once: {again:?}");
}

#[tokio::test]
async fn no_or_a_dismissed_form_runs_nothing_and_spends_the_state() {
    let (c, store) = (confirmer(ConfirmFallback::Refuse), MemoryIdempotency::new(Duration::from_secs(3600)));
    let a = args("cmp_1");
    for (action, yes) in [("decline", false), ("cancel", false), ("accept", false)] {
        let state = asked(&c, "u1", &a).await;
        let verdict = check(&c, &store, "u1", &a, Some(&state), Some(&answer(action, yes))).await;
        assert_eq!(outcome(&verdict), Some(Outcome::Declined), "{action}: {verdict:?}");
        let flipped = check(&c, &store, "u1", &a, Some(&state), Some(&answer("accept", true))).await;
        assert_eq!(outcome(&flipped), Some(Outcome::Unconfirmed), "no second answer to one question");
    }
}

#[tokio::test]
async fn a_state_is_good_only_for_its_caller_its_arguments_and_unaltered() {
    let (c, store) = (confirmer(ConfirmFallback::Refuse), MemoryIdempotency::new(Duration::from_secs(3600)));
    let a = args("cmp_1");
    let state = asked(&c, "u1", &a).await;
    let yes = answer("accept", true);
    let other_caller = check(&c, &store, "u2", &a, Some(&state), Some(&yes)).await;
    let other_args = check(&c, &store, "u1", &args("cmp_2"), Some(&state), Some(&yes)).await;
    let mut tampered = state.clone();
    tampered.replace_range(10..11, if &state[10..11] == "A" { "B" } else { "A" });
    let altered = check(&c, &store, "u1", &a, Some(&tampered), Some(&yes)).await;
    let foreign = confirmer(ConfirmFallback::Refuse);
    let other_key = check(&foreign, &store, "u1", &a, Some(&state), Some(&yes)).await;
    for refused in [other_caller, other_args, altered, other_key] {
        assert_eq!(outcome(&refused), Some(Outcome::Unconfirmed), "{refused:?}");
    }
    // None of those spent it: the rightful answer still goes through.
    assert!(matches!(check(&c, &store, "u1", &a, Some(&state), Some(&yes)).await, Check::Run(_)));
}

#[tokio::test]
async fn an_expired_state_is_refused_and_a_missing_answer_is_asked_again() {
    let store = MemoryIdempotency::new(Duration::from_secs(3600));
    let c = confirmer(ConfirmFallback::Refuse).with_ttl(Duration::from_millis(1));
    let a = args("cmp_1");
    let state = asked(&c, "u1", &a).await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    let late = check(&c, &store, "u1", &a, Some(&state), Some(&answer("accept", true))).await;
    assert_eq!(outcome(&late), Some(Outcome::Unconfirmed), "{late:?}");
    let c = confirmer(ConfirmFallback::Refuse);
    let state = asked(&c, "u1", &a).await;
    assert!(matches!(check(&c, &store, "u1", &a, Some(&state), None).await, Check::Ask));
}

#[tokio::test]
async fn a_client_that_cannot_ask_gets_the_stages_fallback_and_other_tools_pass() {
    let store = MemoryIdempotency::new(Duration::from_secs(3600));
    let cannot = Asking::default();
    let a = args("cmp_1");
    let refused = confirmer(ConfirmFallback::Refuse).check(&cannot, Some("u1"), TOOL, &a, &store).await;
    assert_eq!(outcome(&refused), Some(Outcome::Unconfirmed));
    let allowed = confirmer(ConfirmFallback::Allow).check(&cannot, Some("u1"), TOOL, &a, &store).await;
    assert!(matches!(allowed, Check::Run("fallback_allowed")));
    let other = confirmer(ConfirmFallback::Refuse).check(&cannot, Some("u1"), "create_collection", &a, &store).await;
    assert!(matches!(other, Check::NotNeeded));
}

#[test]
fn canonical_json_ignores_key_order_only() {
    let one = bound(Some("u"), TOOL, json!({"b": 1, "a": {"y": [1, 2], "x": "s"}}).as_object().unwrap());
    let two = bound(Some("u"), TOOL, json!({"a": {"x": "s", "y": [1, 2]}, "b": 1}).as_object().unwrap());
    let three = bound(Some("u"), TOOL, json!({"a": {"x": "s", "y": [2, 1]}, "b": 1}).as_object().unwrap());
    assert_eq!(one, two);
    assert_ne!(one, three);
}

#[tokio::test]
async fn one_tools_state_opens_for_no_other_and_two_concurrent_answers_run_once() {
    let (c, store) = (confirmer(ConfirmFallback::Refuse), MemoryIdempotency::new(Duration::from_secs(3600)));
    let tools = vec![TOOL.into(), "create_collection".into()];
    let config = ConfirmConfig { tools, fallback: ConfirmFallback::Refuse, key_secret_arn: None };
    let both = Confirmer::new(&config, None);
    let a = args("cmp_1");
    let state = asked(&both, "u1", &a).await;
    let yes = answer("accept", true);
    let asking = Asking { can_ask: true, request_state: Some(&state), responses: Some(&yes) };
    let other = both.check(&asking, Some("u1"), "create_collection", &a, &store).await;
    assert_eq!(outcome(&other), Some(Outcome::Unconfirmed), "a state is its tool's: {other:?}");

    let state = asked(&c, "u1", &a).await;
    let (one, two) = tokio::join!(
        check(&c, &store, "u1", &a, Some(&state), Some(&yes)),
        check(&c, &store, "u1", &a, Some(&state), Some(&yes))
    );
    let ran = [&one, &two].iter().filter(|v| matches!(v, Check::Run(_))).count();
    assert_eq!(ran, 1, "{one:?} {two:?}");
}
