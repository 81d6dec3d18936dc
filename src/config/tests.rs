//! The configuration's own rules, one test per rule.

use super::*;
use std::collections::HashMap;

// The names are the registry's: settings that name tools are checked against its list.
use crate::mcp::registry::{TOOL_NAMES, configure};

/// `serve` settings for a local stage (auth off) unless the test speaks of auth itself.
fn config(mode: Mode, vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let mut map: HashMap<String, String> = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    if mode == Mode::Serve && !map.contains_key("INBOUND_AUTH") && !map.contains_key("OIDC_ISSUER") {
        map.insert("INBOUND_AUTH".into(), "off".into());
    }
    configure(mode, |k| map.get(k).cloned())
}

fn raw(mode: Mode, vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    configure(mode, |k| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| (*v).to_owned()))
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
    let c = config(Mode::Serve, &[("REQUEST_DEADLINE_MS", "1000"), ("IDEMPOTENCY_LEASE_MS", "3000")]).expect("valid");
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
    let writers = |v: &str| config(Mode::Lambda, &[("SAMPLE_DATA", "true"), ("IAM_WRITERS", v)]).map(|c| c.iam_writers);
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
    assert!(config(Mode::Serve, &[("APPSYNC_URL", "http://127.0.0.1:4000/graphql")]).is_err(), "iam needs a region");
    let local = config(Mode::Serve, &[("APPSYNC_URL", "http://127.0.0.1:4000/graphql"), ("AWS_REGION", "us-east-1")]);
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
    for tool in TOOL_NAMES {
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

#[test]
fn every_tool_the_default_limits_name_is_a_tool() {
    for (tool, window, _) in rate_limits::DEFAULTS {
        assert!(tool == rate_limits::ANY_TOOL || TOOL_NAMES.contains(&tool), "DEFAULTS names {tool:?} per {window}");
    }
    // The collection mutations and the paid tool have daily quotas of their own.
    let limits = RateLimits::defaults();
    for (tool, calls) in [("create_collection", 200), ("add_to_collection", 1_000), ("request_email_discovery", 50)] {
        assert_eq!(limits.limit(tool, Window::Day), Some(calls), "{tool}");
    }
}
