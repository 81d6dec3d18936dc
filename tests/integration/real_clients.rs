//! Real MCP clients against the server over HTTP, backed by the local platform: the official
//! Python SDK in the 2026-07-28 (stateless) era and in the 2025 handshake era
//! (`tests/clients/python_sdk.py`, run with the project's tool venv).

use std::sync::Arc;
use std::time::Duration;

use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use b2b_mcp::Mode;
use b2b_mcp::backend::appsync::connect;
use b2b_mcp::config::{AppsyncAuth, AppsyncConfig};
use platform_local::auth::Mode as PlatformMode;
use platform_local::defaults;

use crate::common::client_over;
use crate::stub::venv_bin;

async fn server_url(platform: &platform_local::Running, vars: &[(&str, &str)]) -> String {
    let creds = Credentials::new(defaults::ACCESS_KEY_ID, defaults::SECRET_ACCESS_KEY, None, None, "platform");
    let sdk = aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(defaults::REGION))
        .credentials_provider(SharedCredentialsProvider::new(creds))
        .build();
    let config = AppsyncConfig {
        url: format!("http://{}/graphql", platform.addr),
        region: Some(defaults::REGION.into()),
        auth: AppsyncAuth::Iam,
        secret_arn: None,
        secrets_endpoint_url: None,
        secret_ttl: Duration::from_secs(300),
        attempt_timeout: Duration::from_secs(5),
    };
    let backend = connect(&config, Some(sdk)).await.expect("connect");
    let client = client_over(Arc::new(backend), Mode::Serve, vars).over_http().await;
    client.http.expect("served over HTTP")
}

#[tokio::test]
async fn the_official_python_sdk_in_both_protocol_eras() {
    let path = std::env::temp_dir().join(format!("b2b-real-clients-{}.sqlite", std::process::id()));
    let settings = platform_local::Settings {
        bind: "127.0.0.1:0".parse().unwrap(),
        db_path: path.clone(),
        companies: 3000,
        seed: 11,
        auth: defaults::auth_config(&[PlatformMode::Iam]),
        progress: false,
    };
    let platform = platform_local::start(settings).await.expect("platform");
    let read_only = server_url(&platform, &[]).await;
    let read_write = server_url(&platform, &[("ALLOW_MUTATIONS", "true")]).await;
    let script = format!("{}/tests/clients/python_sdk.py", env!("CARGO_MANIFEST_DIR"));
    for mode in ["2026-07-28", "legacy"] {
        let output = tokio::process::Command::new(venv_bin("python"))
            .args([script.as_str(), mode, read_only.as_str(), read_write.as_str()])
            .output()
            .await
            .expect("run the Python SDK client");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{mode}:\n{stdout}\n{stderr}");
        let expected = if mode == "legacy" { "negotiated 2025-11-25" } else { "negotiated 2026-07-28" };
        assert!(stdout.contains(expected), "{mode}: {stdout}");
    }
    assert_eq!(platform.db.discovery_count("local-user").unwrap(), 0);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}
