//! The AppSync client's secrets from Secrets Manager (moto's), against the scripted AppSync-shaped
//! endpoint: an API key and an OIDC client's credentials, fetched once per cold start, fetched
//! again after AppSync rejects them (at most once per few seconds, however many rejections), the
//! cached ones used while a refetch hangs, and clear errors when the secret or the service is
//! missing.

use std::sync::Arc;
use std::time::{Duration, Instant};

use b2b_mcp::Mode;
use b2b_mcp::backend::appsync::{AppSyncBackend, connect};
use b2b_mcp::backend::operations::INDUSTRIES;
use b2b_mcp::backend::{BackendError, GraphqlBackend};
use b2b_mcp::config::AppsyncAuth;
use b2b_mcp::error::Outcome;
use b2b_mcp::outbound::Outbound;
use platform_local::testing::free_port;
use serde_json::json;

use crate::common::aws::test_sdk_config;
use crate::common::stub::{Scripted, SilentPeer, Stub, search, search_data};
use crate::common::{client_over, is_error, text_of, within};
use crate::moto::Moto;
use crate::proxy::CountingProxy;

async fn rotate_secret(moto: &Moto, arn: &str, value: &str) {
    moto.secrets().put_secret_value().secret_id(arn).secret_string(value).send().await.expect("rotate");
}

/// The OIDC secret for the stub's test client, with its token endpoint at `token_url`.
fn oidc_secret(token_url: &str) -> String {
    json!({"token_url": token_url, "client_id": "mcp-client", "client_secret": "client-secret-value"}).to_string()
}

