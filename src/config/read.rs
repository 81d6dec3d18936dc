//! Reading one setting: the shared parsers (booleans, positive numbers, milliseconds, comma lists,
//! URLs) and the one error every setting fails with.

use std::time::Duration;

use super::error::ConfigError;

pub(super) fn invalid(name: &'static str, value: &str, expected: impl Into<String>) -> ConfigError {
    ConfigError::Invalid { name, value: value.to_owned(), expected: expected.into() }
}

pub(super) fn parse_bool(name: &'static str, value: Option<String>, default: bool) -> Result<bool, ConfigError> {
    match value.as_deref().map(str::trim) {
        None | Some("") => Ok(default),
        Some(v) if v.eq_ignore_ascii_case("true") || v == "1" => Ok(true),
        Some(v) if v.eq_ignore_ascii_case("false") || v == "0" => Ok(false),
        Some(v) => Err(invalid(name, v, "true or false")),
    }
}

pub(super) fn positive(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: u64,
) -> Result<u64, ConfigError> {
    match get(name).as_deref().map(str::trim) {
        None | Some("") => Ok(default),
        Some(v) => v.parse::<u64>().ok().filter(|n| *n > 0).ok_or_else(|| invalid(name, v, "a positive integer")),
    }
}

pub(super) fn millis(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: u64,
) -> Result<Duration, ConfigError> {
    positive(get, name, default).map(Duration::from_millis)
}

pub(super) fn comma_list(value: Option<String>) -> Vec<String> {
    value.unwrap_or_default().split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

/// https, or plain http on a loopback host (the local platform).
pub(super) fn secure_or_loopback(url: &str) -> bool {
    let Ok(parsed) = reqwest::Url::parse(url) else { return false };
    match parsed.scheme() {
        "https" => true,
        "http" => matches!(parsed.host_str(), Some("127.0.0.1" | "localhost" | "[::1]")),
        _ => false,
    }
}
