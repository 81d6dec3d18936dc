//! Helpers shared by both test binaries (`tests/app`, `tests/e2e`): build the app over the
//! recording in-memory backend (or any backend) and talk to it, in process or over HTTP.
//!
//! # Layout
//! - this file: the app and its client ([`Harness`], [`Client`]);
//! - [`stub`]: a scripted AppSync-shaped endpoint and a silent peer, in this process;
//! - [`platform`]: the MCP server over the local platform, every tool end to end;
//! - [`served`]: the `b2b-mcp` binary in `serve` mode;
//! - [`aws`]: AWS SDK settings for loopback endpoints;
//! - [`limits`]: server instances over a shared DynamoDB state store.
//!
//! Nothing here needs a tool installed: what drives the peers of `make tools` is `tests/e2e`'s.

// Each binary uses its own part of these helpers.
#![allow(dead_code)]

pub mod aws;
pub mod limits;
pub mod platform;
pub mod served;
pub mod stub;

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use b2b_mcp::audit::MemorySink;
use b2b_mcp::backend::GraphqlBackend;
use b2b_mcp::backend::memory::MemoryBackend;
use b2b_mcp::store::{IdempotencyStore, RateLimiter};
use b2b_mcp::{Config, Mode, app, build_state, build_state_with};
use http::{HeaderMap, Request, StatusCode};
use serde_json::{Value, json};
use tower::ServiceExt;

pub const V2026: &str = "2026-07-28";

/// The app and its audit records: what every test talks to.
pub struct Client {
    pub app: Router,
    pub audit: Arc<MemorySink>,
    /// When set, requests go over TCP to this URL instead of straight into the router.
    pub http: Option<String>,
}

/// A client over the recording in-memory backend.
pub struct Harness {
    pub client: Client,
    pub backend: Arc<MemoryBackend>,
}

impl std::ops::Deref for Harness {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
    /// The body as JSON, or Null when it is empty or not JSON.
    pub json: Value,
}

pub fn harness(mode: Mode, vars: &[(&str, &str)]) -> Harness {
    harness_over(Arc::new(MemoryBackend::recording()), mode, vars)
}

/// A harness over an existing backend: several instances or callers sharing one platform.
pub fn harness_over(backend: Arc<MemoryBackend>, mode: Mode, vars: &[(&str, &str)]) -> Harness {
    Harness { client: client_over(backend.clone(), mode, vars), backend }
}

/// A client over any backend (the AppSync client in the backend tests).
pub fn client_over(backend: Arc<dyn GraphqlBackend>, mode: Mode, vars: &[(&str, &str)]) -> Client {
    let config = test_config(mode, vars);
    let audit = Arc::new(MemorySink::default());
    let state = build_state(config, backend, audit.clone());
    Client { app: app(state), audit, http: None }
}

/// Settings for a test: `serve` harnesses are local stages (auth off, a local principal) unless
/// a test sets up auth. No tool asks for confirmation unless the test sets CONFIRM_TOOLS: these
/// clients answer no forms, and what confirmation does is tests/app/confirm.rs's subject.
fn test_config(mode: Mode, vars: &[(&str, &str)]) -> Config {
    let mut vars: Vec<(String, String)> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    if mode == Mode::Serve && !vars.iter().any(|(k, _)| k == "INBOUND_AUTH" || k == "OIDC_ISSUER") {
        vars.push(("INBOUND_AUTH".into(), "off".into()));
    }
    without_confirmation(&mut vars);
    b2b_mcp::configure(mode, |k| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()))
        .expect("test config is valid")
}

/// CONFIRM_TOOLS empty unless `vars` name it.
pub fn without_confirmation(vars: &mut Vec<(String, String)>) {
    if !vars.iter().any(|(k, _)| k == "CONFIRM_TOOLS") {
        vars.push(("CONFIRM_TOOLS".into(), String::new()));
    }
}

/// A client with given rate-limit and idempotency stores (the DynamoDB ones in the state tests).
pub fn client_with_stores(
    backend: Arc<dyn GraphqlBackend>,
    mode: Mode,
    vars: &[(&str, &str)],
    limiter: Arc<dyn RateLimiter>,
    idempotency: Arc<dyn IdempotencyStore>,
) -> Client {
    let config = test_config(mode, vars);
    let audit = Arc::new(MemorySink::default());
    let state = build_state_with(config, backend, audit.clone(), limiter, idempotency);
    Client { app: app(state), audit, http: None }
}

/// A `serve`-mode harness (loopback hosts, local principal).
pub fn local(vars: &[(&str, &str)]) -> Harness {
    harness(Mode::Serve, vars)
}

