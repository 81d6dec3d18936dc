//! Reverse proxies in front of moto: one counts Secrets Manager GetSecretValue calls (and can
//! stall them, to play a Secrets Manager that does not answer), one hands moto one request at a
//! time, as DynamoDB applies each conditional write atomically.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::any;

/// A reverse proxy that counts Secrets Manager GetSecretValue calls on their way to `upstream`,
/// and can hold them (`stall`) to play a Secrets Manager that does not answer.
#[derive(Clone)]
pub struct CountingProxy {
    pub url: String,
    count: Arc<Mutex<usize>>,
    stall: Arc<Mutex<Duration>>,
}

impl CountingProxy {
    pub async fn start(upstream: &str) -> CountingProxy {
        let count = Arc::new(Mutex::new(0));
        let stall = Arc::new(Mutex::new(Duration::ZERO));
        let url = start_proxy(upstream, count.clone(), stall.clone(), None).await;
        CountingProxy { url, count, stall }
    }

    pub fn get_secret_value_calls(&self) -> usize {
        *self.count.lock().unwrap()
    }

    /// Hold every later GetSecretValue this long before forwarding it (counted on arrival).
    pub fn stall(&self, delay: Duration) {
        *self.stall.lock().unwrap() = delay;
    }
}

/// A reverse proxy that hands `upstream` (moto) one request at a time.
///
/// moto's server answers on several threads and does not apply a conditional write atomically:
/// 20 concurrent `UpdateItem ... if calls < 5` once let 9 through in CI. DynamoDB evaluates each
/// condition atomically, per item. Behind this proxy the clients still race each other in our
/// code, over their own connections, and moto then applies their writes one by one, as DynamoDB
/// would: an atomicity test checks our use of conditional writes, not moto's threading.
#[derive(Clone)]
pub struct SerialProxy {
    pub url: String,
}

impl SerialProxy {
    pub async fn start(upstream: &str) -> SerialProxy {
        let gate = Arc::new(tokio::sync::Mutex::new(()));
        let (count, stall) = (Arc::new(Mutex::new(0)), Arc::new(Mutex::new(Duration::ZERO)));
        SerialProxy { url: start_proxy(upstream, count, stall, Some(gate)).await }
    }
}

/// Forward every request to `upstream`, counting GetSecretValue calls in `count` (holding each
/// for `stall`); with `gate`, one request at a time (held from sending the request until its
/// answer is read).
async fn start_proxy(
    upstream: &str,
    count: Arc<Mutex<usize>>,
    stall: Arc<Mutex<Duration>>,
    gate: Option<Arc<tokio::sync::Mutex<()>>>,
) -> String {
    let http = reqwest::Client::new();
    let upstream = upstream.to_owned();
    let app = Router::new().fallback(any(move |req: axum::extract::Request| {
        let (http, upstream, counter, stall, gate) =
            (http.clone(), upstream.clone(), count.clone(), stall.clone(), gate.clone());
        async move {
            let (parts, body) = req.into_parts();
            let body = axum::body::to_bytes(body, usize::MAX).await.unwrap();
            let target = parts.headers.get("x-amz-target").and_then(|v| v.to_str().ok()).unwrap_or("");
            if target.ends_with("GetSecretValue") {
                *counter.lock().unwrap() += 1;
                let stall = *stall.lock().unwrap();
                tokio::time::sleep(stall).await;
            }
            let url = format!("{upstream}{}", parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/"));
            let mut forward = http.request(parts.method.clone(), url).body(body);
            for (name, value) in parts.headers.iter().filter(|(n, _)| *n != "host") {
                forward = forward.header(name, value);
            }
            let _turn = match &gate {
                Some(gate) => Some(gate.lock().await),
                None => None,
            };
            match forward.send().await {
                Ok(answer) => {
                    let status = answer.status();
                    let headers = answer.headers().clone();
                    let bytes = answer.bytes().await.unwrap_or_default();
                    let mut response = (status, bytes).into_response();
                    for (name, value) in
                        headers.iter().filter(|(n, _)| *n != "content-length" && *n != "transfer-encoding")
                    {
                        response.headers_mut().insert(name, value.clone());
                    }
                    response
                }
                Err(_) => StatusCode::BAD_GATEWAY.into_response(),
            }
        }
    }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}
