//! The AppSync client behind [`GraphqlBackend`]: one HTTP POST per operation, authenticated by
//! [`Authenticator`], answers and faults mapped to [`BackendError`].
//!
//! Retry policy: AppSync's own `UnauthorizedException` (HTTP 401) is retried once with newer
//! credentials (AppSync rejected the request before running it, so this is safe even for
//! mutations); credentials are fetched anew for that at most once per few seconds
//! ([`super::cache::REFRESH_INTERVAL`]). Any other 401 or 403 (a WAF, a proxy) is answered as
//! [`BackendError::Forbidden`] with no refetch: new credentials would not change it. Reads are
//! retried once after a jittered pause on 429 and 5xx; mutations are never repeated after they
//! may have run.
//!
//! Redirects are never followed (a 3xx is an error): following one would send the API key or
//! the session token to whatever host it names, possibly over plain http.
//!
//! Each attempt carries the call's trace ([`crate::trace::current`]) as `traceparent` and
//! `X-Amzn-Trace-Id` (neither is signed: SigV4 leaves `x-amzn-trace-id` out, and a header added
//! after signing is not covered), and is a client span of its own.

use std::time::Duration;

use async_trait::async_trait;
use rand::Rng;
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::{AuthHeaders, Authenticator};
use super::{BackendError, GraphqlBackend, Operation, OperationKind};
use crate::outbound::Outbound;
use crate::trace::span::{Kind, Span};
use crate::trace::{self, CallTrace};

pub struct AppSyncBackend {
    http: reqwest::Client,
    url: reqwest::Url,
    auth: Authenticator,
    attempt_timeout: Duration,
    /// Held while [`GraphqlBackend::warm`] runs. A call that comes meanwhile (a Lambda function's
    /// first: its event is waiting when init ends) waits for the warm-up's connection instead of
    /// opening a second one beside it: a second TLS handshake was 15% of the instructions a cold
    /// start spent to its first answer (benches/cold_start, callgrind). It waits [`WARM_WAIT`]
    /// at most: a warm-up held up by a slow AppSync or Secrets Manager does not hold the call.
    warming: tokio::sync::Mutex<()>,
    /// Set once the warm-up has ended: later calls skip the lock.
    warmed: std::sync::atomic::AtomicBool,
}

/// The longest a call waits for the warm-up in flight before it connects on its own: a TLS
/// handshake to AppSync takes a few milliseconds in-region, a warm-up longer than this is stuck.
const WARM_WAIT: Duration = Duration::from_secs(1);

#[derive(Deserialize)]
struct GraphqlAnswer {
    #[serde(default)]
    data: Option<Value>,
    #[serde(default)]
    errors: Vec<GraphqlError>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GraphqlError {
    #[serde(default)]
    error_type: Option<String>,
}

impl AppSyncBackend {
    /// `http` should come from [`http_client`] (no redirects, https only): the policy is the
    /// client's, so a client built elsewhere keeps its own.
    pub fn new(http: reqwest::Client, url: reqwest::Url, auth: Authenticator, attempt_timeout: Duration) -> Self {
        AppSyncBackend {
            http,
            url,
            auth,
            attempt_timeout,
            warming: tokio::sync::Mutex::new(()),
            warmed: std::sync::atomic::AtomicBool::new(false),
        }
    }

    async fn attempt(
        &self,
        operation: &Operation,
        body: &bytes::Bytes,
        headers: AuthHeaders,
    ) -> Result<Value, BackendError> {
        // A span of its own only when it is exported: the platform's parent is then a span the
        // collector has; else the tool run's, which the audit line names.
        let call = match trace::current() {
            Some(trace) if Span::would_record(&trace.span) => trace.child(),
            Some(trace) => trace,
            None => CallTrace::new_trace(),
        };
        let mut span = self.span(operation, &call);
        let result = self.send(body, headers, &call, &mut span).await;
        if let Err(e) = &result {
            span.fail(error_type(e));
        }
        result
    }

