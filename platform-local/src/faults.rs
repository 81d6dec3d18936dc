//! Fault injection for tests: per request with the `x-platform-fault` header, or for the next N
//! requests (or until cleared) through `POST /_admin/faults` on loopback.
//!
//! Header form: `latency=250,status=503,malformed,resolver_error=searchCompanies`.
//!
//! Latency, statuses and malformed bodies are applied by the HTTP endpoint (`server`); a resolver
//! error by `InjectResolverError`, the GraphQL extension every schema is built with, which fails
//! the top-level field named in the request's `FailField`.

use std::sync::{Arc, Mutex};

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextResolve, ResolveInfo};
use async_graphql::{ServerError, ServerResult, Value as GqlValue};
use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Fault {
    /// Added latency before answering.
    #[serde(default)]
    pub latency_ms: Option<u64>,
    /// Answer with this HTTP status (500, 502, 503, 429) instead of running the request.
    #[serde(default)]
    pub status: Option<u16>,
    /// Answer 200 with a truncated JSON body.
    #[serde(default)]
    pub malformed: bool,
    /// Make this top-level field's resolver fail (AppSync's HTTP 200 with `errors`).
    #[serde(default)]
    pub resolver_error: Option<String>,
    /// How many requests the admin-set fault applies to; absent means until cleared.
    #[serde(default)]
    pub count: Option<u32>,
    /// Apply the admin-set fault to one request in every N (load tests: `10` is 10%).
    #[serde(default)]
    pub every: Option<u32>,
}

impl Fault {
    pub fn parse_header(value: &str) -> Result<Fault, String> {
        let mut fault = Fault::default();
        for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part.split_once('=') {
                Some(("latency", v)) => fault.latency_ms = Some(v.parse().map_err(|_| format!("bad latency {v:?}"))?),
                Some(("status", v)) => {
                    let status = v.parse().ok().filter(|s| (400..=599).contains(s));
                    fault.status = Some(status.ok_or(format!("status must be 400-599, not {v:?}"))?);
                }
                Some(("resolver_error", v)) => fault.resolver_error = Some(v.to_owned()),
                None if part == "malformed" => fault.malformed = true,
                _ => return Err(format!("unknown fault {part:?}")),
            }
        }
        Ok(fault)
    }
}

/// The fault set through the admin endpoint, shared by all requests.
#[derive(Default)]
pub struct Faults {
    current: Mutex<Option<Fault>>,
    seen: std::sync::atomic::AtomicU64,
}

impl Faults {
    pub fn set(&self, fault: Fault) {
        *self.current.lock().unwrap_or_else(|p| p.into_inner()) = Some(fault);
    }

    pub fn clear(&self) {
        *self.current.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// The fault for one request, counting it down.
    pub fn next(&self) -> Option<Fault> {
        let mut current = self.current.lock().unwrap_or_else(|p| p.into_inner());
        let fault = current.clone()?;
        if let Some(every) = fault.every.filter(|n| *n > 1) {
            let n = self.seen.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if !n.is_multiple_of(u64::from(every)) {
                return None;
            }
        }
        match fault.count {
            Some(0) => {
                *current = None;
                None
            }
            Some(n) => {
                if let Some(f) = current.as_mut() {
                    f.count = Some(n - 1);
                }
                Some(fault)
            }
            None => Some(fault),
        }
    }
}

/// The field whose resolver fails for this request.
pub(crate) struct FailField(pub(crate) String);

/// The GraphQL extension that fails a [`FailField`]'s resolver the way AppSync reports a failed
/// Lambda resolver (HTTP 200, `errors` with `errorType: Lambda:Unhandled`); a no-op otherwise.
pub(crate) struct InjectResolverError;

impl ExtensionFactory for InjectResolverError {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(InjectResolverError)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for InjectResolverError {
    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<GqlValue>> {
        let top_level = info.path_node.parent.is_none();
        if top_level
            && let Some(FailField(field)) = ctx.data_opt::<FailField>()
            && info.field.name.node.as_str() == field
        {
            let mut error = ServerError::new("Injected resolver failure", Some(info.field.name.pos));
            error.path = vec![async_graphql::PathSegment::Field(field.clone())];
            let mut extensions = async_graphql::ErrorExtensionValues::default();
            extensions.set("errorType", "Lambda:Unhandled");
            error.extensions = Some(extensions);
            return Err(error);
        }
        next.run(ctx, info).await
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn header_form_parses() {
        let f = Fault::parse_header("latency=250, status=503,malformed,resolver_error=searchCompanies").unwrap();
        assert_eq!(f.latency_ms, Some(250));
        assert_eq!(f.status, Some(503));
        assert!(f.malformed);
        assert_eq!(f.resolver_error.as_deref(), Some("searchCompanies"));
        assert!(Fault::parse_header("explode").is_err());
        assert!(Fault::parse_header("status=200").is_err());
        assert!(Fault::parse_header("status=101").is_err());
    }

    #[test]
    fn every_nth_request_gets_the_fault() {
        let faults = Faults::default();
        faults.set(Fault { status: Some(503), every: Some(10), ..Fault::default() });
        let hit = (0..100).filter(|_| faults.next().is_some()).count();
        assert_eq!(hit, 10);
    }

    #[test]
    fn counted_faults_run_out() {
        let faults = Faults::default();
        faults.set(Fault { status: Some(500), count: Some(2), ..Fault::default() });
        assert!(faults.next().is_some());
        assert!(faults.next().is_some());
        assert!(faults.next().is_none());
    }
}
