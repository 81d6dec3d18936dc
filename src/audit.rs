//! One structured record per tool call: who, which tool, read or mutation, allowed or denied,
//! outcome and timings. Records carry argument *names*, and values only as a tool hands them over
//! after validation (canonical ids, country codes, limits: `ToolContext::audit_value`), never as
//! given; never a token, a key or free text the user typed.

use std::io::Write;
use std::sync::Mutex;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::Outcome;
use crate::inbound::caller::{Caller, PrincipalSource};
use crate::tools::ToolKind;
use crate::trace::{CallTrace, Hex};

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
    /// The call's trace (W3C form, 32 hex digits): the client's if it sent one, else new.
    pub trace_id: Hex<32>,
    /// The call's own span: the parent of its requests to AppSync.
    pub span_id: Hex<16>,
    /// In Lambda, the invocation's X-Ray trace id: what the X-Ray console shows for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub xray_trace_id: Option<String>,
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
    /// Validated, canonical values the tool chose to show; empty for a refused or invalid call.
    pub args: Map<String, Value>,
    /// For a tool that needs the person's yes (CONFIRM_TOOLS): `asked`, `confirmed`, `declined`,
    /// `refused` (the client cannot ask, or its confirmation was not valid) or `fallback_allowed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirmation: Option<&'static str>,
    /// A mutation answered with an earlier identical call's result; nothing was sent.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub replayed: bool,
    /// For invalid input: which argument was wrong (its name, not its value).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invalid_field: Option<&'static str>,
}

impl AuditRecord {
    pub fn new(caller: &Caller, trace: &CallTrace, stage: &str, tool: &str, kind: ToolKind) -> AuditRecord {
        AuditRecord {
            timestamp: now_rfc3339(),
            level: "INFO",
            target: "audit",
            request_id: caller.request_id.clone(),
            trace_id: trace.span.trace_id(),
            span_id: trace.span.span_id(),
            xray_trace_id: trace.xray_trace_id(),
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
            confirmation: None,
            replayed: false,
            invalid_field: None,
        }
    }

    /// Record the names of the tool's own arguments that were sent; other keys are only counted
    /// (a key can carry text too). No value is taken from the arguments as given.
    pub fn with_arg_names(mut self, arguments: &Map<String, Value>, known: &[String]) -> AuditRecord {
        for name in arguments.keys() {
            if known.contains(name) {
                self.arg_names.push(name.clone());
            } else {
                self.unknown_arg_count += 1;
            }
        }
        self
    }

    /// The call was refused or its arguments did not validate: log no value.
    pub fn forget_values(&mut self) {
        self.args.clear();
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
/// the protocol channel). CloudWatch Logs keeps each line as one event. With a metrics namespace
/// the same line is also a CloudWatch Embedded Metric Format document, so CloudWatch extracts
/// per-tool metrics from the audit path with no API call (Lambda passes JSON lines through).
pub struct JsonLineSink {
    to_stderr: bool,
    metrics_namespace: Option<String>,
}

impl JsonLineSink {
    pub fn stdout(metrics_namespace: Option<String>) -> JsonLineSink {
        JsonLineSink { to_stderr: false, metrics_namespace }
    }

    pub fn stderr(metrics_namespace: Option<String>) -> JsonLineSink {
        JsonLineSink { to_stderr: true, metrics_namespace }
    }

    /// The line written for `record`.
    pub fn line(&self, record: &AuditRecord) -> Option<Vec<u8>> {
        // A record is some 550 bytes, about 1,100 with metrics: one buffer, not a series of
        // regrowths.
        let mut line = Vec::with_capacity(if self.metrics_namespace.is_some() { 1280 } else { 640 });
        match &self.metrics_namespace {
            Some(namespace) => serde_json::to_writer(&mut line, &with_metrics(record, namespace, now_millis())).ok()?,
            None => serde_json::to_writer(&mut line, record).ok()?,
        };
        line.push(b'\n');
        Some(line)
    }
}

impl AuditSink for JsonLineSink {
    fn emit(&self, record: &AuditRecord) {
        let Some(line) = self.line(record) else {
            return;
        };
        // One write per record so concurrent requests never interleave within a line.
        let _ = if self.to_stderr {
            std::io::stderr().lock().write_all(&line)
        } else {
            std::io::stdout().lock().write_all(&line)
        };
    }
}

/// Metric names (members of the EMF document) and their units: one document per tool call.
/// - `tool_calls`: 1 per call.
/// - `tool_errors`: this server's and the backend's faults (`backend_error`, `internal_error`), not
///   the caller's (invalid input, not found, rate limited, denied). An alarm on the error rate
///   divides it by `tool_calls`.
/// - `denied_mutations`: a mutation refused (the alarms and queries that predate `tool_denials`).
/// - `tool_denials`: any call refused by authorization, read or mutation.
/// - `rate_limited`: a call refused by a rate limit.
/// - `latency_ms`: the call's whole time in the server.
/// - `backend_ms`: the part of it spent waiting for the backend (0 when nothing was sent).
///
/// The dashboard in `template.yaml` names these; `tests/e2e/deploy/dashboard.rs` holds it to this
/// list, [`DIMENSIONS`] and the server's namespace.
pub const METRICS: [(&str, &str); 7] = [
    ("tool_calls", "Count"),
    ("tool_errors", "Count"),
    ("denied_mutations", "Count"),
    ("tool_denials", "Count"),
    ("rate_limited", "Count"),
    ("latency_ms", "Milliseconds"),
    ("backend_ms", "Milliseconds"),
];

/// The EMF dimension sets every metric is emitted under: `[stage]` for stage-wide alarms and
/// `[stage, tool]` per tool.
pub const DIMENSIONS: [&[&str]; 2] = [&["stage"], &["stage", "tool"]];

/// The record plus the EMF `_aws` metadata and the metric members, per the Embedded Metric Format
/// specification: the namespace, [`DIMENSIONS`] and [`METRICS`].
fn with_metrics(record: &AuditRecord, namespace: &str, timestamp_ms: i64) -> Value {
    let mut doc = match serde_json::to_value(record) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    let fault = matches!(record.outcome, Outcome::BackendError | Outcome::InternalError);
    let denied = record.decision == Decision::Denied;
    let denied_mutation = record.kind == ToolKind::Mutation && denied;
    for (name, _) in METRICS {
        let value: Value = match name {
            "tool_calls" => 1.into(),
            "tool_errors" => u8::from(fault).into(),
            "denied_mutations" => u8::from(denied_mutation).into(),
            "tool_denials" => u8::from(denied).into(),
            "rate_limited" => u8::from(record.outcome == Outcome::RateLimited).into(),
            "latency_ms" => record.duration_ms.into(),
            "backend_ms" => record.backend_ms.into(),
            _ => continue,
        };
        doc.insert(name.into(), value);
    }
    let metrics: Vec<Value> =
        METRICS.iter().map(|(name, unit)| serde_json::json!({"Name": name, "Unit": unit})).collect();
    doc.insert(
        "_aws".into(),
        serde_json::json!({
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": namespace,
                "Dimensions": DIMENSIONS,
                "Metrics": metrics,
            }],
        }),
    );
    Value::Object(doc)
}

fn now_millis() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
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
#[path = "audit_tests.rs"]
mod tests;
