//! The release gate: real peers against the real binary, as a deployed stage meets them.
//!
//! - [`clients`]: the official MCP conformance suite, both protocol eras (`make conformance`);
//!   the official Python SDK in both eras (`make smoke`, the same check run against a deployed
//!   stage), the TypeScript SDK 1.x in the handshake era, and MCP Inspector's CLI.
//! - [`lambda`]: the Lambda bootstrap built and run by cargo-lambda's emulator, fed API Gateway
//!   events with `cargo lambda invoke` and a real client through its function URL.
//!
//! Every server here is the `b2b-mcp` binary itself (not the in-process app), backed by the local
//! platform over HTTP with SigV4. The peers come from `make tools` (B2B_TOOLS_VENV, B2B_TOOLS_NODE).

mod clients;
mod lambda;
mod paid;

use std::process::Output;
use std::time::Duration;

use platform_local::auth::Mode as PlatformMode;
use platform_local::testing::{COMPANIES, TempPlatform};
use tokio::process::Command;

use crate::tools::{node_tools, venv_dir};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The local platform the gate's servers use (SigV4; its own seed).
async fn platform() -> TempPlatform {
    TempPlatform::start_with(&[PlatformMode::Iam], COMPANIES, 11).await.expect("platform")
}

/// The collections `owner` has at the platform (the system of record).
fn collections_of(platform: &TempPlatform, owner: &str) -> Vec<platform_local::db::CollectionRow> {
    platform.db.list_collections(owner, 100, None).expect("list collections").0
}

/// Run a peer to completion (with a generous limit), returning its output.
async fn run(command: &mut Command, limit: Duration) -> Output {
    tokio::time::timeout(limit, command.kill_on_drop(true).output())
        .await
        .unwrap_or_else(|_| panic!("{command:?} did not finish within {limit:?}"))
        .unwrap_or_else(|e| panic!("{command:?}: {e}"))
}

fn text(output: &Output) -> String {
    format!("{}\n{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// `make -s TARGET VAR=...` in the project root, with the tool directories this run uses.
fn make(target: &str, vars: &[(&str, &str)]) -> Command {
    let mut command = Command::new("make");
    command
        .args(["-s", "--no-print-directory", "-C", ROOT, target])
        .arg(format!("VENV={}", venv_dir().display()))
        .arg(format!("NODE_TOOLS={}", node_tools().display()))
        .args(vars.iter().map(|(k, v)| format!("{k}={v}")))
        .env_remove("MAKEFLAGS")
        .env_remove("MCP_TOKEN");
    command
}
