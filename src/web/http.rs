//! The stateless Streamable HTTP app shared by Lambda and `serve`: rmcp's service does the
//! protocol (both eras, header checks, Host/Origin, 405, 415); the guard in front of it limits
//! the body (413), refuses unsupported version headers (-32022), and turns the few answers MCP
//! clients expect as JSON-RPC into JSON-RPC. A caller must be identified first: in `serve` mode
//! with `INBOUND_AUTH=jwt` by a bearer token, in Lambda by the gateway's authorizer (unless the
//! stage allows anonymous reads); otherwise 401 pointing at the RFC 9728 metadata (served here
//! too), audited as denied.

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use serde_json::{Value, json};

use crate::audit::{AuditRecord, Decision};
use crate::config::InboundAuth;
use crate::error::Outcome;
use crate::inbound::caller::{Caller, PrincipalSource};
use crate::inbound::token::TokenError;
use crate::mcp::handler::{McpServer, SUPPORTED_VERSIONS};
use crate::mcp::state::AppState;
use crate::tools::ToolKind;

/// Where a gateway mounted the app (`/prod` for a named API Gateway stage), so that URLs the app
/// hands out (the protected-resource metadata) are the ones the client used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathPrefix(pub String);

/// The MCP endpoint for internal integrations (API Gateway's IAM-authorized route).
pub const INTERNAL_PREFIX: &str = "/internal";

/// The HTTP app: the MCP endpoint at the configured path (and under `/internal` for the IAM
/// route), the protected-resource metadata, and `/health`.
pub fn app(state: Arc<AppState>) -> Router {
    let config = &state.config;
    let mut http = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        .with_sse_keep_alive(None)
        .with_max_request_body_bytes(config.max_body_bytes)
        .with_allowed_origins(config.allowed_origins.clone())
        // An Origin that is not listed is refused even when the list is empty (the spec's MUST).
        .enforce_origin_validation();
    http = if config.allowed_hosts.is_empty() {
        http.disable_allowed_hosts()
    } else {
        http.with_allowed_hosts(config.allowed_hosts.clone())
    };
    let max_body = config.max_body_bytes;
    let path = config.mcp_path.clone();
    let metadata_state = state.clone();
    let auth_state = state.clone();
    let service = StreamableHttpService::new(
        move || Ok(McpServer::new(state.clone())),
        Arc::new(NeverSessionManager::default()),
        http,
    );
    let mut mcp = Router::new()
        .route_service(&path, service.clone())
        .route_service(&format!("{INTERNAL_PREFIX}{path}"), service)
        .layer(middleware::from_fn_with_state(max_body, guard));
    let anonymous_refused =
        auth_state.config.inbound_auth == InboundAuth::Gateway && !auth_state.config.allow_anonymous_reads;
    if auth_state.tokens.is_some() {
        mcp = mcp.layer(middleware::from_fn_with_state(auth_state, authenticate));
    } else if anonymous_refused {
        mcp = mcp.layer(middleware::from_fn_with_state(auth_state, require_gateway_identity));
    }
    mcp.route("/health", get(health)).merge(
        Router::new()
            .route(METADATA_PATH, get(protected_resource_metadata))
            .route(&format!("{METADATA_PATH}{path}"), get(protected_resource_metadata))
            .with_state(metadata_state),
    )
}

const METADATA_PATH: &str = "/.well-known/oauth-protected-resource";

