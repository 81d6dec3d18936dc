//! RFC 9728 protected-resource metadata: where a client learns which issuer's tokens this MCP
//! endpoint takes, and the public URL it is served at (never built from a Host we do not accept).
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, StatusCode, header};
use serde_json::json;

use crate::mcp::state::AppState;

/// Where a gateway mounted the app (`/prod` for a named API Gateway stage), so that URLs the app
/// hands out (the protected-resource metadata) are the ones the client used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathPrefix(pub String);

pub(super) const METADATA_PATH: &str = "/.well-known/oauth-protected-resource";

/// The public base URL of this request (scheme, host, gateway stage), for URLs we hand out:
/// `RESOURCE_URL` when set; otherwise built from the request, but only from a `Host` this
/// deployment accepts (`ALLOWED_HOSTS`, when it lists any) and well-formed, and from an
/// `X-Forwarded-Proto` that is exactly `http` or `https`. `None`: the `Host` is not acceptable,
/// so nothing built from it is handed out (a client must never be sent to an attacker's URL).
pub(super) fn public_base(state: &AppState, headers: &HeaderMap, extensions: &http::Extensions) -> Option<String> {
    if let Some(url) = &state.config.resource_url {
        return Some(url.strip_suffix(&state.config.mcp_path).unwrap_or(url).trim_end_matches('/').to_owned());
    }
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim).filter(|v| !v.is_empty());
    let lambda = extensions.get::<lambda_http::request::RequestContext>().is_some();
    let scheme = match header("x-forwarded-proto").map(str::to_ascii_lowercase).as_deref() {
        Some("https") => "https",
        Some("http") => "http",
        _ if lambda => "https",
        _ => "http",
    };
    let host = header("host")?;
    let well_formed = host.len() <= 255
        && host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    let name = match host.rsplit_once(':') {
        Some((name, port)) if !name.ends_with(':') && port.chars().all(|c| c.is_ascii_digit()) => name,
        _ => host,
    };
    let name = name.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
    let allowed = &state.config.allowed_hosts;
    if !well_formed || !(allowed.is_empty() || allowed.iter().any(|a| a.eq_ignore_ascii_case(&name))) {
        return None;
    }
    let prefix = extensions.get::<PathPrefix>().map_or("", |p| p.0.as_str());
    Some(format!("{scheme}://{host}{prefix}"))
}

pub(super) fn host_refused() -> Response {
    (StatusCode::FORBIDDEN, "Forbidden: Host header is not allowed").into_response()
}

/// RFC 9728: which authorization server issues tokens for this resource, and which scopes matter.
pub(super) async fn protected_resource_metadata(State(state): State<Arc<AppState>>, request: Request) -> Response {
    let Some(oidc) = &state.config.oidc else {
        return (StatusCode::NOT_FOUND, "no authorization server is configured for this deployment").into_response();
    };
    let Some(base) = public_base(&state, request.headers(), request.extensions()) else {
        return host_refused();
    };
    let body = json!({
        "resource": format!("{base}{}", state.config.mcp_path),
        "authorization_servers": [oidc.issuer],
        "scopes_supported": [state.config.write_scope],
        "bearer_methods_supported": ["header"],
        "resource_name": format!("B2B company intelligence ({})", state.config.stage),
    });
    // Built from Host and X-Forwarded-Proto, so a shared cache must keep one copy per value.
    let headers = [(header::CACHE_CONTROL, "max-age=3600"), (header::VARY, "Host, X-Forwarded-Proto")];
    (headers, axum::Json(body)).into_response()
}
