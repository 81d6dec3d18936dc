//! Tests of the dispatch in `auth/mod.rs`: API keys, missing credentials, disabled modes, and
//! that no refusal (of any mode) echoes what the caller sent.

use std::time::Duration;

use aws_credential_types::Credentials;
use http::HeaderMap;

use super::test_fixtures::*;
use super::{AuthError, Identity, Mode, mint_test_token};

#[test]
fn api_key_accepted_and_wrong_key_rejected() {
    let config = all_modes();
    assert_eq!(check(&config, &headers(&[("x-api-key", API_KEY)]), BODY), Ok(Identity::ApiKey));
    assert_eq!(check(&config, &headers(&[("x-api-key", "da2-wrongkey")]), BODY), Err(AuthError::BadApiKey));
    assert_eq!(check(&config, &headers(&[("x-api-key", "")]), BODY), Err(AuthError::BadApiKey));
    // A prefix of a valid key is not a valid key.
    assert_eq!(check(&config, &headers(&[("x-api-key", API_KEY.get(..10).unwrap())]), BODY), Err(AuthError::BadApiKey));
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
fn error_messages_never_echo_credentials() {
    let config = all_modes();
    let presented_key = "da2-PresentedSecretKeyValue";
    let wrong_secret = "PresentedWrongSecret/000000000000000000000";
    let foreign_token =
        mint_test_token(OTHER_PRIVATE_KEY_PEM, "sub-SecretSubject", "iss-SecretIssuer", "aud-Secret", -5, now())
            .unwrap();
    let bad_signature =
        sign_as_client(Credentials::new(AKID, wrong_secret, None, None, "t"), "us-east-1", now(), "/graphql", BODY);
    let stale = sign_as_client(client_credentials(), "eu-west-1", now() - Duration::from_secs(3600), "/graphql", BODY);
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
