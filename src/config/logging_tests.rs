//! LOG_LEVEL / RUST_LOG: the filter the server builds, checked line by line against the
//! `EnvFilter` it replaced (with the same caps added), over every target and level that matters.

use tracing::callsite::{Callsite, Identifier};
use tracing::field::FieldSet;
use tracing::metadata::Kind;
use tracing::subscriber::Interest;
use tracing::{Dispatch, Level, Metadata};
use tracing_subscriber::layer::{Layer, SubscriberExt};
use tracing_subscriber::{EnvFilter, Registry};

use super::*;

const TARGETS: [&str; 10] = [
    "b2b_mcp",
    "b2b_mcp::audit",
    "rmcp",
    "rmcp::service",
    "hyper",
    "hyper_util::client",
    "aws_config",
    "aws_sdk_dynamodb",
    "rustls",
    "tokio",
];
const LEVELS: [Level; 5] = [Level::ERROR, Level::WARN, Level::INFO, Level::DEBUG, Level::TRACE];

struct Site;
impl Callsite for Site {
    fn set_interest(&self, _: Interest) {}
    fn metadata(&self) -> &Metadata<'_> {
        unreachable!("the filters under test never ask")
    }
}
static SITE: Site = Site;

/// An event's metadata for `target` at `level` (leaked: a few hundred, in tests).
fn event(target: &str, level: Level) -> &'static Metadata<'static> {
    let target: &'static str = Box::leak(target.to_owned().into_boxed_str());
    let fields = FieldSet::new(&[], Identifier(&SITE));
    Box::leak(Box::new(Metadata::new("event", target, level, None, None, None, fields, Kind::EVENT)))
}

/// Which (target, level) pairs `filter` lets through.
fn lets_through(filter: impl Layer<Registry> + Send + Sync + 'static) -> Vec<(&'static str, Level)> {
    let dispatch = Dispatch::new(Registry::default().with(filter));
    let pairs = TARGETS.iter().flat_map(|t| LEVELS.iter().map(move |l| (*t, *l)));
    pairs.filter(|(t, l)| dispatch.enabled(event(t, *l))).collect()
}

fn from(log_level: Option<&str>, rust_log: Option<&str>) -> Vec<(&'static str, Level)> {
    lets_through(log_filter(|name| match name {
        "LOG_LEVEL" => log_level.map(str::to_owned),
        "RUST_LOG" => rust_log.map(str::to_owned),
        _ => None,
    }))
}

/// What the server did before: EnvFilter from LOG_LEVEL, else RUST_LOG, else info, plus caps.
fn as_env_filter_did(value: Option<&str>) -> Vec<(&'static str, Level)> {
    let mut filter = value.and_then(|v| EnvFilter::try_new(v).ok()).unwrap_or_else(|| EnvFilter::new("info"));
    for (target, level) in CAPS {
        filter = filter.add_directive(format!("{target}={level}").parse().unwrap());
    }
    lets_through(filter)
}

#[test]
fn documented_values_filter_as_env_filter_did() {
    let values = [
        "info",
        "debug",
        "trace",
        "warn",
        "error",
        "off",
        "b2b_mcp=debug",
        "b2b_mcp",
        "warn,b2b_mcp=trace",
        "info,b2b_mcp::audit=off",
        "info,",
        "rmcp=trace",
        "rmcp::service=trace",
        "hyper=trace,info",
        "trace,aws_sdk_dynamodb=warn",
        "4",
    ];
    // Each as written and in capitals (the template sets LOG_LEVEL from Lambda's `INFO`/`DEBUG`).
    for value in values.iter().flat_map(|v| [v.to_string(), v.to_uppercase()]) {
        let value = value.as_str();
        assert_eq!(from(Some(value), None), as_env_filter_did(Some(value)), "LOG_LEVEL={value}");
        assert_eq!(from(None, Some(value)), as_env_filter_did(Some(value)), "RUST_LOG={value}");
    }
    assert_eq!(from(None, None), as_env_filter_did(None));
}

#[test]
fn unset_means_info() {
    let through = from(None, None);
    assert!(through.contains(&("b2b_mcp::audit", Level::INFO)));
    assert!(!through.contains(&("b2b_mcp", Level::DEBUG)));
}

#[test]
fn the_caps_hold_whatever_the_level() {
    for value in ["trace", "rmcp=trace,hyper=trace,aws_config=trace"] {
        let through = from(Some(value), None);
        assert!(!through.contains(&("rmcp", Level::WARN)), "{value}");
        assert!(through.contains(&("rmcp", Level::ERROR)), "{value}");
        assert!(!through.contains(&("hyper", Level::DEBUG)), "{value}");
        assert!(!through.contains(&("hyper_util::client", Level::DEBUG)), "{value}");
        assert!(!through.contains(&("aws_config", Level::DEBUG)), "{value}");
    }
}

#[test]
fn an_unreadable_value_gives_way_to_the_next_source() {
    let debug = from(None, Some("debug"));
    let info = from(None, None);
    // Span and field directives (EnvFilter's, unsupported here), nonsense, blanks.
    for value in
        ["[request]=trace", "b2b_mcp[call{tool=x}]=trace", "b2b_mcp{user=1}", "b2b_mcp=loud", "a=b=c", "", " , "]
    {
        assert_eq!(from(Some(value), Some("debug")), debug, "LOG_LEVEL={value:?}");
        assert_eq!(from(Some(value), Some(value)), info, "both {value:?}");
    }
}
