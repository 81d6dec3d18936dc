//! The platform's HTTP face (axum): `POST /graphql` (authentication, then faults, then AppSync's
//! request checks and error shapes), the fault admin endpoint, and the identity provider's
//! endpoints (client-credentials token, OpenID discovery, JWKS). [`start`] builds or opens the
//! database and serves on the given address, over HTTP or, with [`Settings::tls`], HTTPS.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use crate::auth::{self, AuthConfig};
use crate::discovery::DiscoverySchedule;
use crate::faults::{FailField, Fault, Faults};
use crate::graphql::{self, PlatformSchema};
use crate::tls::{self, TlsFiles};
use crate::{db, defaults};

/// How to run the platform.
#[derive(Debug, Clone)]
pub struct Settings {
    pub bind: SocketAddr,
    pub db_path: PathBuf,
    pub companies: u64,
    pub seed: u64,
    pub auth: AuthConfig,
    pub progress: bool,
    /// Serve HTTPS with these files (local/test only: [`crate::tls`]); plain HTTP when `None`.
    pub tls: Option<TlsFiles>,
    /// When e-mail discovery requests run and are done, counted from their creation.
    pub discovery_schedule: DiscoverySchedule,
    /// Write the record of each GraphQL request to stdout (`request_log`): the binary does, for
    /// `make run`; an in-process platform in a test does not, into the test's output.
    pub request_log: bool,
}

struct Platform {
    schema: PlatformSchema,
    auth: AuthConfig,
    faults: Arc<Faults>,
    scheme: &'static str,
    request_log: bool,
}

/// A running platform: its address and the handle tests use to inject faults.
pub struct Running {
    pub addr: SocketAddr,
    pub faults: Arc<Faults>,
    pub db: db::Db,
    /// The certificate files when it serves HTTPS.
    pub tls: Option<TlsFiles>,
    /// TLS handshakes completed so far (HTTPS only): how many connections clients opened.
    pub handshakes: Arc<std::sync::atomic::AtomicU64>,
}

impl Running {
    /// Where it answers: `http://127.0.0.1:PORT`, or `https://localhost:PORT` over TLS (the
    /// name the certificate is for, as a client would write it).
    pub fn base_url(&self) -> String {
        match self.tls {
            Some(_) => format!("https://localhost:{}", self.addr.port()),
            None => format!("http://{}", self.addr),
        }
    }
}

/// Build (or open) the database and serve until the process ends.
pub async fn start(settings: Settings) -> anyhow::Result<Running> {
    let (path, companies, seed, progress) =
        (settings.db_path.clone(), settings.companies, settings.seed, settings.progress);
    let db = tokio::task::spawn_blocking(move || db::Db::open(&path, companies, seed, progress)).await??;
    let faults = Arc::new(Faults::default());
    let scheme = if settings.tls.is_some() { "https" } else { "http" };
    let platform = Arc::new(Platform {
        schema: graphql::schema(db.clone(), settings.discovery_schedule),
        auth: settings.auth,
        faults: faults.clone(),
        scheme,
        request_log: settings.request_log,
    });
    let app = Router::new()
        .route("/graphql", post(graphql_endpoint))
        .route("/_admin/faults", post(set_fault).delete(clear_fault))
        .route("/oauth2/token", post(token_endpoint))
        .route("/.well-known/openid-configuration", get(openid_configuration))
        .route("/.well-known/jwks.json", get(|| async { axum::Json(auth::jwks()) }))
        .route("/health", get(|| async { "ok" }))
        .with_state(platform);
    // Built before binding, so a bad certificate is reported without a port half opened.
    let acceptor = settings.tls.as_ref().map(TlsFiles::acceptor).transpose()?;
    let listener = tokio::net::TcpListener::bind(settings.bind).await?;
    let addr = listener.local_addr()?;
    let handshakes = Arc::new(std::sync::atomic::AtomicU64::new(0));
    match acceptor {
        Some(acceptor) => {
            tokio::spawn(tls::serve::https(listener, app, acceptor, tls::HANDSHAKE_TIMEOUT, handshakes.clone()));
        }
        None => {
            tokio::spawn(async move {
                if let Err(e) = axum::serve(listener, app).await {
                    tracing::error!(error = %e, "platform server stopped");
                }
            });
        }
    }
    Ok(Running { addr, faults, db, tls: settings.tls, handshakes })
}

