//! Inbound identity for `serve` mode: the caller's bearer JWT, checked against the issuer's
//! published keys (JWKS, cached), as API Gateway's JWT authorizer does in front of Lambda.
//!
//! Real identity providers differ, and each difference is accepted where the issuer is trusted:
//! - Cognito access tokens carry `client_id` and no `aud`: the configured audience may match either.
//! - Scopes come as a space-separated `scope` string, or as an `scp` array (or string).
//! - Some JWKS entries have no `alg`: the token header's algorithm is used, if it is an asymmetric
//!   one that fits the key's type (an RSA key never verifies an HMAC token).
//!
//! Nothing here logs or returns a token or a claim value beyond the principal and scopes.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use tokio::sync::{Mutex, RwLock};

use crate::config::OidcConfig;

/// A caller whose token passed; put in the request's extensions for [`crate::inbound::caller::Caller`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedToken {
    /// `sub`, or `client_id` for machine clients without a subject.
    pub principal: String,
    pub scopes: Vec<String>,
    /// The issuer the token was checked against (its `iss`): part of the caller's principal.
    pub issuer: String,
}

/// Why a token was refused. The messages are fixed strings: nothing the caller sent is echoed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("the token is not valid")]
    Invalid,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not for this server")]
    WrongAudience,
    #[error("the identity provider's keys could not be fetched; retry")]
    KeysUnavailable,
}

/// Asymmetric algorithms only: an HMAC token would be "signed" with a public key.
const ACCEPTED: [Algorithm; 9] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

/// How long fetched keys are used, and how soon an unknown `kid` may trigger a refetch.
const KEYS_TTL: Duration = Duration::from_secs(600);
const REFETCH_AFTER: Duration = Duration::from_secs(30);
const CLOCK_SKEW_SECONDS: u64 = 60;

/// The issuer's keys as last fetched, and how the last attempt went.
#[derive(Default)]
struct Keys {
    set: Option<JwkSet>,
    fetched: Option<Instant>,
    last_attempt: Option<Instant>,
}

impl Keys {
    fn fresh(&self) -> bool {
        self.fetched.is_some_and(|t| t.elapsed() < KEYS_TTL)
    }

    fn find(&self, kid: Option<&str>) -> Option<Jwk> {
        self.set.as_ref().and_then(|set| find(set, kid))
    }
}

pub struct TokenVerifier {
    oidc: OidcConfig,
    http: reqwest::Client,
    keys: RwLock<Keys>,
    /// One fetch at a time; callers that waited use what it fetched.
    fetching: Mutex<()>,
}

#[derive(Deserialize)]
struct Claims {
    sub: Option<String>,
    client_id: Option<String>,
    #[serde(default)]
    aud: Audience,
    scope: Option<String>,
    scp: Option<Scopes>,
    token_use: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
    #[default]
    None,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Scopes {
    List(Vec<String>),
    Text(String),
}

#[derive(Deserialize)]
struct OpenIdConfiguration {
    jwks_uri: String,
}

impl TokenVerifier {
    /// `http`: a builder on the process's outbound TLS (`crate::outbound`).
    pub fn new(oidc: OidcConfig, http: reqwest::ClientBuilder) -> TokenVerifier {
        // https only, unless the issuer itself is the local platform on loopback (config allows
        // plain http nowhere else), so a redirect can never downgrade the key fetch.
        let https_only = oidc.issuer.starts_with("https://");
        let http = http
            .timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::limited(3))
            .https_only(https_only)
            .build()
            .unwrap_or_default();
        TokenVerifier { oidc, http, keys: RwLock::new(Keys::default()), fetching: Mutex::new(()) }
    }

