//! The Lambda path with real API Gateway / ALB event files from events/.

use b2b_mcp::Mode;
use b2b_mcp::audit::Decision;
use http::StatusCode;
use serde_json::json;

use crate::common::{Harness, harness, is_error, text_of};

fn lambda(vars: &[(&str, &str)]) -> Harness {
    let mut vars = vars.to_vec();
    vars.push(("SAMPLE_DATA", "true"));
    harness(Mode::Lambda, &vars)
}

#[tokio::test]
async fn v2_discover_without_initialize() {
    let r = lambda(&[]).lambda("apigw-v2-discover").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.headers["content-type"], "application/json");
    assert!(r.headers.get("mcp-session-id").is_none());
    let result = &r.json["result"];
    assert_eq!(result["supportedVersions"][0], "2026-07-28");
    assert_eq!(result["resultType"], "complete");
    assert!(result["capabilities"]["tools"].is_object());
    assert_eq!(result["_meta"]["io.modelcontextprotocol/serverInfo"]["name"], "b2b-mcp");
}

#[tokio::test]
async fn v2_tools_call_with_meta_and_headers() {
    let h = lambda(&[]);
    let r = h.lambda("apigw-v2-tools-call").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let result = &r.json["result"];
    assert!(!is_error(result), "{}", r.text);
    assert_eq!(result["structuredContent"]["limit_applied"], 100);
    assert_eq!(result["structuredContent"]["limit_capped"], true);
    // deu -> DE, and the JWT subject from the authorizer is the audit principal.
    assert_eq!(h.backend.calls()[0].variables["filter"]["country"], "DE");
    let audit = h.audit.records();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].principal.as_deref(), Some("jwt:https://issuer.example:user-42"));
    assert_eq!(
        audit[0].request_id, "req-apigw-v2-tools-call",
        "the gateway's request id when there is no Lambda context"
    );
}

#[tokio::test]
async fn v2_named_stage_prefix_is_stripped() {
    let r = lambda(&[]).lambda("apigw-v2-tools-list").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["result"]["tools"].as_array().map(Vec::len), Some(7));
    assert_eq!(r.json["result"]["cacheScope"], "public");
}

#[tokio::test]
async fn v2_denied_mutation_never_reaches_the_backend() {
    let h = lambda(&[]);
    let r = h.lambda("apigw-v2-denied-mutation").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let result = &r.json["result"];
    assert!(is_error(result));
    assert_eq!(text_of(result), "mutations are disabled in this deployment (ALLOW_MUTATIONS=false)");
    assert!(h.backend.calls().is_empty());
    let audit = h.audit.records();
    assert_eq!(audit[0].decision, Decision::Denied);
    assert_eq!(serde_json::to_value(audit[0].kind).ok(), Some(json!("mutation")));
}

#[tokio::test]
async fn v2_notification_is_accepted_with_empty_body() {
    let r = lambda(&[]).lambda("apigw-v2-notification").await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    assert!(r.text.is_empty());
}

#[tokio::test]
async fn v2_malformed_body_is_a_parse_error() {
    let r = lambda(&[]).lambda("apigw-v2-malformed").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json["error"]["code"], -32700);
    assert_eq!(r.json["id"], json!(null));
}

#[tokio::test]
async fn v2_missing_meta_is_rejected_before_the_tool_runs() {
    let h = lambda(&[]);
    let r = h.lambda("apigw-v2-missing-meta").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert_eq!(r.json["error"]["code"], -32602);
    assert!(
        r.json["error"]["message"].as_str().unwrap_or_default().contains("io.modelcontextprotocol/protocolVersion")
    );
    assert!(h.backend.calls().is_empty());
}

#[tokio::test]
async fn v2_header_body_disagreement_is_400() {
    let r = lambda(&[]).lambda("apigw-v2-header-mismatch").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json["error"]["code"], -32020);
}

#[tokio::test]
async fn v2_get_is_405_with_allow_post() {
    let r = lambda(&[]).lambda("apigw-v2-get").await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(r.headers["allow"], "POST");
}

#[tokio::test]
async fn v2_iam_caller_owns_collections_by_its_role() {
    let h = lambda(&[]);
    let r = h.lambda("apigw-v2-iam-list-collections").await;
    assert!(!is_error(&r.json["result"]), "{}", r.text);
    // The session (arn:aws:sts::123456789012:assumed-role/integration/batch) is its role.
    let role = "iam:arn:aws:iam::123456789012:role/integration";
    assert_eq!(h.backend.calls()[0].variables["ownerId"], role);
    assert_eq!(h.audit.records()[0].principal.as_deref(), Some(role));
}

#[tokio::test]
async fn v1_initialize_is_answered_statelessly() {
    let r = lambda(&[]).lambda("apigw-v1-initialize").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["result"]["protocolVersion"], "2025-11-25");
    assert_eq!(r.json["result"]["serverInfo"]["name"], "b2b-mcp");
    assert!(r.headers.get("mcp-session-id").is_none());
}

#[tokio::test]
async fn v1_tools_list_and_call_need_no_initialize() {
    let h = lambda(&[]);
    let r = h.lambda("apigw-v1-tools-list").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let names: Vec<&str> =
        r.json["result"]["tools"].as_array().into_iter().flatten().filter_map(|t| t["name"].as_str()).collect();
    assert_eq!(names.len(), 7);
    assert!(!names.contains(&"create_collection"));

    let r = h.lambda("apigw-v1-tools-call").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["result"]["structuredContent"]["name"], "Acme Analytics GmbH");
    assert_eq!(h.backend.calls()[0].variables, json!({"domain": "acme-analytics.de"}));
    assert_eq!(h.audit.records()[0].principal.as_deref(), Some("iam:arn:aws:iam::123456789012:user/integration"));
}

/// An ALB target has no authorizer: its callers are anonymous, served only where the stage
/// allows anonymous reads (tests/app/authz/ has the refusal).
#[tokio::test]
async fn alb_event_is_served_where_anonymous_reads_are_allowed() {
    let r = lambda(&[("ALLOW_ANONYMOUS_READS", "true")]).lambda("alb-tools-list").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["result"]["tools"].as_array().map(Vec::len), Some(4), "no owner-scoped tools: {}", r.text);
    assert_eq!(r.json["result"]["cacheScope"], "private", "{}", r.text);
}

#[tokio::test]
async fn configured_hosts_are_enforced_in_lambda() {
    let h = lambda(&[("ALLOWED_HOSTS", "abc123.execute-api.eu-west-1.amazonaws.com")]);
    assert_eq!(h.lambda("apigw-v2-discover").await.status, StatusCode::OK);
    let h = lambda(&[("ALLOWED_HOSTS", "mcp.example.com")]);
    assert_eq!(h.lambda("apigw-v2-discover").await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn function_url_event_with_iam_auth_is_served() {
    let h = lambda(&[]);
    let r = h.lambda("function-url-tools-call").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(!is_error(&r.json["result"]), "{}", r.text);
    let record = &h.audit.records()[0];
    assert_eq!(record.principal.as_deref(), Some("iam:arn:aws:iam::123456789012:role/svc"));
    assert_eq!(record.request_id, "req-function-url-tools-call");
}
