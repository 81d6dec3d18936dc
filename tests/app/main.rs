//! Integration tests: the whole HTTP app (the same one Lambda and `serve` run), the Lambda
//! event path, the stdio binary and the log output. One test binary keeps builds lean.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;
mod stub;

mod appsync;
mod auth;
mod authz;
mod deploy;
mod hostile;
mod lambda_events;
mod lambda_runtime;
mod limits;
mod logs;
mod platform;
mod protocol;
mod release_gate;
mod run_local;
mod serve_limits;
mod state;
mod stdio;
mod tool_variables;
mod tools;
