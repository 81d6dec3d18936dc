//! Who may do what (README "Who may do what", src/authz.rs): one table, through the real binary.
//!
//! Every caller kind is a real API Gateway event file in events/ (`apigw-*-caller-*.json`), handed
//! to the `b2b-mcp` binary in Lambda mode by a fake Lambda Runtime API (lambda_runtime.rs); the
//! local principal is the same binary in `serve` mode. Behind it, the local platform over HTTP
//! with SigV4. For three stage configurations (mutations on, off, and on with two tools
//! disabled), each cell is one request: `tools/list` (which tools, which cacheScope), a read, each
//! mutation and a `company://` read. Each cell has its expected answer and audit record, and
//! every refused mutation must leave the platform's rows as they were.

use serde_json::{Value, json};

use crate::lambda_runtime::LambdaProcess;
use crate::release_gate::{Platform, Served};

const READS: [&str; 6] =
    ["search_companies", "get_company", "get_companies_batch", "ai_search", "list_collections", "get_collection_items"];
const WRITES: [&str; 2] = ["create_collection", "add_to_collection"];
const PAID: &str = "request_email_discovery";

/// The callers (rows): the event file (`None`: the local principal through `serve`), and the
/// principal and source every audit record of theirs must carry.
struct Row {
    name: &'static str,
    event: Option<&'static str>,
    principal: Option<&'static str>,
    source: &'static str,
}

static ROWS: [Row; 11] = [
    Row {
        name: "jwt without the write scope",
        event: Some("apigw-v2-caller-jwt-reader"),
        principal: Some("jwt:https://example.okta.com/oauth2/default:reader-1"),
        source: "jwt",
    },
    Row {
        name: "jwt with the write scope",
        event: Some("apigw-v2-caller-jwt-writer"),
        principal: Some("jwt:https://example.okta.com/oauth2/default:writer-1"),
        source: "jwt",
    },
    Row {
        name: "jwt with the write scope and the paid tool's scope",
        event: Some("apigw-v2-caller-jwt-email"),
        principal: Some("jwt:https://example.okta.com/oauth2/default:mailer-1"),
        source: "jwt",
    },
    Row {
        name: "iam role, session a",
        event: Some("apigw-v2-caller-iam-session-a"),
        principal: Some("iam:arn:aws:iam::123456789012:role/crm-reader"),
        source: "iam",
    },
    Row {
        name: "iam role, session b (the same role)",
        event: Some("apigw-v2-caller-iam-session-b"),
        principal: Some("iam:arn:aws:iam::123456789012:role/crm-reader"),
        source: "iam",
    },
    Row {
        name: "iam role in IAM_WRITERS",
        event: Some("apigw-v2-caller-iam-writer"),
        principal: Some("iam:arn:aws:iam::123456789012:role/crm-writer"),
        source: "iam",
    },
    Row {
        name: "cognito identity pool",
        event: Some("apigw-v2-caller-cognito-identity"),
        principal: Some("cognito:eu-west-1:aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"),
        source: "cognito",
    },
    Row {
        name: "lambda authorizer with the write scope",
        event: Some("apigw-v2-caller-authorizer-writer"),
        principal: Some("authorizer:partner-7"),
        source: "lambda_authorizer",
    },
    Row {
        name: "lambda authorizer without scopes (REST API)",
        event: Some("apigw-v1-caller-authorizer-reader"),
        principal: Some("authorizer:partner-9"),
        source: "lambda_authorizer",
    },
    Row { name: "no identity in Lambda", event: Some("apigw-v2-caller-none"), principal: None, source: "anonymous" },
    Row { name: "local", event: None, principal: Some("local:matrix-user"), source: "local" },
];

/// What a cell must answer: "ok", "401", or a part of the refusal the caller reads.
type Cell = &'static str;
const OK: Cell = "ok";
const UNAUTHORIZED: Cell = "401";
const NO_WRITE_SCOPE: Cell = "needs a token with the `mcp:write` scope";
const NOT_A_WRITER: Cell = "not one of the stage's IAM_WRITERS";
const AUTHORIZER_NO_WRITE: Cell = "authorizer did not grant";
const NO_EMAIL_SCOPE: Cell = "needs the `mcp:email` scope";
const MUTATIONS_OFF: Cell = "mutations are disabled in this deployment";
const DISABLED: Cell = "is disabled in this deployment";

