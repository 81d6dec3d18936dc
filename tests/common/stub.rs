//! Real network peers for the AppSync client: a scripted AppSync-shaped GraphQL endpoint with an
//! OAuth token endpoint, moto's Secrets Manager (PyPI `moto[server]`, installed by `make tools`),
//! a counting proxy in front of moto so tests can see every GetSecretValue (and stall them), a
//! serialising proxy that makes moto apply concurrent writes one at a time, as DynamoDB does, and
//! a silent peer that accepts connections and never answers.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, post};
use serde_json::{Value, json};

/// One scripted answer of the stub.
#[derive(Clone, Debug)]
pub struct Scripted {
    pub status: u16,
    pub body: String,
    pub delay: Duration,
    /// Extra response headers; a `content-type` here replaces the default JSON one.
    pub headers: Vec<(String, String)>,
}

impl Scripted {
    pub fn ok(data: Value) -> Scripted {
        Scripted { status: 200, body: json!({"data": data}).to_string(), delay: Duration::ZERO, headers: vec![] }
    }
    pub fn status(status: u16, body: &str) -> Scripted {
        Scripted { status, body: body.to_owned(), delay: Duration::ZERO, headers: vec![] }
    }
    pub fn slow(delay: Duration) -> Scripted {
        Scripted { delay, ..Scripted::ok(search_data()) }
    }
    /// A redirect to `location` with `status` (301, 302, 307, 308).
    pub fn redirect(status: u16, location: &str) -> Scripted {
        Scripted::status(status, "").with_header("location", location)
    }
    /// AppSync's rejection of our credentials: 401, `UnauthorizedException` in body and header.
    pub fn unauthorized_exception() -> Scripted {
        Scripted::status(401, r#"{"errors":[{"errorType":"UnauthorizedException","message":"You are not authorized to make this call."}]}"#)
            .with_header("x-amzn-ErrorType", "UnauthorizedException")
    }
    /// A WAF block in front of AppSync: 403 with an HTML page.
    pub fn waf_block() -> Scripted {
        Scripted::status(403, "<html><body><h1>403 Forbidden</h1>Request blocked.</body></html>")
            .with_header("content-type", "text/html")
    }
    pub fn with_header(mut self, name: &str, value: &str) -> Scripted {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
}

/// A `searchCompanies` answer with one company.
pub fn search_data() -> Value {
    json!({"searchCompanies": {"items": [{"id": "c_1", "name": "Stub Corp", "domain": "stub.example",
        "country": "DE", "city": "Berlin", "industry": "SaaS", "employees": 10, "foundedYear": 2020,
        "description": "A stub."}], "nextToken": null}})
}

#[derive(Clone, Debug)]
pub struct Seen {
    pub headers: HeaderMap,
    pub body: Value,
}

#[derive(Default)]
struct StubState {
    script: VecDeque<Scripted>,
    fallback: Option<Scripted>,
    seen: Vec<Seen>,
    token_requests: usize,
    tokens_issued: usize,
    /// How long the token endpoint waits before answering.
    token_delay: Duration,
}

#[derive(Clone)]
pub struct Stub {
    pub addr: SocketAddr,
    state: Arc<Mutex<StubState>>,
}

async fn graphql(State(state): State<Arc<Mutex<StubState>>>, headers: HeaderMap, body: Bytes) -> Response {
    let next = {
        let mut s = state.lock().unwrap();
        s.seen.push(Seen { headers, body: serde_json::from_slice(&body).unwrap_or(Value::Null) });
        s.script.pop_front().or_else(|| s.fallback.clone()).unwrap_or_else(|| Scripted::ok(search_data()))
    };
    tokio::time::sleep(next.delay).await;
    let status = StatusCode::from_u16(next.status).unwrap();
    let mut response = (status, [("content-type", "application/json")], next.body).into_response();
    for (name, value) in &next.headers {
        let name = axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap();
        response.headers_mut().insert(name, value.parse().unwrap());
    }
    response
}

/// Client-credentials token endpoint: Basic auth must be the test client's.
async fn token(State(state): State<Arc<Mutex<StubState>>>, headers: HeaderMap, body: String) -> Response {
    let delay = {
        let mut s = state.lock().unwrap();
        s.token_requests += 1;
        s.token_delay
    };
    tokio::time::sleep(delay).await;
    let mut s = state.lock().unwrap();
    // base64("mcp-client:client-secret-value")
    let expected = "Basic bWNwLWNsaWVudDpjbGllbnQtc2VjcmV0LXZhbHVl";
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(expected)
        || !body.contains("grant_type=client_credentials")
    {
        return (StatusCode::UNAUTHORIZED, "{\"error\":\"invalid_client\"}").into_response();
    }
    s.tokens_issued += 1;
    let token = format!("stub-access-token-{}", s.tokens_issued);
    (StatusCode::OK, axum::Json(json!({"access_token": token, "token_type": "Bearer", "expires_in": 3600})))
        .into_response()
}

impl Stub {
    pub async fn start(script: Vec<Scripted>) -> Stub {
        let state = Arc::new(Mutex::new(StubState { script: script.into(), ..Default::default() }));
        // Any method on /graphql is recorded: a followed 301/302 arrives as a GET.
        let app = Router::new().route("/graphql", any(graphql)).route("/token", post(token)).with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        Stub { addr, state }
    }

    pub fn url(&self) -> String {
        format!("http://{}/graphql", self.addr)
    }

    pub fn token_url(&self) -> String {
        format!("http://{}/token", self.addr)
    }

    /// Answer every request not scripted with this.
    pub fn always(&self, answer: Scripted) {
        self.state.lock().unwrap().fallback = Some(answer);
    }

    pub fn push(&self, answer: Scripted) {
        self.state.lock().unwrap().script.push_back(answer);
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.state.lock().unwrap().seen.clone()
    }

    pub fn token_requests(&self) -> usize {
        self.state.lock().unwrap().token_requests
    }

    /// Make the token endpoint wait this long before every later answer.
    pub fn token_delay(&self, delay: Duration) {
        self.state.lock().unwrap().token_delay = delay;
    }
}

/// A TCP peer that accepts every connection and never sends a byte (a hung identity provider or
/// Secrets Manager). Connections stay open until the test ends; `accepted` counts them.
pub struct SilentPeer {
    pub addr: SocketAddr,
    accepted: Arc<Mutex<usize>>,
}

impl SilentPeer {
    pub async fn start() -> SilentPeer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let accepted = Arc::new(Mutex::new(0));
        let counter = accepted.clone();
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((socket, _)) = listener.accept().await {
                *counter.lock().unwrap() += 1;
                held.push(socket);
            }
        });
        SilentPeer { addr, accepted }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn accepted(&self) -> usize {
        *self.accepted.lock().unwrap()
    }
}

