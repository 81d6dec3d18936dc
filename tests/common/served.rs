//! The `b2b-mcp` binary itself in `serve` mode on a loopback port of its own, backed by a local
//! platform over HTTP with SigV4, as a deployed stage reaches AppSync. Its log goes to a file,
//! shown when a check fails.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use platform_local::defaults;
use platform_local::testing::TempPlatform;
use tokio::process::{Child, Command};

/// The address `serve` binds when a test starts it: port 0, so the kernel gives it a port no
/// other process holds. A port chosen first and handed over could be taken in between by another
/// test run on the machine (it happened to moto's, tests/e2e/moto.rs).
pub const ANY_LOOPBACK_PORT: &str = "127.0.0.1:0";

/// The MCP URL in `serve`'s "serving MCP over HTTP" log line, once `lines` hold it.
pub fn serving_url<'a>(lines: impl IntoIterator<Item = &'a str>) -> Option<String> {
    lines
        .into_iter()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find(|v| v["message"] == "serving MCP over HTTP")
        .and_then(|v| v["url"].as_str().map(str::to_owned))
}

/// The MCP URL `serve` logs once it listens ("serving MCP over HTTP"), read from its log file;
/// `exited` reports the process ending first.
pub async fn logged_url(
    log: &Path,
    timeout: Duration,
    mut exited: impl FnMut() -> Option<String>,
) -> Result<String, String> {
    let started = Instant::now();
    loop {
        if let Some(report) = exited() {
            return Err(report);
        }
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if let Some(url) = serving_url(text.lines()) {
            return Ok(url);
        }
        if started.elapsed() >= timeout {
            return Err(format!("no \"serving MCP over HTTP\" line within {timeout:?}:\n{text}"));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// What the server needs to reach `platform` as a deployed stage reaches AppSync: the URL and
/// SigV4 with credentials from the environment (the platform's test-only keys).
pub fn backend_env(platform: &TempPlatform) -> Vec<(&'static str, String)> {
    vec![
        ("APPSYNC_URL", platform.graphql_url()),
        ("APPSYNC_AUTH", "iam".into()),
        ("AWS_REGION", defaults::REGION.into()),
        ("AWS_ACCESS_KEY_ID", defaults::ACCESS_KEY_ID.into()),
        ("AWS_SECRET_ACCESS_KEY", defaults::SECRET_ACCESS_KEY.into()),
    ]
}

/// `b2b-mcp serve` on a loopback port of its own, killed when dropped.
pub struct Served {
    _child: Child,
    pub url: String,
    log: PathBuf,
}

impl Served {
    /// A local stage (auth off, `principal` as the fixed local principal) unless `vars` set
    /// `INBOUND_AUTH`; the stage is `gate`.
    pub async fn start(platform: &TempPlatform, principal: &str, vars: &[(&str, &str)]) -> Served {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let log = std::env::temp_dir().join(format!("b2b-served-{principal}-{n}-{}.log", std::process::id()));
        let file = std::fs::File::create(&log).expect("log file");
        let mut command = Command::new(env!("CARGO_BIN_EXE_b2b-mcp"));
        command
            .args(["serve", "--bind", ANY_LOOPBACK_PORT])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("STAGE", "gate")
            .envs(backend_env(platform))
            .envs(vars.iter().copied())
            .stdin(Stdio::null())
            .stdout(file.try_clone().expect("log file"))
            .stderr(file)
            .kill_on_drop(true);
        // As tests/common's harnesses: no confirmation unless the test asks for it.
        if !vars.iter().any(|(k, _)| *k == "CONFIRM_TOOLS") {
            command.env("CONFIRM_TOOLS", "");
        }
        if !vars.iter().any(|(k, _)| *k == "INBOUND_AUTH") {
            command.env("INBOUND_AUTH", "off").env("LOCAL_PRINCIPAL", principal);
        }
        let mut child = command.spawn().expect("spawn b2b-mcp serve");
        let exited = || {
            let status = child.try_wait().ok().flatten()?;
            Some(format!("b2b-mcp serve exited with {status}:\n{}", std::fs::read_to_string(&log).unwrap_or_default()))
        };
        let url = match logged_url(&log, Duration::from_secs(30), exited).await {
            Ok(url) => url,
            Err(e) => panic!("b2b-mcp serve did not listen: {e}"),
        };
        Served { _child: child, url, log }
    }

    /// Everything it has written so far (its JSON log lines, audit records among them).
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.log);
    }
}