/// One row of expectations: the tools listed, the cacheScope, then read, create, add, the paid
/// tool and the company resource.
struct Expect {
    list: Vec<&'static str>,
    cache: &'static str,
    read: Cell,
    create: Cell,
    add: Cell,
    paid: Cell,
    company: Cell,
}

fn tools(extra: &[&'static str], without: &[&str]) -> Vec<&'static str> {
    READS.iter().chain(extra).copied().filter(|t| !without.contains(t)).collect()
}

/// A stage configuration (the table's column groups) and its expectations, row by row.
struct Stage {
    name: &'static str,
    vars: &'static [(&'static str, &'static str)],
    expect: fn(&Row) -> Expect,
}

const COMMON: [(&str, &str); 3] = [
    ("IAM_WRITERS", "arn:aws:iam::123456789012:role/crm-writer"),
    ("TOOL_SCOPES", "request_email_discovery=mcp:email"),
    // A limit small enough to show that two sessions of one role share one budget.
    ("RATE_LIMITS", "get_companies_batch=1"),
];

fn mutations_on(row: &Row) -> Expect {
    let all = || tools(&[WRITES[0], WRITES[1], PAID], &[]);
    let rw = || tools(&WRITES, &[]);
    let ro = || tools(&[], &[]);
    let (list, create, paid) = match row.source {
        "local" => {
            return Expect { list: all(), cache: "public", read: OK, create: OK, add: OK, paid: OK, company: OK };
        }
        "anonymous" => {
            let u = UNAUTHORIZED;
            return Expect { list: vec![], cache: "", read: u, create: u, add: u, paid: u, company: u };
        }
        "jwt" if row.event == Some("apigw-v2-caller-jwt-email") => (all(), OK, OK),
        "jwt" if row.event == Some("apigw-v2-caller-jwt-writer") => (rw(), OK, NO_EMAIL_SCOPE),
        "jwt" => (ro(), NO_WRITE_SCOPE, NO_WRITE_SCOPE),
        "iam" if row.event == Some("apigw-v2-caller-iam-writer") => (rw(), OK, NO_EMAIL_SCOPE),
        "iam" | "cognito" => (ro(), NOT_A_WRITER, NOT_A_WRITER),
        "lambda_authorizer" if row.event == Some("apigw-v2-caller-authorizer-writer") => (rw(), OK, NO_EMAIL_SCOPE),
        _ => (ro(), AUTHORIZER_NO_WRITE, AUTHORIZER_NO_WRITE),
    };
    Expect { list, cache: "private", read: OK, create, add: create, paid, company: OK }
}

fn mutations_off(row: &Row) -> Expect {
    if row.source == "anonymous" {
        let u = UNAUTHORIZED;
        return Expect { list: vec![], cache: "", read: u, create: u, add: u, paid: u, company: u };
    }
    // The stage's switch comes first: the same answer for every caller, and one list for all.
    let off = MUTATIONS_OFF;
    Expect { list: tools(&[], &[]), cache: "public", read: OK, create: off, add: off, paid: off, company: OK }
}

/// Mutations on, get_company and add_to_collection switched off (DISABLED_TOOLS).
fn two_disabled(row: &Row) -> Expect {
    let on = mutations_on(row);
    if row.source == "anonymous" {
        return on;
    }
    let without = ["get_company", "add_to_collection"];
    Expect {
        list: on.list.into_iter().filter(|t| !without.contains(t)).collect(),
        add: DISABLED,
        company: DISABLED,
        ..on
    }
}

const STAGES: [Stage; 3] = [
    Stage { name: "mutations on", vars: &[("ALLOW_MUTATIONS", "true")], expect: mutations_on },
    Stage { name: "mutations off", vars: &[("ALLOW_MUTATIONS", "false")], expect: mutations_off },
    Stage {
        name: "mutations on, two tools disabled",
        vars: &[("ALLOW_MUTATIONS", "true"), ("DISABLED_TOOLS", "get_company,add_to_collection")],
        expect: two_disabled,
    },
];

/// One answer, whichever way it came: HTTP status and the JSON body.
struct Answer {
    status: u16,
    json: Value,
}

enum Server {
    Lambda(LambdaProcess),
    Serve(Served),
}

impl Server {
    fn audit(&self) -> Vec<Value> {
        match self {
            Server::Lambda(process) => process.audit(),
            Server::Serve(served) => served
                .log()
                .lines()
                .filter_map(|l| serde_json::from_str::<Value>(l).ok())
                .filter(|v| v["target"] == "audit")
                .collect(),
        }
    }

    /// Send one 2026-07-28 request as `row`'s caller.
    async fn send(&self, row: &Row, method: &str, params: Value, name: Option<&str>) -> Answer {
        let mut params = params;
        params["_meta"] = json!({"io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {},
            "io.modelcontextprotocol/clientInfo": {"name": "authz-matrix", "version": "1.0"}});
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).to_string();
        match self {
            Server::Lambda(process) => {
                let event = event_for(row.event.unwrap_or_default(), &body, method, name);
                let reply = process.invoke(&event).await;
                Answer { status: reply.status, json: reply.json }
            }
            Server::Serve(served) => {
                let mut request = reqwest::Client::new()
                    .post(&served.url)
                    .header("content-type", "application/json")
                    .header("accept", "application/json, text/event-stream")
                    .header("mcp-protocol-version", "2026-07-28")
                    .header("mcp-method", method)
                    .body(body);
                if let Some(name) = name {
                    request = request.header("mcp-name", name);
                }
                let response = request.send().await.expect("serve answers");
                let status = response.status().as_u16();
                Answer { status, json: response.json().await.unwrap_or(Value::Null) }
            }
        }
    }
}

/// The caller's event file with this request in it (body and the MCP headers, in both of API
/// Gateway's header maps where the event has two).
fn event_for(file: &str, body: &str, method: &str, name: Option<&str>) -> String {
    let path = format!("{}/events/{file}.json", env!("CARGO_MANIFEST_DIR"));
    let mut event: Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("event file")).expect("JSON");
    event["body"] = Value::String(body.to_owned());
    for map in ["headers", "multiValueHeaders"] {
        let Some(headers) = event.get_mut(map).and_then(Value::as_object_mut) else { continue };
        headers.retain(|k, _| !k.eq_ignore_ascii_case("mcp-method") && !k.eq_ignore_ascii_case("mcp-name"));
        let value = |v: &str| if map == "headers" { json!(v) } else { json!([v]) };
        headers.insert("mcp-method".into(), value(method));
        if let Some(name) = name {
            headers.insert("mcp-name".into(), value(name));
        }
    }
    event.to_string()
}

