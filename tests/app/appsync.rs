//! The AppSync client against network peers in this process: a scripted AppSync-shaped endpoint
//! for every fault, and silent peers for the timeouts of every outbound call. (Its secrets from
//! moto's Secrets Manager and its signatures against botocore's are the e2e tests':
//! `tests/e2e/appsync_secrets.rs`, `tests/e2e/sigv4_botocore.rs`.)

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use b2b_mcp::Mode;
use b2b_mcp::backend::appsync::{AppSyncBackend, connect};
use b2b_mcp::backend::auth::Authenticator;
use b2b_mcp::config::{AppsyncAuth, AppsyncConfig};
use b2b_mcp::error::Outcome;
use b2b_mcp::outbound::Outbound;
use serde_json::json;

use crate::common::aws::test_sdk_config;
use crate::common::stub::{Scripted, SilentPeer, Stub, search, search_data};
use crate::common::{Client, client_over, is_error, text_of, within};

fn test_credentials() -> Credentials {
    Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None, None, "test")
}

/// The MCP app over an IAM-signed AppSync client talking to `stub`.
fn iam_client(stub: &Stub, attempt_timeout: Duration, vars: &[(&str, &str)]) -> Client {
    let auth = Authenticator::Iam {
        region: "eu-west-1".into(),
        provider: SharedCredentialsProvider::new(test_credentials()),
        cached: Default::default(),
    };
    let url = reqwest::Url::parse(&stub.url()).unwrap();
    let backend = AppSyncBackend::new(reqwest::Client::new(), url, auth, attempt_timeout);
    client_over(Arc::new(backend), Mode::Serve, vars)
}

