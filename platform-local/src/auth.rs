//! AppSync-faithful request authentication for the local platform.
//!
//! The real platform is AWS AppSync, which accepts three kinds of caller: an API key in
//! `x-api-key`, an IAM caller whose request is signed with SigV4, and an OIDC caller presenting an
//! RS256 JWT in `authorization`. The MCP server under test implements the client side of all
//! three. A stand-in that merely *parsed* those headers would let a broken signer or a malformed
//! token pass every local test and fail only against AWS, so this module checks them the way
//! AppSync does: the SigV4 signature is recomputed from the received request with `aws-sigv4`
//! and compared, the credential scope (service, region, day) and the clock skew are enforced, and
//! JWTs are verified against a configured public key, issuer and audience.
//!
//! Error messages are short and AppSync-like, and they are all fixed strings: nothing a caller
//! sent (keys, signatures, tokens, dates) is ever echoed back or logged through them.
//!
//! [`TEST_PRIVATE_KEY_PEM`], [`TEST_PUBLIC_KEY_PEM`] and [`mint_test_token`] exist so tests and
//! `make run` can mint tokens that exercise the OIDC path. They are TEST ONLY.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4::SigningParams;
use http::HeaderMap;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

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

/// Why a request was refused. Every message is a fixed string (see the module docs).
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

/// The SigV4 signing name AppSync uses.
const SERVICE: &str = "appsync";
const SIGV4_PREFIX: &str = "AWS4-HMAC-SHA256 ";
/// `x-amz-date`'s format, e.g. `20260101T000000Z`.
const AMZ_DATE_FORMAT: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
/// Seconds a JWT stays acceptable past its `exp` (and before its `nbf`). Zero: the platform and
/// the MCP server share a clock in local runs, so any slack would only hide expiry bugs.
const JWT_LEEWAY_SECS: i64 = 0;

// SigV4 reasons, worded after the messages AWS returns but without the echoed values.
const SIG_MALFORMED: &str = "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters.";
const SIG_BAD_CREDENTIAL: &str = "Credential must have the form AKID/YYYYMMDD/region/service/aws4_request.";
const SIG_WRONG_SERVICE: &str = "Credential should be scoped to correct service: 'appsync'.";
const SIG_UNKNOWN_KEY: &str = "The security token included in the request is invalid.";
const SIG_BAD_SIGNED_HEADERS: &str = "SignedHeaders must be lowercase, sorted, unique header names.";
const SIG_HOST_UNSIGNED: &str = "'Host' must be a signed header.";
const SIG_DATE_UNSIGNED: &str = "'X-Amz-Date' must be present and a signed header.";
const SIG_BAD_DATE: &str = "X-Amz-Date must be in the ISO-8601 basic format YYYYMMDD'T'HHMMSS'Z'.";
const SIG_SCOPE_DATE: &str =
    "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP.";
const SIG_TOKEN_UNSIGNED: &str = "'X-Amz-Security-Token' must be a signed header when present.";
const SIG_HEADER_ABSENT: &str = "A header listed in SignedHeaders is missing from the request.";
const SIG_BAD_HEADER_VALUE: &str = "A signed header has a value that cannot be canonicalized.";
const SIG_MISMATCH: &str = "The request signature we calculated does not match the signature you provided. \
                            Check your AWS Secret Access Key and signing method.";

// JWT reasons.
const TOKEN_MALFORMED: &str = "Token is malformed.";
const TOKEN_BAD_ALG: &str = "Token algorithm is not allowed.";
const TOKEN_BAD_SIGNATURE: &str = "Token signature is invalid.";
const TOKEN_EXPIRED: &str = "Token has expired.";
const TOKEN_NOT_YET_VALID: &str = "Token is not yet valid.";
const TOKEN_BAD_ISSUER: &str = "Token issuer is invalid.";
const TOKEN_BAD_AUDIENCE: &str = "Token audience is invalid.";
const TOKEN_MISSING_CLAIM: &str = "Token is missing a required claim (sub, iss, aud, exp).";
const TOKEN_BAD_KEY: &str = "Token key is not a usable RSA key.";

/// Check one request: method, path-and-query as received (e.g. "/graphql"), all headers, the raw
/// body, and "now".
///
/// Dispatch is by header, as AppSync does it: `x-api-key` means API key; an `authorization`
/// starting `AWS4-HMAC-SHA256 ` means IAM; `authorization: Bearer <jwt>` or a bare JWT means OIDC.
/// Credentials for a mode that is not enabled count as no credentials ([`AuthError::Missing`]).
/// A request carrying both `x-api-key` and `authorization` is judged on its API key alone.
pub fn verify(
    config: &AuthConfig,
    method: &str,
    path_and_query: &str,
    headers: &HeaderMap,
    body: &[u8],
    now: SystemTime,
) -> Result<Identity, AuthError> {
    let enabled = |mode| config.modes.contains(&mode);

    if headers.contains_key("x-api-key") {
        if !enabled(Mode::ApiKey) {
            return Err(AuthError::Missing);
        }
        return verify_api_key(config, headers);
    }

    let Some(authorization) = single_header(headers, "authorization").map_err(|()| AuthError::Missing)? else {
        return Err(AuthError::Missing);
    };
    if let Some(rest) = authorization.strip_prefix(SIGV4_PREFIX) {
        if !enabled(Mode::Iam) {
            return Err(AuthError::Missing);
        }
        return verify_sigv4(config, method, path_and_query, headers, body, now, rest);
    }
    let token = match split_scheme(authorization, "Bearer") {
        Some(token) => token,
        // AppSync's OIDC mode takes the JWT as the whole header value, with no scheme.
        None if looks_like_jwt(authorization) => authorization,
        None => return Err(AuthError::Missing),
    };
    if !enabled(Mode::Oidc) {
        return Err(AuthError::Missing);
    }
    verify_jwt(config, token, now)
}

/// The value of a header that must appear at most once: `Ok(None)` if absent, `Err` if repeated
/// or not visible ASCII. Repeats are refused rather than guessed at: two API keys or two
/// authorization headers on one request are ambiguous.
fn single_header<'h>(headers: &'h HeaderMap, name: &str) -> Result<Option<&'h str>, ()> {
    let mut values = headers.get_all(name).iter();
    let Some(first) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(());
    }
    first.to_str().map(Some).map_err(|_| ())
}

/// `"<scheme> <rest>"` with the scheme matched case-insensitively, as HTTP schemes are.
fn split_scheme<'a>(value: &'a str, scheme: &str) -> Option<&'a str> {
    let (head, rest) = value.split_once(' ')?;
    head.eq_ignore_ascii_case(scheme).then(|| rest.trim())
}

