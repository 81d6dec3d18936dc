//! The `b2b-mcp` binary itself in `serve` mode on a free loopback port, backed by a local
//! platform over HTTP with SigV4, as a deployed stage reaches AppSync. Its log goes to a file,
//! shown when a check fails.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use platform_local::defaults;
use platform_local::testing::{TempPlatform, free_port, wait_for_listener};
use tokio::process::{Child, Command};

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

/// `b2b-mcp serve` on a free loopback port, killed when dropped.
pub struct Served {
    _child: Child,
    pub url: String,
    log: PathBuf,
}

impl Served {
    /// A local stage (auth off, `principal` as the fixed local principal) unless `vars` set
    /// `INBOUND_AUTH`; the stage is `gate`.
    pub async fn start(platform: &TempPlatform, principal: &str, vars: &[(&str, &str)]) -> Served {
        let port = free_port().expect("a free port");
        let log = std::env::temp_dir().join(format!("b2b-served-{principal}-{port}-{}.log", std::process::id()));
        let file = std::fs::File::create(&log).expect("log file");
        let mut command = Command::new(env!("CARGO_BIN_EXE_b2b-mcp"));
        command
            .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
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
        if let Err(e) = wait_for_listener(port, Duration::from_secs(30), exited).await {
            panic!("b2b-mcp serve did not listen on {port}: {e}");
        }
        Served { _child: child, url: format!("http://127.0.0.1:{port}/mcp"), log }
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
