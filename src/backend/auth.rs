//! How a request to AppSync proves who we are: SigV4 with the execution role's credentials
//! (`iam`), an API key (`api_key`) or an OIDC access token from the client-credentials grant
//! (`oidc`). Key and client credentials come from Secrets Manager; nothing is fetched at init.
//!
//! Every credential sits in a [`Cache`]: hits never wait behind a fetch, concurrent misses share
//! one, and each outbound call (credentials provider, token endpoint) has its own timeout.

use std::time::{Duration, Instant, SystemTime};

use aws_credential_types::Credentials;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;

use super::BackendError;
use super::cache::{Cache, Fetch, Versioned};
use super::secrets::{SecretSource, api_key_from, oidc_client_from};

/// Headers to add to one request.
pub type AuthHeaders = Vec<(&'static str, String)>;

/// Headers for one request, and the generation of the credentials in them (to name them when
/// AppSync rejects them).
#[derive(Debug)]
pub struct Signed {
    pub headers: AuthHeaders,
    pub generation: u64,
}

/// A bearer token and the generation of the client secret it was obtained with.
#[derive(Clone)]
pub struct Token {
    bearer: String,
    secret_generation: u64,
}

pub enum Authenticator {
    Iam { region: String, provider: SharedCredentialsProvider, cached: Cache<Credentials> },
    ApiKey { secret: SecretSource },
    Oidc { secret: SecretSource, http: reqwest::Client, token: Cache<Token> },
}

/// Refresh credentials this long before they expire.
const EXPIRY_MARGIN: Duration = Duration::from_secs(300);
/// Fetch a new token this long before the identity provider says it expires.
const TOKEN_MARGIN: Duration = Duration::from_secs(60);

impl Authenticator {
    /// Headers for one POST of `body` to `url`. `rejected`: AppSync just refused the credentials
    /// of that generation, so newer ones are wanted (see [`Cache::refresh`] for how often they
    /// are fetched). `timeout` bounds each call to a credentials provider or token endpoint.
    pub async fn headers(
        &self,
        url: &reqwest::Url,
        body: &[u8],
        rejected: Option<u64>,
        timeout: Duration,
    ) -> Result<Signed, BackendError> {
        match self {
            Authenticator::Iam { region, provider, cached } => {
                let credentials = obtain(cached, rejected, || iam_credentials(provider, timeout)).await?;
                let headers = sigv4_headers(url, body, &credentials.value, region, SystemTime::now())?;
                Ok(Signed { headers, generation: credentials.generation })
            }
            Authenticator::ApiKey { secret } => {
                let key = match rejected {
                    None => secret.get().await?,
                    Some(generation) => secret.refresh(generation).await?,
                };
                let headers = vec![("x-api-key", api_key_from(&key.value)?)];
                Ok(Signed { headers, generation: key.generation })
            }
            Authenticator::Oidc { secret, http, token } => {
                let fetch = || async {
                    // A rejected token may come from rotated client credentials: read them anew
                    // too (within the same limit on how often).
                    let behind = token.peek().map(|t| t.secret_generation);
                    let client = match (rejected, behind) {
                        (Some(_), Some(generation)) => secret.refresh(generation).await?,
                        _ => secret.get().await?,
                    };
                    let (bearer, lifetime) = fetch_token(http, &client.value, timeout).await?;
                    let token = Token { bearer, secret_generation: client.generation };
                    Ok((token, Some(Instant::now() + lifetime.saturating_sub(TOKEN_MARGIN))))
                };
                let token = obtain(token, rejected, fetch).await?;
                let headers = vec![("authorization", format!("Bearer {}", token.value.bearer))];
                Ok(Signed { headers, generation: token.generation })
            }
        }
    }
}

async fn obtain<T: Clone, F, Fut>(
    cache: &Cache<T>,
    rejected: Option<u64>,
    fetch: F,
) -> Result<Versioned<T>, BackendError>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Fetch<T>>,
{
    match rejected {
        None => cache.get(fetch).await,
        Some(generation) => cache.refresh(generation, fetch).await,
    }
}

/// The provider's credentials, within `timeout`; usable until [`EXPIRY_MARGIN`] before expiry.
async fn iam_credentials(provider: &SharedCredentialsProvider, timeout: Duration) -> Fetch<Credentials> {
    let credentials = tokio::time::timeout(timeout, provider.provide_credentials())
        .await
        .map_err(|_| BackendError::Credentials(format!("AWS credentials provider did not answer within {timeout:?}")))?
        .map_err(|e| BackendError::Credentials(format!("AWS credentials: {e}")))?;
    let stale_at = credentials.expiry().map(|at| {
        let left = at.duration_since(SystemTime::now()).unwrap_or_default().saturating_sub(EXPIRY_MARGIN);
        Instant::now() + left
    });
    Ok((credentials, stale_at))
}

/// SigV4 for service `appsync`: signs method, path, host, content type, date and body hash.
pub fn sigv4_headers(
    url: &reqwest::Url,
    body: &[u8],
    credentials: &Credentials,
    region: &str,
    time: SystemTime,
) -> Result<AuthHeaders, BackendError> {
    let signing_failed = |e: &dyn std::fmt::Display| BackendError::Credentials(format!("SigV4 signing failed: {e}"));
    let host = match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_owned(),
        (None, _) => return Err(BackendError::Credentials("AppSync URL has no host".into())),
    };
    let identity = credentials.clone().into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name("appsync")
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| signing_failed(&e))?
        .into();
    let headers = [("host", host.as_str()), ("content-type", "application/json")];
    let signable = SignableRequest::new("POST", url.as_str(), headers.into_iter(), SignableBody::Bytes(body))
        .map_err(|e| signing_failed(&e))?;
    let (instructions, _signature) = sign(signable, &params).map_err(|e| signing_failed(&e))?.into_parts();
    let (signed, _query) = instructions.into_parts();
    let mut out = AuthHeaders::new();
    for header in signed {
        let name = match header.name() {
            "authorization" => "authorization",
            "x-amz-date" => "x-amz-date",
            "x-amz-security-token" => "x-amz-security-token",
            "x-amz-content-sha256" => "x-amz-content-sha256",
            _ => continue,
        };
        out.push((name, header.value().to_owned()));
    }
    Ok(out)
}

