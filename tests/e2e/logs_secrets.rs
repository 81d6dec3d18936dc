//! No secret a deployed stage handles ever appears in a log line: the real binary in `serve` mode
//! with trace logging, in each AppSync auth mode, its secrets from Secrets Manager (moto's), with
//! token checks on, through success, rejection and rotation. Nor does a contact a completed
//! e-mail discovery returned (personal data).

use std::process::Stdio;
use std::time::Duration;

use platform_local::auth::{KID, Mode as PlatformMode, mint_token, now_seconds};
use platform_local::defaults;
use platform_local::discovery::DiscoverySchedule;
use platform_local::testing::TempPlatform;
use serde_json::{Value, json};

use crate::moto::Moto;

/// Known values for every credential a deployed stage handles: AppSync's API key and OIDC client
/// secret from Secrets Manager (moto), the execution role's keys and session token, the callers'
/// bearer JWTs; and the contacts of an e-mail discovery, which the platform completes at once here.
/// The real binary runs each AppSync auth mode with token checks on and trace
/// logging, through success, rejection and rotation; no line it writes may hold any of them.
#[tokio::test]
async fn secrets_manager_values_role_keys_and_bearer_tokens_never_reach_the_logs() {
    const WRONG_API_KEY: &str = "da2-ROTATED-OUT-SECRET-KEY-0000";
    const SESSION_TOKEN: &str = "SECRET-SESSION-TOKEN-IQoJb3JpZ2luX2VjE";

    let moto = Moto::start();
    let modes = [PlatformMode::ApiKey, PlatformMode::Oidc, PlatformMode::Iam];
    let immediate = DiscoverySchedule::new(Duration::ZERO, Duration::ZERO).expect("schedule");
    let platform = TempPlatform::start_with_schedule(&modes, immediate).await.expect("platform starts");
    let issuer = format!("http://{}", platform.addr);
    let sm = moto.secrets();
    let create = |name: &str, value: String| {
        let sm = sm.clone();
        let name = name.to_owned();
        async move {
            let out = sm.create_secret().name(name).secret_string(value).send().await.expect("create secret");
            out.arn.expect("arn")
        }
    };
    // The API key secret starts out holding a key AppSync no longer accepts (a rotation half done).
    let api_key_arn = create("appsync-api-key", json!({"api_key": WRONG_API_KEY}).to_string()).await;
    let oidc_arn = create(
        "appsync-oidc",
        json!({
            "token_url": format!("http://{}/oauth2/token", platform.addr),
            "client_id": defaults::OIDC_CLIENT_ID,
            "client_secret": defaults::OIDC_CLIENT_SECRET,
        })
        .to_string(),
    )
    .await;

    let bearer = |scope: &str| {
        let now = now_seconds();
        let claims = json!({"iss": issuer, "aud": defaults::MCP_AUDIENCE, "sub": "user-logs", "scope": scope,
            "iat": now, "exp": now + 600});
        mint_token(&claims, Some(KID)).expect("mint")
    };
    let writer = bearer("mcp:write");
    let reader = bearer("mcp:read");
    // Signed by the right key but altered after signing: refused, and still never logged.
    let tampered = format!("{}x", &writer[..writer.len() - 1]);

    let mut known: Vec<(&str, String)> = vec![
        ("AppSync API key", defaults::API_KEY.to_owned()),
        ("rotated-out API key", WRONG_API_KEY.to_owned()),
        ("OIDC client secret", defaults::OIDC_CLIENT_SECRET.to_owned()),
        ("OIDC client Basic credentials", defaults::OIDC_CLIENT_BASIC.to_owned()),
        ("AWS secret access key", defaults::SECRET_ACCESS_KEY.to_owned()),
        ("AWS session token", SESSION_TOKEN.to_owned()),
        ("tampered bearer", tampered.clone()),
    ];
    for token in [&writer, &reader] {
        known.push(("bearer token", token.clone()));
        // The signature alone, in case a token is ever logged in parts.
        known.push(("bearer signature", token.rsplit('.').next().unwrap_or_default().to_owned()));
    }

    let mut log = String::new();
    for (auth, secret_arn) in [("api_key", Some(&api_key_arn)), ("oidc", Some(&oidc_arn)), ("iam", None)] {
        let log_path = std::env::temp_dir().join(format!("b2b-mcp-secret-logs-{auth}-{}.txt", std::process::id()));
        let file = std::fs::File::create(&log_path).expect("log file");
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_b2b-mcp"));
        command
            .args(["serve", "--bind", crate::common::served::ANY_LOOPBACK_PORT])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("STAGE", "logs")
            .env("LOG_LEVEL", "trace")
            .env("RUST_LOG", "trace")
            .env("ALLOW_MUTATIONS", "true")
            // These 2025-era calls cannot be asked to confirm the paid tool: the stage lets them by.
            .env("CONFIRM_FALLBACK", "allow")
            .env("OIDC_ISSUER", &issuer)
            .env("OIDC_AUDIENCE", defaults::MCP_AUDIENCE)
            .env("APPSYNC_URL", format!("http://{}/graphql", platform.addr))
            .env("APPSYNC_AUTH", auth)
            .env("AWS_REGION", defaults::REGION)
            .env("AWS_ACCESS_KEY_ID", defaults::ACCESS_KEY_ID)
            .env("AWS_SECRET_ACCESS_KEY", defaults::SECRET_ACCESS_KEY)
            .env("SECRETS_ENDPOINT_URL", &moto.url)
            .stdin(Stdio::null())
            .stdout(file.try_clone().expect("log file"))
            .stderr(file)
            .kill_on_drop(true);
        if let Some(arn) = secret_arn {
            command.env("APPSYNC_SECRET_ARN", arn);
        }
        // The session token only where SigV4 uses the role's keys for AppSync (the platform checks
        // the signature, not the token); elsewhere it would be sent to moto alone.
        if auth == "iam" {
            command.env("AWS_SESSION_TOKEN", SESSION_TOKEN);
        }
        let mut child = command.spawn().expect("spawn serve");
        let exited = || child.try_wait().ok().flatten().map(|status| format!("serve exited ({status})"));
        let url = match crate::common::served::logged_url(&log_path, Duration::from_secs(30), exited).await {
            Ok(url) => url,
            Err(e) => panic!("serve did not start: {e}: {}", read(&log_path)),
        };

        // `serve` closes a kept-alive connection idle for SERVE_HEADER_TIMEOUT_MS (5 s), and the
        // rotation step below waits REFRESH_INTERVAL (also 5 s): a pooled connection would be
        // reused just as the server closes it (hyper's IncompleteMessage on a POST, which no
        // client retries). Like any client of it, this one drops idle connections sooner.
        let http = reqwest::Client::builder().pool_idle_timeout(Duration::from_secs(1)).build().expect("client");
        let call = |token: String, id: u32, tool: &'static str, arguments: Value| {
            let http = http.clone();
            let url = url.clone();
            async move {
                let body = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
                    "params": {"name": tool, "arguments": arguments}});
                let response = http
                    .post(url)
                    .bearer_auth(token)
                    .header("accept", "application/json, text/event-stream")
                    .header("mcp-protocol-version", "2025-11-25")
                    .json(&body)
                    .send()
                    .await
                    .expect("post");
                let status = response.status().as_u16();
                (status, response.json::<Value>().await.unwrap_or(Value::Null))
            }
        };
        let ok = |answer: &(u16, Value)| answer.0 == 200 && answer.1["result"]["isError"] == json!(false);

        let first = call(reader.clone(), 1, "search_companies", json!({"query": "acme", "limit": 2})).await;
        if auth == "api_key" {
            // AppSync refuses the rotated-out key; the fresh fetch after the 401 gets it again.
            assert_eq!(first.1["result"]["isError"], json!(true), "{auth}: {first:?}");
            sm.put_secret_value()
                .secret_id(&api_key_arn)
                .secret_string(json!({"api_key": defaults::API_KEY}).to_string())
                .send()
                .await
                .expect("rotate");
            // The cached wrong key is tried once more, refused, and the new one fetched; rejections
            // cause a refetch at most once per REFRESH_INTERVAL, and the first call just caused one.
            tokio::time::sleep(b2b_mcp::backend::cache::REFRESH_INTERVAL).await;
            let after = call(reader.clone(), 2, "search_companies", json!({"query": "acme", "limit": 2})).await;
            assert!(ok(&after), "{auth} after rotation: {after:?}");
        } else {
            assert!(ok(&first), "{auth}: {first:?}");
        }
        let created =
            call(writer.clone(), 3, "create_collection", json!({"name": format!("Logs {auth}"), "description": "d"}))
                .await;
        assert!(ok(&created), "{auth}: {created:?}");
        let denied = call(reader.clone(), 4, "create_collection", json!({"name": "Denied"})).await;
        assert_eq!(denied.1["result"]["isError"], json!(true), "{auth}: no write scope: {denied:?}");
        let refused = call(tampered.clone(), 5, "search_companies", json!({"query": "acme"})).await;
        assert_eq!(refused.0, 401, "{auth}: tampered token: {refused:?}");
        let requested = call(writer.clone(), 6, "request_email_discovery", json!({"company_id": "c_0000001"})).await;
        assert!(ok(&requested), "{auth}: {requested:?}");
        let id = requested.1["result"]["structuredContent"]["request_id"].clone();
        let discovered = call(reader.clone(), 7, "get_email_discovery", json!({"request_id": id})).await;
        let found = &discovered.1["result"]["structuredContent"];
        assert_eq!(found["status"], "completed", "{auth}: {discovered:?}");
        for contact in found["contacts"].as_array().into_iter().flatten() {
            for field in ["email", "name"] {
                known.push(("discovered contact", contact[field].as_str().unwrap_or_default().to_owned()));
            }
        }
        assert!(known.iter().any(|(what, _)| *what == "discovered contact"), "{auth}: contacts: {discovered:?}");

        let _ = child.kill().await;
        let text = read(&log_path);
        let _ = std::fs::remove_file(&log_path);
        let audits = text.lines().filter(|l| l.contains("\"target\":\"audit\"")).count();
        // One per tool call, the tampered token's 401 included (denied, no principal).
        let expected = if auth == "api_key" { 7 } else { 6 };
        assert_eq!(audits, expected, "{auth}: one audit line per tool call:\n{text}");
        assert!(text.contains(":user-logs\""), "{auth}: the caller is named:\n{text}");
        log.push_str(&text);
    }

    for (what, value) in &known {
        let leaks: Vec<&str> = log.lines().filter(|l| l.contains(value.as_str())).collect();
        assert!(leaks.is_empty(), "the {what} appears in the logs:\n{}", leaks.join("\n"));
    }
    // No JWT of any kind (the platform's access tokens for AppSync included: their value is not
    // known here, but every JWT starts with a base64url `{"`), and no Authorization header.
    for pattern in ["eyJ", "Bearer ", "x-api-key: da2", "X-Amz-Security-Token"] {
        let leaks: Vec<&str> = log.lines().filter(|l| l.contains(pattern)).collect();
        assert!(leaks.is_empty(), "{pattern:?} appears in the logs:\n{}", leaks.join("\n"));
    }
}

fn read(path: &std::path::Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}
