//! The guard in front of rmcp's service: it limits the body (413), refuses unsupported version
//! headers (-32022), normalises `Accept`, finds duplicate JSON keys, and turns the few answers
//! MCP clients expect as JSON-RPC (parse errors, invalid requests) into JSON-RPC.

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use serde_json::{Value, json};

use super::body_scan::{Scan, scan};
use crate::mcp::handler::SUPPORTED_VERSIONS;

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

/// The version header, when it names a revision this server speaks that has no handshake.
fn stateless_era(headers: &HeaderMap) -> Option<&str> {
    let version = headers.get("mcp-protocol-version")?.to_str().ok()?;
    SUPPORTED_VERSIONS.iter().any(|v| v.as_str() == version && !v.has_initialize()).then_some(version)
}

/// `initialize` sent in a revision that has no handshake (2026-07-28 and later) is a method that
/// revision does not define: 404 with -32601, as for ping. Handshake-era clients send no such
/// version header with `initialize`, and keep getting the handshake.
fn handshake_without_era(headers: &HeaderMap, body: &Bytes, scan: Option<&Scan>) -> Option<Response> {
    let version = stateless_era(headers)?;
    if !scan.is_some_and(|s| s.initialize) {
        return None;
    }
    let request = serde_json::from_slice::<Value>(body).ok()?;
    let id = request.get("id").filter(|id| id.is_string() || id.is_number()).cloned().unwrap_or(Value::Null);
    let message = format!("Method not found: protocol {version} has no initialize; use server/discover");
    let body = json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32601, "message": message}});
    Some((StatusCode::NOT_FOUND, axum::Json(body)).into_response())
}

pub(super) async fn guard(State(max_body): State<usize>, request: Request, next: Next) -> Response {
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
    if let Some(refusal) = unsupported_version(&parts.headers, &bytes) {
        return refusal;
    }
    let scan = (json_body || stateless_era(&parts.headers).is_some()).then(|| scan(&bytes)).flatten();
    if let Some(refusal) = handshake_without_era(&parts.headers, &bytes, scan.as_ref()) {
        return refusal;
    }
    if let Some(key) = scan.and_then(|s| s.duplicate).filter(|_| json_body) {
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
