//! Cold start as a deployed stage pays it: from process start to the first answered
//! `tools/call search_companies`, over HTTPS, at Lambda's CPU share for each memory size.
//!
//! - Every binary runs in Lambda mode against a fake Runtime API in this process
//!   ([`runtime`]), which hands it `events/apigw-v2-tools-call.json`, then a few more for the
//!   warm figure. Init is spawn to the first `next`; the first call is `next` to its answer.
//! - The platform serves HTTPS with its generated CA (the server trusts it through
//!   `LOCAL_CA_FILE`); in the api_key mode the secret comes from Secrets Manager (moto) behind a
//!   TLS front with the same CA. So the first call pays the TLS handshakes a stage pays.
//! - Each process runs inside a cgroup at the CPU share of 128, 256, 512 and 1024 MB
//!   ([`share`]), or on whole cores where that is impossible (the table says so).
//! - Binaries: `b2b-mcp`; the floor (`examples/lambda_floor.rs`: the same one authenticated
//!   HTTPS POST with the same stack, and nothing else) in both modes; the lambda_http
//!   hello-world (`examples/lambda_hello.rs`) for reference. Ratios are against the floor.
//! - From the medians, the billed milliseconds and the cost per million calls ([`report`]).
//!
//! The binaries are the release profile's, `b2b-mcp` with the Lambda artifact's features (what
//! `cargo lambda build` takes from Cargo.toml's `[package.metadata.lambda.build]`; the table's
//! header says which, from `COLD_START_BUILT_AS`), copied to `COLD_START_BINARIES` by
//! `make bench-cold-start`. Results: `bench-results/cold-start.txt`
//! (or under `BENCH_RESULTS`).
//!
//! Optional rows, in the iam mode, in the same alternating rounds (the default table is
//! unchanged without them):
//! - `COLD_START_OTLP=1`: `b2b-mcp` with span export on (`b2b+otlp`): `OTEL_EXPORTER_OTLP_ENDPOINT`
//!   names an OTLP/HTTP sink the bench starts (benches/common/otlp_sink.rs, on a thread of its
//!   own, outside the function's CPU share). In Lambda each invocation's spans are sent before
//!   its answer, so the first answer includes the exporter's start and one export. The report
//!   adds the spans the sink received against the three an invocation makes (request, tool,
//!   AppSync).
//! - `COLD_START_BASELINE_BINARY=path`: another build of `b2b-mcp` (`baseline`, an earlier
//!   commit's), copied beside the others and run from there, for a before and after measured
//!   alike.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[path = "../common/otlp_sink.rs"]
#[allow(dead_code)] // settle() and cpu() are the throughput bench's
mod otlp_sink;
mod report;
mod runtime;
mod share;

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use platform_local::auth::Mode as PlatformMode;
use platform_local::defaults;
use platform_local::testing::{TempPlatform, TlsFront, free_port, wait_for_port};
use report::{Cell, Sample};
use runtime::Runtime;
use serde_json::Value;
use share::Share;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
/// Warm invocations after the cold one, per process.
const WARM_CALLS: usize = 5;
const MEMORY_SIZES: [u64; 4] = [128, 256, 512, 1024];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Binary {
    Server,
    Floor,
    Hello,
}

/// Which build of `b2b-mcp` a row runs, and how: the default table has only `Default` rows.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Row {
    Default,
    /// Span export on, to the bench's sink (`COLD_START_OTLP=1`).
    Otlp,
    /// `COLD_START_BASELINE_BINARY`.
    Baseline,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum AuthMode {
    Iam,
    ApiKey,
}

impl AuthMode {
    pub fn name(self) -> &'static str {
        match self {
            AuthMode::Iam => "iam",
            AuthMode::ApiKey => "api_key",
        }
    }
}

/// The world the functions reach: the HTTPS platform, and Secrets Manager behind TLS.
struct Backends {
    platform: TempPlatform,
    secrets_url: String,
    secret_arn: String,
    _moto: KillOnDrop,
    _front: TlsFront,
}

struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn moto_server() -> PathBuf {
    let venv = std::env::var_os("B2B_TOOLS_VENV").or_else(|| std::env::var_os("VENV")).map(PathBuf::from);
    let moto = venv.unwrap_or_else(|| Path::new(ROOT).join(".tools/venv")).join("bin/moto_server");
    assert!(moto.exists(), "{} is missing: run `make tools` (make bench-cold-start does)", moto.display());
    moto
}

impl Backends {
    async fn start() -> Backends {
        let platform = TempPlatform::start_tls(&[PlatformMode::Iam, PlatformMode::ApiKey]).await.expect("platform");
        let port = free_port().unwrap();
        let moto = std::process::Command::new(moto_server())
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server starts");
        let moto = KillOnDrop(moto);
        wait_for_port(port, Duration::from_secs(30)).await.expect("moto listens");
        let sdk = aws_config::SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new(defaults::REGION))
            .credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(
                aws_credential_types::Credentials::new("bench", "bench", None, None, "bench"),
            ))
            .http_client(b2b_mcp::outbound::Outbound::new(None).expect("system roots").aws())
            .build();
        let config = aws_sdk_secretsmanager::config::Builder::from(&sdk)
            .endpoint_url(format!("http://127.0.0.1:{port}"))
            .build();
        let created = aws_sdk_secretsmanager::Client::from_conf(config)
            .create_secret()
            .name("b2b-mcp/bench/appsync-api-key")
            .secret_string(defaults::API_KEY)
            .send()
            .await
            .expect("secret created in moto");
        let front = TlsFront::start(([127, 0, 0, 1], port).into(), platform.tls_files().expect("TLS platform"))
            .await
            .expect("TLS front for Secrets Manager");
        Backends {
            secrets_url: front.url(),
            secret_arn: created.arn().unwrap().to_owned(),
            platform,
            _moto: moto,
            _front: front,
        }
    }

    /// What a function needs to reach them as a deployed stage reaches AppSync.
    fn env(&self, mode: AuthMode) -> Vec<(&'static str, String)> {
        let mut env = vec![
            ("STAGE", "bench".to_owned()),
            ("APPSYNC_URL", self.platform.graphql_url()),
            ("APPSYNC_AUTH", mode.name().to_owned()),
            ("AWS_REGION", defaults::REGION.to_owned()),
            ("AWS_ACCESS_KEY_ID", defaults::ACCESS_KEY_ID.to_owned()),
            ("AWS_SECRET_ACCESS_KEY", defaults::SECRET_ACCESS_KEY.to_owned()),
            ("LOCAL_CA_FILE", self.platform.ca_file().expect("TLS platform").display().to_string()),
        ];
        if mode == AuthMode::ApiKey {
            env.push(("APPSYNC_SECRET_ARN", self.secret_arn.clone()));
            env.push(("SECRETS_ENDPOINT_URL", self.secrets_url.clone()));
        }
        env
    }
}

/// Peak resident memory of a process, in KiB (`VmHWM`).
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let line = status.lines().find(|l| l.starts_with("VmHWM:"));
    line.and_then(|l| l.split_whitespace().nth(1)).and_then(|v| v.parse().ok()).unwrap_or(0)
}

/// CPU time a process has used so far, all its threads (`/proc/PID/task/*/schedstat`, ns).
fn cpu_used(pid: u32) -> Duration {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).into_iter().flatten().flatten();
    let ns = tasks
        .filter_map(|task| std::fs::read_to_string(task.path().join("schedstat")).ok())
        .filter_map(|line| line.split_whitespace().next().and_then(|n| n.parse::<u64>().ok()))
        .sum();
    Duration::from_nanos(ns)
}

/// A function's stdout and stderr, in a file removed when dropped.
struct FunctionLog {
    path: PathBuf,
    file: std::fs::File,
}

impl FunctionLog {
    fn create() -> FunctionLog {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("b2b-cold-start-{}-{n}.log", std::process::id()));
        let file = std::fs::File::create(&path).expect("the function's log file");
        FunctionLog { path, file }
    }

    fn reopen(&self) -> std::io::Result<std::fs::File> {
        self.file.try_clone()
    }

    fn tail(&self, lines: usize) -> String {
        let text = std::fs::read_to_string(&self.path).unwrap_or_default();
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }
}