/// Three non-empty base64url segments: the shape of a compact JWS.
fn looks_like_jwt(value: &str) -> bool {
    let segments: Vec<&str> = value.split('.').collect();
    segments.len() == 3
        && segments.iter().take(2).all(|s| !s.is_empty())
        && value.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Equality whose running time does not depend on where the inputs first differ, so a caller
/// cannot find a valid key or signature a byte at a time by timing the replies. (Lengths are not
/// hidden; signatures have a fixed length and API keys are not secret in length.)
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

fn verify_api_key(config: &AuthConfig, headers: &HeaderMap) -> Result<Identity, AuthError> {
    let presented = single_header(headers, "x-api-key").map_err(|()| AuthError::BadApiKey)?.unwrap_or("");
    // Compare against every key, without stopping at a match, so timing says nothing about which.
    let matched =
        config.api_keys.iter().fold(false, |found, key| found | constant_time_eq(key.as_bytes(), presented.as_bytes()));
    if matched && !presented.is_empty() { Ok(Identity::ApiKey) } else { Err(AuthError::BadApiKey) }
}

/// The parts of `AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`.
struct SigV4Header<'a> {
    access_key_id: &'a str,
    scope_date: &'a str,
    region: &'a str,
    service: &'a str,
    signed_headers: Vec<&'a str>,
    signature: &'a str,
}

/// Parse what follows `AWS4-HMAC-SHA256 `. Strict, as AWS is: every parameter exactly once.
fn parse_sigv4_header(params: &str) -> Result<SigV4Header<'_>, AuthError> {
    let malformed = || AuthError::BadSignature(SIG_MALFORMED);
    let (mut credential, mut signed_headers, mut signature) = (None, None, None);
    for param in params.split(',') {
        let (key, value) = param.trim().split_once('=').ok_or_else(malformed)?;
        let slot = match key {
            "Credential" => &mut credential,
            "SignedHeaders" => &mut signed_headers,
            "Signature" => &mut signature,
            _ => return Err(malformed()),
        };
        if slot.replace(value).is_some() {
            return Err(malformed());
        }
    }
    let (Some(credential), Some(signed_headers), Some(signature)) = (credential, signed_headers, signature) else {
        return Err(malformed());
    };

    let scope: Vec<&str> = credential.split('/').collect();
    let [access_key_id, scope_date, region, service, terminator] = scope.as_slice() else {
        return Err(AuthError::BadSignature(SIG_BAD_CREDENTIAL));
    };
    if *terminator != "aws4_request"
        || access_key_id.is_empty()
        || region.is_empty()
        || scope_date.len() != 8
        || !scope_date.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(AuthError::BadSignature(SIG_BAD_CREDENTIAL));
    }

    // The canonical request lists headers lowercase, sorted and unique; a list that is not in that
    // form cannot have been produced by a conforming signer.
    let signed_headers: Vec<&str> = signed_headers.split(';').collect();
    let canonical = signed_headers.iter().all(|h| !h.is_empty() && !h.bytes().any(|b| b.is_ascii_uppercase()))
        && signed_headers.windows(2).all(|pair| matches!(pair, [a, b] if a < b));
    if !canonical || signed_headers.contains(&"authorization") {
        return Err(AuthError::BadSignature(SIG_BAD_SIGNED_HEADERS));
    }

    if signature.len() != 64 || !signature.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(AuthError::BadSignature(SIG_MISMATCH));
    }

    Ok(SigV4Header { access_key_id, scope_date, region, service, signed_headers, signature })
}

/// Recompute the SigV4 signature of the received request with the configured secret and compare.
fn verify_sigv4(
    config: &AuthConfig,
    method: &str,
    path_and_query: &str,
    headers: &HeaderMap,
    body: &[u8],
    now: SystemTime,
    params: &str,
) -> Result<Identity, AuthError> {
    let auth = parse_sigv4_header(params)?;

    // Scope checks first, in the order AWS reports them.
    if auth.service != SERVICE {
        return Err(AuthError::BadSignature(SIG_WRONG_SERVICE));
    }
    if auth.access_key_id != config.access_key_id {
        return Err(AuthError::BadSignature(SIG_UNKNOWN_KEY));
    }
    if auth.region != config.region {
        return Err(AuthError::WrongRegion);
    }

    // Headers that must be covered by the signature. Host: otherwise a request signed for one
    // endpoint could be replayed to another. X-Amz-Date: otherwise the skew check means nothing.
    // X-Amz-Security-Token: a session token sent but left unsigned could be swapped in transit.
    let signs = |name: &str| auth.signed_headers.contains(&name);
    if !signs("host") {
        return Err(AuthError::BadSignature(SIG_HOST_UNSIGNED));
    }
    if headers.contains_key("x-amz-security-token") && !signs("x-amz-security-token") {
        return Err(AuthError::BadSignature(SIG_TOKEN_UNSIGNED));
    }
    let amz_date = match single_header(headers, "x-amz-date") {
        Ok(Some(date)) if signs("x-amz-date") => date,
        Ok(_) => return Err(AuthError::BadSignature(SIG_DATE_UNSIGNED)),
        Err(()) => return Err(AuthError::BadSignature(SIG_BAD_DATE)),
    };
    let signed_at = parse_amz_date(amz_date).ok_or(AuthError::BadSignature(SIG_BAD_DATE))?;
    if amz_date.get(..8) != Some(auth.scope_date) {
        return Err(AuthError::BadSignature(SIG_SCOPE_DATE));
    }
    let skew = match now.duration_since(signed_at) {
        Ok(age) => age,
        Err(ahead) => ahead.duration(),
    };
    if skew > config.max_clock_skew {
        return Err(AuthError::StaleDate);
    }

    // Exactly the headers the caller says it signed, with the values we received. X-Amz-Date is
    // left out because the signer inserts it itself from the signing time, which we parsed from it.
    let mut signed: Vec<(&str, &str)> = Vec::with_capacity(auth.signed_headers.len());
    for &name in auth.signed_headers.iter().filter(|&&name| name != "x-amz-date") {
        let mut values = headers.get_all(name).iter().peekable();
        if values.peek().is_none() {
            return Err(AuthError::BadSignature(SIG_HEADER_ABSENT));
        }
        for value in values {
            let value = value.to_str().map_err(|_| AuthError::BadSignature(SIG_BAD_HEADER_VALUE))?;
            signed.push((name, value));
        }
    }
    let host = single_header(headers, "host").ok().flatten().ok_or(AuthError::BadSignature(SIG_BAD_HEADER_VALUE))?;

    // The scheme is not part of the canonical request, so "http" is as good as the client's.
    let uri = format!("http://{host}{path_and_query}");
    let expected = compute_signature(config, signed_at, method, &uri, &signed, body)?;
    if constant_time_eq(expected.as_bytes(), auth.signature.as_bytes()) {
        Ok(Identity::Iam { access_key_id: auth.access_key_id.to_owned() })
    } else {
        Err(AuthError::BadSignature(SIG_MISMATCH))
    }
}

/// `20260101T000000Z` as a time, or `None` if it is not exactly in that form.
fn parse_amz_date(value: &str) -> Option<SystemTime> {
    let parsed = time::PrimitiveDateTime::parse(value, AMZ_DATE_FORMAT).ok()?;
    Some(parsed.assume_utc().into())
}

