//! The table, cell by cell: for each stage configuration, every caller's `tools/list`, a read,
//! each mutation and a `company://` read, with its answer, its audit record and, for a refusal,
//! the platform's rows unchanged.

use platform_local::auth::Mode as PlatformMode;
use platform_local::testing::{COMPANIES, TempPlatform};
use serde_json::{Value, json};

use super::server::{Server, audit_settled, check_answer, check_record, start};
use super::{Cell, OK, PAID, ROWS, Row, STAGES, Stage, UNAUTHORIZED};

#[tokio::test]
async fn who_may_do_what() {
    let platform = TempPlatform::start_with(&[PlatformMode::Iam], COMPANIES, 11).await.expect("platform");
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

async fn run_row(platform: &TempPlatform, server: &Server, row: &Row, stage: &Stage) {
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
        let written = platform.db.written_rows().expect("platform rows");
        let answer = server.send(row, "tools/call", json!({"name": tool, "arguments": arguments}), Some(tool)).await;
        let result = check_answer(&at(column), &answer, expected);
        if expected != OK && tool != "search_companies" {
            assert_eq!(platform.db.written_rows().expect("rows"), written, "{}: nothing written", at(column));
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
