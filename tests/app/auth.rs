//! MCP authorization in `serve` mode: the server checks callers' bearer tokens itself against the
//! issuer's keys, fetched over HTTP from the local platform's sign-in (JWKS and discovery), and a
//! mutation needs the write scope on top of ALLOW_MUTATIONS. In Lambda the gateway checks the
//! token and the server reads the authorizer context (the event fixtures at the end).

use b2b_mcp::Mode;
use b2b_mcp::audit::Decision;
use b2b_mcp::inbound::caller::PrincipalSource;
use http::StatusCode;
use platform_local::auth::{KID, KID_WITHOUT_ALG, mint_token, now_seconds};
use platform_local::defaults;
use platform_local::testing::{TempPlatform, free_port};
use serde_json::{Value, json};

use crate::common::platform::platform;
use crate::common::{Harness, Reply, V2026, harness, is_error, meta, text_of};

/// The platform, whose sign-in issues and publishes keys for MCP clients' tokens.
async fn identity_provider() -> TempPlatform {
    platform(&[platform_local::auth::Mode::Iam]).await
}

fn issuer(idp: &platform_local::Running) -> String {
    format!("http://{}", idp.addr)
}

fn server(idp: &platform_local::Running, vars: &[(&str, &str)]) -> Harness {
    let issuer = issuer(idp);
    let mut all = vec![("OIDC_ISSUER", issuer.as_str()), ("OIDC_AUDIENCE", defaults::MCP_AUDIENCE)];
    all.extend_from_slice(vars);
    harness(Mode::Serve, &all)
}

/// A token with the standard claims for this issuer plus `extra` (which may override them).
fn token(idp: &platform_local::Running, extra: Value, kid: Option<&str>) -> String {
    let now = now_seconds();
    let mut claims =
        json!({"iss": issuer(idp), "aud": defaults::MCP_AUDIENCE, "sub": "user-7", "iat": now, "exp": now + 600});
    for (k, v) in extra.as_object().cloned().unwrap_or_default() {
        if v.is_null() {
            claims.as_object_mut().map(|c| c.remove(&k));
        } else {
            claims[k] = v;
        }
    }
    mint_token(&claims, kid).expect("mint")
}

async fn call(h: &Harness, bearer: Option<&str>, tool: &str, arguments: Value) -> Reply {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": tool, "arguments": arguments, "_meta": meta()}});
    let auth = bearer.map(|t| format!("Bearer {t}"));
    let mut headers = vec![("mcp-protocol-version", V2026), ("mcp-method", "tools/call"), ("mcp-name", tool)];
    if let Some(auth) = &auth {
        headers.push(("authorization", auth.as_str()));
    }
    h.post(body, &headers).await
}

#[tokio::test]
async fn without_a_token_serve_answers_401_pointing_at_the_metadata() {
    let idp = identity_provider().await;
    let h = server(&idp, &[]);
    let r = call(&h, None, "search_companies", json!({"country": "DE"})).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text);
    let challenge = r.headers["www-authenticate"].to_str().unwrap();
    assert_eq!(
        challenge, "Bearer resource_metadata=\"http://localhost:3000/.well-known/oauth-protected-resource/mcp\"",
        "the metadata URL for this resource (RFC 9728 section 5.1)"
    );
    assert!(h.backend.calls().is_empty(), "nothing ran");
    let audit = h.audit.records();
    assert_eq!(audit.len(), 1, "the refusal is audited");
    assert_eq!((audit[0].decision, audit[0].principal.as_deref()), (Decision::Denied, None));
    assert_eq!((audit[0].tool.as_str(), audit[0].principal_source), ("search_companies", PrincipalSource::Anonymous));

    // A malformed header, or another scheme, is no token either.
    for value in ["Basic dXNlcjpwdw==", "Bearer", "token-without-scheme"] {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"_meta": meta()}});
        let r = h
            .post(body, &[("authorization", value), ("mcp-protocol-version", V2026), ("mcp-method", "tools/list")])
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{value}");
    }
}