/// The signature a client holding the configured credentials would have sent for this request,
/// computed with the same library and settings (AppSync is an ordinary SigV4 service: default
/// URI normalization and encoding, no payload-hash header, session token in the canonical
/// request) the AWS SDKs use.
fn compute_signature(
    config: &AuthConfig,
    signed_at: SystemTime,
    method: &str,
    uri: &str,
    signed_headers: &[(&str, &str)],
    body: &[u8],
) -> Result<String, AuthError> {
    // No session token on the credentials: if the client signed one, it is among `signed_headers`
    // and goes into the canonical request just as the client's signer put it there.
    let identity =
        Credentials::new(&config.access_key_id, &config.secret_access_key, None, None, "platform-local").into();
    let mut settings = SigningSettings::default();
    // The defaults drop headers (user-agent, ...) that some signers do sign; we pass exactly the
    // signed ones, so nothing may be dropped.
    settings.excluded_headers = None;
    let params = SigningParams::builder()
        .identity(&identity)
        .region(&config.region)
        .name(SERVICE)
        .time(signed_at)
        .settings(settings)
        .build()
        .map_err(|_| AuthError::BadSignature(SIG_MISMATCH))?
        .into();
    // Anything the signer cannot canonicalize (an unparseable URI, a bad header name) cannot have
    // been signed by a conforming client either.
    let request = SignableRequest::new(method, uri, signed_headers.iter().copied(), SignableBody::Bytes(body))
        .map_err(|_| AuthError::BadSignature(SIG_BAD_HEADER_VALUE))?;
    let output = sign(request, &params).map_err(|_| AuthError::BadSignature(SIG_BAD_HEADER_VALUE))?;
    Ok(output.signature().to_owned())
}

/// The claims this platform reads from a verified token (iss and aud are checked by jsonwebtoken).
/// Optional here so that a missing claim is reported as missing, not as a malformed token:
/// jsonwebtoken deserializes these before it checks the required claims.
#[derive(Deserialize)]
struct VerifiedClaims {
    #[serde(default)]
    sub: Option<String>,
    // Numbers, not integers only: RFC 7519's NumericDate may carry a fraction.
    #[serde(default)]
    exp: Option<f64>,
    #[serde(default)]
    nbf: Option<f64>,
}

fn verify_jwt(config: &AuthConfig, token: &str, now: SystemTime) -> Result<Identity, AuthError> {
    let key = DecodingKey::from_rsa_pem(config.jwt_public_key_pem.as_bytes())
        .map_err(|_| AuthError::BadToken(TOKEN_BAD_KEY))?;

    // RS256 only: accepting the header's choice of algorithm is how "alg: none" and HS256-with-
    // the-public-key forgeries get in.
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    validation.set_issuer(&[&config.jwt_issuer]);
    validation.set_audience(&[&config.jwt_audience]);
    // jsonwebtoken reads the system clock; time is checked below against the caller's `now`
    // instead, so tests can pin it.
    validation.validate_exp = false;
    validation.validate_nbf = false;

    let claims = jsonwebtoken::decode::<VerifiedClaims>(token, &key, &validation)
        .map_err(|e| AuthError::BadToken(jwt_reason(e.kind())))?
        .claims;

    let (Some(sub), Some(exp)) = (claims.sub.filter(|sub| !sub.is_empty()), claims.exp) else {
        return Err(AuthError::BadToken(TOKEN_MISSING_CLAIM));
    };
    let now = unix_seconds(now) as f64;
    let leeway = JWT_LEEWAY_SECS as f64;
    // RFC 7519: the token must not be accepted "on or after" exp.
    if now >= exp + leeway {
        return Err(AuthError::BadToken(TOKEN_EXPIRED));
    }
    if claims.nbf.is_some_and(|nbf| now + leeway < nbf) {
        return Err(AuthError::BadToken(TOKEN_NOT_YET_VALID));
    }
    Ok(Identity::Oidc { sub })
}

fn jwt_reason(kind: &ErrorKind) -> &'static str {
    match kind {
        ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName | ErrorKind::UnsupportedAlgorithm => {
            TOKEN_BAD_ALG
        }
        ErrorKind::InvalidSignature => TOKEN_BAD_SIGNATURE,
        ErrorKind::ExpiredSignature => TOKEN_EXPIRED,
        ErrorKind::ImmatureSignature => TOKEN_NOT_YET_VALID,
        ErrorKind::InvalidIssuer => TOKEN_BAD_ISSUER,
        ErrorKind::InvalidAudience => TOKEN_BAD_AUDIENCE,
        ErrorKind::MissingRequiredClaim(_) => TOKEN_MISSING_CLAIM,
        ErrorKind::InvalidRsaKey(_) | ErrorKind::InvalidKeyFormat => TOKEN_BAD_KEY,
        _ => TOKEN_MALFORMED,
    }
}

/// Whole seconds since the Unix epoch (negative before it), as JWT NumericDates count.
fn unix_seconds(t: SystemTime) -> i64 {
    let signed = |d: Duration| i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
    match t.duration_since(UNIX_EPOCH) {
        Ok(after) => signed(after),
        Err(before) => -signed(before.duration()),
    }
}

/// The claims [`mint_test_token`] writes.
#[derive(Serialize)]
struct MintedClaims<'a> {
    sub: &'a str,
    iss: &'a str,
    aud: &'a str,
    exp: i64,
    iat: i64,
}

/// Mint an RS256 token: sub, iss, aud, exp = now + ttl (ttl may be negative for expired-token
/// tests), iat = now. TEST ONLY: for tests and `make run`, normally with [`TEST_PRIVATE_KEY_PEM`].
pub fn mint_test_token(
    private_key_pem: &str,
    sub: &str,
    issuer: &str,
    audience: &str,
    ttl_seconds: i64,
    now: SystemTime,
) -> Result<String, AuthError> {
    let key = EncodingKey::from_rsa_pem(private_key_pem.as_bytes()).map_err(|_| AuthError::BadToken(TOKEN_BAD_KEY))?;
    let iat = unix_seconds(now);
    let claims = MintedClaims { sub, iss: issuer, aud: audience, exp: iat.saturating_add(ttl_seconds), iat };
    jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, &key).map_err(|_| AuthError::BadToken(TOKEN_BAD_KEY))
}

/// The key ids under which the platform's sign-in publishes [`TEST_PUBLIC_KEY_PEM`]: once with
/// `alg`, once without (as some identity providers publish keys), so clients of both are tested.
pub const KID: &str = "platform-local-1";
pub const KID_WITHOUT_ALG: &str = "platform-local-noalg";
/// [`TEST_PUBLIC_KEY_PEM`]'s modulus and exponent, base64url (for the JWKS).
const TEST_KEY_N: &str = "sUdSqGusigiPbm6-TAg09KIaDo7-ryqdMrc5HJThElSGV5QpNS2HZYbKMXASZ2pUBXFBoMEckXYkyev0f20_pSrl-Py1HOGA62wuDImkjzDHzcKzJj1jcne8jzYVKTCbo8ssT-HtvBlhomQ9kWmzo6j0egTRpDk4y5xcn7B6QhUCcoDwtMH4AIUjgkQb7RLCYHHRqC6nRlvzYwjm_enlPEcuA1mN1rvSSz5HJbBhpxhOFHuJvtgpvyqrslQFeyPW2v6k2tl8ICWuZ90v8gRBn4sCyFovccKhh7QnzlqFQpwpeIN4YIZWYRrOLbKKVWJ6pLnLSHj1rzDv19NjhQc3-Q";
const TEST_KEY_E: &str = "AQAB";

