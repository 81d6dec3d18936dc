//! Who is calling: resolved once per request from what the platform in front of us vouches for
//! (the API Gateway authorizer context in Lambda) or from the configured local principal.
//! Tool arguments never name a principal; collections are owned by this value alone.

use lambda_http::request::RequestContext;
use serde::Serialize;

use crate::config::Config;
use crate::identity::{VerifiedToken, scopes_from_gateway};

/// How the principal was established; recorded in the audit line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PrincipalSource {
    /// JWT authorizer: the token's `sub` (or Cognito `client_id` for machine clients).
    Jwt,
    /// IAM-authorized route: the signing principal's ARN.
    Iam,
    /// Lambda authorizer: its `principalId`.
    LambdaAuthorizer,
    /// The configured local principal (local stages, stdio).
    Local,
    /// Nobody vouched for the caller.
    Anonymous,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub principal: Option<String>,
    pub source: PrincipalSource,
    /// The token's scopes for a JWT caller. `None` for callers scopes do not apply to: IAM
    /// principals (their IAM policy on the internal route is their grant), a Lambda authorizer's
    /// principal, and the local principal.
    pub scopes: Option<Vec<String>>,
    /// Lambda's aws_request_id, else API Gateway's request id, else a generated id.
    pub request_id: String,
}

impl Caller {
    /// The caller of a request that carries no platform identity (stdio, local `serve`).
    pub fn local(config: &Config) -> Caller {
        let principal = config.local_principal.clone();
        Caller {
            source: if principal.is_some() { PrincipalSource::Local } else { PrincipalSource::Anonymous },
            principal,
            scopes: None,
            request_id: uuid::Uuid::new_v4().to_string(),
        }
    }

    /// Resolve the caller from the HTTP request's extensions (set by lambda_http in Lambda).
    pub fn from_extensions(extensions: &http::Extensions, config: &Config) -> Caller {
        let mut caller = Caller::local(config);
        let request_context = extensions.get::<RequestContext>();
        // Lambda's request id first (it names the invocation in CloudWatch), else the gateway's.
        if let Some(ctx) = extensions.get::<lambda_runtime::Context>() {
            caller.request_id = ctx.request_id.clone();
        } else if let Some(id) = request_context.and_then(gateway_request_id) {
            caller.request_id = id;
        }
        if let Some(identity) = request_context.and_then(authorizer_identity) {
            caller.principal = Some(identity.principal);
            caller.source = identity.source;
            caller.scopes = identity.scopes;
        } else if let Some(token) = extensions.get::<VerifiedToken>() {
            // `serve` checked the bearer token itself (src/http.rs).
            caller.principal = Some(token.principal.clone());
            caller.source = PrincipalSource::Jwt;
            caller.scopes = Some(token.scopes.clone());
        }
        caller
    }

    /// May this caller use a tool that needs `scope`? Identified callers without scopes (IAM,
    /// local) may; a caller nobody identified may not.
    pub fn has_scope(&self, scope: &str) -> bool {
        if self.source == PrincipalSource::Anonymous || self.principal.is_none() {
            return false;
        }
        self.scopes.as_ref().is_none_or(|scopes| scopes.iter().any(|s| s == scope))
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

/// Who the gateway vouched for.
struct Identity {
    principal: String,
    source: PrincipalSource,
    scopes: Option<Vec<String>>,
}

fn authorizer_identity(ctx: &RequestContext) -> Option<Identity> {
    use lambda_http::aws_lambda_events::apigw::ApiGatewayRequestAuthorizer;

    fn from_authorizer(auth: &ApiGatewayRequestAuthorizer) -> Option<Identity> {
        if let Some(jwt) = &auth.jwt {
            let principal = non_empty(jwt.claims.get("sub")).or_else(|| non_empty(jwt.claims.get("client_id")));
            if let Some(principal) = principal {
                let scopes = Some(scopes_from_gateway(jwt.scopes.as_ref(), &jwt.claims));
                return Some(Identity { principal, source: PrincipalSource::Jwt, scopes });
            }
        }
        if let Some(arn) = auth.iam.as_ref().and_then(|iam| non_empty(iam.user_arn.as_ref())) {
            return Some(Identity { principal: arn, source: PrincipalSource::Iam, scopes: None });
        }
        // REST API (v1) Cognito user-pool authorizer: the claims sit under `claims`.
        if let Some(claims) = auth.fields.get("claims").and_then(|c| c.as_object()) {
            let text = |k: &str| claims.get(k).and_then(|v| v.as_str()).map(str::to_owned);
            if let Some(principal) = non_empty(text("sub").as_ref()).or_else(|| non_empty(text("client_id").as_ref())) {
                let flat: std::collections::HashMap<String, String> =
                    ["scope", "scp"].into_iter().filter_map(|k| text(k).map(|v| (k.to_owned(), v))).collect();
                let scopes = Some(scopes_from_gateway(None, &flat));
                return Some(Identity { principal, source: PrincipalSource::Jwt, scopes });
            }
        }
        let principal_id = auth.fields.get("principalId").and_then(|v| v.as_str()).map(str::to_owned);
        principal_id.filter(|p| !p.trim().is_empty()).map(|principal| Identity {
            principal,
            source: PrincipalSource::LambdaAuthorizer,
            scopes: None,
        })
    }

    match ctx {
        RequestContext::ApiGatewayV2(v2) => v2.authorizer.as_ref().and_then(from_authorizer),
        RequestContext::ApiGatewayV1(v1) => from_authorizer(&v1.authorizer).or_else(|| {
            non_empty(v1.identity.user_arn.as_ref()).map(|arn| Identity {
                principal: arn,
                source: PrincipalSource::Iam,
                scopes: None,
            })
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_identified_callers_pass_a_scope_check_without_scopes() {
        let caller = |principal: Option<&str>, source, scopes: Option<Vec<&str>>| Caller {
            principal: principal.map(str::to_owned),
            source,
            scopes: scopes.map(|s| s.into_iter().map(str::to_owned).collect()),
            request_id: "r".into(),
        };
        assert!(caller(Some("arn:role"), PrincipalSource::Iam, None).has_scope("mcp:write"));
        assert!(caller(Some("me"), PrincipalSource::Local, None).has_scope("mcp:write"));
        assert!(caller(Some("u"), PrincipalSource::Jwt, Some(vec!["mcp:write"])).has_scope("mcp:write"));
        assert!(!caller(Some("u"), PrincipalSource::Jwt, Some(vec!["mcp:read"])).has_scope("mcp:write"));
        assert!(!caller(None, PrincipalSource::Anonymous, None).has_scope("mcp:write"), "nobody vouched for it");
    }
}
