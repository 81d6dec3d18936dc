//! The release gate: real peers against the real binary, as a deployed stage meets them.
//!
//! - The official MCP conformance suite, both protocol eras (`make conformance`).
//! - The official Python SDK in both eras (`make smoke`, the same check run against a deployed
//!   stage), the TypeScript SDK 1.x in the handshake era, and MCP Inspector's CLI.
//! - The Lambda bootstrap built and run by cargo-lambda's emulator, fed API Gateway events with
//!   `cargo lambda invoke` and a real client through its function URL.
//!
//! Every server here is the `b2b-mcp` binary itself (not the in-process app), backed by the local
//! platform over HTTP with SigV4. The peers come from `make tools` (B2B_TOOLS_VENV, B2B_TOOLS_NODE).

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use platform_local::auth::Mode as PlatformMode;
use platform_local::defaults;
use serde_json::Value;
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

use crate::stub::{free_port, venv_bin};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The local platform on a loopback port, with its database removed afterwards.
pub(crate) struct Platform {
    pub(crate) running: platform_local::Running,
    db_path: PathBuf,
}

impl Platform {
    pub(crate) async fn start(name: &str) -> Platform {
        let db_path = std::env::temp_dir().join(format!("b2b-gate-{name}-{}.sqlite", std::process::id()));
        let settings = platform_local::Settings {
            bind: "127.0.0.1:0".parse().unwrap(),
            db_path: db_path.clone(),
            companies: 3000,
            seed: 11,
            auth: defaults::auth_config(&[PlatformMode::Iam]),
            progress: false,
        };
        let running = platform_local::start(settings).await.expect("platform");
        Platform { running, db_path }
    }

    fn graphql_url(&self) -> String {
        format!("http://{}/graphql", self.running.addr)
    }

    /// What the server needs to reach the platform as a deployed stage reaches AppSync: the URL and
    /// SigV4 with credentials from the environment (the platform's test-only keys).
    pub(crate) fn backend_env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("APPSYNC_URL", self.graphql_url()),
            ("APPSYNC_AUTH", "iam".into()),
            ("AWS_REGION", defaults::REGION.into()),
            ("AWS_ACCESS_KEY_ID", defaults::ACCESS_KEY_ID.into()),
            ("AWS_SECRET_ACCESS_KEY", defaults::SECRET_ACCESS_KEY.into()),
        ]
    }

    pub(crate) fn collections_of(&self, owner: &str) -> Vec<platform_local::db::CollectionRow> {
        self.running.db.list_collections(owner, 100, None).expect("list collections").0
    }
}

impl Drop for Platform {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.db_path.display()));
        }
    }
}

/// `b2b-mcp serve` on a free loopback port; its log goes to a file shown when a check fails.
pub(crate) struct Served {
    _child: Child,
    pub(crate) url: String,
    log: PathBuf,
}

impl Served {
    pub(crate) async fn start(platform: &Platform, principal: &str, vars: &[(&str, &str)]) -> Served {
        let port = free_port();
        let log = std::env::temp_dir().join(format!("b2b-gate-{principal}-{}.log", std::process::id()));
        let file = std::fs::File::create(&log).expect("log file");
        let mut command = Command::new(env!("CARGO_BIN_EXE_b2b-mcp"));
        command
            .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("STAGE", "gate")
            .envs(platform.backend_env())
            .envs(vars.iter().copied())
            .stdin(Stdio::null())
            .stdout(file.try_clone().expect("log file"))
            .stderr(file)
            .kill_on_drop(true);
        // A local stage (auth off, a fixed principal) unless the test sets up token checks.
        if !vars.iter().any(|(k, _)| *k == "INBOUND_AUTH") {
            command.env("INBOUND_AUTH", "off").env("LOCAL_PRINCIPAL", principal);
        }
        let mut child = command.spawn().expect("spawn b2b-mcp serve");
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).await.is_err() {
            if let Ok(Some(status)) = child.try_wait() {
                panic!("b2b-mcp serve exited with {status}:\n{}", std::fs::read_to_string(&log).unwrap_or_default());
            }
            assert!(Instant::now() < deadline, "b2b-mcp serve did not listen on {port}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Served { _child: child, url: format!("http://127.0.0.1:{port}/mcp"), log }
    }

    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.log);
    }
}

fn node_tools() -> PathBuf {
    let dir =
        std::env::var_os("B2B_TOOLS_NODE").map(PathBuf::from).unwrap_or_else(|| Path::new(ROOT).join(".tools/node"));
    assert!(dir.join(".installed").exists(), "{} is missing: run `make tools` first", dir.display());
    dir
}

