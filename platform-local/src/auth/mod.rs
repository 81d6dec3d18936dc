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
//!
//! # Layout
//! This file is the entry point, [`verify`]: it picks the mode from the headers and checks API
//! keys itself. Below it, each using only the ones listed before it:
//! - `common`: the modes, [`AuthConfig`], [`Identity`], [`AuthError`] and the header helpers
//!   every mode shares.
//! - `sigv4`: the IAM mode (the signature recomputed and compared).
//! - `jwt`: the OIDC mode (RS256 token check).
//! - `test_keys`: TEST ONLY: the fixed key pair, the sign-in's JWKS and token minting.

mod common;
mod jwt;
mod sigv4;
mod test_keys;

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod test_fixtures;
#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests;

use std::time::SystemTime;

use http::HeaderMap;

pub use common::{AuthConfig, AuthError, Identity, Mode};
use common::{constant_time_eq, single_header};
pub use test_keys::{
    KID, KID_WITHOUT_ALG, TEST_PRIVATE_KEY_PEM, TEST_PUBLIC_KEY_PEM, jwks, mint_test_token, mint_token, now_seconds,
};

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
    if let Some(rest) = authorization.strip_prefix(sigv4::SIGV4_PREFIX) {
        if !enabled(Mode::Iam) {
            return Err(AuthError::Missing);
        }
        return sigv4::verify_sigv4(config, method, path_and_query, headers, body, now, rest);
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
    jwt::verify_jwt(config, token, now)
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

fn verify_api_key(config: &AuthConfig, headers: &HeaderMap) -> Result<Identity, AuthError> {
    let presented = single_header(headers, "x-api-key").map_err(|()| AuthError::BadApiKey)?.unwrap_or("");
    // Compare against every key, without stopping at a match, so timing says nothing about which.
    let matched =
        config.api_keys.iter().fold(false, |found, key| found | constant_time_eq(key.as_bytes(), presented.as_bytes()));
    if matched && !presented.is_empty() { Ok(Identity::ApiKey) } else { Err(AuthError::BadApiKey) }
}
