//! The AppSync client against real network peers: a scripted AppSync-shaped endpoint for every
//! fault, moto's Secrets Manager for the API key and OIDC secrets, botocore as an independent
//! SigV4 implementation, and silent peers for the timeouts of every outbound call.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use b2b_mcp::Mode;
use b2b_mcp::backend::appsync::{AppSyncBackend, connect};
use b2b_mcp::backend::auth::{Authenticator, sigv4_headers};
use b2b_mcp::backend::operations::INDUSTRIES;
use b2b_mcp::backend::{BackendError, GraphqlBackend};
use b2b_mcp::config::{AppsyncAuth, AppsyncConfig};
use b2b_mcp::error::Outcome;
use serde_json::json;

use crate::common::{Client, client_over, is_error, text_of};
use crate::stub::{CountingProxy, Moto, Scripted, SilentPeer, Stub, moto_sdk_config, search_data, venv_bin};

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

fn appsync_config(stub: &Stub, auth: AppsyncAuth, secret_arn: &str, secrets_url: &str) -> AppsyncConfig {
    AppsyncConfig {
        url: stub.url(),
        region: Some("us-east-1".into()),
        auth,
        secret_arn: Some(secret_arn.into()),
        secrets_endpoint_url: Some(secrets_url.into()),
        secret_ttl: Duration::from_secs(300),
        attempt_timeout: Duration::from_secs(5),
    }
}

async fn create_secret(moto: &Moto, name: &str, value: &str) -> String {
    let sdk = moto_sdk_config();
    let conf = aws_sdk_secretsmanager::config::Builder::from(&sdk).endpoint_url(&moto.url).build();
    let client = aws_sdk_secretsmanager::Client::from_conf(conf);
    let out = client.create_secret().name(name).secret_string(value).send().await.expect("create secret in moto");
    out.arn().expect("arn").to_owned()
}

async fn rotate_secret(moto: &Moto, arn: &str, value: &str) {
    let sdk = moto_sdk_config();
    let conf = aws_sdk_secretsmanager::config::Builder::from(&sdk).endpoint_url(&moto.url).build();
    let client = aws_sdk_secretsmanager::Client::from_conf(conf);
    client.put_secret_value().secret_id(arn).secret_string(value).send().await.expect("rotate");
}

async fn search(client: &Client) -> serde_json::Value {
    client.call("search_companies", json!({"query": "stub"})).await
}

#[tokio::test]
async fn sigv4_matches_botocore() {
    let url = reqwest::Url::parse("https://abcdefghij.appsync-api.eu-west-1.amazonaws.com/graphql").unwrap();
    let body = br#"{"query":"query Q { industries }","operationName":"Q","variables":{}}"#;
    let time = SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_323_045); // 2026-01-02T03:04:05Z
    for token in [None, Some("FQoGZXIvYXdzEJr//////////session-token")] {
        let creds = Credentials::new(
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            token.map(str::to_owned),
            None,
            "t",
        );
        let ours = sigv4_headers(&url, body, &creds, "eu-west-1", time).expect("sign");
        let ours_auth =
            ours.iter().find(|(n, _)| *n == "authorization").map(|(_, v)| v.clone()).expect("authorization");
        let script = r#"
import sys, json
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
url, body, token = sys.argv[1], sys.argv[2].encode(), (sys.argv[3] or None)
req = AWSRequest(method="POST", url=url, data=body, headers={"content-type": "application/json"})
signer = SigV4Auth(Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token), "appsync", "eu-west-1")
req.context["timestamp"] = "20260102T030405Z"
signer._modify_request_before_signing(req)
canonical = signer.canonical_request(req)
string_to_sign = signer.string_to_sign(req, canonical)
signature = signer.signature(string_to_sign, req)
print(json.dumps({"signed_headers": signer.signed_headers(signer.headers_to_sign(req)), "signature": signature}))
"#;
        let out = std::process::Command::new(venv_bin("python"))
            .args(["-c", script, url.as_str(), std::str::from_utf8(body).unwrap(), token.unwrap_or("")])
            .output()
            .expect("run botocore");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let theirs: serde_json::Value = serde_json::from_slice(&out.stdout).expect("botocore json");
        let expected = format!(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260102/eu-west-1/appsync/aws4_request, SignedHeaders={}, Signature={}",
            theirs["signed_headers"].as_str().unwrap(),
            theirs["signature"].as_str().unwrap()
        );
        assert_eq!(ours_auth, expected, "session token: {token:?}");
        let date = ours.iter().find(|(n, _)| *n == "x-amz-date").map(|(_, v)| v.as_str());
        assert_eq!(date, Some("20260102T030405Z"));
        let sent_token = ours.iter().find(|(n, _)| *n == "x-amz-security-token").map(|(_, v)| v.as_str());
        assert_eq!(sent_token, token);
    }
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