/// Wait until the server has written `count` audit records (its stdout is read as it comes).
async fn audit_settled(server: &Server, count: usize) -> Vec<Value> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let records = server.audit();
        if records.len() >= count || std::time::Instant::now() > deadline {
            return records;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Check one cell's answer against `expected`, and return the tool result when it was allowed.
fn check_answer(context: &str, answer: &Answer, expected: Cell) -> Value {
    if expected == UNAUTHORIZED {
        assert_eq!(answer.status, 401, "{context}: {}", answer.json);
        return Value::Null;
    }
    assert_eq!(answer.status, 200, "{context}: {}", answer.json);
    let result = answer.json["result"].clone();
    let error_text = match (&answer.json["error"], result["isError"].as_bool()) {
        (Value::Object(error), _) => error.get("message").and_then(Value::as_str).map(str::to_owned),
        (_, Some(true)) => result["content"][0]["text"].as_str().map(str::to_owned),
        _ => None,
    };
    match (expected, error_text) {
        (OK, None) => result,
        (OK, Some(text)) => panic!("{context}: expected an answer, got a refusal: {text}"),
        (part, Some(text)) => {
            assert!(text.contains(part), "{context}: expected a refusal with {part:?}, got {text:?}");
            Value::Null
        }
        (part, None) => panic!("{context}: expected a refusal with {part:?}, got {}", answer.json),
    }
}

/// The audit record a tool call (or resource read) must leave.
fn check_record(context: &str, record: &Value, row: &Row, tool: &str, expected: Cell) {
    assert_eq!(record["tool"], tool, "{context}: {record}");
    assert_eq!(record["principal"], json!(row.principal), "{context}: {record}");
    assert_eq!(record["principal_source"], row.source, "{context}: {record}");
    let (decision, outcome) = if expected == OK { ("allowed", "ok") } else { ("denied", "denied") };
    assert_eq!(
        (record["decision"].as_str(), record["outcome"].as_str()),
        (Some(decision), Some(outcome)),
        "{context}: {record}"
    );
    if expected != OK {
        assert_eq!(record["args"], json!({}), "{context}: a refused call records argument names only: {record}");
    }
}

async fn start(platform: &Platform, row: &Row, stage: &Stage) -> Server {
    let mut env: Vec<(&str, String)> = platform.backend_env();
    env.push(("STAGE", "matrix".into()));
    env.extend(COMMON.iter().chain(stage.vars).map(|(k, v)| (*k, (*v).to_owned())));
    let vars: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    match row.event {
        Some(_) => Server::Lambda(LambdaProcess::start(&vars).await),
        None => {
            let local: Vec<(&str, &str)> =
                vars.iter().copied().filter(|(k, _)| !k.starts_with("AWS_") && !k.starts_with("APPSYNC")).collect();
            Server::Serve(Served::start(platform, "matrix-user", &local).await)
        }
    }
}

#[tokio::test]
async fn who_may_do_what() {
    let platform = Platform::start("authz-matrix").await;
    for stage in &STAGES {
        // One Lambda process per stage configuration serves every event caller, as one function
        // serves every route; the local principal is its own `serve` process.
        let lambda = start(&platform, &ROWS[0], stage).await;
        let local = start(&platform, &ROWS[10], stage).await;
        for row in &ROWS {
            let server = if row.event.is_some() { &lambda } else { &local };
            run_row(&platform, server, row, stage).await;
        }
        if stage.name == "mutations on" {
            two_sessions_of_one_role_share_one_budget(&lambda).await;
        }
    }
}

async fn run_row(platform: &Platform, server: &Server, row: &Row, stage: &Stage) {
    let expect = (stage.expect)(row);
    let at = |column: &str| format!("{} / {} / {column}", stage.name, row.name);
    let mut records = server.audit().len();

    // tools/list: exactly the tools this caller may call, and whether the list may be shared.
    let answer = server.send(row, "tools/list", json!({}), None).await;
    let listed = check_answer(&at("tools/list"), &answer, if expect.list.is_empty() { UNAUTHORIZED } else { OK });
    if !expect.list.is_empty() {
        let names: Vec<&str> =
            listed["tools"].as_array().into_iter().flatten().filter_map(|t| t["name"].as_str()).collect();
        assert_eq!(names, expect.list, "{}", at("tools/list"));
        assert_eq!(listed["cacheScope"], expect.cache, "{}", at("tools/list cacheScope"));
    } else {
        // A 401 is audited as denied, under the method it refused.
        let audit = audit_settled(server, records + 1).await;
        check_record(&at("tools/list"), &audit[records], row, "tools/list", UNAUTHORIZED);
        records += 1;
    }

    let calls: [(&str, &str, Value, Cell); 4] = [
        ("read", "search_companies", json!({"country": "DE", "limit": 3}), expect.read),
        ("create", "create_collection", json!({"name": format!("{} {}", stage.name, row.name)}), expect.create),
        ("add", "add_to_collection", Value::Null, expect.add),
        ("paid", PAID, Value::Null, expect.paid),
    ];
    let mut company = "c_missing".to_owned();
    let mut collection = "col_missing".to_owned();
    for (column, tool, arguments, expected) in calls {
        let arguments = match column {
            "add" => json!({"collection_id": collection, "company_ids": [company]}),
            "paid" => json!({"company_id": company, "department": "sales", "max_contacts": 2}),
            _ => arguments,
        };
        let written = platform.running.db.written_rows().expect("platform rows");
        let answer = server.send(row, "tools/call", json!({"name": tool, "arguments": arguments}), Some(tool)).await;
        let result = check_answer(&at(column), &answer, expected);
        if expected != OK && tool != "search_companies" {
            assert_eq!(platform.running.db.written_rows().expect("rows"), written, "{}: nothing written", at(column));
        }
        match column {
            "read" if expected == OK => {
                company = result["structuredContent"]["companies"][0]["id"].as_str().expect("a company").to_owned()
            }
            "create" if expected == OK => {
                collection = result["structuredContent"]["collection"]["id"].as_str().expect("an id").to_owned()
            }
            _ => {}
        }
        let audit = audit_settled(server, records + 1).await;
        assert_eq!(audit.len(), records + 1, "{}: one audit record per call", at(column));
        check_record(&at(column), &audit[records], row, tool, expected);
        records += 1;
    }

    // The company resource is read through get_company, with get_company's grant and audit.
    let uri = format!("company://{company}");
    let answer = server.send(row, "resources/read", json!({"uri": uri}), Some(&uri)).await;
    check_answer(&at("company://"), &answer, expect.company);
    let audit = audit_settled(server, records + 1).await;
    assert_eq!(audit.len(), records + 1, "{}: one audit record", at("company://"));
    let tool = if expect.company == UNAUTHORIZED { "resources/read" } else { "get_company" };
    check_record(&at("company://"), &audit[records], row, tool, expect.company);
}

/// A fresh session name per call used to be a fresh rate bucket: the role is the bucket now.
async fn two_sessions_of_one_role_share_one_budget(lambda: &Server) {
    let call = |row: &'static Row| async move {
        let arguments = json!({"name": "get_companies_batch", "arguments": {"ids": ["c_0001"]}});
        lambda.send(row, "tools/call", arguments, Some("get_companies_batch")).await
    };
    let first = call(&ROWS[3]).await;
    assert_eq!(first.json["result"]["isError"], false, "session a: {}", first.json);
    let second = call(&ROWS[4]).await;
    let text = second.json["result"]["content"][0]["text"].as_str().unwrap_or_default().to_owned();
    assert!(text.contains("rate limit"), "session b spends session a's budget: {}", second.json);
}

