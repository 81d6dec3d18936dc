//! The MCP layer's own cost: one request through the whole HTTP app in-process (tower `oneshot`:
//! guard, rmcp's Streamable HTTP service, dispatch, validation, audit serialisation) over an
//! instant in-memory backend. Criterion's statistics per request kind, then a plain pass that
//! writes the median, p99 and heap allocations per call to `bench-results/mcp-overhead.txt`.
//!
//! `make bench` (or `cargo bench --bench mcp_overhead`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::alloc::System;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use b2b_mcp::audit::{AuditRecord, AuditSink, JsonLineSink};
use b2b_mcp::backend::memory::MemoryBackend;
use b2b_mcp::{Mode, app, build_state};
use criterion::{Criterion, criterion_group, criterion_main};
use http::Request;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use tower::ServiceExt;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// The audit line is serialised as in production, then dropped instead of written to stdout.
struct Serialised(JsonLineSink);

impl AuditSink for Serialised {
    fn emit(&self, record: &AuditRecord) {
        std::hint::black_box(self.0.line(record));
    }
}

const META: &str = r#""_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}"#;

struct Kind {
    name: &'static str,
    body: String,
    headers: Vec<(&'static str, &'static str)>,
}

fn kinds() -> Vec<Kind> {
    let v2026 = |method, name: Option<&'static str>| {
        let mut h = vec![("mcp-protocol-version", "2026-07-28"), ("mcp-method", method)];
        h.extend(name.map(|n| ("mcp-name", n)));
        h
    };
    vec![
        Kind {
            name: "tools/call search_companies",
            body: format!(
                r#"{{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{{"name":"search_companies","arguments":{{"country":"Germany","industry":"Software","limit":10}},{META}}}}}"#
            ),
            headers: v2026("tools/call", Some("search_companies")),
        },
        Kind {
            name: "tools/list",
            body: format!(r#"{{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{{{META}}}}}"#),
            headers: v2026("tools/list", None),
        },
        Kind {
            name: "initialize (2025-11-25)",
            body: r#"{"jsonrpc":"2.0","id":3,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}"#.to_owned(),
            headers: vec![],
        },
    ]
}

fn request(kind: &Kind) -> Request<Body> {
    let mut r = Request::post("/mcp")
        .header("host", "localhost:3000")
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream");
    for (k, v) in &kind.headers {
        r = r.header(*k, *v);
    }
    r.body(Body::from(kind.body.clone())).unwrap_or_default()
}

fn router() -> axum::Router {
    // One caller makes every call: the per-caller limits are set out of the way.
    let vars = [("INBOUND_AUTH", "off"), ("STAGE", "bench"), ("RATE_LIMITS", "*=4000000000/min,*=4000000000/day")];
    let config = b2b_mcp::configure(Mode::Serve, |k| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| (*v).to_owned()))
        .unwrap_or_else(|e| panic!("config: {e}"));
    let audit = Arc::new(Serialised(JsonLineSink::stdout(Some("B2bMcp".into()))));
    app(build_state(config, Arc::new(MemoryBackend::new()), audit))
}

async fn once(app: &axum::Router, kind: &Kind) -> usize {
    let response = app.clone().oneshot(request(kind)).await.unwrap_or_else(|never| match never {});
    assert!(response.status().is_success(), "{}: {}", kind.name, response.status());
    axum::body::to_bytes(response.into_body(), usize::MAX).await.map(|b| b.len()).unwrap_or_default()
}

fn criterion_benches(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap_or_else(|e| panic!("{e}"));
    let app = router();
    let mut group = c.benchmark_group("mcp_overhead");
    group.measurement_time(Duration::from_secs(5));
    for kind in kinds() {
        group.bench_function(kind.name, |b| b.to_async(&rt).iter(|| once(&app, &kind)));
    }
    group.finish();
    percentiles(&rt, &app);
}

/// Median and p99 over 20,000 timed calls per kind, and allocations of one call.
fn percentiles(rt: &tokio::runtime::Runtime, app: &axum::Router) {
    let mut report = String::from(
        "MCP overhead per request, in-process (tower oneshot), instant in-memory backend, bench profile\n\
         kind                          median_us   p99_us   allocations   bytes_allocated\n",
    );
    for kind in kinds() {
        let mut samples: Vec<Duration> = Vec::with_capacity(20_000);
        rt.block_on(async {
            for _ in 0..1_000 {
                once(app, &kind).await;
            }
            for _ in 0..20_000 {
                let started = Instant::now();
                once(app, &kind).await;
                samples.push(started.elapsed());
            }
        });
        samples.sort_unstable();
        let at = |q: f64| samples.get(((samples.len() as f64 * q) as usize).min(samples.len() - 1)).copied();
        let region = Region::new(GLOBAL);
        rt.block_on(once(app, &kind));
        let stats = region.change();
        report.push_str(&format!(
            "{:<29} {:>9.1} {:>8.1} {:>13} {:>17}\n",
            kind.name,
            at(0.5).unwrap_or_default().as_secs_f64() * 1e6,
            at(0.99).unwrap_or_default().as_secs_f64() * 1e6,
            stats.allocations,
            stats.bytes_allocated,
        ));
    }
    print!("\n{report}");
    let dir =
        std::env::var("BENCH_RESULTS").unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/bench-results").into());
    let written =
        std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(format!("{dir}/mcp-overhead.txt"), &report));
    if let Err(e) = written {
        eprintln!("could not write the results: {e}");
    }
}

criterion_group!(benches, criterion_benches);
criterion_main!(benches);
