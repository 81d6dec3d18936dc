//! Settings about callers: who vouches for them (INBOUND_AUTH, the OIDC issuer), and which of them
//! may write (WRITE_SCOPE is read in mod.rs; IAM_WRITERS, TOOL_SCOPES here).

use std::net::SocketAddr;

use super::error::{ConfigError, Mode};
use super::read::{comma_list, invalid, secure_or_loopback};

/// Who vouches for the caller of an HTTP request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InboundAuth {
    /// Lambda: API Gateway's authorizer (JWT or IAM) has checked the caller; its context is trusted.
    Gateway,
    /// `serve`: the server checks a bearer JWT itself against the issuer's keys.
    Jwt,
    /// `serve` on a loopback address (make run) and stdio: no check, the fixed local principal.
    Off,
}

/// The OAuth/OIDC issuer of the tokens callers present.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcConfig {
    pub issuer: String,
    /// Accepted as the token's `aud`, or as `client_id` for Cognito access tokens (which carry no `aud`).
    pub audience: String,
    /// Where the signing keys are; by default found through the issuer's OpenID configuration.
    pub jwks_url: Option<String>,
}

/// Lambda trusts the gateway; `serve` checks tokens unless told otherwise, and may be told so
/// only on a loopback address; stdio is a local process's own pipe.
pub(super) fn inbound_auth(
    mode: Mode,
    value: Option<String>,
    bind: SocketAddr,
    has_oidc: bool,
) -> Result<InboundAuth, ConfigError> {
    let value = value.map(|v| v.trim().to_ascii_lowercase()).filter(|v| !v.is_empty());
    let auth = match (mode, value.as_deref()) {
        (Mode::Lambda, None | Some("gateway")) => InboundAuth::Gateway,
        (Mode::Lambda, Some(v)) => {
            return Err(invalid("INBOUND_AUTH", v, "gateway (in Lambda the API Gateway authorizer checks callers)"));
        }
        (Mode::Stdio, _) => InboundAuth::Off,
        (Mode::Serve, None | Some("jwt")) => InboundAuth::Jwt,
        (Mode::Serve, Some("off")) => InboundAuth::Off,
        (Mode::Serve, Some(v)) => return Err(invalid("INBOUND_AUTH", v, "jwt or off")),
    };
    if auth == InboundAuth::Off && mode == Mode::Serve && !bind.ip().is_loopback() {
        return Err(invalid(
            "INBOUND_AUTH",
            "off",
            format!("jwt: authentication may be off only on a loopback address, and BIND is {bind}"),
        ));
    }
    if auth == InboundAuth::Jwt && !has_oidc {
        return Err(invalid(
            "OIDC_ISSUER",
            "",
            "the token issuer (with OIDC_AUDIENCE): serve checks bearer tokens; INBOUND_AUTH=off is for a local stage on loopback",
        ));
    }
    Ok(auth)
}

pub(super) fn oidc_from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<Option<OidcConfig>, ConfigError> {
    let value = |name| get(name).map(|s: String| s.trim().to_owned()).filter(|s| !s.is_empty());
    let (issuer, audience) = match (value("OIDC_ISSUER"), value("OIDC_AUDIENCE")) {
        (None, None) => return Ok(None),
        (Some(issuer), Some(audience)) => (issuer, audience),
        (Some(_), None) => {
            return Err(invalid("OIDC_AUDIENCE", "", "the audience (or Cognito app client id) tokens are for"));
        }
        (None, Some(_)) => return Err(invalid("OIDC_ISSUER", "", "the issuer URL of the tokens")),
    };
    let jwks_url = value("OIDC_JWKS_URL");
    for (name, url) in [("OIDC_ISSUER", Some(&issuer)), ("OIDC_JWKS_URL", jwks_url.as_ref())] {
        if let Some(url) = url
            && !secure_or_loopback(url)
        {
            return Err(invalid(name, url, "an https URL (http only on loopback, for the local platform)"));
        }
    }
    // Kept exactly as given: it must equal the tokens' `iss` and the gateway authorizer's issuer.
    Ok(Some(OidcConfig { issuer, audience, jwks_url }))
}

/// `IAM_WRITERS`: user or role ARNs, each possibly ending in `*`. A role is named as
/// `arn:<partition>:iam::<account>:role/<name>`: an assumed-role session's ARN carries neither the
/// role's path nor anything stable after the role name, so a path is dropped and a session ARN
/// is refused (its session name is whatever the assumer chose).
pub(super) fn iam_writers(value: Option<String>) -> Result<Vec<String>, ConfigError> {
    let expected = "comma-separated IAM user or role ARNs (arn:aws:iam::123456789012:role/NAME), a trailing * allowed";
    let mut writers = Vec::new();
    for entry in comma_list(value) {
        let fields: Vec<&str> = entry.splitn(6, ':').collect();
        let wildcard_inside = entry.trim_end_matches('*').contains('*');
        let [arn, _partition, service, _region, account, resource] = fields.as_slice() else {
            return Err(invalid("IAM_WRITERS", &entry, expected));
        };
        if *arn != "arn" || wildcard_inside || resource.is_empty() {
            return Err(invalid("IAM_WRITERS", &entry, expected));
        }
        if *service == "sts" && resource.starts_with("assumed-role/") {
            return Err(invalid(
                "IAM_WRITERS",
                &entry,
                "the role (arn:aws:iam::ACCOUNT:role/NAME), not one of its sessions: a session is named by whoever assumes the role",
            ));
        }
        if *service != "iam" {
            return Err(invalid("IAM_WRITERS", &entry, expected));
        }
        // A full wildcard of an account (`arn:aws:iam::1:*`, `role/*`) or of all accounts is too
        // broad to be meant: it would make every role a writer, identity-pool roles included.
        let name = resource.split_once('/').map_or("", |(_, name)| name);
        if account.is_empty() || account.contains('*') || name.trim_end_matches('*').is_empty() {
            return Err(invalid("IAM_WRITERS", &entry, expected));
        }
        let normalised = match resource.strip_prefix("role/") {
            Some(name) if name.contains('/') && name.ends_with('*') => {
                return Err(invalid(
                    "IAM_WRITERS",
                    &entry,
                    "a role by its name without a path: an assumed-role session does not show the path",
                ));
            }
            Some(name) => {
                let name = name.rsplit('/').next().unwrap_or(name);
                let prefix = entry.strip_suffix(*resource).unwrap_or_default();
                format!("{prefix}role/{name}")
            }
            None => entry.clone(),
        };
        writers.push(normalised);
    }
    Ok(writers)
}

/// `TOOL_SCOPES`: `tool=scope` pairs (the tools are checked against the registry later).
pub(super) fn tool_scopes(value: Option<String>) -> Result<Vec<(String, String)>, ConfigError> {
    let mut pairs = Vec::new();
    for entry in comma_list(value) {
        let parsed = entry.split_once('=').map(|(t, s)| (t.trim(), s.trim())).filter(|(tool, scope)| {
            !tool.is_empty()
                && !tool.contains(char::is_whitespace)
                && !scope.is_empty()
                && !scope.contains(char::is_whitespace)
        });
        let Some((tool, scope)) = parsed else {
            return Err(invalid("TOOL_SCOPES", &entry, "tool=scope, e.g. request_email_discovery=mcp:email"));
        };
        pairs.retain(|(t, _): &(String, String)| t != tool);
        pairs.push((tool.to_owned(), scope.to_owned()));
    }
    Ok(pairs)
}
