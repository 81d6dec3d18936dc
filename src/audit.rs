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
use crate::trace::CallTrace;

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
    pub trace_id: String,
    /// The call's own span: the parent of its requests to AppSync.
    pub span_id: String,
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
        // A record is some 450 bytes (more with metrics): one buffer, not a series of regrowths.
        let mut line = Vec::with_capacity(512);
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
mod tests {
    use super::*;
    use crate::inbound::caller::Caller;

    fn caller() -> Caller {
        Caller { principal: Some("local:p".into()), source: PrincipalSource::Local, ..Caller::anonymous() }
    }

    fn known(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn arguments_as_given_leave_names_only() {
        let args: Map<String, Value> = serde_json::from_value(serde_json::json!({
            "query": "my secret plans", "country": "germany", "ids": (0..80).collect::<Vec<_>>()
        }))
        .unwrap();
        let r = AuditRecord::new(&caller(), &CallTrace::new_trace(), "dev", "search_companies", ToolKind::Read)
            .with_arg_names(&args, &known(&["query", "country", "ids"]));
        assert!(r.args.is_empty(), "values come from the tool after validation, never from the arguments");
        assert_eq!(r.arg_names.len(), 3);
    }

    #[test]
    fn unknown_keys_are_counted_not_named() {
        let args: Map<String, Value> = (0..1000)
            .map(|i| (format!("password=hunter{i}"), Value::Null))
            .chain([("query".into(), Value::Null)])
            .collect();
        let r = AuditRecord::new(&caller(), &CallTrace::new_trace(), "dev", "t", ToolKind::Read)
            .with_arg_names(&args, &known(&["query"]));
        assert_eq!(r.arg_names, ["query"]);
        assert_eq!(r.unknown_arg_count, 1000);
        assert!(!serde_json::to_string(&r).unwrap().contains("hunter"));
    }

    /// The Embedded Metric Format specification's rules for one document: the root holds `_aws`
    /// with an integer millisecond `Timestamp` and `CloudWatchMetrics`, an array of directives with
    /// exactly `Namespace` (1-1024 chars), `Dimensions` (arrays of 1-30 dimension names) and
    /// `Metrics` (1-100 objects of `Name` 1-1024 chars, optional `Unit` from CloudWatch's list and
    /// `StorageResolution` 1 or 60); every dimension a root member with a string value (1-1024
    /// chars), every metric a root member holding a number (or up to 100 numbers).
    fn assert_emf(doc: &Value) {
        const UNITS: [&str; 27] = [
            "Seconds",
            "Microseconds",
            "Milliseconds",
            "Bytes",
            "Kilobytes",
            "Megabytes",
            "Gigabytes",
            "Terabytes",
            "Bits",
            "Kilobits",
            "Megabits",
            "Gigabits",
            "Terabits",
            "Percent",
            "Count",
            "Bytes/Second",
            "Kilobytes/Second",
            "Megabytes/Second",
            "Gigabytes/Second",
            "Terabytes/Second",
            "Bits/Second",
            "Kilobits/Second",
            "Megabits/Second",
            "Gigabits/Second",
            "Terabits/Second",
            "Count/Second",
            "None",
        ];
        let root = doc.as_object().expect("root is an object");
        let aws = root["_aws"].as_object().expect("_aws is an object");
        assert!(aws["Timestamp"].as_i64().is_some_and(|t| t > 1_600_000_000_000), "Timestamp in ms: {aws:?}");
        let directives = aws["CloudWatchMetrics"].as_array().expect("CloudWatchMetrics is an array");
        assert!(!directives.is_empty());
        for directive in directives {
            let directive = directive.as_object().expect("a MetricDirective is an object");
            let mut keys: Vec<&str> = directive.keys().map(String::as_str).collect();
            keys.sort_unstable();
            assert_eq!(keys, ["Dimensions", "Metrics", "Namespace"], "no other members");
            let namespace = directive["Namespace"].as_str().expect("Namespace is a string");
            assert!((1..=1024).contains(&namespace.len()));
            for set in directive["Dimensions"].as_array().expect("Dimensions is an array") {
                let set = set.as_array().expect("a DimensionSet is an array");
                assert!((1..=30).contains(&set.len()), "1 to 30 dimensions per set");
                for name in set {
                    let value = root[name.as_str().expect("dimension names are strings")].as_str();
                    assert!(
                        value.is_some_and(|v| (1..=1024).contains(&v.len())),
                        "dimension {name} is a string member"
                    );
                }
            }
            let metrics = directive["Metrics"].as_array().expect("Metrics is an array");
            assert!((1..=100).contains(&metrics.len()));
            for metric in metrics {
                let metric = metric.as_object().expect("a MetricDefinition is an object");
                assert!(metric.keys().all(|k| ["Name", "Unit", "StorageResolution"].contains(&k.as_str())));
                let name = metric["Name"].as_str().expect("Name is a string");
                assert!((1..=1024).contains(&name.len()));
                if let Some(unit) = metric.get("Unit") {
                    assert!(UNITS.contains(&unit.as_str().unwrap_or_default()), "unit {unit}");
                }
                let value = &root[name];
                let numbers = value.as_array().map_or(vec![value], |a| a.iter().collect());
                assert!(numbers.len() <= 100 && numbers.iter().all(|v| v.is_number()), "metric {name} is numeric");
            }
        }
    }

    #[test]
    fn each_record_is_an_emf_document_with_per_tool_metrics() {
        let mut r =
            AuditRecord::new(&caller(), &CallTrace::new_trace(), "prod", "create_collection", ToolKind::Mutation);
        r.decision = Decision::Denied;
        r.outcome = Outcome::Denied;
        r.duration_ms = 1.5;
        let sink = JsonLineSink::stdout(Some("B2bMcp".into()));
        let line = sink.line(&r).expect("a line");
        assert_eq!(line.last(), Some(&b'\n'));
        assert_eq!(line.iter().filter(|b| **b == b'\n').count(), 1, "one line");
        let doc: Value = serde_json::from_slice(&line).expect("JSON");
        assert_emf(&doc);
        assert_eq!(doc["_aws"]["CloudWatchMetrics"][0]["Namespace"], "B2bMcp");
        assert_eq!((doc["tool_calls"].as_i64(), doc["denied_mutations"].as_i64()), (Some(1), Some(1)));
        assert_eq!((doc["tool_errors"].as_i64(), doc["latency_ms"].as_f64()), (Some(0), Some(1.5)));
        assert_eq!(doc["target"], "audit", "still the audit record");

        r.outcome = Outcome::BackendError;
        r.decision = Decision::Allowed;
        let doc: Value = serde_json::from_slice(&sink.line(&r).expect("a line")).expect("JSON");
        assert_eq!((doc["tool_errors"].as_i64(), doc["denied_mutations"].as_i64()), (Some(1), Some(0)));
        r.outcome = Outcome::InvalidInput;
        let doc: Value = serde_json::from_slice(&sink.line(&r).expect("a line")).expect("JSON");
        assert_eq!(doc["tool_errors"].as_i64(), Some(0), "the caller's mistakes are not our errors");
    }

    fn metrics_of(record: &AuditRecord) -> Value {
        let line = JsonLineSink::stdout(Some("B2bMcp".into())).line(record).expect("a line");
        let doc: Value = serde_json::from_slice(&line).expect("JSON");
        assert_emf(&doc);
        doc
    }

    #[test]
    fn every_metric_is_declared_with_both_dimension_sets_and_present() {
        let doc = metrics_of(&AuditRecord::new(&caller(), "dev", "get_company", ToolKind::Read));
        let directive = &doc["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Dimensions"], serde_json::json!([["stage"], ["stage", "tool"]]));
        let declared: Vec<(&str, &str)> = directive["Metrics"]
            .as_array()
            .expect("Metrics")
            .iter()
            .map(|m| (m["Name"].as_str().expect("Name"), m["Unit"].as_str().expect("Unit")))
            .collect();
        assert_eq!(declared, METRICS);
        for name in ["tool_denials", "rate_limited", "backend_ms"] {
            assert!(METRICS.iter().any(|(n, _)| *n == name), "the dashboard needs {name}");
        }
    }

