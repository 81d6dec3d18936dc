//! LOG_LEVEL (else RUST_LOG, else `info`): which log lines the server writes, and the caps that
//! keep payloads out of the logs whatever it says.
//!
//! A value is comma-separated directives, each a level (`debug`), a `target=level`
//! (`b2b_mcp=debug`) or a bare target (all its levels): the part of tracing's `EnvFilter` syntax
//! the server documents, and for such values the same filter (logging_tests.rs compares them).
//! It is built as tracing-subscriber's `Targets`, which needs no regex engine; `EnvFilter`
//! brought one for its span and field directives (`[span]`, `{field=value}`), and with it
//! 231,417 bytes of the arm64 Lambda zip. A value with those, or anything else that is not
//! directives, is unreadable and the next source applies, as when `EnvFilter` could not read it.
//! So does an empty value, which `EnvFilter` read as a filter letting nothing through.

use tracing_subscriber::filter::{LevelFilter, Targets};

/// These libraries log whole requests at debug/trace (tool arguments, headers); rmcp logs three
/// lines per stateless request at info and every error answer, with the caller's text in it, at
/// warn. Whatever level an operator picks, payloads and per-request noise never reach CloudWatch.
/// (A directive naming a module below one of these, `rmcp::service=trace`, is the operator's
/// explicit choice and wins, as it did under `EnvFilter`.)
const CAPS: [(&str, LevelFilter); 12] = [
    ("rmcp", LevelFilter::ERROR),
    ("hyper", LevelFilter::INFO),
    ("hyper_util", LevelFilter::INFO),
    ("h2", LevelFilter::INFO),
    ("tower", LevelFilter::INFO),
    ("lambda_runtime", LevelFilter::INFO),
    ("lambda_http", LevelFilter::INFO),
    ("reqwest", LevelFilter::INFO),
    ("aws_config", LevelFilter::INFO),
    ("aws_smithy_runtime", LevelFilter::INFO),
    ("aws_sdk_secretsmanager", LevelFilter::INFO),
    ("aws_sigv4", LevelFilter::INFO),
];

/// The filter for this process's logs, from `get` (the environment in `main`).
pub fn log_filter(get: impl Fn(&str) -> Option<String>) -> Targets {
    let read = |name: &str| get(name).as_deref().and_then(directives);
    let filter = read("LOG_LEVEL")
        .or_else(|| read("RUST_LOG"))
        .unwrap_or_else(|| Targets::new().with_default(LevelFilter::INFO));
    filter.with_targets(CAPS)
}

/// A LOG_LEVEL or RUST_LOG value as directives, or `None` when it holds none or anything else
/// (unreadable).
pub fn directives(value: &str) -> Option<Targets> {
    let mut filter = Targets::new();
    let mut any = false;
    for directive in value.split(',').map(str::trim).filter(|d| !d.is_empty()) {
        filter = match directive.split_once('=') {
            Some((target, level)) => filter.with_target(target_name(target)?, level.parse::<LevelFilter>().ok()?),
            None => match directive.parse::<LevelFilter>() {
                Ok(level) => filter.with_default(level),
                Err(_) => filter.with_target(target_name(directive)?, LevelFilter::TRACE),
            },
        };
        any = true;
    }
    any.then_some(filter)
}

/// A module path (`b2b_mcp::audit`) or a crate name as tracing records it; nothing with brackets,
/// braces or spaces, which `EnvFilter` read as span and field directives.
fn target_name(target: &str) -> Option<&str> {
    let ok =
        !target.is_empty() && target.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | ':' | '-' | '.'));
    ok.then_some(target)
}

#[cfg(test)]
#[path = "logging_tests.rs"]
mod tests;
