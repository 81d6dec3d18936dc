//! Configuration from an injectable lookup (the process environment in `main`, a map in tests),
//! validated once at start so a bad stage setting fails the cold start, not a request.

use std::net::SocketAddr;
use std::time::Duration;

use crate::store::limits::{RateLimits, Window};
use crate::tools::ALL_TOOL_NAMES;
use crate::web::serve::{MAX_CONCURRENT_LIMIT, ServeLimits};

/// How the server reaches AppSync; reported at start and used by the backend issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppsyncAuth {
    Iam,
    ApiKey,
    Oidc,
}

impl AppsyncAuth {
    pub fn as_str(self) -> &'static str {
        match self {
            AppsyncAuth::Iam => "iam",
            AppsyncAuth::ApiKey => "api_key",
            AppsyncAuth::Oidc => "oidc",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    /// Deployment stage name (dev, staging, prod, local); appears in every audit record.
    pub stage: String,
    pub allow_mutations: bool,
    /// Tool names switched off for this deployment (validated against the nine known names).
    pub disabled_tools: Vec<String>,
    /// Path the MCP endpoint is served on.
    pub mcp_path: String,
    /// Address `serve` binds.
    pub bind: SocketAddr,
    /// `Host` values accepted (DNS-rebinding protection). Empty means no Host check.
    pub allowed_hosts: Vec<String>,
    /// Browser origins accepted; a request with any other `Origin` gets 403.
    pub allowed_origins: Vec<String>,
    /// Principal used when the request carries no authorizer identity (local stages, stdio).
    pub local_principal: Option<String>,
    /// Who vouches for an HTTP caller: the gateway (Lambda), our own JWT check, or nobody.
    pub inbound_auth: InboundAuth,
    /// The identity provider whose tokens callers present; named in the protected-resource
    /// metadata, and used to validate tokens when `inbound_auth` is `Jwt`.
    pub oidc: Option<OidcConfig>,
    /// The scope a token (or a Lambda authorizer's context) must carry for a mutation, on top of
    /// ALLOW_MUTATIONS.
    pub write_scope: String,
    /// IAM identities granted the mutations (user or role ARNs, a trailing `*` matching any
    /// suffix); empty: IAM and Cognito callers only read.
    pub iam_writers: Vec<String>,
    /// Extra scopes a stage requires for a tool (`TOOL_SCOPES=tool=scope,...`); a caller without
    /// the scope neither sees nor calls the tool.
    pub tool_scopes: Vec<(String, String)>,
    /// Lambda: serve read tools to requests no authorizer identified (never with mutations on,
    /// never in prod). Off: such requests get 401.
    pub allow_anonymous_reads: bool,
    /// The MCP endpoint's public URL, for the metadata document; derived from the request if unset.
    pub resource_url: Option<String>,
    /// CloudWatch namespace for the EMF metrics written with each audit record; `None`: no metrics.
    pub metrics_namespace: Option<String>,
    /// The platform's AppSync API; `None` serves the built-in sample data (laptops, tests).
    pub appsync: Option<AppsyncConfig>,
    /// Everything one request may take, below the Lambda timeout.
    pub request_deadline: Duration,
    /// Calls per caller, per tool, per minute and per day: the built-in defaults (every tool
    /// limited, the paid tool per day), then AI_SEARCH_PER_MINUTE, then RATE_LIMITS.
    pub rate_limits: RateLimits,
    /// The DynamoDB table holding rate limits and idempotency records across instances; `None`
    /// keeps both in memory (one instance's view: a laptop, a single container).
    pub state_table: Option<String>,
    /// DynamoDB endpoint override (moto in tests); AWS_ENDPOINT_URL works too.
    pub state_endpoint_url: Option<String>,
    /// How long a mutation's result answers an identical repeat.
    pub idempotency_retention: Duration,
    /// How long a running mutation holds its key before a repeat may run it again.
    pub idempotency_lease: Duration,
    /// Largest accepted request body.
    pub max_body_bytes: usize,
    /// `serve`: time to send the request head and the body, and requests in the app at once.
    pub serve_limits: ServeLimits,
}

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

/// How to reach AppSync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppsyncConfig {
    /// The GraphQL endpoint (https, or http on loopback for the local platform).
    pub url: String,
    /// Region for SigV4, from APPSYNC_REGION, the endpoint's host name or AWS_REGION.
    pub region: Option<String>,
    pub auth: AppsyncAuth,
    /// Secret holding the API key or the OIDC client credentials.
    pub secret_arn: Option<String>,
    /// Secrets Manager endpoint override (moto in tests); AWS_ENDPOINT_URL also works.
    pub secrets_endpoint_url: Option<String>,
    /// How long a fetched secret is used before it is fetched again.
    pub secret_ttl: Duration,
    /// Time allowed for one HTTP attempt.
    pub attempt_timeout: Duration,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("{name}={value:?} is not valid: {expected}")]
    Invalid { name: &'static str, value: String, expected: String },
}