/// Owners are qualified by source and issuer: a token subject spelled like a Lambda authorizer's
/// principal, or the same subject from another issuer, is someone else.
#[tokio::test]
async fn the_same_name_from_another_source_or_issuer_is_another_owner() {
    let h = crate::common::harness(b2b_mcp::Mode::Lambda, &[("SAMPLE_DATA", "true"), ("ALLOW_MUTATIONS", "true")]);
    let body = |method: &str, params: Value| {
        json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).to_string()
    };
    let create = body(
        "tools/call",
        json!({"name": "create_collection", "arguments": {"name": "Mine"},
        "_meta": crate::common::meta()}),
    );
    let list = body("tools/call", json!({"name": "list_collections", "arguments": {}, "_meta": crate::common::meta()}));
    let as_caller = |file: &str, body: &str, tool: &str, edit: &dyn Fn(&mut Value)| {
        let mut event: Value = serde_json::from_str(&event_for(file, body, "tools/call", Some(tool))).unwrap();
        edit(&mut event);
        event
    };
    let same = |_: &mut Value| {};
    let r = h.lambda_event(&as_caller("apigw-v2-caller-jwt-writer", &create, "create_collection", &same)).await;
    assert!(!crate::common::is_error(&r.json["result"]), "{}", r.text);

    let lists =
        |r: &crate::common::Reply| r.json["result"]["structuredContent"]["collections"].as_array().map(Vec::len);
    let r = h.lambda_event(&as_caller("apigw-v2-caller-jwt-writer", &list, "list_collections", &same)).await;
    assert_eq!(lists(&r), Some(1), "the owner sees it: {}", r.text);
    // A Lambda authorizer whose principalId is the token's subject.
    let spoof = |e: &mut Value| e["requestContext"]["authorizer"]["lambda"]["principalId"] = json!("writer-1");
    let r = h.lambda_event(&as_caller("apigw-v2-caller-authorizer-writer", &list, "list_collections", &spoof)).await;
    assert_eq!(lists(&r), Some(0), "not the token's collections: {}", r.text);
    // The same subject under another issuer.
    let other_issuer =
        |e: &mut Value| e["requestContext"]["authorizer"]["jwt"]["claims"]["iss"] = json!("https://other.example/");
    let r = h.lambda_event(&as_caller("apigw-v2-caller-jwt-writer", &list, "list_collections", &other_issuer)).await;
    assert_eq!(lists(&r), Some(0), "not the first issuer's user: {}", r.text);
    let owners: Vec<Value> = h.audit.records().iter().map(|r| json!(r.principal)).collect();
    assert_eq!(
        owners,
        [
            json!("jwt:https://example.okta.com/oauth2/default:writer-1"),
            json!("jwt:https://example.okta.com/oauth2/default:writer-1"),
            json!("authorizer:writer-1"),
            json!("jwt:https://other.example/:writer-1"),
        ]
    );
}

