//! Spans over OTLP, received for real: the `b2b-mcp` binary in `serve` mode with
//! `OTEL_EXPORTER_OTLP_ENDPOINT` pointing at a receiver this test starts (OTLP/HTTP, decoded with
//! the protocol's own protobuf types), backed by the local platform over SigV4. One tool call
//! with the caller's `traceparent` yields the request, tool and AppSync spans in that trace, each
//! the parent of the next, with the documented attributes; the tool span's id is the audit line's
//! `span_id` and the platform's parent; and no secret or argument text is in any span. In Lambda,
//! each invocation's spans reach the collector before its answer.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use opentelemetry_proto::tonic::collector::trace::v1::{ExportTraceServiceRequest, ExportTraceServiceResponse};
use opentelemetry_proto::tonic::common::v1::KeyValue;
use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
use opentelemetry_proto::tonic::trace::v1::Span;
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use platform_local::auth::Mode as PlatformMode;
use platform_local::defaults;
use prost::Message;
use serde_json::{Value, json};

use crate::common::platform::platform;
use crate::common::served::Served;
use crate::lambda_runtime::{LambdaProcess, event, xray_root};

const CALLER_TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN: &str = "00f067aa0ba902b7";
const BEARER: &str = "eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LWJlYXJlci10b2tlbi00Mg.sig-SECRET-BEARER";
const API_KEY: &str = "da2-SECRETAPIKEY0123456789abcdef";
const FREE_TEXT: &str = "SECRET-QUERY-TEXT";

/// Every export request received, raw and decoded.
#[derive(Default)]
struct Received(Mutex<Vec<(Bytes, ExportTraceServiceRequest)>>);

async fn traces(State(received): State<Arc<Received>>, body: Bytes) -> Vec<u8> {
    if let Ok(request) = ExportTraceServiceRequest::decode(body.clone()) {
        received.0.lock().unwrap().push((body, request));
    }
    ExportTraceServiceResponse::default().encode_to_vec()
}

/// An OTLP/HTTP receiver on a free port: its base URL and what it receives.
async fn receiver() -> (String, Arc<Received>) {
    let received = Arc::new(Received::default());
    let app = Router::new().route("/v1/traces", post(traces)).with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), received)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn attribute<'a>(attributes: &'a [KeyValue], key: &str) -> Option<&'a Any> {
    attributes.iter().find(|kv| kv.key == key).and_then(|kv| kv.value.as_ref()).and_then(|v| v.value.as_ref())
}

fn text(attributes: &[KeyValue], key: &str) -> Option<String> {
    match attribute(attributes, key) {
        Some(Any::StringValue(s)) => Some(s.clone()),
        _ => None,
    }
}

