//! Tests of the IAM mode, with requests signed by `aws-sigv4` exactly as a client signs them.

use std::time::Duration;

use aws_credential_types::Credentials;

use super::*;
use crate::auth::test_fixtures::*;
use crate::auth::{AuthError, Identity, verify};

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
    let sent = sign_as_client(client_credentials(), "us-east-1", now() - Duration::from_secs(4 * 60), "/graphql", BODY);
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
