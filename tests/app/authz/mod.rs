//! Who may do what (docs/authorization.md "Who may do what", src/mcp/authz.rs): one table, through the real binary.
//!
//! Every caller kind is a real API Gateway event file in events/ (`apigw-*-caller-*.json`), handed
//! to the `b2b-mcp` binary in Lambda mode by a fake Lambda Runtime API (lambda_runtime.rs); the
//! local principal is the same binary in `serve` mode. Behind it, the local platform over HTTP
//! with SigV4. For three stage configurations (mutations on, off, and on with two tools
//! disabled), each cell is one request: `tools/list` (which tools, which cacheScope), a read, each
//! mutation and a `company://` read. Each cell has its expected answer and audit record, and
//! every refused mutation must leave the platform's rows as they were.
//!
//! # Layout
//! - this file: the table, the callers (rows) and what each stage (column group) answers them,
//!   and the check that docs/authorization.md holds the same table;
//! - [`server`]: the servers under test and how an answer or audit record is checked;
//! - [`matrix`]: every cell of the table, through the real binary;
//! - [`identities`]: owners qualified by source and issuer, anonymous reads, identities that name
//!   nobody stable.

mod identities;
mod matrix;
mod server;

const READS: [&str; 7] = [
    "search_companies",
    "get_company",
    "get_companies_batch",
    "ai_search",
    "list_collections",
    "get_collection_items",
    "get_email_discovery",
];
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

/// docs/authorization.md "Who may do what" holds this table, rendered from the expectations above, so the
/// documentation and the tested behaviour cannot drift apart.
#[test]
fn the_documented_table_is_the_tested_table() {
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
        10 => "all 10".to_owned(),
        7 => "the 7 reads".to_owned(),
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
    let doc = std::fs::read_to_string(format!("{}/docs/authorization.md", env!("CARGO_MANIFEST_DIR")))
        .expect("docs/authorization.md");
    assert!(doc.contains(&table), "docs/authorization.md should hold this table under \"Who may do what\":\n\n{table}");
}
