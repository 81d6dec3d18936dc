//! Configuration from an injectable lookup (the process environment in `main`, a map in tests),
//! validated once at start so a bad stage setting fails the cold start, not a request.

use std::net::SocketAddr;

use crate::tools::ALL_TOOL_NAMES;

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
    pub appsync_auth: AppsyncAuth,
    /// Calls per minute per caller for `ai_search`.
    pub ai_search_per_minute: u32,
    /// Largest accepted request body.
    pub max_body_bytes: usize,
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

fn comma_list(value: Option<String>) -> Vec<String> {
    value.unwrap_or_default().split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
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

        let local_principal = get("LOCAL_PRINCIPAL")
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .or_else(|| (mode != Mode::Lambda).then(|| "local-user".to_owned()));

        let appsync_auth = match get("APPSYNC_AUTH").as_deref().map(str::trim) {
            None | Some("") | Some("iam") => AppsyncAuth::Iam,
            Some("api_key") => AppsyncAuth::ApiKey,
            Some("oidc") => AppsyncAuth::Oidc,
            Some(other) => return Err(invalid("APPSYNC_AUTH", other, "iam, api_key or oidc")),
        };

        let ai_text = get("AI_SEARCH_PER_MINUTE").unwrap_or_else(|| "5".to_owned());
        let ai_search_per_minute = ai_text
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| invalid("AI_SEARCH_PER_MINUTE", &ai_text, "a positive integer"))?;

        Ok(Config {
            stage,
            allow_mutations,
            disabled_tools,
            mcp_path,
            bind,
            allowed_hosts,
            allowed_origins,
            local_principal,
            appsync_auth,
            ai_search_per_minute,
            max_body_bytes: 1024 * 1024,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(mode: Mode, vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        Config::from_lookup(mode, |k| map.get(k).cloned())
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
    fn lambda_mode_never_defaults_to_loopback_hosts() {
        let c = config(Mode::Lambda, &[]).expect("valid");
        assert!(c.allowed_hosts.is_empty());
        assert!(c.local_principal.is_none());
        let c = config(Mode::Lambda, &[("ALLOWED_HOSTS", "abc.execute-api.eu-west-1.amazonaws.com,mcp.example.com")])
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
    fn bad_appsync_auth_and_rate_are_rejected() {
        assert!(config(Mode::Serve, &[("APPSYNC_AUTH", "password")]).is_err());
        assert!(config(Mode::Serve, &[("AI_SEARCH_PER_MINUTE", "0")]).is_err());
        assert!(config(Mode::Serve, &[("MCP_PATH", "mcp")]).is_err());
    }
}
