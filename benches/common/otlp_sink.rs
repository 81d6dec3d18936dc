//! An OTLP/HTTP sink for the benches that measure span export (`THROUGHPUT_OTLP`,
//! `COLD_START_OTLP`): it accepts `POST /v1/traces` (protobuf), decodes each export with the
//! protocol's own types and counts its spans, and answers 200 with an empty
//! `ExportTraceServiceResponse`, as a collector does. Counting proves the spans really went out;
//! nothing else is kept.
//!
//! It runs on a thread of its own with a single-threaded runtime, so its work is not charged to
//! the bench's client thread; its CPU time is read from that thread's `/proc` entry and reported
//! beside the server's. Shared by `benches/throughput.rs` and `benches/cold_start/` (`#[path]`).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::post;
use opentelemetry_proto::tonic::collector::trace::v1::{ExportTraceServiceRequest, ExportTraceServiceResponse};
use prost::Message;

#[derive(Default)]
struct Counts {
    /// Export requests decoded.
    exports: AtomicU64,
    /// Spans in them.
    spans: AtomicU64,
    /// Requests whose body was not an `ExportTraceServiceRequest` (answered 400).
    malformed: AtomicU64,
    /// Bytes of request bodies received.
    bytes: AtomicU64,
}

/// A running sink: its base URL (what `OTEL_EXPORTER_OTLP_ENDPOINT` takes) and what it got.
pub struct Sink {
    pub url: String,
    counts: Arc<Counts>,
    /// `/proc/self/task/<tid>/stat` of the sink's thread.
    stat: String,
}

/// What the sink has received so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Received {
    pub exports: u64,
    pub spans: u64,
    pub malformed: u64,
    pub bytes: u64,
}

async fn traces(State(counts): State<Arc<Counts>>, body: Bytes) -> impl IntoResponse {
    counts.bytes.fetch_add(body.len() as u64, Ordering::Relaxed);
    let Ok(request) = ExportTraceServiceRequest::decode(body) else {
        counts.malformed.fetch_add(1, Ordering::Relaxed);
        return (StatusCode::BAD_REQUEST, [(header::CONTENT_TYPE, "application/x-protobuf")], Vec::new());
    };
    let spans: usize = request.resource_spans.iter().flat_map(|r| &r.scope_spans).map(|scope| scope.spans.len()).sum();
    counts.exports.fetch_add(1, Ordering::Relaxed);
    counts.spans.fetch_add(spans as u64, Ordering::Relaxed);
    let answer = ExportTraceServiceResponse::default().encode_to_vec();
    (StatusCode::OK, [(header::CONTENT_TYPE, "application/x-protobuf")], answer)
}

impl Sink {
    /// Listen on a free loopback port, on a thread of its own.
    pub fn start() -> Sink {
        let counts = Arc::new(Counts::default());
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("the sink's port");
        listener.set_nonblocking(true).expect("a non-blocking listener");
        let url = format!("http://{}", listener.local_addr().expect("the sink's address"));
        let app = Router::new().route("/v1/traces", post(traces)).with_state(counts.clone());
        let (tell, told) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("otlp-sink".into())
            .spawn(move || {
                let thread = std::fs::read_link("/proc/thread-self").map(|p| p.display().to_string());
                let _ = tell.send(thread.map(|t| format!("/proc/{t}/stat")).unwrap_or_default());
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
                runtime.block_on(async move {
                    let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
                    axum::serve(listener, app).await.expect("the sink serves");
                });
            })
            .expect("the sink's thread");
        let stat = told.recv().unwrap_or_default();
        Sink { url, counts, stat }
    }

    pub fn received(&self) -> Received {
        Received {
            exports: self.counts.exports.load(Ordering::Relaxed),
            spans: self.counts.spans.load(Ordering::Relaxed),
            malformed: self.counts.malformed.load(Ordering::Relaxed),
            bytes: self.counts.bytes.load(Ordering::Relaxed),
        }
    }

    /// Wait until at least `spans` spans came in, or nothing more came for `quiet`; then what
    /// came. (The batch processor sends what is left of a batch on its schedule, 5 s by default.)
    pub fn settle(&self, spans: u64, quiet: Duration) -> Received {
        let mut last = self.received();
        let mut since = Instant::now();
        while last.spans < spans && since.elapsed() < quiet {
            std::thread::sleep(Duration::from_millis(50));
            let now = self.received();
            if now != last {
                (last, since) = (now, Instant::now());
            }
        }
        last
    }

    /// CPU time the sink's thread has used (utime + stime), or zero where /proc cannot say.
    pub fn cpu(&self) -> Duration {
        let text = std::fs::read_to_string(&self.stat).unwrap_or_default();
        let after = text.rsplit_once(')').map_or("", |(_, rest)| rest);
        let fields: Vec<u64> = after.split_whitespace().map(|f| f.parse().unwrap_or(0)).collect();
        let ticks = fields.get(11).copied().unwrap_or(0) + fields.get(12).copied().unwrap_or(0);
        Duration::from_millis(ticks * 10)
    }
}
