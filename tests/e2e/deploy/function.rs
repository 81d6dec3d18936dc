//! The function each stage gets: an environment the server's own parser accepts, with its
//! deadline inside the timeout and its limits as stated; reserved concurrency; JSON logs at the
//! level the audit records need, kept as the stage says; alarms on the metrics the server emits.

use std::time::Duration;

use b2b_mcp::Mode;
use b2b_mcp::store::Window;
use serde_json::{Value, json};

use super::cfn::scalar;
use super::{SECRET, STAGES, TOPIC, deployed, environment, function};

#[test]
fn each_stage_renders_an_environment_the_server_accepts() {
    for stage in STAGES {
        for secret in ["", SECRET] {
            let stack = deployed(stage, &[("AppsyncSecretArn", secret)]);
            let env = environment(&stack);
            assert_eq!(env["STAGE"], stage);
            assert_eq!(env["ALLOW_MUTATIONS"], if stage == "prod" { "false" } else { "true" }, "{stage}");
            let timeout_ms = scalar(&function(&stack)["Timeout"]).parse::<u64>().expect("Timeout") * 1000;
            let deadline_ms = env["REQUEST_DEADLINE_MS"].parse::<u64>().expect("REQUEST_DEADLINE_MS");
            assert!(
                deadline_ms < timeout_ms,
                "{stage}: deadline {deadline_ms} ms is not below the {timeout_ms} ms timeout"
            );

            let config = b2b_mcp::configure(Mode::Lambda, |k| env.get(k).cloned())
                .unwrap_or_else(|e| panic!("{stage}: the server refuses the rendered environment: {e}"));
            assert_eq!((config.stage.as_str(), config.allow_mutations), (stage, stage != "prod"));
            assert_eq!(config.request_deadline, Duration::from_millis(deadline_ms));
            assert!(config.state_table.is_some(), "{stage}: limits and idempotency shared across instances");
            assert_eq!(
                config.rate_limits.limit("ai_search", Window::Minute),
                Some(5),
                "{stage}: {}",
                config.rate_limits
            );
            assert!(!env.contains_key("ALLOW_ANONYMOUS_READS"), "{stage}: anonymous reads stay off on deployed stages");
            let appsync = config.appsync.unwrap_or_else(|| panic!("{stage}: no AppSync backend configured"));
            assert_eq!(appsync.secret_arn.as_deref(), Some(secret).filter(|s| !s.is_empty()), "{stage}");
        }
    }
}

/// Finding 5: a stage without reserved concurrency shares the account's pool, so a caller
/// looping on one stage could starve the others (and every other function in the account).
#[test]
fn every_stage_reserves_concurrency_of_its_own() {
    for stage in STAGES {
        let stack = deployed(stage, &[]);
        let reserved = function(&stack).get("ReservedConcurrentExecutions").map(scalar);
        let reserved = reserved.unwrap_or_else(|| panic!("{stage}: no reserved concurrency"));
        assert_eq!(reserved, scalar(&stack.mapping("StageConfig", stage, "ReservedConcurrency")), "{stage}");
        assert!(reserved.parse::<u32>().expect("a number") > 0, "{stage}: 0 would stop the function");
    }
    let given = function(&deployed("prod", &[("ReservedConcurrency", "50")]))["ReservedConcurrentExecutions"].clone();
    assert_eq!(scalar(&given), "50", "the parameter overrides the stage's value");
}

/// Finding 5: each stage states, in RATE_LIMITS, a daily quota for the tool that costs money and
/// limits for both collection mutations, and the server's own parser reads them as written.
#[test]
fn every_stage_limits_the_paid_tool_per_day_and_the_collection_mutations() {
    for stage in STAGES {
        let env = environment(&deployed(stage, &[]));
        let text = &env["RATE_LIMITS"];
        let config = b2b_mcp::configure(Mode::Lambda, |k| env.get(k).cloned())
            .unwrap_or_else(|e| panic!("{stage}: the server refuses RATE_LIMITS={text:?}: {e}"));
        let entries: Vec<(&str, Window, u32)> = text
            .split(',')
            .map(|entry| {
                let (tool, amount) = entry.split_once('=').unwrap_or_else(|| panic!("{stage}: {entry}"));
                let (calls, unit) =
                    amount.split_once('/').unwrap_or_else(|| panic!("{stage}: {entry} names no window"));
                let window = if unit == "day" { Window::Day } else { Window::Minute };
                (tool, window, calls.parse().unwrap_or_else(|_| panic!("{stage}: {entry}")))
            })
            .collect();
        for (tool, window, calls) in &entries {
            if *tool != "*" {
                assert_eq!(config.rate_limits.limit(tool, *window), Some(*calls), "{stage}: {tool} per {window}");
            }
        }
        let stated = |tool: &str, window: Window| entries.iter().any(|(t, w, _)| *t == tool && *w == window);
        assert!(stated("request_email_discovery", Window::Day), "{stage}: no request_email_discovery=N/day in {text}");
        for tool in ["create_collection", "add_to_collection", "*"] {
            for window in [Window::Minute, Window::Day] {
                assert!(stated(tool, window), "{stage}: no {tool}=N/{} in {text}", window.unit());
            }
        }
    }
}