#[tokio::test]
async fn requests_are_signed_and_carry_only_variables() {
    let stub = Stub::start(vec![]).await;
    let client = iam_client(&stub, Duration::from_secs(5), &[]);
    let result = client
        .call("search_companies", json!({"query": "x\") { __schema { types { name } } } #", "country": "de"}))
        .await;
    assert!(!is_error(&result), "{result}");
    let seen = stub.seen();
    let auth = seen[0].headers["authorization"].to_str().unwrap();
    assert!(auth.starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"), "{auth}");
    assert!(auth.contains("/eu-west-1/appsync/aws4_request"), "{auth}");
    let body = &seen[0].body;
    assert_eq!(body["operationName"], "SearchCompanies");
    assert!(!body["query"].as_str().unwrap().contains("__schema"), "user text never enters the document");
    assert_eq!(body["variables"]["filter"]["query"], "x\") { __schema { types { name } } } #");
    assert_eq!(result["structuredContent"]["companies"][0]["name"], "Stub Corp");
}

/// Each fault: the tool's answer, how many requests reached AppSync, and the audit outcome.
#[tokio::test]
async fn read_faults_are_retried_once_then_answered_clearly() {
    let cases: Vec<(Scripted, &str, usize)> = vec![
        (Scripted::status(500, "oops"), "temporarily unavailable", 2),
        (Scripted::status(502, "<html>bad gateway</html>"), "temporarily unavailable", 2),
        (Scripted::status(503, ""), "temporarily unavailable", 2),
        (Scripted::status(429, r#"{"errors":[{"errorType":"TooManyRequestsException"}]}"#), "busy (throttled)", 2),
        (Scripted::status(200, "{\"data\": {\"searchCompanies\":"), "temporarily unavailable", 1),
        (
            Scripted::status(
                200,
                r#"{"data":null,"errors":[{"errorType":"Lambda:Unhandled","message":"Task timed out at arn:aws:lambda:secret"}]}"#,
            ),
            "could not complete this request",
            1,
        ),
    ];
    for (fault, expected, requests) in cases {
        let stub = Stub::start(vec![]).await;
        stub.always(fault.clone());
        let client = iam_client(&stub, Duration::from_secs(5), &[]);
        let result = search(&client).await;
        assert!(is_error(&result), "{fault:?}");
        let text = text_of(&result);
        assert!(text.contains(expected), "{fault:?}: {text}");
        assert!(
            !text.contains("arn:aws") && !text.contains("Lambda") && !text.contains("html"),
            "no internals: {text}"
        );
        assert_eq!(stub.seen().len(), requests, "{fault:?}: requests that reached AppSync");
        assert_eq!(client.audit.records()[0].outcome, Outcome::BackendError, "{fault:?}");
    }
}

#[tokio::test]
async fn a_retried_read_that_then_succeeds_is_answered() {
    let stub = Stub::start(vec![Scripted::status(503, ""), Scripted::ok(search_data())]).await;
    let client = iam_client(&stub, Duration::from_secs(5), &[]);
    let result = search(&client).await;
    assert!(!is_error(&result), "{result}");
    assert_eq!(stub.seen().len(), 2);
    assert_eq!(client.audit.records()[0].outcome, Outcome::Ok);
}

#[tokio::test]
async fn mutations_are_never_repeated_after_a_fault() {
    for fault in [Scripted::status(500, ""), Scripted::status(429, ""), Scripted::status(200, "not json")] {
        let stub = Stub::start(vec![]).await;
        stub.always(fault.clone());
        let client = iam_client(&stub, Duration::from_secs(5), &[("ALLOW_MUTATIONS", "true")]);
        let result = client.call("create_collection", json!({"name": "Targets"})).await;
        assert!(is_error(&result), "{fault:?}");
        assert_eq!(stub.seen().len(), 1, "{fault:?}: a mutation is sent once");
        assert_eq!(client.audit.records()[0].outcome, Outcome::BackendError);
    }
}

#[tokio::test]
async fn a_slow_attempt_times_out_without_retry_for_mutations() {
    let stub = Stub::start(vec![]).await;
    stub.always(Scripted::slow(Duration::from_secs(3)));
    let client = iam_client(&stub, Duration::from_millis(300), &[("ALLOW_MUTATIONS", "true")]);
    let result = client.call("request_email_discovery", json!({"company_id": "c_1"})).await;
    assert!(text_of(&result).contains("did not answer in time"), "{result}");
    assert!(text_of(&result).contains("check with a read tool"), "a timed-out change may have happened");
    assert_eq!(stub.seen().len(), 1);
    assert_eq!(client.audit.records()[0].outcome, Outcome::BackendError);
}

#[tokio::test]
async fn the_request_deadline_bounds_everything() {
    let stub = Stub::start(vec![]).await;
    stub.always(Scripted::slow(Duration::from_secs(10)));
    let client =
        iam_client(&stub, Duration::from_secs(8), &[("REQUEST_DEADLINE_MS", "400"), ("BACKEND_TIMEOUT_MS", "300")]);
    let started = std::time::Instant::now();
    let result = search(&client).await;
    assert!(text_of(&result).contains("did not answer in time"), "{result}");
    assert!(started.elapsed() < Duration::from_secs(5), "answered at the deadline, not after the backend");
    assert_eq!(client.audit.records()[0].outcome, Outcome::BackendError);
}

#[tokio::test]
async fn unauthorized_is_retried_once_with_fresh_credentials() {
    let unauthorized =
        r#"{"errors":[{"errorType":"UnauthorizedException","message":"Valid authorization header not provided."}]}"#;
    let stub = Stub::start(vec![Scripted::status(401, unauthorized)]).await;
    let client = iam_client(&stub, Duration::from_secs(5), &[("ALLOW_MUTATIONS", "true")]);
    let result = client.call("create_collection", json!({"name": "T"})).await;
    // The stub's default answer is not a createCollection answer, so this is Malformed; what
    // counts is that the 401 was followed by exactly one more attempt.
    assert_eq!(stub.seen().len(), 2, "{result}");
    stub.always(Scripted::status(401, unauthorized));
    let result = search(&client).await;
    assert!(text_of(&result).contains("could not authenticate"), "{result}");
    assert_eq!(stub.seen().len(), 4, "one refresh, then give up");
    assert_eq!(client.audit.records().last().map(|r| r.outcome), Some(Outcome::BackendError));
}

#[tokio::test]
async fn a_secrets_manager_that_never_answers_fails_within_its_operation_timeout() {
    let silent = SilentPeer::start().await;
    let stub = Stub::start(vec![]).await;
    let arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:appsync-key-AbCdEf";
    let config = stub.appsync_config(AppsyncAuth::ApiKey, arn, &silent.url(""));
    let client = client_over(
        Arc::new(connect(&config, Some(test_sdk_config()), &Outbound::new(None).unwrap()).await.unwrap()),
        Mode::Serve,
        &[],
    );

    let started = Instant::now();
    let result = within(Duration::from_secs(15), "the tool call", search(&client)).await;
    // The operation timeout (6 s), far inside the 20 s request deadline; not much more.
    let bound = b2b_mcp::backend::secrets::OPERATION_TIMEOUT + Duration::from_secs(2);
    assert!(started.elapsed() < bound, "answered after {:?}", started.elapsed());
    assert!(text_of(&result).contains("could not authenticate to the company platform"), "{result}");
    assert!(silent.accepted() >= 1, "Secrets Manager was reached");
    assert!(stub.seen().is_empty());
}

/// A redirect from AppSync is an error: it is not followed, so neither the request nor its
/// session token reaches the host it names.
#[tokio::test]
async fn redirects_are_not_followed() {
    for status in [301, 302, 307, 308] {
        let elsewhere = Stub::start(vec![]).await;
        let stub = Stub::start(vec![]).await;
        stub.always(Scripted::redirect(status, &elsewhere.url()));
        let config = AppsyncConfig {
            url: stub.url(),
            region: Some("eu-west-1".into()),
            auth: AppsyncAuth::Iam,
            secret_arn: None,
            secrets_endpoint_url: None,
            secret_ttl: Duration::from_secs(300),
            attempt_timeout: Duration::from_secs(5),
        };
        let creds = Credentials::new("AKIDEXAMPLE", "secret", Some("session-token-value".into()), None, "test");
        let sdk = aws_config::SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("eu-west-1"))
            .credentials_provider(SharedCredentialsProvider::new(creds))
            .build();
        let client = client_over(
            Arc::new(connect(&config, Some(sdk), &Outbound::new(None).unwrap()).await.unwrap()),
            Mode::Serve,
            &[],
        );
        let result = search(&client).await;
        let followed: Vec<bool> =
            elsewhere.seen().iter().map(|s| s.headers.contains_key("x-amz-security-token")).collect();
        assert!(followed.is_empty(), "{status}: the redirect was followed (session token forwarded: {followed:?})");
        assert!(text_of(&result).contains("temporarily unavailable"), "{status}: {result}");
        let sent = stub.seen();
        assert!(!sent.is_empty() && sent.iter().all(|s| s.headers["x-amz-security-token"] == "session-token-value"));
    }
}
