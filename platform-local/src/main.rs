//! `platform-local`: serve the local B2B platform (GraphQL at /graphql) on loopback.
//!
//! ```text
//! platform-local [--port 4000] [--db PATH] [--companies 20000] [--seed 42] [--auth api_key,iam,oidc]
//!                [--discovery-schedule 2000,10000]   # e-mail discoveries: RUNNING after 2 s,
//!                                 # COMPLETED (or FAILED) after 10 s, counted from the request
//!                [--tls] [--tls-dir DIR]   # HTTPS (local/test only); also PLATFORM_TLS=1.
//!                                 # The CA is made at first start in DIR (default: tls/ beside
//!                                 # the database): point the MCP server's LOCAL_CA_FILE at DIR/ca.pem.
//! platform-local mint-token [--sub local-user] [--scope 'mcp:read mcp:write'] [--ttl 3600] [--port 4000]
//!                           [--tls]   # a caller's token for the MCP server (make run AUTH=jwt);
//!                                 # with --tls (or PLATFORM_TLS=1) issued by https://localhost:PORT
//! platform-local mint-token --appsync [--sub S]   # a token for the platform's own OIDC mode
//! ```

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::SystemTime;

use anyhow::{Context, bail};
use platform_local::auth::{self, Mode};
use platform_local::defaults;
use platform_local::discovery::DiscoverySchedule;
use platform_local::tls::TlsFiles;
use platform_local::{Settings, start};

fn value<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).map(String::as_str)
}

/// HTTPS was asked for: `--tls`, `--tls-dir DIR`, or `PLATFORM_TLS=1` (or `true`).
fn tls_asked(args: &[String]) -> bool {
    args.iter().any(|a| a == "--tls" || a == "--tls-dir")
        || matches!(std::env::var("PLATFORM_TLS").as_deref().map(str::trim), Ok("1" | "true"))
}

fn auth_modes(modes: &str) -> anyhow::Result<Vec<Mode>> {
    modes
        .split(',')
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .map(|m| match m {
            "api_key" => Ok(Mode::ApiKey),
            "iam" => Ok(Mode::Iam),
            "oidc" => Ok(Mode::Oidc),
            other => bail!("unknown auth mode {other:?}: use api_key, iam, oidc"),
        })
        .collect()
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("mint-token") {
        let sub = value(&args, "--sub").unwrap_or("local-user");
        let ttl: i64 = value(&args, "--ttl").unwrap_or("3600").parse().context("--ttl seconds")?;
        // --appsync: a token for the platform's own OIDC mode (what the MCP server sends AppSync).
        let token = if args.iter().any(|a| a == "--appsync") {
            auth::mint_test_token(
                auth::TEST_PRIVATE_KEY_PEM,
                sub,
                defaults::ISSUER,
                defaults::AUDIENCE,
                ttl,
                SystemTime::now(),
            )?
        } else {
            // A caller's token for the MCP server (`make run AUTH=jwt`), issued by this platform.
            let port = value(&args, "--port").unwrap_or("4000");
            let base =
                if tls_asked(&args) { format!("https://localhost:{port}") } else { format!("http://127.0.0.1:{port}") };
            let issuer = value(&args, "--issuer").map_or(base, str::to_owned);
            let now = auth::now_seconds();
            let claims = serde_json::json!({
                "sub": sub, "iss": issuer, "aud": value(&args, "--audience").unwrap_or(defaults::MCP_AUDIENCE),
                "scope": value(&args, "--scope").unwrap_or("mcp:read mcp:write"), "iat": now, "exp": now + ttl,
            });
            auth::mint_token(&claims, Some(auth::KID))?
        };
        println!("{token}");
        return Ok(());
    }
    let port: u16 = value(&args, "--port").unwrap_or("4000").parse().context("--port")?;
    let companies: u64 = value(&args, "--companies").unwrap_or("20000").parse().context("--companies")?;
    let seed: u64 = value(&args, "--seed").unwrap_or("42").parse().context("--seed")?;
    let db_path = value(&args, "--db")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(format!(".tools/platform/companies-{companies}-{seed}.sqlite")));
    if let Some(dir) = db_path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let tls = if tls_asked(&args) {
        let dir = value(&args, "--tls-dir")
            .map(PathBuf::from)
            .unwrap_or_else(|| db_path.parent().unwrap_or(std::path::Path::new(".")).join("tls"));
        Some(TlsFiles::load_or_create(&dir).with_context(|| format!("the TLS files in {}", dir.display()))?)
    } else {
        None
    };
    let discovery_schedule: DiscoverySchedule = match value(&args, "--discovery-schedule") {
        Some(text) => text.parse().context("--discovery-schedule")?,
        None => DiscoverySchedule::default(),
    };
    let settings = Settings {
        bind: SocketAddr::from(([127, 0, 0, 1], port)),
        db_path: db_path.clone(),
        companies,
        seed,
        auth: defaults::auth_config(&auth_modes(value(&args, "--auth").unwrap_or("api_key,iam,oidc"))?),
        progress: true,
        tls,
        discovery_schedule,
        request_log: true,
    };
    let started = std::time::Instant::now();
    let running = start(settings).await?;
    eprintln!(
        "platform-local: {companies} companies (seed {seed}) in {} ready in {:.1} s; GraphQL at {}/graphql",
        db_path.display(),
        started.elapsed().as_secs_f64(),
        running.base_url()
    );
    if let Some(tls) = &running.tls {
        eprintln!(
            "platform-local: HTTPS with a local CA (local/test only): {} (the MCP server's LOCAL_CA_FILE)",
            tls.ca_file().display()
        );
    }
    tokio::signal::ctrl_c().await?;
    Ok(())
}
