//! The state every request shares, built once per process (per Lambda cold start, at `serve`
//! start, in a test): the configuration, the offered tools, the backend, the stores, the audit
//! sink and the small per-instance caches. It sits below everything that uses it (the handler,
//! dispatch, resources and the web layer) and knows none of them.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::audit::AuditSink;
use crate::backend::memory::MemoryBackend;
use crate::backend::secrets::SecretSource;
use crate::backend::{BackendError, GraphqlBackend, appsync};
use crate::config::{self, Config};
use crate::inbound::token::TokenVerifier;
use crate::mcp::confirm::Confirmer;
use crate::mcp::registry::Registry;
use crate::outbound::{Outbound, OutboundError};
use crate::store::dynamo::DynamoState;
use crate::store::memory::{LocalRateLimiter, MemoryIdempotency};
use crate::store::{IdempotencyStore, RateLimiter};
use crate::trace::export::{self, ExportError};

/// Everything a request needs, built once per process (per Lambda cold start).
pub struct AppState {
    pub config: Config,
    pub registry: Registry,
    pub backend: Arc<dyn GraphqlBackend>,
    pub limiter: Arc<dyn RateLimiter>,
    /// Mutation idempotency records (shared across instances in DynamoDB).
    pub idempotency: Arc<dyn IdempotencyStore>,
    pub audit: Arc<dyn AuditSink>,
    /// The industry taxonomy as last read (`resources.rs`).
    pub industries: IndustriesCache,
    /// `serve` with INBOUND_AUTH=jwt: checks callers' bearer tokens.
    pub tokens: Option<Arc<TokenVerifier>>,
    /// The person's yes before the calls that need it (CONFIRM_TOOLS).
    pub confirmer: Confirmer,
}

/// The taxonomy, kept per instance for [`INDUSTRIES_TTL`]: it changes rarely, and a resource
/// read has no per-caller limit of its own, so a caller reading it in a loop must not turn each
/// read into a platform call. A hit reads under a short lock and never waits for a fetch; misses
/// fetch one at a time, and those that waited use what the first fetched.
#[derive(Default)]
pub struct IndustriesCache {
    pub(crate) current: std::sync::RwLock<Option<(Instant, Vec<String>)>>,
    pub(crate) fetching: tokio::sync::Mutex<()>,
}

impl IndustriesCache {
    pub(crate) fn fresh(&self) -> Option<Vec<String>> {
        let current = self.current.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        current.as_ref().filter(|(at, _)| at.elapsed() < INDUSTRIES_TTL).map(|(_, list)| list.clone())
    }
}

const INDUSTRIES_TTL: Duration = Duration::from_secs(300);

/// What a process serves with, from its configuration (Lambda init, `serve` and stdio start): the
/// AppSync backend (or the built-in sample when there is no APPSYNC_URL), and the shared DynamoDB
/// stores when the stage has a STATE_TABLE (else in memory), all on one outbound TLS setup and
/// one AWS configuration. Nothing here waits on the network: the backend's and the stores'
/// warm-ups (credentials, the secret, a TLS connection each) start in the background, so the
/// first call finds them ready or fetches them itself, and a slow dependency never holds the start.
pub async fn assemble(config: Config, audit: Arc<dyn AuditSink>) -> Result<Arc<AppState>, AssembleError> {
    let outbound = Outbound::new(config.local_ca_file.as_deref())?;
    if let Some(endpoint) = &config.otlp_traces_endpoint {
        export_spans(endpoint, &config.stage, &outbound)?;
    }
    // The AWS configuration only where something uses it (the sample needs none).
    let aws_used = config.appsync.is_some() || config.state_table.is_some() || config.confirm.key_secret_arn.is_some();
    let sdk = match aws_used {
        false => None,
        true => Some(appsync::sdk_config(&outbound).await),
    };
    let confirm_key = match (&config.confirm.key_secret_arn, &sdk) {
        (Some(arn), Some(sdk)) => Some(confirm_key(&config, sdk, arn)),
        _ => None,
    };
    let confirmer = Confirmer::new(&config.confirm, confirm_key);
    let backend: Arc<dyn GraphqlBackend> = match &config.appsync {
        Some(settings) => Arc::new(appsync::connect(settings, sdk.clone(), &outbound).await?),
        None => Arc::new(MemoryBackend::new()),
    };
    let warm_backend = backend.clone();
    tokio::spawn(async move { warm_backend.warm().await });
    let (Some(table), Some(sdk)) = (config.state_table.clone(), sdk) else {
        let limiter = Arc::new(LocalRateLimiter::new(config.rate_limits.clone()));
        let idempotency = Arc::new(MemoryIdempotency::new(config.idempotency_retention));
        return Ok(build(config, backend, audit, (limiter, idempotency), confirmer));
    };
    let shared = Arc::new(DynamoState::new(
        &sdk,
        config.state_endpoint_url.as_deref(),
        &table,
        config.rate_limits.clone(),
        config.idempotency_retention,
    ));
    let warm_store = shared.clone();
    tokio::spawn(async move { warm_store.warm().await });
    Ok(build(config, backend, audit, (shared.clone(), shared), confirmer))
}