/// A stage may serve reads to callers nobody identified, but never with mutations on and never
/// in prod: the binary refuses to start so.
#[tokio::test]
async fn anonymous_reads_are_a_stage_choice_the_binary_refuses_where_it_is_unsafe() {
    for refused in [[("STAGE", "dev"), ("ALLOW_MUTATIONS", "true")], [("STAGE", "prod"), ("ALLOW_MUTATIONS", "false")]]
    {
        let mut env = vec![("SAMPLE_DATA", "true"), ("ALLOW_ANONYMOUS_READS", "true")];
        env.extend(refused);
        let failure = LambdaProcess::start_expecting_init_failure(&env).await;
        assert!(failure.contains("ALLOW_ANONYMOUS_READS"), "{refused:?}: {failure}");
    }

    let lambda =
        LambdaProcess::start(&[("SAMPLE_DATA", "true"), ("STAGE", "dev"), ("ALLOW_ANONYMOUS_READS", "true")]).await;
    let server = Server::Lambda(lambda);
    let anonymous = &ROWS[9];
    let listed = server.send(anonymous, "tools/list", json!({}), None).await;
    let names: Vec<&str> =
        listed.json["result"]["tools"].as_array().into_iter().flatten().filter_map(|t| t["name"].as_str()).collect();
    assert_eq!(names, ["search_companies", "get_company", "get_companies_batch", "ai_search"], "no owner-scoped tools");
    assert_eq!(listed.json["result"]["cacheScope"], "private");
    let read = server
        .send(
            anonymous,
            "tools/call",
            json!({"name": "search_companies", "arguments": {"country": "DE"}}),
            Some("search_companies"),
        )
        .await;
    check_answer("anonymous read", &read, OK);
    let refused = server
        .send(anonymous, "tools/call", json!({"name": "list_collections", "arguments": {}}), Some("list_collections"))
        .await;
    check_answer("anonymous collections", &refused, "needs an authenticated caller");
    let audit = audit_settled(&server, 2).await;
    assert_eq!(audit.len(), 2, "{audit:?}");
    assert_eq!((audit[0]["principal"].clone(), audit[0]["decision"].clone()), (Value::Null, json!("allowed")));
    assert_eq!(audit[1]["decision"], "denied");
}

