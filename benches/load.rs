//! End to end on loopback, then load with faults, against the real `b2b-mcp serve` binary on the
//! local platform (SigV4, 20,000 companies):
//!
//! 1. search_companies sent straight to the platform's GraphQL endpoint, then through the MCP
//!    server, at concurrency 1, 16 and 64 (`PHASE_SECONDS`, default 10 s each): requests per
//!    second and p50/p99, so the MCP layer's share is visible as a ratio;
//! 2. 64 concurrent clients for `LOAD_SECONDS` (default 30 s) with a fault (HTTP 503) injected in
//!    one platform call in ten: every answer is checked (right companies, or a retry-safe error),
//!    the server's stderr is searched for panics, and its memory is sampled every 500 ms.
//!
//! Results go to `bench-results/load.txt`. `make bench` (or `cargo bench --bench load`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use b2b_mcp::backend::operations::SEARCH_COMPANIES;
use platform_local::auth::Mode as PlatformMode;
use platform_local::defaults;
use platform_local::testing::{TempPlatform, free_port, wait_for_listener_blocking};
use serde_json::{Value, json};

const COUNTRIES: [&str; 5] = ["DE", "FR", "US", "GB", "ES"];
const META: &str =
    r#"{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}"#;

fn seconds(var: &str, default: u64) -> Duration {
    Duration::from_secs(std::env::var(var).ok().and_then(|v| v.parse().ok()).unwrap_or(default))
}

