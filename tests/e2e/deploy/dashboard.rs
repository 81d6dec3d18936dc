//! The stage's CloudWatch dashboard, rendered as each stage gets it and held to what the server
//! emits: every metric it names is one of `b2b_mcp::audit::METRICS`, in the namespace the server's
//! own configuration gives that stage, under one of `b2b_mcp::audit::DIMENSIONS` with the stage
//! fixed, or one of the function's own `AWS/Lambda` metrics. A metric renamed on either side, a
//! dimension the server does not emit or another namespace fails here. It also shows what issue 16
//! asks of it, and its Logs Insights panels read the function's log group in the format it writes.

use std::collections::BTreeMap;

use b2b_mcp::Mode;
use b2b_mcp::audit::{DIMENSIONS, METRICS};
use serde_json::Value;

use super::cfn::{REGION, Stack, scalar};
use super::{STAGES, deployed, environment, function};

/// `AWS/Lambda` metrics of a function (Lambda's documentation), to catch a misspelt one.
const LAMBDA_METRICS: [&str; 8] = [
    "Invocations",
    "Errors",
    "Throttles",
    "Duration",
    "ConcurrentExecutions",
    "UnreservedConcurrentExecutions",
    "ProvisionedConcurrentExecutions",
    "DeadLetterErrors",
];

/// One metric a widget names: where a SEARCH spans a dimension its value is `None`.
#[derive(Debug, Clone)]
struct MetricRef {
    widget: String,
    namespace: String,
    name: String,
    dimensions: BTreeMap<String, Option<String>>,
    stat: String,
}

impl MetricRef {
    fn dimension_names(&self) -> Vec<&str> {
        self.dimensions.keys().map(String::as_str).collect()
    }
}

/// Each stage with the namespace it deploys with, and once with another namespace (one that needs
/// quoting in a SEARCH schema), which the dashboard must follow as the server does.
fn stacks() -> Vec<(String, Stack)> {
    let mut stacks: Vec<(String, Stack)> = STAGES.iter().map(|s| (s.to_string(), deployed(s, &[]))).collect();
    stacks.push((
        "prod, MetricsNamespace=Acme/B2b Mcp".into(),
        deployed("prod", &[("MetricsNamespace", "Acme/B2b Mcp")]),
    ));
    stacks
}

fn body(stack: &Stack) -> Value {
    let dashboard = stack.resource("Dashboard");
    assert_eq!(dashboard["Type"], "AWS::CloudWatch::Dashboard");
    let text = dashboard["Properties"]["DashboardBody"].as_str().expect("DashboardBody renders to a string");
    serde_json::from_str(text).unwrap_or_else(|e| panic!("DashboardBody is not JSON ({e}):\n{text}"))
}

fn widgets(stack: &Stack, kind: &str) -> Vec<Value> {
    let body = body(stack);
    let all = body["widgets"].as_array().expect("widgets");
    all.iter().filter(|w| w["type"] == kind).cloned().collect()
}

/// Every metric the metric widgets name, explicit rows and SEARCH expressions alike. Anything
/// this cannot read (the "." shorthand, metric math over names) fails: write it so it can be checked.
fn metric_refs(stack: &Stack) -> Vec<MetricRef> {
    let mut refs = Vec::new();
    for widget in widgets(stack, "metric") {
        let props = &widget["properties"];
        let title = props["title"].as_str().unwrap_or_default().to_owned();
        let default_stat = props["stat"].as_str().unwrap_or("Average");
        for row in props["metrics"].as_array().expect("a metric widget lists metrics") {
            let row = row.as_array().expect("a metrics row is an array");
            if let [only] = row.as_slice()
                && let Some(expression) = only.get("expression")
            {
                refs.push(search(&title, expression.as_str().expect("an expression is a string")));
                continue;
            }
            let (options, names) = match row.split_last() {
                Some((last, rest)) if last.is_object() => (last.clone(), rest),
                _ => (Value::Null, row.as_slice()),
            };
            let names: Vec<String> = names.iter().map(scalar).collect();
            assert!(!names.iter().any(|n| n == "."), "{title}: write every row out, no \".\" shorthand");
            let [namespace, name, dims @ ..] = names.as_slice() else { panic!("{title}: row {row:?}") };
            assert!(dims.len() % 2 == 0, "{title}: dimension names and values in pairs: {row:?}");
            refs.push(MetricRef {
                widget: title.clone(),
                namespace: namespace.clone(),
                name: name.clone(),
                dimensions: dims.chunks(2).map(|p| (p[0].clone(), Some(p[1].clone()))).collect(),
                stat: options["stat"].as_str().unwrap_or(default_stat).to_owned(),
            });
        }
    }
    refs
}