/// API key from Secrets Manager (moto): one GetSecretValue per cold start, none when warm, one
/// more after AppSync rejects the key, and clear errors when the secret or the service is missing.
#[tokio::test]
async fn api_key_secret_through_moto() {
    let moto = Moto::start();
    let arn = create_secret(&moto, "appsync-api-key", r#"{"api_key": "da2-first-key"}"#).await;
    let proxy = CountingProxy::start(&moto.url).await;
    let stub = Stub::start(vec![]).await;

    let config = appsync_config(&stub, AppsyncAuth::ApiKey, &arn, &proxy.url);
    let backend = connect(&config, Some(moto_sdk_config())).await.expect("connect");
    assert_eq!(proxy.get_secret_value_calls(), 0, "nothing fetched at init");
    let client = client_over(Arc::new(backend), Mode::Serve, &[]);

    assert!(!is_error(&search(&client).await));
    assert_eq!(proxy.get_secret_value_calls(), 1, "cold: one fetch");
    for _ in 0..3 {
        assert!(!is_error(&search(&client).await));
    }
    assert_eq!(proxy.get_secret_value_calls(), 1, "warm: no fetch");
    assert!(stub.seen().iter().all(|s| s.headers["x-api-key"] == "da2-first-key"));

    // Rotation: the key changes in Secrets Manager and AppSync starts refusing the old one.
    rotate_secret(&moto, &arn, r#"{"api_key": "da2-second-key"}"#).await;
    stub.push(Scripted::status(401, r#"{"errors":[{"errorType":"UnauthorizedException"}]}"#));
    assert!(!is_error(&search(&client).await));
    assert_eq!(proxy.get_secret_value_calls(), 2, "one re-fetch after the 401");
    assert_eq!(stub.seen().last().unwrap().headers["x-api-key"], "da2-second-key");

    // A secret that does not exist.
    let missing = appsync_config(
        &stub,
        AppsyncAuth::ApiKey,
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:nope-AbCdEf",
        &proxy.url,
    );
    let client = client_over(Arc::new(connect(&missing, Some(moto_sdk_config())).await.unwrap()), Mode::Serve, &[]);
    let result = search(&client).await;
    assert!(text_of(&result).contains("could not authenticate to the company platform"), "{result}");
    assert_eq!(client.audit.records()[0].outcome, Outcome::BackendError);

    // Secrets Manager unreachable.
    let down = format!("http://127.0.0.1:{}", crate::stub::free_port());
    let client = client_over(
        Arc::new(
            connect(&appsync_config(&stub, AppsyncAuth::ApiKey, &arn, &down), Some(moto_sdk_config())).await.unwrap(),
        ),
        Mode::Serve,
        &[],
    );
    let result = search(&client).await;
    assert!(is_error(&result));
    assert!(text_of(&result).contains("could not authenticate"), "{result}");
}

#[tokio::test]
async fn oidc_client_credentials_through_moto() {
    let moto = Moto::start();
    let stub = Stub::start(vec![]).await;
    let secret = json!({"token_url": stub.token_url(), "client_id": "mcp-client", "client_secret": "client-secret-value", "scope": "platform/read"});
    let arn = create_secret(&moto, "appsync-oidc", &secret.to_string()).await;
    let proxy = CountingProxy::start(&moto.url).await;
    let config = appsync_config(&stub, AppsyncAuth::Oidc, &arn, &proxy.url);
    let client = client_over(Arc::new(connect(&config, Some(moto_sdk_config())).await.unwrap()), Mode::Serve, &[]);

    for _ in 0..3 {
        assert!(!is_error(&search(&client).await));
    }
    assert_eq!((proxy.get_secret_value_calls(), stub.token_requests()), (1, 1), "secret and token fetched once");
    assert!(stub.seen().iter().all(|s| s.headers["authorization"] == "Bearer stub-access-token-1"));

    stub.push(Scripted::status(401, r#"{"errors":[{"errorType":"UnauthorizedException"}]}"#));
    assert!(!is_error(&search(&client).await));
    assert_eq!((proxy.get_secret_value_calls(), stub.token_requests()), (2, 2), "both fetched anew after a 401");
    assert_eq!(stub.seen().last().unwrap().headers["authorization"], "Bearer stub-access-token-2");
}

/// Run `call`, failing the test (instead of hanging it) when it takes longer than `limit`.
async fn within<T>(limit: Duration, what: &str, call: impl std::future::Future<Output = T>) -> T {
    match tokio::time::timeout(limit, call).await {
        Ok(out) => out,
        Err(_) => panic!("{what} did not finish within {limit:?}"),
    }
}

/// The OIDC secret for the stub's test client, with its token endpoint at `token_url`.
fn oidc_secret(token_url: &str) -> String {
    json!({"token_url": token_url, "client_id": "mcp-client", "client_secret": "client-secret-value"}).to_string()
}

#[tokio::test]
async fn a_token_endpoint_that_never_answers_fails_within_the_timeout() {
    let moto = Moto::start();
    let idp = SilentPeer::start().await;
    let arn = create_secret(&moto, "appsync-oidc-silent", &oidc_secret(&idp.url("/token"))).await;
    let stub = Stub::start(vec![]).await;
    let mut config = appsync_config(&stub, AppsyncAuth::Oidc, &arn, &moto.url);
    config.attempt_timeout = Duration::from_secs(1);
    let client = client_over(Arc::new(connect(&config, Some(moto_sdk_config())).await.unwrap()), Mode::Serve, &[]);

    let started = Instant::now();
    // The request deadline is 20 s: without a timeout of its own the fetch would run into it.
    let result = within(Duration::from_secs(10), "the tool call", search(&client)).await;
    assert!(started.elapsed() < Duration::from_secs(4), "answered after {:?}", started.elapsed());
    assert!(text_of(&result).contains("could not authenticate to the company platform"), "{result}");
    assert_eq!(idp.accepted(), 1, "the token endpoint was reached");
    assert!(stub.seen().is_empty(), "AppSync is not called without a token");
    assert_eq!(client.audit.records()[0].outcome, Outcome::BackendError);
}

#[tokio::test]
async fn a_secrets_manager_that_never_answers_fails_within_its_operation_timeout() {
    let silent = SilentPeer::start().await;
    let stub = Stub::start(vec![]).await;
    let arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:appsync-key-AbCdEf";
    let config = appsync_config(&stub, AppsyncAuth::ApiKey, arn, &silent.url(""));
    let client = client_over(Arc::new(connect(&config, Some(moto_sdk_config())).await.unwrap()), Mode::Serve, &[]);

    let started = Instant::now();
    let result = within(Duration::from_secs(10), "the tool call", search(&client)).await;
    // Operation timeout 2 s (secrets::OPERATION_TIMEOUT), far inside the 20 s request deadline.
    assert!(started.elapsed() < Duration::from_secs(5), "answered after {:?}", started.elapsed());
    assert!(text_of(&result).contains("could not authenticate to the company platform"), "{result}");
    assert!(silent.accepted() >= 1, "Secrets Manager was reached");
    assert!(stub.seen().is_empty());
}

/// A warm OIDC client whose token refresh hangs at the identity provider still answers other
/// calls at once with its cached token.
#[tokio::test]
async fn a_cached_token_is_used_while_a_refresh_hangs() {
    let moto = Moto::start();
    let stub = Stub::start(vec![]).await;
    let arn = create_secret(&moto, "appsync-oidc-slow", &oidc_secret(&stub.token_url())).await;
    let mut config = appsync_config(&stub, AppsyncAuth::Oidc, &arn, &moto.url);
    config.attempt_timeout = Duration::from_secs(4);
    let client =
        Arc::new(client_over(Arc::new(connect(&config, Some(moto_sdk_config())).await.unwrap()), Mode::Serve, &[]));
    assert!(!is_error(&search(&client).await), "warm: token 1");

    // The next AppSync answer rejects the token; the token endpoint now takes 30 s.
    stub.token_delay(Duration::from_secs(30));
    stub.push(Scripted::unauthorized_exception());
    let refreshing = tokio::spawn({
        let client = client.clone();
        async move { search(&client).await }
    });
    within(Duration::from_secs(5), "the token refresh to start", async {
        while stub.token_requests() < 2 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;

    let started = Instant::now();
    let result = within(Duration::from_secs(10), "a call with the cached token", search(&client)).await;
    let took = started.elapsed();
    assert!(!is_error(&result), "{result}");
    assert!(!refreshing.is_finished(), "answered while the refresh was still hanging");
    assert!(took < Duration::from_secs(2), "took {took:?}, the refresh hangs for 4 s");
    assert_eq!(stub.seen().last().unwrap().headers["authorization"], "Bearer stub-access-token-1");

    // The refresh itself gives up at its own timeout (4 s), with the credentials error.
    let refreshed = within(Duration::from_secs(10), "the hanging refresh", refreshing).await.unwrap();
    assert!(text_of(&refreshed).contains("could not authenticate"), "{refreshed}");
}

/// The same for an API key whose refetch hangs at Secrets Manager.
#[tokio::test]
async fn a_cached_secret_is_used_while_a_refetch_hangs() {
    let moto = Moto::start();
    let arn = create_secret(&moto, "appsync-key-slow", r#"{"api_key": "da2-cached"}"#).await;
    let proxy = CountingProxy::start(&moto.url).await;
    let stub = Stub::start(vec![]).await;
    let config = appsync_config(&stub, AppsyncAuth::ApiKey, &arn, &proxy.url);
    let client =
        Arc::new(client_over(Arc::new(connect(&config, Some(moto_sdk_config())).await.unwrap()), Mode::Serve, &[]));
    assert!(!is_error(&search(&client).await), "warm");
    assert_eq!(proxy.get_secret_value_calls(), 1);

    proxy.stall(Duration::from_secs(30));
    stub.push(Scripted::unauthorized_exception());
    let refetching = tokio::spawn({
        let client = client.clone();
        async move { search(&client).await }
    });
    within(Duration::from_secs(5), "the refetch to start", async {
        while proxy.get_secret_value_calls() < 2 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;

    let started = Instant::now();
    let result = within(Duration::from_secs(10), "a call with the cached key", search(&client)).await;
    let took = started.elapsed();
    assert!(!is_error(&result), "{result}");
    assert!(!refetching.is_finished(), "answered while the refetch was still hanging");
    assert!(took < Duration::from_secs(1), "took {took:?}, the refetch hangs for up to 2 s");
    assert_eq!(stub.seen().last().unwrap().headers["x-api-key"], "da2-cached");

    let refetched = within(Duration::from_secs(10), "the hanging refetch", refetching).await.unwrap();
    assert!(text_of(&refetched).contains("could not authenticate"), "{refetched}");
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
        let client = client_over(Arc::new(connect(&config, Some(sdk)).await.unwrap()), Mode::Serve, &[]);
        let result = search(&client).await;
        let followed: Vec<bool> =
            elsewhere.seen().iter().map(|s| s.headers.contains_key("x-amz-security-token")).collect();
        assert!(followed.is_empty(), "{status}: the redirect was followed (session token forwarded: {followed:?})");
        assert!(text_of(&result).contains("temporarily unavailable"), "{status}: {result}");
        let sent = stub.seen();
        assert!(!sent.is_empty() && sent.iter().all(|s| s.headers["x-amz-security-token"] == "session-token-value"));
    }
}

/// With an https AppSync URL the client speaks https only: an OIDC secret naming a plain-http
/// token endpoint is refused before the client secret is sent.
#[tokio::test]
async fn https_appsync_refuses_a_plain_http_token_endpoint() {
    let moto = Moto::start();
    let stub = Stub::start(vec![]).await;
    let arn = create_secret(&moto, "appsync-oidc-http", &oidc_secret(&stub.token_url())).await;
    let mut config = appsync_config(&stub, AppsyncAuth::Oidc, &arn, &moto.url);
    // Loopback, and nothing listens there: this test must never reach beyond the machine.
    config.url = format!("https://127.0.0.1:{}/graphql", crate::stub::free_port());
    let client = client_over(Arc::new(connect(&config, Some(moto_sdk_config())).await.unwrap()), Mode::Serve, &[]);
    let result = search(&client).await;
    assert_eq!(stub.token_requests(), 0, "the client secret never went over plain http");
    assert!(text_of(&result).contains("could not authenticate"), "{result}");
}

/// A 401/403 that is not AppSync's UnauthorizedException (a WAF page, an API gateway's JSON)
/// is answered as an error at once: no secret refetch, no second attempt.
#[tokio::test]
async fn a_waf_block_does_not_refetch_the_secret() {
    let moto = Moto::start();
    let arn = create_secret(&moto, "appsync-key-waf", r#"{"api_key": "da2-key"}"#).await;
    let proxy = CountingProxy::start(&moto.url).await;
    let stub = Stub::start(vec![]).await;
    let config = appsync_config(&stub, AppsyncAuth::ApiKey, &arn, &proxy.url);
    let client = client_over(Arc::new(connect(&config, Some(moto_sdk_config())).await.unwrap()), Mode::Serve, &[]);
    assert!(!is_error(&search(&client).await), "warm");
    assert_eq!(proxy.get_secret_value_calls(), 1);

    let blocks = [
        Scripted::waf_block(),
        Scripted::status(403, r#"{"message":"Forbidden"}"#),
        Scripted::status(401, r#"{"errors":[{"errorType":"AccessDeniedException"}]}"#),
    ];
    for (i, block) in blocks.into_iter().enumerate() {
        let before = stub.seen().len();
        stub.always(block.clone());
        let result = search(&client).await;
        assert_eq!(proxy.get_secret_value_calls(), 1, "{block:?}: no refetch");
        assert_eq!(stub.seen().len(), before + 1, "{block:?}: one attempt");
        assert!(text_of(&result).contains("refused this request"), "{block:?}: {result}");
        assert!(!text_of(&result).contains("html"), "no internals");
        assert_eq!(client.audit.records()[i + 1].outcome, Outcome::BackendError);
    }
}

/// AppSync's UnauthorizedException: one refetch and one retry; a flood of them refetches at most
/// once per few seconds, and rejections that arrive together share one refetch.
#[tokio::test]
async fn unauthorized_exception_refetches_once_even_under_a_flood() {
    let moto = Moto::start();
    let arn = create_secret(&moto, "appsync-key-flood", r#"{"api_key": "da2-key"}"#).await;
    let proxy = CountingProxy::start(&moto.url).await;
    let stub = Stub::start(vec![]).await;
    let config = appsync_config(&stub, AppsyncAuth::ApiKey, &arn, &proxy.url);

    let backend = Arc::new(connect(&config, Some(moto_sdk_config())).await.unwrap());
    backend.execute(&INDUSTRIES, json!({})).await.expect("warm");
    assert_eq!(proxy.get_secret_value_calls(), 1);
    stub.push(Scripted::unauthorized_exception());
    let before = stub.seen().len();
    backend.execute(&INDUSTRIES, json!({})).await.expect("retried with the refetched key");
    assert_eq!((proxy.get_secret_value_calls(), stub.seen().len() - before), (2, 2), "one refetch, one retry");

    // Every answer a rejection now: 20 concurrent calls right after that refetch fetch nothing.
    stub.always(Scripted::unauthorized_exception());
    let flood = |backend: Arc<AppSyncBackend>| async move {
        let calls = (0..20).map(|_| {
            let backend = backend.clone();
            tokio::spawn(async move { backend.execute(&INDUSTRIES, json!({})).await })
        });
        for call in futures::future::join_all(calls).await {
            assert!(matches!(call.unwrap(), Err(BackendError::Unauthorized)));
        }
    };
    flood(backend.clone()).await;
    assert_eq!(proxy.get_secret_value_calls(), 2, "within the window: no refetch");

    // A fresh instance: its first refresh is allowed, and the 20 rejections share it.
    let fresh = Arc::new(connect(&config, Some(moto_sdk_config())).await.unwrap());
    stub.push(Scripted::ok(search_data()));
    fresh.execute(&INDUSTRIES, json!({})).await.expect("warm");
    assert_eq!(proxy.get_secret_value_calls(), 3);
    flood(fresh).await;
    assert_eq!(proxy.get_secret_value_calls(), 4, "20 concurrent rejections: one refetch");
}