#[tokio::test]
async fn the_protected_resource_metadata_names_the_issuer_and_the_write_scope() {
    let idp = identity_provider().await;
    let h = server(&idp, &[("WRITE_SCOPE", "b2b:write")]).client.over_http().await;
    let base = h.http.clone().unwrap().trim_end_matches("/mcp").to_owned();
    for path in ["/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp"] {
        let response = reqwest::get(format!("{base}{path}")).await.unwrap();
        assert_eq!(response.status(), 200, "{path} needs no token");
        let doc: Value = response.json().await.unwrap();
        assert_eq!(doc["resource"], format!("{base}/mcp"), "{path}");
        assert_eq!(doc["authorization_servers"], json!([issuer(&idp)]));
        assert_eq!(doc["scopes_supported"], json!(["b2b:write"]));
        assert_eq!(doc["bearer_methods_supported"], json!(["header"]));
    }
    // Over real HTTP, the challenge names the address the client used.
    let r = reqwest::Client::new().post(h.http.clone().unwrap()).body("{}").send().await.unwrap();
    assert_eq!(r.status(), 401);
    let challenge = r.headers()["www-authenticate"].to_str().unwrap().to_owned();
    assert!(challenge.contains(&format!("{base}/.well-known/oauth-protected-resource/mcp")), "{challenge}");
}

