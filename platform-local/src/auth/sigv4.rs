//! The IAM mode: an `authorization: AWS4-HMAC-SHA256 ...` header is parsed strictly, its
//! credential scope (service, access key, region, day) and `x-amz-date` skew are checked, and the
//! signature is recomputed from the received request with `aws-sigv4` and compared in constant
//! time. Every refusal is one of the fixed reasons below, worded after AWS's own.

use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4::SigningParams;
use http::HeaderMap;

use super::common::{AuthConfig, AuthError, Identity, constant_time_eq, single_header};

/// The SigV4 signing name AppSync uses.
const SERVICE: &str = "appsync";
pub(super) const SIGV4_PREFIX: &str = "AWS4-HMAC-SHA256 ";
/// `x-amz-date`'s format, e.g. `20260101T000000Z`.
const AMZ_DATE_FORMAT: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");

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
pub(super) fn verify_sigv4(
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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#[path = "sigv4_tests.rs"]
mod tests;