/// `SEARCH('{"Namespace",dim,...} MetricName="m" dim="v"', 'Stat', period)`: the schema (exactly
/// these dimensions) and exact-match terms only, so the metrics it can match are known.
fn search(widget: &str, expression: &str) -> MetricRef {
    let (namespace, name, dimensions, stat) = parse_search(expression)
        .unwrap_or_else(|| panic!("{widget}: only one SEARCH with exact terms is understood here: {expression}"));
    MetricRef { widget: widget.to_owned(), namespace, name, dimensions, stat }
}

type Search = (String, String, BTreeMap<String, Option<String>>, String);

fn parse_search(expression: &str) -> Option<Search> {
    let inner = expression.strip_prefix("SEARCH('")?.strip_suffix(')')?;
    let (query_and_stat, period) = inner.rsplit_once(", ")?;
    period.parse::<u32>().ok()?;
    let (query, stat) = query_and_stat.rsplit_once("', '")?;
    let stat = stat.strip_suffix('\'')?;
    let (schema, terms) = query.strip_prefix('{')?.split_once('}')?;
    let mut schema = schema.split(',').map(|part| part.trim().trim_matches('"').to_owned());
    let namespace = schema.next()?;
    let mut dimensions: BTreeMap<String, Option<String>> = schema.map(|d| (d, None)).collect();
    let mut name = None;
    for term in terms.split_whitespace() {
        let (key, value) = term.split_once('=')?;
        let value = value.strip_prefix('"')?.strip_suffix('"')?.to_owned();
        if key == "MetricName" {
            name = Some(value);
        } else {
            *dimensions.get_mut(key)? = Some(value);
        }
    }
    Some((namespace, name?, dimensions, stat.to_owned()))
}

#[test]
fn every_metric_the_dashboard_names_is_one_the_server_emits() {
    for (label, stack) in stacks() {
        let env = environment(&stack);
        let config = b2b_mcp::configure(Mode::Lambda, |k| env.get(k).cloned()).expect("the server's configuration");
        let namespace = config.metrics_namespace.clone().unwrap_or_else(|| panic!("{label}: EMF is on in Lambda"));
        let function_name = scalar(&function(&stack)["FunctionName"]);
        let refs = metric_refs(&stack);
        assert!(refs.len() >= 10, "{label}: {refs:?}");
        for r in refs {
            if r.namespace == namespace {
                let unit = METRICS.iter().find(|(name, _)| *name == r.name).map(|(_, unit)| *unit);
                let unit =
                    unit.unwrap_or_else(|| panic!("{label}: {:?} names {}, not in audit::METRICS", r.widget, r.name));
                let mut names = r.dimension_names();
                names.sort_unstable();
                let emitted = DIMENSIONS.iter().any(|set| {
                    let mut set = set.to_vec();
                    set.sort_unstable();
                    set == names
                });
                assert!(emitted, "{label}: {:?}: {} under {names:?}, not one of {DIMENSIONS:?}", r.widget, r.name);
                assert_eq!(r.dimensions["stage"].as_deref(), Some(config.stage.as_str()), "{label}: {r:?}");
                let stat_fits = match unit {
                    "Count" => r.stat == "Sum",
                    _ => r.stat.starts_with('p') || ["Average", "Maximum", "Minimum"].contains(&r.stat.as_str()),
                };
                assert!(stat_fits, "{label}: {:?}: {} ({unit}) as {}", r.widget, r.name, r.stat);
            } else if r.namespace == "AWS/Lambda" {
                assert!(LAMBDA_METRICS.contains(&r.name.as_str()), "{label}: AWS/Lambda has no {}", r.name);
                let only_this_function = BTreeMap::from([("FunctionName".to_owned(), Some(function_name.clone()))]);
                assert_eq!(r.dimensions, only_this_function, "{label}: {r:?}");
            } else {
                panic!("{label}: {:?} reads namespace {:?}; the server writes {namespace:?}", r.widget, r.namespace);
            }
        }
    }
}

