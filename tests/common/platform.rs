//! The MCP server over the local platform, over real HTTP on both sides (client -> MCP server ->
//! platform): a temporary platform, the AppSync settings that reach it in each auth mode, a client
//! for the server over loopback, and every tool exercised end to end.

use std::sync::Arc;
use std::time::Duration;

use b2b_mcp::Mode;
use b2b_mcp::backend::appsync::connect;
use b2b_mcp::config::{AppsyncAuth, AppsyncConfig};
use b2b_mcp::error::Outcome;
use b2b_mcp::outbound::Outbound;
use platform_local::auth::Mode as PlatformMode;
use platform_local::defaults;
use platform_local::testing::TempPlatform;
use serde_json::json;

use super::aws::platform_sdk;
use super::{Client, client_over, is_error};

/// A platform with its own database (removed when dropped): 3,000 companies, seed 7.
pub async fn platform(modes: &[PlatformMode]) -> TempPlatform {
    TempPlatform::start(modes).await.expect("platform starts")
}

/// The server's AppSync settings for `p` in mode `auth`; `secret` is the Secrets Manager ARN and
/// endpoint of the API key or OIDC client secret.
pub fn config(p: &platform_local::Running, auth: AppsyncAuth, secret: Option<(&str, &str)>) -> AppsyncConfig {
    AppsyncConfig {
        url: format!("http://{}/graphql", p.addr),
        region: Some(defaults::REGION.into()),
        auth,
        secret_arn: secret.map(|(arn, _)| arn.to_owned()),
        secrets_endpoint_url: secret.map(|(_, url)| url.to_owned()),
        secret_ttl: Duration::from_secs(300),
        attempt_timeout: Duration::from_secs(5),
    }
}

/// The MCP server with that backend, served on loopback and reached over HTTP.
pub async fn mcp(config: &AppsyncConfig, vars: &[(&str, &str)]) -> Client {
    let backend =
        connect(config, Some(platform_sdk()), &Outbound::new(None).expect("outbound TLS")).await.expect("connect");
    client_over(Arc::new(backend), Mode::Serve, vars).over_http().await
}

/// Every tool through the MCP server, the platform and its database.
pub async fn exercise_every_tool(client: &Client, p: &platform_local::Running) {
    let found = client.call("search_companies", json!({"country": "Germany", "limit": 5})).await;
    assert!(!is_error(&found), "{found}");
    let companies = found["structuredContent"]["companies"].as_array().cloned().unwrap_or_default();
    assert!(!companies.is_empty(), "the generated data has German companies");
    assert!(companies.iter().all(|c| c["country"] == "DE"));
    let first = companies[0].clone();
    let id = first["id"].as_str().unwrap().to_owned();

    let next = client
        .call(
            "search_companies",
            json!({"country": "DE", "limit": 5, "cursor": found["structuredContent"]["next_cursor"]}),
        )
        .await;
    assert!(!is_error(&next), "{next}");
    assert_ne!(next["structuredContent"]["companies"][0]["id"], first["id"], "the cursor pages on");

    let profile = client.call("get_company", json!({"id": id})).await;
    assert_eq!(profile["structuredContent"]["id"], id.as_str(), "{profile}");
    let domain = profile["structuredContent"]["domain"].as_str().unwrap().to_owned();
    let by_domain =
        client.call("get_company", json!({"domain": format!("https://www.{}/about", domain.to_uppercase())})).await;
    assert_eq!(by_domain["structuredContent"]["id"], id.as_str(), "{by_domain}");

    let batch = client.call("get_companies_batch", json!({"ids": [id.clone(), "c_9999999"]})).await;
    assert_eq!(batch["structuredContent"]["not_found"], json!(["c_9999999"]), "{batch}");

    let ai = client.call("ai_search", json!({"query": "SaaS companies in Germany with 50-200 employees"})).await;
    assert!(!is_error(&ai), "{ai}");
    assert_eq!(
        ai["structuredContent"]["interpreted_filters"],
        json!({"query": null, "country": "DE", "industry": "SaaS", "employees_min": 50, "employees_max": 200})
    );
    for c in ai["structuredContent"]["companies"].as_array().into_iter().flatten() {
        let n = c["employees"].as_i64().unwrap();
        assert!(c["country"] == "DE" && c["industry"] == "SaaS" && (50..=200).contains(&n), "{c}");
    }

    let created = client.call("create_collection", json!({"name": "Targets", "description": "from the test"})).await;
    let collection = created["structuredContent"]["collection"]["id"].as_str().expect("collection id").to_owned();
    let added = client
        .call("add_to_collection", json!({"collection_id": collection, "company_ids": [id.clone(), "c_9999999"]}))
        .await;
    assert_eq!(added["structuredContent"]["added"], json!([id.clone()]), "{added}");
    assert_eq!(added["structuredContent"]["not_found"], json!(["c_9999999"]));
    let again =
        client.call("add_to_collection", json!({"collection_id": collection, "company_ids": [id.clone()]})).await;
    assert_eq!(again["structuredContent"]["already_present"], json!([id.clone()]));
    let mine = client.call("list_collections", json!({})).await;
    assert_eq!(mine["structuredContent"]["collections"][0]["item_count"], 1, "{mine}");
    let items = client.call("get_collection_items", json!({"collection_id": collection})).await;
    assert_eq!(items["structuredContent"]["items"][0]["company"]["id"], id.as_str(), "{items}");
    let discovery =
        client.call("request_email_discovery", json!({"company_id": id.clone(), "department": "sales"})).await;
    assert_eq!(discovery["structuredContent"]["status"], "queued", "{discovery}");
    assert_eq!(p.db.discovery_count("local:local-user").unwrap(), 1, "stored in the platform's database");
    let request_id = discovery["structuredContent"]["request_id"].clone();
    let read = client.call("get_email_discovery", json!({"request_id": request_id})).await;
    let found = &read["structuredContent"];
    assert_eq!((&found["request_id"], &found["company_id"]), (&request_id, &json!(id)), "{read}");
    // Done only ten seconds after the request (the default schedule): no contacts yet.
    assert!(matches!(found["status"].as_str(), Some("queued" | "running")), "{read}");
    assert_eq!(found["contacts"], json!([]), "{read}");
    assert!(client.audit.records().iter().all(|r| r.outcome == Outcome::Ok));
}
