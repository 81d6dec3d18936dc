//! Tests of the OIDC mode: valid tokens, and every way a token can be wrong or forged.

use jsonwebtoken::{EncodingKey, Header};

use super::*;
use crate::auth::test_fixtures::*;
use crate::auth::{Mode, TEST_PRIVATE_KEY_PEM, TEST_PUBLIC_KEY_PEM, mint_test_token};

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
    let token = mint_test_token(TEST_PRIVATE_KEY_PEM, "user-123", "https://evil.test", AUDIENCE, 300, now()).unwrap();
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
