//! Who a caller is: owners qualified by source and issuer, anonymous reads as a stage's choice
//! (refused where unsafe), and identities that name nobody stable refused.

use serde_json::{Value, json};

use super::server::{Server, audit_settled, check_answer, event_for};
use super::{OK, ROWS};
use crate::lambda_runtime::LambdaProcess;

/// Owners are qualified by source and issuer: a token subject spelled like a Lambda authorizer's
/// principal, or the same subject from another issuer, is someone else.
#[tokio::test]
async fn the_same_name_from_another_source_or_issuer_is_another_owner() {
    let h = crate::common::harness(b2b_mcp::Mode::Lambda, &[("SAMPLE_DATA", "true"), ("ALLOW_MUTATIONS", "true")]);
    let body = |method: &str, params: Value| {
        json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).to_string()
    };
    let create = body(
        "tools/call",
        json!({"name": "create_collection", "arguments": {"name": "Mine"},
        "_meta": crate::common::meta()}),
    );
    let list = body("tools/call", json!({"name": "list_collections", "arguments": {}, "_meta": crate::common::meta()}));
    let as_caller = |file: &str, body: &str, tool: &str, edit: &dyn Fn(&mut Value)| {
        let mut event: Value = serde_json::from_str(&event_for(file, body, "tools/call", Some(tool))).unwrap();
        edit(&mut event);
        event
    };
    let same = |_: &mut Value| {};
    let r = h.lambda_event(&as_caller("apigw-v2-caller-jwt-writer", &create, "create_collection", &same)).await;
    assert!(!crate::common::is_error(&r.json["result"]), "{}", r.text);

    let lists =
        |r: &crate::common::Reply| r.json["result"]["structuredContent"]["collections"].as_array().map(Vec::len);
    let r = h.lambda_event(&as_caller("apigw-v2-caller-jwt-writer", &list, "list_collections", &same)).await;
    assert_eq!(lists(&r), Some(1), "the owner sees it: {}", r.text);
    // A Lambda authorizer whose principalId is the token's subject.
    let spoof = |e: &mut Value| e["requestContext"]["authorizer"]["lambda"]["principalId"] = json!("writer-1");
    let r = h.lambda_event(&as_caller("apigw-v2-caller-authorizer-writer", &list, "list_collections", &spoof)).await;
    assert_eq!(lists(&r), Some(0), "not the token's collections: {}", r.text);
    // The same subject under another issuer.
    let other_issuer =
        |e: &mut Value| e["requestContext"]["authorizer"]["jwt"]["claims"]["iss"] = json!("https://other.example/");
    let r = h.lambda_event(&as_caller("apigw-v2-caller-jwt-writer", &list, "list_collections", &other_issuer)).await;
    assert_eq!(lists(&r), Some(0), "not the first issuer's user: {}", r.text);
    let owners: Vec<Value> = h.audit.records().iter().map(|r| json!(r.principal)).collect();
    assert_eq!(
        owners,
        [
            json!("jwt:https://example.okta.com/oauth2/default:writer-1"),
            json!("jwt:https://example.okta.com/oauth2/default:writer-1"),
            json!("authorizer:writer-1"),
            json!("jwt:https://other.example/:writer-1"),
        ]
    );
}

