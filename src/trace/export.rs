//! OpenTelemetry export over OTLP/HTTP (protobuf), on only where a collector is configured
//! (`OTEL_EXPORTER_OTLP_ENDPOINT`, read by `crate::config`): `serve` beside a collector, or the
//! ADOT collector layer in Lambda (`http://localhost:4318`).
//!
//! The SDK's batch processor queues finished spans and exports them from its own thread; the
//! HTTP request itself runs on the process's tokio runtime through our reqwest stack (the same
//! TLS configuration as every other outbound call, a timeout on each export). In Lambda the
//! process is frozen between invocations, so [`flush`] is called before each answer.
//!
//! Off, this module holds nothing: [`installed`] reads one static that stays empty.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use opentelemetry::InstrumentationScope;
use opentelemetry_http::{HttpClient, HttpError};
use opentelemetry_otlp::{Protocol, WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::{BatchSpanProcessor, SpanData, SpanProcessor};

/// The longest one export may take; a slow collector costs at most this, on the exporter's
/// thread, never on a request.
const EXPORT_TIMEOUT: Duration = Duration::from_secs(5);
/// The longest [`flush`] holds an answer back (Lambda): the collector layer is on localhost.
const FLUSH_TIMEOUT: Duration = Duration::from_secs(2);

static INSTALLED: OnceLock<Exporter> = OnceLock::new();
/// A span was queued since the last [`flush`].
static QUEUED: AtomicBool = AtomicBool::new(false);

/// Where spans go: the batch processor and the scope every span names.
pub struct Exporter {
    processor: BatchSpanProcessor,
    scope: InstrumentationScope,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("OTLP exporter: {0}")]
    Build(String),
    #[error("OTLP export is already installed")]
    AlreadyInstalled,
}

/// What the exporter needs to know.
pub struct Settings<'a> {
    /// The traces endpoint, in full (`…/v1/traces`).
    pub endpoint: &'a str,
    pub service_name: &'a str,
    /// `deployment.environment.name`.
    pub stage: &'a str,
    /// The client for the collector (the process's outbound TLS).
    pub http: reqwest::Client,
    /// The runtime the exports run on.
    pub runtime: tokio::runtime::Handle,
}

/// Install the exporter for this process. Spans started before this are not exported.
pub fn install(settings: Settings<'_>) -> Result<(), ExportError> {
    if INSTALLED.get().is_some() {
        return Err(ExportError::AlreadyInstalled);
    }
    let client = OnTokio { http: settings.http, runtime: settings.runtime };
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpBinary)
        .with_endpoint(settings.endpoint)
        .with_timeout(EXPORT_TIMEOUT)
        .with_http_client(client)
        .build()
        .map_err(|e| ExportError::Build(e.to_string()))?;
    let mut processor = BatchSpanProcessor::builder(exporter).build();
    // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES, as the SDK reads them, over our defaults.
    let named = std::env::var("OTEL_SERVICE_NAME").is_ok_and(|v| !v.trim().is_empty());
    let mut resource = Resource::builder()
        .with_attribute(opentelemetry::KeyValue::new("deployment.environment.name", settings.stage.to_owned()));
    if !named {
        resource = resource.with_service_name(settings.service_name.to_owned());
    }
    processor.set_resource(&resource.build());
    let scope = InstrumentationScope::builder("b2b-mcp").with_version(env!("CARGO_PKG_VERSION")).build();
    INSTALLED.set(Exporter { processor, scope }).map_err(|_| ExportError::AlreadyInstalled)
}

/// The exporter, if one is installed.
pub(crate) fn installed() -> Option<&'static Exporter> {
    INSTALLED.get()
}

impl Exporter {
    pub(crate) fn export(&self, span: SpanData) {
        self.processor.on_end(span);
        QUEUED.store(true, Ordering::Release);
    }

    pub(crate) fn scope(&self) -> &InstrumentationScope {
        &self.scope
    }
}

/// Send what is queued and wait for it, at most [`FLUSH_TIMEOUT`] and at most `limit` (what is
/// left of a Lambda invocation), where the process may be frozen next. A no-op when nothing is
/// installed or nothing was queued since the last flush. The wait happens off the runtime's
/// thread, which stays free to run the export itself.
pub async fn flush(limit: Option<Duration>) {
    let Some(exporter) = installed() else { return };
    if !QUEUED.swap(false, Ordering::AcqRel) {
        return;
    }
    let wait = limit.map_or(FLUSH_TIMEOUT, |limit| limit.min(FLUSH_TIMEOUT));
    let flushed =
        tokio::time::timeout(wait, tokio::task::spawn_blocking(move || exporter.processor.force_flush())).await;
    match flushed {
        Ok(Ok(Ok(()))) => {}
        Ok(Ok(Err(e))) => tracing::warn!(error = %e, "span export failed"),
        Ok(Err(_)) | Err(_) => tracing::warn!("span export did not finish in time"),
    }
}

/// Export the remaining spans at shutdown (`serve`, `stdio`).
pub async fn shutdown() {
    let Some(exporter) = installed() else { return };
    let _ = tokio::task::spawn_blocking(move || exporter.processor.shutdown_with_timeout(FLUSH_TIMEOUT)).await;
}

/// The OTLP exporter's HTTP client: reqwest, run on the process's runtime (the exporter's own
/// thread has none), each request bounded by [`EXPORT_TIMEOUT`].
#[derive(Debug)]
struct OnTokio {
    http: reqwest::Client,
    runtime: tokio::runtime::Handle,
}

#[async_trait]
impl HttpClient for OnTokio {
    async fn send_bytes(&self, request: http::Request<Bytes>) -> Result<http::Response<Bytes>, HttpError> {
        let mut request = reqwest::Request::try_from(request)?;
        *request.timeout_mut() = Some(EXPORT_TIMEOUT);
        let http = self.http.clone();
        let answer = self
            .runtime
            .spawn(async move {
                let response = http.execute(request).await?;
                let status = response.status();
                let body = response.bytes().await?;
                Ok::<_, reqwest::Error>((status, body))
            })
            .await??;
        let mut response = http::Response::new(answer.1);
        *response.status_mut() = answer.0;
        Ok(response)
    }
}