/// README "Who may do what" holds this table, rendered from the expectations above, so the
/// documentation and the tested behaviour cannot drift apart.
#[test]
fn the_readme_table_is_the_tested_table() {
    let label = |cell: Cell| match cell {
        OK => "yes",
        UNAUTHORIZED => "401",
        NO_WRITE_SCOPE => "no: needs the `mcp:write` scope",
        NOT_A_WRITER => "no: not in `IAM_WRITERS`",
        AUTHORIZER_NO_WRITE => "no: needs `mcp:write` in `scope`/`scopes`",
        NO_EMAIL_SCOPE => "no: needs the `mcp:email` scope",
        MUTATIONS_OFF => "no: mutations off",
        DISABLED => "no: disabled",
        other => other,
    };
    let listed = |list: &[&str]| match list.len() {
        0 => "nothing (401)".to_owned(),
        9 => "all 9".to_owned(),
        6 => "the 6 reads".to_owned(),
        n if list.contains(&"create_collection") && !list.contains(&PAID) => format!("{n}: the reads, create, add"),
        n => format!("{n}: {}", list.join(", ")),
    };
    let mut table = String::from(
        "| caller | `tools/list` (mutations on) | read tools | create / add collection | `request_email_discovery` | `company://` | any mutation, mutations off |\n\
         | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    for row in &ROWS {
        let (on, off) = (mutations_on(row), mutations_off(row));
        table.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} |\n",
            row.name,
            listed(&on.list),
            label(on.read),
            label(on.create),
            label(on.paid),
            label(on.company),
            label(off.create),
        ));
    }
    let readme = std::fs::read_to_string(format!("{}/README.md", env!("CARGO_MANIFEST_DIR"))).expect("README");
    assert!(readme.contains(&table), "README.md should hold this table under \"Who may do what\":\n\n{table}");
}