    #[test]
    fn denials_count_reads_and_mutations_and_rate_limits_count_apart() {
        let mut read = AuditRecord::new(&caller(), "prod", "ai_search", ToolKind::Read);
        read.decision = Decision::Denied;
        read.outcome = Outcome::Denied;
        let doc = metrics_of(&read);
        assert_eq!((doc["tool_denials"].as_i64(), doc["denied_mutations"].as_i64()), (Some(1), Some(0)));
        assert_eq!((doc["rate_limited"].as_i64(), doc["tool_errors"].as_i64()), (Some(0), Some(0)));

        let mut mutation = AuditRecord::new(&caller(), "dev", "create_collection", ToolKind::Mutation);
        mutation.decision = Decision::Denied;
        mutation.outcome = Outcome::Denied;
        let doc = metrics_of(&mutation);
        assert_eq!((doc["tool_denials"].as_i64(), doc["denied_mutations"].as_i64()), (Some(1), Some(1)));

        let mut limited = AuditRecord::new(&caller(), "dev", "request_email_discovery", ToolKind::Mutation);
        limited.outcome = Outcome::RateLimited;
        let doc = metrics_of(&limited);
        assert_eq!((doc["rate_limited"].as_i64(), doc["tool_denials"].as_i64()), (Some(1), Some(0)));
        assert_eq!(doc["tool_errors"].as_i64(), Some(0), "a rate limit is the caller's, not a fault");

        let ok = metrics_of(&AuditRecord::new(&caller(), "dev", "get_company", ToolKind::Read));
        assert_eq!((ok["tool_denials"].as_i64(), ok["rate_limited"].as_i64()), (Some(0), Some(0)));
    }

    #[test]
    fn backend_time_is_a_metric_beside_the_latency() {
        let mut r = AuditRecord::new(&caller(), "dev", "search_companies", ToolKind::Read);
        r.duration_ms = 42.5;
        r.backend_ms = 40.25;
        let doc = metrics_of(&r);
        assert_eq!((doc["latency_ms"].as_f64(), doc["backend_ms"].as_f64()), (Some(42.5), Some(40.25)));
        let units: Vec<&str> = METRICS.iter().filter(|(n, _)| n.ends_with("_ms")).map(|(_, u)| *u).collect();
        assert_eq!(units, ["Milliseconds", "Milliseconds"]);
    }

    #[test]
    fn without_a_namespace_the_record_carries_no_metrics() {
        let r = AuditRecord::new(&caller(), &CallTrace::new_trace(), "local", "get_company", ToolKind::Read);
        let doc: Value = serde_json::from_slice(&JsonLineSink::stdout(None).line(&r).expect("a line")).expect("JSON");
        assert!(doc.get("_aws").is_none() && doc.get("tool_calls").is_none());
    }

    #[test]
    fn values_are_forgotten_when_a_call_is_refused() {
        let args: Map<String, Value> = serde_json::from_value(serde_json::json!({"country": "DE"})).unwrap();
        let mut r = AuditRecord::new(&caller(), &CallTrace::new_trace(), "dev", "t", ToolKind::Read)
            .with_arg_names(&args, &known(&["country"]));
        r.args.insert("country".into(), "DE".into());
        r.forget_values();
        assert!(r.args.is_empty());
        assert_eq!(r.arg_names, ["country"]);
    }
}
