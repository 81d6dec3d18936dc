//! Test-only credentials shared by `platform-local`, `make run` and the tests. Nothing here is
//! a real secret: the platform accepts exactly these, on loopback.

use std::time::Duration;

use crate::auth::{self, AuthConfig, Mode};

pub const API_KEY: &str = "da2-localplatformtestkey000000000";
pub const ACCESS_KEY_ID: &str = "AKIDLOCALPLATFORM";
pub const SECRET_ACCESS_KEY: &str = "local-platform-test-secret";
pub const REGION: &str = "us-east-1";
pub const ISSUER: &str = "https://platform-local.invalid";
pub const AUDIENCE: &str = "b2b-platform";
/// The audience of MCP clients' tokens (the MCP server's own `OIDC_AUDIENCE` in `make run AUTH=jwt`).
pub const MCP_AUDIENCE: &str = "b2b-mcp";
pub const OIDC_CLIENT_ID: &str = "b2b-mcp-local";
pub const OIDC_CLIENT_SECRET: &str = "local-oidc-client-secret";
/// base64("b2b-mcp-local:local-oidc-client-secret"): the Basic credentials the token endpoint
/// accepts (the OIDC test in the server's suite shows reqwest builds the same from id and secret).
pub const OIDC_CLIENT_BASIC: &str = "YjJiLW1jcC1sb2NhbDpsb2NhbC1vaWRjLWNsaWVudC1zZWNyZXQ=";

/// The platform's auth settings with these credentials and the given modes enabled.
pub fn auth_config(modes: &[Mode]) -> AuthConfig {
    AuthConfig {
        modes: modes.to_vec(),
        api_keys: vec![API_KEY.to_owned()],
        access_key_id: ACCESS_KEY_ID.to_owned(),
        secret_access_key: SECRET_ACCESS_KEY.to_owned(),
        region: REGION.to_owned(),
        max_clock_skew: Duration::from_secs(300),
        jwt_issuer: ISSUER.to_owned(),
        jwt_audience: AUDIENCE.to_owned(),
        jwt_public_key_pem: auth::TEST_PUBLIC_KEY_PEM.to_owned(),
    }
}
