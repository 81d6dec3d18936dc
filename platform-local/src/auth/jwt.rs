//! The OIDC mode: an RS256 JWT (`Bearer <jwt>` or the bare token) is verified against the
//! configured public key, issuer and audience; `exp` and `nbf` are checked against the caller's
//! "now", so tests can pin the clock. Only RS256 is accepted, whatever the token's header says.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use super::common::{AuthConfig, AuthError, Identity};

/// Seconds a JWT stays acceptable past its `exp` (and before its `nbf`). Zero: the platform and
/// the MCP server share a clock in local runs, so any slack would only hide expiry bugs.
const JWT_LEEWAY_SECS: i64 = 0;

// JWT reasons.
const TOKEN_MALFORMED: &str = "Token is malformed.";
const TOKEN_BAD_ALG: &str = "Token algorithm is not allowed.";
const TOKEN_BAD_SIGNATURE: &str = "Token signature is invalid.";
const TOKEN_EXPIRED: &str = "Token has expired.";
const TOKEN_NOT_YET_VALID: &str = "Token is not yet valid.";
const TOKEN_BAD_ISSUER: &str = "Token issuer is invalid.";
const TOKEN_BAD_AUDIENCE: &str = "Token audience is invalid.";
const TOKEN_MISSING_CLAIM: &str = "Token is missing a required claim (sub, iss, aud, exp).";
pub(super) const TOKEN_BAD_KEY: &str = "Token key is not a usable RSA key.";

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

pub(super) fn verify_jwt(config: &AuthConfig, token: &str, now: SystemTime) -> Result<Identity, AuthError> {
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
pub(super) fn unix_seconds(t: SystemTime) -> i64 {
    let signed = |d: Duration| i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
    match t.duration_since(UNIX_EPOCH) {
        Ok(after) => signed(after),
        Err(before) => -signed(before.duration()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#[path = "jwt_tests.rs"]
mod tests;
