//! The AppSync client behind [`GraphqlBackend`]: one HTTP POST per operation, authenticated by
//! [`Authenticator`], answers and faults mapped to [`BackendError`].
//!
//! Retry policy: a 401/403 is retried once with freshly fetched credentials (AppSync rejected
//! the request before running it, so this is safe even for mutations); reads are retried once
//! after a jittered pause on 429 and 5xx; mutations are never repeated after they may have run.

use std::time::Duration;

use async_trait::async_trait;
use rand::Rng;
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::Authenticator;
use super::{BackendError, GraphqlBackend, Operation, OperationKind};

pub struct AppSyncBackend {
    http: reqwest::Client,
    url: reqwest::Url,
    auth: Authenticator,
    attempt_timeout: Duration,
}

#[derive(Deserialize)]
struct GraphqlAnswer {
    #[serde(default)]
    data: Option<Value>,
    #[serde(default)]
    errors: Vec<GraphqlError>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GraphqlError {
    #[serde(default)]
    error_type: Option<String>,
}

impl AppSyncBackend {
    pub fn new(http: reqwest::Client, url: reqwest::Url, auth: Authenticator, attempt_timeout: Duration) -> Self {
        AppSyncBackend { http, url, auth, attempt_timeout }
    }

    async fn attempt(&self, body: &bytes::Bytes, refresh: bool) -> Result<Value, BackendError> {
        let headers = self.auth.headers(&self.url, body, refresh).await?;
        let mut request = self
            .http
            .post(self.url.clone())
            .timeout(self.attempt_timeout)
            .header("content-type", "application/json")
            // Bytes: a retry re-sends the same buffer without copying it.
            .body(body.clone());
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let response = request.send().await.map_err(|e| self.transport_error(e))?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(|e| self.transport_error(e))?;
        classify(status.as_u16(), &bytes)
    }

    fn transport_error(&self, e: reqwest::Error) -> BackendError {
        if e.is_timeout() {
            BackendError::Timeout(self.attempt_timeout)
        } else {
            BackendError::Unavailable(format!("transport: {}", e.without_url()))
        }
    }
}

/// What an AppSync answer means. AppSync reports resolver errors as HTTP 200 with `errors`,
/// and auth failures as 401 with `errorType: UnauthorizedException`.
fn classify(status: u16, body: &[u8]) -> Result<Value, BackendError> {
    match status {
        401 | 403 => return Err(BackendError::Unauthorized),
        429 => return Err(BackendError::Throttled),
        500..=599 => return Err(BackendError::Unavailable(format!("HTTP {status}"))),
        200..=299 => {}
        other => return Err(BackendError::Graphql(format!("HTTP {other}"))),
    }
    let answer: GraphqlAnswer = serde_json::from_slice(body)
        .map_err(|e| BackendError::Malformed(format!("not a GraphQL response ({} bytes): {e}", body.len())))?;
    if let Some(first) = answer.errors.first() {
        // Only the error type is kept: AppSync's messages can quote variable values (user text).
        // An UnauthorizedException inside a 200 is field-level authorization, which fresh
        // credentials do not change, so it is not retried (and a mutation may already have run).
        let kind: String = first.error_type.as_deref().unwrap_or("unknown").chars().take(64).collect();
        if kind.contains("Throttl") || kind.contains("TooManyRequests") {
            return Err(BackendError::Throttled);
        }
        return Err(BackendError::Graphql(format!("{} error(s), first of type {kind}", answer.errors.len())));
    }
    match answer.data {
        Some(data) if data.is_object() => Ok(data),
        _ => Err(BackendError::Malformed("GraphQL response without data".into())),
    }
}

/// 100-400 ms: long enough for a throttle to ease, short against a 20 s deadline, and
/// randomised so instances retrying together do not hit AppSync in lockstep.
fn jittered_pause() -> Duration {
    Duration::from_millis(rand::rng().random_range(100..=400))
}

/// Build the client from configuration. No network call: credentials, secrets and tokens are
/// fetched on first use, so a cold start pays only for what a request needs.
///
/// `sdk` replaces the default AWS configuration chain (tests pass fixed credentials).
pub async fn connect(
    config: &crate::config::AppsyncConfig,
    sdk: Option<aws_config::SdkConfig>,
) -> Result<AppSyncBackend, BackendError> {
    use crate::config::AppsyncAuth;
    let url = reqwest::Url::parse(&config.url).map_err(|e| BackendError::Unavailable(format!("APPSYNC_URL: {e}")))?;
    let http = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(2))
        .pool_idle_timeout(Duration::from_secs(60))
        .build()
        .map_err(|e| BackendError::Unavailable(format!("HTTP client: {e}")))?;
    let auth = match config.auth {
        AppsyncAuth::Iam => {
            let sdk = match &sdk {
                Some(sdk) => sdk.clone(),
                None => sdk_config(config.region.clone()).await,
            };
            let provider = sdk
                .credentials_provider()
                .ok_or_else(|| BackendError::Credentials("no AWS credentials provider".into()))?;
            let region = config.region.clone().unwrap_or_default();
            Authenticator::Iam { region, provider, cached: Default::default() }
        }
        AppsyncAuth::ApiKey | AppsyncAuth::Oidc => {
            let arn = config.secret_arn.as_deref().unwrap_or_default();
            let region = secret_region(arn).or_else(|| config.region.clone());
            let sdk = match sdk {
                Some(sdk) => sdk,
                None => sdk_config(region).await,
            };
            let secret =
                super::secrets::SecretSource::new(&sdk, config.secrets_endpoint_url.as_deref(), arn, config.secret_ttl)
                    .await?;
            match config.auth {
                AppsyncAuth::ApiKey => Authenticator::ApiKey { secret },
                _ => Authenticator::Oidc { secret, http: http.clone(), token: Default::default() },
            }
        }
    };
    Ok(AppSyncBackend::new(http, url, auth, config.attempt_timeout))
}

