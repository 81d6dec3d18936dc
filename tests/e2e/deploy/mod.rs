//! The deployment as each stage gets it: `template.yaml` rendered with `samconfig.toml`'s
//! parameters for dev, staging and prod (`deploy/cfn.rs` resolves the intrinsics), and checked for
//! what cfn-lint and `sam validate` cannot see: the values inside the function, its role and its
//! routes. The function's environment is also fed to the server's own configuration parser.
//! PyYAML and tomllib come from the tools venv (`make tools`).

mod cfn;

use std::collections::{BTreeMap, HashMap};
use std::process::Command;
use std::sync::LazyLock;
use std::time::Duration;

use b2b_mcp::state::Window;
use b2b_mcp::{Config, Mode};
use serde_json::{Value, json};

use self::cfn::{ACCOUNT, REGION, Stack, scalar};
use crate::stub::venv_bin;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const STAGES: [&str; 3] = ["dev", "staging", "prod"];
const QUERY_FIELDS: [&str; 7] = [
    "searchCompanies",
    "getCompany",
    "getCompaniesBatch",
    "aiSearch",
    "listCollections",
    "getCollectionItems",
    "industries",
];
const MUTATION_FIELDS: [&str; 3] = ["createCollection", "addToCollection", "requestEmailDiscovery"];
const SECRET: &str = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:b2b-mcp/appsync-AbCdEf";
const TOPIC: &str = "arn:aws:sns:eu-west-1:123456789012:b2b-mcp-alarms";

