//! The Lambda bootstrap under cargo-lambda's Runtime API emulator (`cargo lambda watch`, as
//! `make watch` runs it), fed the API Gateway events of `events/` with `cargo lambda invoke` and a
//! real client through the emulator's function URL.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use platform_local::defaults;
use platform_local::testing::free_port;
use serde_json::Value;
use tokio::process::{Child, Command};

use super::{ROOT, collections_of, make, platform, run, text};
use crate::common::served::backend_env;
use crate::tools::{venv_bin, venv_dir};

/// `cargo lambda watch` (the Runtime API emulator) building and running the bootstrap binary;
/// stopped with SIGTERM so it also stops the function it started.
struct LambdaEmulator {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl LambdaEmulator {
    fn start(env: &[(&str, String)]) -> LambdaEmulator {
        let port = free_port().expect("a free port");
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
    let platform = platform().await;
    let mut env = backend_env(&platform);
    env.push(("STAGE", "gate".into()));
    // The function URL and the ALB event below carry no caller identity: this stage serves them
    // reads (tests/app/authz/ shows the default, 401).
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
    for (event, tools) in [("apigw-v2-tools-list", 7), ("apigw-v1-tools-list", 7), ("alb-tools-list", 4)] {
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
    assert!(collections_of(&platform, user_42).is_empty(), "the denied mutation wrote nothing");
    emulator.stop().await;
}