/// The public base URL of this request (scheme, host, gateway stage), for URLs we hand out:
/// `RESOURCE_URL` when set; otherwise built from the request, but only from a `Host` this
/// deployment accepts (`ALLOWED_HOSTS`, when it lists any) and well-formed, and from an
/// `X-Forwarded-Proto` that is exactly `http` or `https`. `None`: the `Host` is not acceptable,
/// so nothing built from it is handed out (a client must never be sent to an attacker's URL).
fn public_base(state: &AppState, headers: &HeaderMap, extensions: &http::Extensions) -> Option<String> {
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

fn host_refused() -> Response {
    (StatusCode::FORBIDDEN, "Forbidden: Host header is not allowed").into_response()
}

/// RFC 9728: which authorization server issues tokens for this resource, and which scopes matter.
async fn protected_resource_metadata(State(state): State<Arc<AppState>>, request: Request) -> Response {
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

/// `serve` with INBOUND_AUTH=jwt: no valid bearer token, no MCP. The 401 names the metadata
/// document, from which a client finds the authorization server (MCP authorization, RFC 9728).
async fn authenticate(State(state): State<Arc<AppState>>, mut request: Request, next: Next) -> Response {
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
async fn require_gateway_identity(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
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
    let mut record = AuditRecord::new(&caller, &state.config.stage, &tool, kind);
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

async fn health() -> impl IntoResponse {
    axum::Json(json!({"status": "ok"}))
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
}

/// Does the Accept header admit `application/json` (by exact type, `application/*` or `*/*`,
/// with a non-zero weight)? No header admits everything.
fn accepts_json(headers: &HeaderMap) -> bool {
    let values: Vec<&str> = headers.get_all(header::ACCEPT).iter().filter_map(|v| v.to_str().ok()).collect();
    if values.is_empty() {
        return true;
    }
    values.iter().flat_map(|v| v.split(',')).any(|entry| {
        let mut parts = entry.split(';').map(str::trim);
        let essence = parts.next().unwrap_or("").to_ascii_lowercase();
        let zero_weight = parts.any(|p| {
            p.split_once('=')
                .is_some_and(|(k, v)| k.trim().eq_ignore_ascii_case("q") && v.trim().parse::<f32>() == Ok(0.0))
        });
        !zero_weight && matches!(essence.as_str(), "application/json" | "application/*" | "*/*")
    })
}

/// We always answer with JSON, so a client that accepts JSON (or says nothing, as curl does)
/// is served; rmcp insists on text/event-stream too, which this server never sends.
fn normalise_accept(headers: &mut HeaderMap) {
    if accepts_json(headers) {
        headers.insert(header::ACCEPT, HeaderValue::from_static("application/json, text/event-stream"));
    }
}

/// A version header naming a revision this server does not speak gets the spec's -32022
/// (rmcp answers plain text, or serves versions we do not offer).
fn unsupported_version(headers: &HeaderMap, body: &Bytes) -> Option<Response> {
    let requested = headers.get("mcp-protocol-version")?.to_str().unwrap_or("");
    if SUPPORTED_VERSIONS.iter().any(|v| v.as_str() == requested) {
        return None;
    }
    let id = serde_json::from_slice::<Value>(body).ok().and_then(|v| v.get("id").cloned()).unwrap_or(Value::Null);
    let supported: Vec<&str> = SUPPORTED_VERSIONS.iter().map(|v| v.as_str()).collect();
    let body = json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32022, "message": "Unsupported protocol version",
        "data": {"requested": crate::error::truncate_for_message(requested, 32), "supported": supported}}});
    Some((StatusCode::BAD_REQUEST, axum::Json(body)).into_response())
}

/// `initialize` sent in a revision that has no handshake (2026-07-28 and later) is a method that
/// revision does not define: 404 with -32601, as for ping. Handshake-era clients send no such
/// version header with `initialize`, and keep getting the handshake.
fn handshake_without_era(headers: &HeaderMap, body: &Bytes) -> Option<Response> {
    let version = headers.get("mcp-protocol-version")?.to_str().ok()?;
    let stateless = SUPPORTED_VERSIONS.iter().any(|v| v.as_str() == version && !v.has_initialize());
    if !stateless {
        return None;
    }
    let request = serde_json::from_slice::<Value>(body).ok()?;
    if request.get("method").and_then(Value::as_str) != Some("initialize") {
        return None;
    }
    let id = request.get("id").filter(|id| id.is_string() || id.is_number()).cloned().unwrap_or(Value::Null);
    let message = format!("Method not found: protocol {version} has no initialize; use server/discover");
    let body = json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32601, "message": message}});
    Some((StatusCode::NOT_FOUND, axum::Json(body)).into_response())
}

