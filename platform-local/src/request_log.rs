//! The platform's record of each GraphQL request it ran, one JSON line on stdout, as AppSync's
//! request logs and X-Ray segments record them: when, which operation, and the trace it belongs
//! to (from `traceparent`, and the X-Ray `Root` of `X-Amzn-Trace-Id`), so a caller's trace can be
//! followed into the platform. Values are kept only when well formed; nothing else of the request
//! (no variables, no credentials) is written.

use std::io::Write;

use axum::http::HeaderMap;
use serde_json::json;

/// Write the record of one request.
pub(crate) fn record(headers: &HeaderMap, operation: Option<&str>, status: u16) {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let traceparent = header("traceparent").and_then(w3c_ids);
    let xray_root = header("x-amzn-trace-id").and_then(xray_root);
    let line = json!({
        "target": "platform.request",
        "timestamp_ms": std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64),
        "operation": operation.filter(|o| o.len() <= 64 && o.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')),
        "status": status,
        "trace_id": traceparent.map(|(trace, _)| trace),
        "parent_span_id": traceparent.map(|(_, parent)| parent),
        "xray_trace_id": xray_root,
    });
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
}

fn is_hex(text: &str, len: usize) -> bool {
    text.len() == len && text.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
}

/// `00-<32 hex>-<16 hex>-<2 hex>`: the trace id and the caller's span id.
fn w3c_ids(value: &str) -> Option<(&str, &str)> {
    let mut parts = value.trim().split('-');
    let (version, trace, parent, flags) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    (is_hex(version, 2) && is_hex(trace, 32) && is_hex(parent, 16) && is_hex(flags, 2)).then_some((trace, parent))
}

/// `Root=1-<8 hex>-<24 hex>` among the header's fields.
fn xray_root(value: &str) -> Option<&str> {
    let root = value.split(';').find_map(|field| field.trim().strip_prefix("Root="))?;
    let mut parts = root.split('-');
    let well_formed = parts.next() == Some("1")
        && parts.next().is_some_and(|epoch| is_hex(epoch, 8))
        && parts.next().is_some_and(|unique| is_hex(unique, 24))
        && parts.next().is_none();
    well_formed.then_some(root)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_well_formed_ids_are_kept() {
        let ids = w3c_ids("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        assert_eq!(ids, Some(("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331")));
        assert_eq!(w3c_ids("00-secret-b7ad6b7169203331-01"), None);
        let root = xray_root("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1");
        assert_eq!(root, Some("1-5759e988-bd862e3fe1be46a994272793"));
        assert_eq!(xray_root("Root=1-5759e988-not hex;Sampled=1"), None);
    }
}
