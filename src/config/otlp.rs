//! Where spans go, from the standard OpenTelemetry variables (the SDK specification's names and
//! rules), so a collector set up for any OpenTelemetry program works here unchanged:
//! `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is the full URL; else `OTEL_EXPORTER_OTLP_ENDPOINT` is
//! the base and `/v1/traces` is appended; `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none`
//! turn export off. Only OTLP over HTTP with protobuf is spoken (the ADOT Lambda layer and every
//! collector accept it on 4318); a `grpc` protocol setting is refused rather than sent to the
//! wrong port.

use super::error::ConfigError;
use super::read::invalid;

/// The traces endpoint, or `None` when no collector is configured.
pub(super) fn traces_endpoint(get: &impl Fn(&str) -> Option<String>) -> Result<Option<String>, ConfigError> {
    let set = |name: &str| get(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    if set("OTEL_SDK_DISABLED").is_some_and(|v| v.eq_ignore_ascii_case("true"))
        || set("OTEL_TRACES_EXPORTER").is_some_and(|v| v.eq_ignore_ascii_case("none"))
    {
        return Ok(None);
    }
    for name in ["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"] {
        if let Some(protocol) = set(name) {
            if protocol != "http/protobuf" {
                return Err(invalid(name, &protocol, "http/protobuf (OTLP over HTTP, port 4318)"));
            }
            break;
        }
    }
    let (name, endpoint) = match (set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"), set("OTEL_EXPORTER_OTLP_ENDPOINT")) {
        (Some(full), _) => ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", full),
        (None, Some(base)) => ("OTEL_EXPORTER_OTLP_ENDPOINT", format!("{}/v1/traces", base.trim_end_matches('/'))),
        (None, None) => return Ok(None),
    };
    let url = reqwest::Url::parse(&endpoint).ok().filter(|u| matches!(u.scheme(), "http" | "https") && u.has_host());
    if url.is_none() {
        // Shown up to any `@`: a URL with credentials in it keeps them out of the error.
        let shown = endpoint.split('@').next().unwrap_or_default();
        return Err(invalid(name, shown, "an http(s) URL of an OTLP collector, e.g. http://localhost:4318"));
    }
    Ok(Some(endpoint))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(vars: &[(&str, &str)]) -> Result<Option<String>, ConfigError> {
        traces_endpoint(&|name: &str| vars.iter().find(|(n, _)| *n == name).map(|(_, v)| v.to_string()))
    }

    #[test]
    fn off_unless_a_collector_is_named() {
        assert_eq!(endpoint(&[]).unwrap(), None);
        assert_eq!(endpoint(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "  ")]).unwrap(), None);
    }

    #[test]
    fn the_base_gets_the_traces_path_and_the_signal_endpoint_is_verbatim() {
        let base = [("OTEL_EXPORTER_OTLP_ENDPOINT", "http://localhost:4318/")];
        assert_eq!(endpoint(&base).unwrap().as_deref(), Some("http://localhost:4318/v1/traces"));
        let both = [base[0], ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "https://otel.example/custom")];
        assert_eq!(endpoint(&both).unwrap().as_deref(), Some("https://otel.example/custom"));
    }

    #[test]
    fn the_standard_off_switches_win() {
        let base = ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://localhost:4318");
        assert_eq!(endpoint(&[base, ("OTEL_SDK_DISABLED", "TRUE")]).unwrap(), None);
        assert_eq!(endpoint(&[base, ("OTEL_TRACES_EXPORTER", "none")]).unwrap(), None);
    }

    #[test]
    fn grpc_and_non_urls_are_refused_by_name() {
        let base = ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://localhost:4318");
        let grpc = endpoint(&[base, ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")]).unwrap_err().to_string();
        assert!(grpc.contains("OTEL_EXPORTER_OTLP_PROTOCOL") && grpc.contains("http/protobuf"), "{grpc}");
        let signal =
            [base, ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"), ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf")];
        assert!(endpoint(&signal).is_ok(), "the signal's own setting wins");
        let bad = endpoint(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "localhost:4318")]).unwrap_err().to_string();
        assert!(bad.contains("OTEL_EXPORTER_OTLP_ENDPOINT"), "{bad}");
    }
}
