//! Where the peers are: the tools `make tools` installs, a Python venv (moto, botocore, PyYAML,
//! the MCP Python SDK, cargo-lambda, the SAM CLI, cfn-lint) and a Node tree (Node 22, the
//! conformance suite, the TypeScript SDK, Inspector). `B2B_TOOLS_VENV` and `B2B_TOOLS_NODE` point
//! elsewhere (CI keeps them outside the clone); by default they are in `.tools/`.
//!
//! A tool that is not there fails the test that needs it, saying to run `make tools`: these
//! tests never pass by skipping.

use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn tools_dir(var: &str, default: &str) -> PathBuf {
    std::env::var_os(var).map(PathBuf::from).unwrap_or_else(|| Path::new(ROOT).join(default))
}

/// A program of the venv (`python`, `moto_server`, `cargo-lambda`, ...).
pub fn venv_bin(tool: &str) -> PathBuf {
    let path = tools_dir("B2B_TOOLS_VENV", ".tools/venv").join("bin").join(tool);
    assert!(path.exists(), "{} is missing: run `make tools` first (or set B2B_TOOLS_VENV)", path.display());
    path
}

/// The venv's directory (one with a Python in it).
pub fn venv_dir() -> PathBuf {
    let python = venv_bin("python");
    python.parent().and_then(Path::parent).map(Path::to_path_buf).unwrap_or(python)
}

/// The Node tools' directory (`node_modules/` inside), checked to hold the Node that `npm ci`
/// installed there.
pub fn node_tools() -> PathBuf {
    let dir = tools_dir("B2B_TOOLS_NODE", ".tools/node");
    let node = dir.join("node_modules/.bin/node");
    assert!(node.exists(), "{} is missing: run `make tools` first (or set B2B_TOOLS_NODE)", node.display());
    dir
}