struct Server {
    child: Child,
    url: String,
    stderr: std::path::PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn_server(platform: &platform_local::Running) -> Server {
    let port = free_port().expect("a free port");
    let stderr = std::env::temp_dir().join(format!("b2b-load-{}.err", std::process::id()));
    let mut child = Command::new(env!("CARGO_BIN_EXE_b2b-mcp"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("INBOUND_AUTH", "off")
        .env("STAGE", "load")
        .env("APPSYNC_URL", format!("http://{}/graphql", platform.addr))
        .env("APPSYNC_AUTH", "iam")
        .env("AWS_REGION", defaults::REGION)
        .env("AWS_ACCESS_KEY_ID", defaults::ACCESS_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", defaults::SECRET_ACCESS_KEY)
        .env("AI_SEARCH_PER_MINUTE", "1000000")
        // One caller sends every request: the per-caller limits (120 a minute per tool by
        // default) are not what is measured here.
        .env("RATE_LIMITS", "*=4000000000/min,*=4000000000/day")
        .stdin(Stdio::null())
        // Audit lines (one per call) are not what is measured here.
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&stderr).unwrap())
        .spawn()
        .expect("spawn b2b-mcp serve");
    let exited = || child.try_wait().ok().flatten().map(|status| format!("b2b-mcp serve exited ({status})"));
    wait_for_listener_blocking(port, Duration::from_secs(30), exited).expect("server starts");
    Server { child, url: format!("http://127.0.0.1:{port}/mcp"), stderr }
}

/// Resident memory of a process, in KiB: now (`VmRSS`) and its peak (`VmHWM`).
fn memory_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

#[derive(Default)]
struct Tally {
    ok: AtomicU64,
    retry_safe_errors: AtomicU64,
    wrong: AtomicU64,
}

/// One request of a phase: `Ok(true)` a correct answer, `Ok(false)` a retry-safe error result,
/// `Err(_)` a wrong answer.
type Outcome = Result<bool, String>;

async fn run_phase<F, Fut>(concurrency: usize, duration: Duration, make: F) -> (Vec<Duration>, Tally)
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Outcome> + Send,
{
    let make = Arc::new(make);
    let tally = Arc::new(Tally::default());
    let stop = Instant::now() + duration;
    let workers: Vec<_> = (0..concurrency)
        .map(|worker| {
            let (make, tally) = (make.clone(), tally.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut n = worker as u64;
                while Instant::now() < stop {
                    let started = Instant::now();
                    match make(n).await {
                        Ok(true) => tally.ok.fetch_add(1, Ordering::Relaxed),
                        Ok(false) => tally.retry_safe_errors.fetch_add(1, Ordering::Relaxed),
                        Err(e) => {
                            eprintln!("WRONG ANSWER: {e}");
                            tally.wrong.fetch_add(1, Ordering::Relaxed)
                        }
                    };
                    latencies.push(started.elapsed());
                    n += concurrency as u64;
                }
                latencies
            })
        })
        .collect();
    let mut all = Vec::new();
    for w in workers {
        all.extend(w.await.unwrap());
    }
    all.sort_unstable();
    (all, Arc::try_unwrap(tally).unwrap_or_default())
}

fn percentile(sorted: &[Duration], q: f64) -> f64 {
    sorted
        .get(((sorted.len() as f64 * q) as usize).min(sorted.len().saturating_sub(1)))
        .map_or(0.0, |d| d.as_secs_f64() * 1e3)
}

fn mcp_body(n: u64) -> (Value, &'static str, String) {
    let country = COUNTRIES[(n % 5) as usize];
    match n % 10 {
        0..=6 => (json!({"country": country, "limit": 10}), "search_companies", country.to_owned()),
        7 | 8 => {
            let id = format!("c_{:07}", 1 + n % 20_000);
            (json!({"id": id}), "get_company", id)
        }
        _ => {
            let ids: Vec<String> = (0..3).map(|i| format!("c_{:07}", 1 + (n * 7 + i) % 20_000)).collect();
            (json!({"ids": ids}), "get_companies_batch", ids.join(","))
        }
    }
}

/// Is this tool result right for what was asked (or an honest, retry-safe refusal)?
fn judge(tool: &str, expected: &str, response: &Value) -> Outcome {
    let result = &response["result"];
    if result["isError"] == true {
        let text = result["content"][0]["text"].as_str().unwrap_or_default();
        return if text.contains("retry") { Ok(false) } else { Err(format!("{tool}: unexpected error {text}")) };
    }
    let content = &result["structuredContent"];
    let right = match tool {
        "search_companies" => content["companies"]
            .as_array()
            .is_some_and(|c| !c.is_empty() && c.len() <= 10 && c.iter().all(|x| x["country"] == expected)),
        "get_company" => content["id"] == expected,
        _ => {
            let asked: Vec<&str> = expected.split(',').collect();
            let got: Vec<String> = content["companies"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|c| c["id"].as_str().map(str::to_owned))
                .collect();
            !got.is_empty() && got.iter().all(|id| asked.contains(&id.as_str()))
        }
    };
    if right { Ok(true) } else { Err(format!("{tool}({expected}): {content}")) }
}

async fn mcp_call(http: &reqwest::Client, url: &str, n: u64) -> Outcome {
    let (arguments, tool, expected) = mcp_body(n);
    let body = format!(
        r#"{{"jsonrpc":"2.0","id":{n},"method":"tools/call","params":{{"name":"{tool}","arguments":{arguments},"_meta":{META}}}}}"#
    );
    let response = http
        .post(url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", "tools/call")
        .header("mcp-name", tool)
        .body(body)
        .send()
        .await
        .map_err(|e| format!("transport: {e}"))?;
    let status = response.status();
    let value: Value = response.json().await.map_err(|e| format!("{status}: body: {e}"))?;
    judge(tool, &expected, &value)
}

async fn direct_search(http: &reqwest::Client, url: &str, n: u64) -> Outcome {
    let country = COUNTRIES[(n % 5) as usize];
    let body = json!({"query": SEARCH_COMPANIES.document, "operationName": SEARCH_COMPANIES.name,
        "variables": {"filter": {"country": country}, "limit": 10}});
    let response = http
        .post(url)
        .header("x-api-key", defaults::API_KEY)
        .json(&body)
        .send()
        .await
        .map_err(|e| format!("transport: {e}"))?;
    let value: Value = response.json().await.map_err(|e| format!("body: {e}"))?;
    let items = value["data"]["searchCompanies"]["items"].as_array().cloned().unwrap_or_default();
    if !items.is_empty() && items.iter().all(|c| c["country"] == country) { Ok(true) } else { Err(format!("{value}")) }
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(async_main());
}

async fn async_main() {
    let phase = seconds("PHASE_SECONDS", 10);
    let load = seconds("LOAD_SECONDS", 30);
    let platform =
        TempPlatform::start_with(&[PlatformMode::Iam, PlatformMode::ApiKey], 20_000, 42).await.expect("platform");
    let server = spawn_server(&platform);
    let http = reqwest::Client::builder().pool_max_idle_per_host(128).build().unwrap();
    let graphql = format!("http://{}/graphql", platform.addr);

    let mut report = format!(
        "End to end on loopback, search_companies (country, limit 10), {} s per row; 20,000 companies\n\
         path      concurrency   requests/s   p50_ms   p99_ms\n",
        phase.as_secs()
    );
    let mut ratios = Vec::new();
    for concurrency in [1, 16, 64] {
        let (h, g) = (http.clone(), graphql.clone());
        let (direct, t1) = run_phase(concurrency, phase, move |n| {
            let (h, g) = (h.clone(), g.clone());
            async move { direct_search(&h, &g, n).await }
        })
        .await;
        let (h, u) = (http.clone(), server.url.clone());
        let (mcp, t2) = run_phase(concurrency, phase, move |n| {
            let (h, u) = (h.clone(), u.clone());
            async move { mcp_call(&h, &u, n * 10).await }
        })
        .await;
        assert_eq!(t1.wrong.load(Ordering::Relaxed) + t2.wrong.load(Ordering::Relaxed), 0, "wrong answers");
        for (path, samples) in [("graphql", &direct), ("mcp", &mcp)] {
            report.push_str(&format!(
                "{path:<9} {concurrency:>11} {:>12.0} {:>8.2} {:>8.2}\n",
                samples.len() as f64 / phase.as_secs_f64(),
                percentile(samples, 0.5),
                percentile(samples, 0.99)
            ));
        }
        ratios.push((
            concurrency,
            mcp.len() as f64 / direct.len().max(1) as f64,
            percentile(&mcp, 0.5) / percentile(&direct, 0.5).max(1e-9),
        ));
    }
    for (c, throughput, latency) in &ratios {
        report.push_str(&format!("MCP / direct at {c:>2}: throughput x{throughput:.2}, p50 latency x{latency:.2}\n"));
    }

    // Load with faults: one platform call in ten answers 503.
    let admin = format!("http://{}/_admin/faults", platform.addr);
    http.post(&admin).json(&json!({"status": 503, "every": 10})).send().await.unwrap().error_for_status().unwrap();
    let pid = server.child.id();
    let sampling = Arc::new(AtomicBool::new(true));
    let sampler = {
        let sampling = sampling.clone();
        tokio::spawn(async move {
            let mut samples = Vec::new();
            while sampling.load(Ordering::Relaxed) {
                samples.push(memory_kib(pid).0);
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            samples
        })
    };
    let (h, u) = (http.clone(), server.url.clone());
    let (latencies, tally) = run_phase(64, load, move |n| {
        let (h, u) = (h.clone(), u.clone());
        async move { mcp_call(&h, &u, n).await }
    })
    .await;
    sampling.store(false, Ordering::Relaxed);
    let rss = sampler.await.unwrap();
    let (_, peak) = memory_kib(pid);
    let stderr = std::fs::read_to_string(&server.stderr).unwrap_or_default();
    let panics = stderr.matches("panicked").count();
    let wrong = tally.wrong.load(Ordering::Relaxed);
    let quarter = (rss.len() / 4).max(1);
    let avg = |s: &[u64]| s.iter().sum::<u64>() / s.len().max(1) as u64;
    report.push_str(&format!(
        "\nLoad: 64 clients for {} s, a 503 injected in 1 of 10 platform calls; mixed reads (70% search, 20% get_company, 10% batch)\n\
         requests {}  ({:.0}/s)  correct {}  retry-safe errors {}  wrong answers {}  panics {}\n\
         latency p50 {:.2} ms  p99 {:.2} ms\n\
         server RSS: first quarter avg {} KiB, last quarter avg {} KiB, peak {} KiB\n",
        load.as_secs(),
        latencies.len(),
        latencies.len() as f64 / load.as_secs_f64(),
        tally.ok.load(Ordering::Relaxed),
        tally.retry_safe_errors.load(Ordering::Relaxed),
        wrong,
        panics,
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        avg(&rss[..quarter.min(rss.len())]),
        avg(&rss[rss.len().saturating_sub(quarter)..]),
        peak,
    ));
    print!("\n{report}");
    let dir =
        std::env::var("BENCH_RESULTS").unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/bench-results").into());
    let _ = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(format!("{dir}/load.txt"), &report));
    drop(server);
    assert_eq!(wrong, 0, "wrong answers under load");
    assert_eq!(panics, 0, "panics under load");
}
