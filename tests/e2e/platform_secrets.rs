//! Every tool end to end (client -> MCP server -> local platform, over HTTP) in the two AppSync
//! auth modes whose secret comes from Secrets Manager: an API key, and an OIDC client's
//! credentials for the platform's token endpoint. Secrets Manager is moto's.

use b2b_mcp::config::AppsyncAuth;
use platform_local::auth::Mode as PlatformMode;
use platform_local::defaults;
use serde_json::json;

use crate::common::platform::{config, exercise_every_tool, mcp, platform};
use crate::moto::Moto;

#[tokio::test]
async fn every_tool_end_to_end_with_an_api_key_from_secrets_manager() {
    let moto = Moto::start();
    let arn = moto.create_secret("platform-api-key", &json!({"api_key": defaults::API_KEY}).to_string()).await;
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
    let arn = moto.create_secret("platform-oidc-client", &secret.to_string()).await;
    let client = mcp(&config(&p, AppsyncAuth::Oidc, Some((&arn, &moto.url))), &[("ALLOW_MUTATIONS", "true")]).await;
    exercise_every_tool(&client, &p).await;
}