/// The sign-in's JWKS document.
pub fn jwks() -> serde_json::Value {
    serde_json::json!({"keys": [
        {"kty": "RSA", "kid": KID, "alg": "RS256", "use": "sig", "n": TEST_KEY_N, "e": TEST_KEY_E},
        {"kty": "RSA", "kid": KID_WITHOUT_ALG, "use": "sig", "n": TEST_KEY_N, "e": TEST_KEY_E},
    ]})
}

/// Mint an RS256 token with any claims, signed by [`TEST_PRIVATE_KEY_PEM`] under `kid`. TEST ONLY:
/// for the tests of the MCP server's own token check and for `make run` (the shapes of real
/// identity providers: Cognito's `client_id` without `aud`, `scope` strings, `scp` arrays).
pub fn mint_token(claims: &serde_json::Value, kid: Option<&str>) -> Result<String, AuthError> {
    let key =
        EncodingKey::from_rsa_pem(TEST_PRIVATE_KEY_PEM.as_bytes()).map_err(|_| AuthError::BadToken(TOKEN_BAD_KEY))?;
    let mut header = Header::new(Algorithm::RS256);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(&header, claims, &key).map_err(|_| AuthError::BadToken(TOKEN_BAD_KEY))
}

/// Seconds since the epoch, for `exp`/`iat` claims.
pub fn now_seconds() -> i64 {
    unix_seconds(SystemTime::now())
}

/// TEST ONLY: a fixed 2048-bit RSA private key (PKCS#8 PEM), made once with `openssl genrsa 2048`.
/// It is public in this repository, so anything it signs proves nothing outside local tests.
pub const TEST_PRIVATE_KEY_PEM: &str = "\
-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCxR1Koa6yKCI9u
br5MCDT0ohoOjv6vKp0ytzkclOESVIZXlCk1LYdlhsoxcBJnalQFcUGgwRyRdiTJ
6/R/bT+lKuX4/LUc4YDrbC4MiaSPMMfNwrMmPWNyd7yPNhUpMJujyyxP4e28GWGi
ZD2RabOjqPR6BNGkOTjLnFyfsHpCFQJygPC0wfgAhSOCRBvtEsJgcdGoLqdGW/Nj
COb96eU8Ry4DWY3Wu9JLPkclsGGnGE4Ue4m+2Cm/KquyVAV7I9ba/qTa2XwgJa5n
3S/yBEGfiwLIWi9xwqGHtCfOWoVCnCl4g3hghlZhGs4tsopVYnqkuctIePWvMO/X
02OFBzf5AgMBAAECggEADNmHne+YD7VJIuRiD27KL9qOxZ61yoqYibQ1g+MtYT/B
MRiV2BCXGikn/2deiM0bOVMZQlwHrxTU29H/jzui+7IyqIE2ENmDl7eSqulQhT8w
QbOAJXXDqei7QSzWtyfv0B009rarSGa/6J5tcVyBCeGAPwFEaivqTaU6zX8O4uU2
ANRnsGKOLjJtMNHG8kyR6WRsnOj3x8vnvFVJIqDoUKowE/F7K7hWXAgCweyIs3LZ
WJDcRYpzTH852JlLXFsNXUBt19LJasCWRXPxuSFl9pgUYCMZUNAejJfmW0sx11G4
YDSnqFYW5zCl9Ktzh96enRwUoBCZZgldExpfxug8hQKBgQDkBI683nWX5P6sWCQv
g7nd2EsR2l/No5ET2b8EQesnJeYK+s+liWZZPhCdf6OPGqQvP/sASJe4M3Fhb/Zj
rU4eHGhJpYMM/uDWUbgeBQ63lezIfLrx/u+D47/m2FQXlTHUtkugP404N8FKLgvT
QpYp4442+cAE7Y9N97S7gJ29swKBgQDHCLwfNUuAKwNdI9I5r+Fw5t+hf8vnHxBh
vfBdkw26LSqKjQIq/YMPcPbnJEhtmAdKLAchIBhW32NekU71OmcicbbLJOu8KjuJ
oxgOCpxPBwLTZ+g85Xsuoa843fErj7okXltGpEPeoII/09DiCww0Pi2EBkyBPVwf
/be2jXlVowKBgCJyodHc1e0ttl/5LPZUs0bVv3miASlDFc7m7ZnKD6mpaxirjaVX
nbPL0ZzJxL8A6l8NDnGbhfhZJT7wOEwUyaF47zR5IdRbyUH3tJYsc22+47fiSCf5
ONw3Ey3f7sxlSNL2+3PpRf+BRN1dGYJAJAmODFU35A+aiDTiQFa3dp1LAoGAdV6y
SRkNj+RNlIRGOVx9bi3HnJ4XKREJgQoYD6ZjRvHRj2i96Yob2mQ8RWwBBhfL3LJ/
9cnOcJRFLgQ0cqphHU+/gqYgGZMyDuVNjyI0sOmqge5ZZmfRL1uLT9aZnJ2iIEZA
PzUpDMTMakVHfbUUGk68Wom4XdJIXFkrGAzvi08CgYEAx30/uI2/y+oN2eWRMeG5
nQZ4g3/oex9S+EJOOCCQDpAPcyU6c+pmco6yDy/sKFQOy/lFNhk/nTrvXt7o3H4a
wMqvj9m9ZOwwfHP3o+qw/sa2QA9WRPKAv61rsX1QhYwlMDR/+OsdNPQl4FbBS145
PmM8YHdasK2NmGs7H+j9xfk=
-----END PRIVATE KEY-----
";

