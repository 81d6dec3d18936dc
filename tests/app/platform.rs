//! The MCP server end to end, over real HTTP on both sides (client -> MCP server -> local platform): every tool in all three
//! AppSync auth modes, denied and allowed mutations, each injected fault, a tampered signature,
//! and the platform's schema against `schema.graphql`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use apollo_compiler::Schema;
use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use b2b_mcp::Mode;
use b2b_mcp::backend::appsync::{AppSyncBackend, connect};
use b2b_mcp::backend::auth::Authenticator;
use b2b_mcp::config::{AppsyncAuth, AppsyncConfig};
use b2b_mcp::error::Outcome;
use platform_local::auth::Mode as PlatformMode;
use platform_local::defaults;
use platform_local::faults::Fault;
use serde_json::{Value, json};

use crate::common::{Client, client_over, is_error, text_of};
use crate::stub::Moto;

static DB_COUNTER: AtomicU32 = AtomicU32::new(0);

/// A running platform whose database files are removed when the test ends.
pub struct TestPlatform {
    running: platform_local::Running,
    path: std::path::PathBuf,
}

impl std::ops::Deref for TestPlatform {
    type Target = platform_local::Running;
    fn deref(&self) -> &platform_local::Running {
        &self.running
    }
}

impl Drop for TestPlatform {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.path.display()));
        }
    }
}

pub async fn platform(modes: &[PlatformMode]) -> TestPlatform {
    let n = DB_COUNTER.fetch_add(1, Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!("b2b-platform-test-{}-{n}.sqlite", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let settings = platform_local::Settings {
        bind: "127.0.0.1:0".parse().unwrap(),
        db_path: path.clone(),
        companies: 3000,
        seed: 7,
        auth: defaults::auth_config(modes),
        progress: false,
    };
    let running = platform_local::start(settings).await.expect("platform starts");
    TestPlatform { running, path }
}

pub fn platform_sdk() -> aws_config::SdkConfig {
    let creds = Credentials::new(defaults::ACCESS_KEY_ID, defaults::SECRET_ACCESS_KEY, None, None, "platform");
    aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(defaults::REGION))
        .credentials_provider(SharedCredentialsProvider::new(creds))
        .build()
}

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

async fn create_secret(moto: &Moto, name: &str, value: &str) -> String {
    let conf = aws_sdk_secretsmanager::config::Builder::from(&platform_sdk()).endpoint_url(&moto.url).build();
    let client = aws_sdk_secretsmanager::Client::from_conf(conf);
    let out = client.create_secret().name(name).secret_string(value).send().await.expect("create secret");
    out.arn().expect("arn").to_owned()
}

async fn mcp(config: &AppsyncConfig, vars: &[(&str, &str)]) -> Client {
    let backend = connect(config, Some(platform_sdk())).await.expect("connect");
    client_over(Arc::new(backend), Mode::Serve, vars).over_http().await
}

/// Every tool through the MCP server, the platform and its database.
async fn exercise_every_tool(client: &Client, p: &platform_local::Running) {
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
    let discovery = client.call("request_email_discovery", json!({"company_id": id, "department": "sales"})).await;
    assert_eq!(discovery["structuredContent"]["status"], "queued", "{discovery}");
    assert_eq!(p.db.discovery_count("local:local-user").unwrap(), 1, "stored in the platform's database");
    assert!(client.audit.records().iter().all(|r| r.outcome == Outcome::Ok));
}

#[tokio::test]
async fn every_tool_end_to_end_with_sigv4() {
    let p = platform(&[PlatformMode::Iam]).await;
    let client = mcp(&config(&p, AppsyncAuth::Iam, None), &[("ALLOW_MUTATIONS", "true")]).await;
    exercise_every_tool(&client, &p).await;
}

#[tokio::test]
async fn every_tool_end_to_end_with_an_api_key_from_secrets_manager() {
    let moto = Moto::start();
    let arn = create_secret(&moto, "platform-api-key", &json!({"api_key": defaults::API_KEY}).to_string()).await;
    let p = platform(&[PlatformMode::ApiKey]).await;
    let client = mcp(&config(&p, AppsyncAuth::ApiKey, Some((&arn, &moto.url))), &[("ALLOW_MUTATIONS", "true")]).await;
    exercise_every_tool(&client, &p).await;
}

#[tokio::test]
async fn every_tool_end_to_end_with_oidc() {
    let moto = Moto::start();
    let p = platform(&[PlatformMode::Oidc]).await;
    let secret = json!({"token_url": format!("http://{}/oauth2/token", p.addr),
        "client_id": defaults::OIDC_CLIENT_ID, "client_secret": defaults::OIDC_CLIENT_SECRET});
    let arn = create_secret(&moto, "platform-oidc-client", &secret.to_string()).await;
    let client = mcp(&config(&p, AppsyncAuth::Oidc, Some((&arn, &moto.url))), &[("ALLOW_MUTATIONS", "true")]).await;
    exercise_every_tool(&client, &p).await;
}

#[tokio::test]
async fn mutations_off_write_nothing() {
    let p = platform(&[PlatformMode::Iam]).await;
    let client = mcp(&config(&p, AppsyncAuth::Iam, None), &[]).await;
    let denied = client.call("request_email_discovery", json!({"company_id": "c_0000001"})).await;
    assert_eq!(text_of(&denied), "mutations are disabled in this deployment (ALLOW_MUTATIONS=false)");
    assert_eq!(p.db.discovery_count("local:local-user").unwrap(), 0);
}

#[tokio::test]
async fn a_tampered_signature_is_refused_by_the_platform() {
    let p = platform(&[PlatformMode::Iam]).await;
    // Our signer with the wrong secret: the platform recomputes the signature and refuses.
    let wrong = Credentials::new(defaults::ACCESS_KEY_ID, "not-the-secret", None, None, "t");
    let auth = Authenticator::Iam {
        region: defaults::REGION.into(),
        provider: SharedCredentialsProvider::new(wrong),
        cached: Default::default(),
    };
    let url = reqwest::Url::parse(&format!("http://{}/graphql", p.addr)).unwrap();
    let client = client_over(
        Arc::new(AppSyncBackend::new(reqwest::Client::new(), url.clone(), auth, Duration::from_secs(5))),
        Mode::Serve,
        &[],
    );
    let result = client.call("search_companies", json!({"query": "cloud"})).await;
    assert!(text_of(&result).contains("could not authenticate"), "{result}");

    // And on the wire: a correctly signed request whose signature is then altered gets 401.
    let body = br#"{"query":"query Industries { industries }","operationName":"Industries","variables":{}}"#;
    let creds = Credentials::new(defaults::ACCESS_KEY_ID, defaults::SECRET_ACCESS_KEY, None, None, "t");
    let headers =
        b2b_mcp::backend::auth::sigv4_headers(&url, body, &creds, defaults::REGION, std::time::SystemTime::now())
            .unwrap();
    let send = |tamper: bool| {
        let mut request =
            reqwest::Client::new().post(url.clone()).header("content-type", "application/json").body(body.to_vec());
        for (name, value) in &headers {
            let value = if tamper && *name == "authorization" {
                value.replacen("Signature=", "Signature=0", 1)
            } else {
                value.clone()
            };
            request = request.header(*name, value);
        }
        request.send()
    };
    assert_eq!(send(false).await.unwrap().status(), 200);
    let refused = send(true).await.unwrap();
    assert_eq!(refused.status(), 401);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["errors"][0]["errorType"], "UnauthorizedException");
}