fn python_json(code: &str, file: &str) -> Value {
    let output = Command::new(venv_bin("python")).args(["-c", code, file]).current_dir(ROOT).output().expect("python");
    assert!(output.status.success(), "reading {file}: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("JSON from python")
}

/// Which of `values` a parameter's AllowedPattern accepts, decided by a real regex engine
/// (Python's `re`; CloudFormation matches the whole value, as `fullmatch` does).
fn pattern_accepts(parameter: &str, values: &[&str]) -> Vec<bool> {
    let pattern = TEMPLATE["Parameters"][parameter]["AllowedPattern"].as_str().expect("AllowedPattern");
    let code = "import json,re,sys; print(json.dumps([re.fullmatch(sys.argv[1], v) is not None for v in json.loads(sys.argv[2])]))";
    let values = serde_json::to_string(values).expect("JSON");
    let output = Command::new(venv_bin("python")).args(["-c", code, pattern, &values]).output().expect("python");
    assert!(output.status.success(), "{parameter}: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("JSON from python")
}

static TEMPLATE: LazyLock<Value> = LazyLock::new(|| {
    python_json("import json,sys,yaml; json.dump(yaml.safe_load(open(sys.argv[1])), sys.stdout)", "template.yaml")
});
static SAMCONFIG: LazyLock<Value> = LazyLock::new(|| {
    python_json(
        "import json,sys,tomllib; json.dump(tomllib.load(open(sys.argv[1], 'rb')), sys.stdout)",
        "samconfig.toml",
    )
});

/// The stage's `parameter_overrides` ("Key=Value Key=Value"), as `sam deploy --config-env` passes them.
fn samconfig_overrides(stage: &str) -> HashMap<String, String> {
    let text = SAMCONFIG[stage]["deploy"]["parameters"]["parameter_overrides"].as_str().expect("parameter_overrides");
    text.split_whitespace()
        .map(|pair| pair.split_once('=').unwrap_or_else(|| panic!("{stage}: {pair} is not Key=Value")))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// The stack `make deploy STAGE=<stage>` creates, with `extra` parameters on top.
fn deployed(stage: &str, extra: &[(&str, &str)]) -> Stack {
    let mut overrides = samconfig_overrides(stage);
    overrides.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    Stack::new(&TEMPLATE, &overrides)
}

fn function(stack: &Stack) -> Value {
    stack.resource("McpFunction")["Properties"].clone()
}

fn environment(stack: &Stack) -> HashMap<String, String> {
    let vars = function(stack)["Environment"]["Variables"].clone();
    vars.as_object().expect("Environment.Variables").iter().map(|(k, v)| (k.clone(), scalar(v))).collect()
}

fn statements(stack: &Stack) -> Vec<Value> {
    let policies = function(stack)["Policies"].as_array().expect("Policies").clone();
    policies.iter().flat_map(|p| p["Statement"].as_array().cloned().expect("inline statements")).collect()
}

fn as_list(value: &Value) -> Vec<String> {
    match value {
        Value::Array(items) => items.iter().map(scalar).collect(),
        other => vec![scalar(other)],
    }
}

/// Resources of the statements that grant `action`.
fn resources_for(stack: &Stack, action: &str) -> Vec<String> {
    let grants = |s: &&Value| as_list(&s["Action"]).iter().any(|a| a == action);
    statements(stack).iter().filter(grants).flat_map(|s| as_list(&s["Resource"])).collect()
}

fn field_arn(stage: &str, type_name: &str, field: &str) -> String {
    let api = &samconfig_overrides(stage)["AppsyncApiId"];
    format!("arn:aws:appsync:{REGION}:{ACCOUNT}:apis/{api}/types/{type_name}/fields/{field}")
}

#[test]
fn samconfig_deploys_each_stage_as_its_own_stack() {
    for stage in STAGES {
        let deploy = &SAMCONFIG[stage]["deploy"]["parameters"];
        assert_eq!(deploy["stack_name"], format!("b2b-mcp-{stage}"));
        assert_eq!(deploy["capabilities"], "CAPABILITY_IAM");
        assert_eq!(deploy["resolve_s3"], true);
        assert_eq!(samconfig_overrides(stage)["Stage"], stage);
        assert_eq!(deploy["confirm_changeset"], stage == "prod", "{stage}: only prod asks before changing");
    }
}

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

            let config = Config::from_lookup(Mode::Lambda, |k| env.get(k).cloned())
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

#[test]
fn the_role_writes_only_where_the_stage_allows_mutations() {
    for stage in STAGES {
        let stack = deployed(stage, &[]);
        let appsync = resources_for(&stack, "appsync:GraphQL");
        for field in QUERY_FIELDS {
            assert!(appsync.contains(&field_arn(stage, "Query", field)), "{stage}: Query.{field} not granted");
        }
        let mutations: Vec<&String> = appsync.iter().filter(|arn| arn.contains("/types/Mutation/")).collect();
        if stage == "prod" {
            assert!(mutations.is_empty(), "prod allows no mutations but its role may call {mutations:?}");
        } else {
            let expected: Vec<String> = MUTATION_FIELDS.iter().map(|f| field_arn(stage, "Mutation", f)).collect();
            assert_eq!(mutations, expected.iter().collect::<Vec<_>>(), "{stage}");
        }
        assert_eq!(appsync.len(), QUERY_FIELDS.len() + mutations.len(), "{stage}: unexpected grants {appsync:?}");
    }
}

#[test]
fn the_state_table_expires_items_and_the_role_reaches_only_it() {
    for stage in STAGES {
        let stack = deployed(stage, &[]);
        let table = stack.resource("StateTable");
        assert_eq!(table["Type"], "AWS::DynamoDB::Table");
        let props = &table["Properties"];
        assert_eq!(props["BillingMode"], "PAY_PER_REQUEST", "{stage}: on demand");
        assert_eq!(props["KeySchema"], json!([{"AttributeName": "pk", "KeyType": "HASH"}]));
        assert_eq!(props["TimeToLiveSpecification"], json!({"AttributeName": "expires_at", "Enabled": true}));
        let recovery = &props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"];
        assert_eq!(scalar(recovery), (stage == "prod").to_string(), "{stage}: point-in-time recovery in prod only");
        for action in ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"] {
            assert_eq!(resources_for(&stack, action), ["StateTable.Arn"], "{stage}: {action} on the table only");
        }
        let broad = statements(&stack)
            .into_iter()
            .flat_map(|s| as_list(&s["Action"]))
            .filter(|a| a.starts_with("dynamodb:") && (a.contains('*') || a.contains("Scan") || a.contains("Query")))
            .collect::<Vec<_>>();
        assert!(broad.is_empty(), "{stage}: {broad:?}");
    }
}

#[test]
fn the_role_names_every_resource_and_reads_only_the_given_secret() {
    for stage in STAGES {
        for secret in ["", SECRET] {
            let stack = deployed(stage, &[("AppsyncSecretArn", secret)]);
            for statement in statements(&stack) {
                let resources = as_list(&statement["Resource"]);
                assert!(!resources.is_empty(), "{stage}: statement without resources: {statement}");
                assert!(!resources.iter().any(|r| r.contains('*')), "{stage}: wildcard resource in {statement}");
                assert_eq!(statement["Effect"], "Allow");
            }
            let secrets = resources_for(&stack, "secretsmanager:GetSecretValue");
            let expected: Vec<String> = Some(secret).filter(|s| !s.is_empty()).map(str::to_owned).into_iter().collect();
            assert_eq!(secrets, expected, "{stage}: AppsyncSecretArn={secret:?}");
        }
    }
}

#[test]
fn routes_authenticate_llm_clients_by_jwt_and_integrations_by_iam() {
    for stage in STAGES {
        let stack = deployed(stage, &[]);
        let overrides = samconfig_overrides(stage);
        let api = stack.resource("HttpApi");
        assert_eq!(api["Type"], "AWS::Serverless::HttpApi");
        let props = &api["Properties"];
        assert!(props.get("CorsConfiguration").is_none(), "{stage}: CORS must stay off");
        assert_eq!(props["StageName"], "$default", "the well-known metadata URI must sit at the host root");
        assert_eq!(props["Auth"]["EnableIamAuthorizer"], true);
        let rate = scalar(&props["DefaultRouteSettings"]["ThrottlingRateLimit"]).parse::<f64>().expect("rate");
        let burst = scalar(&props["DefaultRouteSettings"]["ThrottlingBurstLimit"]).parse::<f64>().expect("burst");
        assert!(rate > 0.0 && burst >= rate, "{stage}: throttling {rate}/s burst {burst}");

        let routes: BTreeMap<String, String> = function(&stack)["Events"]
            .as_object()
            .expect("Events")
            .values()
            .map(|event| {
                assert_eq!(event["Type"], "HttpApi");
                assert_eq!(event["Properties"]["ApiId"], "httpapi", "{stage}: every route on this stack's API");
                let p = &event["Properties"];
                (format!("{} {}", scalar(&p["Method"]), scalar(&p["Path"])), scalar(&p["Auth"]["Authorizer"]))
            })
            .collect();
        let jwt = routes.get("POST /mcp").unwrap_or_else(|| panic!("{stage}: no POST /mcp route in {routes:?}"));
        let authorizer = &props["Auth"]["Authorizers"][jwt.as_str()];
        assert_eq!(authorizer["JwtConfiguration"]["issuer"], overrides["OidcIssuer"].as_str(), "{stage}");
        assert_eq!(authorizer["JwtConfiguration"]["audience"], json!([overrides["OidcAudience"]]), "{stage}");
        assert_eq!(authorizer["IdentitySource"], "$request.header.Authorization");
        assert_eq!(props["Auth"]["DefaultAuthorizer"], jwt.as_str(), "{stage}: routes default to the JWT authorizer");
        let expected: BTreeMap<String, String> = [
            ("POST /mcp", jwt.as_str()),
            ("GET /mcp", jwt.as_str()),
            ("POST /internal/mcp", "AWS_IAM"),
            ("GET /.well-known/oauth-protected-resource", "NONE"),
            ("GET /.well-known/oauth-protected-resource/mcp", "NONE"),
        ]
        .into_iter()
        .map(|(route, auth)| (route.to_owned(), auth.to_owned()))
        .collect();
        assert_eq!(routes, expected, "{stage}");
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
        let filter = tracing_subscriber::EnvFilter::try_new(&environment(&stack)["LOG_LEVEL"]).expect("LOG_LEVEL");
        let server_level = filter.max_level_hint().map(|l| l.to_string()).unwrap_or_default();
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
        let config = Config::from_lookup(Mode::Lambda, |k| env.get(k).cloned())
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

/// Finding 10: the secret's ARN becomes the role's GetSecretValue resource, so a wildcard in it
/// would grant every matching secret in the account.
#[test]
fn the_secret_parameter_names_one_secret_and_refuses_wildcards() {
    let arn = |name: &str| format!("arn:aws:secretsmanager:eu-west-1:123456789012:secret:{name}");
    let good = [SECRET.to_owned(), arn("prod/b2b-mcp/appsync_key+v2=a.b@c-AbCdEf"), String::new()];
    let good: Vec<&str> = good.iter().map(String::as_str).collect();
    assert_eq!(pattern_accepts("AppsyncSecretArn", &good), [true; 3], "{good:?}");
    let bad = [
        arn("*"),
        arn("b2b-mcp/*"),
        arn("b2b-mcp/appsync-??????"),
        arn("b2b*mcp"),
        arn("b2b-mcp/appsync-AbCdE?"),
        arn(""),
        "arn:aws:secretsmanager:*:123456789012:secret:b2b-mcp".to_owned(),
        "arn:aws:secretsmanager:eu-west-1:*:secret:b2b-mcp".to_owned(),
        "*".to_owned(),
    ];
    let bad: Vec<&str> = bad.iter().map(String::as_str).collect();
    assert_eq!(pattern_accepts("AppsyncSecretArn", &bad), [false; 9], "{bad:?}");
}

#[test]
fn iam_writers_are_role_or_user_arns_of_one_account() {
    let good = [
        "",
        "arn:aws:iam::123456789012:role/etl-writer",
        "arn:aws:iam::123456789012:role/integrations/etl-writer,arn:aws:iam::123456789012:user/ops",
        "arn:aws-us-gov:iam::123456789012:role/etl-*",
        "arn:aws:iam::123456789012:user/team/*",
    ];
    assert_eq!(pattern_accepts("IamWriters", &good), [true; 5], "{good:?}");
    // Whatever the template lets through, the server starts with (no stage that deploys and then
    // fails every cold start).
    for writers in good {
        let vars = [("SAMPLE_DATA", "true"), ("IAM_WRITERS", writers)];
        let config = b2b_mcp::Config::from_lookup(b2b_mcp::Mode::Lambda, |k| {
            vars.iter().find(|(n, _)| *n == k).map(|(_, v)| (*v).to_owned())
        });
        assert!(config.is_ok(), "{writers}: {:?}", config.err());
    }
    let bad = [
        "*",
        "arn:aws:iam::*:role/etl",
        "arn:aws:iam::123456789012:*",
        "arn:aws:sts::123456789012:assumed-role/etl/session-1",
        "arn:aws:iam::123456789012:role/etl, arn:aws:iam::123456789012:role/other",
        "arn:aws:iam::123456789012:role/e*l",
        "arn:aws:iam::123456789012:role/etl,",
        "arn:aws:iam::123456789012:role/integrations/etl-*",
        "arn:aws:iam::123456789012:role/*",
        "arn:aws:iam::123456789012:user/*",
        "arn:aws:iam::123456789012:role/",
    ];
    assert_eq!(pattern_accepts("IamWriters", &bad), [false; 11], "{bad:?}");
}

#[test]
fn iam_writers_and_tool_scopes_reach_every_stage() {
    let writers = "arn:aws:iam::123456789012:role/etl-writer";
    let scopes = "request_email_discovery=mcp:email";
    for stage in STAGES {
        let env = environment(&deployed(stage, &[]));
        let empty = Some(&String::new());
        assert_eq!((env.get("IAM_WRITERS"), env.get("TOOL_SCOPES")), (empty, empty), "{stage}: IAM callers read only");
        let env = environment(&deployed(stage, &[("IamWriters", writers), ("ToolScopes", scopes)]));
        assert_eq!((env["IAM_WRITERS"].as_str(), env["TOOL_SCOPES"].as_str()), (writers, scopes), "{stage}");
    }
}

/// Finding 10: the HTTP API logs every request as JSON, with who the caller was, into a group of
/// its own kept as long as the stage keeps its logs.
#[test]
fn the_http_api_writes_json_access_logs_kept_as_the_stage_says() {
    // Variables HTTP APIs offer for access logs (API Gateway developer guide, "Customize HTTP API
    // access logs"); a misspelt one would log "-" forever.
    const HTTP_API_VARIABLES: [&str; 12] = [
        "$context.requestId",
        "$context.requestTimeEpoch",
        "$context.routeKey",
        "$context.status",
        "$context.responseLatency",
        "$context.integrationLatency",
        "$context.integration.requestId",
        "$context.identity.sourceIp",
        "$context.identity.userArn",
        "$context.identity.cognitoIdentityId",
        "$context.authorizer.principalId",
        "$context.authorizer.claims.",
    ];
    for stage in STAGES {
        let stack = deployed(stage, &[]);
        let settings = &stack.resource("HttpApi")["Properties"]["AccessLogSettings"];
        assert_eq!(settings["DestinationArn"], "AccessLogGroup.Arn", "{stage}: the access log group's ARN");
        let format: Value = serde_json::from_str(settings["Format"].as_str().expect("Format"))
            .unwrap_or_else(|e| panic!("{stage}: the access log format is not JSON: {e}"));
        let fields = format.as_object().expect("one JSON object per request");
        for (field, variable) in [
            ("request_id", "$context.requestId"),
            ("route_key", "$context.routeKey"),
            ("status", "$context.status"),
            ("latency_ms", "$context.responseLatency"),
            ("source_ip", "$context.identity.sourceIp"),
            ("jwt_sub", "$context.authorizer.claims.sub"),
            ("iam_user_arn", "$context.identity.userArn"),
            ("authorizer_principal_id", "$context.authorizer.principalId"),
        ] {
            assert_eq!(fields.get(field).and_then(Value::as_str), Some(variable), "{stage}: {field}");
        }
        for (field, value) in fields {
            let variable = value.as_str().unwrap_or_else(|| panic!("{field} is not a quoted string: {value}"));
            let known =
                HTTP_API_VARIABLES.iter().any(|v| variable == *v || (v.ends_with('.') && variable.starts_with(v)));
            assert!(known, "{stage}: {field} logs {variable}, not an HTTP API access log variable");
        }

        let group = stack.resource("AccessLogGroup");
        assert_eq!(group["Type"], "AWS::Logs::LogGroup");
        assert_eq!(group["DeletionPolicy"], "Retain", "{stage}: part of the audit trail");
        let retention = scalar(&group["Properties"]["RetentionInDays"]);
        assert_eq!(retention, scalar(&stack.mapping("StageConfig", stage, "LogRetentionDays")), "{stage}");
        assert_eq!(stack.output("AccessLogGroupName"), format!("/aws/apigateway/b2b-mcp-{stage}-access"));
    }
}

#[test]
fn outputs_give_each_stage_its_urls() {
    for stage in STAGES {
        let stack = deployed(stage, &[]);
        // $default stage: no stage in the path, so the well-known metadata sits at the host root.
        let base = format!("https://httpapi.execute-api.{REGION}.amazonaws.com");
        assert_eq!(stack.output("McpUrl"), format!("{base}/mcp"));
        assert_eq!(stack.output("InternalMcpUrl"), format!("{base}/internal/mcp"));
        assert_eq!(
            stack.output("ProtectedResourceMetadataUrl"),
            format!("{base}/.well-known/oauth-protected-resource/mcp")
        );
        assert_eq!(stack.output("FunctionName"), format!("b2b-mcp-{stage}"));
        assert_eq!(stack.output("LogGroupName"), format!("/aws/lambda/b2b-mcp-{stage}"));
    }
}

/// `cargo lambda build` (what `make build` and SAM's `rust-cargolambda` run) fills in any of
/// strip, lto, codegen-units and panic that `[profile.release]` leaves out, and its panic is
/// `abort`. Under `abort` the Lambda artifact would lose what `dispatch.rs` relies on: a panicking
/// tool call answered and audited while the instance stays up. So all four are stated here.
#[test]
fn the_lambda_artifact_keeps_panics_to_one_call() {
    let manifest = python_json(
        "import json,sys,tomllib; json.dump(tomllib.load(open(sys.argv[1], 'rb')), sys.stdout)",
        "Cargo.toml",
    );
    let release = &manifest["profile"]["release"];
    assert_eq!(release["panic"], "unwind", "{release}");
    for option in ["strip", "lto", "codegen-units"] {
        assert!(!release[option].is_null(), "[profile.release] must set {option}: {release}");
    }
}