impl Drop for FunctionLog {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// A function's process and its cgroup: on drop (the run's end, or a panic in it) the process
/// is killed and waited for, then its group removed.
struct Running {
    child: Child,
    _group: share::Group,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One process: spawned inside `share`, one cold and [`WARM_CALLS`] warm invocations.
async fn once(path: &Path, binary: Binary, share: &Share, env: &[(&'static str, String)], event: &str) -> Sample {
    let rt = Runtime::start().await;
    rt.reset(std::iter::repeat_n(event.to_owned(), 1 + WARM_CALLS));
    // The function's output, kept for a failure's message: a file, so that writing it costs the
    // function what writing to CloudWatch's pipe would, and nothing reads it during the run.
    let log = FunctionLog::create();
    let memory = share.memory_mb.unwrap_or(1024).to_string();
    let (mut command, group) = share.command(path);
    let started = Instant::now();
    let child = command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("AWS_LAMBDA_RUNTIME_API", &rt.addr)
        .env("AWS_LAMBDA_FUNCTION_NAME", "b2b-mcp-bench")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", memory)
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/b2b-mcp-bench")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdin(Stdio::null())
        .stdout(log.reopen().expect("the function's log file"))
        .stderr(log.reopen().expect("the function's log file"))
        .spawn()
        .expect("spawn the function");
    let running = Running { child, _group: group };
    let pid = running.child.id();
    let cold_done = rt.wait_answers(1, Duration::from_secs(60)).await;
    let peak_rss_kib = peak_rss_kib(pid);
    let cpu = cpu_used(pid);
    let warm_done = cold_done && rt.wait_answers(1 + WARM_CALLS, Duration::from_secs(60)).await;
    drop(running);
    let run = rt.take();
    if let Some(error) = run.error {
        panic!("{}: the function reported an error: {error}", path.display());
    }
    assert!(
        warm_done,
        "{}: {} of {} answers within 60 s; the function's last output:\n{}",
        path.display(),
        run.answers.len(),
        1 + WARM_CALLS,
        log.tail(30)
    );
    for (_, body) in &run.answers {
        let answer: Value = serde_json::from_str(body).expect("the function's answer is JSON");
        // A wrong answer (an error result) is the function's own fault: show what it logged.
        if let Err(panic) = std::panic::catch_unwind(|| check(binary, &answer)) {
            eprintln!("{}: a wrong answer; the function's last output:\n{}", path.display(), log.tail(30));
            std::panic::resume_unwind(panic);
        }
    }
    let answered = run.answers[0].0;
    let mut warm: Vec<Duration> = (1..=WARM_CALLS).map(|i| run.answers[i].0 - run.polls[i]).collect();
    warm.sort();
    Sample {
        init: run.polls[0] - started,
        first_call: answered - run.polls[0],
        total: answered - started,
        warm: warm[warm.len() / 2],
        cpu,
        peak_rss_kib,
    }
}

/// Every answer must be the real one: companies found, through the platform.
fn check(binary: Binary, answer: &Value) {
    assert_eq!(answer["statusCode"], 200, "{binary:?}: {answer}");
    let body: Value = serde_json::from_str(answer["body"].as_str().expect("body")).unwrap_or(Value::Null);
    let companies = match binary {
        Binary::Server => {
            assert_eq!(body["result"]["isError"], false, "{body}");
            &body["result"]["structuredContent"]["companies"]
        }
        Binary::Floor => &body["data"]["searchCompanies"]["items"],
        Binary::Hello => return,
    };
    assert!(!companies.as_array().expect("companies").is_empty(), "{binary:?}: {body}");
}

fn main() {
    // `cargo bench` passes `--bench`; this harness takes no options.
    let dir = std::env::var_os("COLD_START_BINARIES").map(PathBuf::from).unwrap_or_else(|| {
        panic!("COLD_START_BINARIES is not set: run `make bench-cold-start` (it builds the release binaries first)")
    });
    let paths = [(Binary::Server, "b2b-mcp"), (Binary::Floor, "lambda_floor"), (Binary::Hello, "lambda_hello")]
        .map(|(binary, name)| (binary, dir.join(name)));
    for (_, path) in &paths {
        assert!(path.exists(), "{} is missing: run `make bench-cold-start`", path.display());
    }
    let runs: usize = std::env::var("COLD_START_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(7);
    let results = std::env::var_os("BENCH_RESULTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(ROOT).join("bench-results"))
        .join("cold-start.txt");

    let tokio = tokio::runtime::Runtime::new().unwrap();
    let backends = tokio.block_on(Backends::start());
    let event = std::fs::read_to_string(Path::new(ROOT).join("events/apigw-v2-tools-call.json")).unwrap();

    let mut shares = Vec::new();
    let mut note = None;
    for mb in MEMORY_SIZES {
        match Share::lambda(mb) {
            Ok(share) => shares.push(share),
            Err(why) => {
                note = Some(format!("no CPU share ({why}): every row runs on whole cores, NOT at Lambda's share"));
                shares.clear();
                shares.push(Share::whole_cores());
                break;
            }
        }
    }
    let mut variants = vec![
        (Binary::Server, AuthMode::Iam, Row::Default),
        (Binary::Floor, AuthMode::Iam, Row::Default),
        (Binary::Server, AuthMode::ApiKey, Row::Default),
        (Binary::Floor, AuthMode::ApiKey, Row::Default),
        (Binary::Hello, AuthMode::Iam, Row::Default),
    ];
    let sink = std::env::var("COLD_START_OTLP").is_ok_and(|v| v == "1").then(otlp_sink::Sink::start);
    if sink.is_some() {
        variants.push((Binary::Server, AuthMode::Iam, Row::Otlp));
    }
    // Copied beside the others first: the same binary run from a file written hours earlier
    // took 30% more CPU to its first answer, and had less resident, than a fresh copy of it
    // (page cache state, not the code; an A/A run showed it).
    let baseline = std::env::var_os("COLD_START_BASELINE_BINARY").map(|given| {
        let copy = dir.join("b2b-mcp-baseline");
        std::fs::copy(&given, &copy).unwrap_or_else(|e| panic!("COLD_START_BASELINE_BINARY {given:?}: {e}"));
        variants.push((Binary::Server, AuthMode::Iam, Row::Baseline));
        (PathBuf::from(given), copy)
    });
    let mut cells = Vec::new();
    let mut otlp_invocations = 0;
    for share in &shares {
        eprintln!("cold start at {}", share.label());
        let mut samples: Vec<Vec<Sample>> = variants.iter().map(|_| Vec::new()).collect();
        // Alternate the variants run by run, so drift on a noisy machine falls on all of them;
        // the first round warms the page cache and is not counted.
        for round in 0..=runs {
            for (i, (binary, mode, row)) in variants.iter().enumerate() {
                let path = match (row, &baseline) {
                    (Row::Baseline, Some((_, copy))) => copy,
                    _ => &paths.iter().find(|(b, _)| b == binary).unwrap().1,
                };
                let mut env = if *binary == Binary::Hello { Vec::new() } else { backends.env(*mode) };
                if let (Row::Otlp, Some(sink)) = (row, &sink) {
                    env.push(("OTEL_EXPORTER_OTLP_ENDPOINT", sink.url.clone()));
                    otlp_invocations += 1 + WARM_CALLS;
                }
                let sample = tokio.block_on(once(path, *binary, share, &env, &event));
                if round > 0 {
                    samples[i].push(sample);
                }
            }
        }
        for ((binary, mode, row), samples) in variants.iter().zip(samples) {
            cells.push(Cell::new(share.memory_mb, *binary, *mode, *row, &samples));
        }
    }
    let sizes = paths.map(|(binary, path)| (binary, std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)));
    let mut text = report::render(&cells, runs, &sizes, note.as_deref());
    if let Some((given, copy)) = &baseline {
        let bytes = std::fs::metadata(copy).map(|m| m.len()).unwrap_or(0);
        text.push_str(&format!(
            "\n# baseline: {} ({bytes} bytes), run from a copy beside the others\n",
            given.display()
        ));
    }
    if let Some(sink) = &sink {
        text.push_str(&report::sink_line(&sink.received(), otlp_invocations, &sink.url));
    }
    print!("{text}");
    if let Some(parent) = results.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&results, text).unwrap();
    drop(shares);
    drop(backends);
}
