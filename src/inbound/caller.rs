//! Who is calling: resolved once per request from what the platform in front of us vouches for
//! (the API Gateway authorizer context in Lambda, our own token check in `serve`) or from the
//! configured local principal. Tool arguments never name a principal.
//!
//! The principal is *stable* and *qualified*: it is the owner of the caller's collections, the
//! idempotency principal and the rate-limit bucket, so it must name the same caller every time and
//! no other caller ever:
//! - `jwt:<issuer>:<sub>`: a token's subject (or `client_id` for machine clients) under its
//!   issuer, so a second issuer can never map onto the first one's users;
//! - `iam:<arn>`: an IAM user's ARN, or for an assumed-role session its role
//!   (`arn:aws:iam::<account>:role/<name>`): the session name is chosen by whoever assumes the
//!   role, so it identifies nothing (anyone allowed to assume the role could name another
//!   integration's session, and a fresh name per call would escape every limit);
//! - `cognito:<identityId>`: a Cognito identity-pool caller (all of them share one role session);
//! - `authorizer:<principalId>`: a Lambda authorizer's principal;
//! - `local:<name>`: the configured local principal (loopback `serve`, stdio).
//!
//! What a caller may *do* is decided in one place, [`crate::mcp::authz`].

use lambda_http::request::RequestContext;
use serde::Serialize;

use crate::config::Config;
use crate::inbound::token::{VerifiedToken, scopes_from_gateway};

/// How the principal was established; recorded in the audit line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PrincipalSource {
    /// A bearer token: API Gateway's JWT authorizer (or a REST API Cognito user-pool authorizer),
    /// or `serve`'s own check.
    Jwt,
    /// An IAM-authorized route: a user, or a role through one of its sessions.
    Iam,
    /// An IAM-authorized route called with Cognito identity-pool credentials.
    Cognito,
    /// A Lambda authorizer: its `principalId`.
    LambdaAuthorizer,
    /// The configured local principal (local stages, stdio).
    Local,
    /// Nobody vouched for the caller.
    Anonymous,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The qualified, stable principal (see the module doc); `None` for an anonymous caller.
    pub principal: Option<String>,
    pub source: PrincipalSource,
    /// Scopes the caller presented: a token's, or a Lambda authorizer's `scope`/`scopes` context
    /// entry. Empty for IAM, Cognito and local callers, which carry none.
    pub scopes: Vec<String>,
    /// For IAM and Cognito callers: the stable IAM identity (user ARN, or the role ARN of a
    /// session) that `IAM_WRITERS` is matched against.
    pub iam_arn: Option<String>,
    /// Where an anonymous caller came from (the gateway's source IP), for its rate bucket.
    pub source_ip: Option<String>,
    /// Lambda's aws_request_id, else API Gateway's request id, else a generated id.
    pub request_id: String,
}

impl Caller {
    /// A caller nobody vouched for.
    pub fn anonymous() -> Caller {
        Caller {
            principal: None,
            source: PrincipalSource::Anonymous,
            scopes: Vec::new(),
            iam_arn: None,
            source_ip: None,
            request_id: uuid::Uuid::new_v4().to_string(),
        }
    }

    /// The caller of a request that carries no platform identity (stdio, local `serve`): the
    /// configured local principal where there is one (auth off), else anonymous.
    pub fn local(config: &Config) -> Caller {
        let mut caller = Caller::anonymous();
        if let Some(name) = &config.local_principal {
            caller.principal = Some(format!("local:{name}"));
            caller.source = PrincipalSource::Local;
        }
        caller
    }

