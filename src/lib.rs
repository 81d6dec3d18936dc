//! # b2b-mcp
//!
//! A stateless MCP server for the B2B company-intelligence platform: nine narrowly scoped tools
//! over the platform's GraphQL API, served on AWS Lambda, over plain HTTP and over stdio.
//!
//! # Layout
//! The folders read top-down in the order a request travels; each uses only those below it.
//! ```text
//! web/      HTTP in: router, guard, OAuth metadata, Lambda entry, `serve`  (main.rs picks one)
//! inbound/  who is calling: gateway authorizer context, bearer tokens -> Caller
//! mcp/      the protocol: handler, dispatch, authz, registry, resources, prompts, AppState
//! tools/    one file per tool: params, validation, the GraphQL call, a flat output
//! backend/  GraphqlBackend (AppSync | in memory) ; store/  rate limits, idempotency
//! ```
//! Beside them, used from several layers and importing none above them: [`audit`] (the per-call
//! record, its JSON line and EMF metrics), [`error`] (tool errors and the one mapping to what the
//! model reads) and [`config`] (settings from an injectable lookup; it imports nothing from the
//! crate).
//!
//! - [`web`]: [`web::http`] is the stateless Streamable HTTP app (rmcp's service behind a thin
//!   guard), [`web::lambda`] the lambda_http entry, [`web::serve`] the bounded HTTP listener.
//! - [`inbound`]: [`inbound::caller`] turns a request into a [`inbound::caller::Caller`] with a
//!   qualified principal; [`inbound::token`] is `serve`'s own JWT check.
//! - [`mcp`]: [`mcp::handler`] answers MCP methods; [`mcp::dispatch`] runs one tool call end to
//!   end (lookup, [`mcp::authz`], deadline, panics, audit); [`mcp::registry`] holds the one list
//!   of tools and what this deployment offers; [`mcp::state`] the shared [`AppState`].
//! - `tools`: one file per tool, the shared argument rules and normalisers (`tools::normalize`).
//! - [`backend`]: the `GraphqlBackend` seam, the GraphQL documents, AppSync and its credentials.
//! - [`store`]: rate limits and mutation idempotency across instances (DynamoDB) or in memory.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing))]

pub mod audit;
pub mod backend;
pub mod config;
pub mod error;
pub mod inbound;
pub mod mcp;
pub mod store;
pub(crate) mod tools;
pub mod web;

pub use config::{Config, Mode};
pub use mcp::handler::McpServer;
pub use mcp::registry::configure;
pub use mcp::state::{AppState, build_state, build_state_with, listed_tools};
pub use web::app;
