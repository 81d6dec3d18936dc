//! `serve`'s limits on slow and numerous clients, through the real binary on real sockets: a head
//! that never completes is cut off, a body that never completes gets 408, and requests over the
//! concurrency limit are shed with 503 at once. With token checks on, all of it happens before
//! authentication.
//!
//! The clients here speak raw HTTP/1.1 over TCP, because a slow client is what a normal client
//! library will not be. A request that must hold a slot sends `Expect: 100-continue`: the server
//! answers `100 Continue` only when the app starts reading the body, so the test knows the
//! request is inside the limit without guessing with sleeps.

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use platform_local::auth::{KID, mint_token, now_seconds};
use platform_local::defaults;
use platform_local::testing::wait_for_port_closed;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

use crate::common::served::serving_url;

/// The real binary in `serve` mode on a loopback port, killed when dropped.
struct Serve {
    child: Child,
    addr: String,
    output: Arc<Mutex<Vec<String>>>,
}

impl Serve {
    async fn start(env: &[(&str, &str)]) -> Serve {
        let mut child = Command::new(env!("CARGO_BIN_EXE_b2b-mcp"))
            .args(["serve", "--bind", "127.0.0.1:0"])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", std::env::var_os("HOME").unwrap_or_default())
            .env("STAGE", "local")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn b2b-mcp serve");
        let output = Arc::new(Mutex::new(Vec::new()));
        for stream in [
            Box::new(child.stdout.take().expect("stdout")) as Box<dyn tokio::io::AsyncRead + Unpin + Send>,
            Box::new(child.stderr.take().expect("stderr")),
        ] {
            let output = output.clone();
            tokio::spawn(async move {
                let mut lines = BufReader::new(stream).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    output.lock().unwrap().push(line);
                }
            });
        }
        let started = Instant::now();
        loop {
            let url = serving_url(output.lock().unwrap().iter().map(String::as_str));
            if let Some(url) = url {
                let addr = url.trim_start_matches("http://").trim_end_matches("/mcp").to_owned();
                return Serve { child, addr, output };
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!("serve exited ({status}) before listening:\n{}", output.lock().unwrap().join("\n"));
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "serve did not start within 30 s:\n{}",
                output.lock().unwrap().join("\n")
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The process must still be serving: a limit is no limit if it took the server down.
    fn assert_alive(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!("serve exited ({status}):\n{}", self.output.lock().unwrap().join("\n"));
        }
    }
}

const TOOLS_LIST: &str = r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#;

/// A POST /mcp head for a body of `length` bytes, with `extra` header lines.
fn head(addr: &str, length: usize, extra: &[String]) -> String {
    let mut text = format!(
        "POST /mcp HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Accept: application/json, text/event-stream\r\nMCP-Protocol-Version: 2025-11-25\r\nContent-Length: {length}\r\n"
    );
    for line in extra {
        text.push_str(line);
        text.push_str("\r\n");
    }
    text.push_str("\r\n");
    text
}

async fn connect(addr: &str) -> TcpStream {
    TcpStream::connect(addr).await.expect("connect")
}

/// Read until the server closes the connection (EOF or reset), within `bound`; what it sent.
async fn read_to_close(stream: &mut TcpStream, bound: Duration, what: &str) -> String {
    let mut received = Vec::new();
    let result = tokio::time::timeout(bound, async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    let text = String::from_utf8_lossy(&received).into_owned();
    assert!(result.is_ok(), "{what}: the connection was still open after {bound:?}; received so far: {text:?}");
    text
}

/// Read one response head (through the blank line) without waiting for the connection to end.
async fn read_head(stream: &mut TcpStream, bound: Duration, what: &str) -> String {
    let mut received = Vec::new();
    let result = tokio::time::timeout(bound, async {
        let mut byte = [0u8; 1];
        while !received.ends_with(b"\r\n\r\n") {
            match stream.read(&mut byte).await {
                Ok(0) | Err(_) => return false,
                Ok(_) => received.push(byte[0]),
            }
        }
        true
    })
    .await;
    let text = String::from_utf8_lossy(&received).into_owned();
    assert_eq!(result, Ok(true), "{what}: no complete response head within {bound:?}; received: {text:?}");
    text
}

/// Nothing but `expected` has arrived on this connection (it is still waiting).
fn assert_nothing_more(stream: &TcpStream, what: &str) {
    let mut buf = [0u8; 256];
    match stream.try_read(&mut buf) {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        other => panic!("{what}: expected no answer yet, got {other:?} {:?}", String::from_utf8_lossy(&buf)),
    }
}

struct Answer {
    status: u16,
    head: String,
    body: String,
}

impl Answer {
    /// The head and the start of the body, for failure messages (a tool list is long).
    fn summary(&self) -> String {
        let body: String = self.body.chars().take(300).collect();
        format!("{}\n{body}", self.head)
    }
}

fn parse(text: &str) -> Answer {
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((text, ""));
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    Answer { status, head: head.to_ascii_lowercase(), body: body.to_owned() }
}

/// One complete request on its own connection (`Connection: close`), answered within 10 s.
async fn request(addr: &str, text: String) -> Answer {
    let mut stream = connect(addr).await;
    stream.write_all(text.as_bytes()).await.expect("write");
    parse(&read_to_close(&mut stream, Duration::from_secs(10), "a complete request").await)
}

async fn tools_list(addr: &str, bearer: Option<&str>) -> Answer {
    let mut extra = vec!["Connection: close".to_owned()];
    extra.extend(bearer.map(|t| format!("Authorization: Bearer {t}")));
    request(addr, format!("{}{TOOLS_LIST}", head(addr, TOOLS_LIST.len(), &extra))).await
}

fn assert_tools_listed(answer: &Answer, what: &str) {
    assert_eq!(answer.status, 200, "{what}: {}", answer.summary());
    assert!(answer.body.contains("search_companies"), "{what}: {}", answer.body);
}

/// A request inside the app that waits for its body: it holds one slot until `finish`.
struct Holder {
    stream: TcpStream,
}

impl Holder {
    async fn start(addr: &str, bearer: Option<&str>) -> Holder {
        let mut extra = vec!["Expect: 100-continue".to_owned(), "Connection: close".to_owned()];
        extra.extend(bearer.map(|t| format!("Authorization: Bearer {t}")));
        let mut stream = connect(addr).await;
        stream.write_all(head(addr, TOOLS_LIST.len(), &extra).as_bytes()).await.expect("write");
        let interim = read_head(&mut stream, Duration::from_secs(10), "a slot holder").await;
        assert!(interim.starts_with("HTTP/1.1 100"), "the app reads the body: {interim:?}");
        Holder { stream }
    }

    async fn finish(mut self) -> Answer {
        self.stream.write_all(TOOLS_LIST.as_bytes()).await.expect("write the body");
        parse(&read_to_close(&mut self.stream, Duration::from_secs(10), "a finished holder").await)
    }
}

/// Sends `head` and then nothing more; the server must close within `bound`, after at least
/// `at_least` (so the close is the timeout's doing, not an error). What it sent before closing.
async fn stall(addr: &str, head: &str, at_least: Duration, bound: Duration, what: &str) -> String {
    let mut stream = connect(addr).await;
    stream.write_all(head.as_bytes()).await.expect("write");
    let started = Instant::now();
    let text = read_to_close(&mut stream, bound, what).await;
    assert!(
        started.elapsed() >= at_least,
        "{what}: closed after {:?}, before the timeout: {text:?}",
        started.elapsed()
    );
    text
}

/// The three slow heads every configuration must cut off: half a head, nothing at all, and an
/// HTTP/2 preface (h2 has no head timeout, so it must not be a way around it).
async fn slow_heads_are_cut_off(addr: &str) {
    let timeout_floor = Duration::from_millis(500);
    let bound = Duration::from_secs(6);
    let half = format!("POST /mcp HTTP/1.1\r\nHost: {addr}\r\nContent-Ty");
    let (half, silent, h2) = tokio::join!(
        stall(addr, &half, timeout_floor, bound, "half a head"),
        stall(addr, "", timeout_floor, bound, "a silent connection"),
        stall(addr, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", Duration::ZERO, bound, "an HTTP/2 preface"),
    );
    for (what, text) in [("half a head", &half), ("a silent connection", &silent), ("an HTTP/2 preface", &h2)] {
        assert!(!text.contains("HTTP/1.1 200"), "{what} was served: {text:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_heads_and_idle_connections_are_closed_after_the_header_timeout() {
    let mut serve = Serve::start(&[("INBOUND_AUTH", "off"), ("SERVE_HEADER_TIMEOUT_MS", "1000")]).await;
    let addr = serve.addr.clone();
    slow_heads_are_cut_off(&addr).await;

    // A kept-alive connection that sends no next request is closed the same way.
    let mut stream = connect(&addr).await;
    stream.write_all(format!("GET /health HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes()).await.expect("write");
    let first = read_head(&mut stream, Duration::from_secs(10), "health on a kept-alive connection").await;
    assert!(first.starts_with("HTTP/1.1 200"), "{first}");
    let started = Instant::now();
    read_to_close(&mut stream, Duration::from_secs(6), "an idle kept-alive connection").await;
    assert!(started.elapsed() >= Duration::from_millis(500), "closed after {:?}", started.elapsed());

    assert_tools_listed(&tools_list(&addr, None).await, "a normal request afterwards");
    serve.assert_alive();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_or_trickled_body_gets_408() {
    let mut serve = Serve::start(&[("INBOUND_AUTH", "off"), ("SERVE_BODY_TIMEOUT_MS", "1000")]).await;
    let addr = serve.addr.clone();

    // Twenty bytes of two hundred, then nothing.
    let stalled = format!("{}{}", head(&addr, 200, &[]), &TOOLS_LIST[..20]);
    let stalled = async {
        parse(&stall(&addr, &stalled, Duration::from_millis(500), Duration::from_secs(6), "a stalled body").await)
    };
    // A byte every 200 ms: never idle for long, but the whole body would take 40 s.
    let trickled = async {
        let mut stream = connect(&addr).await;
        stream.write_all(head(&addr, 200, &[]).as_bytes()).await.expect("write");
        let (mut reader, mut writer) = stream.into_split();
        let trickle = tokio::spawn(async move {
            for _ in 0..200 {
                if writer.write_all(b" ").await.is_err() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        });
        let mut received = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(6), reader.read_to_end(&mut received)).await;
        trickle.abort();
        let text = String::from_utf8_lossy(&received).into_owned();
        assert!(read.is_ok(), "a trickled body: no answer within 6 s: {text:?}");
        parse(&text)
    };
    let (stalled, trickled) = tokio::join!(stalled, trickled);
    for (what, answer) in [("a stalled body", stalled), ("a trickled body", trickled)] {
        assert_eq!(answer.status, 408, "{what}: {}", answer.summary());
        assert!(answer.head.contains("connection: close"), "{what}: {}", answer.head);
        assert!(answer.body.contains("1000 ms"), "{what}: {}", answer.body);
    }

    assert_tools_listed(&tools_list(&addr, None).await, "a normal request afterwards");
    serve.assert_alive();
}

/// Fill both slots with holders, check that more is shed at once and /health is not, then let
/// the holders finish and check that the server serves again.
async fn shed_while_full(addr: &str, bearer: Option<&str>, over_the_limit: &[Option<&str>]) {
    let first = Holder::start(addr, bearer).await;
    let second = Holder::start(addr, bearer).await;
    for token in over_the_limit {
        let started = Instant::now();
        let shed = tools_list(addr, *token).await;
        // The holders keep their slots for as long as the test likes (the body timeout is far
        // off), so an answer here means the request was not queued behind them.
        assert_eq!(shed.status, 503, "over the limit (token: {}): {}", token.is_some(), shed.summary());
        assert!(shed.head.contains("retry-after: 1"), "{}", shed.head);
        let body: Value = serde_json::from_str(&shed.body).expect("a JSON body");
        assert_eq!(body["error"], "overloaded", "{body}");
        assert!(started.elapsed() < Duration::from_secs(5), "shed after {:?}", started.elapsed());
    }
    assert_nothing_more(&first.stream, "the first holder");
    assert_nothing_more(&second.stream, "the second holder");
    let health = request(addr, format!("GET /health HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n")).await;
    assert_eq!(health.status, 200, "/health is outside the limit: {}", health.head);

    assert_tools_listed(&first.finish().await, "the first holder");
    assert_tools_listed(&second.finish().await, "the second holder");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_the_concurrency_limit_requests_are_shed_with_503_at_once() {
    let env = [("INBOUND_AUTH", "off"), ("SERVE_MAX_CONCURRENT", "2"), ("SERVE_BODY_TIMEOUT_MS", "60000")];
    let mut serve = Serve::start(&env).await;
    let addr = serve.addr.clone();
    shed_while_full(&addr, None, &[None]).await;
    assert_tools_listed(&tools_list(&addr, None).await, "a normal request once the holders are done");
    serve.assert_alive();
}

/// With token checks on, slow clients are cut off before any token is looked at, and the
/// concurrency limit counts requests before they are authenticated: when the slots are full an
/// unauthenticated request gets 503, not 401. A body the app need not read (no token) is
/// answered at once and holds nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_token_checks_on_the_limits_apply_before_authentication() {
    let idp = crate::common::platform::platform(&[platform_local::auth::Mode::Iam]).await;
    let issuer = format!("http://{}", idp.addr);
    let env = [
        ("INBOUND_AUTH", "jwt"),
        ("OIDC_ISSUER", issuer.as_str()),
        ("OIDC_AUDIENCE", defaults::MCP_AUDIENCE),
        ("SERVE_MAX_CONCURRENT", "2"),
        ("SERVE_HEADER_TIMEOUT_MS", "1000"),
        ("SERVE_BODY_TIMEOUT_MS", "60000"),
    ];
    let mut serve = Serve::start(&env).await;
    let addr = serve.addr.clone();
    slow_heads_are_cut_off(&addr).await;

    let stalled = format!("{}{}", head(&addr, 200, &[]), &TOOLS_LIST[..20]);
    let refused =
        parse(&stall(&addr, &stalled, Duration::ZERO, Duration::from_secs(6), "an unauthenticated body").await);
    assert_eq!(refused.status, 401, "answered before its body: {}", refused.summary());

    let now = now_seconds();
    let claims = json!({"iss": issuer, "aud": defaults::MCP_AUDIENCE, "sub": "user-7", "iat": now, "exp": now + 600,
        "scope": "mcp:read"});
    let token = mint_token(&claims, Some(KID)).expect("mint");
    shed_while_full(&addr, Some(&token), &[None, Some("not-a-token")]).await;

    assert_eq!(tools_list(&addr, None).await.status, 401, "without a token, once there is room");
    assert_tools_listed(&tools_list(&addr, Some(&token)).await, "with a token, once there is room");
    serve.assert_alive();
}

/// Ctrl-C (SIGINT) stops `serve` as before: no new connections, the requests in flight finish.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_stops_accepting_and_lets_requests_in_flight_finish() {
    let mut serve = Serve::start(&[("INBOUND_AUTH", "off")]).await;
    let addr = serve.addr.clone();
    let holder = Holder::start(&addr, None).await;
    let pid = serve.child.id().expect("running").to_string();
    let signalled = std::process::Command::new("kill").args(["-INT", &pid]).status().expect("kill -INT");
    assert!(signalled.success());

    let port = addr.rsplit(':').next().and_then(|p| p.parse().ok()).expect("a port");
    wait_for_port_closed(port, Duration::from_secs(10)).await.expect("no new connections after SIGINT");
    assert_tools_listed(&holder.finish().await, "the request in flight");
    let status = tokio::time::timeout(Duration::from_secs(10), serve.child.wait()).await;
    let status = status.expect("exits within 10 s once the last request is done").expect("wait");
    assert!(status.success(), "{status}:\n{}", serve.output.lock().unwrap().join("\n"));
}