fn invalid(name: &'static str, value: &str, expected: impl Into<String>) -> ConfigError {
    ConfigError::Invalid { name, value: value.to_owned(), expected: expected.into() }
}

fn parse_bool(name: &'static str, value: Option<String>, default: bool) -> Result<bool, ConfigError> {
    match value.as_deref().map(str::trim) {
        None | Some("") => Ok(default),
        Some(v) if v.eq_ignore_ascii_case("true") || v == "1" => Ok(true),
        Some(v) if v.eq_ignore_ascii_case("false") || v == "0" => Ok(false),
        Some(v) => Err(invalid(name, v, "true or false")),
    }
}

fn positive(get: &impl Fn(&str) -> Option<String>, name: &'static str, default: u64) -> Result<u64, ConfigError> {
    match get(name).as_deref().map(str::trim) {
        None | Some("") => Ok(default),
        Some(v) => v.parse::<u64>().ok().filter(|n| *n > 0).ok_or_else(|| invalid(name, v, "a positive integer")),
    }
}

fn millis(get: &impl Fn(&str) -> Option<String>, name: &'static str, default: u64) -> Result<Duration, ConfigError> {
    positive(get, name, default).map(Duration::from_millis)
}

/// Lambda trusts the gateway; `serve` checks tokens unless told otherwise, and may be told so
/// only on a loopback address; stdio is a local process's own pipe.
fn inbound_auth(
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

fn oidc_from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<Option<OidcConfig>, ConfigError> {
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

fn secure_or_loopback(url: &str) -> bool {
    let Ok(parsed) = reqwest::Url::parse(url) else { return false };
    match parsed.scheme() {
        "https" => true,
        "http" => matches!(parsed.host_str(), Some("127.0.0.1" | "localhost" | "[::1]")),
        _ => false,
    }
}

/// `<api-id>.appsync-api.<region>.amazonaws.com` names its region.
fn region_from_host(url: &reqwest::Url) -> Option<String> {
    let host = url.host_str()?;
    let rest = host.split_once(".appsync-api.")?.1;
    rest.strip_suffix(".amazonaws.com").map(str::to_owned)
}

fn appsync_from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<Option<AppsyncConfig>, ConfigError> {
    let Some(url) = get("APPSYNC_URL").map(|u| u.trim().to_owned()).filter(|u| !u.is_empty()) else {
        return Ok(None);
    };
    let parsed = reqwest::Url::parse(&url).map_err(|_| invalid("APPSYNC_URL", &url, "an https URL"))?;
    let loopback = matches!(parsed.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    if parsed.scheme() != "https" && !(parsed.scheme() == "http" && loopback) {
        return Err(invalid("APPSYNC_URL", &url, "an https URL (plain http only on loopback)"));
    }
    let auth = match get("APPSYNC_AUTH").as_deref().map(str::trim) {
        None | Some("") | Some("iam") => AppsyncAuth::Iam,
        Some("api_key") => AppsyncAuth::ApiKey,
        Some("oidc") => AppsyncAuth::Oidc,
        Some(other) => return Err(invalid("APPSYNC_AUTH", other, "iam, api_key or oidc")),
    };
    let region = get("APPSYNC_REGION")
        .or_else(|| region_from_host(&parsed))
        .or_else(|| get("AWS_REGION"))
        .or_else(|| get("AWS_DEFAULT_REGION"))
        .filter(|r| !r.trim().is_empty());
    if auth == AppsyncAuth::Iam && region.is_none() {
        return Err(invalid("APPSYNC_REGION", "", "a region for SigV4 (or AWS_REGION)"));
    }
    let secret_arn = get("APPSYNC_SECRET_ARN").map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    if auth != AppsyncAuth::Iam && secret_arn.is_none() {
        return Err(invalid(
            "APPSYNC_SECRET_ARN",
            "",
            format!("the secret with the credentials for {}", auth.as_str()),
        ));
    }
    Ok(Some(AppsyncConfig {
        url,
        region,
        auth,
        secret_arn,
        secrets_endpoint_url: get("SECRETS_ENDPOINT_URL").filter(|u| !u.trim().is_empty()),
        secret_ttl: Duration::from_secs(positive(get, "SECRET_TTL_SECONDS", 300)?),
        attempt_timeout: millis(get, "BACKEND_TIMEOUT_MS", 5_000)?,
    }))
}

/// The built-in limits ([`crate::store::limits::DEFAULTS`]), AI_SEARCH_PER_MINUTE on top (the older
/// setting), then each RATE_LIMITS entry on top, for its tool and window only.
fn rate_limits_from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<RateLimits, ConfigError> {
    let mut limits = RateLimits::defaults();
    if let Some(text) = get("AI_SEARCH_PER_MINUTE").filter(|t| !t.trim().is_empty()) {
        let calls = text.trim().parse::<u32>().ok().filter(|n| *n > 0);
        let calls = calls.ok_or_else(|| invalid("AI_SEARCH_PER_MINUTE", &text, "a positive integer"))?;
        limits.set("ai_search", Window::Minute, calls);
    }
    if let Some(text) = get("RATE_LIMITS") {
        limits.apply(&text, &ALL_TOOL_NAMES).map_err(|e| invalid("RATE_LIMITS", &e.entry, e.problem))?;
    }
    Ok(limits)
}

fn comma_list(value: Option<String>) -> Vec<String> {
    value.unwrap_or_default().split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

/// `IAM_WRITERS`: user or role ARNs, each possibly ending in `*`. A role is named as
/// `arn:<partition>:iam::<account>:role/<name>`: an assumed-role session's ARN carries neither the
/// role's path nor anything stable after the role name, so a path is dropped and a session ARN
/// is refused (its session name is whatever the assumer chose).
fn iam_writers(value: Option<String>) -> Result<Vec<String>, ConfigError> {
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

/// `TOOL_SCOPES`: `tool=scope` pairs naming known tools.
fn tool_scopes(value: Option<String>) -> Result<Vec<(String, String)>, ConfigError> {
    let mut pairs = Vec::new();
    for entry in comma_list(value) {
        let parsed = entry.split_once('=').map(|(t, s)| (t.trim(), s.trim())).filter(|(tool, scope)| {
            ALL_TOOL_NAMES.contains(tool) && !scope.is_empty() && !scope.contains(char::is_whitespace)
        });
        let Some((tool, scope)) = parsed else {
            return Err(invalid(
                "TOOL_SCOPES",
                &entry,
                format!(
                    "tool=scope, e.g. request_email_discovery=mcp:email, with a tool of {}",
                    ALL_TOOL_NAMES.join(", ")
                ),
            ));
        };
        pairs.retain(|(t, _): &(String, String)| t != tool);
        pairs.push((tool.to_owned(), scope.to_owned()));
    }
    Ok(pairs)
}

/// `serve`'s bounds on slow and numerous clients (src/serve.rs). Read in every mode, so a typo
/// fails the start wherever it is made; only `serve` uses them.
fn serve_limits_from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<ServeLimits, ConfigError> {
    let defaults = ServeLimits::default();
    let max_text = get("SERVE_MAX_CONCURRENT").map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let max_concurrent = match max_text {
        None => defaults.max_concurrent,
        Some(v) => v.parse::<usize>().ok().filter(|n| (1..=MAX_CONCURRENT_LIMIT).contains(n)).ok_or_else(|| {
            invalid("SERVE_MAX_CONCURRENT", &v, format!("a positive integer up to {MAX_CONCURRENT_LIMIT}"))
        })?,
    };
    Ok(ServeLimits {
        max_concurrent,
        header_timeout: millis(get, "SERVE_HEADER_TIMEOUT_MS", defaults.header_timeout.as_millis() as u64)?,
        body_timeout: millis(get, "SERVE_BODY_TIMEOUT_MS", defaults.body_timeout.as_millis() as u64)?,
    })
}

/// Where the process runs; decides defaults that differ between a laptop and a deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Lambda,
    Serve,
    Stdio,
}

impl Config {
    pub fn from_lookup(mode: Mode, get: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let stage =
            get("STAGE").map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).unwrap_or_else(|| "local".to_owned());
        let allow_mutations = parse_bool("ALLOW_MUTATIONS", get("ALLOW_MUTATIONS"), false)?;

        let disabled_tools = comma_list(get("DISABLED_TOOLS"));
        if let Some(unknown) = disabled_tools.iter().find(|t| !ALL_TOOL_NAMES.contains(&t.as_str())) {
            return Err(invalid("DISABLED_TOOLS", unknown, format!("one of {}", ALL_TOOL_NAMES.join(", "))));
        }

        let mcp_path = get("MCP_PATH").unwrap_or_else(|| "/mcp".to_owned());
        if !mcp_path.starts_with('/') || mcp_path.len() < 2 {
            return Err(invalid("MCP_PATH", &mcp_path, "a path such as /mcp"));
        }

        let bind_text = get("BIND").unwrap_or_else(|| "127.0.0.1:3000".to_owned());
        let bind: SocketAddr =
            bind_text.parse().map_err(|_| invalid("BIND", &bind_text, "host:port, e.g. 127.0.0.1:3000"))?;

        // Loopback is the right default only where the server itself listens on loopback. In
        // Lambda, API Gateway has already routed on Host, so the deployment lists its own
        // hostnames (execute-api and custom domains) or leaves the check to the gateway.
        let allowed_hosts = match (get("ALLOWED_HOSTS"), mode) {
            (Some(v), _) => comma_list(Some(v)),
            (None, Mode::Lambda) => Vec::new(),
            (None, _) => vec!["localhost".into(), "127.0.0.1".into(), "::1".into()],
        };
        let allowed_origins = match (get("ALLOWED_ORIGINS"), mode) {
            (Some(v), _) => comma_list(Some(v)),
            (None, Mode::Lambda) => Vec::new(),
            (None, _) => vec!["http://localhost:*".into(), "http://127.0.0.1:*".into()],
        };

        let oidc = oidc_from_lookup(&get)?;
        let inbound_auth = inbound_auth(mode, get("INBOUND_AUTH"), bind, oidc.is_some())?;
        let named_principal = get("LOCAL_PRINCIPAL").map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        let local_principal = match inbound_auth {
            InboundAuth::Off => Some(named_principal.unwrap_or_else(|| "local-user".to_owned())),
            InboundAuth::Gateway | InboundAuth::Jwt => match named_principal {
                // A fixed identity where callers are authenticated would let anyone the check
                // missed act as that principal.
                Some(p) => return Err(invalid("LOCAL_PRINCIPAL", &p, "unset unless INBOUND_AUTH=off (local stages)")),
                None => None,
            },
        };
        let write_scope = get("WRITE_SCOPE").map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        let write_scope = write_scope.unwrap_or_else(|| "mcp:write".to_owned());
        if write_scope.contains(char::is_whitespace) {
            return Err(invalid("WRITE_SCOPE", &write_scope, "one scope name, without spaces"));
        }
        let iam_writers = iam_writers(get("IAM_WRITERS"))?;
        let tool_scopes = tool_scopes(get("TOOL_SCOPES"))?;
        let allow_anonymous_reads = parse_bool("ALLOW_ANONYMOUS_READS", get("ALLOW_ANONYMOUS_READS"), false)?;
        if allow_anonymous_reads {
            let refusal = if mode != Mode::Lambda {
                Some("false: only Lambda serves requests nobody identified (serve checks tokens, stdio is local)")
            } else if allow_mutations {
                Some("false while ALLOW_MUTATIONS=true")
            } else if stage == "prod" {
                Some("false: never in prod")
            } else {
                None
            };
            if let Some(expected) = refusal {
                return Err(invalid("ALLOW_ANONYMOUS_READS", "true", expected));
            }
        }
        let resource_url = get("RESOURCE_URL").map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        if let Some(url) = &resource_url {
            reqwest::Url::parse(url).map_err(|_| invalid("RESOURCE_URL", url, "an absolute URL"))?;
        }
        let metrics_on = parse_bool("EMF_METRICS", get("EMF_METRICS"), mode == Mode::Lambda)?;
        let namespace = get("METRICS_NAMESPACE").map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        let metrics_namespace = metrics_on.then(|| namespace.unwrap_or_else(|| "B2bMcp".to_owned()));

        let appsync = appsync_from_lookup(&get)?;
        let sample_data = parse_bool("SAMPLE_DATA", get("SAMPLE_DATA"), mode != Mode::Lambda)?;
        // A deployment that forgot its AppSync URL must not quietly answer with sample companies.
        if appsync.is_none() && !sample_data {
            return Err(invalid(
                "APPSYNC_URL",
                "",
                "the AppSync GraphQL URL (or SAMPLE_DATA=true for the built-in sample)",
            ));
        }
        let request_deadline = millis(&get, "REQUEST_DEADLINE_MS", 20_000)?;
        if let Some(a) = &appsync
            && a.attempt_timeout > request_deadline
        {
            return Err(invalid(
                "BACKEND_TIMEOUT_MS",
                &a.attempt_timeout.as_millis().to_string(),
                "at most REQUEST_DEADLINE_MS",
            ));
        }

        let rate_limits = rate_limits_from_lookup(&get)?;
        let state_table = get("STATE_TABLE").map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        let state_endpoint_url = get("STATE_ENDPOINT_URL").map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        let idempotency_retention = Duration::from_secs(positive(&get, "IDEMPOTENCY_TTL_SECONDS", 86_400)?);
        let idempotency_lease = millis(&get, "IDEMPOTENCY_LEASE_MS", request_deadline.as_millis() as u64 + 5_000)?;
        // A lease must outlive the call holding it (the deadline, plus the store's own 2 s), or a
        // repeat could run the mutation a second time while the first is still sending it.
        if idempotency_lease < request_deadline + Duration::from_secs(2) {
            return Err(invalid(
                "IDEMPOTENCY_LEASE_MS",
                &idempotency_lease.as_millis().to_string(),
                "at least REQUEST_DEADLINE_MS + 2000",
            ));
        }

        Ok(Config {
            stage,
            allow_mutations,
            disabled_tools,
            mcp_path,
            bind,
            allowed_hosts,
            allowed_origins,
            local_principal,
            inbound_auth,
            oidc,
            write_scope,
            iam_writers,
            tool_scopes,
            allow_anonymous_reads,
            resource_url,
            metrics_namespace,
            appsync,
            request_deadline,
            rate_limits,
            state_table,
            state_endpoint_url,
            idempotency_retention,
            idempotency_lease,
            max_body_bytes: 1024 * 1024,
            serve_limits: serve_limits_from_lookup(&get)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// `serve` settings for a local stage (auth off) unless the test speaks of auth itself.
    fn config(mode: Mode, vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let mut map: HashMap<String, String> = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        if mode == Mode::Serve && !map.contains_key("INBOUND_AUTH") && !map.contains_key("OIDC_ISSUER") {
            map.insert("INBOUND_AUTH".into(), "off".into());
        }
        Config::from_lookup(mode, |k| map.get(k).cloned())
    }

    fn raw(mode: Mode, vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        Config::from_lookup(mode, |k| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| (*v).to_owned()))
    }

    #[test]
    fn serve_requires_token_checks_unless_told_off_on_loopback() {
        let err = raw(Mode::Serve, &[]).unwrap_err();
        assert!(matches!(err, ConfigError::Invalid { name: "OIDC_ISSUER", .. }), "{err}");
        let issuer = [("OIDC_ISSUER", "https://idp.example.com/"), ("OIDC_AUDIENCE", "b2b-mcp")];
        let c = raw(Mode::Serve, &issuer).expect("jwt");
        assert_eq!(c.inbound_auth, InboundAuth::Jwt);
        assert_eq!(c.oidc.as_ref().map(|o| o.issuer.as_str()), Some("https://idp.example.com/"), "kept as given");
        assert!(c.local_principal.is_none(), "no fixed identity where tokens are checked");
        assert_eq!(c.write_scope, "mcp:write");

        let off = raw(Mode::Serve, &[("INBOUND_AUTH", "off")]).expect("off on loopback");
        assert_eq!((off.inbound_auth, off.local_principal.as_deref()), (InboundAuth::Off, Some("local-user")));
        for bind in ["0.0.0.0:3000", "10.0.0.5:3000", "[::]:3000"] {
            let err = raw(Mode::Serve, &[("INBOUND_AUTH", "off"), ("BIND", bind)]).unwrap_err();
            assert!(matches!(err, ConfigError::Invalid { name: "INBOUND_AUTH", .. }), "{bind}: {err}");
        }
        assert!(raw(Mode::Serve, &[("INBOUND_AUTH", "off"), ("BIND", "[::1]:3000")]).is_ok());
        let err = raw(Mode::Serve, &[issuer[0], issuer[1], ("LOCAL_PRINCIPAL", "admin")]).unwrap_err();
        assert!(matches!(err, ConfigError::Invalid { name: "LOCAL_PRINCIPAL", .. }), "{err}");
        assert!(raw(Mode::Serve, &[("OIDC_ISSUER", "http://idp.example.com"), issuer[1]]).is_err(), "https only");
        assert!(raw(Mode::Serve, &[issuer[0]]).is_err(), "an issuer needs its audience");
        assert!(raw(Mode::Serve, &[issuer[0], issuer[1], ("WRITE_SCOPE", "a b")]).is_err());
    }

    #[test]
    fn an_idempotency_lease_must_outlive_the_request() {
        assert!(config(Mode::Serve, &[("IDEMPOTENCY_LEASE_MS", "1000")]).is_err(), "shorter than the deadline");
        let c =
            config(Mode::Serve, &[("REQUEST_DEADLINE_MS", "1000"), ("IDEMPOTENCY_LEASE_MS", "3000")]).expect("valid");
        assert_eq!(c.idempotency_lease, Duration::from_secs(3));
        assert_eq!(config(Mode::Serve, &[]).expect("valid").idempotency_lease, Duration::from_secs(25), "default");
    }

    #[test]
    fn lambda_trusts_the_gateway_and_takes_no_local_principal() {
        let base = [("SAMPLE_DATA", "true")];
        let c = raw(Mode::Lambda, &base).expect("valid");
        assert_eq!((c.inbound_auth, c.local_principal.as_ref()), (InboundAuth::Gateway, None));
        assert_eq!(c.metrics_namespace.as_deref(), Some("B2bMcp"), "EMF metrics on in Lambda");
        assert!(raw(Mode::Lambda, &[base[0], ("INBOUND_AUTH", "off")]).is_err());
        assert!(raw(Mode::Lambda, &[base[0], ("LOCAL_PRINCIPAL", "admin")]).is_err());
        let c = raw(Mode::Lambda, &[base[0], ("EMF_METRICS", "false")]).expect("valid");
        assert!(c.metrics_namespace.is_none());
        assert!(config(Mode::Serve, &[]).expect("valid").metrics_namespace.is_none(), "off on a laptop");
    }

    #[test]
    fn iam_writers_name_users_and_roles_never_sessions() {
        let writers =
            |v: &str| config(Mode::Lambda, &[("SAMPLE_DATA", "true"), ("IAM_WRITERS", v)]).map(|c| c.iam_writers);
        assert_eq!(writers("").unwrap(), Vec::<String>::new(), "default: IAM callers only read");
        assert_eq!(
            writers("arn:aws:iam::123456789012:role/crm-sync, arn:aws:iam::123456789012:user/team/bob").unwrap(),
            ["arn:aws:iam::123456789012:role/crm-sync", "arn:aws:iam::123456789012:user/team/bob"]
        );
        assert_eq!(
            writers("arn:aws:iam::123456789012:role/service-role/etl").unwrap(),
            ["arn:aws:iam::123456789012:role/etl"],
            "a role by its name: a session's ARN does not show the path"
        );
        assert_eq!(writers("arn:aws:iam::123456789012:role/crm-*").unwrap(), ["arn:aws:iam::123456789012:role/crm-*"]);
        for refused in [
            "arn:aws:sts::123456789012:assumed-role/crm-sync/worker",
            "arn:aws:iam::123456789012:*",
            "arn:aws:iam::*:role/x",
            "arn:aws:iam::123456789012:role/*/x",
            "arn:aws:iam::123456789012:role/team/*",
            "arn:aws:iam::123456789012:role/*",
            "arn:aws:iam::123456789012:user/*",
            "crm-sync",
            "arn:aws:s3:::bucket/x",
        ] {
            let err = writers(refused).unwrap_err();
            assert!(matches!(err, ConfigError::Invalid { name: "IAM_WRITERS", .. }), "{refused}: {err}");
        }
    }

    #[test]
    fn tool_scopes_name_known_tools() {
        let scopes = |v: &str| config(Mode::Serve, &[("TOOL_SCOPES", v)]).map(|c| c.tool_scopes);
        assert_eq!(
            scopes("request_email_discovery=mcp:email").unwrap(),
            [("request_email_discovery".to_owned(), "mcp:email".to_owned())]
        );
        for refused in ["nope=mcp:x", "ai_search", "ai_search=", "ai_search=a b"] {
            assert!(scopes(refused).is_err(), "{refused}");
        }
    }

    #[test]
    fn anonymous_reads_only_in_lambda_without_mutations_and_never_in_prod() {
        let lambda = |vars: &[(&str, &str)]| {
            let mut all = vec![("SAMPLE_DATA", "true"), ("ALLOW_ANONYMOUS_READS", "true")];
            all.extend_from_slice(vars);
            config(Mode::Lambda, &all)
        };
        assert!(lambda(&[("STAGE", "dev")]).unwrap().allow_anonymous_reads);
        assert!(!config(Mode::Lambda, &[("SAMPLE_DATA", "true")]).unwrap().allow_anonymous_reads, "off by default");
        for (vars, why) in [
            (&[("STAGE", "dev"), ("ALLOW_MUTATIONS", "true")][..], "with mutations on"),
            (&[("STAGE", "prod")][..], "in prod"),
        ] {
            let err = lambda(vars).unwrap_err();
            assert!(matches!(err, ConfigError::Invalid { name: "ALLOW_ANONYMOUS_READS", .. }), "{why}: {err}");
        }
        assert!(config(Mode::Serve, &[("ALLOW_ANONYMOUS_READS", "true")]).is_err(), "serve checks tokens");
    }

    #[test]
    fn mutations_are_off_by_default() {
        let c = config(Mode::Serve, &[]).expect("defaults are valid");
        assert!(!c.allow_mutations);
        assert_eq!(c.stage, "local");
        assert_eq!(c.mcp_path, "/mcp");
    }

    #[test]
    fn allow_mutations_accepts_true_and_rejects_garbage() {
        assert!(config(Mode::Serve, &[("ALLOW_MUTATIONS", "TRUE")]).expect("valid").allow_mutations);
        assert!(config(Mode::Serve, &[("ALLOW_MUTATIONS", "yes please")]).is_err());
    }

    #[test]
    fn unknown_disabled_tool_is_a_config_error() {
        let err = config(Mode::Serve, &[("DISABLED_TOOLS", "create_collection, nope")]).unwrap_err();
        assert!(err.to_string().contains("nope"), "{err}");
        let ok = config(Mode::Serve, &[("DISABLED_TOOLS", " create_collection ,ai_search")]).expect("valid");
        assert_eq!(ok.disabled_tools, ["create_collection", "ai_search"]);
    }

    #[test]
    fn lambda_refuses_to_serve_sample_data_unless_told() {
        let err = config(Mode::Lambda, &[]).unwrap_err();
        assert!(err.to_string().contains("APPSYNC_URL"), "{err}");
        assert!(config(Mode::Lambda, &[("SAMPLE_DATA", "true")]).is_ok());
        assert!(config(Mode::Serve, &[]).is_ok(), "laptops get the sample by default");
        assert!(config(Mode::Serve, &[("SAMPLE_DATA", "false")]).is_err());
    }

    #[test]
    fn lambda_mode_never_defaults_to_loopback_hosts() {
        let c = config(Mode::Lambda, &[("SAMPLE_DATA", "true")]).expect("valid");
        assert!(c.allowed_hosts.is_empty());
        assert!(c.local_principal.is_none());
        let c = config(
            Mode::Lambda,
            &[("SAMPLE_DATA", "true"), ("ALLOWED_HOSTS", "abc.execute-api.eu-west-1.amazonaws.com,mcp.example.com")],
        )
        .expect("valid");
        assert_eq!(c.allowed_hosts.len(), 2);
    }

    #[test]
    fn serve_mode_defaults_to_loopback_hosts_and_a_local_principal() {
        let c = config(Mode::Serve, &[]).expect("valid");
        assert!(c.allowed_hosts.iter().any(|h| h == "127.0.0.1"));
        assert_eq!(c.local_principal.as_deref(), Some("local-user"));
    }

    #[test]
    fn no_appsync_url_means_sample_data() {
        assert_eq!(config(Mode::Serve, &[("APPSYNC_AUTH", "api_key")]).expect("valid").appsync, None);
    }

    #[test]
    fn appsync_settings_are_validated() {
        let url = ("APPSYNC_URL", "https://abc.appsync-api.eu-west-1.amazonaws.com/graphql");
        let c = config(Mode::Lambda, &[url]).expect("valid").appsync.expect("appsync");
        assert_eq!((c.auth, c.region.as_deref()), (AppsyncAuth::Iam, Some("eu-west-1")));
        assert!(config(Mode::Lambda, &[url, ("APPSYNC_AUTH", "password")]).is_err());
        assert!(config(Mode::Lambda, &[url, ("APPSYNC_AUTH", "api_key")]).is_err(), "api_key needs a secret");
        let ok = config(Mode::Lambda, &[url, ("APPSYNC_AUTH", "oidc"), ("APPSYNC_SECRET_ARN", "arn:x")]);
        assert_eq!(ok.expect("valid").appsync.map(|a| a.auth), Some(AppsyncAuth::Oidc));
        assert!(config(Mode::Lambda, &[("APPSYNC_URL", "http://example.com/graphql")]).is_err(), "http off loopback");
        assert!(
            config(Mode::Serve, &[("APPSYNC_URL", "http://127.0.0.1:4000/graphql")]).is_err(),
            "iam needs a region"
        );
        let local =
            config(Mode::Serve, &[("APPSYNC_URL", "http://127.0.0.1:4000/graphql"), ("AWS_REGION", "us-east-1")]);
        assert_eq!(local.expect("valid").appsync.and_then(|a| a.region), Some("us-east-1".into()));
    }

    #[test]
    fn attempt_timeout_must_fit_the_deadline() {
        let url = ("APPSYNC_URL", "https://abc.appsync-api.eu-west-1.amazonaws.com/graphql");
        assert!(config(Mode::Lambda, &[url, ("REQUEST_DEADLINE_MS", "1000"), ("BACKEND_TIMEOUT_MS", "2000")]).is_err());
    }

    #[test]
    fn every_tool_is_limited_per_minute_and_per_day_by_default() {
        let limits = config(Mode::Serve, &[]).expect("valid").rate_limits;
        for tool in ALL_TOOL_NAMES {
            for window in Window::CHECK_ORDER {
                assert!(limits.limit(tool, window).is_some(), "{tool} per {window}");
            }
        }
        assert_eq!(limits, RateLimits::defaults());
        assert_eq!(limits.limit("request_email_discovery", Window::Day), Some(50));
        assert_eq!(limits.limit("ai_search", Window::Minute), Some(5));
    }

    #[test]
    fn rate_limits_take_minutes_days_and_the_older_settings() {
        let rates = "*=100/min,ai_search=8,request_email_discovery=20/day";
        let limits = config(Mode::Serve, &[("RATE_LIMITS", rates)]).expect("valid").rate_limits;
        assert_eq!(limits.limit("search_companies", Window::Minute), Some(100));
        assert_eq!(limits.limit("ai_search", Window::Minute), Some(8), "tool=N is per minute");
        assert_eq!(limits.limit("request_email_discovery", Window::Day), Some(20));
        assert_eq!(limits.limit("request_email_discovery", Window::Minute), Some(5), "the default stays");

        let older = config(Mode::Serve, &[("AI_SEARCH_PER_MINUTE", "9")]).expect("valid").rate_limits;
        assert_eq!(older.limit("ai_search", Window::Minute), Some(9));
        let both = [("AI_SEARCH_PER_MINUTE", "9"), ("RATE_LIMITS", "ai_search=2/min")];
        assert_eq!(config(Mode::Serve, &both).expect("valid").rate_limits.limit("ai_search", Window::Minute), Some(2));
    }

    #[test]
    fn a_bad_rate_limit_names_the_entry() {
        let err = config(Mode::Serve, &[("RATE_LIMITS", "ai_search=5/min,send_money=1/day")]).unwrap_err();
        assert!(matches!(&err, ConfigError::Invalid { name: "RATE_LIMITS", value, .. } if value == "send_money=1/day"));
        assert!(err.to_string().contains("unknown tool \"send_money\""), "{err}");
        let err = config(Mode::Serve, &[("RATE_LIMITS", "request_email_discovery=0/day")]).unwrap_err();
        assert!(err.to_string().starts_with("RATE_LIMITS=\"request_email_discovery=0/day\" is not valid"), "{err}");
        assert!(config(Mode::Serve, &[("RATE_LIMITS", "ai_search=5/week")]).is_err());
    }

    #[test]
    fn bad_rate_and_path_are_rejected() {
        assert!(config(Mode::Serve, &[("AI_SEARCH_PER_MINUTE", "0")]).is_err());
        assert!(config(Mode::Serve, &[("REQUEST_DEADLINE_MS", "soon")]).is_err());
        assert!(config(Mode::Serve, &[("MCP_PATH", "mcp")]).is_err());
    }
}
