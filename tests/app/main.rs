//! The fast tests, `cargo test`: everything that needs nothing installed. The whole HTTP app (the
//! same one Lambda and `serve` run) in process, the Lambda event path, the real binary in each
//! mode (`serve`, stdio, Lambda behind a fake Runtime API), `make run` and `make stdio`, the log
//! output, and the local platform as the backend over real HTTP. One binary keeps builds lean.
//!
//! The tests that drive the peers `make tools` installs (moto, the MCP SDKs, the conformance
//! suite, Inspector, cargo-lambda, PyYAML) are in `tests/e2e`, run by `cargo test --test e2e`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[path = "../common/mod.rs"]
mod common;

mod appsync;
mod auth;
mod authz;
mod confirm;
mod discovery;
mod hostile;
mod house;
mod lambda_events;
mod lambda_runtime;
mod limits;
mod logs;
mod otlp;
mod platform;
mod protocol;
mod run_local;
mod serve_limits;
mod settings;
mod source;
mod state_unreachable;
mod stdio;
mod tls;
mod tool_variables;
mod tools;