fn venv_dir() -> PathBuf {
    venv_bin("python").parent().and_then(Path::parent).expect("venv").to_path_buf()
}

/// Run a peer to completion (with a generous limit), returning its output.
async fn run(command: &mut Command, limit: Duration) -> Output {
    tokio::time::timeout(limit, command.kill_on_drop(true).output())
        .await
        .unwrap_or_else(|_| panic!("{command:?} did not finish within {limit:?}"))
        .unwrap_or_else(|e| panic!("{command:?}: {e}"))
}

fn text(output: &Output) -> String {
    format!("{}\n{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// `make -s TARGET VAR=...` in the project root, with the tool directories this run uses.
fn make(target: &str, vars: &[(&str, &str)]) -> Command {
    let mut command = Command::new("make");
    command
        .args(["-s", "--no-print-directory", "-C", ROOT, target])
        .arg(format!("VENV={}", venv_dir().display()))
        .arg(format!("NODE_TOOLS={}", node_tools().display()))
        .args(vars.iter().map(|(k, v)| format!("{k}={v}")))
        .env_remove("MAKEFLAGS")
        .env_remove("MCP_TOKEN");
    command
}

#[tokio::test]
async fn the_official_conformance_suite_in_both_protocol_eras() {
    let platform = Platform::start("conformance").await;
    let server = Served::start(&platform, "conformance", &[]).await;
    let output = run(&mut make("conformance", &[("URL", &server.url)]), Duration::from_secs(600)).await;
    let report = text(&output);
    let server_log = server.log();
    assert!(output.status.success(), "{report}\nserver log:\n{server_log}");
    // Two requirement sets checked against their baselines, then the header scenario on its own.
    assert_eq!(report.matches("Baseline check passed").count(), 2, "{report}");
    assert!(report.contains("http-header-validation"), "{report}");
    assert!(!server_log.contains("panicked"), "{server_log}");
}

#[tokio::test]
async fn the_official_python_sdk_in_both_eras_through_make_smoke() {
    let platform = Platform::start("python").await;
    let read_only = Served::start(&platform, "python-ro", &[]).await;
    let read_write = Served::start(&platform, "python-rw", &[("ALLOW_MUTATIONS", "true")]).await;
    for (mode, negotiated) in [("2026-07-28", "2026-07-28"), ("legacy", "2025-11-25"), ("auto", "2026-07-28")] {
        for (server, mutations) in [(&read_only, ""), (&read_write, "1")] {
            let mut smoke = make("smoke", &[("URL", &server.url), ("MODE", mode), ("MUTATIONS", mutations)]);
            let output = run(&mut smoke, Duration::from_secs(120)).await;
            let report = text(&output);
            assert!(output.status.success(), "{mode} {}:\n{report}\n{}", server.url, server.log());
            assert!(report.contains(&format!("SMOKE OK negotiated {negotiated}")), "{mode}: {report}");
            for tool in ["search_companies", "get_company", "get_companies_batch", "ai_search", "list_collections"] {
                assert!(report.contains(&format!("ok   {tool} ")), "{mode}: {tool} was not called\n{report}");
            }
            let wrote = if mutations.is_empty() { "nothing written" } else { "write then read" };
            assert!(report.contains(wrote), "{mode}: {report}");
        }
    }
    // At the system of record: the refused mutations wrote nothing, each allowed one wrote once.
    assert!(platform.collections_of("local:python-ro").is_empty());
    let written = platform.collections_of("local:python-rw");
    assert_eq!(written.len(), 3, "{written:?}");
    assert!(written.iter().all(|c| c.item_count == 1), "{written:?}");
}

#[tokio::test]
async fn make_smoke_with_a_token_on_the_authenticated_path() {
    let platform = Platform::start("jwt").await;
    let issuer = format!("http://{}", platform.running.addr);
    let auth = [
        ("INBOUND_AUTH", "jwt"),
        ("OIDC_ISSUER", issuer.as_str()),
        ("OIDC_AUDIENCE", defaults::MCP_AUDIENCE),
        ("ALLOW_MUTATIONS", "true"),
    ];
    let server = Served::start(&platform, "jwt", &auth).await;
    let mint = |sub: &str, scope: &str| {
        let now = platform_local::auth::now_seconds();
        let claims = serde_json::json!({"iss": issuer, "aud": defaults::MCP_AUDIENCE, "sub": sub, "scope": scope,
            "iat": now, "exp": now + 600});
        platform_local::auth::mint_token(&claims, Some(platform_local::auth::KID)).expect("mint")
    };
    let writer = mint("gate-writer", "mcp:read mcp:write");
    let output = run(
        &mut make("smoke", &[("URL", &server.url), ("TOKEN", &writer), ("MUTATIONS", "1")]),
        Duration::from_secs(120),
    )
    .await;
    assert!(
        output.status.success(),
        "{}
{}",
        text(&output),
        server.log()
    );
    let owner = |sub: &str| format!("jwt:{issuer}:{sub}");
    assert_eq!(platform.collections_of(&owner("gate-writer")).len(), 1, "the token's subject owns what it wrote");

    // A token that may not write: the gate fails at the mutation, and nothing is written.
    let reader = mint("gate-reader", "mcp:read");
    let output = run(
        &mut make("smoke", &[("URL", &server.url), ("TOKEN", &reader), ("MUTATIONS", "1")]),
        Duration::from_secs(120),
    )
    .await;
    assert!(!output.status.success(), "{}", text(&output));
    assert!(text(&output).contains("needs a token with the `mcp:write` scope"), "{}", text(&output));
    assert!(platform.collections_of(&owner("gate-reader")).is_empty());

    // No token: 401 before anything runs.
    let output = run(&mut make("smoke", &[("URL", &server.url)]), Duration::from_secs(120)).await;
    assert!(!output.status.success(), "{}", text(&output));
    assert!(text(&output).contains("401"), "{}", text(&output));

    let log = server.log();
    assert!(!log.contains(&writer) && !log.contains(&reader), "no token in the server's log");
    assert!(log.contains(&format!("\"principal\":\"{}\"", owner("gate-writer"))), "{log}");
}

#[tokio::test]
async fn make_smoke_fails_when_the_stage_is_not_what_the_gate_expects() {
    let output = run(&mut make("smoke", &[]), Duration::from_secs(30)).await;
    assert_eq!(output.status.code(), Some(2), "no URL: usage\n{}", text(&output));
    assert!(text(&output).contains("usage: make smoke URL="), "{}", text(&output));

    // Asked to write, but the stage has mutations off: the gate must fail, not pass quietly.
    let platform = Platform::start("smoke-fails").await;
    let read_only = Served::start(&platform, "smoke-fails", &[]).await;
    let output =
        run(&mut make("smoke", &[("URL", &read_only.url), ("MUTATIONS", "1")]), Duration::from_secs(120)).await;
    assert!(!output.status.success(), "{}", text(&output));
    assert!(text(&output).contains("FAIL --mutations was asked for"), "{}", text(&output));

    // Nothing listening: a clear failure, not a hang.
    let url = format!("http://127.0.0.1:{}/mcp", free_port());
    let output = run(&mut make("smoke", &[("URL", &url)]), Duration::from_secs(120)).await;
    assert!(!output.status.success(), "{}", text(&output));
}

#[tokio::test]
async fn the_typescript_sdk_1x_in_the_handshake_era() {
    let platform = Platform::start("typescript").await;
    let read_only = Served::start(&platform, "ts-ro", &[]).await;
    let read_write = Served::start(&platform, "ts-rw", &[("ALLOW_MUTATIONS", "true")]).await;
    let tools = node_tools();
    let mut command = Command::new(tools.join("node_modules/.bin/node"));
    command
        .arg(Path::new(ROOT).join("tests/clients/typescript_sdk.cjs"))
        .args([&read_only.url, &read_write.url])
        .env("NODE_PATH", tools.join("node_modules"));
    let output = run(&mut command, Duration::from_secs(120)).await;
    let report = text(&output);
    assert!(output.status.success(), "{report}\n{}\n{}", read_only.log(), read_write.log());
    assert!(report.contains("TYPESCRIPT SDK OK negotiated 2025-11-25"), "{report}");
    assert!(platform.collections_of("local:ts-ro").is_empty(), "the refused mutation wrote nothing");
    assert_eq!(platform.collections_of("local:ts-rw").len(), 1);
}

#[tokio::test]
async fn mcp_inspector_finds_no_schema_portability_problems_and_types_its_arguments() {
    let platform = Platform::start("inspector").await;
    let server = Served::start(&platform, "inspector", &[]).await;
    let tools = node_tools();
    let inspector = |args: &[&str]| {
        let mut command = Command::new(tools.join("node_modules/.bin/node"));
        command.arg(tools.join("node_modules/.bin/mcp-inspector")).args(["--cli", &server.url]).args(args);
        command
    };
    for era in ["modern", "legacy"] {
        // --strict: every schema portability problem on stderr, exit 6 on an error-severity one.
        let output = run(
            &mut inspector(&["--protocol-era", era, "--method", "tools/list", "--strict"]),
            Duration::from_secs(60),
        )
        .await;
        assert!(output.status.success(), "{era}: {}", text(&output));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!stderr.contains("Warning") && !stderr.contains("Error"), "{era}: {stderr}");
        let listed: Value = serde_json::from_slice(&output.stdout).expect("tools/list JSON");
        assert_eq!(listed["tools"].as_array().map(Vec::len), Some(6), "{era}");

        // Typed at a prompt, `limit=2` is sent as a number because the schema says integer.
        let args = ["--protocol-era", era, "--method", "tools/call", "--tool-name", "search_companies"];
        let output = run(
            &mut inspector(&[&args[..], &["--tool-arg", "country=Germany", "--tool-arg", "limit=2"]].concat()),
            Duration::from_secs(60),
        )
        .await;
        assert!(output.status.success(), "{era}: {}", text(&output));
        let result: Value = serde_json::from_slice(&output.stdout).expect("tools/call JSON");
        assert_eq!(result["isError"], false, "{era}: {result}");
        assert_eq!(result["structuredContent"]["companies"].as_array().map(Vec::len), Some(2), "{era}");
    }
}

/// `cargo lambda watch` (the Runtime API emulator) building and running the bootstrap binary;
/// stopped with SIGTERM so it also stops the function it started.
struct LambdaEmulator {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl LambdaEmulator {
    fn start(env: &[(&str, String)]) -> LambdaEmulator {
        let port = free_port();
        let log = std::env::temp_dir().join(format!("b2b-gate-lambda-{}.log", std::process::id()));
        let file = std::fs::File::create(&log).expect("log file");
        let mut command = Command::new(venv_bin("cargo-lambda"));
        command
            .args(["lambda", "watch", "-A", "127.0.0.1", "-P", &port.to_string(), "--ignore-changes", "--locked"])
            .args(["--manifest-path", &format!("{ROOT}/Cargo.toml"), "-p", "b2b-mcp", "--bin", "b2b-mcp"])
            .args(env.iter().flat_map(|(k, v)| ["--env-var".to_owned(), format!("{k}={v}")]))
            .env("PATH", format!("{}:{}", venv_dir().join("bin").display(), std::env::var("PATH").unwrap_or_default()))
            .stdin(Stdio::null())
            .stdout(file.try_clone().expect("log file"))
            .stderr(file)
            .kill_on_drop(true);
        LambdaEmulator { child: command.spawn().expect("spawn cargo lambda watch"), port, log }
    }

    fn invoke(&self, event: &str) -> Command {
        let mut command = Command::new(venv_bin("cargo-lambda"));
        command.args(["lambda", "invoke", "b2b-mcp", "-A", "127.0.0.1", "-P", &self.port.to_string()]).args([
            "--output-format",
            "json",
            "--data-file",
            &format!("{ROOT}/events/{event}.json"),
        ]);
        command
    }

    /// The API Gateway / ALB response the function returned for an event file: status and body.
    async fn answer(&self, event: &str) -> (u16, Value) {
        let output = run(&mut self.invoke(event), Duration::from_secs(120)).await;
        assert!(output.status.success(), "{event}: {}\n{}", text(&output), self.log());
        let response: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{event}: {e}"));
        let status = response["statusCode"].as_u64().unwrap_or_default() as u16;
        let body = response["body"].as_str().unwrap_or_default();
        // API Gateway v1 and ALB carry headers in multiValueHeaders, v2 in headers.
        let content_type = [&response["headers"]["content-type"], &response["multiValueHeaders"]["content-type"][0]]
            .into_iter()
            .find_map(Value::as_str)
            .unwrap_or_default();
        let body = match body {
            "" => Value::Null,
            json if content_type == "application/json" => {
                serde_json::from_str(json).unwrap_or_else(|e| panic!("{event}: {e}: {json}"))
            }
            other => Value::String(other.to_owned()),
        };
        (status, body)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    async fn stop(mut self) {
        if let Some(pid) = self.child.id() {
            let _ = Command::new("kill").args(["-TERM", &pid.to_string()]).status().await;
        }
        let _ = tokio::time::timeout(Duration::from_secs(10), self.child.wait()).await;
        let _ = std::fs::remove_file(&self.log);
    }
}

#[tokio::test]
async fn the_lambda_bootstrap_under_cargo_lambda_answers_api_gateway_events() {
    let platform = Platform::start("lambda").await;
    let mut env = platform.backend_env();
    env.push(("STAGE", "gate".into()));
    // The function URL and the ALB event below carry no caller identity: this stage serves them
    // reads (tests/integration/authz.rs shows the default, 401).
    env.push(("ALLOW_ANONYMOUS_READS", "true".into()));
    let emulator = LambdaEmulator::start(&env);

    // The first invoke waits for cargo-lambda to build the function (a minute or more from cold).
    let deadline = Instant::now() + Duration::from_secs(900);
    loop {
        let output = run(&mut emulator.invoke("apigw-v2-discover"), Duration::from_secs(900)).await;
        if output.status.success() {
            break;
        }
        assert!(Instant::now() < deadline, "the function never answered:\n{}\n{}", text(&output), emulator.log());
        tokio::time::sleep(Duration::from_secs(2)).await;
    }

    let (status, body) = emulator.answer("apigw-v2-discover").await;
    assert_eq!((status, &body["result"]["supportedVersions"][0]), (200, &Value::from("2026-07-28")), "{body}");
    // Mutations are off; an anonymous caller (the ALB event) sees no owner-scoped tools either.
    for (event, tools) in [("apigw-v2-tools-list", 6), ("apigw-v1-tools-list", 6), ("alb-tools-list", 4)] {
        let (status, body) = emulator.answer(event).await;
        assert_eq!(status, 200, "{event}: {body}");
        assert_eq!(body["result"]["tools"].as_array().map(Vec::len), Some(tools), "{event}: {body}");
    }
    let (status, body) = emulator.answer("apigw-v1-initialize").await;
    assert_eq!((status, &body["result"]["protocolVersion"]), (200, &Value::from("2025-11-25")), "{body}");

    // Tool calls reach the platform, signed with SigV4 from the function's environment.
    let (status, body) = emulator.answer("apigw-v2-tools-call").await;
    let result = &body["result"];
    assert_eq!((status, &result["isError"]), (200, &Value::from(false)), "{body}");
    assert_eq!(result["structuredContent"]["limit_capped"], true, "{body}");
    let companies = result["structuredContent"]["companies"].as_array().cloned().unwrap_or_default();
    assert!(!companies.is_empty() && companies.iter().all(|c| c["country"] == "DE"), "deu -> DE: {body}");
    for event in ["apigw-v2-iam-list-collections", "function-url-tools-call"] {
        let (status, body) = emulator.answer(event).await;
        assert_eq!((status, &body["result"]["isError"]), (200, &Value::from(false)), "{event}: {body}");
    }
    let (status, body) = emulator.answer("apigw-v1-tools-call").await;
    assert_eq!(status, 200, "{body}");
    assert!(body["result"]["content"][0]["text"].as_str().is_some_and(|t| t.contains("acme-analytics.de")), "{body}");

    // Refusals and protocol errors, each as a deployed stage answers them.
    let (status, body) = emulator.answer("apigw-v2-denied-mutation").await;
    assert_eq!((status, &body["result"]["isError"]), (200, &Value::from(true)), "{body}");
    for (event, http, code) in [
        ("apigw-v2-malformed", 400, -32700),
        ("apigw-v2-missing-meta", 400, -32602),
        ("apigw-v2-header-mismatch", 400, -32020),
    ] {
        let (status, body) = emulator.answer(event).await;
        assert_eq!((status, &body["error"]["code"]), (http, &Value::from(code)), "{event}: {body}");
    }
    assert_eq!(emulator.answer("apigw-v2-notification").await, (202, Value::Null));
    assert_eq!(emulator.answer("apigw-v2-get").await.0, 405);

    // A real client through the emulator's function URL, which carries no caller identity (this
    // stage allows anonymous reads): reads work, per-caller tools refuse.
    let url = format!("http://127.0.0.1:{}/lambda-url/b2b-mcp/mcp", emulator.port);
    let output =
        run(&mut make("smoke", &[("URL", &url), ("SMOKE_FLAGS", "--anonymous")]), Duration::from_secs(120)).await;
    assert!(output.status.success(), "{}\n{}", text(&output), emulator.log());
    assert!(text(&output).contains("SMOKE OK negotiated 2026-07-28"), "{}", text(&output));

    // The function's log is what CloudWatch would hold: JSON lines, one audit record per call,
    // the JWT subject from the authorizer as principal, no credentials.
    let log = emulator.log();
    let audit: Vec<Value> =
        log.lines().filter_map(|l| serde_json::from_str::<Value>(l).ok()).filter(|v| v["target"] == "audit").collect();
    let user_42 = "jwt:https://issuer.example:user-42";
    assert!(audit.iter().any(|r| r["principal"] == user_42 && r["tool"] == "search_companies"), "{log}");
    assert!(!log.contains(defaults::SECRET_ACCESS_KEY), "no secret in the function's log");
    assert!(platform.collections_of(user_42).is_empty(), "the denied mutation wrote nothing");
    emulator.stop().await;
}
