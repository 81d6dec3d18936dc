//! What every auth mode shares: the modes, the platform's [`AuthConfig`], the [`Identity`] a
//! request proves and the [`AuthError`] it is refused with, and two helpers for reading
//! credentials safely (one header value at most; comparison in constant time).

use std::fmt;
use std::time::Duration;

use http::HeaderMap;

/// An AppSync authorization mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `x-api-key: <key>`.
    ApiKey,
    /// `authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`.
    Iam,
    /// `authorization: Bearer <jwt>` or `authorization: <jwt>`.
    Oidc,
}

/// What the local platform accepts. Any subset of the modes may be enabled.
#[derive(Clone)]
pub struct AuthConfig {
    pub modes: Vec<Mode>,
    pub api_keys: Vec<String>,
    /// IAM: the test credentials whose signatures are accepted.
    pub access_key_id: String,
    pub secret_access_key: String,
    /// e.g. "us-east-1"; a signature scoped to another region is rejected.
    pub region: String,
    /// AppSync allows 5 minutes; a stale or future `x-amz-date` is rejected.
    pub max_clock_skew: Duration,
    /// OIDC: tokens signed by this key (RS256), with this issuer and audience, are accepted.
    pub jwt_issuer: String,
    pub jwt_audience: String,
    pub jwt_public_key_pem: String,
}

// By hand, so that a config printed in a log or a test failure never shows a secret.
impl fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthConfig")
            .field("modes", &self.modes)
            .field("api_keys", &format_args!("[{} redacted]", self.api_keys.len()))
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &format_args!("<redacted>"))
            .field("region", &self.region)
            .field("max_clock_skew", &self.max_clock_skew)
            .field("jwt_issuer", &self.jwt_issuer)
            .field("jwt_audience", &self.jwt_audience)
            .field("jwt_public_key_pem", &format_args!("<{} bytes of PEM>", self.jwt_public_key_pem.len()))
            .finish()
    }
}

/// Who the request authenticated as (for logs and ownership checks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    ApiKey,
    Iam { access_key_id: String },
    Oidc { sub: String },
}

/// Why a request was refused. Every message is a fixed string (see the `auth` module docs).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AuthError {
    /// No credentials for an enabled mode (or credentials only for a disabled one).
    #[error("Valid authorization header not provided.")]
    Missing,
    /// `x-api-key` present but not one of the configured keys.
    #[error("You are not authorized to make this call.")]
    BadApiKey,
    /// A malformed SigV4 header, an unknown access key, or a signature that does not match.
    #[error("{0}")]
    BadSignature(&'static str),
    /// The SigV4 credential scope names a region other than the configured one.
    #[error("Credential should be scoped to a valid region.")]
    WrongRegion,
    /// `x-amz-date` is further from "now" than `max_clock_skew`, in either direction.
    #[error("Signature expired: the request date is outside the allowed clock skew.")]
    StaleDate,
    /// A JWT that is malformed, badly signed, expired, or for another issuer or audience.
    #[error("{0}")]
    BadToken(&'static str),
}

/// The value of a header that must appear at most once: `Ok(None)` if absent, `Err` if repeated
/// or not visible ASCII. Repeats are refused rather than guessed at: two API keys or two
/// authorization headers on one request are ambiguous.
pub(super) fn single_header<'h>(headers: &'h HeaderMap, name: &str) -> Result<Option<&'h str>, ()> {
    let mut values = headers.get_all(name).iter();
    let Some(first) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(());
    }
    first.to_str().map(Some).map_err(|_| ())
}

/// Equality whose running time does not depend on where the inputs first differ, so a caller
/// cannot find a valid key or signature a byte at a time by timing the replies. (Lengths are not
/// hidden; signatures have a fixed length and API keys are not secret in length.)
pub(super) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}
