//! The end-to-end tests, `cargo test --test e2e` (after `make tools`): the server against the
//! real peers a deployment meets. moto's Secrets Manager and DynamoDB, botocore's SigV4, the
//! official MCP conformance suite, Python and TypeScript SDKs and Inspector, cargo-lambda's
//! emulator, and the SAM template read with PyYAML. `cargo test` alone skips this binary
//! (`test = false` in Cargo.toml).
//!
//! A peer that is not installed fails its tests, saying to run `make tools` ([`tools`]): nothing
//! here passes by skipping.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[path = "../common/mod.rs"]
mod common;
mod moto;
mod proxy;
mod tools;

mod appsync_secrets;
mod deploy;
mod limits;
mod logs_secrets;
mod platform_secrets;
mod release_gate;
mod sigv4_botocore;
mod state;
