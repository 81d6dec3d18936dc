//! One binary, three ways in: Lambda (when `AWS_LAMBDA_RUNTIME_API` is set), `serve` (HTTP on a
//! local address) and `stdio` (newline-delimited JSON-RPC for desktop clients).

// The future of `main` holds rmcp's service over the handler, whose futures (a call's
// confirmation, tool run, platform request and audit) nest deeper than rustc's default of 128
// layout queries allows.
#![recursion_limit = "256"]

use std::sync::Arc;

use anyhow::{Context, bail};
use b2b_mcp::audit::JsonLineSink;
use b2b_mcp::config::settings;
use b2b_mcp::mcp::state::assemble;
use b2b_mcp::mcp::{prompts, resources};
use b2b_mcp::{McpServer, Mode, app, configure, listed_tools};
use rmcp::ServiceExt;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

#[cfg(any(
    all(
        feature = "alloc-by-place",
        any(feature = "alloc-jemalloc", feature = "alloc-mimalloc", feature = "alloc-system")
    ),
    all(feature = "alloc-jemalloc", any(feature = "alloc-mimalloc", feature = "alloc-system")),
    all(feature = "alloc-mimalloc", feature = "alloc-system")
))]
compile_error!("choose one allocator feature (with --no-default-features for any but the default)");
// glibc's malloc on Lambda, jemalloc in `serve` and `stdio`: allocator/src/lib.rs says why.
#[cfg(feature = "alloc-by-place")]
#[global_allocator]
static ALLOCATOR: b2b_allocator::ByPlace = b2b_allocator::ByPlace;
#[cfg(feature = "alloc-mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
#[cfg(feature = "alloc-jemalloc")]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// The allocator serving this process, for the start-up log line.
fn allocator() -> &'static str {
    #[cfg(feature = "alloc-by-place")]
    let name = ALLOCATOR.chosen().name();
    #[cfg(feature = "alloc-jemalloc")]
    let name = "jemalloc";
    #[cfg(feature = "alloc-mimalloc")]
    let name = "mimalloc";
    #[cfg(not(any(feature = "alloc-by-place", feature = "alloc-jemalloc", feature = "alloc-mimalloc")))]
    let name = "glibc";
    name
}

fn mode_from_args(args: &[String]) -> anyhow::Result<(Mode, Option<String>)> {
    if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some() {
        return Ok((Mode::Lambda, None));
    }
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        [] | ["serve"] => Ok((Mode::Serve, None)),
        ["serve", "--bind", addr] => Ok((Mode::Serve, Some((*addr).to_owned()))),
        ["stdio"] => Ok((Mode::Stdio, None)),
        ["--help" | "-h" | "help"] => {
            print!("{}", settings::usage());
            std::process::exit(0);
        }
        _ => bail!("{}", settings::usage()),
    }
}

fn init_logging(mode: Mode) {
    // LOG_LEVEL, RUST_LOG and the caps on chatty libraries: config::logging. The builder's own
    // level (info by default) is opened fully, so that filter alone decides.
    let filter = b2b_mcp::config::logging::log_filter(|name| std::env::var(name).ok());
    let builder = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_max_level(LevelFilter::TRACE);
    // In stdio mode stdout is the protocol channel: logs must go elsewhere.
    match mode {
        Mode::Stdio => builder.with_writer(std::io::stderr).finish().with(filter).init(),
        Mode::Lambda | Mode::Serve => builder.with_writer(std::io::stdout).finish().with(filter).init(),
    }
}

