//! The real binary in Lambda mode, driven through a fake Lambda Runtime API on loopback, with the
//! event files in `events/`: what `lambda_http` and `lambda_runtime` do with a real invocation
//! (request id, deadline, response encoding per event type), not only what the app does with a
//! request. Other tests use `LambdaProcess` as their function under test.
//!
//! The Runtime API runs on its own thread and runtime, so it answers whatever the calling test
//! does with its own (a current-thread runtime that is busy elsewhere, a blocking wait).

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::extract::{Path as UrlPath, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use http::{HeaderMap, HeaderValue, StatusCode};
use serde_json::Value;
use tokio::sync::{mpsc, oneshot, watch};

/// The deadline each invocation gets: the template's default function timeout.
pub const FUNCTION_TIMEOUT: Duration = Duration::from_secs(30);
const INIT_TIMEOUT: Duration = Duration::from_secs(30);

/// What the function answered to one invocation.
#[derive(Debug)]
pub struct LambdaReply {
    /// The Lambda request id this invocation was given (the audit records carry it).
    pub request_id: String,
    /// The HTTP status of the function's answer; 502 when the function reported an invocation
    /// error (what API Gateway answers then), with the error in `error`.
    pub status: u16,
    /// Response headers, names lower-cased; multi-value headers joined with ", ", and the HTTP
    /// API's `cookies` as `set-cookie`.
    pub headers: BTreeMap<String, String>,
    /// The body as text (base64 bodies decoded).
    pub body: String,
    /// The body as JSON, or Null when it is empty or not JSON.
    pub json: Value,
    /// The invocation error the function posted instead of a response, if any.
    pub error: Option<Value>,
}

enum Outcome {
    Response(String),
    Error(String),
}

struct Invocation {
    id: String,
    event: String,
}

/// The X-Ray header the fake Runtime API gives an invocation, as Lambda does with active tracing:
/// a trace of its own (derived from the request id, so a test can tell which), sampled.
pub fn xray_header(request_id: &str) -> String {
    format!("Root={};Parent=53995c3f42cd8ad8;Sampled=1", xray_root(request_id))
}

/// The X-Ray trace id of [`xray_header`].
pub fn xray_root(request_id: &str) -> String {
    let unique: String = request_id.chars().filter(char::is_ascii_hexdigit).take(24).collect();
    format!("1-6a1b2c3d-{unique:0>24}")
}

/// The fake Runtime API's state, shared by its handlers and the `LambdaProcess`.
struct Runtime {
    events: tokio::sync::Mutex<mpsc::UnboundedReceiver<Invocation>>,
    waiting: Mutex<HashMap<String, oneshot::Sender<Outcome>>>,
    /// How many times the function has asked for its next invocation.
    polls: watch::Sender<u64>,
    init_error: Mutex<Option<String>>,
}

async fn next(State(rt): State<Arc<Runtime>>) -> Response {
    rt.polls.send_modify(|n| *n += 1);
    let invocation = rt.events.lock().await.recv().await;
    let Some(invocation) = invocation else {
        // No more invocations will come: keep the function waiting, as Lambda does between events.
        return std::future::pending().await;
    };
    let deadline = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default() + FUNCTION_TIMEOUT;
    let mut headers = HeaderMap::new();
    let mut put = |name: &'static str, value: &str| {
        headers.insert(name, HeaderValue::from_str(value).expect("header value"));
    };
    put("lambda-runtime-aws-request-id", &invocation.id);
    put("lambda-runtime-deadline-ms", &deadline.as_millis().to_string());
    put("lambda-runtime-invoked-function-arn", "arn:aws:lambda:us-east-1:123456789012:function:b2b-mcp-test");
    put("lambda-runtime-trace-id", &xray_header(&invocation.id));
    put("content-type", "application/json");
    (headers, invocation.event).into_response()
}

fn finish(rt: &Runtime, id: &str, outcome: Outcome) -> StatusCode {
    match rt.waiting.lock().unwrap().remove(id) {
        Some(waiter) => {
            let _ = waiter.send(outcome);
            StatusCode::ACCEPTED
        }
        // As the real API does for an id it did not hand out (or answered twice).
        None => StatusCode::BAD_REQUEST,
    }
}

async fn response(State(rt): State<Arc<Runtime>>, UrlPath(id): UrlPath<String>, body: String) -> StatusCode {
    finish(&rt, &id, Outcome::Response(body))
}

