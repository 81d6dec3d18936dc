//! `serve`'s bounds on slow and numerous clients (src/web/serve.rs applies them).

use std::time::Duration;

use super::error::ConfigError;
use super::read::{invalid, millis};

/// How much `serve` lets clients hold (docs/configuration.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServeLimits {
    /// Requests in the app at once (`SERVE_MAX_CONCURRENT`).
    pub max_concurrent: usize,
    /// Time to send a complete request head (`SERVE_HEADER_TIMEOUT_MS`).
    pub header_timeout: Duration,
    /// Time to send the whole body once the head is in (`SERVE_BODY_TIMEOUT_MS`).
    pub body_timeout: Duration,
}

impl Default for ServeLimits {
    fn default() -> Self {
        ServeLimits {
            max_concurrent: 256,
            header_timeout: Duration::from_secs(5),
            body_timeout: Duration::from_secs(10),
        }
    }
}

/// Semaphore permits are capped (tokio's `MAX_PERMITS`); a setting this large is a typo anyway.
pub const MAX_CONCURRENT_LIMIT: usize = 1_000_000;

/// `serve`'s bounds on slow and numerous clients (src/web/serve.rs). Read in every mode, so a typo
/// fails the start wherever it is made; only `serve` uses them.
pub(super) fn serve_limits_from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<ServeLimits, ConfigError> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, ConfigError, Mode};
    use std::time::Duration;

    fn limits(vars: &[(&str, &str)]) -> Result<ServeLimits, ConfigError> {
        let get = |k: &str| match k {
            "INBOUND_AUTH" => Some("off".to_owned()),
            _ => vars.iter().find(|(n, _)| *n == k).map(|(_, v)| (*v).to_owned()),
        };
        Config::from_lookup(Mode::Serve, get).map(|c| c.serve_limits)
    }

    #[test]
    fn limits_default_and_are_validated() {
        assert_eq!(limits(&[]).unwrap(), ServeLimits::default());
        let set = [("SERVE_MAX_CONCURRENT", "3"), ("SERVE_HEADER_TIMEOUT_MS", "250"), ("SERVE_BODY_TIMEOUT_MS", "750")];
        let expected = ServeLimits {
            max_concurrent: 3,
            header_timeout: Duration::from_millis(250),
            body_timeout: Duration::from_millis(750),
        };
        assert_eq!(limits(&set).unwrap(), expected);
        for (name, bad) in [
            ("SERVE_MAX_CONCURRENT", "0"),
            ("SERVE_MAX_CONCURRENT", "1000001"),
            ("SERVE_MAX_CONCURRENT", "many"),
            ("SERVE_HEADER_TIMEOUT_MS", "0"),
            ("SERVE_BODY_TIMEOUT_MS", "-5"),
        ] {
            let err = limits(&[(name, bad)]).unwrap_err();
            assert!(matches!(&err, ConfigError::Invalid { name: n, .. } if *n == name), "{name}={bad}: {err}");
        }
    }
}
