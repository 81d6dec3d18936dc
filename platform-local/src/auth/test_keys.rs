//! TEST ONLY: the platform's sign-in. A fixed RSA key pair (public in this repository, so anything
//! it signs proves nothing outside local tests), the JWKS that publishes it, and the minting of
//! tokens with it, for the tests and `make run`.

use std::time::SystemTime;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;

use super::common::AuthError;
use super::jwt::{TOKEN_BAD_KEY, unix_seconds};

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