pub fn meta() -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": V2026,
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "integration-test", "version": "1.0"}
    })
}

pub async fn reply(response: http::Response<Body>) -> Reply {
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.expect("body");
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Reply { status, headers, text, json }
}

impl Client {
    /// Serve this app on a loopback port, as `serve` mode does, and talk to it over real HTTP.
    pub async fn over_http(self) -> Client {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let app = self.app.clone();
        tokio::spawn(async move { axum::serve(listener, app).await });
        Client { http: Some(format!("http://{addr}/mcp")), ..self }
    }

    /// POST raw bytes to /mcp with the given headers (Host is localhost unless given).
    pub async fn post_raw(&self, body: impl Into<Body>, headers: &[(&str, &str)]) -> Reply {
        if let Some(url) = &self.http {
            let body = axum::body::to_bytes(body.into(), usize::MAX).await.expect("body");
            let mut request = reqwest::Client::new().post(url).body(body.to_vec());
            for (k, v) in headers.iter().filter(|(k, _)| !k.eq_ignore_ascii_case("host")) {
                request = request.header(*k, *v);
            }
            let response = request.send().await.expect("HTTP request to the MCP server");
            let status = response.status();
            let headers = response.headers().clone();
            let bytes = response.bytes().await.expect("body");
            let text = String::from_utf8_lossy(&bytes).into_owned();
            return Reply { status, headers, json: serde_json::from_slice(&bytes).unwrap_or(Value::Null), text };
        }
        let mut req = Request::post("/mcp");
        if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
            req = req.header("host", "localhost:3000");
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let response = self.app.clone().oneshot(req.body(body.into()).expect("request")).await.expect("infallible");
        reply(response).await
    }

    pub async fn post(&self, body: Value, headers: &[(&str, &str)]) -> Reply {
        let mut all = vec![("content-type", "application/json"), ("accept", "application/json, text/event-stream")];
        all.extend_from_slice(headers);
        self.post_raw(body.to_string(), &all).await
    }

    /// A 2026-07-28 request: `_meta` in params, version and method headers.
    pub async fn request_2026(&self, method: &str, mut params: Value, name: Option<&str>) -> Reply {
        params["_meta"] = meta();
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let mut headers = vec![("mcp-protocol-version", V2026), ("mcp-method", method)];
        if let Some(name) = name {
            headers.push(("mcp-name", name));
        }
        self.post(body, &headers).await
    }

    /// tools/call the 2026-07-28 way, no prior request; returns the JSON-RPC `result`.
    pub async fn call(&self, tool: &str, arguments: Value) -> Value {
        let r = self.request_2026("tools/call", json!({"name": tool, "arguments": arguments}), Some(tool)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        r.json.get("result").cloned().unwrap_or_else(|| panic!("no result: {}", r.text))
    }

    /// tools/call the 2025-11-25 way on a fresh instance (no initialize).
    pub async fn call_2025(&self, tool: &str, arguments: Value) -> Value {
        let body = json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": tool, "arguments": arguments}});
        let r = self.post(body, &[("mcp-protocol-version", "2025-11-25")]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        r.json.get("result").cloned().unwrap_or_else(|| panic!("no result: {}", r.text))
    }

    /// Send an event file from events/ through the Lambda path.
    pub async fn lambda(&self, event: &str) -> Reply {
        let path = format!("{}/events/{event}.json", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        self.lambda_text(&text).await
    }

    /// Send an event built in the test through the Lambda path.
    pub async fn lambda_event(&self, event: &Value) -> Reply {
        self.lambda_text(&event.to_string()).await
    }

    async fn lambda_text(&self, text: &str) -> Reply {
        let request = lambda_http::request::from_str(text).unwrap_or_else(|e| panic!("event: {e}"));
        reply(b2b_mcp::web::lambda::handle(self.app.clone(), request).await).await
    }
}

/// Run `call`, failing the test (instead of hanging it) when it takes longer than `limit`.
pub async fn within<T>(limit: std::time::Duration, what: &str, call: impl std::future::Future<Output = T>) -> T {
    match tokio::time::timeout(limit, call).await {
        Ok(out) => out,
        Err(_) => panic!("{what} did not finish within {limit:?}"),
    }
}

/// The text block of a tool result.
pub fn text_of(result: &Value) -> String {
    result["content"][0]["text"].as_str().unwrap_or_default().to_owned()
}

pub fn is_error(result: &Value) -> bool {
    result["isError"] == json!(true)
}
