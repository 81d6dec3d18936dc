//! Cold start: from process start to the first answered `tools/call search_companies`.
//!
//! - Lambda mode: the binary runs against a small fake Lambda Runtime API in this process
//!   (`/2018-06-01/runtime/invocation/next`, `/response`, `/error`, `/init/error`), which hands it
//!   `events/apigw-v2-tools-call.json`. Init is spawn to the first `next`; the first invocation is
//!   `next` to the posted response, which includes the SigV4-signed call to the local platform.
//! - The same for `lambda_hello` (examples/), the smallest lambda_http function, built with the
//!   same profile: the ratio of the two is the figure that counts.
//! - `serve` mode: spawn to the answer of the first tools/call over HTTP.
//!
//! Peak RSS (VmHWM) after the first answer is reported too. The binaries are not cargo's bench
//! builds but the ones `make bench` built with the release profile (the Lambda artifact's) and
//! copied to `COLD_START_BINARIES`. Results go to `bench-results/cold-start.txt` (or the
//! directory `BENCH_RESULTS` names, for comparing builds).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use platform_local::auth::Mode as PlatformMode;
use platform_local::defaults;
use platform_local::testing::{TempPlatform, free_port};
use serde_json::Value;
use tokio::sync::Notify;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// What the fake Runtime API saw during one run.
#[derive(Default)]
struct Run {
    event: Option<String>,
    delivered: bool,
    first_next: Option<Instant>,
    answered: Option<(Instant, String)>,
    error: Option<String>,
}

#[derive(Clone)]
struct Runtime {
    run: Arc<Mutex<Run>>,
    done: Arc<Notify>,
}

async fn next(State(rt): State<Runtime>) -> Response {
    let event = {
        let mut run = rt.run.lock().unwrap();
        run.first_next.get_or_insert_with(Instant::now);
        if run.delivered {
            None
        } else {
            run.delivered = true;
            run.event.clone()
        }
    };
    let Some(event) = event else {
        // One invocation per run: later polls wait until the process is killed.
        std::future::pending::<()>().await;
        unreachable!()
    };
    let deadline =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap() + Duration::from_secs(30);
    let mut headers = HeaderMap::new();
    headers.insert("lambda-runtime-aws-request-id", "cold-start-1".parse().unwrap());
    headers.insert("lambda-runtime-deadline-ms", deadline.as_millis().to_string().parse().unwrap());
    headers.insert(
        "lambda-runtime-invoked-function-arn",
        "arn:aws:lambda:us-east-1:123456789012:function:b2b-mcp-bench".parse().unwrap(),
    );
    headers.insert("lambda-runtime-trace-id", "Root=1-00000000-000000000000000000000000".parse().unwrap());
    headers.insert("content-type", "application/json".parse().unwrap());
    (headers, event).into_response()
}

async fn response(State(rt): State<Runtime>, UrlPath(_id): UrlPath<String>, body: String) -> StatusCode {
    rt.run.lock().unwrap().answered = Some((Instant::now(), body));
    rt.done.notify_one();
    StatusCode::ACCEPTED
}

async fn error(State(rt): State<Runtime>, body: String) -> StatusCode {
    rt.run.lock().unwrap().error = Some(body);
    rt.done.notify_one();
    StatusCode::ACCEPTED
}

async fn invocation_error(rt: State<Runtime>, _id: UrlPath<String>, body: String) -> StatusCode {
    error(rt, body).await
}

