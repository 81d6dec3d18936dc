//! The platform over HTTPS and the TLS front: a client that trusts the platform's CA gets the
//! same answers as over HTTP (API key and SigV4), one that does not is refused at the handshake,
//! the front carries a request to a plain server, and a silent client is dropped.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4::SigningParams;
use serde_json::{Value, json};
use tokio::io::AsyncReadExt;

use super::*;

const QUERY: &str = "{ searchCompanies(filter: {}, limit: 3) { items { id name } } }";

/// A client that trusts this CA alone.
fn trusting(ca_file: &Path) -> reqwest::Client {
    let ca = reqwest::Certificate::from_pem(&std::fs::read(ca_file).unwrap()).unwrap();
    reqwest::Client::builder().tls_certs_only([ca]).build().unwrap()
}

async fn platforms() -> (TempPlatform, TempPlatform) {
    let modes = [Mode::ApiKey, Mode::Iam];
    (TempPlatform::start_with(&modes, 50, 1).await.unwrap(), TempPlatform::start_tls_with(&modes, 50, 1).await.unwrap())
}

async fn with_api_key(client: &reqwest::Client, url: &str) -> Value {
    let response =
        client.post(url).header("x-api-key", defaults::API_KEY).json(&json!({ "query": QUERY })).send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// `host:port`, as the client sends it in `Host`.
fn host(url: &str) -> String {
    let url = reqwest::Url::parse(url).unwrap();
    format!("{}:{}", url.host_str().unwrap(), url.port().unwrap())
}

/// A POST of `body` to `url`, signed with SigV4 as an AWS client signs it (the host is signed).
async fn with_sigv4(client: &reqwest::Client, url: &str) -> Value {
    let body = serde_json::to_vec(&json!({ "query": QUERY })).unwrap();
    let mut request = http::Request::builder()
        .method("POST")
        .uri(url)
        .header("host", host(url))
        .header("content-type", "application/json")
        .body(body.clone())
        .unwrap();
    let identity = Credentials::new(defaults::ACCESS_KEY_ID, defaults::SECRET_ACCESS_KEY, None, None, "test").into();
    let params = SigningParams::builder()
        .identity(&identity)
        .region(defaults::REGION)
        .name("appsync")
        .time(SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .unwrap()
        .into();
    let signable = SignableRequest::new(
        "POST",
        url,
        request.headers().iter().map(|(name, value)| (name.as_str(), value.to_str().unwrap())),
        SignableBody::Bytes(&body),
    )
    .unwrap();
    sign(signable, &params).unwrap().into_parts().0.apply_to_request_http1x(&mut request);
    let response = client.post(url).headers(request.headers().clone()).body(body).send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

#[tokio::test]
async fn over_https_the_platform_answers_as_over_http() {
    let (plain, https) = platforms().await;
    let port = https.addr.port();
    assert_eq!(https.graphql_url(), format!("https://localhost:{port}/graphql"));
    assert_eq!(https.base_url(), format!("https://localhost:{port}"));
    let ca_file = https.ca_file().unwrap();
    assert!(ca_file.ends_with("ca.pem"), "{}", ca_file.display());
    assert_eq!(plain.ca_file(), None);
    let client = trusting(&ca_file);

    let health = client.get(format!("{}/health", https.base_url())).send().await.unwrap();
    assert_eq!(health.text().await.unwrap(), "ok");
    let expected = with_api_key(&reqwest::Client::new(), &plain.graphql_url()).await;
    assert!(
        expected["data"]["searchCompanies"]["items"].as_array().is_some_and(|items| !items.is_empty()),
        "{expected}"
    );
    assert_eq!(with_api_key(&client, &https.graphql_url()).await, expected);
    assert_eq!(with_sigv4(&client, &https.graphql_url()).await, expected);
    assert_eq!(with_sigv4(&reqwest::Client::new(), &plain.graphql_url()).await, expected);
    // The sign-in's discovery names the scheme it was reached by.
    let discovery: Value = client
        .get(format!("{}/.well-known/openid-configuration", https.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(discovery["issuer"], format!("https://localhost:{port}"));
}

#[tokio::test]
async fn a_client_that_does_not_trust_the_ca_is_refused_at_the_handshake() {
    let (one, other) = (
        TempPlatform::start_tls_with(&[Mode::ApiKey], 50, 1).await.unwrap(),
        TempPlatform::start_tls_with(&[Mode::ApiKey], 50, 1).await.unwrap(),
    );
    // Each temporary platform has a CA of its own: trusting the other's is trusting a stranger.
    assert_ne!(std::fs::read(one.ca_file().unwrap()).unwrap(), std::fs::read(other.ca_file().unwrap()).unwrap());
    let stranger = trusting(&other.ca_file().unwrap());
    let error = stranger.get(format!("{}/health", one.base_url())).send().await.unwrap_err();
    assert!(error.is_connect(), "{error:?}");
    // Both CAs bear the same name, so the stranger's is found and its signature does not match.
    assert!(format!("{error:?}").contains("InvalidCertificate"), "{error:?}");
    // Nor does plain HTTP reach it.
    assert!(reqwest::get(format!("http://{}/health", one.addr)).await.is_err());
}

#[tokio::test]
async fn a_temporary_https_platform_removes_its_certificates_when_dropped() {
    let platform = TempPlatform::start_tls_with(&[Mode::ApiKey], 50, 1).await.unwrap();
    let dir = platform.ca_file().unwrap().parent().unwrap().to_path_buf();
    assert!(dir.join("key.pem").exists());
    drop(platform);
    assert!(!dir.exists(), "{} is left behind", dir.display());
}

#[tokio::test]
async fn the_tls_front_carries_requests_to_a_plain_server() {
    let (plain, https) = platforms().await;
    // The front serves the HTTPS platform's certificate: one CA for both.
    let tls = https.tls.as_ref().unwrap();
    let front = TlsFront::start(plain.addr, tls).await.unwrap();
    assert_eq!(front.url(), format!("https://localhost:{}", front.addr.port()));
    let client = trusting(&tls.ca_file());
    let health = client.get(format!("{}/health", front.url())).send().await.unwrap();
    assert_eq!(health.text().await.unwrap(), "ok");
    // Signed for the front's host, as a client of the front signs: the bytes arrive unchanged.
    let expected = with_api_key(&reqwest::Client::new(), &plain.graphql_url()).await;
    assert_eq!(with_sigv4(&client, &format!("{}/graphql", front.url())).await, expected);
    let port = front.addr.port();
    drop(front);
    wait_for_port_closed(port, Duration::from_secs(5)).await.unwrap();
}

#[tokio::test]
async fn a_silent_client_is_dropped_after_the_handshake_timeout() {
    let (plain, https) = platforms().await;
    let front = TlsFront::start_with_timeout(plain.addr, https.tls.as_ref().unwrap(), Duration::from_millis(200))
        .await
        .unwrap();
    let mut silent = tokio::net::TcpStream::connect(front.addr).await.unwrap();
    // The front closes the connection; the guard only keeps a broken front from hanging the test.
    let mut buffer = [0u8; 16];
    let read = tokio::time::timeout(Duration::from_secs(10), silent.read(&mut buffer)).await;
    let read = read.expect("the front closes a silent connection after its handshake timeout");
    assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
}
