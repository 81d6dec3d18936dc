//! The stateless Streamable HTTP app shared by Lambda and `serve`: rmcp's service does the
//! protocol (both eras, header checks, Host/Origin, 405, 415); the guard in front of it limits
//! the body (413), refuses unsupported version headers (-32022), and turns the few answers MCP
//! clients expect as JSON-RPC into JSON-RPC. A caller must be identified first: in `serve` mode
//! with `INBOUND_AUTH=jwt` by a bearer token, in Lambda by the gateway's authorizer (unless the
//! stage allows anonymous reads); otherwise 401 pointing at the RFC 9728 metadata (served here
//! too), audited as denied.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::Router;
use axum::extract::Request;
use axum::middleware::{self};
use axum::response::IntoResponse;
use axum::routing::get;
use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use serde_json::json;

use super::authenticate::{authenticate, require_gateway_identity};
use super::guard::guard;
use super::oauth::{METADATA_PATH, protected_resource_metadata};
use crate::config::InboundAuth;
use crate::mcp::handler::McpServer;
use crate::mcp::state::AppState;

/// The MCP endpoint for internal integrations (API Gateway's IAM-authorized route).
pub const INTERNAL_PREFIX: &str = "/internal";

/// The HTTP app: the MCP endpoint at the configured path (and under `/internal` for the IAM
/// route), the protected-resource metadata, and `/health`.
pub fn app(state: Arc<AppState>) -> Router {
    let config = &state.config;
    let mut http = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        .with_sse_keep_alive(None)
        .with_max_request_body_bytes(config.max_body_bytes)
        .with_allowed_origins(config.allowed_origins.clone())
        // An Origin that is not listed is refused even when the list is empty (the spec's MUST).
        .enforce_origin_validation();
    http = if config.allowed_hosts.is_empty() {
        http.disable_allowed_hosts()
    } else {
        http.with_allowed_hosts(config.allowed_hosts.clone())
    };
    let max_body = config.max_body_bytes;
    let path = config.mcp_path.clone();
    let metadata_state = state.clone();
    let auth_state = state.clone();
    // One handler, with what the server says about itself built once; each request gets a clone.
    let server = McpServer::new(state);
    let service =
        StreamableHttpService::new(move || Ok(server.clone()), Arc::new(NeverSessionManager::default()), http);
    let service = Shared(Arc::new(service));
    let mut mcp = Router::new()
        .route_service(&path, service.clone())
        .route_service(&format!("{INTERNAL_PREFIX}{path}"), service)
        .layer(middleware::from_fn_with_state(max_body, guard));
    let anonymous_refused =
        auth_state.config.inbound_auth == InboundAuth::Gateway && !auth_state.config.allow_anonymous_reads;
    if auth_state.tokens.is_some() {
        mcp = mcp.layer(middleware::from_fn_with_state(auth_state, authenticate));
    } else if anonymous_refused {
        mcp = mcp.layer(middleware::from_fn_with_state(auth_state, require_gateway_identity));
    }
    mcp.route("/health", get(health)).merge(
        Router::new()
            .route(METADATA_PATH, get(protected_resource_metadata))
            .route(&format!("{METADATA_PATH}{path}"), get(protected_resource_metadata))
            .with_state(metadata_state),
    )
}

/// rmcp's service behind an `Arc`. axum clones a route's service for every request, and rmcp's
/// own `Service::call` clones it again, with its configuration (the Host and Origin lists);
/// [`StreamableHttpService::handle`], which `call` runs, needs only `&self`.
#[derive(Clone)]
struct Shared(Arc<StreamableHttpService<McpServer, NeverSessionManager>>);

impl tower::Service<Request> for Shared {
    type Response = http::Response<BoxBody<Bytes, Infallible>>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let service = self.0.clone();
        Box::pin(async move { Ok(service.handle(request).await) })
    }
}

async fn health() -> impl IntoResponse {
    axum::Json(json!({"status": "ok"}))
}