    async fn send(
        &self,
        body: &bytes::Bytes,
        headers: AuthHeaders,
        call: &CallTrace,
        span: &mut Span,
    ) -> Result<Value, BackendError> {
        let mut request = self
            .http
            .post(self.url.clone())
            .timeout(self.attempt_timeout)
            .header("content-type", "application/json")
            // Bytes: a retry re-sends the same buffer without copying it.
            .body(body.clone());
        for (name, value) in headers.into_iter().chain(call.outbound_headers()) {
            request = request.header(name, value);
        }
        let response = request.send().await.map_err(|e| self.transport_error(e))?;
        let status = response.status();
        span.set("http.response.status_code", i64::from(status.as_u16()));
        let error_type = response.headers().get("x-amzn-errortype").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let bytes = response.bytes().await.map_err(|e| self.transport_error(e))?;
        classify(status.as_u16(), error_type.as_deref(), &bytes)
    }

    /// The attempt's client span (OpenTelemetry's GraphQL and HTTP conventions); the operation's
    /// name and type, never its variables.
    fn span(&self, operation: &Operation, call: &CallTrace) -> Span {
        let kind = match operation.kind {
            OperationKind::Query => "query",
            OperationKind::Mutation => "mutation",
        };
        let mut span = Span::start(Kind::Client, || format!("{kind} {}", operation.name).into(), &call.span, false);
        if span.is_recording() {
            span.set("graphql.operation.type", kind);
            span.set("graphql.operation.name", operation.name);
            span.set("http.request.method", "POST");
            span.set("server.address", self.url.host_str().unwrap_or_default().to_owned());
        }
        span
    }

    fn transport_error(&self, e: reqwest::Error) -> BackendError {
        if e.is_timeout() {
            BackendError::Timeout(self.attempt_timeout)
        } else {
            BackendError::Unavailable(format!("transport: {}", causes(&e.without_url())))
        }
    }
}

/// An error and its causes, `a: b: c`: reqwest's own text ("error sending request") says nothing
/// of why, and the cause (connection refused, an unknown certificate issuer) is what an operator
/// needs. None of the layers below reqwest puts a header or a body in its message.
pub(crate) fn causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let more = cause.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = cause.source();
    }
    text
}

/// What an AppSync answer means. AppSync reports resolver errors as HTTP 200 with `errors`,
/// and auth failures as 401 with `errorType: UnauthorizedException` (in the body and in the
/// `x-amzn-ErrorType` header).
fn classify(status: u16, error_type: Option<&str>, body: &[u8]) -> Result<Value, BackendError> {
    match status {
        401 | 403 if is_unauthorized_exception(error_type, body) => return Err(BackendError::Unauthorized),
        401 | 403 => return Err(BackendError::Forbidden(status)),
        300..=399 => return Err(BackendError::Unavailable(format!("HTTP {status}: redirect not followed"))),
        429 => return Err(BackendError::Throttled),
        500..=599 => return Err(BackendError::Unavailable(format!("HTTP {status}"))),
        200..=299 => {}
        other => return Err(BackendError::Graphql(format!("HTTP {other}"))),
    }
    let answer: GraphqlAnswer = serde_json::from_slice(body)
        .map_err(|e| BackendError::Malformed(format!("not a GraphQL response ({} bytes): {e}", body.len())))?;
    if let Some(first) = answer.errors.first() {
        // Only the error type is kept: AppSync's messages can quote variable values (user text).
        // An UnauthorizedException inside a 200 is field-level authorization, which fresh
        // credentials do not change, so it is not retried (and a mutation may already have run).
        let kind: String = first.error_type.as_deref().unwrap_or("unknown").chars().take(64).collect();
        if kind.contains("Throttl") || kind.contains("TooManyRequests") {
            return Err(BackendError::Throttled);
        }
        return Err(BackendError::Graphql(format!("{} error(s), first of type {kind}", answer.errors.len())));
    }
    match answer.data {
        Some(data) if data.is_object() => Ok(data),
        _ => Err(BackendError::Malformed("GraphQL response without data".into())),
    }
}