async fn guard(State(max_body): State<usize>, request: Request, next: Next) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    normalise_accept(&mut parts.headers);
    let json_body = is_json(&parts.headers);
    let bytes = match axum::body::to_bytes(body, max_body).await {
        Ok(bytes) => bytes,
        Err(e) if is_length_limit(&e) => {
            return (StatusCode::PAYLOAD_TOO_LARGE, format!("request body is larger than {max_body} bytes"))
                .into_response();
        }
        Err(_) => return (StatusCode::BAD_REQUEST, "could not read the request body").into_response(),
    };
    if let Some(refusal) =
        unsupported_version(&parts.headers, &bytes).or_else(|| handshake_without_era(&parts.headers, &bytes))
    {
        return refusal;
    }
    if let Some(key) = json_body.then(|| duplicate_key(&bytes)).flatten() {
        // JSON leaves repeated names to the parser (serde_json keeps the last): refuse rather
        // than guess which value the client meant.
        let message = format!(
            "Invalid Request: the key {:?} appears twice in one object",
            crate::error::truncate_for_message(&key, 64)
        );
        let body = json!({"jsonrpc": "2.0", "id": Value::Null, "error": {"code": -32600, "message": message}});
        return (StatusCode::BAD_REQUEST, axum::Json(body)).into_response();
    }
    let response = next.run(Request::from_parts(parts, Body::from(bytes.clone()))).await;
    match response.status() {
        // rmcp answers 415 when the body is JSON-typed but not a JSON-RPC message it can read.
        StatusCode::UNSUPPORTED_MEDIA_TYPE if json_body => jsonrpc_fault(&bytes).into_response(),
        // A stateless server has no request outstanding; a client's response is simply accepted.
        StatusCode::BAD_REQUEST if is_jsonrpc_response(&bytes) => StatusCode::ACCEPTED.into_response(),
        StatusCode::NOT_ACCEPTABLE => {
            (StatusCode::NOT_ACCEPTABLE, "Not Acceptable: this server answers with application/json").into_response()
        }
        _ => response.map(Body::new),
    }
}

/// The first name repeated within one JSON object of `bytes`, if any. A body that is not JSON (or
/// nests deeper than serde_json's limit) has none here; the normal path answers it.
fn duplicate_key(bytes: &Bytes) -> Option<String> {
    use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

    struct Check<'a>(&'a mut Option<String>);

    impl<'de> DeserializeSeed<'de> for Check<'_> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
            deserializer.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Check<'_> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            let mut keys = std::collections::HashSet::new();
            while let Some(key) = map.next_key::<String>()? {
                if self.0.is_none() && !keys.insert(key.clone()) {
                    *self.0 = Some(key);
                }
                map.next_value_seed(Check(self.0))?;
            }
            Ok(())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            while seq.next_element_seed(Check(self.0))?.is_some() {}
            Ok(())
        }
        fn visit_bool<E>(self, _: bool) -> Result<(), E> {
            Ok(())
        }
        fn visit_i64<E>(self, _: i64) -> Result<(), E> {
            Ok(())
        }
        fn visit_u64<E>(self, _: u64) -> Result<(), E> {
            Ok(())
        }
        fn visit_f64<E>(self, _: f64) -> Result<(), E> {
            Ok(())
        }
        fn visit_str<E>(self, _: &str) -> Result<(), E> {
            Ok(())
        }
        fn visit_unit<E>(self) -> Result<(), E> {
            Ok(())
        }
    }

    let mut found = None;
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    Check(&mut found).deserialize(&mut deserializer).ok()?;
    found
}

fn is_length_limit(error: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = source {
        if e.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = e.source();
    }
    false
}

fn is_jsonrpc_response(bytes: &Bytes) -> bool {
    serde_json::from_slice::<Value>(bytes).is_ok_and(|v| {
        v.get("method").is_none() && v.get("id").is_some() && (v.get("result").is_some() || v.get("error").is_some())
    })
}

