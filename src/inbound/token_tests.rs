//! Tokens signed with each kind of key the server accepts verify, through jsonwebtoken's
//! aws-lc-rs provider (the crypto rustls already carries; Cargo.toml), and a token whose RSA key
//! is under 2048 bits is refused (aws-lc-rs verifies RSA keys of 2048 to 8192 bits). Fixed
//! vectors, made with another library: token_test_vectors.json. RS256 with the local platform's
//! 2048-bit key: tests/app/auth.rs.

use serde_json::{Value, json};

use super::*;

const ISSUER: &str = "https://issuer.test";

fn vectors() -> Value {
    serde_json::from_str(include_str!("token_test_vectors.json")).unwrap()
}

fn token(name: &str) -> String {
    vectors()["tokens"][name].as_str().unwrap().to_owned()
}

/// A verifier holding the vectors' keys as if it had just fetched them from the issuer.
fn verifier() -> TokenVerifier {
    let oidc = OidcConfig { issuer: ISSUER.into(), audience: "mcp".into(), jwks_url: None };
    let verifier = TokenVerifier::new(oidc, reqwest::Client::builder());
    let set: JwkSet = serde_json::from_value(json!({"keys": vectors()["keys"]})).unwrap();
    {
        let mut keys = verifier.keys.try_write().unwrap();
        keys.set = Some(set);
        keys.fetched = Some(Instant::now());
    }
    verifier
}

#[tokio::test]
async fn ec_ed25519_and_rsa_pss_tokens_verify() {
    let verifier = verifier();
    for name in ["es256", "es384", "eddsa", "ps256"] {
        let verified = verifier.verify(&token(name)).await;
        let expected = VerifiedToken { principal: "user-1".into(), scopes: vec![], issuer: ISSUER.into() };
        assert_eq!(verified, Ok(expected), "{name}");
    }
}

#[tokio::test]
async fn a_signature_that_does_not_match_is_refused() {
    let verifier = verifier();
    for name in ["es256", "es384", "eddsa", "ps256"] {
        let good = token(name);
        let (signed, signature) = good.rsplit_once('.').unwrap();
        // The signature's characters reversed: its length and alphabet, not its bytes.
        let other = verifier.verify(&format!("{signed}.{}", signature.chars().rev().collect::<String>())).await;
        assert_eq!(other, Err(TokenError::Invalid), "{name}");
    }
}

#[tokio::test]
async fn an_rsa_key_under_2048_bits_is_refused() {
    assert_eq!(verifier().verify(&token("rs256_1024")).await, Err(TokenError::Invalid));
}
