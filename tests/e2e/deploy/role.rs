//! The function's role, written out in the template: assumed by Lambda alone, its own log group's
//! streams, the two X-Ray writes active tracing needs, AppSync fields by name (mutations only where
//! the stage allows them), the state table and nothing else of DynamoDB, the given secret only; no
//! managed policy, no action outside that list, and no wildcard resource but X-Ray's. SAM's own
//! expansion is run too, to show it adds no role or policy of its own (it would for `Tracing`).

use std::process::Command;

use serde_json::{Value, json};

use super::cfn::{ACCOUNT, REGION, scalar};
use super::{
    MUTATION_FIELDS, QUERY_FIELDS, ROOT, SECRET, STAGES, as_list, deployed, environment, field_arn, function,
    resources_for, statements,
};
use crate::tools::venv_bin;

/// Every action the role may grant. Adding one means adding it here, on purpose.
const ACTIONS: [&str; 10] = [
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "appsync:GraphQL",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "secretsmanager:GetSecretValue",
];
/// What active tracing needs from the role (Lambda's documentation); X-Ray defines no resource
/// type for either, so `*` is their only resource.
const XRAY_WRITES: [&str; 2] = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"];

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
            let own_streams = format!("arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/b2b-mcp-{stage}:*");
            for statement in statements(&stack) {
                let resources = as_list(&statement["Resource"]);
                assert!(!resources.is_empty(), "{stage}: statement without resources: {statement}");
                let actions = as_list(&statement["Action"]);
                let wildcard_allowed = if actions == XRAY_WRITES {
                    resources == ["*"]
                } else {
                    resources == std::slice::from_ref(&own_streams)
                        && actions == ["logs:CreateLogStream", "logs:PutLogEvents"]
                };
                let wildcard = resources.iter().any(|r| r.contains('*'));
                assert!(!wildcard || wildcard_allowed, "{stage}: wildcard resource in {statement}");
                assert_eq!(statement["Effect"], "Allow");
                assert!(statement.get("NotAction").is_none() && statement.get("NotResource").is_none(), "{statement}");
            }
            // The AppSync secret when given, and the stage's own confirmation key where mutations
            // (the paid tool among them) are on.
            let secrets = resources_for(&stack, "secretsmanager:GetSecretValue");
            let confirm_key =
                format!("arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:b2b-mcp-{stage}-confirm-key-AbCdEf");
            let expected: Vec<String> = Some(secret)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .into_iter()
                .chain((stage != "prod").then_some(confirm_key))
                .collect();
            assert_eq!(secrets, expected, "{stage}: AppsyncSecretArn={secret:?}");
            let named = environment(&stack).remove("CONFIRM_KEY_SECRET_ARN").unwrap_or_default();
            assert_eq!(named, expected.last().filter(|_| stage != "prod").cloned().unwrap_or_default(), "{stage}");
        }
    }
}

#[test]
fn the_role_is_lambdas_alone_and_grants_only_the_listed_actions() {
    for stage in STAGES {
        for secret in ["", SECRET] {
            let stack = deployed(stage, &[("AppsyncSecretArn", secret)]);
            let function = function(&stack);
            assert_eq!(function["Role"], "McpFunctionRole.Arn", "{stage}: the template's own role");
            assert!(function.get("Policies").is_none(), "{stage}: SAM policies would go to a generated role");
            let role = stack.resource("McpFunctionRole");
            assert_eq!(role["Type"], "AWS::IAM::Role");
            let props = &role["Properties"];
            let trust = json!({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ]});
            assert_eq!(props["AssumeRolePolicyDocument"], trust, "{stage}");
            assert!(props.get("ManagedPolicyArns").is_none(), "{stage}: no managed policy (they grant on *)");
            let granted: Vec<String> = statements(&stack).iter().flat_map(|s| as_list(&s["Action"])).collect();
            let unlisted: Vec<&String> = granted.iter().filter(|a| !ACTIONS.contains(&a.as_str())).collect();
            assert!(unlisted.is_empty(), "{stage}: actions outside the list: {unlisted:?}");
            let streams = format!("arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/b2b-mcp-{stage}:*");
            for action in ["logs:CreateLogStream", "logs:PutLogEvents"] {
                assert_eq!(
                    resources_for(&stack, action),
                    std::slice::from_ref(&streams),
                    "{stage}: {action} on its own group only"
                );
            }
        }
    }
}

#[test]
fn the_function_is_traced_and_its_role_writes_exactly_the_trace_segments() {
    for stage in STAGES {
        let stack = deployed(stage, &[]);
        assert_eq!(function(&stack)["Tracing"], "Active", "{stage}: X-Ray active tracing");
        let xray: Vec<String> =
            statements(&stack).iter().flat_map(|s| as_list(&s["Action"])).filter(|a| a.starts_with("xray:")).collect();
        assert_eq!(xray, XRAY_WRITES, "{stage}: no sampling-rule reads, no xray:*");
        for action in XRAY_WRITES {
            assert_eq!(resources_for(&stack, action), ["*"], "{stage}: {action}");
        }
    }
}

/// SAM's translator (in the tools venv with the SAM CLI), run offline on the template: what
/// `sam deploy` would hand CloudFormation, reduced to its roles, policies and the function.
fn sam_expansion() -> Value {
    let code = r#"
import json, sys, yaml
from samtranslator.translator.transform import transform
class NoManagedPolicies:
    def load(self): return {}
template = yaml.safe_load(open(sys.argv[1]))
template["Resources"]["McpFunction"]["Properties"]["CodeUri"] = "s3://bucket/key"  # sam build's upload
out = transform(template, {}, NoManagedPolicies())
keep = ("AWS::IAM::Role", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::Lambda::Function")
json.dump({k: v for k, v in out["Resources"].items() if v["Type"] in keep}, sys.stdout)
"#;
    let output = Command::new(venv_bin("python"))
        .args(["-c", code, "template.yaml"])
        .env("AWS_DEFAULT_REGION", REGION)
        .current_dir(ROOT)
        .output()
        .expect("python");
    assert!(output.status.success(), "SAM's translator: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("JSON from python")
}

/// With `Tracing` set, a role SAM generates gets the managed AWSXrayWriteOnlyAccess; the template
/// names its own role, so SAM must generate none and attach nothing.
#[test]
fn sam_expands_the_function_with_this_role_and_adds_no_other() {
    let resources = sam_expansion();
    let mut types: Vec<(&str, &str)> = resources
        .as_object()
        .expect("resources")
        .iter()
        .map(|(id, r)| (id.as_str(), r["Type"].as_str().unwrap_or_default()))
        .collect();
    types.sort_unstable();
    assert_eq!(types, [("McpFunction", "AWS::Lambda::Function"), ("McpFunctionRole", "AWS::IAM::Role")]);
    let role = &resources["McpFunctionRole"]["Properties"];
    assert!(role.get("ManagedPolicyArns").is_none(), "SAM attached managed policies: {role}");
    let function = &resources["McpFunction"]["Properties"];
    assert_eq!(function["TracingConfig"], json!({"Mode": "Active"}));
    assert_eq!(function["Role"], json!({"Fn::GetAtt": ["McpFunctionRole", "Arn"]}));
    assert_eq!(scalar(&function["Runtime"]), "provided.al2023");
}
