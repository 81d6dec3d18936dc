//! # b2b-mcp
//!
//! A stateless MCP server for the B2B company-intelligence platform: nine narrowly scoped tools
//! over the platform's GraphQL API, served on AWS Lambda, over plain HTTP and over stdio.
//!
//! # Layout
//! - [`config`]: settings from an injectable lookup, validated once at start.
//! - [`caller`]: who is calling, from the API Gateway authorizer context or the local principal.
//! - [`identity`]: `serve` mode's own bearer-token check (JWKS, cached).
//! - [`authz`]: who may do what: the one place that decides which tools a caller sees and calls.
//! - [`http`]: the stateless Streamable HTTP app (rmcp's service plus a thin guard), `/health`.
//! - [`lambda`]: lambda_http entry (stage prefix handling), same app as `serve`.
//! - [`server`]: the MCP handler: tools, resources, prompts, discovery.
//! - [`dispatch`]: one tool call end to end: lookup, deadline, panics, audit, MCP result.
//! - [`registry`]: which tools this deployment offers (mutations flag, disabled list).
//! - `tools`: one file per tool, shared argument rules and normalisers.
//! - [`resources`], [`prompts`]: the two resources and two prompts.
//! - [`backend`]: the `GraphqlBackend` seam, the GraphQL documents, the in-memory backend.
//! - [`audit`]: the per-call audit record and where it is written.
//! - [`state`]: rate limits and mutation idempotency across instances (DynamoDB) or in memory.
//! - [`error`]: tool errors and the one mapping to what the model reads.

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

use std::sync::Arc;

pub use config::{Config, Mode};
pub use mcp::handler::{AppState, McpServer};
pub use web::http::app;

use audit::AuditSink;
use backend::GraphqlBackend;
use mcp::registry::Registry;
use store::memory::{LocalRateLimiter, MemoryIdempotency};
use store::{IdempotencyStore, RateLimiter};

/// Build the process-wide state once (Lambda init, `serve` start, a test), with in-memory rate
/// limits and idempotency records (one instance's view).
pub fn build_state(config: Config, backend: Arc<dyn GraphqlBackend>, audit: Arc<dyn AuditSink>) -> Arc<AppState> {
    let limiter = Arc::new(LocalRateLimiter::new(config.rate_limits.clone()));
    let idempotency = Arc::new(MemoryIdempotency::new(config.idempotency_retention));
    build_state_with(config, backend, audit, limiter, idempotency)
}

/// The same with given stores (DynamoDB on a deployed stage; wrappers in tests).
pub fn build_state_with(
    config: Config,
    backend: Arc<dyn GraphqlBackend>,
    audit: Arc<dyn AuditSink>,
    limiter: Arc<dyn RateLimiter>,
    idempotency: Arc<dyn IdempotencyStore>,
) -> Arc<AppState> {
    let registry = Registry::from_config(&config);
    let tokens = match (&config.inbound_auth, &config.oidc) {
        (config::InboundAuth::Jwt, Some(oidc)) => Some(Arc::new(inbound::token::TokenVerifier::new(oidc.clone()))),
        _ => None,
    };
    let industries = Default::default();
    Arc::new(AppState { config, registry, backend, limiter, idempotency, audit, industries, tokens })
}

/// Names of the tools this deployment lists, in order.
pub fn listed_tools(state: &AppState) -> Vec<&'static str> {
    state.registry.tools().iter().map(|t| t.name).collect()
}
