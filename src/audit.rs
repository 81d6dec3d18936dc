//! One structured record per tool call: who, which tool, read or mutation, allowed or denied,
//! outcome and timings. Records carry argument *names*, and values only for arguments a tool
//! marks safe; never a token, a key or free text the user typed.

use std::io::Write;
use std::sync::Mutex;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::caller::{Caller, PrincipalSource};
use crate::error::Outcome;
use crate::tools::ToolKind;

const MAX_ARG_NAMES: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Allowed,
    Denied,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AuditRecord {
    pub timestamp: String,
    pub level: &'static str,
    pub target: &'static str,
    pub request_id: String,
    pub stage: String,
    pub principal: Option<String>,
    pub principal_source: PrincipalSource,
    pub tool: String,
    pub kind: ToolKind,
    pub decision: Decision,
    pub outcome: Outcome,
    pub duration_ms: f64,
    pub backend_ms: f64,
    pub result_count: Option<usize>,
    pub arg_names: Vec<String>,
    /// Values of the arguments the tool marks safe to log.
    pub args: Map<String, Value>,
    /// For invalid input: which argument was wrong (its name, not its value).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invalid_field: Option<&'static str>,
}

impl AuditRecord {
    pub fn new(caller: &Caller, stage: &str, tool: &str, kind: ToolKind) -> AuditRecord {
        AuditRecord {
            timestamp: now_rfc3339(),
            level: "INFO",
            target: "audit",
            request_id: caller.request_id.clone(),
            stage: stage.to_owned(),
            principal: caller.principal.clone(),
            principal_source: caller.source,
            tool: tool.to_owned(),
            kind,
            decision: Decision::Allowed,
            outcome: Outcome::Ok,
            duration_ms: 0.0,
            backend_ms: 0.0,
            result_count: None,
            arg_names: Vec::new(),
            args: Map::new(),
            invalid_field: None,
        }
    }

    /// Record argument names, and the values of `safe` ones (bounded in size).
    pub fn with_args(mut self, arguments: &Map<String, Value>, safe: &[&str]) -> AuditRecord {
        // A hostile call can send thousands of keys; the record stays one short line.
        self.arg_names =
            arguments.keys().take(MAX_ARG_NAMES).map(|k| crate::error::truncate_for_message(k, 64)).collect();
        for (name, value) in arguments {
            if safe.contains(&name.as_str()) {
                self.args.insert(name.clone(), bounded(value));
            }
        }
        self
    }
}

/// Safe values are still user input: keep them short in the log.
fn bounded(value: &Value) -> Value {
    match value {
        Value::String(s) => Value::String(crate::error::truncate_for_message(s, 100)),
        Value::Array(items) => Value::Array(items.iter().take(50).map(bounded).collect()),
        Value::Object(_) => Value::String("<object>".into()),
        other => other.clone(),
    }
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// Where audit records go.
pub trait AuditSink: Send + Sync {
    fn emit(&self, record: &AuditRecord);
}

/// One JSON line per record on stdout (Lambda, `serve`) or stderr (`stdio`, where stdout is
/// the protocol channel). CloudWatch Logs keeps each line as one event.
pub enum JsonLineSink {
    Stdout,
    Stderr,
}

impl AuditSink for JsonLineSink {
    fn emit(&self, record: &AuditRecord) {
        let Ok(mut line) = serde_json::to_vec(record) else {
            return;
        };
        line.push(b'\n');
        // One write per record so concurrent requests never interleave within a line.
        let _ = match self {
            JsonLineSink::Stdout => std::io::stdout().lock().write_all(&line),
            JsonLineSink::Stderr => std::io::stderr().lock().write_all(&line),
        };
    }
}

/// Keeps records in memory, for tests.
#[derive(Default)]
pub struct MemorySink {
    records: Mutex<Vec<AuditRecord>>,
}

impl MemorySink {
    pub fn records(&self) -> Vec<AuditRecord> {
        self.records.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

impl AuditSink for MemorySink {
    fn emit(&self, record: &AuditRecord) {
        self.records.lock().unwrap_or_else(|p| p.into_inner()).push(record.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::caller::Caller;

    fn caller() -> Caller {
        Caller { principal: Some("p".into()), source: PrincipalSource::Local, request_id: "r".into(), scopes: vec![] }
    }

    #[test]
    fn only_safe_values_are_kept_and_bounded() {
        let args: Map<String, Value> = serde_json::from_value(serde_json::json!({
            "query": "my secret plans", "country": "x".repeat(500), "ids": (0..80).collect::<Vec<_>>()
        }))
        .unwrap();
        let r = AuditRecord::new(&caller(), "dev", "search_companies", ToolKind::Read)
            .with_args(&args, &["country", "ids"]);
        assert!(!r.args.contains_key("query"));
        assert_eq!(r.args["country"].as_str().map(|s| s.chars().count()), Some(101));
        assert_eq!(r.args["ids"].as_array().map(Vec::len), Some(50));
        assert_eq!(r.arg_names.len(), 3);
    }

    #[test]
    fn argument_names_are_capped() {
        let args: Map<String, Value> = (0..1000).map(|i| (format!("k{i}"), Value::Null)).collect();
        let r = AuditRecord::new(&caller(), "dev", "t", ToolKind::Read).with_args(&args, &[]);
        assert_eq!(r.arg_names.len(), MAX_ARG_NAMES);
    }
}