    /// Resolve the caller from the HTTP request's extensions (set by lambda_http in Lambda, and
    /// by the token check in `serve`).
    pub fn from_extensions(extensions: &http::Extensions, config: &Config) -> Caller {
        let request_context = extensions.get::<RequestContext>();
        let mut caller =
            match (request_context.and_then(|ctx| gateway_identity(ctx, config)), extensions.get::<VerifiedToken>()) {
                (Some(identity), _) => identity,
                (None, Some(token)) => {
                    let mut caller = Caller::anonymous();
                    caller.principal = Some(jwt_principal(&token.issuer, &token.principal));
                    caller.source = PrincipalSource::Jwt;
                    caller.scopes = token.scopes.clone();
                    caller
                }
                // A request that reached the Lambda function with no identity (a function URL with
                // AuthType NONE, an ALB target, a route without an authorizer) is anonymous, never
                // the local principal; `crate::mcp::authz` decides what, if anything, it may do.
                (None, None) if request_context.is_some() => Caller::anonymous(),
                (None, None) => Caller::local(config),
            };
        caller.source_ip = request_context.and_then(source_ip);
        // Lambda's request id first (it names the invocation in CloudWatch), else the gateway's.
        if let Some(ctx) = extensions.get::<lambda_runtime::Context>() {
            caller.request_id = ctx.request_id.clone();
        } else if let Some(id) = request_context.and_then(gateway_request_id) {
            caller.request_id = id;
        }
        caller
    }

    /// The key that counts this caller's calls against rate limits: its principal, or for an
    /// anonymous caller (only where a stage allows anonymous reads) its source address.
    pub fn rate_key(&self) -> String {
        match (&self.principal, &self.source_ip) {
            (Some(principal), _) => principal.clone(),
            (None, Some(ip)) => format!("anonymous:{ip}"),
            (None, None) => "anonymous".to_owned(),
        }
    }

    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }
}

pub fn jwt_principal(issuer: &str, subject: &str) -> String {
    format!("jwt:{issuer}:{subject}")
}

/// The stable IAM identity behind a caller ARN: an assumed-role session
/// (`arn:<partition>:sts::<account>:assumed-role/<role>/<session>`) is its role
/// (`arn:<partition>:iam::<account>:role/<role>`); anything else (an IAM user, a federated user,
/// the account root) is kept as given. The role's path is not in the session ARN, and role names
/// are unique within an account, so the role is named without it.
pub fn stable_iam_arn(arn: &str) -> String {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(partition), Some("sts"), Some(_region), Some(account), Some(resource)) =
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return arn.to_owned();
    };
    match resource.strip_prefix("assumed-role/").and_then(|rest| rest.split('/').next()) {
        Some(role) if !role.is_empty() => format!("arn:{partition}:iam::{account}:role/{role}"),
        _ => arn.to_owned(),
    }
}

fn non_empty(value: Option<&String>) -> Option<String> {
    value.map(|s| s.trim()).filter(|s| !s.is_empty()).map(str::to_owned)
}

fn gateway_request_id(ctx: &RequestContext) -> Option<String> {
    match ctx {
        RequestContext::ApiGatewayV2(v2) => v2.request_id.clone(),
        RequestContext::ApiGatewayV1(v1) => v1.request_id.clone(),
        _ => None,
    }
}

fn source_ip(ctx: &RequestContext) -> Option<String> {
    match ctx {
        RequestContext::ApiGatewayV2(v2) => v2.http.source_ip.clone(),
        RequestContext::ApiGatewayV1(v1) => v1.identity.source_ip.clone(),
        _ => None,
    }
}

fn identified(principal: String, source: PrincipalSource) -> Caller {
    Caller { principal: Some(principal), source, ..Caller::anonymous() }
}