/// The shared AWS configuration; with the region given, no region lookup happens at all.
async fn sdk_config(region: Option<String>) -> aws_config::SdkConfig {
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
    if let Some(region) = region {
        loader = loader.region(aws_config::Region::new(region));
    }
    loader.load().await
}

/// `arn:aws:secretsmanager:<region>:<account>:secret:<name>` names its region.
fn secret_region(arn: &str) -> Option<String> {
    let mut parts = arn.split(':');
    (parts.next() == Some("arn")).then_some(())?;
    let region = parts.nth(2)?;
    (!region.is_empty()).then(|| region.to_owned())
}

#[async_trait]
impl GraphqlBackend for AppSyncBackend {
    async fn execute(&self, operation: &Operation, variables: Value) -> Result<Value, BackendError> {
        let body = json!({"query": operation.document, "operationName": operation.name, "variables": variables});
        let body = bytes::Bytes::from(serde_json::to_vec(&body).map_err(|e| BackendError::Malformed(e.to_string()))?);
        let (mut refreshed, mut retried) = (false, false);
        loop {
            match self.attempt(&body, refreshed).await {
                Err(BackendError::Unauthorized) if !refreshed => {
                    tracing::info!(operation = operation.name, "AppSync rejected our credentials; fetching them anew");
                    refreshed = true;
                }
                Err(e @ (BackendError::Throttled | BackendError::Unavailable(_)))
                    if operation.kind == OperationKind::Query && !retried =>
                {
                    tracing::warn!(operation = operation.name, error = %e, "retrying read once");
                    retried = true;
                    tokio::time::sleep(jittered_pause()).await;
                }
                other => return other,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_classified() {
        assert!(matches!(classify(401, b""), Err(BackendError::Unauthorized)));
        assert!(matches!(classify(429, b""), Err(BackendError::Throttled)));
        assert!(matches!(classify(503, b"<html>"), Err(BackendError::Unavailable(_))));
        assert!(matches!(classify(400, b"{}"), Err(BackendError::Graphql(_))));
        assert!(matches!(classify(200, b"{not json"), Err(BackendError::Malformed(_))));
        assert!(matches!(classify(200, br#"{"data": null}"#), Err(BackendError::Malformed(_))));
        let errors = br#"{"data": null, "errors": [{"errorType": "Lambda:Unhandled", "message": "boom"}]}"#;
        assert!(matches!(classify(200, errors), Err(BackendError::Graphql(m)) if m.contains("Lambda:Unhandled")));
        let field_auth = br#"{"errors": [{"errorType": "UnauthorizedException", "message": "no"}]}"#;
        assert!(matches!(classify(200, field_auth), Err(BackendError::Graphql(_))), "not retried with new credentials");
        let quoted =
            br#"{"errors": [{"errorType": "BadRequest", "message": "Variable 'query' has value 'my secret'"}]}"#;
        assert!(matches!(classify(200, quoted), Err(BackendError::Graphql(m)) if !m.contains("secret")));
        assert_eq!(classify(200, br#"{"data": {"x": 1}}"#).ok(), Some(json!({"x": 1})));
    }

    #[test]
    fn secret_arn_names_its_region() {
        assert_eq!(
            secret_region("arn:aws:secretsmanager:eu-west-1:123456789012:secret:appsync-key-AbCdEf"),
            Some("eu-west-1".into())
        );
        assert_eq!(secret_region("appsync-key"), None);
    }

    #[test]
    fn pause_is_jittered_within_bounds() {
        let pauses: Vec<Duration> = (0..50).map(|_| jittered_pause()).collect();
        assert!(pauses.iter().all(|p| (100..=400).contains(&p.as_millis())));
        assert!(pauses.iter().any(|p| *p != pauses[0]), "not all equal");
    }
}