async fn invocation_error(State(rt): State<Arc<Runtime>>, UrlPath(id): UrlPath<String>, body: String) -> StatusCode {
    finish(&rt, &id, Outcome::Error(body))
}

async fn init_error(State(rt): State<Arc<Runtime>>, body: String) -> StatusCode {
    *rt.init_error.lock().unwrap() = Some(body);
    StatusCode::ACCEPTED
}

/// Serve the Runtime API on `listener` on a thread of its own until `stop` fires or is dropped.
fn serve_runtime(rt: Arc<Runtime>, listener: std::net::TcpListener, stop: oneshot::Receiver<()>) {
    let app = axum::Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route("/2018-06-01/runtime/invocation/{id}/response", post(response))
        .route("/2018-06-01/runtime/invocation/{id}/error", post(invocation_error))
        .route("/2018-06-01/runtime/init/error", post(init_error))
        .with_state(rt);
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
            tokio::select! {
                _ = axum::serve(listener, app) => {}
                _ = stop => {}
            }
        });
    });
}

/// The real binary in Lambda mode against its own fake Runtime API; killed when dropped.
pub struct LambdaProcess {
    child: Mutex<Child>,
    runtime: Arc<Runtime>,
    invocations: mpsc::UnboundedSender<Invocation>,
    stdout: Arc<Mutex<Vec<String>>>,
    stderr: Arc<Mutex<Vec<String>>>,
    readers: Vec<JoinHandle<()>>,
    _stop: oneshot::Sender<()>,
}

enum Init {
    Done,
    Failed(String),
}

impl LambdaProcess {
    /// Spawn the binary with AWS_LAMBDA_RUNTIME_API pointing at a fake Runtime API on loopback,
    /// the given env (nothing inherited that matters: env_clear then PATH/HOME + given), wait for
    /// its first `next` poll (init done) or fail with its stderr/stdout if it exits.
    ///
    /// Lambda's own variables are set as Lambda sets them (function name, memory, version, log
    /// group and stream, AWS_REGION=us-east-1); `env` may override any of them.
    pub async fn start(env: &[(&str, &str)]) -> LambdaProcess {
        let process = LambdaProcess::spawn(env);
        match process.init().await {
            Init::Done => process,
            Init::Failed(output) => panic!("the function failed to start:\n{output}"),
        }
    }

    /// For a configuration the binary must refuse at start: the init error it posted, or its exit
    /// status and output. Fails if it starts polling for invocations instead.
    pub async fn start_expecting_init_failure(env: &[(&str, &str)]) -> String {
        let process = LambdaProcess::spawn(env);
        match process.init().await {
            Init::Done => panic!("the function started, but its init should have failed:\n{}", process.output()),
            Init::Failed(output) => output,
        }
    }