    pub async fn verify(&self, token: &str) -> Result<VerifiedToken, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Invalid)?;
        if !ACCEPTED.contains(&header.alg) {
            return Err(TokenError::Invalid);
        }
        let jwk = self.key_for(header.kid.as_deref()).await?;
        let key = decoding_key(&jwk, header.alg)?;
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&self.oidc.issuer]);
        validation.validate_aud = false; // checked below: `aud`, or Cognito's `client_id`
        validation.leeway = CLOCK_SKEW_SECONDS;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "iss"]);
        let data = jsonwebtoken::decode::<Claims>(token, &key, &validation).map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
            _ => TokenError::Invalid,
        })?;
        let claims = data.claims;
        // Cognito ID tokens carry the app client as `aud` too; they identify a user to the client,
        // they do not authorize calls to an API.
        if claims.token_use.as_deref() == Some("id") {
            return Err(TokenError::Invalid);
        }
        let audience = &self.oidc.audience;
        let for_us = match &claims.aud {
            Audience::One(a) => a == audience,
            Audience::Many(list) => list.contains(audience),
            Audience::None => claims.client_id.as_ref() == Some(audience),
        };
        if !for_us {
            return Err(TokenError::WrongAudience);
        }
        let principal = non_blank(claims.sub).or_else(|| non_blank(claims.client_id)).ok_or(TokenError::Invalid)?;
        let scopes = scopes_of(claims.scope.as_deref(), claims.scp);
        Ok(VerifiedToken { principal, scopes, issuer: self.oidc.issuer.clone() })
    }

    /// The key for `kid`. Cached keys are used for 10 minutes; they are fetched when missing or
    /// stale, or when a token names a key we do not have (rotation), but at most one attempt
    /// every 30 s, whatever its outcome, and callers waiting meanwhile share its result. When the
    /// identity provider cannot be reached, the keys we had go on being used (stale on error).
    async fn key_for(&self, kid: Option<&str>) -> Result<Jwk, TokenError> {
        {
            let keys = self.keys.read().await;
            if keys.fresh()
                && let Some(jwk) = keys.find(kid)
            {
                return Ok(jwk);
            }
        }
        let _one_fetch = self.fetching.lock().await;
        {
            let keys = self.keys.read().await;
            let known = keys.find(kid);
            if keys.fresh() && known.is_some() {
                return known.ok_or(TokenError::Invalid);
            }
            if keys.last_attempt.is_some_and(|t| t.elapsed() < REFETCH_AFTER) {
                // Tried moments ago: stale keys if they have it, else the last attempt's answer.
                return match (known, keys.fresh() || keys.set.is_some()) {
                    (Some(jwk), _) => Ok(jwk),
                    (None, true) => Err(TokenError::Invalid),
                    (None, false) => Err(TokenError::KeysUnavailable),
                };
            }
        }
        let fetched = self.fetch_keys().await;
        let mut keys = self.keys.write().await;
        keys.last_attempt = Some(Instant::now());
        match fetched {
            Ok(set) => {
                keys.set = Some(set);
                keys.fetched = keys.last_attempt;
                keys.find(kid).ok_or(TokenError::Invalid)
            }
            Err(error) => match keys.find(kid) {
                Some(jwk) => {
                    tracing::warn!("using the signing keys fetched earlier: the identity provider is unreachable");
                    Ok(jwk)
                }
                None => Err(error),
            },
        }
    }

    async fn fetch_keys(&self) -> Result<JwkSet, TokenError> {
        let jwks_url = match &self.oidc.jwks_url {
            Some(url) => url.clone(),
            None => {
                let base = self.oidc.issuer.trim_end_matches('/');
                let discovery = format!("{base}/.well-known/openid-configuration");
                self.get_json::<OpenIdConfiguration>(&discovery).await?.jwks_uri
            }
        };
        let set = self.get_json::<JwkSet>(&jwks_url).await?;
        tracing::info!(keys = set.keys.len(), "fetched the token issuer's signing keys");
        Ok(set)
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T, TokenError> {
        let response = self.http.get(url).send().await.map_err(|e| {
            tracing::warn!(error = %e.without_url(), "identity provider unreachable");
            TokenError::KeysUnavailable
        })?;
        if !response.status().is_success() {
            tracing::warn!(status = response.status().as_u16(), "identity provider answered with an error");
            return Err(TokenError::KeysUnavailable);
        }
        response.json::<T>().await.map_err(|_| TokenError::KeysUnavailable)
    }
}

