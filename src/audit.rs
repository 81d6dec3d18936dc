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
    /// Names of the tool's own arguments present in the call.
    pub arg_names: Vec<String>,
    /// Keys that are not arguments of the tool (their names are not logged).
    pub unknown_arg_count: usize,
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
            unknown_arg_count: 0,
            args: Map::new(),
            invalid_field: None,
        }
    }

    /// Record the names of the tool's own arguments that were sent (other keys are only
    /// counted: a key can carry text too), and the values of `safe` ones, bounded in size.
    /// Values are dropped again by [`AuditRecord::forget_values`] if validation fails.
    pub fn with_args(mut self, arguments: &Map<String, Value>, known: &[String], safe: &[&str]) -> AuditRecord {
        for (name, value) in arguments {
            if !known.contains(name) {
                self.unknown_arg_count += 1;
                continue;
            }
            self.arg_names.push(name.clone());
            if safe.contains(&name.as_str()) {
                self.args.insert(name.clone(), bounded(value));
            }
        }
        self
    }

    /// The arguments did not validate: even "safe" fields may hold anything, so log no value.
    pub fn forget_values(&mut self) {
        self.args.clear();
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
        Caller { principal: Some("p".into()), source: PrincipalSource::Local, request_id: "r".into() }
    }

    fn known(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn only_safe_values_are_kept_and_bounded() {
        let args: Map<String, Value> = serde_json::from_value(serde_json::json!({
            "query": "my secret plans", "country": "x".repeat(500), "ids": (0..80).collect::<Vec<_>>()
        }))
        .unwrap();
        let r = AuditRecord::new(&caller(), "dev", "search_companies", ToolKind::Read).with_args(
            &args,
            &known(&["query", "country", "ids"]),
            &["country", "ids"],
        );
        assert!(!r.args.contains_key("query"));
        assert_eq!(r.args["country"].as_str().map(|s| s.chars().count()), Some(101));
        assert_eq!(r.args["ids"].as_array().map(Vec::len), Some(50));
        assert_eq!(r.arg_names.len(), 3);
    }

    #[test]
    fn unknown_keys_are_counted_not_named() {
        let args: Map<String, Value> = (0..1000)
            .map(|i| (format!("password=hunter{i}"), Value::Null))
            .chain([("query".into(), Value::Null)])
            .collect();
        let r = AuditRecord::new(&caller(), "dev", "t", ToolKind::Read).with_args(&args, &known(&["query"]), &[]);
        assert_eq!(r.arg_names, ["query"]);
        assert_eq!(r.unknown_arg_count, 1000);
        assert!(!serde_json::to_string(&r).unwrap().contains("hunter"));
    }

    #[test]
    fn values_are_forgotten_when_validation_fails() {
        let args: Map<String, Value> =
            serde_json::from_value(serde_json::json!({"country": "my key is da2-abc"})).unwrap();
        let mut r = AuditRecord::new(&caller(), "dev", "t", ToolKind::Read).with_args(
            &args,
            &known(&["country"]),
            &["country"],
        );
        r.forget_values();
        assert!(r.args.is_empty());
        assert_eq!(r.arg_names, ["country"]);
    }
}
