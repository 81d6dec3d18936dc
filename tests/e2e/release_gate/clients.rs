//! The official clients and test suites against `b2b-mcp serve`: the MCP conformance suite in
//! both protocol eras, the Python SDK through `make smoke` (with and without a token, and failing
//! when the stage is not what it expects), the TypeScript SDK 1.x, and MCP Inspector's CLI.

use std::path::Path;
use std::time::Duration;

use platform_local::defaults;
use platform_local::testing::free_port;
use serde_json::Value;
use tokio::process::Command;

use super::{ROOT, collections_of, make, platform, run, text};
use crate::common::served::Served;
use crate::tools::node_tools;

#[tokio::test]
async fn the_official_conformance_suite_in_both_protocol_eras() {
    let platform = platform().await;
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
    let platform = platform().await;
    let read_only = Served::start(&platform, "python-ro", &[]).await;
    // The paid tool asks the person first, as on a deployed stage: smoke's --discovery says yes.
    let paid = [("ALLOW_MUTATIONS", "true"), ("CONFIRM_TOOLS", "request_email_discovery")];
    let read_write = Served::start(&platform, "python-rw", &paid).await;
    for (mode, negotiated) in [("2026-07-28", "2026-07-28"), ("legacy", "2025-11-25"), ("auto", "2026-07-28")] {
        for (server, mutations) in [(&read_only, ""), (&read_write, "1")] {
            // With mutations on, one e-mail discovery too, read back with get_email_discovery.
            let vars =
                [("URL", server.url.as_str()), ("MODE", mode), ("MUTATIONS", mutations), ("DISCOVERY", mutations)];
            let mut smoke = make("smoke", &vars);
            let output = run(&mut smoke, Duration::from_secs(120)).await;
            let report = text(&output);
            assert!(output.status.success(), "{mode} {}:\n{report}\n{}", server.url, server.log());
            assert!(report.contains(&format!("SMOKE OK negotiated {negotiated}")), "{mode}: {report}");
            for tool in [
                "search_companies",
                "get_company",
                "get_companies_batch",
                "ai_search",
                "list_collections",
                "get_email_discovery",
            ] {
                assert!(report.contains(&format!("ok   {tool} ")), "{mode}: {tool} was not called\n{report}");
            }
            let wrote = if mutations.is_empty() { "nothing written" } else { "write then read" };
            assert!(report.contains(wrote), "{mode}: {report}");
            // 2026-07-28 asks and reads the discovery back; a 2025-era client cannot be asked,
            // so the stage's default fallback refuses it.
            let (asked, refused) = (report.contains("confirmation asked"), report.contains("paid call refused"));
            let expected = match (mutations.is_empty(), mode) {
                (true, _) => (false, false),
                (false, "legacy") => (false, true),
                (false, _) => (true, false),
            };
            assert_eq!((asked, refused), expected, "{mode}: {report}");
            assert_eq!(report.contains("discovery then read"), expected.0, "{mode}: {report}");
        }
    }
    // At the system of record: the refused mutations wrote nothing, each allowed one wrote once.
    assert!(collections_of(&platform, "local:python-ro").is_empty());
    let written = collections_of(&platform, "local:python-rw");
    assert_eq!(written.len(), 3, "{written:?}");
    assert!(written.iter().all(|c| c.item_count == 1), "{written:?}");
    // One paid discovery for the two confirmed identical requests (the repeat answered from the
    // first); the refused one queued nothing.
    assert_eq!(platform.db.discovery_count("local:python-ro").unwrap(), 0);
    assert_eq!(platform.db.discovery_count("local:python-rw").unwrap(), 1);
}

#[tokio::test]
async fn make_smoke_with_a_token_on_the_authenticated_path() {
    let platform = platform().await;
    let issuer = format!("http://{}", platform.addr);
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
    assert_eq!(collections_of(&platform, &owner("gate-writer")).len(), 1, "the token's subject owns what it wrote");

    // A token that may not write: the gate fails at the mutation, and nothing is written.
    let reader = mint("gate-reader", "mcp:read");
    let output = run(
        &mut make("smoke", &[("URL", &server.url), ("TOKEN", &reader), ("MUTATIONS", "1")]),
        Duration::from_secs(120),
    )
    .await;
    assert!(!output.status.success(), "{}", text(&output));
    assert!(text(&output).contains("needs a token with the `mcp:write` scope"), "{}", text(&output));
    assert!(collections_of(&platform, &owner("gate-reader")).is_empty());

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
    let platform = platform().await;
    let read_only = Served::start(&platform, "smoke-fails", &[]).await;
    let output =
        run(&mut make("smoke", &[("URL", &read_only.url), ("MUTATIONS", "1")]), Duration::from_secs(120)).await;
    assert!(!output.status.success(), "{}", text(&output));
    assert!(text(&output).contains("FAIL --mutations was asked for"), "{}", text(&output));

    // Nothing listening: a clear failure, not a hang.
    let url = format!("http://127.0.0.1:{}/mcp", free_port().expect("a free port"));
    let output = run(&mut make("smoke", &[("URL", &url)]), Duration::from_secs(120)).await;
    assert!(!output.status.success(), "{}", text(&output));
}

#[tokio::test]
async fn the_typescript_sdk_1x_in_the_handshake_era() {
    let platform = platform().await;
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
    assert!(collections_of(&platform, "local:ts-ro").is_empty(), "the refused mutation wrote nothing");
    assert_eq!(collections_of(&platform, "local:ts-rw").len(), 1);
}

#[tokio::test]
async fn mcp_inspector_finds_no_schema_portability_problems_and_types_its_arguments() {
    let platform = platform().await;
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
        assert_eq!(listed["tools"].as_array().map(Vec::len), Some(7), "{era}");

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