/// One POST over a plain socket, as `curl` would send it (with credentials that must go nowhere).
fn call_tool(url: &str, body: &Value) -> Value {
    let address = url.trim_start_matches("http://").split('/').next().unwrap().to_owned();
    let mut stream = TcpStream::connect(&address).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let body = body.to_string();
    let request = format!(
        "POST /mcp HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nAccept: application/json\r\n\
         MCP-Protocol-Version: 2026-07-28\r\nMcp-Method: tools/call\r\nMcp-Name: search_companies\r\n\
         Authorization: Bearer {BEARER}\r\nx-api-key: {API_KEY}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let json = answer.split_once("\r\n\r\n").map(|(_, body)| body).unwrap_or_default();
    serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {answer}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_call_exports_request_tool_and_appsync_spans_in_the_callers_trace() {
    let platform = platform(&[PlatformMode::Iam]).await;
    let (collector, received) = receiver().await;
    let vars = [("OTEL_EXPORTER_OTLP_ENDPOINT", collector.as_str()), ("OTEL_BSP_SCHEDULE_DELAY", "100")];
    let served = Served::start(&platform, "otlp-user", &vars).await;

    let meta = json!({"io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "traceparent": format!("00-{CALLER_TRACE}-{CALLER_SPAN}-01"), "tracestate": "vendor=opaque"});
    let call = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "search_companies",
        "arguments": {"query": FREE_TEXT, "country": "DE"}, "_meta": meta}});
    let url = served.url.clone();
    let answer = tokio::task::spawn_blocking(move || call_tool(&url, &call)).await.unwrap();
    assert_eq!(answer["result"]["isError"], false, "{answer}");

    // The batch processor exports every 100 ms here (OTEL_BSP_SCHEDULE_DELAY).
    let started = Instant::now();
    let spans: Vec<Span> = loop {
        let spans: Vec<Span> = received
            .0
            .lock()
            .unwrap()
            .iter()
            .flat_map(|(_, r)| {
                r.resource_spans.iter().flat_map(|rs| rs.scope_spans.iter().flat_map(|s| s.spans.clone()))
            })
            .collect();
        if spans.len() >= 3 || started.elapsed() > Duration::from_secs(20) {
            break spans;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let log = served.log();
    let names: Vec<&str> = spans.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names.len(), 3, "three spans: {names:?}\n{log}");
    let find = |kind: SpanKind| spans.iter().find(|s| s.kind == kind as i32).unwrap_or_else(|| panic!("{names:?}"));
    let (request, tool, appsync) = (find(SpanKind::Server), find(SpanKind::Internal), find(SpanKind::Client));

    // One trace, the caller's; each span the parent of the next.
    for span in [request, tool, appsync] {
        assert_eq!(hex(&span.trace_id), CALLER_TRACE, "{}", span.name);
        assert!(span.end_time_unix_nano >= span.start_time_unix_nano && span.start_time_unix_nano > 0);
        assert_eq!(span.trace_state, "vendor=opaque", "{}", span.name);
    }
    assert_eq!(hex(&request.parent_span_id), CALLER_SPAN);
    assert_eq!(tool.parent_span_id, request.span_id);
    assert_eq!(appsync.parent_span_id, tool.span_id);
    assert!(appsync.start_time_unix_nano >= tool.start_time_unix_nano);
    assert!(appsync.end_time_unix_nano <= tool.end_time_unix_nano);

    // The documented names and attributes.
    assert_eq!(request.name, "tools/call");
    assert_eq!(text(&request.attributes, "mcp.method.name").as_deref(), Some("tools/call"));
    assert_eq!(tool.name, "execute_tool search_companies");
    assert_eq!(text(&tool.attributes, "gen_ai.tool.name").as_deref(), Some("search_companies"));
    assert_eq!(text(&tool.attributes, "b2b.outcome").as_deref(), Some("ok"));
    assert_eq!(text(&tool.attributes, "b2b.decision").as_deref(), Some("allowed"));
    assert!(matches!(attribute(&tool.attributes, "b2b.backend_ms"), Some(Any::DoubleValue(ms)) if *ms > 0.0));
    assert_eq!(appsync.name, "query SearchCompanies");
    assert_eq!(text(&appsync.attributes, "graphql.operation.name").as_deref(), Some("SearchCompanies"));
    assert!(matches!(attribute(&appsync.attributes, "http.response.status_code"), Some(Any::IntValue(200))));

    // The audit line names the tool span; the process names itself.
    let audit = log
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|v| v["target"] == "audit")
        .unwrap_or_else(|| panic!("an audit line:\n{log}"));
    assert_eq!(audit["trace_id"], CALLER_TRACE);
    assert_eq!(audit["span_id"], hex(&tool.span_id), "{audit}");
    let all = received.0.lock().unwrap();
    let resource = all[0].1.resource_spans[0].resource.clone().unwrap_or_default();
    assert_eq!(text(&resource.attributes, "service.name").as_deref(), Some("b2b-mcp"));
    assert_eq!(text(&resource.attributes, "deployment.environment.name").as_deref(), Some("gate"));

    // Nothing secret, and no argument text, in what was sent.
    for (raw, decoded) in all.iter() {
        let shown = format!("{decoded:?}");
        for secret in [BEARER, API_KEY, FREE_TEXT, defaults::SECRET_ACCESS_KEY, defaults::ACCESS_KEY_ID] {
            assert!(!shown.contains(secret), "{secret} in a span");
            assert!(!raw.windows(secret.len()).any(|w| w == secret.as_bytes()), "{secret} in an export");
        }
    }
}

/// The spans received so far, in the order they came.
fn spans(received: &Received) -> Vec<Span> {
    let all = received.0.lock().unwrap();
    all.iter()
        .flat_map(|(_, r)| r.resource_spans.iter().flat_map(|rs| rs.scope_spans.iter().flat_map(|s| s.spans.clone())))
        .collect()
}

/// In Lambda the process may be frozen as soon as it answers, so each invocation's spans are
/// sent before its answer (the batch processor's own schedule here is ten minutes). With no
/// `traceparent` from the client the call's trace is the invocation's X-Ray trace, the one the
/// audit line names as `xray_trace_id`, and the request span's parent is Lambda's segment.
#[tokio::test]
async fn in_lambda_each_invocations_spans_are_sent_before_its_answer_in_its_xray_trace() {
    let (collector, received) = receiver().await;
    let env = [
        ("SAMPLE_DATA", "true"),
        ("STAGE", "test"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", collector.as_str()),
        ("OTEL_BSP_SCHEDULE_DELAY", "600000"),
    ];
    let lambda = LambdaProcess::start(&env).await;
    for invocation in 1..=2 {
        let call = lambda.invoke(&event("apigw-v2-tools-call")).await;
        assert_eq!((call.status, &call.error), (200, &None), "{}", call.body);
        let spans = spans(&received);
        assert_eq!(spans.len(), 2 * invocation, "request and tool spans, already at the collector: {spans:?}");
        let root = xray_root(&call.request_id);
        let trace = root.trim_start_matches("1-").replace('-', "");
        let (request, tool) = (&spans[spans.len() - 2..][1], &spans[spans.len() - 2..][0]);
        let (request, tool) = if request.kind == SpanKind::Server as i32 { (request, tool) } else { (tool, request) };
        assert_eq!((hex(&request.trace_id), hex(&tool.trace_id)), (trace.clone(), trace.clone()));
        assert_eq!(hex(&request.parent_span_id), "53995c3f42cd8ad8", "under Lambda's segment");
        assert_eq!(tool.parent_span_id, request.span_id);

        let audit = lambda.audit_settled(invocation).await;
        let audit = audit.last().unwrap();
        assert_eq!(audit["xray_trace_id"], root.as_str(), "{audit}");
        assert_eq!(audit["trace_id"], trace.as_str(), "{audit}");
        assert_eq!(audit["span_id"], hex(&tool.span_id), "{audit}");
    }
}
