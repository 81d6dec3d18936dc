//! The hostile-input suite: data files in tests/hostile/ (tool arguments in cases.json, whole
//! request bodies in bodies/) and wrong types for every argument of every tool, generated from
//! the tools' own input schemas. Each gets a clear error, or (hostile text within the limits)
//! reaches GraphQL only as a variable's value; nothing invalid is ever sent to the backend.

use b2b_mcp::Mode;
use b2b_mcp::error::Outcome;
use http::StatusCode;
use serde_json::{Value, json};

use crate::common::{Harness, harness, is_error, text_of};
use crate::tool_variables::assert_variables_fit_schema;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/hostile");

fn server() -> Harness {
    harness(Mode::Serve, &[("ALLOW_MUTATIONS", "true"), ("LOCAL_PRINCIPAL", "alice")])
}

/// `{"$repeat": [text, n]}` stands for `text` repeated `n` times (1 MB strings stay out of git).
fn expand(value: Value) -> Value {
    match value {
        Value::Object(map) if map.contains_key("$repeat") => {
            let text = map["$repeat"][0].as_str().unwrap().repeat(map["$repeat"][1].as_u64().unwrap() as usize);
            Value::String(text)
        }
        Value::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (k, expand(v))).collect()),
        Value::Array(items) => Value::Array(items.into_iter().map(expand).collect()),
        other => other,
    }
}

fn at<'a>(value: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(value, |v, key| &v[key])
}

/// What the server does to free text: whitespace and control characters collapse to one space.
fn collapsed(text: &str) -> String {
    text.split(|c: char| c.is_whitespace() || c.is_control()).filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" ")
}

#[tokio::test]
async fn hostile_arguments_get_a_clear_error_or_travel_only_as_variables() {
    let file: Value = serde_json::from_str(&std::fs::read_to_string(format!("{DIR}/cases.json")).unwrap()).unwrap();
    let cases = file["cases"].as_array().unwrap();
    assert!(cases.len() >= 70, "the suite is all there");
    for case in cases {
        let (name, tool) = (case["name"].as_str().unwrap(), case["tool"].as_str().unwrap());
        let arguments = expand(case["arguments"].clone());
        let h = server();
        let result = h.call(tool, arguments.clone()).await;
        let audit = h.audit.records();
        assert_eq!(audit.len(), 1, "{tool} / {name}: one audit record");
        match case["expect"].as_str().unwrap() {
            "invalid" => {
                let text = text_of(&result);
                assert!(is_error(&result), "{tool} / {name}: accepted: {result}");
                assert!(text.starts_with("invalid argument"), "{tool} / {name}: not a clear argument error: {text}");
                assert!(text.len() < 400, "{tool} / {name}: the message does not echo the input: {} bytes", text.len());
                assert_eq!(audit[0].outcome, Outcome::InvalidInput, "{tool} / {name}");
                assert!(audit[0].args.is_empty(), "{tool} / {name}: no value of an invalid call is logged");
                assert!(h.backend.calls().is_empty(), "{tool} / {name}: reached the backend: {:?}", h.backend.calls());
            }
            "passed_as_variable" => {
                assert!(matches!(audit[0].outcome, Outcome::Ok | Outcome::NotFound), "{tool} / {name}: {result}");
                let calls = h.backend.calls();
                assert_eq!(calls.len(), 1, "{tool} / {name}");
                assert_variables_fit_schema(&calls);
                let path = case["variable"].as_str().unwrap();
                let sent = at(&calls[0].variables, path).as_str().unwrap_or_else(|| panic!("{name}: {path} not sent"));
                let original = at(&arguments, path.rsplit('.').next().unwrap()).as_str().unwrap().to_owned();
                let expected = case["equals"].as_str().map(str::to_owned).unwrap_or_else(|| collapsed(&original));
                assert_eq!(sent, expected, "{tool} / {name}: sent as the variable's value, as typed");
            }
            other => panic!("unknown expectation {other}"),
        }
    }
}