/// TEST ONLY: the public half of [`TEST_PRIVATE_KEY_PEM`] (SPKI PEM, from `openssl rsa -pubout`).
pub const TEST_PUBLIC_KEY_PEM: &str = "\
-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAsUdSqGusigiPbm6+TAg0
9KIaDo7+ryqdMrc5HJThElSGV5QpNS2HZYbKMXASZ2pUBXFBoMEckXYkyev0f20/
pSrl+Py1HOGA62wuDImkjzDHzcKzJj1jcne8jzYVKTCbo8ssT+HtvBlhomQ9kWmz
o6j0egTRpDk4y5xcn7B6QhUCcoDwtMH4AIUjgkQb7RLCYHHRqC6nRlvzYwjm/enl
PEcuA1mN1rvSSz5HJbBhpxhOFHuJvtgpvyqrslQFeyPW2v6k2tl8ICWuZ90v8gRB
n4sCyFovccKhh7QnzlqFQpwpeIN4YIZWYRrOLbKKVWJ6pLnLSHj1rzDv19NjhQc3
+QIDAQAB
-----END PUBLIC KEY-----
";

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    /// TEST ONLY: a second key pair, unrelated to the one the config trusts.
    const OTHER_PRIVATE_KEY_PEM: &str = "\
-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQCrZQY1liXmVYUH
K/VGevPDfaQ80lVJ4cLudPDbaJm1Soq5Wk+0AMJMFO0bqJmuPL5CwEIz9oEe49Db
li0zDuhrn7KtmKXcbqMVQrUlTYY0/fY9vZjBBvtoL747BiPiDPpXFJ7ItK2XaT2N
6x2iSlDEcGpbwbVGGbdR0Rk39I9eTRN8nmPRS94QR2ZYGLk29eHMC5ZrY9pQBNXw
NFOqOXJ8rfdCVNn9svDF5kkIYusm/naa54AxZJw/rYwslAwy+fjM7XGohs7f/+u4
530l5MzEHZc90/YeNez3+4h00PCS4DQqeK8zD688MCO3rSFzfXXxI79F+aeRX+bq
6ltxci0PAgMBAAECggEABXQCtd9zfMknA4g/NGYsme2evx3iYeEqIZP6JsIw/rR9
6Pjjx4iZauZun50LRhbpcPDeuSGZN8x2GWexknY6HmgHqY7DjIEN4Udd/IzZllxY
9ipiqb1DDbZAZIJdlIWOQwlUEnMqHsLCNK/QvywhD2yANwiKNM47lBVeW/aO21mR
/iIlpZuzI9e5twvoq0DYRzGb4UO9NMavg2OKlp1/OEtCh2sFfE3/pXhKL84gst2u
rTwSZN1Z9uRU+mQ1f6ZJkvctYiAdO6yRzAdo1pGhEDLkSrsNLAyjkXmvJZ6+5sX3
m+a++YtGhW83NXuBNfdpZ9lfD481ggKjefTzVKI6oQKBgQDjsG9usBuF/CIZ14Ri
+o4VVbewBQRqkSjXR/+yJzAm6XgPQ6By/1rOy/Vyn1JfRpAYAv2+B0efr2IKymyb
1ZK60GS914Xn+sHYN+SC+BZjs312eFWXkgnda6jUuLDFQCV3f1bHoKIY/CWG62TF
m5904fGP0mtmqRiswmfOrGgTUQKBgQDAtK3Mncn2sOyQ57xeC5BXxrN5ZxcQydZS
NXthDkwc/oo+ltjSK/56FD2o7PWgKc1sZFUM/PRl64Q2ylsOA1B7my/WlwzmKntx
RqtTDNYdXRcQF6cMIFgd8hvBd4mHeKAr0BTK5H6Y2sRy/Qoo/F4a1oMJm629v+y4
whzBQQ5iXwKBgQCdR+iBxocMs9F+lmBt2vRBCpg7sAuP7bwPkj2v++AIUShNKwLv
zTMWPM/NIP9OrzikTZSoKvEv/n+0QoZp00trXr7oYLOwPoie6mUgj20v6/IT3yYI
8Kl92Xujjf0WFKyM8lqoxW6T4cGuhHZ1Bn5MyDMMjWcBYHeaByScIH44MQKBgGnU
D8paMSrYGOKvUQQ4x4lc5v1Z/xHKNngpRNuVNXmK1DLxNpuda4BxkzctAut1aYoI
Q6kBVdqPD6njUUQNz+pB3HC1vXC9jdM0oyvV1dSEZgEBbEy9iobPiiyiUBXkydml
yXVvLJMXOWGI00aU6b1FZusk4rJdL0x71bzP1G1zAoGBAKg4BgzvYGQteCQEWAj7
9uKucVfANZGGJT8U0RqTTy7vho1tj+AWmo7HAO9AI+SNi5x1nCTRT5uv7ys2NKp5
C4I+UjOpBggK53oV+Eufv0y8Ui9tIjyJBIMfnz8qlzDxhSN1PstB35o2og+U1CMu
h2p3WeHjGCMj3bx+6i103tRJ
-----END PRIVATE KEY-----
";

    const OTHER_PUBLIC_KEY_PEM: &str = "\
-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAq2UGNZYl5lWFByv1Rnrz
w32kPNJVSeHC7nTw22iZtUqKuVpPtADCTBTtG6iZrjy+QsBCM/aBHuPQ25YtMw7o
a5+yrZil3G6jFUK1JU2GNP32Pb2YwQb7aC++OwYj4gz6VxSeyLStl2k9jesdokpQ
xHBqW8G1Rhm3UdEZN/SPXk0TfJ5j0UveEEdmWBi5NvXhzAuWa2PaUATV8DRTqjly
fK33QlTZ/bLwxeZJCGLrJv52mueAMWScP62MLJQMMvn4zO1xqIbO3//ruOd9JeTM
xB2XPdP2HjXs9/uIdNDwkuA0KnivMw+vPDAjt60hc3118SO/RfmnkV/m6upbcXIt
DwIDAQAB
-----END PUBLIC KEY-----
";

    const AKID: &str = "AKIDLOCALTEST0000001";
    const SECRET: &str = "localTestSecret/DoNotUse+0000000000000000";
    const API_KEY: &str = "da2-localtestkey0000000000000000";
    const ISSUER: &str = "https://issuer.platform.test";
    const AUDIENCE: &str = "platform-local";
    const BODY: &[u8] = br#"{"query":"{ searchCompanies(query: \"acme\") { items { id name } } }"}"#;

    /// 2026-01-01T00:00:00Z: a pinned "now", so date checks do not depend on the machine clock.
    fn now() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_767_225_600)
    }

    fn config(modes: &[Mode]) -> AuthConfig {
        AuthConfig {
            modes: modes.to_vec(),
            api_keys: vec![API_KEY.to_owned()],
            access_key_id: AKID.to_owned(),
            secret_access_key: SECRET.to_owned(),
            region: "us-east-1".to_owned(),
            max_clock_skew: Duration::from_secs(5 * 60),
            jwt_issuer: ISSUER.to_owned(),
            jwt_audience: AUDIENCE.to_owned(),
            jwt_public_key_pem: TEST_PUBLIC_KEY_PEM.to_owned(),
        }
    }

    fn all_modes() -> AuthConfig {
        config(&[Mode::ApiKey, Mode::Iam, Mode::Oidc])
    }

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for &(name, value) in pairs {
            map.append(http::HeaderName::from_bytes(name.as_bytes()).unwrap(), value.parse().unwrap());
        }
        map
    }

    /// What the server sees for a POST of `body` to /graphql.
    fn check(config: &AuthConfig, headers: &HeaderMap, body: &[u8]) -> Result<Identity, AuthError> {
        verify(config, "POST", "/graphql", headers, body, now())
    }

    fn client_credentials() -> Credentials {
        Credentials::new(AKID, SECRET, None, None, "test")
    }

    /// Sign a POST to http://127.0.0.1:4000{path_and_query} with aws-sigv4 exactly as a client
    /// would (default settings, host and content-type set), and return the headers sent.
    fn sign_as_client(
        credentials: Credentials,
        region: &str,
        at: SystemTime,
        path_and_query: &str,
        body: &[u8],
    ) -> HeaderMap {
        let mut request = http::Request::builder()
            .method("POST")
            .uri(format!("http://127.0.0.1:4000{path_and_query}"))
            .header("host", "127.0.0.1:4000")
            .header("content-type", "application/json")
            .body(body.to_vec())
            .unwrap();
        let identity = credentials.into();
        let params = SigningParams::builder()
            .identity(&identity)
            .region(region)
            .name("appsync")
            .time(at)
            .settings(SigningSettings::default())
            .build()
            .unwrap()
            .into();
        let signable = SignableRequest::new(
            request.method().as_str(),
            request.uri().to_string(),
            request.headers().iter().map(|(name, value)| (name.as_str(), value.to_str().unwrap())),
            SignableBody::Bytes(request.body()),
        )
        .unwrap();
        let (instructions, _signature) = sign(signable, &params).unwrap().into_parts();
        instructions.apply_to_request_http1x(&mut request);
        request.headers().clone()
    }

    fn signed(body: &[u8]) -> HeaderMap {
        sign_as_client(client_credentials(), "us-east-1", now(), "/graphql", body)
    }

    fn set(headers: &mut HeaderMap, name: &'static str, value: &str) {
        headers.insert(name, value.parse().unwrap());
    }

    fn authorization(headers: &HeaderMap) -> String {
        headers.get("authorization").unwrap().to_str().unwrap().to_owned()
    }

    fn bearer(token: &str) -> HeaderMap {
        headers(&[("authorization", &format!("Bearer {token}"))])
    }

    fn mint(ttl_seconds: i64) -> String {
        mint_test_token(TEST_PRIVATE_KEY_PEM, "user-123", ISSUER, AUDIENCE, ttl_seconds, now()).unwrap()
    }

    /// Unpadded base64url, for hand-built tokens.
    fn b64url(bytes: &[u8]) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk.iter().enumerate().fold(0u32, |acc, (i, &b)| acc | u32::from(b) << (16 - 8 * i));
            for i in 0..=chunk.len() {
                let index = usize::try_from((n >> (18 - 6 * i)) & 63).unwrap();
                out.push(char::from(*ALPHABET.get(index).unwrap()));
            }
        }
        out
    }

    fn valid_claims() -> serde_json::Value {
        let iat = unix_seconds(now());
        serde_json::json!({ "sub": "mallory", "iss": ISSUER, "aud": AUDIENCE, "exp": iat + 300, "iat": iat })
    }

    #[test]
    fn api_key_accepted_and_wrong_key_rejected() {
        let config = all_modes();
        assert_eq!(check(&config, &headers(&[("x-api-key", API_KEY)]), BODY), Ok(Identity::ApiKey));
        assert_eq!(check(&config, &headers(&[("x-api-key", "da2-wrongkey")]), BODY), Err(AuthError::BadApiKey));
        assert_eq!(check(&config, &headers(&[("x-api-key", "")]), BODY), Err(AuthError::BadApiKey));
        // A prefix of a valid key is not a valid key.
        assert_eq!(
            check(&config, &headers(&[("x-api-key", API_KEY.get(..10).unwrap())]), BODY),
            Err(AuthError::BadApiKey)
        );
        // Any configured key is accepted, not only the first.
        let mut two_keys = all_modes();
        two_keys.api_keys.insert(0, "da2-otherkey".to_owned());
        assert_eq!(check(&two_keys, &headers(&[("x-api-key", API_KEY)]), BODY), Ok(Identity::ApiKey));
        // Two x-api-key headers are ambiguous.
        let twice = headers(&[("x-api-key", API_KEY), ("x-api-key", "da2-wrongkey")]);
        assert_eq!(check(&config, &twice, BODY), Err(AuthError::BadApiKey));
    }

    #[test]
    fn missing_auth_rejected() {
        let config = all_modes();
        assert_eq!(check(&config, &HeaderMap::new(), BODY), Err(AuthError::Missing));
        assert_eq!(check(&config, &headers(&[("content-type", "application/json")]), BODY), Err(AuthError::Missing));
        assert_eq!(check(&config, &headers(&[("authorization", "Basic dXNlcjpwYXNz")]), BODY), Err(AuthError::Missing));
        assert_eq!(check(&config, &headers(&[("authorization", "")]), BODY), Err(AuthError::Missing));
        assert_eq!(AuthError::Missing.to_string(), "Valid authorization header not provided.");
    }

    #[test]
    fn disabled_mode_rejected() {
        let oidc_only = config(&[Mode::Oidc]);
        assert_eq!(check(&oidc_only, &headers(&[("x-api-key", API_KEY)]), BODY), Err(AuthError::Missing));
        assert_eq!(check(&oidc_only, &signed(BODY), BODY), Err(AuthError::Missing));
        let api_key_only = config(&[Mode::ApiKey]);
        assert_eq!(check(&api_key_only, &bearer(&mint(300)), BODY), Err(AuthError::Missing));
        assert_eq!(check(&api_key_only, &headers(&[("authorization", &mint(300))]), BODY), Err(AuthError::Missing));
        assert_eq!(check(&config(&[]), &headers(&[("x-api-key", API_KEY)]), BODY), Err(AuthError::Missing));
    }

    #[test]
    fn sigv4_from_aws_sigv4_signer_is_accepted() {
        let sent = signed(BODY);
        assert!(authorization(&sent).starts_with(SIGV4_PREFIX));
        assert_eq!(check(&all_modes(), &sent, BODY), Ok(Identity::Iam { access_key_id: AKID.to_owned() }));
    }

    #[test]
    fn sigv4_with_query_string_is_accepted() {
        let path = "/graphql?b=2&a=hello%20world";
        let sent = sign_as_client(client_credentials(), "us-east-1", now(), path, BODY);
        assert_eq!(
            verify(&all_modes(), "POST", path, &sent, BODY, now()),
            Ok(Identity::Iam { access_key_id: AKID.into() })
        );
        // The query is signed: a changed parameter breaks the signature.
        let changed = verify(&all_modes(), "POST", "/graphql?b=3&a=hello%20world", &sent, BODY, now());
        assert_eq!(changed, Err(AuthError::BadSignature(SIG_MISMATCH)));
    }

    #[test]
    fn tampered_body_rejected() {
        let sent = signed(BODY);
        let tampered = br#"{"query":"{ searchCompanies(query: \"evil\") { items { id name } } }"}"#;
        assert_eq!(check(&all_modes(), &sent, tampered), Err(AuthError::BadSignature(SIG_MISMATCH)));
        assert_eq!(check(&all_modes(), &sent, b""), Err(AuthError::BadSignature(SIG_MISMATCH)));
    }

    #[test]
    fn tampered_signature_rejected() {
        let mut sent = signed(BODY);
        let original = authorization(&sent);
        let mut flipped = original.clone();
        let last = flipped.pop().unwrap();
        flipped.push(if last == '0' { '1' } else { '0' });
        set(&mut sent, "authorization", &flipped);
        assert_eq!(check(&all_modes(), &sent, BODY), Err(AuthError::BadSignature(SIG_MISMATCH)));
        // A signature of the wrong shape is rejected the same way.
        let (head, _) = original.split_once("Signature=").unwrap();
        set(&mut sent, "authorization", &format!("{head}Signature=abc"));
        assert_eq!(check(&all_modes(), &sent, BODY), Err(AuthError::BadSignature(SIG_MISMATCH)));
    }

    #[test]
    fn tampered_signed_header_rejected() {
        let mut sent = signed(BODY);
        set(&mut sent, "content-type", "text/plain");
        assert_eq!(check(&all_modes(), &sent, BODY), Err(AuthError::BadSignature(SIG_MISMATCH)));
        // Sent to another host than the one signed for (a replay to another endpoint).
        let mut sent = signed(BODY);
        set(&mut sent, "host", "127.0.0.1:4001");
        assert_eq!(check(&all_modes(), &sent, BODY), Err(AuthError::BadSignature(SIG_MISMATCH)));
        // A signed header that did not arrive.
        let mut sent = signed(BODY);
        sent.remove("content-type");
        assert_eq!(check(&all_modes(), &sent, BODY), Err(AuthError::BadSignature(SIG_HEADER_ABSENT)));
    }

    #[test]
    fn host_must_be_signed() {
        let mut sent = signed(BODY);
        let unsigned_host = authorization(&sent).replace(";host;", ";");
        assert!(!unsigned_host.contains("host"));
        set(&mut sent, "authorization", &unsigned_host);
        assert_eq!(check(&all_modes(), &sent, BODY), Err(AuthError::BadSignature(SIG_HOST_UNSIGNED)));
    }

    #[test]
    fn wrong_region_rejected() {
        let sent = sign_as_client(client_credentials(), "us-west-2", now(), "/graphql", BODY);
        assert_eq!(check(&all_modes(), &sent, BODY), Err(AuthError::WrongRegion));
    }

    #[test]
    fn wrong_secret_rejected() {
        let credentials = Credentials::new(AKID, "notTheSecret/0000000000000000000000000000", None, None, "test");
        let sent = sign_as_client(credentials, "us-east-1", now(), "/graphql", BODY);
        assert_eq!(check(&all_modes(), &sent, BODY), Err(AuthError::BadSignature(SIG_MISMATCH)));
        // An access key the platform does not know is reported as AWS reports it.
        let credentials = Credentials::new("AKIDSOMEONEELSE00000", SECRET, None, None, "test");
        let sent = sign_as_client(credentials, "us-east-1", now(), "/graphql", BODY);
        assert_eq!(check(&all_modes(), &sent, BODY), Err(AuthError::BadSignature(SIG_UNKNOWN_KEY)));
    }

    #[test]
    fn stale_date_rejected() {
        let six_minutes = Duration::from_secs(6 * 60);
        let sent = sign_as_client(client_credentials(), "us-east-1", now() - six_minutes, "/graphql", BODY);
        assert_eq!(check(&all_modes(), &sent, BODY), Err(AuthError::StaleDate));
        // Inside the window is fine.
        let sent =
            sign_as_client(client_credentials(), "us-east-1", now() - Duration::from_secs(4 * 60), "/graphql", BODY);
        assert_eq!(check(&all_modes(), &sent, BODY), Ok(Identity::Iam { access_key_id: AKID.into() }));
    }

    #[test]
    fn future_date_rejected() {
        let six_minutes = Duration::from_secs(6 * 60);
        let sent = sign_as_client(client_credentials(), "us-east-1", now() + six_minutes, "/graphql", BODY);
        assert_eq!(check(&all_modes(), &sent, BODY), Err(AuthError::StaleDate));
    }

    #[test]
    fn date_must_match_credential_scope() {
        // Signed just before midnight: moving x-amz-date into the next day must not be accepted.
        let at = now() - Duration::from_secs(1);
        let mut sent = sign_as_client(client_credentials(), "us-east-1", at, "/graphql", BODY);
        set(&mut sent, "x-amz-date", "20260101T000000Z");
        assert_eq!(check(&all_modes(), &sent, BODY), Err(AuthError::BadSignature(SIG_SCOPE_DATE)));
        sent.remove("x-amz-date");
        assert_eq!(check(&all_modes(), &sent, BODY), Err(AuthError::BadSignature(SIG_DATE_UNSIGNED)));
        set(&mut sent, "x-amz-date", "2026-01-01T00:00:00Z");
        assert_eq!(check(&all_modes(), &sent, BODY), Err(AuthError::BadSignature(SIG_BAD_DATE)));
    }

    #[test]
    fn session_token_signed_is_accepted() {
        let token = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN//////////wEaDLocalTest==";
        let credentials = Credentials::new(AKID, SECRET, Some(token.to_owned()), None, "test");
        let sent = sign_as_client(credentials, "us-east-1", now(), "/graphql", BODY);
        assert_eq!(sent.get("x-amz-security-token").unwrap(), token);
        assert!(authorization(&sent).contains("x-amz-security-token"));
        assert_eq!(check(&all_modes(), &sent, BODY), Ok(Identity::Iam { access_key_id: AKID.into() }));
        // The token is covered by the signature.
        let mut swapped = sent.clone();
        set(&mut swapped, "x-amz-security-token", "AnotherSessionToken");
        assert_eq!(check(&all_modes(), &swapped, BODY), Err(AuthError::BadSignature(SIG_MISMATCH)));
    }

    #[test]
    fn unsigned_session_token_rejected() {
        let mut sent = signed(BODY);
        set(&mut sent, "x-amz-security-token", "AddedAfterSigning");
        assert_eq!(check(&all_modes(), &sent, BODY), Err(AuthError::BadSignature(SIG_TOKEN_UNSIGNED)));
    }

    #[test]
    fn malformed_sigv4_header_rejected() {
        let mut sent = signed(BODY);
        for bad in [
            "AWS4-HMAC-SHA256 ",
            "AWS4-HMAC-SHA256 Credential=AKIDLOCALTEST0000001/20260101/us-east-1/appsync/aws4_request",
            "AWS4-HMAC-SHA256 Credential=a, Credential=b, SignedHeaders=host, Signature=00",
        ] {
            set(&mut sent, "authorization", bad);
            assert_eq!(check(&all_modes(), &sent, BODY), Err(AuthError::BadSignature(SIG_MALFORMED)), "{bad}");
        }
        let other_service = authorization(&signed(BODY)).replace("/appsync/", "/execute-api/");
        set(&mut sent, "authorization", &other_service);
        assert_eq!(check(&all_modes(), &sent, BODY), Err(AuthError::BadSignature(SIG_WRONG_SERVICE)));
        let unsorted = authorization(&signed(BODY)).replace("content-type;host", "host;content-type");
        set(&mut sent, "authorization", &unsorted);
        assert_eq!(check(&all_modes(), &sent, BODY), Err(AuthError::BadSignature(SIG_BAD_SIGNED_HEADERS)));
    }

    #[test]
    fn jwt_valid_accepted_with_sub() {
        let token = mint(300);
        let expected = Ok(Identity::Oidc { sub: "user-123".to_owned() });
        assert_eq!(check(&all_modes(), &bearer(&token), BODY), expected);
        // AppSync also takes the bare token, and the scheme is case-insensitive.
        assert_eq!(check(&all_modes(), &headers(&[("authorization", &token)]), BODY), expected);
        assert_eq!(check(&all_modes(), &headers(&[("authorization", &format!("bearer {token}"))]), BODY), expected);
        assert_eq!(check(&config(&[Mode::Oidc]), &bearer(&token), BODY), expected);
    }

    #[test]
    fn jwt_wrong_issuer_rejected() {
        let token =
            mint_test_token(TEST_PRIVATE_KEY_PEM, "user-123", "https://evil.test", AUDIENCE, 300, now()).unwrap();
        assert_eq!(check(&all_modes(), &bearer(&token), BODY), Err(AuthError::BadToken(TOKEN_BAD_ISSUER)));
    }

    #[test]
    fn jwt_wrong_audience_rejected() {
        let token = mint_test_token(TEST_PRIVATE_KEY_PEM, "user-123", ISSUER, "another-api", 300, now()).unwrap();
        assert_eq!(check(&all_modes(), &bearer(&token), BODY), Err(AuthError::BadToken(TOKEN_BAD_AUDIENCE)));
    }

    #[test]
    fn jwt_expired_rejected() {
        assert_eq!(check(&all_modes(), &bearer(&mint(-60)), BODY), Err(AuthError::BadToken(TOKEN_EXPIRED)));
        // At exp exactly the token is already expired (RFC 7519 4.1.4).
        assert_eq!(check(&all_modes(), &bearer(&mint(0)), BODY), Err(AuthError::BadToken(TOKEN_EXPIRED)));
        assert!(check(&all_modes(), &bearer(&mint(1)), BODY).is_ok());
    }

    #[test]
    fn jwt_wrong_key_rejected() {
        let token = mint_test_token(OTHER_PRIVATE_KEY_PEM, "user-123", ISSUER, AUDIENCE, 300, now()).unwrap();
        assert_eq!(check(&all_modes(), &bearer(&token), BODY), Err(AuthError::BadToken(TOKEN_BAD_SIGNATURE)));
        // The same token is fine for a platform that trusts the other key: only the key was wrong.
        let mut trusts_other = all_modes();
        trusts_other.jwt_public_key_pem = OTHER_PUBLIC_KEY_PEM.to_owned();
        assert_eq!(check(&trusts_other, &bearer(&token), BODY), Ok(Identity::Oidc { sub: "user-123".into() }));
    }

    #[test]
    fn jwt_alg_none_rejected() {
        let header = b64url(br#"{"alg":"none","typ":"JWT"}"#);
        let claims = b64url(valid_claims().to_string().as_bytes());
        for token in [format!("{header}.{claims}."), format!("{header}.{claims}.c2ln")] {
            let bare = headers(&[("authorization", &token)]);
            assert!(matches!(check(&all_modes(), &bearer(&token), BODY), Err(AuthError::BadToken(_))), "{token}");
            assert!(matches!(check(&all_modes(), &bare, BODY), Err(AuthError::BadToken(_))), "{token}");
        }
    }

    #[test]
    fn jwt_hs256_signed_with_public_key_rejected() {
        // The classic algorithm-confusion forgery: HMAC keyed with the (public) RSA key.
        let key = EncodingKey::from_secret(TEST_PUBLIC_KEY_PEM.as_bytes());
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &valid_claims(), &key).unwrap();
        assert_eq!(check(&all_modes(), &bearer(&token), BODY), Err(AuthError::BadToken(TOKEN_BAD_ALG)));
    }

    #[test]
    fn jwt_without_sub_rejected() {
        let key = EncodingKey::from_rsa_pem(TEST_PRIVATE_KEY_PEM.as_bytes()).unwrap();
        let mut claims = valid_claims();
        claims.as_object_mut().unwrap().remove("sub");
        let token = jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, &key).unwrap();
        assert_eq!(check(&all_modes(), &bearer(&token), BODY), Err(AuthError::BadToken(TOKEN_MISSING_CLAIM)));
        let mut claims = valid_claims();
        *claims.get_mut("sub").unwrap() = serde_json::json!("");
        let token = jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, &key).unwrap();
        assert_eq!(check(&all_modes(), &bearer(&token), BODY), Err(AuthError::BadToken(TOKEN_MISSING_CLAIM)));
        assert!(matches!(check(&all_modes(), &bearer("not-a-jwt"), BODY), Err(AuthError::BadToken(_))));
    }

    #[test]
    fn error_messages_never_echo_credentials() {
        let config = all_modes();
        let presented_key = "da2-PresentedSecretKeyValue";
        let wrong_secret = "PresentedWrongSecret/000000000000000000000";
        let foreign_token =
            mint_test_token(OTHER_PRIVATE_KEY_PEM, "sub-SecretSubject", "iss-SecretIssuer", "aud-Secret", -5, now())
                .unwrap();
        let bad_signature =
            sign_as_client(Credentials::new(AKID, wrong_secret, None, None, "t"), "us-east-1", now(), "/graphql", BODY);
        let stale =
            sign_as_client(client_credentials(), "eu-west-1", now() - Duration::from_secs(3600), "/graphql", BODY);
        let mut unknown_key = signed(BODY);
        let renamed = authorization(&unknown_key).replace(AKID, "AKIDPRESENTEDUNKNOWN");
        set(&mut unknown_key, "authorization", &renamed);

        let cases = [
            headers(&[("x-api-key", presented_key)]),
            bearer(&foreign_token),
            headers(&[("authorization", &foreign_token)]),
            bad_signature.clone(),
            stale.clone(),
            unknown_key.clone(),
            headers(&[("authorization", "Basic UHJlc2VudGVkU2VjcmV0")]),
        ];
        let mut secrets: Vec<String> = vec![
            presented_key.to_owned(),
            wrong_secret.to_owned(),
            SECRET.to_owned(),
            API_KEY.to_owned(),
            AKID.to_owned(),
            "AKIDPRESENTEDUNKNOWN".to_owned(),
            "UHJlc2VudGVkU2VjcmV0".to_owned(),
            "eu-west-1".to_owned(),
        ];
        secrets.extend(foreign_token.split('.').map(str::to_owned));
        for sent in [&bad_signature, &stale, &unknown_key] {
            secrets.push(authorization(sent).rsplit_once('=').unwrap().1.to_owned());
            secrets.push(sent.get("x-amz-date").unwrap().to_str().unwrap().to_owned());
        }

        for sent in &cases {
            let error = check(&config, sent, BODY).unwrap_err();
            let (shown, debugged) = (error.to_string(), format!("{error:?}"));
            for secret in &secrets {
                assert!(!shown.contains(secret.as_str()), "{shown:?} echoes {secret:?}");
                assert!(!debugged.contains(secret.as_str()), "{debugged:?} echoes {secret:?}");
            }
        }

        // Nor does the config itself, when logged.
        let logged = format!("{config:?}");
        assert!(!logged.contains(SECRET) && !logged.contains(API_KEY), "{logged}");
        assert!(logged.contains(AKID) && logged.contains("redacted"), "{logged}");
    }
}