/// A failed attempt's `error.type`: the class of fault, no message (messages can quote values).
fn error_type(error: &BackendError) -> &'static str {
    match error {
        BackendError::Timeout(_) => "timeout",
        BackendError::Throttled => "throttled",
        BackendError::Unavailable(_) => "unavailable",
        BackendError::Unauthorized => "unauthorized",
        BackendError::Forbidden(_) => "forbidden",
        BackendError::Malformed(_) => "malformed",
        BackendError::Graphql(_) => "graphql_error",
        BackendError::Credentials(_) => "credentials",
    }
}

/// AppSync's own rejection of our credentials, as opposed to a WAF's or a proxy's.
fn is_unauthorized_exception(error_type: Option<&str>, body: &[u8]) -> bool {
    const KIND: &str = "UnauthorizedException";
    if error_type.is_some_and(|t| t.trim_start().starts_with(KIND)) {
        return true;
    }
    serde_json::from_slice::<GraphqlAnswer>(body)
        .is_ok_and(|answer| answer.errors.iter().any(|e| e.error_type.as_deref() == Some(KIND)))
}

/// 100-400 ms: long enough for a throttle to ease, short against a 20 s deadline, and
/// randomised so instances retrying together do not hit AppSync in lockstep.
fn jittered_pause() -> Duration {
    Duration::from_millis(rand::rng().random_range(100..=400))
}

/// Build the client from configuration, with the process's outbound TLS. No network call here:
/// credentials, secrets and tokens are fetched on first use, or ahead of it by
/// [`GraphqlBackend::warm`] during init.
///
/// `sdk` is the process's AWS configuration (its HTTP client from `outbound`); `None` loads the
/// default chain (tests pass fixed credentials).
pub async fn connect(
    config: &crate::config::AppsyncConfig,
    sdk: Option<aws_config::SdkConfig>,
    outbound: &Outbound,
) -> Result<AppSyncBackend, BackendError> {
    use crate::config::AppsyncAuth;
    let url = reqwest::Url::parse(&config.url).map_err(|e| BackendError::Unavailable(format!("APPSYNC_URL: {e}")))?;
    let http = http_client(&url, outbound)?;
    let sdk = match sdk {
        Some(sdk) => sdk,
        None => sdk_config(outbound).await,
    };
    let auth = match config.auth {
        AppsyncAuth::Iam => {
            let provider = sdk
                .credentials_provider()
                .ok_or_else(|| BackendError::Credentials("no AWS credentials provider".into()))?;
            let region = config.region.clone().unwrap_or_default();
            Authenticator::Iam { region, provider, cached: Default::default() }
        }
        AppsyncAuth::ApiKey | AppsyncAuth::Oidc => {
            let arn = config.secret_arn.as_deref().unwrap_or_default();
            // The secret's own region first: a stage may keep it elsewhere than the function.
            let region = secret_region(arn).or_else(|| config.region.clone());
            let endpoint = config.secrets_endpoint_url.as_deref();
            let secret = super::secrets::SecretSource::new(&sdk, region, endpoint, arn, config.secret_ttl);
            match config.auth {
                AppsyncAuth::ApiKey => Authenticator::ApiKey { secret },
                _ => Authenticator::Oidc { secret, http: http.clone(), token: Default::default() },
            }
        }
    };
    Ok(AppSyncBackend::new(http, url, auth, config.attempt_timeout))
}

/// The HTTP client for AppSync and the token endpoint: no redirects, and https only unless the
/// URL is plain http on loopback (the local platform; anything else is refused). With an https
/// URL the client cannot speak plain http at all, so an http token endpoint is refused too.
pub fn http_client(url: &reqwest::Url, outbound: &Outbound) -> Result<reqwest::Client, BackendError> {
    let host = url.host_str().unwrap_or_default();
    let loopback = host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    let https = match url.scheme() {
        "https" => true,
        "http" if loopback => false,
        _ => return Err(BackendError::Unavailable("APPSYNC_URL must be https (plain http only on loopback)".into())),
    };
    outbound
        .http()
        .connect_timeout(Duration::from_secs(2))
        .pool_idle_timeout(Duration::from_secs(60))
        .redirect(reqwest::redirect::Policy::none())
        .https_only(https)
        .build()
        .map_err(|e| BackendError::Unavailable(format!("HTTP client: {e}")))
}

