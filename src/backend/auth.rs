//! How a request to AppSync proves who we are: SigV4 with the execution role's credentials
//! (`iam`), an API key (`api_key`) or an OIDC access token from the client-credentials grant
//! (`oidc`). Key and client credentials come from Secrets Manager; nothing is fetched at init.

use std::time::{Duration, Instant, SystemTime};

use aws_credential_types::Credentials;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use tokio::sync::Mutex;

use super::BackendError;
use super::secrets::{SecretSource, api_key_from, oidc_client_from};

/// Headers to add to one request.
pub type AuthHeaders = Vec<(&'static str, String)>;

pub enum Authenticator {
    Iam { region: String, provider: SharedCredentialsProvider, cached: Mutex<Option<Credentials>> },
    ApiKey { secret: SecretSource },
    Oidc { secret: SecretSource, http: reqwest::Client, token: Mutex<Option<(String, Instant)>> },
}

/// Refresh credentials this long before they expire.
const EXPIRY_MARGIN: Duration = Duration::from_secs(300);

impl Authenticator {
    /// Headers for one POST of `body` to `url`. `refresh` means AppSync just rejected what we
    /// sent, so cached key, token or credentials are fetched anew.
    pub async fn headers(&self, url: &reqwest::Url, body: &[u8], refresh: bool) -> Result<AuthHeaders, BackendError> {
        match self {
            Authenticator::Iam { region, provider, cached } => {
                let credentials = iam_credentials(provider, cached, refresh).await?;
                sigv4_headers(url, body, &credentials, region, SystemTime::now())
            }
            Authenticator::ApiKey { secret } => Ok(vec![("x-api-key", api_key_from(&secret.get(refresh).await?)?)]),
            Authenticator::Oidc { secret, http, token } => {
                let mut token = token.lock().await;
                let fresh = token.as_ref().filter(|(_, until)| !refresh && Instant::now() < *until);
                let bearer = match fresh {
                    Some((bearer, _)) => bearer.clone(),
                    None => {
                        let (bearer, lifetime) = fetch_token(http, &secret.get(refresh).await?).await?;
                        *token =
                            Some((bearer.clone(), Instant::now() + lifetime.saturating_sub(Duration::from_secs(60))));
                        bearer
                    }
                };
                Ok(vec![("authorization", format!("Bearer {bearer}"))])
            }
        }
    }
}

async fn iam_credentials(
    provider: &SharedCredentialsProvider,
    cached: &Mutex<Option<Credentials>>,
    refresh: bool,
) -> Result<Credentials, BackendError> {
    let mut cached = cached.lock().await;
    let usable = cached.as_ref().filter(|c| {
        !refresh
            && c.expiry().is_none_or(|at| at.duration_since(SystemTime::now()).is_ok_and(|left| left > EXPIRY_MARGIN))
    });
    if let Some(credentials) = usable {
        return Ok(credentials.clone());
    }
    let credentials =
        provider.provide_credentials().await.map_err(|e| BackendError::Credentials(format!("AWS credentials: {e}")))?;
    *cached = Some(credentials.clone());
    Ok(credentials)
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
async fn fetch_token(http: &reqwest::Client, secret: &str) -> Result<(String, Duration), BackendError> {
    let client = oidc_client_from(secret)?;
    let mut form = vec![("grant_type", "client_credentials")];
    if let Some(scope) = client.scope.as_deref() {
        form.push(("scope", scope));
    }
    if let Some(audience) = client.audience.as_deref() {
        form.push(("audience", audience));
    }
    let response = http
        .post(&client.token_url)
        .basic_auth(&client.client_id, Some(&client.client_secret))
        .form(&form)
        .send()
        .await
        .map_err(|e| BackendError::Credentials(format!("token endpoint unreachable: {}", e.without_url())))?;
    let status = response.status();
    if !status.is_success() {
        return Err(BackendError::Credentials(format!("token endpoint answered HTTP {status}")));
    }
    let answer: TokenAnswer = response
        .json()
        .await
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
