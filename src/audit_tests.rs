//! The audit record's rules: names not values, EMF documents per the specification.

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
                assert!(value.is_some_and(|v| (1..=1024).contains(&v.len())), "dimension {name} is a string member");
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
    let mut r = AuditRecord::new(&caller(), &CallTrace::new_trace(), "prod", "create_collection", ToolKind::Mutation);
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
    let doc = metrics_of(&AuditRecord::new(&caller(), &CallTrace::new_trace(), "dev", "get_company", ToolKind::Read));
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
    let mut read = AuditRecord::new(&caller(), &CallTrace::new_trace(), "prod", "ai_search", ToolKind::Read);
    read.decision = Decision::Denied;
    read.outcome = Outcome::Denied;
    let doc = metrics_of(&read);
    assert_eq!((doc["tool_denials"].as_i64(), doc["denied_mutations"].as_i64()), (Some(1), Some(0)));
    assert_eq!((doc["rate_limited"].as_i64(), doc["tool_errors"].as_i64()), (Some(0), Some(0)));

    let mut mutation =
        AuditRecord::new(&caller(), &CallTrace::new_trace(), "dev", "create_collection", ToolKind::Mutation);
    mutation.decision = Decision::Denied;
    mutation.outcome = Outcome::Denied;
    let doc = metrics_of(&mutation);
    assert_eq!((doc["tool_denials"].as_i64(), doc["denied_mutations"].as_i64()), (Some(1), Some(1)));

    let mut limited =
        AuditRecord::new(&caller(), &CallTrace::new_trace(), "dev", "request_email_discovery", ToolKind::Mutation);
    limited.outcome = Outcome::RateLimited;
    let doc = metrics_of(&limited);
    assert_eq!((doc["rate_limited"].as_i64(), doc["tool_denials"].as_i64()), (Some(1), Some(0)));
    assert_eq!(doc["tool_errors"].as_i64(), Some(0), "a rate limit is the caller's, not a fault");

    let ok = metrics_of(&AuditRecord::new(&caller(), &CallTrace::new_trace(), "dev", "get_company", ToolKind::Read));
    assert_eq!((ok["tool_denials"].as_i64(), ok["rate_limited"].as_i64()), (Some(0), Some(0)));
}

#[test]
fn backend_time_is_a_metric_beside_the_latency() {
    let mut r = AuditRecord::new(&caller(), &CallTrace::new_trace(), "dev", "search_companies", ToolKind::Read);
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