/// The process's AWS configuration (credentials chain, region from the environment), on the
/// outbound TLS: loaded once at start and shared by Secrets Manager, DynamoDB and SigV4.
///
/// Where the environment holds keys and a region (always on Lambda), they are named outright:
/// the default chains would pick the same ones first, but building them (IMDS, web identity,
/// ECS and SSO clients) was a tenth of a cold start's CPU in a profile (docs/benchmarks.md).
pub async fn sdk_config(outbound: &Outbound) -> aws_config::SdkConfig {
    let set = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest()).http_client(outbound.aws());
    if set("AWS_ACCESS_KEY_ID").is_some() && set("AWS_SECRET_ACCESS_KEY").is_some() {
        loader = loader.credentials_provider(aws_config::environment::EnvironmentVariableCredentialsProvider::new());
    }
    if let Some(region) = set("AWS_REGION").or_else(|| set("AWS_DEFAULT_REGION")) {
        loader = loader.region(aws_config::Region::new(region));
    }
    loader.load().await
}

/// `arn:aws:secretsmanager:<region>:<account>:secret:<name>` names its region.
pub(crate) fn secret_region(arn: &str) -> Option<String> {
    let mut parts = arn.split(':');
    (parts.next() == Some("arn")).then_some(())?;
    let region = parts.nth(2)?;
    (!region.is_empty()).then(|| region.to_owned())
}

/// Marks the warm-up ended when dropped: when it returns, fails, panics or is cancelled.
struct WarmEnded<'a>(&'a std::sync::atomic::AtomicBool);

impl Drop for WarmEnded<'_> {
    fn drop(&mut self) {
        self.0.store(true, std::sync::atomic::Ordering::Release);
    }
}

#[async_trait]
impl GraphqlBackend for AppSyncBackend {
    async fn warm(&self) {
        let _warming = self.warming.lock().await;
        let _ended = WarmEnded(&self.warmed);
        let started = std::time::Instant::now();
        // Credentials (or the secret, or a token) and a pooled TLS connection, side by side.
        // The connection is opened with OPTIONS (a CORS preflight: no operation, nothing run, no
        // credentials sent); the first POST reuses it.
        let credentials = self.auth.headers(&self.url, b"", None, self.attempt_timeout);
        let connection =
            self.http.request(reqwest::Method::OPTIONS, self.url.clone()).timeout(self.attempt_timeout).send();
        let (credentials, connection) = tokio::join!(credentials, connection);
        let elapsed_ms = started.elapsed().as_millis() as u64;
        match (credentials, connection) {
            (Ok(_), Ok(_)) => tracing::debug!(elapsed_ms, "AppSync warmed: credentials and a connection ready"),
            (credentials, connection) => tracing::info!(
                elapsed_ms,
                credentials = credentials.err().map(|e| e.to_string()),
                connection = connection.err().map(|e| causes(&e.without_url())),
                "AppSync warm-up incomplete; the first call fetches what is missing"
            ),
        }
    }