/// Each injected fault: the MCP answer, whether the read was retried (a fault on one request only
/// is then invisible), and that a mutation is never repeated.
#[tokio::test]
async fn injected_faults_through_the_whole_stack() {
    let p = platform(&[PlatformMode::Iam]).await;
    let mut settings = config(&p, AppsyncAuth::Iam, None);
    settings.attempt_timeout = Duration::from_millis(500);
    let client = mcp(&settings, &[("ALLOW_MUTATIONS", "true")]).await;
    let read = || client.call("search_companies", json!({"industry": "SaaS"}));
    let always = |f: Fault| p.faults.set(Fault { count: None, ..f });
    let once = |f: Fault| p.faults.set(Fault { count: Some(1), ..f });
    let cases: Vec<(Fault, &str)> = vec![
        (Fault { status: Some(500), ..Fault::default() }, "temporarily unavailable"),
        (Fault { status: Some(502), ..Fault::default() }, "temporarily unavailable"),
        (Fault { status: Some(503), ..Fault::default() }, "temporarily unavailable"),
        (Fault { status: Some(429), ..Fault::default() }, "busy (throttled)"),
        (Fault { malformed: true, ..Fault::default() }, "temporarily unavailable"),
        (Fault { resolver_error: Some("searchCompanies".into()), ..Fault::default() }, "could not complete"),
        (Fault { latency_ms: Some(1500), ..Fault::default() }, "did not answer in time"),
    ];
    for (fault, expected) in cases {
        always(fault.clone());
        let result = read().await;
        assert!(is_error(&result), "{fault:?}");
        assert!(text_of(&result).contains(expected), "{fault:?}: {}", text_of(&result));
        p.faults.clear();
    }
    // A 5xx or 429 on one request: the read's single retry succeeds.
    for status in [503, 429] {
        once(Fault { status: Some(status), ..Fault::default() });
        assert!(!is_error(&read().await), "read retried once after {status}");
    }
    // The same on a mutation: answered as an error, not repeated, nothing written.
    once(Fault { status: Some(503), ..Fault::default() });
    let result = client.call("request_email_discovery", json!({"company_id": "c_0000001"})).await;
    assert!(is_error(&result));
    assert_eq!(p.db.discovery_count("local:local-user").unwrap(), 0, "the failed mutation was not repeated");
    assert!(client.audit.records().iter().filter(|r| r.outcome == Outcome::BackendError).count() >= 8);
}

/// The platform implements exactly the schema the server expects: same types, same fields, same
/// field types (AppSync's scalars and directives aside).
#[test]
fn platform_schema_matches_schema_graphql() {
    let ours = Schema::parse(include_str!("../../schema.graphql"), "schema.graphql").expect("parse schema.graphql");
    let theirs = Schema::parse(platform_local::graphql::sdl(), "platform.graphql").expect("parse platform SDL");
    let describe = |schema: &Schema| -> Vec<String> {
        let mut out = Vec::new();
        for (name, ty) in &schema.types {
            if ty.is_built_in() {
                continue;
            }
            match ty {
                apollo_compiler::schema::ExtendedType::Object(o) => {
                    for (f, def) in &o.fields {
                        let args: Vec<String> = def.arguments.iter().map(|a| format!("{}:{}", a.name, a.ty)).collect();
                        out.push(format!("type {name}.{f}({}): {}", args.join(","), def.ty));
                    }
                }
                apollo_compiler::schema::ExtendedType::InputObject(o) => {
                    for (f, def) in &o.fields {
                        out.push(format!("input {name}.{f}: {}", def.ty));
                    }
                }
                apollo_compiler::schema::ExtendedType::Enum(e) => {
                    for v in e.values.keys() {
                        out.push(format!("enum {name}.{v}"));
                    }
                }
                apollo_compiler::schema::ExtendedType::Scalar(_) => out.push(format!("scalar {name}")),
                _ => {}
            }
        }
        out.sort();
        out
    };
    assert_eq!(describe(&theirs), describe(&ours));
}
