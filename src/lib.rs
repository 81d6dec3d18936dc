//! # b2b-mcp
//!
//! A stateless MCP server for the B2B company-intelligence platform: ten narrowly scoped tools
//! over the platform's GraphQL API, served on AWS Lambda, over plain HTTP and over stdio.
//!
//! # Layout
//! A request travels down this picture; each line uses only the lines below it, and `backend/`
//! and `store/` not each other (tests/app/house.rs holds the code to that, and to no import cycles).
//! ```text
//! main.rs   picks the way in (Lambda | serve | stdio), reads the config, calls the layers
//! web/      HTTP: router, guard, caller check, OAuth metadata, Lambda entry, `serve` listener
//! mcp/      the protocol: handler, dispatch (one call end to end), authz, registry, AppState
//! audit     the per-call record, its JSON line and EMF metrics
//! inbound/  who is calling: the gateway's authorizer context, bearer tokens -> Caller
//! tools/    one file per tool: params, validation, the GraphQL call, a flat output
//! error     ToolError, and the one mapping to what the model reads
//! backend/  GraphqlBackend (AppSync | memory)     store/  rate limits, idempotency
//! outbound  TLS for every outbound connection: one rustls setup, the AWS SDK's HTTP client
//! trace     trace context: read from what the caller sent, or new; the ids sent onward
//! config/   settings from an injectable lookup; imports nothing from the crate
//! ```
//! - [`web`]: [`web::router`] is the stateless Streamable HTTP app (rmcp's service behind the
//!   guard and the caller check), [`web::lambda`] the lambda_http entry, [`web::serve`] the
//!   bounded HTTP listener, [`web::oauth`] the RFC 9728 metadata.
//! - [`mcp`]: [`mcp::handler`] answers MCP methods; [`mcp::dispatch`] runs one tool call end to
//!   end (lookup, [`mcp::authz`], deadline, panics, audit); [`mcp::registry`] holds the one list
//!   of tools and what this deployment offers; [`mcp::catalog`] what the server says about itself
//!   (info, discovery, lists), built once; [`mcp::state`] the shared [`AppState`].
//! - [`audit`]: the per-call audit record, its JSON line and EMF metrics.
//! - [`inbound`]: [`inbound::caller`] turns a request into a [`inbound::caller::Caller`] with a
//!   qualified principal; [`inbound::token`] is `serve`'s own JWT check.
//! - `tools`: one file per tool, the shared argument rules and normalisers (`tools::normalize`).
//!   A tool knows no MCP, HTTP or Lambda types, and of its caller only `tools::ActingFor`.
//! - [`error`]: tool errors and the one mapping to what the model reads.
//! - [`backend`]: the `GraphqlBackend` seam, the GraphQL documents, AppSync and its credentials.
//! - [`store`]: rate limits and mutation idempotency across instances (DynamoDB) or in memory.
//! - [`outbound`]: the TLS every outbound connection uses (system roots read once, one crypto
//!   provider, the local CA only where a local stage names it).
//! - [`trace`]: a call's trace context (W3C `traceparent`/`tracestate`, the X-Ray header), checked
//!   strictly; a malformed one is ignored and a new X-Ray-shaped trace starts.
//! - [`config`]: settings, validated once at start; docs/configuration.md lists them all.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing))]

pub mod audit;
pub mod backend;
pub mod config;
pub mod error;
pub mod inbound;
pub mod mcp;
pub mod outbound;
pub mod store;
pub(crate) mod tools;
pub mod trace;
pub mod web;

pub use config::{Config, Mode};
pub use mcp::handler::McpServer;
pub use mcp::registry::configure;
pub use mcp::state::{AppState, build_state, build_state_with, listed_tools};
pub use web::app;