/// The identity provider's client-credentials grant, so the OIDC mode can be exercised end to
/// end: the test client (HTTP Basic) gets an RS256 access token this platform accepts.
async fn token_endpoint(headers: HeaderMap, body: String) -> Response {
    let expected = format!("Basic {}", defaults::OIDC_CLIENT_BASIC);
    let authorized = headers.get("authorization").and_then(|v| v.to_str().ok()) == Some(expected.as_str());
    if !authorized || !body.split('&').any(|kv| kv == "grant_type=client_credentials") {
        return (StatusCode::UNAUTHORIZED, axum::Json(json!({"error": "invalid_client"}))).into_response();
    }
    let token = auth::mint_test_token(
        auth::TEST_PRIVATE_KEY_PEM,
        defaults::OIDC_CLIENT_ID,
        defaults::ISSUER,
        defaults::AUDIENCE,
        3600,
        SystemTime::now(),
    );
    match token {
        Ok(token) => {
            axum::Json(json!({"access_token": token, "token_type": "Bearer", "expires_in": 3600})).into_response()
        }
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// The sign-in's discovery document: MCP clients' tokens are issued by this platform at its own
/// address (as a user pool is, in front of a deployed stage), and the server finds the keys here.
async fn openid_configuration(State(p): State<Arc<Platform>>, headers: HeaderMap) -> Response {
    let host = headers.get("host").and_then(|v| v.to_str().ok()).unwrap_or("127.0.0.1");
    let issuer = format!("{}://{host}", p.scheme);
    axum::Json(json!({
        "issuer": issuer,
        "jwks_uri": format!("{issuer}/.well-known/jwks.json"),
        "token_endpoint": format!("{issuer}/oauth2/token"),
        "id_token_signing_alg_values_supported": ["RS256"],
    }))
    .into_response()
}

/// AppSync's error body: `{"errors": [{"errorType", "message"}]}`.
fn appsync_errors(status: StatusCode, error_type: &str, message: &str) -> Response {
    (status, axum::Json(json!({"errors": [{"errorType": error_type, "message": message}]}))).into_response()
}

async fn set_fault(State(p): State<Arc<Platform>>, axum::Json(fault): axum::Json<Fault>) -> StatusCode {
    if fault.status.is_some_and(|s| !(400..=599).contains(&s)) {
        return StatusCode::UNPROCESSABLE_ENTITY;
    }
    p.faults.set(fault);
    StatusCode::NO_CONTENT
}

async fn clear_fault(State(p): State<Arc<Platform>>) -> StatusCode {
    p.faults.clear();
    StatusCode::NO_CONTENT
}

async fn graphql_endpoint(State(p): State<Arc<Platform>>, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let path = uri.path_and_query().map_or("/graphql", |pq| pq.as_str());
    let identity = match auth::verify(&p.auth, "POST", path, &headers, &body, SystemTime::now()) {
        Ok(identity) => identity,
        Err(e) => return appsync_errors(StatusCode::UNAUTHORIZED, "UnauthorizedException", &e.to_string()),
    };
    // Faults apply to authenticated requests only, so a refused request does not use one up.
    let fault = match headers.get("x-platform-fault").map(|v| Fault::parse_header(v.to_str().unwrap_or(""))) {
        Some(Ok(fault)) => Some(fault),
        Some(Err(e)) => return appsync_errors(StatusCode::BAD_REQUEST, "BadRequestException", &e),
        None => p.faults.next(),
    }
    .unwrap_or_default();
    if let Some(ms) = fault.latency_ms {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    tracing::debug!(?identity, "authenticated");
    if let Some(status) = fault.status {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let error_type =
            if status == StatusCode::TOO_MANY_REQUESTS { "TooManyRequestsException" } else { "InternalFailure" };
        return appsync_errors(status, error_type, "injected fault");
    }
    if fault.malformed {
        return (
            StatusCode::OK,
            [("content-type", "application/json")],
            "{\"data\": {\"searchCompanies\": {\"items\": [",
        )
            .into_response();
    }
    // AppSync answers 400 MalformedHttpRequestException for bodies it cannot read as a query.
    let malformed = |message: &str| appsync_errors(StatusCode::BAD_REQUEST, "MalformedHttpRequestException", message);
    if body.iter().all(u8::is_ascii_whitespace) {
        return malformed("Request body is empty.");
    }
    let request: async_graphql::Request = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(_) => return malformed("Unable to parse GraphQL query."),
    };
    if async_graphql::parser::parse_query(&request.query).is_err() {
        return malformed("Unable to parse GraphQL query.");
    }
    let operation = request.operation_name.clone();
    let request = match fault.resolver_error {
        Some(field) => request.data(FailField(field)),
        None => request,
    };
    let response = p.schema.execute(request).await;
    if p.request_log {
        crate::request_log::record(&headers, operation.as_deref(), StatusCode::OK.as_u16());
    }
    (StatusCode::OK, axum::Json(appsync_shape(&response))).into_response()
}

/// async-graphql's response with each error's `errorType` lifted out of `extensions`, as AppSync
/// reports it. Validation errors (an unknown field, a wrong variable type) carry no errorType in
/// AppSync either.
fn appsync_shape(response: &async_graphql::Response) -> Value {
    let mut body = serde_json::to_value(response).unwrap_or_else(|_| json!({"data": null}));
    if let Some(errors) = body.get_mut("errors").and_then(Value::as_array_mut) {
        for error in errors {
            let error_type = error.pointer("/extensions/errorType").cloned();
            if let Some(obj) = error.as_object_mut() {
                obj.remove("extensions");
                if let Some(error_type) = error_type {
                    obj.insert("errorType".into(), error_type);
                }
            }
        }
    }
    body
}
