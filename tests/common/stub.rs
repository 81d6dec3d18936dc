//! Network peers for the AppSync client, in this process: a scripted AppSync-shaped GraphQL
//! endpoint with an OAuth token endpoint, and a silent peer that accepts connections and never
//! answers. (moto and the proxies in front of it are the e2e tests': `tests/e2e/moto.rs`.)

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, post};
use b2b_mcp::config::{AppsyncAuth, AppsyncConfig};
use serde_json::{Value, json};

use super::Client;

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

/// A search through `client`, which the stub answers with [`search_data`] unless scripted.
pub async fn search(client: &Client) -> Value {
    client.call("search_companies", json!({"query": "stub"})).await
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

    /// The server's AppSync settings for this stub, its secret at `secret_arn` in the Secrets
    /// Manager at `secrets_url`.
    pub fn appsync_config(&self, auth: AppsyncAuth, secret_arn: &str, secrets_url: &str) -> AppsyncConfig {
        AppsyncConfig {
            url: self.url(),
            region: Some("us-east-1".into()),
            auth,
            secret_arn: Some(secret_arn.into()),
            secrets_endpoint_url: Some(secrets_url.into()),
            secret_ttl: Duration::from_secs(300),
            attempt_timeout: Duration::from_secs(5),
        }
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