    fn spawn(env: &[(&str, &str)]) -> LambdaProcess {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind the Runtime API");
        listener.set_nonblocking(true).expect("nonblocking");
        let api = listener.local_addr().expect("address").to_string();
        let (invocations, events) = mpsc::unbounded_channel();
        let runtime = Arc::new(Runtime {
            events: tokio::sync::Mutex::new(events),
            waiting: Mutex::default(),
            polls: watch::Sender::new(0),
            init_error: Mutex::default(),
        });
        let (stop, stopped) = oneshot::channel();
        serve_runtime(runtime.clone(), listener, stopped);

        let mut child = Command::new(env!("CARGO_BIN_EXE_b2b-mcp"))
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", std::env::var_os("HOME").unwrap_or_default())
            .env("AWS_LAMBDA_RUNTIME_API", &api)
            .env("AWS_LAMBDA_FUNCTION_NAME", "b2b-mcp-test")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/b2b-mcp-test")
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "2026/11/28/[$LATEST]test")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn the function");
        let (stdout, stderr) = (Arc::new(Mutex::new(Vec::new())), Arc::new(Mutex::new(Vec::new())));
        let readers = vec![
            collect_lines(child.stdout.take().expect("stdout"), stdout.clone()),
            collect_lines(child.stderr.take().expect("stderr"), stderr.clone()),
        ];
        LambdaProcess { child: Mutex::new(child), runtime, invocations, stdout, stderr, readers, _stop: stop }
    }

    async fn init(&self) -> Init {
        let started = Instant::now();
        loop {
            if *self.runtime.polls.borrow() > 0 {
                return Init::Done;
            }
            if let Some(error) = self.runtime.init_error.lock().unwrap().clone() {
                return Init::Failed(format!("init error: {error}\n{}", self.output()));
            }
            if let Some(exit) = self.exit_status() {
                return Init::Failed(format!("exited ({exit}) during init\n{}", self.output()));
            }
            assert!(started.elapsed() < INIT_TIMEOUT, "no init within {INIT_TIMEOUT:?}:\n{}", self.output());
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Hand it one event (a JSON text of an API Gateway v1/v2/ALB/function-URL event), wait for
    /// its response (or invocation error) and return it parsed: status code, headers, body text
    /// and the body as JSON (Null if not JSON). Works for any number of sequential invocations.
    pub async fn invoke(&self, event: &str) -> LambdaReply {
        let request_id = uuid::Uuid::new_v4().to_string();
        let (answered, mut outcome) = oneshot::channel();
        self.runtime.waiting.lock().unwrap().insert(request_id.clone(), answered);
        let invocation = Invocation { id: request_id.clone(), event: event.to_owned() };
        assert!(self.invocations.send(invocation).is_ok(), "the Runtime API has stopped");
        let started = Instant::now();
        let outcome = loop {
            tokio::select! {
                outcome = &mut outcome => break outcome.expect("the Runtime API answers every invocation"),
                () = tokio::time::sleep(Duration::from_millis(50)) => {}
            }
            if let Some(exit) = self.exit_status() {
                panic!("the function exited ({exit}) during invocation {request_id}:\n{}", self.output());
            }
            assert!(
                started.elapsed() < FUNCTION_TIMEOUT + Duration::from_secs(5),
                "no answer to invocation {request_id} within the function timeout:\n{}",
                self.output()
            );
        };
        match outcome {
            Outcome::Response(text) => parse_response(request_id, &text),
            Outcome::Error(text) => LambdaReply {
                request_id,
                status: 502,
                headers: BTreeMap::new(),
                json: Value::Null,
                error: Some(serde_json::from_str(&text).unwrap_or(Value::String(text.clone()))),
                body: text,
            },
        }
    }

    /// Audit records (stdout JSON lines with "target":"audit") written so far, parsed.
    pub fn audit(&self) -> Vec<Value> {
        let lines = self.stdout.lock().unwrap();
        lines.iter().filter_map(|l| serde_json::from_str::<Value>(l).ok()).filter(|v| v["target"] == "audit").collect()
    }

    /// The audit records once there are at least `count` (or after 5 s): the function answers the
    /// Runtime API and writes its audit line independently, and stdout is read as it comes, so a
    /// record may arrive a moment after the answer.
    pub async fn audit_settled(&self, count: usize) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let records = self.audit();
            if records.len() >= count || Instant::now() > deadline {
                return records;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The first stdout line `matches` accepts, waiting up to 5 s for the reader thread: the
    /// process may have written it (and polled for an invocation) before the pipe was read.
    pub async fn stdout_line(&self, matches: impl Fn(&str) -> bool) -> Option<String> {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let found = self.stdout.lock().unwrap().iter().find(|l| matches(l)).cloned();
            if found.is_some() || Instant::now() > deadline {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// All stdout lines so far (for other log assertions).
    pub fn stdout(&self) -> Vec<String> {
        self.stdout.lock().unwrap().clone()
    }

    /// Whether the process is still alive (None), or its exit status and output if it exited.
    pub fn exited(&mut self) -> Option<String> {
        let exit = self.exit_status()?;
        // The pipes close with the process: wait for the readers to have everything.
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
        Some(format!("exited ({exit})\n{}", self.output()))
    }

    fn exit_status(&self) -> Option<std::process::ExitStatus> {
        self.child.lock().unwrap().try_wait().ok().flatten()
    }

    fn output(&self) -> String {
        // A process that just exited may still be flushing into the pipes.
        std::thread::sleep(Duration::from_millis(50));
        let stdout = self.stdout.lock().unwrap().join("\n");
        let stderr = self.stderr.lock().unwrap().join("\n");
        format!("stdout:\n{stdout}\nstderr:\n{stderr}")
    }
}

impl Drop for LambdaProcess {
    fn drop(&mut self) {
        let child = self.child.get_mut().unwrap_or_else(|poisoned| poisoned.into_inner());
        let _ = child.kill();
        let _ = child.wait();
    }
}

fn collect_lines(stream: impl Read + Send + 'static, into: Arc<Mutex<Vec<String>>>) -> JoinHandle<()> {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            into.lock().unwrap().push(line);
        }
    })
}

/// The function's answer in whichever shape its event asked for (API Gateway v1 and v2, ALB and
/// function URLs all have statusCode, headers and/or multiValueHeaders, body, isBase64Encoded).
fn parse_response(request_id: String, text: &str) -> LambdaReply {
    let answer: Value =
        serde_json::from_str(text).unwrap_or_else(|e| panic!("the function's answer is not JSON ({e}): {text}"));
    let status = answer["statusCode"].as_u64().and_then(|s| u16::try_from(s).ok());
    let status = status.unwrap_or_else(|| panic!("no statusCode in the function's answer: {answer}"));
    let mut headers = BTreeMap::new();
    for (name, value) in answer["headers"].as_object().into_iter().flatten() {
        headers.insert(name.to_ascii_lowercase(), value.as_str().unwrap_or_default().to_owned());
    }
    for (name, values) in answer["multiValueHeaders"].as_object().into_iter().flatten() {
        let joined: Vec<&str> = values.as_array().into_iter().flatten().filter_map(Value::as_str).collect();
        headers.insert(name.to_ascii_lowercase(), joined.join(", "));
    }
    if let Some(cookies) = answer["cookies"].as_array().filter(|c| !c.is_empty()) {
        let joined: Vec<&str> = cookies.iter().filter_map(Value::as_str).collect();
        headers.insert("set-cookie".to_owned(), joined.join(", "));
    }
    let raw = answer["body"].as_str().unwrap_or_default();
    let body = if answer["isBase64Encoded"] == true {
        let bytes = base64::engine::general_purpose::STANDARD.decode(raw).expect("a base64 body");
        String::from_utf8_lossy(&bytes).into_owned()
    } else {
        raw.to_owned()
    };
    let json = serde_json::from_str(&body).unwrap_or(Value::Null);
    LambdaReply { request_id, status, headers, body, json, error: None }
}

/// One of the event files in `events/`, by name without `.json`.
pub fn event(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("events").join(format!("{name}.json"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[tokio::test]
async fn sequential_invocations_each_get_their_own_request_id_and_audit_record() {
    let mut lambda = LambdaProcess::start(&[("SAMPLE_DATA", "true"), ("STAGE", "test")]).await;
    let configuration = lambda.stdout_line(|l| l.contains("\"configuration\"")).await;
    assert!(configuration.as_ref().is_some_and(|l| l.contains("\"mode\":\"Lambda\"")), "{:?}", lambda.stdout());
    // One invocation at a time on a fraction of a core: glibc's malloc (allocator/src/lib.rs).
    if cfg!(feature = "alloc-by-place") {
        assert!(configuration.is_some_and(|l| l.contains("\"allocator\":\"glibc\"")), "{:?}", lambda.stdout());
    }

    let list = lambda.invoke(&event("apigw-v2-tools-list")).await;
    assert_eq!((list.status, &list.error), (200, &None), "{}", list.body);
    assert!(list.headers["content-type"].starts_with("application/json"), "{:?}", list.headers);
    let tools = list.json["result"]["tools"].as_array().map(Vec::len);
    assert!(tools.is_some_and(|n| n > 0), "{}", list.body);

    let call = lambda.invoke(&event("apigw-v2-tools-call")).await;
    assert_eq!((call.status, &call.error), (200, &None), "{}", call.body);
    assert_eq!(call.json["result"]["isError"], false, "{}", call.body);
    assert_ne!(call.request_id, list.request_id, "each invocation has its own request id");

    // tools/list is not audited; the tool call is, under the Lambda request id (not API
    // Gateway's requestId in the event).
    let audit = lambda.audit_settled(1).await;
    assert_eq!(audit.len(), 1, "{audit:?}");
    assert_eq!(audit[0]["request_id"], call.request_id.as_str(), "{}", audit[0]);
    assert_eq!(audit[0]["tool"], "search_companies");
    assert_eq!(audit[0]["stage"], "test");
    assert_eq!(lambda.exited(), None, "still waiting for the next invocation");
}

#[tokio::test]
async fn a_configuration_the_function_must_refuse_fails_its_init() {
    // Lambda without an AppSync URL and without SAMPLE_DATA=true must not serve sample data.
    let output = LambdaProcess::start_expecting_init_failure(&[("STAGE", "test")]).await;
    assert!(output.contains("APPSYNC_URL"), "{output}");
}
