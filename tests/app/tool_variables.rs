//! The exact GraphQL variables each tool sends, recorded by the in-memory backend and pinned
//! with insta snapshots: normalised values, capped limits, the caller as owner.

use apollo_compiler::response::{JsonMap, serde_json_bytes};
use apollo_compiler::{ExecutableDocument, Schema};
use b2b_mcp::backend::memory::RecordedCall;
use b2b_mcp::backend::operations;
use serde_json::json;

use crate::common::{is_error, local};

/// Every recorded call's variables must be accepted by its operation's variable definitions in
/// schema.graphql (types, nullability, enum values): what AppSync would do before resolving.
pub fn assert_variables_fit_schema(calls: &[RecordedCall]) {
    let schema = Schema::parse_and_validate(include_str!("../../schema.graphql"), "schema.graphql").expect("schema");
    assert!(!calls.is_empty(), "no calls recorded");
    for call in calls {
        let op = operations::ALL.iter().find(|o| o.name == call.operation).expect("known operation");
        let doc = ExecutableDocument::parse_and_validate(&schema, op.document, op.name).expect("valid operation");
        let operation = doc.operations.get(Some(op.name)).expect("named operation");
        let values: JsonMap = match serde_json_bytes::Value::from(call.variables.clone()) {
            serde_json_bytes::Value::Object(map) => map,
            other => panic!("{}: variables are not an object: {other:?}", op.name),
        };
        if let Err(e) = apollo_compiler::request::coerce_variable_values(&schema, operation, &values) {
            panic!("{} variables {} rejected by the schema: {}", op.name, call.variables, e.message());
        }
    }
}

const MUTATIONS_ON: &[(&str, &str)] = &[("ALLOW_MUTATIONS", "true"), ("LOCAL_PRINCIPAL", "alice")];

#[tokio::test]
async fn search_companies_variables() {
    let h = local(&[]);
    let r = h
        .call(
            "search_companies",
            json!({"query": "  cloud\t security ", "country": "Germany", "industry": " SaaS ",
                   "employees_min": 50, "employees_max": 200, "limit": 250, "cursor": " o20 "}),
        )
        .await;
    assert!(!is_error(&r), "{r}");
    h.call("search_companies", json!({"country": "usa"})).await;
    assert_variables_fit_schema(&h.backend.calls());
    insta::assert_json_snapshot!(h.backend.calls());
}

#[tokio::test]
async fn get_company_variables() {
    let h = local(&[]);
    h.call("get_company", json!({"domain": "https://www.Acme-Analytics.DE/about?x=1"})).await;
    h.call("get_company", json!({"id": " c_0001 "})).await;
    assert_variables_fit_schema(&h.backend.calls());
    insta::assert_json_snapshot!(h.backend.calls());
}

#[tokio::test]
async fn get_companies_batch_variables() {
    let h = local(&[]);
    let r = h.call("get_companies_batch", json!({"ids": ["c_0003", " c_0001", "c_0003", "c_9999"]})).await;
    assert_eq!(r["structuredContent"]["not_found"], json!(["c_9999"]));
    assert_eq!(r["structuredContent"]["companies"][0]["id"], "c_0003", "request order is kept");
    assert_variables_fit_schema(&h.backend.calls());
    insta::assert_json_snapshot!(h.backend.calls());
}

#[tokio::test]
async fn ai_search_variables() {
    let h = local(&[]);
    let r =
        h.call("ai_search", json!({"query": " SaaS companies in Germany\nwith 50-200 employees ", "limit": 0})).await;
    assert!(is_error(&r), "limit 0 is refused before any call");
    h.call("ai_search", json!({"query": "SaaS companies in Germany with 50-200 employees", "limit": 101})).await;
    assert_variables_fit_schema(&h.backend.calls());
    insta::assert_json_snapshot!(h.backend.calls());
}

/// The calls made for `operation` only (a test may set up state with other tools first).
fn calls_of(h: &crate::common::Harness, operation: &str) -> Vec<RecordedCall> {
    h.backend.calls().into_iter().filter(|c| c.operation == operation).collect()
}

