//! Lambda entry: API Gateway (REST v1, HTTP API v2), function URL and ALB events arrive through
//! lambda_http as ordinary HTTP requests and go to the same app as `serve`.

use axum::Router;
use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt, service_fn};
use tower::ServiceExt;

use crate::web::oauth::PathPrefix;

/// REST APIs and named HTTP API stages put the stage in front of the path (`/prod/mcp`); the app
/// routes the path the client meant.
pub fn strip_stage(mut request: Request) -> Request {
    let stage = match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV1(ctx)) => ctx.stage.clone(),
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.stage.clone(),
        _ => None,
    };
    let Some(stage) = stage.filter(|s| s != "$default" && !s.is_empty()) else {
        return request;
    };
    let prefix = format!("/{stage}");
    let uri = request.uri();
    if let Some(rest) = uri.path().strip_prefix(&prefix).filter(|r| r.starts_with('/')) {
        let path_and_query = match uri.query() {
            Some(q) => format!("{rest}?{q}"),
            None => rest.to_owned(),
        };
        let mut parts = uri.clone().into_parts();
        if let Ok(pq) = path_and_query.parse() {
            parts.path_and_query = Some(pq);
            if let Ok(new_uri) = http::Uri::from_parts(parts) {
                *request.uri_mut() = new_uri;
                request.extensions_mut().insert(PathPrefix(prefix));
            }
        }
    }
    request
}

/// Answer one Lambda HTTP event with the app (what `run` does per invocation; tests call it).
/// The call's spans are sent before the answer: after it, the process may be frozen until the
/// next invocation (a no-op unless OTLP export is on).
pub async fn handle(app: Router, request: Request) -> axum::response::Response {
    let deadline_ms = request.extensions().get::<lambda_runtime::Context>().map(|c| c.deadline);
    let response = app.oneshot(strip_stage(request)).await.unwrap_or_else(|never| match never {});
    crate::trace::export::flush(deadline_ms.map(time_left)).await;
    response
}

/// What is left of the invocation ending at `deadline_ms`, less a margin to hand the answer to
/// Lambda: the most the span flush may take.
fn time_left(deadline_ms: u64) -> std::time::Duration {
    let now_ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
    std::time::Duration::from_millis(deadline_ms.saturating_sub(now_ms).saturating_sub(250))
}

/// Serve Lambda invocations until the runtime stops us.
pub async fn run(app: Router) -> Result<(), lambda_http::Error> {
    lambda_http::run(service_fn(move |request: Request| {
        let app = app.clone();
        async move { Ok::<_, lambda_http::Error>(handle(app, request).await) }
    }))
    .await
}