/// API key from Secrets Manager (moto): one GetSecretValue per cold start, none when warm, one
/// more after AppSync rejects the key, and clear errors when the secret or the service is missing.
#[tokio::test]
async fn api_key_secret_through_moto() {
    let moto = Moto::start();
    let arn = moto.create_secret("appsync-api-key", r#"{"api_key": "da2-first-key"}"#).await;
    let proxy = CountingProxy::start(&moto.url).await;
    let stub = Stub::start(vec![]).await;

    let config = stub.appsync_config(AppsyncAuth::ApiKey, &arn, &proxy.url);
    let backend = connect(&config, Some(test_sdk_config()), &Outbound::new(None).unwrap()).await.expect("connect");
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
    let missing = stub.appsync_config(
        AppsyncAuth::ApiKey,
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:nope-AbCdEf",
        &proxy.url,
    );
    let client = client_over(
        Arc::new(connect(&missing, Some(test_sdk_config()), &Outbound::new(None).unwrap()).await.unwrap()),
        Mode::Serve,
        &[],
    );
    let result = search(&client).await;
    assert!(text_of(&result).contains("could not authenticate to the company platform"), "{result}");
    assert_eq!(client.audit.records()[0].outcome, Outcome::BackendError);

    // Secrets Manager unreachable.
    let down = format!("http://127.0.0.1:{}", free_port().unwrap());
    let client = client_over(
        Arc::new(
            connect(
                &stub.appsync_config(AppsyncAuth::ApiKey, &arn, &down),
                Some(test_sdk_config()),
                &Outbound::new(None).unwrap(),
            )
            .await
            .unwrap(),
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
    let arn = moto.create_secret("appsync-oidc", &secret.to_string()).await;
    let proxy = CountingProxy::start(&moto.url).await;
    let config = stub.appsync_config(AppsyncAuth::Oidc, &arn, &proxy.url);
    let client = client_over(
        Arc::new(connect(&config, Some(test_sdk_config()), &Outbound::new(None).unwrap()).await.unwrap()),
        Mode::Serve,
        &[],
    );

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

#[tokio::test]
async fn a_token_endpoint_that_never_answers_fails_within_the_timeout() {
    let moto = Moto::start();
    let idp = SilentPeer::start().await;
    let arn = moto.create_secret("appsync-oidc-silent", &oidc_secret(&idp.url("/token"))).await;
    let stub = Stub::start(vec![]).await;
    let mut config = stub.appsync_config(AppsyncAuth::Oidc, &arn, &moto.url);
    config.attempt_timeout = Duration::from_secs(1);
    let client = client_over(
        Arc::new(connect(&config, Some(test_sdk_config()), &Outbound::new(None).unwrap()).await.unwrap()),
        Mode::Serve,
        &[],
    );

    let started = Instant::now();
    // The request deadline is 20 s: without a timeout of its own the fetch would run into it.
    let result = within(Duration::from_secs(10), "the tool call", search(&client)).await;
    assert!(started.elapsed() < Duration::from_secs(4), "answered after {:?}", started.elapsed());
    assert!(text_of(&result).contains("could not authenticate to the company platform"), "{result}");
    assert_eq!(idp.accepted(), 1, "the token endpoint was reached");
    assert!(stub.seen().is_empty(), "AppSync is not called without a token");
    assert_eq!(client.audit.records()[0].outcome, Outcome::BackendError);
}

/// A warm OIDC client whose token refresh hangs at the identity provider still answers other
/// calls at once with its cached token.
#[tokio::test]
async fn a_cached_token_is_used_while_a_refresh_hangs() {
    let moto = Moto::start();
    let stub = Stub::start(vec![]).await;
    let arn = moto.create_secret("appsync-oidc-slow", &oidc_secret(&stub.token_url())).await;
    let mut config = stub.appsync_config(AppsyncAuth::Oidc, &arn, &moto.url);
    config.attempt_timeout = Duration::from_secs(4);
    let client = Arc::new(client_over(
        Arc::new(connect(&config, Some(test_sdk_config()), &Outbound::new(None).unwrap()).await.unwrap()),
        Mode::Serve,
        &[],
    ));
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
    let arn = moto.create_secret("appsync-key-slow", r#"{"api_key": "da2-cached"}"#).await;
    let proxy = CountingProxy::start(&moto.url).await;
    let stub = Stub::start(vec![]).await;
    let config = stub.appsync_config(AppsyncAuth::ApiKey, &arn, &proxy.url);
    let client = Arc::new(client_over(
        Arc::new(connect(&config, Some(test_sdk_config()), &Outbound::new(None).unwrap()).await.unwrap()),
        Mode::Serve,
        &[],
    ));
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
    assert!(took < Duration::from_secs(1), "took {took:?}, the refetch hangs for up to 6 s");
    assert_eq!(stub.seen().last().unwrap().headers["x-api-key"], "da2-cached");

    let refetched = within(Duration::from_secs(10), "the hanging refetch", refetching).await.unwrap();
    assert!(text_of(&refetched).contains("could not authenticate"), "{refetched}");
}

/// With an https AppSync URL the client speaks https only: an OIDC secret naming a plain-http
/// token endpoint is refused before the client secret is sent.
#[tokio::test]
async fn https_appsync_refuses_a_plain_http_token_endpoint() {
    let moto = Moto::start();
    let stub = Stub::start(vec![]).await;
    let arn = moto.create_secret("appsync-oidc-http", &oidc_secret(&stub.token_url())).await;
    let mut config = stub.appsync_config(AppsyncAuth::Oidc, &arn, &moto.url);
    // Loopback, and nothing listens there: this test must never reach beyond the machine.
    config.url = format!("https://127.0.0.1:{}/graphql", free_port().unwrap());
    let client = client_over(
        Arc::new(connect(&config, Some(test_sdk_config()), &Outbound::new(None).unwrap()).await.unwrap()),
        Mode::Serve,
        &[],
    );
    let result = search(&client).await;
    assert_eq!(stub.token_requests(), 0, "the client secret never went over plain http");
    assert!(text_of(&result).contains("could not authenticate"), "{result}");
}

/// A 401/403 that is not AppSync's UnauthorizedException (a WAF page, an API gateway's JSON)
/// is answered as an error at once: no secret refetch, no second attempt.
#[tokio::test]
async fn a_waf_block_does_not_refetch_the_secret() {
    let moto = Moto::start();
    let arn = moto.create_secret("appsync-key-waf", r#"{"api_key": "da2-key"}"#).await;
    let proxy = CountingProxy::start(&moto.url).await;
    let stub = Stub::start(vec![]).await;
    let config = stub.appsync_config(AppsyncAuth::ApiKey, &arn, &proxy.url);
    let client = client_over(
        Arc::new(connect(&config, Some(test_sdk_config()), &Outbound::new(None).unwrap()).await.unwrap()),
        Mode::Serve,
        &[],
    );
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
    let arn = moto.create_secret("appsync-key-flood", r#"{"api_key": "da2-key"}"#).await;
    let proxy = CountingProxy::start(&moto.url).await;
    let stub = Stub::start(vec![]).await;
    let config = stub.appsync_config(AppsyncAuth::ApiKey, &arn, &proxy.url);

    let backend = Arc::new(connect(&config, Some(test_sdk_config()), &Outbound::new(None).unwrap()).await.unwrap());
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
    let fresh = Arc::new(connect(&config, Some(test_sdk_config()), &Outbound::new(None).unwrap()).await.unwrap());
    stub.push(Scripted::ok(search_data()));
    fresh.execute(&INDUSTRIES, json!({})).await.expect("warm");
    assert_eq!(proxy.get_secret_value_calls(), 3);
    flood(fresh).await;
    assert_eq!(proxy.get_secret_value_calls(), 4, "20 concurrent rejections: one refetch");
}