#[test]
fn the_dashboard_shows_each_tools_calls_errors_denials_limits_and_latency() {
    for (label, stack) in stacks() {
        let refs = metric_refs(&stack);
        let per_tool = |name: &str, stat: &str| -> Vec<MetricRef> {
            let spans_tools = |r: &&MetricRef| r.dimensions.get("tool") == Some(&None) && r.dimensions.len() == 2;
            refs.iter().filter(spans_tools).filter(|r| r.name == name && r.stat == stat).cloned().collect()
        };
        for name in ["tool_calls", "tool_errors", "tool_denials", "rate_limited"] {
            assert!(!per_tool(name, "Sum").is_empty(), "{label}: no per-tool {name} (Sum)");
        }
        for stat in ["p50", "p99"] {
            let latency = per_tool("latency_ms", stat);
            let backend = per_tool("backend_ms", stat);
            assert!(!latency.is_empty(), "{label}: no per-tool latency_ms {stat}");
            let beside = latency.iter().any(|l| backend.iter().any(|b| b.widget == l.widget));
            assert!(beside, "{label}: backend_ms {stat} is not in the widget of latency_ms {stat}");
        }
        let stage_totals: Vec<&str> =
            refs.iter().filter(|r| r.dimension_names() == ["stage"]).map(|r| r.name.as_str()).collect();
        assert_eq!(stage_totals, ["tool_calls", "tool_errors", "tool_denials", "rate_limited"], "{label}");
        let lambda: Vec<(&str, &str)> =
            refs.iter().filter(|r| r.namespace == "AWS/Lambda").map(|r| (r.name.as_str(), r.stat.as_str())).collect();
        assert_eq!(lambda, [("ConcurrentExecutions", "Maximum"), ("Throttles", "Sum")], "{label}");
    }
}

/// Every panel reads this stage's log group. Init duration comes from Lambda's `platform.report`
/// record under the JSON log format (`record.metrics.initDurationMs`; a text format would need the
/// REPORT line's `@initDuration`); the audit panel lists denied and failed calls with their ids.
#[test]
fn log_panels_read_the_stages_log_group_in_the_format_it_is_written() {
    for (label, stack) in stacks() {
        let function = function(&stack);
        assert_eq!(function["LoggingConfig"]["LogFormat"], "JSON", "{label}: the init-duration query assumes JSON");
        let group = scalar(&stack.resource("LogGroup")["Properties"]["LogGroupName"]);
        let queries: Vec<String> = widgets(&stack, "log")
            .iter()
            .map(|w| {
                assert_eq!(w["properties"]["region"], REGION, "{label}");
                w["properties"]["query"].as_str().expect("a log widget has a query").to_owned()
            })
            .collect();
        for query in &queries {
            let source = format!("SOURCE '{group}' | ");
            assert!(query.starts_with(&source), "{label}: {query} does not read {group}");
        }
        let init = queries.iter().find(|q| q.contains("platform.report")).expect("an init-duration panel");
        assert!(
            init.contains(r#"filter type = "platform.report" and ispresent(record.metrics.initDurationMs)"#),
            "{init}"
        );
        assert!(init.contains("pct(record.metrics.initDurationMs, 99)") && init.contains("by bin("), "{init}");
        let audit = queries.iter().find(|q| q.contains(r#"target = "audit""#)).expect("an audit panel");
        for part in
            [r#"decision = "denied""#, r#""backend_error", "internal_error""#, "sort @timestamp desc", "| limit "]
        {
            assert!(audit.contains(part), "{label}: the audit panel lacks {part}: {audit}");
        }
        for field in ["tool", "principal", "decision", "outcome", "request_id", "trace_id", "duration_ms"] {
            assert!(
                audit.contains(&format!(" {field},")) || audit.contains(&format!(" {field} |")),
                "{label}: {field}"
            );
        }
    }
}

#[test]
fn each_stage_has_its_own_dashboard_in_its_region() {
    for stage in STAGES {
        let stack = deployed(stage, &[]);
        let name = scalar(&stack.resource("Dashboard")["Properties"]["DashboardName"]);
        assert_eq!(name, format!("b2b-mcp-{stage}"));
        assert_eq!(stack.output("DashboardName"), name);
        let body = body(&stack);
        for widget in body["widgets"].as_array().expect("widgets") {
            let props = &widget["properties"];
            assert_eq!(props["region"], REGION, "{stage}: {widget}");
            for key in ["x", "y", "width", "height"] {
                assert!(widget[key].is_u64(), "{stage}: {key} of {widget}");
            }
        }
        let reserved = function(&stack)["ReservedConcurrentExecutions"].clone();
        let lambda = widgets(&stack, "metric").into_iter().find(|w| w.to_string().contains("AWS/Lambda"));
        let line = &lambda.expect("a Lambda widget")["properties"]["annotations"]["horizontal"][0]["value"];
        assert_eq!(scalar(line), scalar(&reserved), "{stage}: the reserved-concurrency line");
    }
}
