//! The request path under libFuzzer: arbitrary bytes as the body of a POST to /mcp (with the
//! 2026-07-28 headers, or none: the first byte chooses), through the whole app (guard, rmcp,
//! dispatch, tool arguments, validation) over the in-memory backend. Whatever the bytes, the
//! server must not panic, must not answer 5xx, and must answer JSON-RPC (or 202/4xx text).
//!
//! `make fuzz` (short, as in CI) or `cargo fuzz run request` from this directory.

#![no_main]

use std::sync::{Arc, OnceLock};

use axum::body::Body;
use b2b_mcp::backend::memory::MemoryBackend;
use b2b_mcp::{Mode, app, build_state};
use libfuzzer_sys::fuzz_target;
use tower::ServiceExt;

struct World {
    rt: tokio::runtime::Runtime,
    app: axum::Router,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let vars = [("INBOUND_AUTH", "off"), ("ALLOW_MUTATIONS", "true"), ("STAGE", "fuzz")];
        let lookup = |k: &str| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| (*v).to_owned());
        let Ok(config) = b2b_mcp::configure(Mode::Serve, lookup) else { std::process::abort() };
        // Audit records are discarded: a MemorySink would grow for the whole run.
        struct Discard;
        impl b2b_mcp::audit::AuditSink for Discard {
            fn emit(&self, _: &b2b_mcp::audit::AuditRecord) {}
        }
        let app = app(build_state(config, Arc::new(MemoryBackend::new()), Arc::new(Discard)));
        let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_time().build() else { std::process::abort() };
        World { rt, app }
    })
}

fuzz_target!(|data: &[u8]| {
    let world = world();
    let (modern, body) = match data.split_first() {
        Some((first, rest)) => (first % 2 == 0, rest),
        None => (false, data),
    };
    let mut request = http::Request::post("/mcp")
        .header("host", "localhost:3000")
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream");
    if modern {
        // The name header is derived from the body when it looks like a tool call, so calls reach the tools.
        let name = serde_json::from_slice::<serde_json::Value>(body)
            .ok()
            .and_then(|v| v["params"]["name"].as_str().map(str::to_owned))
            .filter(|n| n.bytes().all(|b| b.is_ascii_graphic()));
        let method = serde_json::from_slice::<serde_json::Value>(body)
            .ok()
            .and_then(|v| v["method"].as_str().map(str::to_owned))
            .filter(|m| m.bytes().all(|b| b.is_ascii_graphic()));
        request = request.header("mcp-protocol-version", "2026-07-28");
        if let Some(method) = method {
            request = request.header("mcp-method", method);
        }
        if let Some(name) = name {
            request = request.header("mcp-name", name);
        }
    }
    let Ok(request) = request.body(Body::from(body.to_vec())) else { return };
    let response = world.rt.block_on(world.app.clone().oneshot(request));
    let Ok(response) = response;
    let status = response.status();
    assert!(!status.is_server_error(), "{status} for {:?}", String::from_utf8_lossy(body));
    let is_json = response
        .headers()
        .get("content-type")
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    let bytes = world.rt.block_on(axum::body::to_bytes(response.into_body(), usize::MAX));
    let Ok(bytes) = bytes else { panic!("unreadable response body") };
    if is_json {
        let answer: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("not JSON: {e}"));
        assert_eq!(answer["jsonrpc"], "2.0", "{answer}");
        assert!(answer.get("result").is_some() != answer.get("error").is_some(), "one of result or error: {answer}");
    }
});
