//! The MCP server end to end, over real HTTP on both sides (client -> MCP server -> local
//! platform): every tool with SigV4, denied mutations, each injected fault, a tampered
//! signature, and the platform's schema against `schema.graphql`. (The API key and OIDC modes
//! take their secrets from Secrets Manager: moto, in `tests/e2e/platform_secrets.rs`.)

use std::sync::Arc;
use std::time::Duration;

use apollo_compiler::Schema;
use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use b2b_mcp::Mode;
use b2b_mcp::backend::appsync::AppSyncBackend;
use b2b_mcp::backend::auth::Authenticator;
use b2b_mcp::config::AppsyncAuth;
use b2b_mcp::error::Outcome;
use platform_local::auth::Mode as PlatformMode;
use platform_local::defaults;
use platform_local::faults::Fault;
use serde_json::{Value, json};

use crate::common::platform::{config, exercise_every_tool, mcp, platform};
use crate::common::{client_over, is_error, text_of};

#[tokio::test]
async fn every_tool_end_to_end_with_sigv4() {
    let p = platform(&[PlatformMode::Iam]).await;
    let client = mcp(&config(&p, AppsyncAuth::Iam, None), &[("ALLOW_MUTATIONS", "true")]).await;
    exercise_every_tool(&client, &p).await;
}

#[tokio::test]
async fn mutations_off_write_nothing() {
    let p = platform(&[PlatformMode::Iam]).await;
    let client = mcp(&config(&p, AppsyncAuth::Iam, None), &[]).await;
    let denied = client.call("request_email_discovery", json!({"company_id": "c_0000001"})).await;
    assert_eq!(text_of(&denied), "mutations are disabled in this deployment (ALLOW_MUTATIONS=false)");
    assert_eq!(p.db.discovery_count("local:local-user").unwrap(), 0);
}

#[tokio::test]
async fn a_tampered_signature_is_refused_by_the_platform() {
    let p = platform(&[PlatformMode::Iam]).await;
    // Our signer with the wrong secret: the platform recomputes the signature and refuses.
    let wrong = Credentials::new(defaults::ACCESS_KEY_ID, "not-the-secret", None, None, "t");
    let auth = Authenticator::Iam {
        region: defaults::REGION.into(),
        provider: SharedCredentialsProvider::new(wrong),
        cached: Default::default(),
    };
    let url = reqwest::Url::parse(&format!("http://{}/graphql", p.addr)).unwrap();
    let client = client_over(
        Arc::new(AppSyncBackend::new(reqwest::Client::new(), url.clone(), auth, Duration::from_secs(5))),
        Mode::Serve,
        &[],
    );
    let result = client.call("search_companies", json!({"query": "cloud"})).await;
    assert!(text_of(&result).contains("could not authenticate"), "{result}");

    // And on the wire: a correctly signed request whose signature is then altered gets 401.
    let body = br#"{"query":"query Industries { industries }","operationName":"Industries","variables":{}}"#;
    let creds = Credentials::new(defaults::ACCESS_KEY_ID, defaults::SECRET_ACCESS_KEY, None, None, "t");
    let headers =
        b2b_mcp::backend::auth::sigv4_headers(&url, body, &creds, defaults::REGION, std::time::SystemTime::now())
            .unwrap();
    let send = |tamper: bool| {
        let mut request =
            reqwest::Client::new().post(url.clone()).header("content-type", "application/json").body(body.to_vec());
        for (name, value) in &headers {
            let value = if tamper && *name == "authorization" {
                value.replacen("Signature=", "Signature=0", 1)
            } else {
                value.clone()
            };
            request = request.header(*name, value);
        }
        request.send()
    };
    assert_eq!(send(false).await.unwrap().status(), 200);
    let refused = send(true).await.unwrap();
    assert_eq!(refused.status(), 401);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["errors"][0]["errorType"], "UnauthorizedException");
}

