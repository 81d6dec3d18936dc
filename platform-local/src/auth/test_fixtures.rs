//! Test fixtures shared by the auth tests: a second key pair the config does not trust, fixed
//! credentials, a pinned "now", and requests signed or tokens minted the way real clients do.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4::SigningParams;
use http::HeaderMap;

use super::jwt::unix_seconds;
use super::{
    AuthConfig, AuthError, Identity, Mode, TEST_PRIVATE_KEY_PEM, TEST_PUBLIC_KEY_PEM, mint_test_token, verify,
};

/// TEST ONLY: a second key pair, unrelated to the one the config trusts.
pub(super) const OTHER_PRIVATE_KEY_PEM: &str = "\
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

pub(super) const OTHER_PUBLIC_KEY_PEM: &str = "\
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

pub(super) const AKID: &str = "AKIDLOCALTEST0000001";
pub(super) const SECRET: &str = "localTestSecret/DoNotUse+0000000000000000";
pub(super) const API_KEY: &str = "da2-localtestkey0000000000000000";
pub(super) const ISSUER: &str = "https://issuer.platform.test";
pub(super) const AUDIENCE: &str = "platform-local";
pub(super) const BODY: &[u8] = br#"{"query":"{ searchCompanies(query: \"acme\") { items { id name } } }"}"#;

/// 2026-01-01T00:00:00Z: a pinned "now", so date checks do not depend on the machine clock.
pub(super) fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_767_225_600)
}

pub(super) fn config(modes: &[Mode]) -> AuthConfig {
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

pub(super) fn all_modes() -> AuthConfig {
    config(&[Mode::ApiKey, Mode::Iam, Mode::Oidc])
}

pub(super) fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for &(name, value) in pairs {
        map.append(http::HeaderName::from_bytes(name.as_bytes()).unwrap(), value.parse().unwrap());
    }
    map
}

/// What the server sees for a POST of `body` to /graphql.
pub(super) fn check(config: &AuthConfig, headers: &HeaderMap, body: &[u8]) -> Result<Identity, AuthError> {
    verify(config, "POST", "/graphql", headers, body, now())
}

pub(super) fn client_credentials() -> Credentials {
    Credentials::new(AKID, SECRET, None, None, "test")
}

/// Sign a POST to http://127.0.0.1:4000{path_and_query} with aws-sigv4 exactly as a client
/// would (default settings, host and content-type set), and return the headers sent.
pub(super) fn sign_as_client(
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

pub(super) fn signed(body: &[u8]) -> HeaderMap {
    sign_as_client(client_credentials(), "us-east-1", now(), "/graphql", body)
}

pub(super) fn set(headers: &mut HeaderMap, name: &'static str, value: &str) {
    headers.insert(name, value.parse().unwrap());
}

pub(super) fn authorization(headers: &HeaderMap) -> String {
    headers.get("authorization").unwrap().to_str().unwrap().to_owned()
}

pub(super) fn bearer(token: &str) -> HeaderMap {
    headers(&[("authorization", &format!("Bearer {token}"))])
}

pub(super) fn mint(ttl_seconds: i64) -> String {
    mint_test_token(TEST_PRIVATE_KEY_PEM, "user-123", ISSUER, AUDIENCE, ttl_seconds, now()).unwrap()
}

/// Unpadded base64url, for hand-built tokens.
pub(super) fn b64url(bytes: &[u8]) -> String {
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

pub(super) fn valid_claims() -> serde_json::Value {
    let iat = unix_seconds(now());
    serde_json::json!({ "sub": "mallory", "iss": ISSUER, "aud": AUDIENCE, "exp": iat + 300, "iat": iat })
}