#[tokio::test]
async fn a_token_without_the_write_scope_cannot_mutate_even_where_mutations_are_on() {
    let idp = identity_provider().await;
    let h = server(&idp, &[("ALLOW_MUTATIONS", "true")]);
    let reader = token(&idp, json!({"scope": "mcp:read"}), Some(KID));
    let r = call(&h, Some(&reader), "search_companies", json!({"country": "DE"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(!is_error(&r.json["result"]), "reads need no write scope: {}", r.text);

    let r = call(&h, Some(&reader), "create_collection", json!({"name": "Targets"})).await;
    let result = &r.json["result"];
    assert!(is_error(result), "{}", r.text);
    assert!(text_of(result).contains("needs a token with the `mcp:write` scope"), "{}", text_of(result));
    assert!(h.backend.calls().iter().all(|c| c.operation != "CreateCollection"), "nothing written");
    let audit = h.audit.records();
    let denied = audit.last().unwrap();
    let user_7 = format!("jwt:{}:user-7", issuer(&idp));
    assert_eq!((denied.decision, denied.principal.as_deref()), (Decision::Denied, Some(user_7.as_str())));
    assert_eq!(denied.principal_source, PrincipalSource::Jwt);

    let writer = token(&idp, json!({"scope": "mcp:read mcp:write"}), Some(KID));
    let r = call(&h, Some(&writer), "create_collection", json!({"name": "Targets"})).await;
    assert!(!is_error(&r.json["result"]), "{}", r.text);
    let sent = h.backend.calls().last().cloned().unwrap();
    assert_eq!(sent.operation, "CreateCollection");
    assert_eq!(
        sent.variables["input"]["ownerId"], user_7,
        "the token's subject, under its issuer, owns the collection"
    );
}

#[tokio::test]
async fn real_identity_provider_shapes_are_accepted() {
    let idp = identity_provider().await;
    let h = server(&idp, &[("ALLOW_MUTATIONS", "true")]);
    let cases = [
        // Cognito access token: no `aud`, the app client id in `client_id`, scopes in `scope`.
        (
            "cognito",
            json!({"aud": null, "client_id": defaults::MCP_AUDIENCE, "sub": "cognito-user",
            "token_use": "access", "scope": "mcp:write"}),
            Some(KID),
            "cognito-user",
        ),
        // Cognito client-credentials token: no subject of its own beyond the client.
        (
            "machine",
            json!({"aud": null, "sub": null, "client_id": defaults::MCP_AUDIENCE, "scope": "mcp:write"}),
            Some(KID),
            defaults::MCP_AUDIENCE,
        ),
        // Okta / Entra: scopes as an `scp` array, `aud` as an array.
        (
            "scp array",
            json!({"aud": ["other", defaults::MCP_AUDIENCE], "scp": ["mcp:read", "mcp:write"]}),
            Some(KID),
            "user-7",
        ),
        // A JWKS entry without `alg`.
        ("key without alg", json!({"scope": "mcp:write"}), Some(KID_WITHOUT_ALG), "user-7"),
        // No `kid` while the issuer publishes two keys: ambiguous, refused below; here one per kid.
    ];
    for (case, extra, kid, principal) in cases {
        let t = token(&idp, extra, kid);
        let r = call(&h, Some(&t), "create_collection", json!({"name": case})).await;
        assert_eq!(r.status, StatusCode::OK, "{case}: {}", r.text);
        assert!(!is_error(&r.json["result"]), "{case}: {}", r.text);
        let qualified = format!("jwt:{}:{principal}", issuer(&idp));
        assert_eq!(h.audit.records().last().unwrap().principal, Some(qualified), "{case}");
    }
}

#[tokio::test]
async fn bad_tokens_are_refused_with_invalid_token() {
    let idp = identity_provider().await;
    let h = server(&idp, &[]);
    let now = now_seconds();
    let hmac = {
        let header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
        let claims = json!({"iss": issuer(&idp), "aud": defaults::MCP_AUDIENCE, "sub": "x", "exp": now + 600});
        jsonwebtoken::encode(&header, &claims, &jsonwebtoken::EncodingKey::from_secret(b"public-key-as-secret"))
            .unwrap()
    };
    let good = token(&idp, json!({}), Some(KID));
    let (head, rest) = good.split_once('.').unwrap();
    let signature = rest.split_once('.').unwrap().1;
    // The payload of a token for someone else under the signature of a genuine one.
    let other = token(&idp, json!({"sub": "admin"}), Some(KID));
    let forged_payload = other.split('.').nth(1).unwrap().to_owned();
    let cases = [
        ("expired", token(&idp, json!({"exp": now - 3600}), Some(KID)), "expired"),
        ("wrong audience", token(&idp, json!({"aud": "someone-else"}), Some(KID)), "not for this server"),
        ("wrong issuer", token(&idp, json!({"iss": "https://evil.example"}), Some(KID)), "not valid"),
        ("unknown key", token(&idp, json!({}), Some("rotated-away")), "not valid"),
        ("no kid, two keys", token(&idp, json!({}), None), "not valid"),
        ("hmac with a public key", hmac, "not valid"),
        ("forged claims", format!("{head}.{forged_payload}.{signature}"), "not valid"),
        ("garbage", "not.a.jwt".to_owned(), "not valid"),
        ("cognito id token", token(&idp, json!({"token_use": "id"}), Some(KID)), "not valid"),
        ("not valid yet", token(&idp, json!({"nbf": now + 3600}), Some(KID)), "not valid"),
    ];
    let cases_len = cases.len();
    for (case, t, says) in cases {
        let r = call(&h, Some(&t), "search_companies", json!({"country": "DE"})).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{case}: {}", r.text);
        let challenge = r.headers["www-authenticate"].to_str().unwrap();
        assert!(challenge.contains("error=\"invalid_token\""), "{case}: {challenge}");
        assert!(r.json["error_description"].as_str().unwrap().contains(says), "{case}: {}", r.text);
        assert!(!r.text.contains(&t), "{case}: the token is not echoed");
    }
    assert!(h.backend.calls().is_empty());
    let audit = h.audit.records();
    assert_eq!(audit.len(), cases_len, "each refusal audited");
    assert!(audit.iter().all(|r| r.decision == Decision::Denied && r.principal.is_none()));
}

#[tokio::test]
async fn an_unreachable_identity_provider_is_a_retryable_503() {
    let port = free_port().unwrap();
    let issuer = format!("http://127.0.0.1:{port}");
    let h = harness(Mode::Serve, &[("OIDC_ISSUER", issuer.as_str()), ("OIDC_AUDIENCE", "b2b-mcp")]);
    let t = mint_token(&json!({"iss": issuer, "aud": "b2b-mcp", "sub": "u", "exp": now_seconds() + 60}), Some(KID))
        .unwrap();
    let r = call(&h, Some(&t), "search_companies", json!({"country": "DE"})).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.text);
    assert_eq!(r.headers["retry-after"], "5");
}

const OKTA_READER: &str = "jwt:https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_EXAMPLE:reader-1";
const OKTA_WRITER: &str = "jwt:https://example.okta.com/oauth2/default:writer-1";
const COGNITO_WRITER: &str = "jwt:https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_EXAMPLE:cognito-writer";
const CRM_SYNC_ROLE: &str = "iam:arn:aws:iam::123456789012:role/crm-sync";

/// Lambda: API Gateway has checked the token; its authorizer context carries subject and scopes
/// (v2 HTTP API JWT authorizer, v1 REST Cognito authorizer), or the IAM principal (internal route).
#[tokio::test]
async fn in_lambda_scopes_and_principals_come_from_the_authorizer_context() {
    let writers = ("IAM_WRITERS", "arn:aws:iam::123456789012:role/crm-sync");
    let h = harness(Mode::Lambda, &[("SAMPLE_DATA", "true"), ("ALLOW_MUTATIONS", "true"), writers]);

    let r = h.lambda("apigw-v2-jwt-read-scope-mutation").await;
    assert!(is_error(&r.json["result"]), "{}", r.text);
    assert!(text_of(&r.json["result"]).contains("`mcp:write` scope"), "{}", r.text);
    let r = h.lambda("apigw-v2-jwt-write-scope-mutation").await;
    assert!(!is_error(&r.json["result"]), "{}", r.text);
    let r = h.lambda("apigw-v1-cognito-write-scope-mutation").await;
    assert!(!is_error(&r.json["result"]), "{}", r.text);
    // The internal route: an IAM principal, by its role; IAM_WRITERS grants it the mutations.
    let r = h.lambda("apigw-v2-iam-internal-mutation").await;
    assert!(!is_error(&r.json["result"]), "{}", r.text);

    let audit = h.audit.records();
    let seen: Vec<(Option<&str>, PrincipalSource, Decision)> =
        audit.iter().map(|r| (r.principal.as_deref(), r.principal_source, r.decision)).collect();
    assert_eq!(
        seen,
        [
            (Some(OKTA_READER), PrincipalSource::Jwt, Decision::Denied),
            (Some(OKTA_WRITER), PrincipalSource::Jwt, Decision::Allowed),
            (Some(COGNITO_WRITER), PrincipalSource::Jwt, Decision::Allowed),
            (Some(CRM_SYNC_ROLE), PrincipalSource::Iam, Decision::Allowed),
        ]
    );
    let owners: Vec<Value> = h.backend.calls().iter().map(|c| c.variables["input"]["ownerId"].clone()).collect();
    assert_eq!(owners, [json!(OKTA_WRITER), json!(COGNITO_WRITER), json!(CRM_SYNC_ROLE)]);
}

#[tokio::test]
async fn urls_handed_out_are_never_built_from_a_spoofed_host_or_scheme() {
    let idp = identity_provider().await;
    let h = server(&idp, &[]);
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"_meta": meta()}});
    let v = [("mcp-protocol-version", V2026), ("mcp-method", "tools/list")];
    // A Host this deployment does not serve: refused, and no URL is built from it.
    let r = h.post(body.clone(), &[v[0], v[1], ("host", "evil.example")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    assert!(r.headers.get("www-authenticate").is_none());
    // A forwarded scheme that is not exactly http or https is ignored.
    let r = h.post(body, &[v[0], v[1], ("x-forwarded-proto", "https://evil.example/x?")]).await;
    let challenge = r.headers["www-authenticate"].to_str().unwrap();
    assert!(
        challenge.contains("resource_metadata=\"http://localhost:3000/") && !challenge.contains("evil"),
        "{challenge}"
    );

    let metadata = |host: &'static str| {
        let request = http::Request::get("/.well-known/oauth-protected-resource/mcp").header("host", host);
        let app = h.app.clone();
        async move {
            use tower::ServiceExt;
            app.oneshot(request.body(axum::body::Body::empty()).unwrap()).await.unwrap()
        }
    };
    assert_eq!(metadata("evil.example").await.status(), StatusCode::FORBIDDEN);
    let ok = metadata("127.0.0.1:3000").await;
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(ok.headers()["vary"], "Host, X-Forwarded-Proto", "one cached copy per host");
}

#[tokio::test]
async fn an_issuer_with_a_trailing_slash_is_matched_as_given() {
    let idp = identity_provider().await;
    let issuer = format!("http://{}/", idp.addr);
    let h = harness(Mode::Serve, &[("OIDC_ISSUER", issuer.as_str()), ("OIDC_AUDIENCE", defaults::MCP_AUDIENCE)]);
    let t = token(&idp, json!({"iss": issuer}), Some(KID));
    let r = call(&h, Some(&t), "search_companies", json!({"country": "DE"})).await;
    assert_eq!(r.status, StatusCode::OK, "Auth0-style issuers end in a slash: {}", r.text);
    let without = token(&idp, json!({}), Some(KID));
    assert_eq!(
        call(&h, Some(&without), "search_companies", json!({"country": "DE"})).await.status,
        StatusCode::UNAUTHORIZED
    );
}
