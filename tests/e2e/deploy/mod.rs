//! The deployment as each stage gets it: `template.yaml` rendered with `samconfig.toml`'s
//! parameters for dev, staging and prod (`deploy/cfn.rs` resolves the intrinsics), and checked for
//! what cfn-lint and `sam validate` cannot see: the values inside the function, its role and its
//! routes. The function's environment is also fed to the server's own configuration parser.
//! PyYAML and tomllib come from the tools venv (`make tools`).
//!
//! # Layout
//! - this file: the template and samconfig read, a stage's stack rendered, the samconfig itself
//!   and the release profile the Lambda artifact is built with;
//! - [`cfn`]: the intrinsics' evaluator;
//! - [`function`], [`role`], [`api`]: what each stage's function, role and HTTP API are;
//! - [`dashboard`]: the stage's dashboard, every metric it names one the server emits;
//! - [`parameters`]: the parameters that grant something refuse what would grant too much.

mod api;
mod cfn;
mod dashboard;
mod function;
mod parameters;
mod role;

use std::collections::HashMap;
use std::process::Command;
use std::sync::LazyLock;

use serde_json::Value;

use self::cfn::{ACCOUNT, REGION, Stack, scalar};
use crate::tools::venv_bin;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const STAGES: [&str; 3] = ["dev", "staging", "prod"];
const QUERY_FIELDS: [&str; 8] = [
    "searchCompanies",
    "getCompany",
    "getCompaniesBatch",
    "aiSearch",
    "listCollections",
    "getCollectionItems",
    "getEmailDiscovery",
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
    let pattern = template()["Parameters"][parameter]["AllowedPattern"].as_str().expect("AllowedPattern");
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

/// `template.yaml` as JSON, read once. The venv is looked for first, so that each test without it
/// says to run `make tools` (not only the first, while the others find the value poisoned).
fn template() -> &'static Value {
    venv_bin("python");
    &TEMPLATE
}

/// `samconfig.toml` as JSON, read once; the same.
fn samconfig() -> &'static Value {
    venv_bin("python");
    &SAMCONFIG
}

/// The stage's `parameter_overrides` ("Key=Value Key=Value"), as `sam deploy --config-env` passes them.
fn samconfig_overrides(stage: &str) -> HashMap<String, String> {
    let text = samconfig()[stage]["deploy"]["parameters"]["parameter_overrides"].as_str().expect("parameter_overrides");
    text.split_whitespace()
        .map(|pair| pair.split_once('=').unwrap_or_else(|| panic!("{stage}: {pair} is not Key=Value")))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// The stack `make deploy STAGE=<stage>` creates, with `extra` parameters on top.
fn deployed(stage: &str, extra: &[(&str, &str)]) -> Stack {
    let mut overrides = samconfig_overrides(stage);
    overrides.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    Stack::new(template(), &overrides)
}

fn function(stack: &Stack) -> Value {
    stack.resource("McpFunction")["Properties"].clone()
}

fn environment(stack: &Stack) -> HashMap<String, String> {
    let vars = function(stack)["Environment"]["Variables"].clone();
    vars.as_object().expect("Environment.Variables").iter().map(|(k, v)| (k.clone(), scalar(v))).collect()
}

/// The execution role's statements: the template writes the role out (`McpFunctionRole`), so
/// they are all in its inline policies.
fn statements(stack: &Stack) -> Vec<Value> {
    let role = stack.resource("McpFunctionRole")["Properties"].clone();
    let policies = role["Policies"].as_array().expect("the role's inline Policies").clone();
    policies.iter().flat_map(|p| p["PolicyDocument"]["Statement"].as_array().cloned().expect("statements")).collect()
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
        let deploy = &samconfig()[stage]["deploy"]["parameters"];
        assert_eq!(deploy["stack_name"], format!("b2b-mcp-{stage}"));
        assert_eq!(deploy["capabilities"], "CAPABILITY_IAM");
        assert_eq!(deploy["resolve_s3"], true);
        assert_eq!(samconfig_overrides(stage)["Stage"], stage);
        assert_eq!(deploy["confirm_changeset"], stage == "prod", "{stage}: only prod asks before changing");
    }
}

/// Cargo.toml, as JSON.
fn cargo_manifest() -> Value {
    python_json("import json,sys,tomllib; json.dump(tomllib.load(open(sys.argv[1], 'rb')), sys.stdout)", "Cargo.toml")
}

/// `cargo lambda build` (what `make build` and SAM's `rust-cargolambda` run) fills in any of
/// strip, lto, codegen-units and panic that `[profile.release]` leaves out, and its panic is
/// `abort`. Under `abort` the Lambda artifact would lose what `dispatch.rs` relies on: a panicking
/// tool call answered and audited while the instance stays up. So all four are stated here.
#[test]
fn the_lambda_artifact_keeps_panics_to_one_call() {
    let manifest = cargo_manifest();
    let release = &manifest["profile"]["release"];
    assert_eq!(release["panic"], "unwind", "{release}");
    for option in ["strip", "lto", "codegen-units"] {
        assert!(!release[option].is_null(), "[profile.release] must set {option}: {release}");
    }
}

/// The Lambda artifact is built without jemalloc: linked in, it initialises itself when the
/// binary loads, used or not, and at a small CPU share that is most of what the first answer
/// costs over the floor (docs/benchmarks.md). `cargo lambda build` (make build, SAM's
/// `rust-cargolambda`) takes its features from `[package.metadata.lambda.build]`; `make build`
/// also checks the built artifact for jemalloc's own strings.
#[test]
fn the_lambda_artifact_is_built_with_glibc_malloc_alone() {
    let manifest = cargo_manifest();
    let build = &manifest["package"]["metadata"]["lambda"]["build"];
    assert_eq!(build["no_default_features"], true, "{build}");
    assert_eq!(build["features"], serde_json::json!(["alloc-system"]), "{build}");
    assert_eq!(
        manifest["features"]["alloc-system"],
        serde_json::json!([]),
        "alloc-system must pull in no allocator crate"
    );
}
