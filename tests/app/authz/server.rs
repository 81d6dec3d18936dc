//! The servers the table runs through (the binary in Lambda mode behind a fake Runtime API, or in
//! `serve` mode for the local principal), sending one request as a row's caller, and checking an
//! answer and its audit record against a cell.

use platform_local::testing::TempPlatform;
use serde_json::{Value, json};

use super::{COMMON, Cell, OK, Row, Stage, UNAUTHORIZED};
use crate::common::served::{Served, backend_env};
use crate::lambda_runtime::LambdaProcess;

/// One answer, whichever way it came: HTTP status and the JSON body.
pub(super) struct Answer {
    pub(super) status: u16,
    pub(super) json: Value,
}

pub(super) enum Server {
    Lambda(LambdaProcess),
    Serve(Served),
}

impl Server {
    pub(super) fn audit(&self) -> Vec<Value> {
        match self {
            Server::Lambda(process) => process.audit(),
            Server::Serve(served) => served
                .log()
                .lines()
                .filter_map(|l| serde_json::from_str::<Value>(l).ok())
                .filter(|v| v["target"] == "audit")
                .collect(),
        }
    }

    /// Send one 2026-07-28 request as `row`'s caller.
    pub(super) async fn send(&self, row: &Row, method: &str, params: Value, name: Option<&str>) -> Answer {
        let mut params = params;
        params["_meta"] = json!({"io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {},
            "io.modelcontextprotocol/clientInfo": {"name": "authz-matrix", "version": "1.0"}});
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).to_string();
        match self {
            Server::Lambda(process) => {
                let event = event_for(row.event.unwrap_or_default(), &body, method, name);
                let reply = process.invoke(&event).await;
                Answer { status: reply.status, json: reply.json }
            }
            Server::Serve(served) => {
                let mut request = reqwest::Client::new()
                    .post(&served.url)
                    .header("content-type", "application/json")
                    .header("accept", "application/json, text/event-stream")
                    .header("mcp-protocol-version", "2026-07-28")
                    .header("mcp-method", method)
                    .body(body);
                if let Some(name) = name {
                    request = request.header("mcp-name", name);
                }
                let response = request.send().await.expect("serve answers");
                let status = response.status().as_u16();
                Answer { status, json: response.json().await.unwrap_or(Value::Null) }
            }
        }
    }
}

/// The caller's event file with this request in it (body and the MCP headers, in both of API
/// Gateway's header maps where the event has two).
pub(super) fn event_for(file: &str, body: &str, method: &str, name: Option<&str>) -> String {
    let path = format!("{}/events/{file}.json", env!("CARGO_MANIFEST_DIR"));
    let mut event: Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("event file")).expect("JSON");
    event["body"] = Value::String(body.to_owned());
    for map in ["headers", "multiValueHeaders"] {
        let Some(headers) = event.get_mut(map).and_then(Value::as_object_mut) else { continue };
        headers.retain(|k, _| !k.eq_ignore_ascii_case("mcp-method") && !k.eq_ignore_ascii_case("mcp-name"));
        let value = |v: &str| if map == "headers" { json!(v) } else { json!([v]) };
        headers.insert("mcp-method".into(), value(method));
        if let Some(name) = name {
            headers.insert("mcp-name".into(), value(name));
        }
    }
    event.to_string()
}

/// Wait until the server has written `count` audit records (its stdout is read as it comes).
pub(super) async fn audit_settled(server: &Server, count: usize) -> Vec<Value> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let records = server.audit();
        if records.len() >= count || std::time::Instant::now() > deadline {
            return records;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Check one cell's answer against `expected`, and return the tool result when it was allowed.
pub(super) fn check_answer(context: &str, answer: &Answer, expected: Cell) -> Value {
    if expected == UNAUTHORIZED {
        assert_eq!(answer.status, 401, "{context}: {}", answer.json);
        return Value::Null;
    }
    assert_eq!(answer.status, 200, "{context}: {}", answer.json);
    let result = answer.json["result"].clone();
    let error_text = match (&answer.json["error"], result["isError"].as_bool()) {
        (Value::Object(error), _) => error.get("message").and_then(Value::as_str).map(str::to_owned),
        (_, Some(true)) => result["content"][0]["text"].as_str().map(str::to_owned),
        _ => None,
    };
    match (expected, error_text) {
        (OK, None) => result,
        (OK, Some(text)) => panic!("{context}: expected an answer, got a refusal: {text}"),
        (part, Some(text)) => {
            assert!(text.contains(part), "{context}: expected a refusal with {part:?}, got {text:?}");
            Value::Null
        }
        (part, None) => panic!("{context}: expected a refusal with {part:?}, got {}", answer.json),
    }
}

/// The audit record a tool call (or resource read) must leave.
pub(super) fn check_record(context: &str, record: &Value, row: &Row, tool: &str, expected: Cell) {
    assert_eq!(record["tool"], tool, "{context}: {record}");
    assert_eq!(record["principal"], json!(row.principal), "{context}: {record}");
    assert_eq!(record["principal_source"], row.source, "{context}: {record}");
    let (decision, outcome) = if expected == OK { ("allowed", "ok") } else { ("denied", "denied") };
    assert_eq!(
        (record["decision"].as_str(), record["outcome"].as_str()),
        (Some(decision), Some(outcome)),
        "{context}: {record}"
    );
    if expected != OK {
        assert_eq!(record["args"], json!({}), "{context}: a refused call records argument names only: {record}");
    }
}

pub(super) async fn start(platform: &TempPlatform, row: &Row, stage: &Stage) -> Server {
    let mut env: Vec<(&str, String)> = backend_env(platform);
    env.push(("STAGE", "matrix".into()));
    // Who may call what, with the person's confirmation out of the way (tests/app/confirm.rs).
    env.push(("CONFIRM_TOOLS", String::new()));
    env.extend(COMMON.iter().chain(stage.vars).map(|(k, v)| (*k, (*v).to_owned())));
    let vars: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    match row.event {
        Some(_) => Server::Lambda(LambdaProcess::start(&vars).await),
        None => {
            let local: Vec<(&str, &str)> =
                vars.iter().copied().filter(|(k, _)| !k.starts_with("AWS_") && !k.starts_with("APPSYNC")).collect();
            Server::Serve(Served::start(platform, "matrix-user", &local).await)
        }
    }
}