#[test]
fn logs_are_json_at_info_or_below_and_kept_as_the_stage_says() {
    for stage in STAGES {
        let stack = deployed(stage, &[]);
        let function = function(&stack);
        let logging = &function["LoggingConfig"];
        assert_eq!(logging["LogFormat"], "JSON");
        let level = scalar(&logging["ApplicationLogLevel"]);
        assert!(["DEBUG", "INFO"].contains(&level.as_str()), "{stage}: {level} would drop the INFO audit records");
        // The server's own filter (LOG_LEVEL) lets through exactly what Lambda keeps.
        let filter = b2b_mcp::config::logging::directives(&environment(&stack)["LOG_LEVEL"]).expect("LOG_LEVEL");
        let server_level = filter.default_level().map(|l| l.to_string()).unwrap_or_default();
        assert!(server_level.eq_ignore_ascii_case(&level), "{stage}: LOG_LEVEL {server_level} vs Lambda {level}");

        let group = stack.resource("LogGroup");
        let name = scalar(&group["Properties"]["LogGroupName"]);
        assert_eq!(name, format!("/aws/lambda/{}", scalar(&function["FunctionName"])));
        assert_eq!(scalar(&logging["LogGroup"]), name, "{stage}: the function logs into the managed group");
        let retention = scalar(&group["Properties"]["RetentionInDays"]);
        assert_eq!(retention, scalar(&stack.mapping("StageConfig", stage, "LogRetentionDays")), "{stage}");
        assert_eq!(group["DeletionPolicy"], "Retain", "{stage}: audit records outlive the stack");
    }
}

#[test]
fn alarms_watch_the_metrics_the_server_emits() {
    for stage in STAGES {
        for topic in ["", TOPIC] {
            let stack = deployed(stage, &[("AlarmTopicArn", topic)]);
            let namespace = environment(&stack)["METRICS_NAMESPACE"].clone();
            let rate = stack.resource("ToolErrorRateAlarm")["Properties"].clone();
            let metric = |id: &str| -> Value {
                let found = rate["Metrics"].as_array().expect("Metrics").iter().find(|m| m["Id"] == id).cloned();
                found.unwrap_or_else(|| panic!("{stage}: no metric {id}"))
            };
            for (id, name) in [("errors", "tool_errors"), ("calls", "tool_calls")] {
                let stat = &metric(id)["MetricStat"];
                assert_eq!(stat["Metric"]["Namespace"], namespace.as_str(), "{stage}: EMF namespace");
                assert_eq!(stat["Metric"]["MetricName"], name);
                assert_eq!(stat["Metric"]["Dimensions"], json!([{"Name": "stage", "Value": stage}]));
                assert_eq!((stat["Stat"].as_str(), scalar(&stat["Period"])), (Some("Sum"), "300".to_owned()));
            }
            assert_eq!(metric("error_rate")["Expression"], "IF(calls >= 20, errors / calls, 0)");
            assert_eq!(scalar(&rate["Threshold"]), "0.05");
            assert_eq!(rate["TreatMissingData"], "notBreaching");

            let errors = stack.resource("FunctionErrorsAlarm")["Properties"].clone();
            assert_eq!(
                (errors["Namespace"].as_str(), errors["MetricName"].as_str()),
                (Some("AWS/Lambda"), Some("Errors")),
                "{stage}: failures without an audit record are watched too"
            );
            let throttles = stack.resource("ThrottlesAlarm")["Properties"].clone();
            let function_name = scalar(&function(&stack)["FunctionName"]);
            assert_eq!(throttles["Dimensions"], json!([{"Name": "FunctionName", "Value": function_name}]));
            assert_eq!(
                (throttles["Namespace"].as_str(), throttles["MetricName"].as_str()),
                (Some("AWS/Lambda"), Some("Throttles"))
            );

            let actions = if topic.is_empty() { None } else { Some(json!([topic])) };
            for id in stack.ids_of_type("AWS::CloudWatch::Alarm") {
                let props = stack.resource(&id)["Properties"].clone();
                assert_eq!(props.get("AlarmActions").cloned(), actions, "{stage} {id}: AlarmTopicArn={topic:?}");
            }
        }
    }
}