/// The JSON-RPC error for a body rmcp could not read: -32700 if it is not JSON at all, -32600
/// if it is not one JSON-RPC message, -32602 if a known method has unreadable params.
fn jsonrpc_fault(bytes: &Bytes) -> (StatusCode, axum::Json<Value>) {
    let (code, message, id) = match serde_json::from_slice::<Value>(bytes) {
        Err(_) => (-32700, "Parse error: the body is not valid JSON".to_owned(), Value::Null),
        Ok(Value::Array(_)) => (
            -32600,
            "Invalid Request: batches are not supported; send one JSON-RPC message per request".to_owned(),
            Value::Null,
        ),
        Ok(Value::Object(obj))
            if obj.get("id").is_some_and(|id| !(id.is_string() || id.is_number() || id.is_null())) =>
        {
            (-32600, "Invalid Request: id must be a string or a number".to_owned(), Value::Null)
        }
        Ok(Value::Object(obj)) => {
            let id = obj.get("id").filter(|id| id.is_string() || id.is_number()).cloned().unwrap_or(Value::Null);
            match (obj.get("jsonrpc").and_then(Value::as_str), obj.get("method")) {
                (Some("2.0"), Some(Value::String(method))) => {
                    (-32602, format!("Invalid params for {}", crate::error::truncate_for_message(method, 64)), id)
                }
                (Some("2.0"), _) => {
                    (-32600, "Invalid Request: not a JSON-RPC request, notification or response".to_owned(), id)
                }
                _ => (-32600, "Invalid Request: jsonrpc must be \"2.0\"".to_owned(), id),
            }
        }
        Ok(_) => (-32600, "Invalid Request: a JSON-RPC message is a JSON object".to_owned(), Value::Null),
    };
    let body = json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}});
    (StatusCode::BAD_REQUEST, axum::Json(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(body: &str) -> i64 {
        jsonrpc_fault(&Bytes::from(body.to_owned())).1.0["error"]["code"].as_i64().unwrap_or_default()
    }

    #[test]
    fn faults_are_classified() {
        assert_eq!(code("{not json"), -32700);
        assert_eq!(code("[]"), -32600);
        assert_eq!(code("42"), -32600);
        assert_eq!(code(r#"{"jsonrpc":"1.0","id":1,"method":"ping"}"#), -32600);
        assert_eq!(code(r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":7}"#), -32602);
        assert_eq!(code(r#"{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}"#), -32600);
        assert_eq!(code(r#"{"jsonrpc":"2.0","id":true,"method":"ping"}"#), -32600);
    }

    #[test]
    fn repeated_names_are_found_at_any_depth() {
        let dup = |text: &str| duplicate_key(&Bytes::from(text.to_owned()));
        assert_eq!(dup(r#"{"a":1,"a":2}"#).as_deref(), Some("a"));
        assert_eq!(dup(r#"{"p":{"args":[{"x":1},{"y":{"k":1,"k":2}}]}}"#).as_deref(), Some("k"));
        assert_eq!(dup(r#"{"a":{"b":1},"b":{"a":2}}"#), None, "the same name in different objects is fine");
        assert_eq!(dup(r#"[1,"two",null,true,{"k":"v"}]"#), None);
        assert_eq!(dup("not json"), None);
    }

    #[test]
    fn accept_is_normalised_only_when_json_is_acceptable() {
        let mut h = HeaderMap::new();
        normalise_accept(&mut h);
        assert_eq!(h[header::ACCEPT], "application/json, text/event-stream");
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT, HeaderValue::from_static("text/html"));
        normalise_accept(&mut h);
        assert_eq!(h[header::ACCEPT], "text/html");
        for refused in ["application/json;q=0, text/html", "application/json; q=0.0", "image/png"] {
            let mut h = HeaderMap::new();
            h.insert(header::ACCEPT, HeaderValue::from_static(refused));
            assert!(!accepts_json(&h), "{refused}");
        }
        for accepted in ["*/*", "application/*;q=0.5", "text/event-stream, application/json;q=0.9"] {
            let mut h = HeaderMap::new();
            h.insert(header::ACCEPT, HeaderValue::from_static(accepted));
            assert!(accepts_json(&h), "{accepted}");
        }
    }
}
