//! AppSync credentials from AWS Secrets Manager, through AWS's own caching client: fetched on
//! first use (never at init), kept for a TTL, and fetched again at once when AppSync rejects
//! them (rotation). Concurrent cold requests share one fetch.

use std::num::NonZeroUsize;
use std::time::Duration;

use aws_config::SdkConfig;
use aws_secretsmanager_caching::SecretsManagerCachingClient;
use tokio::sync::Mutex;

use super::BackendError;

pub struct SecretSource {
    client: SecretsManagerCachingClient,
    secret_id: String,
    /// Single flight: one GetSecretValue at a time, so N concurrent cold calls make one fetch.
    gate: Mutex<()>,
}

impl SecretSource {
    /// Build the client (no network call).
    pub async fn new(
        sdk: &SdkConfig,
        endpoint_url: Option<&str>,
        secret_id: &str,
        ttl: Duration,
    ) -> Result<SecretSource, BackendError> {
        let mut builder = aws_sdk_secretsmanager::config::Builder::from(sdk);
        if let Some(url) = endpoint_url {
            builder = builder.endpoint_url(url);
        }
        let client = SecretsManagerCachingClient::from_builder(builder, NonZeroUsize::MIN, ttl, false)
            .await
            .map_err(|e| BackendError::Credentials(format!("secrets client: {e}")))?;
        Ok(SecretSource { client, secret_id: secret_id.to_owned(), gate: Mutex::new(()) })
    }

    /// The secret's string value; `refresh` bypasses the cache (after AppSync said 401).
    pub async fn get(&self, refresh: bool) -> Result<String, BackendError> {
        let _one_at_a_time = self.gate.lock().await;
        let fetched = self.client.get_secret_value(&self.secret_id, None, None, refresh).await;
        let output = match fetched {
            Ok(output) => output,
            // The error is not Send; keep only its text, and never the secret's value.
            Err(e) => return Err(BackendError::Credentials(describe(&*e))),
        };
        output
            .secret_string
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| BackendError::Credentials(format!("secret {} has no string value", self.secret_id)))
    }
}

fn describe(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
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