/// A valid call of each tool, from which one argument at a time is made the wrong type.
fn valid_arguments(tool: &str) -> Value {
    match tool {
        "search_companies" => json!({"country": "DE"}),
        "get_company" => json!({"id": "c_acme"}),
        "get_companies_batch" => json!({"ids": ["c_acme"]}),
        "ai_search" => json!({"query": "fintech companies in Germany"}),
        "list_collections" => json!({}),
        "get_collection_items" => json!({"collection_id": "col_1"}),
        "get_email_discovery" => json!({"request_id": "disc_0001"}),
        "create_collection" => json!({"name": "Targets"}),
        "add_to_collection" => json!({"collection_id": "col_1", "company_ids": ["c_acme"]}),
        "request_email_discovery" => json!({"company_id": "c_acme"}),
        other => panic!("no valid arguments for {other}"),
    }
}

#[tokio::test]
async fn wrong_types_for_every_argument_of_every_tool() {
    let h = server();
    let listed = h.request_2026("tools/list", json!({}), None).await;
    let tools = listed.json["result"]["tools"].as_array().unwrap().clone();
    assert_eq!(tools.len(), 10);
    let mut checked = 0;
    for tool in &tools {
        let name = tool["name"].as_str().unwrap();
        let properties = tool["inputSchema"]["properties"].as_object().unwrap();
        for (argument, schema) in properties {
            let wanted = schema["type"].as_str().or_else(|| schema.get("$ref").map(|_| "string")).unwrap_or("string");
            let wrong: Vec<Value> =
                [json!(true), json!(12345), json!(1.5), json!("text"), json!([12345]), json!({"a": 1})]
                    .into_iter()
                    .filter(|v| match wanted {
                        "integer" => !v.is_i64(),
                        "string" => !v.is_string(),
                        "array" => !v.is_array() || v[0].is_number(),
                        _ => true,
                    })
                    .collect();
            for value in wrong {
                let mut arguments = valid_arguments(name);
                arguments[argument.as_str()] = value.clone();
                let h = server();
                let result = h.call(name, arguments).await;
                assert!(is_error(&result), "{name}.{argument} = {value}: accepted");
                assert!(text_of(&result).starts_with("invalid argument"), "{name}.{argument} = {value}: {result}");
                assert!(h.backend.calls().is_empty(), "{name}.{argument} = {value}: reached the backend");
                checked += 1;
            }
        }
    }
    assert!(checked > 100, "{checked} combinations");
}

#[tokio::test]
async fn hostile_bodies_get_json_rpc_errors_and_the_server_keeps_answering() {
    let h = server();
    let mut seen = 0;
    for entry in std::fs::read_dir(format!("{DIR}/bodies")).unwrap() {
        let path = entry.unwrap().path();
        let body = std::fs::read(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let headers = [
            ("content-type", "application/json"),
            ("accept", "application/json, text/event-stream"),
            ("mcp-protocol-version", "2026-07-28"),
            ("mcp-method", "tools/call"),
            ("mcp-name", "search_companies"),
        ];
        let r = h.post_raw(body, &headers).await;
        assert!(r.status.is_client_error() || r.status == StatusCode::OK, "{name}: {} {}", r.status, r.text);
        let error = &r.json["error"];
        let result = &r.json["result"];
        assert!(error["code"].is_i64() || is_error(result), "{name}: a JSON-RPC error or an error result: {}", r.text);
        if name == "duplicate-keys.json" {
            assert_eq!((r.status, error["code"].as_i64()), (StatusCode::BAD_REQUEST, Some(-32600)), "{}", r.text);
            assert!(error["message"].as_str().unwrap().contains("\"country\" appears twice"), "{}", r.text);
        }
        seen += 1;
    }
    assert!(seen >= 7);
    assert!(h.backend.calls().is_empty(), "nothing reached the backend: {:?}", h.backend.calls());
    // Still serving.
    let ok = h
        .request_2026(
            "tools/call",
            json!({"name": "search_companies", "arguments": {"country": "DE"}}),
            Some("search_companies"),
        )
        .await;
    assert!(!is_error(&ok.json["result"]), "{}", ok.text);
}
