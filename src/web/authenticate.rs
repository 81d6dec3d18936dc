//! A caller must be identified before the MCP service sees the request: a bearer token checked
//! here (`serve` with INBOUND_AUTH=jwt) or the gateway's authorizer identity (Lambda). Otherwise
//! 401 with the RFC 9728 challenge, audited as denied from the headers alone (an unauthenticated
//! body is never read).
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use serde_json::json;

use super::oauth::{METADATA_PATH, host_refused, public_base};
use crate::audit::{AuditRecord, Decision};
use crate::error::Outcome;
use crate::inbound::caller::{Caller, PrincipalSource};
use crate::inbound::token::TokenError;
use crate::mcp::state::AppState;
use crate::tools::ToolKind;
use crate::trace::{CallTrace, Inbound};

/// `serve` with INBOUND_AUTH=jwt: no valid bearer token, no MCP. The 401 names the metadata
/// document, from which a client finds the authorization server (MCP authorization, RFC 9728).
pub(super) async fn authenticate(State(state): State<Arc<AppState>>, mut request: Request, next: Next) -> Response {
    let Some(tokens) = &state.tokens else {
        return next.run(request).await;
    };
    let token = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim().to_owned());
    let refusal = match token {
        None => None,
        Some(token) => match tokens.verify(&token).await {
            Ok(verified) => {
                request.extensions_mut().insert(verified);
                return next.run(request).await;
            }
            Err(TokenError::KeysUnavailable) => {
                let body = "the identity provider could not be reached to check the token; retry shortly";
                return (StatusCode::SERVICE_UNAVAILABLE, [(header::RETRY_AFTER, "5")], body).into_response();
            }
            Err(error) => Some(error),
        },
    };
    unauthorized(&state, request, refusal).await
}

/// Lambda: a request that reached the function with no identity from an authorizer (a function
/// URL with AuthType NONE, an ALB target, a route added without an authorizer) gets the same 401
/// as a missing token, unless the stage allows anonymous reads.
pub(super) async fn require_gateway_identity(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let caller = Caller::from_extensions(request.extensions(), &state.config);
    if caller.source != PrincipalSource::Anonymous {
        return next.run(request).await;
    }
    unauthorized(&state, request, None).await
}

/// 401 with the RFC 9728 challenge, and an audit record of the refused request (denied, no
/// principal; the tool it named if it was a tool call, else its method, else `-`).
async fn unauthorized(state: &AppState, request: Request, refusal: Option<TokenError>) -> Response {
    let caller = Caller::from_extensions(request.extensions(), &state.config);
    let (parts, _body) = request.into_parts();
    let (tool, kind) = refused_target(state, &parts.headers);
    // The body (and its `_meta`) is never read for a refused request: the headers and Lambda's.
    let trace = CallTrace::pick(Inbound {
        headers: Some(&parts.headers),
        lambda_xray: parts.extensions.get::<lambda_runtime::Context>().and_then(|c| c.xray_trace_id.as_deref()),
        ..Inbound::default()
    });
    let mut record = AuditRecord::new(&caller, &trace, &state.config.stage, &tool, kind);
    record.decision = Decision::Denied;
    record.outcome = Outcome::Denied;
    state.audit.emit(&record);

    let Some(base) = public_base(state, &parts.headers, &parts.extensions) else {
        return host_refused();
    };
    let metadata = format!("{base}{METADATA_PATH}{}", state.config.mcp_path);
    let mut challenge = format!("Bearer resource_metadata=\"{metadata}\"");
    let description = match &refusal {
        Some(error) => {
            challenge.push_str(&format!(", error=\"invalid_token\", error_description=\"{error}\""));
            error.to_string()
        }
        None => "this endpoint needs a bearer token; see the resource metadata for where to get one".to_owned(),
    };
    let body = json!({"error": if refusal.is_some() { "invalid_token" } else { "unauthorized" }, "error_description": description});
    let mut response = (StatusCode::UNAUTHORIZED, axum::Json(body)).into_response();
    if let Ok(value) = HeaderValue::from_str(&challenge) {
        response.headers_mut().insert(header::WWW_AUTHENTICATE, value);
    }
    response
}

/// What a refused request asked for, for its audit record, from its `Mcp-Method` and `Mcp-Name`
/// headers (2026-07-28 clients send them; the body of an unauthenticated request is never read,
/// so a slow one holds nothing): a tool call's tool if this server knows it, else the method if
/// it is one of MCP's, else `-`; never a value as sent.
fn refused_target(state: &AppState, headers: &HeaderMap) -> (String, ToolKind) {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("-");
    let method = header("mcp-method");
    if method == "tools/call"
        && let Some(kind) = state.registry.kind_of(header("mcp-name"))
    {
        return (header("mcp-name").to_owned(), kind);
    }
    let known = crate::mcp::handler::STANDARD_METHODS.contains(&method);
    (if known { method } else { "-" }.to_owned(), ToolKind::Read)
}
