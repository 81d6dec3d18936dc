//! Outbound TLS through the real binary: the platform over HTTPS with its own CA, which the
//! server trusts only where `LOCAL_CA_FILE` names it; never in staging or prod, and never a file
//! that holds no certificate.

use std::process::Command;

use platform_local::auth::Mode as PlatformMode;
use platform_local::testing::TempPlatform;
use serde_json::{Value, json};

use crate::common::served::Served;

async fn search(served: &Served) -> Value {
    let params = json!({"name": "search_companies", "arguments": {"country": "DE", "limit": 3},
        "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                  "io.modelcontextprotocol/clientCapabilities": {}}});
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": params});
    let response = reqwest::Client::new()
        .post(&served.url)
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", "tools/call")
        .header("mcp-name", "search_companies")
        .json(&body)
        .send()
        .await
        .expect("serve answers");
    assert_eq!(response.status(), 200);
    response.json::<Value>().await.expect("JSON-RPC")["result"].clone()
}

#[tokio::test]
async fn the_server_reaches_an_https_platform_through_the_named_ca_and_no_other_way() {
    let platform = TempPlatform::start_tls(&[PlatformMode::Iam]).await.expect("platform over HTTPS");
    assert!(platform.graphql_url().starts_with("https://localhost:"), "{}", platform.graphql_url());
    let ca = platform.ca_file().expect("a CA file").display().to_string();

    let trusting = Served::start(&platform, "tls-user", &[("LOCAL_CA_FILE", ca.as_str())]).await;
    let found = search(&trusting).await;
    assert_eq!(found["isError"], false, "{found}\n{}", trusting.log());
    assert!(!found["structuredContent"]["companies"].as_array().expect("companies").is_empty(), "{found}");

    // Without the CA the platform's certificate is unknown: a clear, retry-safe error result,
    // nothing about the certificate's contents, and the server goes on serving.
    let untrusting = Served::start(&platform, "tls-user", &[]).await;
    let refused = search(&untrusting).await;
    assert_eq!(refused["isError"], true, "{refused}");
    let text = refused["content"][0]["text"].as_str().unwrap_or_default().to_owned();
    assert!(text.to_lowercase().contains("unavailable") || text.contains("try again"), "{text}");
    let log = untrusting.log();
    assert!(log.contains("certificate") || log.contains("UnknownIssuer"), "the operator sees why:\n{log}");
}

/// The binary's start with `vars`: its exit status and what it wrote.
fn start_fails(vars: &[(&str, &str)]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_b2b-mcp"))
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .envs([("INBOUND_AUTH", "off"), ("APPSYNC_URL", "https://localhost:1/graphql"), ("AWS_REGION", "us-east-1")])
        .envs(vars.iter().copied())
        .output()
        .expect("run b2b-mcp");
    assert!(!output.status.success(), "{vars:?}: the start must fail");
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

#[test]
fn a_local_ca_is_refused_in_staging_and_prod_and_a_file_without_certificates_stops_the_start() {
    let dir = std::env::temp_dir().join(format!("b2b-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let not_a_ca = dir.join("not-a-ca.pem");
    std::fs::write(&not_a_ca, "just text\n").unwrap();
    let file = not_a_ca.display().to_string();
    for stage in ["prod", "staging"] {
        let out = start_fails(&[("STAGE", stage), ("LOCAL_CA_FILE", &file)]);
        assert!(out.contains("LOCAL_CA_FILE") && out.contains("staging and prod"), "{stage}: {out}");
    }
    let out = start_fails(&[("STAGE", "dev"), ("LOCAL_CA_FILE", &file)]);
    assert!(out.contains("LOCAL_CA_FILE") && out.contains("holds no certificate"), "{out}");
    let missing = dir.join("missing.pem").display().to_string();
    let out = start_fails(&[("STAGE", "dev"), ("LOCAL_CA_FILE", &missing)]);
    assert!(out.contains("LOCAL_CA_FILE") && out.contains("missing.pem"), "{out}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A Lambda function's first call comes while its init's warm-up is still connecting (the event
/// is waiting when init ends): the call waits for that connection instead of opening a second
/// one beside it. One TLS handshake reaches the platform, not two.
#[tokio::test(flavor = "current_thread")]
async fn a_call_during_the_warm_up_uses_the_warm_up_connection() {
    use std::sync::Arc;
    use std::time::Duration;

    use aws_credential_types::Credentials;
    use aws_credential_types::provider::SharedCredentialsProvider;
    use b2b_mcp::backend::GraphqlBackend;
    use b2b_mcp::backend::appsync::{AppSyncBackend, http_client};
    use b2b_mcp::backend::auth::Authenticator;
    use b2b_mcp::outbound::Outbound;
    use platform_local::defaults;

    let platform = TempPlatform::start_tls(&[PlatformMode::Iam]).await.expect("platform over HTTPS");
    let outbound = Outbound::new(platform.ca_file().as_deref()).expect("the platform's CA");
    let url = reqwest::Url::parse(&platform.graphql_url()).expect("url");
    let auth = || Authenticator::Iam {
        region: defaults::REGION.into(),
        provider: SharedCredentialsProvider::new(Credentials::new(
            defaults::ACCESS_KEY_ID,
            defaults::SECRET_ACCESS_KEY,
            None,
            None,
            "test",
        )),
        cached: Default::default(),
    };
    let http = http_client(&url, &outbound).expect("client");
    // The warm-up alone opens a connection (else one handshake below would prove nothing); a
    // client of its own, so the backend below starts with an empty pool.
    let own = http_client(&url, &outbound).expect("client");
    let alone = AppSyncBackend::new(own, url.clone(), auth(), Duration::from_secs(5));
    alone.warm().await;
    assert_eq!(platform.tls_handshakes(), 1, "the warm-up opens a connection");
    let backend = Arc::new(AppSyncBackend::new(http, url, auth(), Duration::from_secs(5)));
    let warming = tokio::spawn({
        let backend = backend.clone();
        async move { backend.warm().await }
    });
    // As the Lambda runtime's request for the next event does, give the warm-up its first turn.
    tokio::task::yield_now().await;
    let client = crate::common::client_over(backend, b2b_mcp::Mode::Serve, &[]);
    let result = client.call("search_companies", json!({"country": "DE", "limit": 3})).await;
    assert_eq!(result["isError"], false, "{result}");
    warming.await.expect("the warm-up ends");
    assert_eq!(platform.tls_handshakes(), 2, "the call opened a connection of its own beside the warm-up's");
}

/// `SSL_CERT_FILE` naming a file that is not there trusts nothing, as rustls-native-certs reads
/// it, not the system bundle instead: a mistyped path fails closed, and the log says so.
#[tokio::test]
async fn a_named_roots_file_that_is_missing_trusts_nothing() {
    let platform = TempPlatform::start(&[PlatformMode::Iam]).await.expect("platform");
    let warning = "no system trust roots found";
    let named = Served::start(&platform, "roots-user", &[("SSL_CERT_FILE", "/nonexistent/roots.pem")]).await;
    assert!(named.log().contains(warning), "{}", named.log());
    let unnamed = Served::start(&platform, "roots-user", &[]).await;
    assert!(!unnamed.log().contains(warning), "{}", unnamed.log());
}