async fn start_runtime() -> (Runtime, String) {
    let rt = Runtime { run: Arc::default(), done: Arc::new(Notify::new()) };
    let app = axum::Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route("/2018-06-01/runtime/invocation/{id}/response", post(response))
        .route("/2018-06-01/runtime/invocation/{id}/error", post(invocation_error))
        .route("/2018-06-01/runtime/init/error", post(error))
        .with_state(rt.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (rt, addr)
}

/// Peak resident memory of a process, in KiB (`VmHWM`).
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn kill(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

struct Sample {
    init: Duration,
    first_call: Duration,
    total: Duration,
    peak_rss_kib: u64,
}

/// What the server needs to reach the platform as a deployed stage reaches AppSync.
fn backend_env(platform: &str) -> Vec<(&'static str, String)> {
    vec![
        ("STAGE", "bench".into()),
        ("APPSYNC_URL", format!("http://{platform}/graphql")),
        ("APPSYNC_AUTH", "iam".into()),
        ("AWS_REGION", defaults::REGION.into()),
        ("AWS_ACCESS_KEY_ID", defaults::ACCESS_KEY_ID.into()),
        ("AWS_SECRET_ACCESS_KEY", defaults::SECRET_ACCESS_KEY.into()),
    ]
}

/// One cold start in Lambda mode; `check` judges the function's answer.
async fn lambda_once(
    binary: &Path,
    env: &[(&'static str, String)],
    rt: &Runtime,
    runtime_addr: &str,
    event: &str,
    check: fn(&Value),
) -> Sample {
    *rt.run.lock().unwrap() = Run { event: Some(event.to_owned()), ..Run::default() };
    let started = Instant::now();
    let child = Command::new(binary)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("AWS_LAMBDA_RUNTIME_API", runtime_addr)
        .env("AWS_LAMBDA_FUNCTION_NAME", "b2b-mcp-bench")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/b2b-mcp-bench")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the function");
    let pid = child.id();
    let done = tokio::time::timeout(Duration::from_secs(30), rt.done.notified()).await;
    let peak_rss_kib = peak_rss_kib(pid);
    kill(child);
    assert!(done.is_ok(), "{}: no answer within 30 s", binary.display());
    let run = std::mem::take(&mut *rt.run.lock().unwrap());
    if let Some(error) = run.error {
        panic!("{}: the function reported an error: {error}", binary.display());
    }
    let (answered, body) = run.answered.expect("answered");
    let first_next = run.first_next.expect("polled");
    check(&serde_json::from_str(&body).expect("the function's answer is JSON"));
    Sample { init: first_next - started, first_call: answered - first_next, total: answered - started, peak_rss_kib }
}

/// The API Gateway answer carries the MCP answer: search_companies found companies.
fn check_mcp(answer: &Value) {
    assert_eq!(answer["statusCode"], 200, "{answer}");
    let body: Value = serde_json::from_str(answer["body"].as_str().expect("body")).expect("JSON-RPC");
    let result = &body["result"];
    assert_eq!(result["isError"], false, "{body}");
    assert!(!result["structuredContent"]["companies"].as_array().expect("companies").is_empty(), "{body}");
}

fn check_hello(answer: &Value) {
    assert_eq!(answer["statusCode"], 200, "{answer}");
}

/// One cold start in `serve` mode: spawn, wait for the listening line, send one tools/call.
fn serve_once(binary: &Path, env: &[(&'static str, String)], request: &str) -> Sample {
    let port = free_port().unwrap();
    let started = Instant::now();
    let mut child = Command::new(binary)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("INBOUND_AUTH", "off")
        .env("LOCAL_PRINCIPAL", "bench")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn serve");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    loop {
        let line = lines.next().expect("serve exited before listening").unwrap();
        if line.contains("serving MCP over HTTP") {
            break;
        }
    }
    let listening = Instant::now();
    // Keep draining the log (audit lines) so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let http = format!(
        "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n\
         Accept: application/json, text/event-stream\r\nMCP-Protocol-Version: 2026-07-28\r\n\
         Mcp-Method: tools/call\r\nMcp-Name: search_companies\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{request}",
        request.len()
    );
    stream.write_all(http.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let answered = Instant::now();
    let peak_rss_kib = peak_rss_kib(child.id());
    kill(child);
    assert!(answer.starts_with("HTTP/1.1 200") && answer.contains("\"isError\":false"), "{answer}");
    Sample { init: listening - started, first_call: answered - listening, total: answered - started, peak_rss_kib }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

struct Summary {
    name: &'static str,
    total_p50: Duration,
    line: String,
}

fn summarise(name: &'static str, samples: &[Sample]) -> Summary {
    let sorted = |f: fn(&Sample) -> Duration| {
        let mut v: Vec<Duration> = samples.iter().map(f).collect();
        v.sort();
        v
    };
    let (init, first, total) = (sorted(|s| s.init), sorted(|s| s.first_call), sorted(|s| s.total));
    let mut rss: Vec<u64> = samples.iter().map(|s| s.peak_rss_kib).collect();
    rss.sort_unstable();
    let line = format!(
        "{name:<28} {:>9.2} {:>9.2} {:>9.2} {:>9.2} {:>9.2} {:>11.1}",
        ms(percentile(&init, 0.5)),
        ms(percentile(&first, 0.5)),
        ms(percentile(&total, 0.5)),
        ms(percentile(&total, 0.9)),
        ms(*total.last().unwrap()),
        rss[rss.len() / 2] as f64 / 1024.0,
    );
    Summary { name, total_p50: percentile(&total, 0.5), line }
}

fn size(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

fn main() {
    // `cargo bench` passes `--bench`; this harness takes no options.
    let dir = std::env::var_os("COLD_START_BINARIES").map(PathBuf::from).unwrap_or_else(|| {
        panic!("COLD_START_BINARIES is not set: run `make bench` (it builds the release binaries first)")
    });
    let server = dir.join("b2b-mcp");
    let hello = dir.join("lambda_hello");
    for binary in [&server, &hello] {
        assert!(binary.exists(), "{} is missing: run `make bench`", binary.display());
    }
    let runs: usize = std::env::var("COLD_START_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(30);
    let results = std::env::var_os("BENCH_RESULTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(ROOT).join("bench-results"))
        .join("cold-start.txt");

    let tokio = tokio::runtime::Runtime::new().unwrap();
    let platform = tokio.block_on(TempPlatform::start(&[PlatformMode::Iam])).expect("platform starts");
    let env = backend_env(&platform.addr.to_string());
    let event = std::fs::read_to_string(Path::new(ROOT).join("events/apigw-v2-tools-call.json")).unwrap();
    let request = serde_json::from_str::<Value>(&event).unwrap()["body"].as_str().unwrap().to_owned();
    let (rt, runtime_addr) = tokio.block_on(start_runtime());

    let mut summaries = Vec::new();
    // Each binary runs twice before measuring, so every variant starts from a warm page cache.
    let measure = |f: &mut dyn FnMut() -> Sample| {
        for _ in 0..2 {
            f();
        }
        (0..runs).map(|_| f()).collect::<Vec<_>>()
    };
    let lambda = measure(&mut || tokio.block_on(lambda_once(&server, &env, &rt, &runtime_addr, &event, check_mcp)));
    summaries.push(summarise("b2b-mcp, Lambda", &lambda));
    let baseline = measure(&mut || tokio.block_on(lambda_once(&hello, &[], &rt, &runtime_addr, &event, check_hello)));
    summaries.push(summarise("lambda_http hello-world", &baseline));
    let serve = measure(&mut || serve_once(&server, &env, &request));
    summaries.push(summarise("b2b-mcp, serve", &serve));

    let ratio = summaries[0].total_p50.as_secs_f64() / summaries[1].total_p50.as_secs_f64();
    let mut report = format!(
        "# Cold start: process start to the first answered tools/call search_companies ({runs} runs each,\n\
         # after 2 unmeasured; release profile; local platform over loopback, SigV4).\n\
         # init: spawn to the first Runtime API poll (serve: to the listening log line);\n\
         # first call: from there to the answer. Times in ms; peak RSS (VmHWM) after the answer.\n\
         # binaries: b2b-mcp {} bytes, lambda_hello {} bytes\n\n\
         {:<28} {:>9} {:>9} {:>9} {:>9} {:>9} {:>11}\n",
        size(&server),
        size(&hello),
        "",
        "init p50",
        "call p50",
        "total p50",
        "total p90",
        "total max",
        "peak RSS MB",
    );
    for s in &summaries {
        report.push_str(&s.line);
        report.push('\n');
    }
    report.push_str(&format!("\n{} / {} (total p50): x{ratio:.2}\n", summaries[0].name, summaries[1].name));
    print!("{report}");
    if let Some(parent) = results.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&results, report).unwrap();
    drop(platform);
}
