//! The seam between tools and the platform's GraphQL API.
//!
//! Tools name an [`Operation`] (a fixed document from [`operations`]) and pass typed variables;
//! a backend sends them and hands back the `data` object. No user text is ever part of a
//! document: it travels only in variables. The real AppSync client implements this trait; tests
//! and the sample stage use [`memory::MemoryBackend`], which records every call.

pub mod appsync;
pub mod auth;
pub mod cache;
pub mod memory;
pub mod operations;
pub mod secrets;

use std::time::Duration;

use async_trait::async_trait;
use serde::{Serialize, de::DeserializeOwned};
use serde_json::Value;

/// Whether an operation only reads or changes platform state (decides retry policy and IAM).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperationKind {
    Query,
    Mutation,
}

/// One named GraphQL operation the server may send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    /// The operation name inside `document`; also the name tests record calls under.
    pub name: &'static str,
    pub kind: OperationKind,
    pub document: &'static str,
}

/// What can go wrong between the server and the platform. Messages here are for logs;
/// the client sees only the short text chosen in `crate::error`.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    #[error("backend timed out after {0:?}")]
    Timeout(Duration),
    #[error("backend is throttling requests")]
    Throttled,
    #[error("backend unavailable: {0}")]
    Unavailable(String),
    /// AppSync's `UnauthorizedException`: our credentials were refused (and newer ones did not
    /// help or could not be had yet).
    #[error("backend rejected our credentials")]
    Unauthorized,
    /// A 401/403 that is not AppSync's `UnauthorizedException` (a WAF rule, a proxy): new
    /// credentials would not change it, so none are fetched.
    #[error("backend refused the request with HTTP {0} (not an UnauthorizedException)")]
    Forbidden(u16),
    #[error("backend answered something we cannot read: {0}")]
    Malformed(String),
    #[error("backend reported GraphQL errors: {0}")]
    Graphql(String),
    /// Our own credentials for the platform could not be had (secret missing, Secrets Manager
    /// or the identity provider unreachable, no AWS credentials).
    #[error("credentials for the backend unavailable: {0}")]
    Credentials(String),
}

#[async_trait]
pub trait GraphqlBackend: Send + Sync {
    /// Send `operation` with `variables` (a JSON object) and return the response's `data`.
    async fn execute(&self, operation: &Operation, variables: Value) -> Result<Value, BackendError>;

    /// Prepare what the first call would otherwise wait for (credentials, a secret, the TLS
    /// connection). Called once at start in the background and bounded by the call path's own
    /// timeouts; a failure is only logged, and the first call fetches again.
    async fn warm(&self) {}
}

/// Typed call: serialise the variables, decode `data` into `D`.
pub async fn call<V: Serialize, D: DeserializeOwned>(
    backend: &dyn GraphqlBackend,
    operation: &Operation,
    variables: &V,
) -> Result<D, BackendError> {
    let variables = serde_json::to_value(variables)
        .map_err(|e| BackendError::Malformed(format!("variables for {}: {e}", operation.name)))?;
    let data = backend.execute(operation, variables).await?;
    serde_json::from_value(data).map_err(|e| BackendError::Malformed(format!("data for {}: {e}", operation.name)))
}