/// Identities that name nobody stable are not callers: a federated user (its name is whatever
/// the GetFederationToken caller chose), a Cognito guest identity (anyone can mint a new one per
/// call), a Cognito ID token (it identifies a user to an app, it authorizes no API call). And a
/// Lambda authorizer's context can never make its caller a token user, whatever keys it holds.
#[tokio::test]
async fn identities_that_name_nobody_stable_are_refused() {
    let h = crate::common::harness(b2b_mcp::Mode::Lambda, &[("SAMPLE_DATA", "true")]);
    let list = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"_meta": crate::common::meta()}})
        .to_string();
    let event = |file: &str, edit: &dyn Fn(&mut Value)| {
        let mut event: Value = serde_json::from_str(&event_for(file, &list, "tools/list", None)).unwrap();
        edit(&mut event);
        event
    };
    type Edit<'a> = &'a dyn Fn(&mut Value);
    let refused: [(&str, &str, Edit); 3] = [
        ("federated user", "apigw-v2-caller-iam-session-a", &|e: &mut Value| {
            e["requestContext"]["authorizer"]["iam"]["userArn"] =
                json!("arn:aws:sts::123456789012:federated-user/someone-else")
        }),
        ("cognito guest", "apigw-v2-caller-cognito-identity", &|e: &mut Value| {
            e["requestContext"]["authorizer"]["iam"]["cognitoIdentity"]["amr"] = json!(["unauthenticated"])
        }),
        ("id token", "apigw-v2-caller-jwt-writer", &|e: &mut Value| {
            e["requestContext"]["authorizer"]["jwt"]["claims"]["token_use"] = json!("id")
        }),
    ];
    for (case, file, edit) in refused {
        let r = h.lambda_event(&event(file, edit)).await;
        assert_eq!(r.status, 401, "{case}: {}", r.text);
    }
    let audit = h.audit.records();
    assert_eq!(audit.len(), 3);
    assert!(audit.iter().all(|r| r.principal.is_none() && r.decision == b2b_mcp::audit::Decision::Denied));

    let claims_in_context = |e: &mut Value| {
        e["requestContext"]["authorizer"]["lambda"]["claims"] =
            json!({"sub": "writer-1", "iss": "https://example.okta.com/oauth2/default", "scope": "mcp:write"})
    };
    let create = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "list_collections",
        "arguments": {}, "_meta": crate::common::meta()}})
    .to_string();
    let mut e: Value = serde_json::from_str(&event_for(
        "apigw-v2-caller-authorizer-writer",
        &create,
        "tools/call",
        Some("list_collections"),
    ))
    .unwrap();
    claims_in_context(&mut e);
    let r = h.lambda_event(&e).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(h.audit.records().last().and_then(|r| r.principal.clone()).as_deref(), Some("authorizer:partner-7"));
}