/// The stage's confirmation key in Secrets Manager (the secret's own region, the same endpoint
/// override as the AppSync secret's), read on first use and kept for the instance's life.
fn confirm_key(config: &Config, sdk: &aws_config::SdkConfig, arn: &str) -> SecretSource {
    const KEEP: Duration = Duration::from_secs(12 * 3600);
    let endpoint = config.appsync.as_ref().and_then(|a| a.secrets_endpoint_url.as_deref());
    SecretSource::new(sdk, appsync::secret_region(arn), endpoint, arn, KEEP)
}

/// Spans to the OTLP collector from here on (once per process: a second assembly, in tests,
/// keeps the first exporter).
fn export_spans(endpoint: &str, stage: &str, outbound: &Outbound) -> Result<(), AssembleError> {
    let http = outbound
        .http()
        .connect_timeout(Duration::from_secs(1))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| ExportError::Build(e.to_string()))?;
    let settings =
        export::Settings { endpoint, service_name: "b2b-mcp", stage, http, runtime: tokio::runtime::Handle::current() };
    match export::install(settings) {
        Ok(()) | Err(ExportError::AlreadyInstalled) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Why a process cannot be assembled: its CA file, its backend settings or its span exporter.
#[derive(Debug, thiserror::Error)]
pub enum AssembleError {
    #[error(transparent)]
    Outbound(#[from] OutboundError),
    #[error(transparent)]
    Backend(#[from] BackendError),
    #[error(transparent)]
    Trace(#[from] ExportError),
}

/// Build the process-wide state once (Lambda init, `serve` start, a test), with in-memory rate
/// limits and idempotency records (one instance's view).
pub fn build_state(config: Config, backend: Arc<dyn GraphqlBackend>, audit: Arc<dyn AuditSink>) -> Arc<AppState> {
    let limiter = Arc::new(LocalRateLimiter::new(config.rate_limits.clone()));
    let idempotency = Arc::new(MemoryIdempotency::new(config.idempotency_retention));
    build_state_with(config, backend, audit, limiter, idempotency)
}

/// The same with given stores (DynamoDB on a deployed stage; wrappers in tests).
pub fn build_state_with(
    config: Config,
    backend: Arc<dyn GraphqlBackend>,
    audit: Arc<dyn AuditSink>,
    limiter: Arc<dyn RateLimiter>,
    idempotency: Arc<dyn IdempotencyStore>,
) -> Arc<AppState> {
    let confirmer = Confirmer::new(&config.confirm, None);
    build(config, backend, audit, (limiter, idempotency), confirmer)
}

fn build(
    config: Config,
    backend: Arc<dyn GraphqlBackend>,
    audit: Arc<dyn AuditSink>,
    (limiter, idempotency): (Arc<dyn RateLimiter>, Arc<dyn IdempotencyStore>),
    confirmer: Confirmer,
) -> Arc<AppState> {
    let registry = Registry::from_config(&config);
    let tokens = match (&config.inbound_auth, &config.oidc) {
        (config::InboundAuth::Jwt, Some(oidc)) => {
            Some(Arc::new(TokenVerifier::new(oidc.clone(), verifier_http(&config))))
        }
        _ => None,
    };
    let industries = Default::default();
    Arc::new(AppState { config, registry, backend, limiter, idempotency, audit, industries, tokens, confirmer })
}

/// The HTTP client builder for the token verifier, on the outbound TLS. `assemble` has already
/// refused a bad CA file; a state built without it (a test) with a bad file falls back to
/// reqwest's own TLS on the system roots, which trusts less, never more.
fn verifier_http(config: &Config) -> reqwest::ClientBuilder {
    match Outbound::new(config.local_ca_file.as_deref()) {
        Ok(outbound) => outbound.http(),
        Err(e) => {
            tracing::error!(error = %e, "LOCAL_CA_FILE unusable; the token verifier trusts the system roots only");
            reqwest::Client::builder()
        }
    }
}

/// Names of the tools this deployment lists, in order.
pub fn listed_tools(state: &AppState) -> Vec<&'static str> {
    state.registry.tools().iter().map(|t| t.name).collect()
}