/// A stage may serve reads to callers nobody identified, but never with mutations on and never
/// in prod: the binary refuses to start so.
#[tokio::test]
async fn anonymous_reads_are_a_stage_choice_the_binary_refuses_where_it_is_unsafe() {
    for refused in [[("STAGE", "dev"), ("ALLOW_MUTATIONS", "true")], [("STAGE", "prod"), ("ALLOW_MUTATIONS", "false")]]
    {
        let mut env = vec![("SAMPLE_DATA", "true"), ("ALLOW_ANONYMOUS_READS", "true")];
        env.extend(refused);
        let failure = LambdaProcess::start_expecting_init_failure(&env).await;
        assert!(failure.contains("ALLOW_ANONYMOUS_READS"), "{refused:?}: {failure}");
    }

    let lambda =
        LambdaProcess::start(&[("SAMPLE_DATA", "true"), ("STAGE", "dev"), ("ALLOW_ANONYMOUS_READS", "true")]).await;
    let server = Server::Lambda(lambda);
    let anonymous = &ROWS[9];
    let listed = server.send(anonymous, "tools/list", json!({}), None).await;
    let names: Vec<&str> =
        listed.json["result"]["tools"].as_array().into_iter().flatten().filter_map(|t| t["name"].as_str()).collect();
    assert_eq!(names, ["search_companies", "get_company", "get_companies_batch", "ai_search"], "no owner-scoped tools");
    assert_eq!(listed.json["result"]["cacheScope"], "private");
    let read = server
        .send(
            anonymous,
            "tools/call",
            json!({"name": "search_companies", "arguments": {"country": "DE"}}),
            Some("search_companies"),
        )
        .await;
    check_answer("anonymous read", &read, OK);
    let refused = server
        .send(anonymous, "tools/call", json!({"name": "list_collections", "arguments": {}}), Some("list_collections"))
        .await;
    check_answer("anonymous collections", &refused, "needs an authenticated caller");
    let audit = audit_settled(&server, 2).await;
    assert_eq!(audit.len(), 2, "{audit:?}");
    assert_eq!((audit[0]["principal"].clone(), audit[0]["decision"].clone()), (Value::Null, json!("allowed")));
    assert_eq!(audit[1]["decision"], "denied");
}

/// Identities that name nobody stable are not callers: a federated user (its name is whatever
/// the GetFederationToken caller chose), a Cognito guest identity (anyone can mint a new one per
/// call), a Cognito ID token (it identifies a user to an app, it authorizes no API call). And a
/// Lambda authorizer's context can never make its caller a token user, whatever keys it holds.
#[tokio::test]
async fn identities_that_name_nobody_stable_are_refused() {
    let h = crate::common::harness(b2b_mcp::Mode::Lambda, &[("SAMPLE_DATA", "true")]);
    let list = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"_meta": crate::common::meta()}})
        .to_string();
    let event = |file: &str, edit: &dyn Fn(&mut Value)| {
        let mut event: Value = serde_json::from_str(&event_for(file, &list, "tools/list", None)).unwrap();
        edit(&mut event);
        event
    };
    type Edit<'a> = &'a dyn Fn(&mut Value);
    let refused: [(&str, &str, Edit); 3] = [
        ("federated user", "apigw-v2-caller-iam-session-a", &|e: &mut Value| {
            e["requestContext"]["authorizer"]["iam"]["userArn"] =
                json!("arn:aws:sts::123456789012:federated-user/someone-else")
        }),
        ("cognito guest", "apigw-v2-caller-cognito-identity", &|e: &mut Value| {
            e["requestContext"]["authorizer"]["iam"]["cognitoIdentity"]["amr"] = json!(["unauthenticated"])
        }),
        ("id token", "apigw-v2-caller-jwt-writer", &|e: &mut Value| {
            e["requestContext"]["authorizer"]["jwt"]["claims"]["token_use"] = json!("id")
        }),
    ];
    for (case, file, edit) in refused {
        let r = h.lambda_event(&event(file, edit)).await;
        assert_eq!(r.status, 401, "{case}: {}", r.text);
    }
    let audit = h.audit.records();
    assert_eq!(audit.len(), 3);
    assert!(audit.iter().all(|r| r.principal.is_none() && r.decision == b2b_mcp::audit::Decision::Denied));

    let claims_in_context = |e: &mut Value| {
        e["requestContext"]["authorizer"]["lambda"]["claims"] =
            json!({"sub": "writer-1", "iss": "https://example.okta.com/oauth2/default", "scope": "mcp:write"})
    };
    let create = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "list_collections",
        "arguments": {}, "_meta": crate::common::meta()}})
    .to_string();
    let mut e: Value = serde_json::from_str(&event_for(
        "apigw-v2-caller-authorizer-writer",
        &create,
        "tools/call",
        Some("list_collections"),
    ))
    .unwrap();
    claims_in_context(&mut e);
    let r = h.lambda_event(&e).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(h.audit.records().last().and_then(|r| r.principal.clone()).as_deref(), Some("authorizer:partner-7"));
}
