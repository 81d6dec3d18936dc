//! How the server reaches the platform's AppSync API: its URL, region, auth mode, secret and
//! timeouts.

use std::time::Duration;

use super::error::ConfigError;
use super::read::{invalid, millis, positive};

/// How the server reaches AppSync; reported at start and used by the backend issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppsyncAuth {
    Iam,
    ApiKey,
    Oidc,
}

impl AppsyncAuth {
    pub fn as_str(self) -> &'static str {
        match self {
            AppsyncAuth::Iam => "iam",
            AppsyncAuth::ApiKey => "api_key",
            AppsyncAuth::Oidc => "oidc",
        }
    }
}

/// How to reach AppSync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppsyncConfig {
    /// The GraphQL endpoint (https, or http on loopback for the local platform).
    pub url: String,
    /// Region for SigV4, from APPSYNC_REGION, the endpoint's host name or AWS_REGION.
    pub region: Option<String>,
    pub auth: AppsyncAuth,
    /// Secret holding the API key or the OIDC client credentials.
    pub secret_arn: Option<String>,
    /// Secrets Manager endpoint override (moto in tests); AWS_ENDPOINT_URL also works.
    pub secrets_endpoint_url: Option<String>,
    /// How long a fetched secret is used before it is fetched again.
    pub secret_ttl: Duration,
    /// Time allowed for one HTTP attempt.
    pub attempt_timeout: Duration,
}

/// `<api-id>.appsync-api.<region>.amazonaws.com` names its region.
fn region_from_host(url: &reqwest::Url) -> Option<String> {
    let host = url.host_str()?;
    let rest = host.split_once(".appsync-api.")?.1;
    rest.strip_suffix(".amazonaws.com").map(str::to_owned)
}

pub(super) fn appsync_from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<Option<AppsyncConfig>, ConfigError> {
    let Some(url) = get("APPSYNC_URL").map(|u| u.trim().to_owned()).filter(|u| !u.is_empty()) else {
        return Ok(None);
    };
    let parsed = reqwest::Url::parse(&url).map_err(|_| invalid("APPSYNC_URL", &url, "an https URL"))?;
    let loopback = matches!(parsed.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    if parsed.scheme() != "https" && !(parsed.scheme() == "http" && loopback) {
        return Err(invalid("APPSYNC_URL", &url, "an https URL (plain http only on loopback)"));
    }
    let auth = match get("APPSYNC_AUTH").as_deref().map(str::trim) {
        None | Some("") | Some("iam") => AppsyncAuth::Iam,
        Some("api_key") => AppsyncAuth::ApiKey,
        Some("oidc") => AppsyncAuth::Oidc,
        Some(other) => return Err(invalid("APPSYNC_AUTH", other, "iam, api_key or oidc")),
    };
    let region = get("APPSYNC_REGION")
        .or_else(|| region_from_host(&parsed))
        .or_else(|| get("AWS_REGION"))
        .or_else(|| get("AWS_DEFAULT_REGION"))
        .filter(|r| !r.trim().is_empty());
    if auth == AppsyncAuth::Iam && region.is_none() {
        return Err(invalid("APPSYNC_REGION", "", "a region for SigV4 (or AWS_REGION)"));
    }
    let secret_arn = get("APPSYNC_SECRET_ARN").map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    if auth != AppsyncAuth::Iam && secret_arn.is_none() {
        return Err(invalid(
            "APPSYNC_SECRET_ARN",
            "",
            format!("the secret with the credentials for {}", auth.as_str()),
        ));
    }
    Ok(Some(AppsyncConfig {
        url,
        region,
        auth,
        secret_arn,
        secrets_endpoint_url: get("SECRETS_ENDPOINT_URL").filter(|u| !u.trim().is_empty()),
        secret_ttl: Duration::from_secs(positive(get, "SECRET_TTL_SECONDS", 300)?),
        attempt_timeout: millis(get, "BACKEND_TIMEOUT_MS", 5_000)?,
    }))
}