#[derive(serde::Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

/// OAuth 2.0 client-credentials grant (RFC 6749 §4.4) at the identity provider's token endpoint.
async fn fetch_token(
    http: &reqwest::Client,
    secret: &str,
    timeout: Duration,
) -> Result<(String, Duration), BackendError> {
    let client = oidc_client_from(secret)?;
    let mut form = vec![("grant_type", "client_credentials")];
    if let Some(scope) = client.scope.as_deref() {
        form.push(("scope", scope));
    }
    if let Some(audience) = client.audience.as_deref() {
        form.push(("audience", audience));
    }
    let unreachable = |e: reqwest::Error| match e.is_timeout() {
        true => BackendError::Credentials(format!("token endpoint did not answer within {timeout:?}")),
        false => BackendError::Credentials(format!("token endpoint unreachable: {}", e.without_url())),
    };
    // The timeout covers connecting, the answer's head and its body.
    let response = http
        .post(&client.token_url)
        .timeout(timeout)
        .basic_auth(&client.client_id, Some(&client.client_secret))
        .form(&form)
        .send()
        .await
        .map_err(unreachable)?;
    let status = response.status();
    if !status.is_success() {
        return Err(BackendError::Credentials(format!("token endpoint answered HTTP {status}")));
    }
    let body = response.bytes().await.map_err(unreachable)?;
    let answer: TokenAnswer = serde_json::from_slice(&body)
        .map_err(|_| BackendError::Credentials("token endpoint answered without an access_token".into()))?;
    Ok((answer.access_token, Duration::from_secs(answer.expires_in.unwrap_or(300))))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pinned against botocore's SigV4Auth for the same request, credentials and clock (the
    /// integration test `sigv4_matches_botocore` recomputes it with botocore on every run).
    #[test]
    fn signature_for_fixed_request_credentials_and_clock() {
        let url = reqwest::Url::parse("https://abcdefghij.appsync-api.eu-west-1.amazonaws.com/graphql").unwrap();
        let body = br#"{"query":"query Q { industries }","operationName":"Q","variables":{}}"#;
        let creds = Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None, None, "t");
        let time = SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_323_045);
        let headers = sigv4_headers(&url, body, &creds, "eu-west-1", time).unwrap();
        let auth = headers.iter().find(|(n, _)| *n == "authorization").map(|(_, v)| v.as_str());
        assert_eq!(
            auth,
            Some(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260102/eu-west-1/appsync/aws4_request, \
                 SignedHeaders=content-type;host;x-amz-date, \
                 Signature=ce059d9262c1c9643dbd61b2acd440a2254560acab9ac1732963c1d0182ad288"
            )
        );
    }

    #[test]
    fn a_different_body_changes_the_signature() {
        let url = reqwest::Url::parse("https://abcdefghij.appsync-api.eu-west-1.amazonaws.com/graphql").unwrap();
        let creds = Credentials::new("AKIDEXAMPLE", "secret", None, None, "t");
        let time = SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_323_045);
        let a = sigv4_headers(&url, b"{}", &creds, "eu-west-1", time).unwrap();
        let b = sigv4_headers(&url, b"{ }", &creds, "eu-west-1", time).unwrap();
        assert_ne!(a, b);
    }
}
