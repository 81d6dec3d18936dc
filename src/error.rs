//! Tool failures, typed, and the one place they become what the model reads.
//!
//! Everything here is a *tool result* with `isError: true`: the model can act on it (fix an
//! argument, wait, ask for another tool). Protocol faults (unknown tool, malformed JSON-RPC) are
//! JSON-RPC errors and are decided in `mcp/handler.rs` and `web/guard.rs`, never here.

use std::time::Duration;

use serde::Serialize;

use crate::backend::BackendError;

/// The audit outcome of a tool call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Ok,
    InvalidInput,
    NotFound,
    BackendError,
    RateLimited,
    Denied,
    /// An identical mutation was still running (idempotency).
    InProgress,
    InternalError,
    /// The person was asked to confirm the call (CONFIRM_TOOLS); nothing ran yet.
    ConfirmationRequested,
    /// The person said no (or dismissed the question); nothing ran.
    Declined,
    /// The call needed a yes it did not have: the client cannot ask, or its confirmation was not
    /// valid (altered, expired, already used, another caller's or other arguments'). Nothing ran.
    Unconfirmed,
}

#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    /// One argument is wrong; the message says what is allowed.
    #[error("invalid argument `{field}`: {message}")]
    InvalidArgument { field: &'static str, message: String },
    /// The arguments object does not fit the tool's schema (unknown field, wrong type).
    #[error("invalid arguments: {0}")]
    InvalidArguments(String),
    #[error("{0}")]
    NotFound(String),
    #[error("mutations are disabled in this deployment (ALLOW_MUTATIONS=false)")]
    MutationsDisabled,
    /// The caller may not use this tool (`crate::mcp::authz` says why, and how to get the grant).
    #[error("{0}")]
    Forbidden(String),
    #[error(
        "an identical {0} call is still running; wait a few seconds, then check with a read tool (such as list_collections) before retrying"
    )]
    InProgress(&'static str),
    #[error("tool {0} is disabled in this deployment")]
    ToolDisabled(String),
    #[error("this tool needs an authenticated caller; call it through an authenticated route")]
    NoPrincipal,
    /// Over the caller's limit in `window`; the message says when that window ends.
    #[error("{}", window.refusal(tool, *limit, *retry_after))]
    RateLimited { tool: &'static str, window: crate::store::Window, limit: u32, retry_after: Duration },
    #[error(transparent)]
    Backend(#[from] BackendError),
    /// The rate-limit / idempotency store failed; the call was not run.
    #[error(transparent)]
    State(#[from] crate::store::StateError),
    /// A fault of this server (a bug); detail for the logs only.
    #[error("internal error: {0}")]
    Internal(String),
    /// The person declined the confirmation (`crate::mcp::confirm`).
    #[error("the person declined {0}: nothing was done; ask them before calling it again")]
    Declined(&'static str),
    /// The call needed the person's yes and does not have a valid one; the message says why and
    /// what to do.
    #[error("{0}")]
    Unconfirmed(String),
}

impl ToolError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> ToolError {
        ToolError::InvalidArgument { field, message: message.into() }
    }

    pub fn outcome(&self) -> Outcome {
        match self {
            ToolError::InvalidArgument { .. } | ToolError::InvalidArguments(_) => Outcome::InvalidInput,
            ToolError::NotFound(_) => Outcome::NotFound,
            ToolError::MutationsDisabled
            | ToolError::Forbidden(_)
            | ToolError::ToolDisabled(_)
            | ToolError::NoPrincipal => Outcome::Denied,
            ToolError::RateLimited { .. } => Outcome::RateLimited,
            ToolError::InProgress(_) => Outcome::InProgress,
            ToolError::Backend(_) | ToolError::State(_) => Outcome::BackendError,
            ToolError::Internal(_) => Outcome::InternalError,
            ToolError::Declined(_) => Outcome::Declined,
            ToolError::Unconfirmed(_) => Outcome::Unconfirmed,
        }
    }

    /// The text the model reads: what went wrong and what to do, no internal detail.
    pub fn client_message(&self) -> String {
        match self {
            ToolError::Backend(e) => match e {
                BackendError::Timeout(_) => {
                    "the company platform did not answer in time; retry in a few seconds (after a change such as \
                     create_collection, check with a read tool first whether it was applied)"
                        .into()
                }
                BackendError::Throttled => {
                    "the company platform is busy (throttled); nothing was changed, retry in a few seconds".into()
                }
                BackendError::Unavailable(_) | BackendError::Malformed(_) => {
                    "the company platform is temporarily unavailable; retry later".into()
                }
                BackendError::Unauthorized | BackendError::Credentials(_) => {
                    "the server could not authenticate to the company platform; retry later or contact the operator"
                        .into()
                }
                BackendError::Graphql(_) => "the company platform could not complete this request; retry later".into(),
                BackendError::Forbidden(_) => {
                    "the company platform refused this request; retry later or contact the operator".into()
                }
            },
            ToolError::Internal(_) => "the server hit an internal error; retry later".into(),
            ToolError::State(_) => {
                "the server could not check this call against its limits; nothing was run, retry in a few seconds"
                    .into()
            }
            other => other.to_string(),
        }
    }
}

/// serde's messages can quote the offending value; keep what the model reads (and what we log)
/// short even when an argument is 1 MiB.
pub fn truncate_for_message(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_messages_carry_no_internal_detail() {
        let e = ToolError::Backend(BackendError::Graphql("resolver xyz failed at line 3: secret=abc".into()));
        assert!(!e.client_message().contains("xyz"));
        assert_eq!(e.outcome(), Outcome::BackendError);
    }

    #[test]
    fn rate_limit_message_names_the_wait() {
        let window = crate::store::Window::Minute;
        let e = ToolError::RateLimited { tool: "ai_search", window, limit: 5, retry_after: Duration::from_secs(42) };
        assert!(e.client_message().contains("42 seconds"));
        assert_eq!(e.outcome(), Outcome::RateLimited);
        let window = crate::store::Window::Day;
        let e = ToolError::RateLimited { tool: "ai_search", window, limit: 50, retry_after: Duration::from_secs(7260) };
        assert!(e.client_message().contains("retry in 7260 seconds (about 2 hours 1 minute)"), "{e}");
    }

    #[test]
    fn truncation_is_char_safe() {
        assert_eq!(truncate_for_message("ääää", 2), "ää…");
        assert_eq!(truncate_for_message("ab", 5), "ab");
    }
}
