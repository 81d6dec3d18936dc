//! Configuration from an injectable lookup (the process environment in `main`, a map in tests),
//! validated once at start so a bad stage setting fails the cold start, not a request. Every
//! setting is listed once, in docs/configuration.md (a test holds the two together).
//!
//! This module imports nothing from the crate, so every layer may use it. Settings that name
//! tools (DISABLED_TOOLS, TOOL_SCOPES, RATE_LIMITS) are checked against the one list of tools by
//! `Config::check_tool_names`, which `mcp::registry::configure` (the public way in) calls.

use std::net::SocketAddr;
use std::time::Duration;

mod appsync;
mod callers;
mod confirm;
mod error;
pub mod logging;
mod otlp;
pub mod rate_limits;
mod read;
mod serve_limits;
pub mod settings;
#[cfg(test)]
mod tests;

pub use appsync::{AppsyncAuth, AppsyncConfig};
pub use callers::{InboundAuth, OidcConfig};
pub use confirm::{ConfirmConfig, ConfirmFallback};
pub use error::{ConfigError, Mode};
pub use rate_limits::{RateLimits, Window};
pub use serve_limits::{MAX_CONCURRENT_LIMIT, ServeLimits};

use appsync::appsync_from_lookup;
use callers::{iam_writers, inbound_auth, oidc_from_lookup, tool_scopes};
use read::{comma_list, invalid, millis, parse_bool, positive};
use serve_limits::serve_limits_from_lookup;

#[derive(Debug, Clone)]
pub struct Config {
    /// Deployment stage name (dev, staging, prod, local); appears in every audit record.
    pub stage: String,
    pub allow_mutations: bool,
    /// Tool names switched off for this deployment (validated against the ten known names).
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
    /// Calls that need the person's yes first (CONFIRM_TOOLS, CONFIRM_FALLBACK,
    /// CONFIRM_KEY_SECRET_ARN).
    pub confirm: ConfirmConfig,
    /// The OTLP/HTTP traces endpoint spans are exported to (`OTEL_EXPORTER_OTLP_ENDPOINT` and the
    /// other standard variables); `None`: no spans leave the process.
    pub otlp_traces_endpoint: Option<String>,
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
    /// A CA (PEM file) every outbound TLS connection trusts besides the system's roots: the local
    /// platform's and its stand-ins' (LOCAL_CA_FILE; local and test stages only).
    pub local_ca_file: Option<std::path::PathBuf>,
    /// How long a mutation's result answers an identical repeat.
    pub idempotency_retention: Duration,
    /// How long a running mutation holds its key before a repeat may run it again.
    pub idempotency_lease: Duration,
    /// Largest accepted request body.
    pub max_body_bytes: usize,
    /// `serve`: time to send the request head and the body, and requests in the app at once.
    pub serve_limits: ServeLimits,
    /// Where a setting named a tool, for [`Config::check_tool_names`].
    named_tools: Vec<NamedTool>,
}

/// A tool name a setting used: the setting, the entry as written, the name.
#[derive(Debug, Clone)]
struct NamedTool {
    setting: &'static str,
    entry: String,
    tool: String,
}

/// The built-in limits ([`rate_limits::DEFAULTS`]), AI_SEARCH_PER_MINUTE on top (the older
/// setting), then each RATE_LIMITS entry on top, for its tool and window only.
/// Also the entries that named a tool, with the tool, to be checked against the registry.
fn rate_limits_from_lookup(
    get: &impl Fn(&str) -> Option<String>,
) -> Result<(RateLimits, Vec<(String, String)>), ConfigError> {
    let mut limits = RateLimits::defaults();
    if let Some(text) = get("AI_SEARCH_PER_MINUTE").filter(|t| !t.trim().is_empty()) {
        let calls = text.trim().parse::<u32>().ok().filter(|n| *n > 0);
        let calls = calls.ok_or_else(|| invalid("AI_SEARCH_PER_MINUTE", &text, "a positive integer"))?;
        limits.set("ai_search", Window::Minute, calls);
    }
    let mut named = Vec::new();
    if let Some(text) = get("RATE_LIMITS") {
        named = limits.apply(&text).map_err(|e| invalid("RATE_LIMITS", &e.entry, e.problem))?;
    }
    Ok((limits, named))
}

impl Config {
    /// The settings, parsed and checked on their own. Crate-internal: the one public way to a
    /// `Config` is `mcp::registry::configure` (re-exported as `b2b_mcp::configure`), which also
    /// checks the tool names settings use, so no caller can build state from an unchecked one.
    pub(crate) fn from_lookup(mode: Mode, get: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let stage =
            get("STAGE").map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).unwrap_or_else(|| "local".to_owned());
        let allow_mutations = parse_bool("ALLOW_MUTATIONS", get("ALLOW_MUTATIONS"), false)?;

        let disabled_tools = comma_list(get("DISABLED_TOOLS"));

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

        let otlp_traces_endpoint = otlp::traces_endpoint(&get)?;
        let confirm = confirm::confirm_from_lookup(&get, &stage)?;
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

        let (rate_limits, limited) = rate_limits_from_lookup(&get)?;
        let named = |setting, pairs: Vec<(String, String)>| {
            pairs.into_iter().map(move |(entry, tool)| NamedTool { setting, entry, tool })
        };
        let named_tools = named("DISABLED_TOOLS", disabled_tools.iter().map(|t| (t.clone(), t.clone())).collect())
            .chain(named("TOOL_SCOPES", tool_scopes.iter().map(|(t, s)| (format!("{t}={s}"), t.clone())).collect()))
            .chain(named("RATE_LIMITS", limited))
            .chain(named("CONFIRM_TOOLS", confirm.tools.iter().map(|t| (t.clone(), t.clone())).collect()))
            .collect();
        let state_table = get("STATE_TABLE").map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        let state_endpoint_url = get("STATE_ENDPOINT_URL").map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        let local_ca_file = get("LOCAL_CA_FILE").map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        if let Some(file) = &local_ca_file
            && matches!(stage.as_str(), "prod" | "staging")
        {
            // A deployed stage trusts the public roots only: a CA file there could only be a
            // mistake or someone's way to read the platform's traffic.
            return Err(invalid("LOCAL_CA_FILE", file, "unset in staging and prod (local and test stages only)"));
        }
        let local_ca_file = local_ca_file.map(std::path::PathBuf::from);
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
            otlp_traces_endpoint,
            confirm,
            appsync,
            request_deadline,
            rate_limits,
            state_table,
            state_endpoint_url,
            local_ca_file,
            idempotency_retention,
            idempotency_lease,
            max_body_bytes: 1024 * 1024,
            serve_limits: serve_limits_from_lookup(&get)?,
            named_tools,
        })
    }

    /// Every tool a setting names must be one of `known` (the registry's list). The answer names
    /// the setting and the entry, as a parse error would.
    pub fn check_tool_names(&self, known: &[&str]) -> Result<(), ConfigError> {
        let list = known.join(", ");
        let Some(unknown) = self.named_tools.iter().find(|n| !known.contains(&n.tool.as_str())) else { return Ok(()) };
        let expected = match unknown.setting {
            "DISABLED_TOOLS" | "CONFIRM_TOOLS" => format!("one of {list}"),
            "TOOL_SCOPES" => format!("tool=scope, e.g. request_email_discovery=mcp:email, with a tool of {list}"),
            _ => format!("unknown tool {:?}; one of {list}, or * for every other tool", unknown.tool),
        };
        Err(invalid(unknown.setting, &unknown.entry, expected))
    }
}