/// The project's tool environment (`make tools`; `B2B_TOOLS_VENV` points elsewhere).
pub fn venv_bin(tool: &str) -> PathBuf {
    let venv = std::env::var_os("B2B_TOOLS_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".tools/venv"));
    let path = venv.join("bin").join(tool);
    assert!(path.exists(), "{} is missing: run `make tools` first", path.display());
    path
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The AWS SDK settings for moto: its dummy credentials, us-east-1.
pub fn moto_sdk_config() -> aws_config::SdkConfig {
    aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(
            aws_credential_types::Credentials::new("testing", "testing", None, None, "test"),
        ))
        .build()
}

/// moto's server on a loopback port, stopped when dropped.
pub struct Moto {
    child: Child,
    pub url: String,
}

impl Moto {
    pub fn start() -> Moto {
        let port = free_port();
        let child = Command::new(venv_bin("moto_server"))
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto_server");
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(30), "moto did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        Moto { child, url: format!("http://127.0.0.1:{port}") }
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A reverse proxy that counts Secrets Manager GetSecretValue calls on their way to `upstream`,
/// and can hold them (`stall`) to play a Secrets Manager that does not answer.
#[derive(Clone)]
pub struct CountingProxy {
    pub url: String,
    count: Arc<Mutex<usize>>,
    stall: Arc<Mutex<Duration>>,
}

impl CountingProxy {
    pub async fn start(upstream: &str) -> CountingProxy {
        let count = Arc::new(Mutex::new(0));
        let stall = Arc::new(Mutex::new(Duration::ZERO));
        let url = start_proxy(upstream, count.clone(), stall.clone(), None).await;
        CountingProxy { url, count, stall }
    }

    pub fn get_secret_value_calls(&self) -> usize {
        *self.count.lock().unwrap()
    }

    /// Hold every later GetSecretValue this long before forwarding it (counted on arrival).
    pub fn stall(&self, delay: Duration) {
        *self.stall.lock().unwrap() = delay;
    }
}

/// A reverse proxy that hands `upstream` (moto) one request at a time.
///
/// moto's server answers on several threads and does not apply a conditional write atomically:
/// 20 concurrent `UpdateItem ... if calls < 5` once let 9 through in CI. DynamoDB evaluates each
/// condition atomically, per item. Behind this proxy the clients still race each other in our
/// code, over their own connections, and moto then applies their writes one by one, as DynamoDB
/// would: an atomicity test checks our use of conditional writes, not moto's threading.
#[derive(Clone)]
pub struct SerialProxy {
    pub url: String,
}

impl SerialProxy {
    pub async fn start(upstream: &str) -> SerialProxy {
        let gate = Arc::new(tokio::sync::Mutex::new(()));
        let (count, stall) = (Arc::new(Mutex::new(0)), Arc::new(Mutex::new(Duration::ZERO)));
        SerialProxy { url: start_proxy(upstream, count, stall, Some(gate)).await }
    }
}

/// Forward every request to `upstream`, counting GetSecretValue calls in `count`; with `gate`,
/// one request at a time (held from sending the request until its answer is read).
/// A reverse proxy to `upstream` that counts GetSecretValue calls (holding each for `stall`), and
/// with a `gate` forwards one request at a time.
async fn start_proxy(
    upstream: &str,
    count: Arc<Mutex<usize>>,
    stall: Arc<Mutex<Duration>>,
    gate: Option<Arc<tokio::sync::Mutex<()>>>,
) -> String {
    let http = reqwest::Client::new();
    let upstream = upstream.to_owned();
    let app = Router::new().fallback(any(move |req: axum::extract::Request| {
        let (http, upstream, counter, stall, gate) =
            (http.clone(), upstream.clone(), count.clone(), stall.clone(), gate.clone());
        async move {
            let (parts, body) = req.into_parts();
            let body = axum::body::to_bytes(body, usize::MAX).await.unwrap();
            let target = parts.headers.get("x-amz-target").and_then(|v| v.to_str().ok()).unwrap_or("");
            if target.ends_with("GetSecretValue") {
                *counter.lock().unwrap() += 1;
                let stall = *stall.lock().unwrap();
                tokio::time::sleep(stall).await;
            }
            let url = format!("{upstream}{}", parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/"));
            let mut forward = http.request(parts.method.clone(), url).body(body);
            for (name, value) in parts.headers.iter().filter(|(n, _)| *n != "host") {
                forward = forward.header(name, value);
            }
            let _turn = match &gate {
                Some(gate) => Some(gate.lock().await),
                None => None,
            };
            match forward.send().await {
                Ok(answer) => {
                    let status = answer.status();
                    let headers = answer.headers().clone();
                    let bytes = answer.bytes().await.unwrap_or_default();
                    let mut response = (status, bytes).into_response();
                    for (name, value) in
                        headers.iter().filter(|(n, _)| *n != "content-length" && *n != "transfer-encoding")
                    {
                        response.headers_mut().insert(name, value.clone());
                    }
                    response
                }
                Err(_) => StatusCode::BAD_GATEWAY.into_response(),
            }
        }
    }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}