fn find(set: &JwkSet, kid: Option<&str>) -> Option<Jwk> {
    match kid {
        Some(kid) => set.find(kid).cloned(),
        // No `kid`: only an unambiguous set will do.
        None => match set.keys.as_slice() {
            [only] => Some(only.clone()),
            _ => None,
        },
    }
}

/// The key, if its type fits the token's algorithm and its own `alg` (when it names one) agrees.
fn decoding_key(jwk: &Jwk, alg: Algorithm) -> Result<DecodingKey, TokenError> {
    let fits = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => {
            matches!(
                alg,
                Algorithm::RS256
                    | Algorithm::RS384
                    | Algorithm::RS512
                    | Algorithm::PS256
                    | Algorithm::PS384
                    | Algorithm::PS512
            )
        }
        AlgorithmParameters::EllipticCurve(_) => matches!(alg, Algorithm::ES256 | Algorithm::ES384),
        AlgorithmParameters::OctetKeyPair(_) => alg == Algorithm::EdDSA,
        // Symmetric keys (never for a public verifier) and whatever a later version adds.
        _ => false,
    };
    let named = jwk.common.key_algorithm.map(|k| format!("{k:?}"));
    if !fits || named.is_some_and(|named| named != format!("{alg:?}")) {
        return Err(TokenError::Invalid);
    }
    DecodingKey::from_jwk(jwk).map_err(|_| TokenError::Invalid)
}

fn non_blank(value: Option<String>) -> Option<String> {
    value.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// `scope: "a b"` (RFC 8693 / OAuth), `scp: ["a", "b"]` (Okta, Entra) or `scp: "a b"`.
fn scopes_of(scope: Option<&str>, scp: Option<Scopes>) -> Vec<String> {
    let mut scopes: Vec<String> = scope.unwrap_or_default().split_whitespace().map(str::to_owned).collect();
    match scp {
        Some(Scopes::List(list)) => scopes.extend(list),
        Some(Scopes::Text(text)) => scopes.extend(text.split_whitespace().map(str::to_owned)),
        None => {}
    }
    scopes.sort();
    scopes.dedup();
    scopes
}

/// Scopes as API Gateway's JWT authorizer hands them to Lambda: its `scopes` list when it filled
/// one, else the claims, where a `scope` string stays a string and an `scp` array is flattened to
/// text such as `[mcp:read mcp:write]`.
pub fn scopes_from_gateway(scopes: Option<&Vec<String>>, claims: &HashMap<String, String>) -> Vec<String> {
    if let Some(scopes) = scopes.filter(|s| !s.is_empty()) {
        return scopes_of(Some(&scopes.join(" ")), None);
    }
    let scp = claims.get("scp").map(|s| Scopes::Text(s.trim_matches(|c| c == '[' || c == ']').replace(',', " ")));
    scopes_of(claims.get("scope").map(String::as_str), scp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_come_as_a_string_an_array_or_both() {
        assert_eq!(scopes_of(Some("mcp:read  mcp:write"), None), ["mcp:read", "mcp:write"]);
        assert_eq!(scopes_of(None, Some(Scopes::List(vec!["mcp:write".into()]))), ["mcp:write"]);
        assert_eq!(scopes_of(Some("a"), Some(Scopes::Text("b a".into()))), ["a", "b"]);
        assert!(scopes_of(None, None).is_empty());
    }

    #[test]
    fn gateway_scopes_from_the_list_or_the_flattened_claims() {
        let claims: HashMap<String, String> = [("scp".to_owned(), "[mcp:read mcp:write]".to_owned())].into();
        assert_eq!(scopes_from_gateway(None, &claims), ["mcp:read", "mcp:write"]);
        let claims: HashMap<String, String> = [("scope".to_owned(), "openid mcp:write".to_owned())].into();
        assert_eq!(scopes_from_gateway(None, &claims), ["mcp:write", "openid"]);
        assert_eq!(scopes_from_gateway(Some(&vec!["x".into()]), &claims), ["x"]);
    }
}

#[cfg(test)]
#[path = "token_tests.rs"]
mod signature_tests;