    async fn execute(&self, operation: &Operation, variables: Value) -> Result<Value, BackendError> {
        let body = json!({"query": operation.document, "operationName": operation.name, "variables": variables});
        let body = bytes::Bytes::from(serde_json::to_vec(&body).map_err(|e| BackendError::Malformed(e.to_string()))?);
        let (mut refreshed, mut retried) = (false, false);
        let mut rejected = None;
        if !self.warmed.load(std::sync::atomic::Ordering::Acquire) {
            let _ = tokio::time::timeout(WARM_WAIT, self.warming.lock()).await;
        }
        loop {
            let signed = self.auth.headers(&self.url, &body, rejected.take(), self.attempt_timeout).await?;
            match self.attempt(operation, &body, signed.headers).await {
                Err(BackendError::Unauthorized) if !refreshed => {
                    tracing::info!(operation = operation.name, "AppSync rejected our credentials; trying newer ones");
                    refreshed = true;
                    rejected = Some(signed.generation);
                }
                Err(e @ (BackendError::Throttled | BackendError::Unavailable(_)))
                    if operation.kind == OperationKind::Query && !retried =>
                {
                    tracing::warn!(operation = operation.name, error = %e, "retrying read once");
                    retried = true;
                    tokio::time::sleep(jittered_pause()).await;
                }
                other => return other,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_classified() {
        let unauthorized = br#"{"errors": [{"errorType": "UnauthorizedException", "message": "no"}]}"#;
        assert!(matches!(classify(401, None, unauthorized), Err(BackendError::Unauthorized)));
        let header = Some("UnauthorizedException:http://internal.amazon.com/coral/com.amazonaws.deepdish/");
        assert!(matches!(classify(401, header, b""), Err(BackendError::Unauthorized)));
        // Not AppSync's own rejection: a WAF page, another error type, an empty 401.
        assert!(matches!(classify(403, None, b"<html>Request blocked</html>"), Err(BackendError::Forbidden(403))));
        let other = br#"{"errors": [{"errorType": "AccessDeniedException"}]}"#;
        assert!(matches!(classify(403, Some("AccessDeniedException"), other), Err(BackendError::Forbidden(403))));
        assert!(matches!(classify(401, None, b""), Err(BackendError::Forbidden(401))));
        assert!(matches!(classify(307, None, b""), Err(BackendError::Unavailable(m)) if m.contains("redirect")));
        assert!(matches!(classify(429, None, b""), Err(BackendError::Throttled)));
        assert!(matches!(classify(503, None, b"<html>"), Err(BackendError::Unavailable(_))));
        assert!(matches!(classify(400, None, b"{}"), Err(BackendError::Graphql(_))));
        assert!(matches!(classify(200, None, b"{not json"), Err(BackendError::Malformed(_))));
        assert!(matches!(classify(200, None, br#"{"data": null}"#), Err(BackendError::Malformed(_))));
        let errors = br#"{"data": null, "errors": [{"errorType": "Lambda:Unhandled", "message": "boom"}]}"#;
        assert!(matches!(classify(200, None, errors), Err(BackendError::Graphql(m)) if m.contains("Lambda:Unhandled")));
        assert!(
            matches!(classify(200, None, unauthorized), Err(BackendError::Graphql(_))),
            "field-level: not retried with new credentials"
        );
        let quoted =
            br#"{"errors": [{"errorType": "BadRequest", "message": "Variable 'query' has value 'my secret'"}]}"#;
        assert!(matches!(classify(200, None, quoted), Err(BackendError::Graphql(m)) if !m.contains("secret")));
        assert_eq!(classify(200, None, br#"{"data": {"x": 1}}"#).ok(), Some(json!({"x": 1})));
    }

    #[test]
    fn plain_http_only_on_loopback() {
        let outbound = Outbound::new(None).unwrap();
        for ok in [
            "https://abc.appsync-api.eu-west-1.amazonaws.com/graphql",
            "http://127.0.0.1:9/graphql",
            "http://[::1]:9/graphql",
            "http://localhost:9/graphql",
        ] {
            assert!(http_client(&reqwest::Url::parse(ok).unwrap(), &outbound).is_ok(), "{ok}");
        }
        for refused in
            ["http://abc.appsync-api.eu-west-1.amazonaws.com/graphql", "http://10.0.0.1/graphql", "ftp://127.0.0.1/x"]
        {
            assert!(http_client(&reqwest::Url::parse(refused).unwrap(), &outbound).is_err(), "{refused}");
        }
    }

    #[test]
    fn secret_arn_names_its_region() {
        assert_eq!(
            secret_region("arn:aws:secretsmanager:eu-west-1:123456789012:secret:appsync-key-AbCdEf"),
            Some("eu-west-1".into())
        );
        assert_eq!(secret_region("appsync-key"), None);
    }

    #[test]
    fn pause_is_jittered_within_bounds() {
        let pauses: Vec<Duration> = (0..50).map(|_| jittered_pause()).collect();
        assert!(pauses.iter().all(|p| (100..=400).contains(&p.as_millis())));
        assert!(pauses.iter().any(|p| *p != pauses[0]), "not all equal");
    }
}