/// An IAM caller: a Cognito identity-pool caller by its identity id, anyone else by the stable
/// form of its ARN. Both keep that ARN for the `IAM_WRITERS` check. Not identified at all (so
/// anonymous): a federated user (`sts:...:federated-user/<name>`, a name whoever called
/// GetFederationToken chose) and a Cognito guest (an unauthenticated identity, which anyone can
/// mint afresh for every call).
fn iam_caller(user_arn: Option<&String>, cognito_identity: Option<&String>, guest: bool) -> Option<Caller> {
    let arn = non_empty(user_arn).map(|arn| stable_iam_arn(&arn));
    let federated = arn.as_deref().is_some_and(|a| a.contains(":federated-user/"));
    if guest || (federated && cognito_identity.is_none()) {
        return None;
    }
    let mut caller = match (non_empty(cognito_identity), &arn) {
        (Some(identity), _) => identified(format!("cognito:{identity}"), PrincipalSource::Cognito),
        (None, Some(arn)) => identified(format!("iam:{arn}"), PrincipalSource::Iam),
        (None, None) => return None,
    };
    caller.iam_arn = arn;
    Some(caller)
}

/// A token caller from a gateway authorizer's claims: `sub`, else `client_id`, under `iss` (else
/// the configured issuer: API Gateway accepts only that one).
fn token_caller(claim: impl Fn(&str) -> Option<String>, scopes: Vec<String>, config: &Config) -> Option<Caller> {
    // A Cognito ID token identifies a user to an app; it does not authorize API calls (`serve`
    // refuses it too).
    if claim("token_use").as_deref() == Some("id") {
        return None;
    }
    let subject = non_empty(claim("sub").as_ref()).or_else(|| non_empty(claim("client_id").as_ref()))?;
    let issuer = non_empty(claim("iss").as_ref())
        .or_else(|| config.oidc.as_ref().map(|o| o.issuer.clone()))
        .unwrap_or_else(|| "unknown-issuer".to_owned());
    let mut caller = identified(jwt_principal(&issuer, &subject), PrincipalSource::Jwt);
    caller.scopes = scopes;
    Some(caller)
}

/// Scopes in a Lambda authorizer's context: `scope` (space-separated) or `scopes` (a list, or a
/// string separated by spaces or commas, since REST API contexts hold only plain values).
fn authorizer_scopes(fields: &std::collections::HashMap<String, serde_json::Value>) -> Vec<String> {
    let mut scopes = Vec::new();
    for key in ["scope", "scopes"] {
        match fields.get(key) {
            Some(serde_json::Value::String(text)) => scopes.extend(
                text.split(|c: char| c.is_whitespace() || c == ',').filter(|s| !s.is_empty()).map(str::to_owned),
            ),
            Some(serde_json::Value::Array(items)) => scopes.extend(
                items.iter().filter_map(|v| v.as_str()).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned),
            ),
            _ => {}
        }
    }
    scopes.sort();
    scopes.dedup();
    scopes
}