/// Each injected fault: the MCP answer, whether the read was retried (a fault on one request only
/// is then invisible), and that a mutation is never repeated.
#[tokio::test]
async fn injected_faults_through_the_whole_stack() {
    let p = platform(&[PlatformMode::Iam]).await;
    let mut settings = config(&p, AppsyncAuth::Iam, None);
    settings.attempt_timeout = Duration::from_millis(500);
    let client = mcp(&settings, &[("ALLOW_MUTATIONS", "true")]).await;
    let read = || client.call("search_companies", json!({"industry": "SaaS"}));
    let always = |f: Fault| p.faults.set(Fault { count: None, ..f });
    let once = |f: Fault| p.faults.set(Fault { count: Some(1), ..f });
    let cases: Vec<(Fault, &str)> = vec![
        (Fault { status: Some(500), ..Fault::default() }, "temporarily unavailable"),
        (Fault { status: Some(502), ..Fault::default() }, "temporarily unavailable"),
        (Fault { status: Some(503), ..Fault::default() }, "temporarily unavailable"),
        (Fault { status: Some(429), ..Fault::default() }, "busy (throttled)"),
        (Fault { malformed: true, ..Fault::default() }, "temporarily unavailable"),
        (Fault { resolver_error: Some("searchCompanies".into()), ..Fault::default() }, "could not complete"),
        (Fault { latency_ms: Some(1500), ..Fault::default() }, "did not answer in time"),
    ];
    for (fault, expected) in cases {
        always(fault.clone());
        let result = read().await;
        assert!(is_error(&result), "{fault:?}");
        assert!(text_of(&result).contains(expected), "{fault:?}: {}", text_of(&result));
        p.faults.clear();
    }
    // A 5xx or 429 on one request: the read's single retry succeeds.
    for status in [503, 429] {
        once(Fault { status: Some(status), ..Fault::default() });
        assert!(!is_error(&read().await), "read retried once after {status}");
    }
    // The same on a mutation: answered as an error, not repeated, nothing written.
    once(Fault { status: Some(503), ..Fault::default() });
    let result = client.call("request_email_discovery", json!({"company_id": "c_0000001"})).await;
    assert!(is_error(&result));
    assert_eq!(p.db.discovery_count("local:local-user").unwrap(), 0, "the failed mutation was not repeated");
    assert!(client.audit.records().iter().filter(|r| r.outcome == Outcome::BackendError).count() >= 8);
}

/// The platform implements exactly the schema the server expects: same types, same fields, same
/// field types (AppSync's scalars and directives aside).
#[test]
fn platform_schema_matches_schema_graphql() {
    let ours = Schema::parse(include_str!("../../schema.graphql"), "schema.graphql").expect("parse schema.graphql");
    let theirs = Schema::parse(platform_local::graphql::sdl(), "platform.graphql").expect("parse platform SDL");
    let describe = |schema: &Schema| -> Vec<String> {
        let mut out = Vec::new();
        for (name, ty) in &schema.types {
            if ty.is_built_in() {
                continue;
            }
            match ty {
                apollo_compiler::schema::ExtendedType::Object(o) => {
                    for (f, def) in &o.fields {
                        let args: Vec<String> = def.arguments.iter().map(|a| format!("{}:{}", a.name, a.ty)).collect();
                        out.push(format!("type {name}.{f}({}): {}", args.join(","), def.ty));
                    }
                }
                apollo_compiler::schema::ExtendedType::InputObject(o) => {
                    for (f, def) in &o.fields {
                        out.push(format!("input {name}.{f}: {}", def.ty));
                    }
                }
                apollo_compiler::schema::ExtendedType::Enum(e) => {
                    for v in e.values.keys() {
                        out.push(format!("enum {name}.{v}"));
                    }
                }
                apollo_compiler::schema::ExtendedType::Scalar(_) => out.push(format!("scalar {name}")),
                _ => {}
            }
        }
        out.sort();
        out
    };
    assert_eq!(describe(&theirs), describe(&ours));
}
