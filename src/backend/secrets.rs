//! AppSync credentials from AWS Secrets Manager: fetched on first use (never at init), kept for
//! a TTL, and fetched again when AppSync rejects them (rotation), at most once per
//! [`REFRESH_INTERVAL`](super::cache::REFRESH_INTERVAL). Cache hits never wait for a fetch;
//! concurrent misses share one (see [`Cache`]).
//!
//! A small cache over `aws-sdk-secretsmanager` rather than AWS's caching crate: that crate
//! loads its own default AWS configuration, which brought a second, older TLS stack into the
//! binary, and it cannot be given a timeout per call.

use std::time::{Duration, Instant};

use aws_config::SdkConfig;
use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::config::retry::RetryConfig;
use aws_sdk_secretsmanager::config::timeout::TimeoutConfig;
use aws_sdk_secretsmanager::error::DisplayErrorContext;

use super::BackendError;
use super::cache::{Cache, Versioned};

/// One attempt (connect, TLS, answer) and the whole call with its retry. Secrets Manager answers
/// in tens of milliseconds, but the first attempt of a cold start also carries the TLS handshake,
/// and at a small memory size the function's own work is slow in wall time: 128 MB is 7% of a
/// core, where each millisecond of CPU takes about 14. In the cold-start bench at 128 MB a 1 s
/// attempt and a 2 s operation ran out while the process was still starting, twice in a few
/// dozen runs, and the first call failed ("could not authenticate"); a second attempt then has
/// to start the handshake again. These still end a hung connection well inside the request
/// deadline (`REQUEST_DEADLINE_MS`: 20 s by default, 25 s in template.yaml). The connection's
/// own bound, TCP and TLS, is the shared SDK HTTP client's (`outbound::SDK_CONNECT_TIMEOUT`,
/// the same 3 s).
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(3);
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(6);
const MAX_ATTEMPTS: u32 = 2;

pub struct SecretSource {
    client: Client,
    secret_id: String,
    ttl: Duration,
    cache: Cache<String>,
}

impl SecretSource {
    /// Build the client (no network call), in `region` when given (the secret's own), else the
    /// configuration's.
    pub fn new(
        sdk: &SdkConfig,
        region: Option<String>,
        endpoint_url: Option<&str>,
        secret_id: &str,
        ttl: Duration,
    ) -> SecretSource {
        // No connect timeout here: the shared SDK HTTP client has its own (reqwest's, TCP and
        // TLS: `outbound::SDK_CONNECT_TIMEOUT`), which a client's setting would not reach.
        let timeouts = TimeoutConfig::builder()
            .operation_attempt_timeout(ATTEMPT_TIMEOUT)
            .operation_timeout(OPERATION_TIMEOUT)
            .build();
        let mut builder = aws_sdk_secretsmanager::config::Builder::from(sdk)
            .timeout_config(timeouts)
            .retry_config(RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS));
        if let Some(url) = endpoint_url {
            builder = builder.endpoint_url(url);
        }
        if let Some(region) = region {
            builder = builder.region(aws_sdk_secretsmanager::config::Region::new(region));
        }
        SecretSource {
            client: Client::from_conf(builder.build()),
            secret_id: secret_id.to_owned(),
            ttl,
            cache: Cache::default(),
        }
    }

    /// The secret's string value, cached.
    pub async fn get(&self) -> Result<Versioned<String>, BackendError> {
        self.cache.get(|| self.fetch()).await
    }

    /// A value newer than generation `rejected` (AppSync refused it), within the limits of
    /// [`Cache::refresh`].
    pub async fn refresh(&self, rejected: u64) -> Result<Versioned<String>, BackendError> {
        self.cache.refresh(rejected, || self.fetch()).await
    }

    async fn fetch(&self) -> Result<(String, Option<Instant>), BackendError> {
        let output = self
            .client
            .get_secret_value()
            .secret_id(&self.secret_id)
            .send()
            .await
            // The SDK's error names the secret and the service's message, never the value.
            .map_err(|e| BackendError::Credentials(format!("GetSecretValue: {}", DisplayErrorContext(&e))))?;
        let value = output
            .secret_string
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| BackendError::Credentials(format!("secret {} has no string value", self.secret_id)))?;
        Ok((value, Some(Instant::now() + self.ttl)))
    }
}

/// An API key secret is either the key itself or JSON with an `api_key` (or `apiKey`) field.
pub fn api_key_from(secret: &str) -> Result<String, BackendError> {
    let trimmed = secret.trim();
    if trimmed.starts_with('{') {
        let value: serde_json::Value = serde_json::from_str(trimmed)
            .map_err(|_| BackendError::Credentials("API key secret is not valid JSON".into()))?;
        let key = value.get("api_key").or_else(|| value.get("apiKey")).and_then(|k| k.as_str());
        return key
            .map(str::to_owned)
            .ok_or_else(|| BackendError::Credentials("API key secret has no api_key field".into()));
    }
    Ok(trimmed.to_owned())
}

/// OIDC client credentials stored as JSON in the secret.
#[derive(Clone, serde::Deserialize)]
pub struct OidcClient {
    pub token_url: String,
    pub client_id: String,
    pub client_secret: String,
    #[serde(default)]
    pub scope: Option<String>,
    #[serde(default)]
    pub audience: Option<String>,
}

impl std::fmt::Debug for OidcClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcClient")
            .field("token_url", &self.token_url)
            .field("client_id", &self.client_id)
            .field("client_secret", &"** redacted **")
            .finish_non_exhaustive()
    }
}

pub fn oidc_client_from(secret: &str) -> Result<OidcClient, BackendError> {
    serde_json::from_str(secret).map_err(|_| {
        BackendError::Credentials("OIDC secret must be JSON with token_url, client_id and client_secret".into())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_key_secret_in_either_form() {
        assert_eq!(api_key_from(" da2-abc \n").ok(), Some("da2-abc".into()));
        assert_eq!(api_key_from(r#"{"api_key": "da2-xyz"}"#).ok(), Some("da2-xyz".into()));
        assert_eq!(api_key_from(r#"{"apiKey": "da2-xyz"}"#).ok(), Some("da2-xyz".into()));
        assert!(api_key_from(r#"{"key": "x"}"#).is_err());
    }

    #[test]
    fn oidc_secret_needs_its_three_fields() {
        let ok = oidc_client_from(r#"{"token_url": "https://idp/token", "client_id": "c", "client_secret": "s"}"#);
        assert_eq!(ok.map(|c| c.client_id).ok(), Some("c".into()));
        let err = oidc_client_from(r#"{"client_id": "c"}"#).unwrap_err();
        assert!(!err.to_string().contains("\"c\""), "no secret material in the message");
    }
}