/// Who the gateway vouched for, if anyone.
fn gateway_identity(ctx: &RequestContext, config: &Config) -> Option<Caller> {
    use lambda_http::aws_lambda_events::apigw::ApiGatewayRequestAuthorizer;

    /// `rest`: a REST API (v1) event, the only kind whose authorizer map holds a Cognito
    /// user-pool authorizer's `claims`; in an HTTP API event that map is a Lambda authorizer's
    /// own context, whose keys must never make a token caller.
    fn from_authorizer(auth: &ApiGatewayRequestAuthorizer, config: &Config, rest: bool) -> Option<Caller> {
        if let Some(jwt) = &auth.jwt {
            let scopes = scopes_from_gateway(jwt.scopes.as_ref(), &jwt.claims);
            if let Some(caller) = token_caller(|k| jwt.claims.get(k).cloned(), scopes, config) {
                return Some(caller);
            }
        }
        if let Some(iam) = &auth.iam {
            // An IAM-authorized request is identified by IAM or not at all.
            let cognito = iam.cognito_identity.as_ref();
            let guest = cognito.is_some_and(|c| c.amr.iter().any(|a| a == "unauthenticated"));
            let identity = cognito.and_then(|c| c.identity_id.as_ref());
            return iam_caller(iam.user_arn.as_ref(), identity, guest);
        }
        // REST API (v1) Cognito user-pool authorizer: the claims sit under `claims`.
        if let Some(claims) = auth.fields.get("claims").and_then(|c| c.as_object()).filter(|_| rest) {
            let text = |k: &str| claims.get(k).and_then(|v| v.as_str()).map(str::to_owned);
            let flat: std::collections::HashMap<String, String> =
                ["scope", "scp"].into_iter().filter_map(|k| text(k).map(|v| (k.to_owned(), v))).collect();
            if let Some(caller) = token_caller(text, scopes_from_gateway(None, &flat), config) {
                return Some(caller);
            }
        }
        // A Lambda authorizer: REST APIs put its context (and principalId) here, HTTP APIs put
        // the context under `lambda`, which is where the authorizer must name `principalId`.
        let principal_id = auth.fields.get("principalId").and_then(|v| v.as_str()).map(str::trim);
        let principal_id = principal_id.filter(|p| !p.is_empty())?;
        let mut caller = identified(format!("authorizer:{principal_id}"), PrincipalSource::LambdaAuthorizer);
        caller.scopes = authorizer_scopes(&auth.fields);
        Some(caller)
    }

    match ctx {
        RequestContext::ApiGatewayV2(v2) => v2.authorizer.as_ref().and_then(|a| from_authorizer(a, config, false)),
        RequestContext::ApiGatewayV1(v1) => from_authorizer(&v1.authorizer, config, true).or_else(|| {
            let guest = v1.identity.cognito_authentication_type.as_deref() == Some("unauthenticated");
            iam_caller(v1.identity.user_arn.as_ref(), v1.identity.cognito_identity_id.as_ref(), guest)
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_role_session_is_its_role() {
        let cases = [
            ("arn:aws:sts::123456789012:assumed-role/crm-sync/worker-1", "arn:aws:iam::123456789012:role/crm-sync"),
            ("arn:aws:sts::123456789012:assumed-role/crm-sync/another", "arn:aws:iam::123456789012:role/crm-sync"),
            ("arn:aws-cn:sts::123456789012:assumed-role/r/s", "arn:aws-cn:iam::123456789012:role/r"),
            ("arn:aws:iam::123456789012:user/team/integration", "arn:aws:iam::123456789012:user/team/integration"),
            ("arn:aws:sts::123456789012:federated-user/bob", "arn:aws:sts::123456789012:federated-user/bob"),
            ("arn:aws:iam::123456789012:root", "arn:aws:iam::123456789012:root"),
            ("not an arn", "not an arn"),
            ("arn:aws:sts::123456789012:assumed-role/", "arn:aws:sts::123456789012:assumed-role/"),
        ];
        for (given, stable) in cases {
            assert_eq!(stable_iam_arn(given), stable, "{given}");
        }
    }

    #[test]
    fn authorizer_scopes_come_as_text_or_a_list() {
        let fields = |v: serde_json::Value| -> std::collections::HashMap<String, serde_json::Value> {
            serde_json::from_value(v).unwrap()
        };
        assert_eq!(
            authorizer_scopes(&fields(serde_json::json!({"scope": "mcp:read mcp:write"}))),
            ["mcp:read", "mcp:write"]
        );
        assert_eq!(
            authorizer_scopes(&fields(serde_json::json!({"scopes": "mcp:write,mcp:read"}))),
            ["mcp:read", "mcp:write"]
        );
        assert_eq!(authorizer_scopes(&fields(serde_json::json!({"scopes": ["mcp:write", 3]}))), ["mcp:write"]);
        assert!(authorizer_scopes(&fields(serde_json::json!({"principalId": "x"}))).is_empty());
    }

    #[test]
    fn anonymous_callers_are_counted_by_address() {
        let mut caller = Caller::anonymous();
        assert_eq!(caller.rate_key(), "anonymous");
        caller.source_ip = Some("203.0.113.9".into());
        assert_eq!(caller.rate_key(), "anonymous:203.0.113.9");
        caller.principal = Some("jwt:https://idp/:u".into());
        assert_eq!(caller.rate_key(), "jwt:https://idp/:u");
    }
}
