//! No secret or bearer token ever appears in a log line: run the real binary in `serve` mode with
//! verbose logging, send credentials and secret-looking arguments, and grep everything it wrote.
//! (Well-formed ids are logged by design: they are the platform's ids, not the caller's text.)
//! Nor does a contact an e-mail discovery returned: personal data, in the answer and nowhere else.
//! The same for the secrets a deployed stage fetches from Secrets Manager, through moto:
//! `tests/e2e/logs_secrets.rs`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::served::serving_url;

const BEARER: &str = "eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LWJlYXJlci10b2tlbi00Mg.sig-SECRET-BEARER";
const API_KEY: &str = "da2-SECRETAPIKEY0123456789abcdef";
const COOKIE: &str = "session=SECRET-COOKIE-VALUE";
const FREE_TEXT: &str = "SECRET-QUERY-TEXT";

fn post(addr: &str, body: &Value) -> String {
    let body = body.to_string();
    let request = format!(
        "POST /mcp HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n\
         Authorization: Bearer {BEARER}\r\nx-api-key: {API_KEY}\r\nCookie: {COOKIE}\r\nMCP-Protocol-Version: 2025-11-25\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(20))).expect("timeout");
    stream.write_all(request.as_bytes()).expect("write");
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response
}

/// The JSON body of an HTTP/1.1 response.
fn body_of(response: &str) -> Value {
    let body = response.split_once("\r\n\r\n").map(|(_, body)| body).unwrap_or_default();
    serde_json::from_str(body).unwrap_or(Value::Null)
}

#[test]
fn credentials_free_text_and_contacts_never_reach_the_logs() {
    let log_path = std::env::temp_dir().join(format!("b2b-mcp-logs-{}.txt", std::process::id()));
    let log = std::fs::File::create(&log_path).expect("log file");
    let mut child = Command::new(env!("CARGO_BIN_EXE_b2b-mcp"))
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("LOG_LEVEL", "trace")
        .env("INBOUND_AUTH", "off")
        .env("ALLOW_MUTATIONS", "true")
        // These 2025-era calls cannot be asked to confirm the paid tool: the stage lets them by.
        .env("CONFIRM_FALLBACK", "allow")
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .stdout(Stdio::from(log.try_clone().expect("clone")))
        .stderr(Stdio::from(log))
        .spawn()
        .expect("spawn serve");

    // The start-up log names the bound address.
    let started = Instant::now();
    let addr = loop {
        let text = std::fs::read_to_string(&log_path).unwrap_or_default();
        if let Some(url) = serving_url(text.lines()) {
            break url.trim_start_matches("http://").trim_end_matches("/mcp").to_owned();
        }
        assert!(started.elapsed() < Duration::from_secs(20), "server did not start: {text}");
        std::thread::sleep(Duration::from_millis(50));
    };

    let calls = [
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "search_companies", "arguments": {"query": FREE_TEXT}}}),
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "ai_search", "arguments": {"query": FREE_TEXT}}}),
        json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "create_collection", "arguments": {"name": FREE_TEXT, "description": FREE_TEXT}}}),
        json!({"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {"name": "search_companies", "arguments": {"query": FREE_TEXT, "bogus": API_KEY}}}),
        json!({"jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": {"name": "get_company", "arguments": {"domain": format!("https://admin:{FREE_TEXT}@acme.com/?token={API_KEY}")}}}),
        json!({"jsonrpc": "2.0", "id": 6, "method": "tools/call", "params": {"name": "search_companies", "arguments": {"industry": FREE_TEXT, "country": FREE_TEXT}}}),
        json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": "add_to_collection", "arguments": {"collection_id": "col_0001", "company_ids": [format!("key {API_KEY}")]}}}),
        json!({"jsonrpc": "2.0", "id": 8, "method": "tools/call", "params": {"name": "search_companies", "arguments": {"query": "x", FREE_TEXT: 1}}}),
        json!({"jsonrpc": "2.0", "id": 9, "method": "resources/read", "params": {"uri": format!("company://not an id {FREE_TEXT}")}}),
        json!({"jsonrpc": "2.0", "id": 10, "method": "prompts/get", "params": {"name": "find_companies", "arguments": {"description": FREE_TEXT}}}),
    ];
    for call in &calls {
        let response = post(&addr, call);
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    }
    // A discovery of the sample backend is completed at once: read its contacts back.
    let discovery = json!({"name": "request_email_discovery", "arguments": {"company_id": "c_0001"}});
    let requested = post(&addr, &json!({"jsonrpc": "2.0", "id": 11, "method": "tools/call", "params": discovery}));
    let id = body_of(&requested)["result"]["structuredContent"]["request_id"].as_str().map(str::to_owned);
    let id = id.unwrap_or_else(|| panic!("a request id: {requested}"));
    let read = json!({"name": "get_email_discovery", "arguments": {"request_id": id}});
    let read = body_of(&post(&addr, &json!({"jsonrpc": "2.0", "id": 12, "method": "tools/call", "params": read})));
    let contact = &read["result"]["structuredContent"]["contacts"][0];
    let (email, name) = (contact["email"].as_str().unwrap_or_default(), contact["name"].as_str().unwrap_or_default());
    assert!(email.contains('@') && !name.is_empty(), "a completed discovery with contacts: {read}");
    let _ = child.kill();
    let _ = child.wait();
    let text = std::fs::read_to_string(&log_path).expect("logs");
    let _ = std::fs::remove_file(&log_path);

    let audit_lines = text.lines().filter(|l| l.contains("\"target\":\"audit\"")).count();
    assert_eq!(audit_lines, 11, "one audit line per tool call and company read:\n{text}");
    for secret in [BEARER, "SECRET-BEARER", API_KEY, "SECRETAPIKEY", COOKIE, "SECRET-COOKIE", FREE_TEXT, email, name] {
        let leaks: Vec<&str> = text.lines().filter(|l| l.contains(secret)).collect();
        assert!(leaks.is_empty(), "{secret:?} appears in the logs:\n{}", leaks.join("\n"));
    }
}
