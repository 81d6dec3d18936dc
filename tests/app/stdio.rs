//! The stdio transport, driven through the real binary: newline-delimited JSON-RPC on
//! stdin/stdout, logs and audit on stderr.

use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::Command;

#[tokio::test]
async fn initialize_list_and_call_over_stdio() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_b2b-mcp"))
        .arg("stdio")
        .env("LOCAL_PRINCIPAL", "desktop-user")
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn b2b-mcp stdio");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout")).lines();

    let messages = [
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-11-25",
            "capabilities": {}, "clientInfo": {"name": "stdio-test", "version": "1.0"}}}),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}),
        json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call",
            "params": {"name": "search_companies", "arguments": {"country": "GBR"}}}),
    ];
    let mut answers: Vec<Value> = Vec::new();
    for message in &messages {
        stdin.write_all(format!("{message}\n").as_bytes()).await.expect("write");
        stdin.flush().await.expect("flush");
        if message.get("id").is_none() {
            continue;
        }
        let line = tokio::time::timeout(Duration::from_secs(20), stdout.next_line())
            .await
            .expect("answer within 20 s")
            .expect("read")
            .expect("a line");
        answers
            .push(serde_json::from_str(&line).unwrap_or_else(|e| panic!("stdout carries only JSON-RPC: {e}: {line}")));
    }
    assert_eq!(answers[0]["result"]["serverInfo"]["name"], "b2b-mcp");
    assert_eq!(answers[1]["result"]["tools"].as_array().map(Vec::len), Some(7));
    let result = &answers[2]["result"];
    assert_eq!(result["isError"], false, "{result}");
    assert_eq!(result["structuredContent"]["companies"][0]["name"], "Brightpath Security Ltd");

    drop(stdin);
    let output =
        tokio::time::timeout(Duration::from_secs(20), child.wait_with_output()).await.expect("exits").expect("output");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let audit: Vec<Value> = stderr
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["target"] == "audit")
        .collect();
    assert_eq!(audit.len(), 1, "one audit record on stderr: {stderr}");
    assert_eq!(audit[0]["principal"], "local:desktop-user");
    assert_eq!(audit[0]["tool"], "search_companies");
    // Outside Lambda the allocator is jemalloc (allocator/src/lib.rs).
    if cfg!(feature = "alloc-by-place") {
        let configuration = stderr.lines().find(|l| l.contains("\"configuration\"")).unwrap_or_default();
        assert!(configuration.contains("\"allocator\":\"jemalloc\""), "{stderr}");
    }
}