// One thread for init, Lambda and stdio: a Lambda function handles one invocation at a time on a
// fraction of a core, where a second worker thread only adds its start and its wake-ups.
// `serve` starts its own thread per core (web::serve).
#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mode, bind) = mode_from_args(&args)?;
    init_logging(mode);

    // `serve --bind` wins over BIND; both go through the same validation (auth off needs loopback).
    let lookup = |name: &str| match (name, &bind) {
        ("BIND", Some(bind)) => Some(bind.clone()),
        _ => std::env::var(name).ok(),
    };
    let config = configure(mode, lookup).context("configuration")?;
    let sink = match mode {
        Mode::Stdio => JsonLineSink::stderr(config.metrics_namespace.clone()),
        Mode::Lambda | Mode::Serve => JsonLineSink::stdout(config.metrics_namespace.clone()),
    };
    let state_store = match &config.state_table {
        Some(table) => format!("dynamodb:{table}"),
        None => "memory (limits and idempotency hold per instance)".to_owned(),
    };
    let state = assemble(config, Arc::new(sink)).await.context("backend and TLS setup")?;
    let c = &state.config;
    tracing::info!(
        stage = %c.stage,
        mode = ?mode,
        backend = if c.appsync.is_some() { "appsync" } else { "sample" },
        appsync_auth = c.appsync.as_ref().map_or("none", |a| a.auth.as_str()),
        init_ms = started.elapsed().as_secs_f64() * 1000.0,
        mutations = if c.allow_mutations { "on" } else { "off" },
        inbound_auth = ?c.inbound_auth,
        iam_writers = c.iam_writers.len(),
        tool_scopes = c.tool_scopes.len(),
        anonymous_reads = c.allow_anonymous_reads,
        state = %state_store,
        confirm_tools = ?c.confirm.tools,
        confirm_fallback = ?c.confirm.fallback,
        otlp = c.otlp_traces_endpoint.as_deref().map_or_else(|| "off".to_owned(), collector),
        tools = listed_tools(&state).len(),
        resources = resources::list().len() + resources::templates().len(),
        prompts = prompts::list().len(),
        allocator = allocator(),
        "configuration"
    );

    let listed = listed_tools(&state);
    let confirming = c.confirm.tools.iter().any(|t| listed.contains(&t.as_str()));
    if confirming && !state.confirmer.shared_key() {
        // One instance's key: a confirmation asked by one instance cannot be answered on another.
        tracing::warn!(
            tools = ?c.confirm.tools,
            "no CONFIRM_KEY_SECRET_ARN: confirmations and task ids are sealed with a random key of this process's own"
        );
    }
    let paid = "request_email_discovery";
    if matches!(c.stage.as_str(), "prod" | "staging")
        && listed.contains(&paid)
        && !c.confirm.tools.iter().any(|t| t == paid)
    {
        tracing::warn!(stage = %c.stage, "CONFIRM_TOOLS leaves out request_email_discovery: paid calls run without asking");
    }
    if c.state_table.is_none() && mode == Mode::Lambda {
        tracing::warn!("no STATE_TABLE: rate limits and idempotency hold per Lambda instance only");
    }

    match mode {
        Mode::Lambda => lambda_run(app(state)).await,
        Mode::Serve => {
            let ctrl_c = async {
                let _ = tokio::signal::ctrl_c().await;
            };
            let served = b2b_mcp::web::serve::listen(state, ctrl_c).await.context("HTTP server");
            b2b_mcp::trace::export::shutdown().await;
            served
        }
        Mode::Stdio => {
            let service = McpServer::new(state).serve(rmcp::transport::stdio()).await.context("stdio handshake")?;
            service.waiting().await.context("stdio session")?;
            b2b_mcp::trace::export::shutdown().await;
            Ok(())
        }
    }
}

/// A collector's URL as the start line shows it: scheme, host and port (no user, no query).
fn collector(endpoint: &str) -> String {
    match reqwest::Url::parse(endpoint) {
        Ok(url) => {
            format!("{}://{}:{}", url.scheme(), url.host_str().unwrap_or("-"), url.port_or_known_default().unwrap_or(0))
        }
        Err(_) => "-".to_owned(),
    }
}

async fn lambda_run(app: axum::Router) -> anyhow::Result<()> {
    b2b_mcp::web::lambda::run(app).await.map_err(|e| anyhow::anyhow!(e))
}