#[tokio::test]
async fn list_collections_variables_carry_the_caller_as_owner() {
    let h = local(&[("LOCAL_PRINCIPAL", "alice")]);
    h.call("list_collections", json!({"limit": 5})).await;
    h.call("list_collections", json!({"limit": 1000, "cursor": "  "})).await;
    assert_variables_fit_schema(&h.backend.calls());
    insta::assert_json_snapshot!(h.backend.calls());
}

#[tokio::test]
async fn get_collection_items_variables() {
    let h = local(&[("LOCAL_PRINCIPAL", "alice")]);
    h.call("get_collection_items", json!({"collection_id": " col_0001 ", "cursor": "next-1", "limit": 7})).await;
    assert_variables_fit_schema(&h.backend.calls());
    insta::assert_json_snapshot!(h.backend.calls());
}

#[tokio::test]
async fn create_collection_variables() {
    let h = local(MUTATIONS_ON);
    h.call("create_collection", json!({"name": "  DACH   SaaS ", "description": "Q1\n targets"})).await;
    h.call("create_collection", json!({"name": "No description", "description": "   "})).await;
    assert_variables_fit_schema(&h.backend.calls());
    insta::assert_json_snapshot!(h.backend.calls());
}

#[tokio::test]
async fn add_to_collection_variables() {
    let h = local(MUTATIONS_ON);
    let created = h.call("create_collection", json!({"name": "Targets"})).await;
    let id = created["structuredContent"]["collection"]["id"].as_str().expect("collection id").to_owned();
    h.call("add_to_collection", json!({"collection_id": id, "company_ids": ["c_0001", " c_0002", "c_0001", "c_0404"]}))
        .await;
    let calls = calls_of(&h, "AddToCollection");
    assert_variables_fit_schema(&calls);
    insta::assert_json_snapshot!(calls);
}

#[tokio::test]
async fn request_email_discovery_variables() {
    let h = local(MUTATIONS_ON);
    h.call("request_email_discovery", json!({"company_id": "c_0001", "department": "sales", "max_contacts": 10})).await;
    h.call("request_email_discovery", json!({"company_id": "c_0002"})).await;
    assert_variables_fit_schema(&h.backend.calls());
    insta::assert_json_snapshot!(h.backend.calls());
}

/// The schema check above is real: a lower-case enum value is refused...
#[test]
#[should_panic(expected = "rejected by the schema")]
fn schema_check_rejects_a_wrong_enum_value() {
    let bad = RecordedCall {
        operation: "RequestEmailDiscovery",
        variables: json!({"input": {"ownerId": "a", "companyId": "c_1", "department": "sales", "maxContacts": 5}}),
    };
    assert_variables_fit_schema(&[bad]);
}

/// ...and so is a missing non-null variable.
#[test]
#[should_panic(expected = "rejected by the schema")]
fn schema_check_rejects_a_missing_owner() {
    let bad = RecordedCall { operation: "ListCollections", variables: json!({"limit": 20, "nextToken": null}) };
    assert_variables_fit_schema(&[bad]);
}

#[test]
fn schema_check_accepts_what_appsync_accepts() {
    let good = RecordedCall {
        operation: "RequestEmailDiscovery",
        variables: json!({"input": {"ownerId": "a", "companyId": "c_1", "department": "SALES", "maxContacts": 5}}),
    };
    assert_variables_fit_schema(&[good]);
}

#[tokio::test]
async fn get_email_discovery_variables_carry_the_caller_as_owner() {
    let h = local(MUTATIONS_ON);
    h.call("request_email_discovery", json!({"company_id": "c_0001", "department": "sales", "max_contacts": 2})).await;
    let r = h.call("get_email_discovery", json!({"request_id": " disc_0001 "})).await;
    assert_eq!(r["structuredContent"]["status"], "completed", "{r}");
    let calls = calls_of(&h, "GetEmailDiscovery");
    assert_variables_fit_schema(&calls);
    insta::assert_json_snapshot!(calls);
}
