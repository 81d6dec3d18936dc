//! `serve`'s HTTP server: the accept loop, and the limits every request meets before the app (and
//! so before authentication, which runs inside the app) sees it.
//!
//! - Headers: a connection that has not sent a complete request head within the header timeout
//!   is closed. This covers a silent connection, a trickled head, and an idle keep-alive
//!   connection. HTTP/1.1 only: with HTTP/2 (prior knowledge, no TLS here) neither the protocol
//!   sniffing nor an open h2 connection is bounded by this timeout.
//! - Body: the whole request body must arrive within the body timeout, counted from the end of
//!   the head. Otherwise the answer is 408 and the connection closes. The body is not buffered
//!   here: a request the app refuses before reading its body (401) is answered at once and holds
//!   nothing.
//! - Concurrency: at most `max_concurrent` requests in the app at once. Over that, 503 with
//!   `Retry-After` at once: a request is shed, never queued, so a crowd of slow clients cannot
//!   build an unbounded line. `/health` is exempt, so a supervisor still sees a live process.
//!
//! - Threads: one accept loop hands connections in turn to one thread per CPU, each running its
//!   own single-threaded runtime; a connection and its requests stay on that thread.
//!
//! Lambda does not use this: API Gateway bounds its requests there.

use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use http_body::{Frame, SizeHint};
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use hyper_util::service::TowerToHyperService;
use serde_json::json;

pub use crate::config::ServeLimits;
use crate::mcp::state::AppState;
use crate::web::router::app;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, mpsc};
use tokio::time::{Instant, Sleep};

const HEALTH_PATH: &str = "/health";

/// `serve`: bind the configured address and serve the app until `shutdown` (Ctrl-C in `main`).
pub async fn listen(state: Arc<AppState>, shutdown: impl Future<Output = ()>) -> std::io::Result<()> {
    let bind = state.config.bind;
    let listener =
        TcpListener::bind(bind).await.map_err(|e| std::io::Error::new(e.kind(), format!("binding {bind}: {e}")))?;
    let url = format!("http://{}{}", listener.local_addr()?, state.config.mcp_path);
    let limits = state.config.serve_limits;
    tracing::info!(
        %url,
        max_concurrent = limits.max_concurrent,
        workers = worker_count(),
        header_timeout_ms = limits.header_timeout.as_millis() as u64,
        body_timeout_ms = limits.body_timeout.as_millis() as u64,
        "serving MCP over HTTP"
    );
    run(listener, app(state), limits, shutdown).await
}

/// Serve `app` on `listener` until `shutdown` completes, then stop accepting and let the open
/// connections finish (idle ones close at once; the limits bound the rest).
///
/// Thread per core: this task only accepts, and hands each connection in turn to one of
/// [`worker_count`] threads, each with its own single-threaded runtime, where the connection and
/// everything its requests spawn (rmcp starts a service of four tasks per stateless request)
/// stay. On tokio's shared pool every one of those spawns woke the other worker to steal it:
/// bench-results/throughput/ has the CPU per request both ways.
pub async fn run(
    listener: TcpListener,
    app: Router,
    limits: ServeLimits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let app = with_limits(app, limits);
    // hyper's HTTP/1 builder itself, not hyper-util's auto builder held to HTTP/1: the same
    // connection (auto serves through this builder), without an HTTP/2 server in the binary.
    let mut builder = http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout);
    let workers = Workers::start(worker_count(), &app, &builder)?;
    let graceful = GracefulShutdown::new();
    let mut shutdown = pin!(shutdown);
    let mut next = 0;
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => stream,
                Err(error) => {
                    accept_failed(error).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Out of this runtime's reactor, into the worker's.
        let stream = match stream.into_std() {
            Ok(stream) => stream,
            Err(error) => {
                tracing::warn!(%error, "a connection could not be handed to a serve worker; closed");
                continue;
            }
        };
        next = (next + 1) % workers.len();
        if let Err((stream, watcher)) = workers.hand(next, stream, graceful.watcher()) {
            // That worker is gone (a bug, short of a panic in the runtime itself): serve here.
            tracing::error!(worker = next, "a serve worker has stopped; serving its connection on the accept thread");
            if let Ok(stream) = TcpStream::from_std(stream) {
                tokio::spawn(serve_connection(builder.clone(), app.clone(), stream, watcher));
            }
        }
    }
    drop(listener);
    graceful.shutdown().await;
    // The connections have ended: closing the channels ends the workers' threads.
    drop(workers);
    Ok(())
}

/// One worker per CPU this process may use (`available_parallelism` reads the cgroup's quota
/// and the affinity mask), at least one.
pub fn worker_count() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

type Handed = (std::net::TcpStream, Watcher);

/// The serve threads, each reading the connections handed to it from its own channel.
struct Workers(Vec<mpsc::UnboundedSender<Handed>>);

impl Workers {
    fn start(count: usize, app: &Router, builder: &http1::Builder) -> std::io::Result<Workers> {
        let mut senders = Vec::with_capacity(count);
        for index in 0..count.max(1) {
            let (sender, receiver) = mpsc::unbounded_channel::<Handed>();
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            let (app, builder) = (app.clone(), builder.clone());
            std::thread::Builder::new()
                .name(format!("serve-{index}"))
                .spawn(move || runtime.block_on(serve_handed(receiver, app, builder)))?;
            senders.push(sender);
        }
        Ok(Workers(senders))
    }

    fn len(&self) -> usize {
        self.0.len()
    }

    /// Give `stream` to worker `index`; back if that worker has stopped.
    fn hand(&self, index: usize, stream: std::net::TcpStream, watcher: Watcher) -> Result<(), Handed> {
        match self.0.get(index) {
            Some(sender) => sender.send((stream, watcher)).map_err(|unsent| unsent.0),
            None => Err((stream, watcher)),
        }
    }
}

/// A worker: serve every connection handed to it, on this thread, until the channel closes.
async fn serve_handed(mut handed: mpsc::UnboundedReceiver<Handed>, app: Router, builder: http1::Builder) {
    while let Some((stream, watcher)) = handed.recv().await {
        match TcpStream::from_std(stream) {
            Ok(stream) => {
                tokio::spawn(serve_connection(builder.clone(), app.clone(), stream, watcher));
            }
            Err(error) => tracing::warn!(%error, "a handed connection could not be registered; closed"),
        }
    }
}

async fn serve_connection(builder: http1::Builder, app: Router, stream: TcpStream, watcher: Watcher) {
    let connection = builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app));
    // A client that goes away or breaks the protocol ends its own connection only.
    if let Err(error) = watcher.watch(connection).await {
        tracing::debug!(%error, "connection ended with an error");
    }
}

/// A failed accept must not end the server. Out of file descriptors (a flood of connections),
/// retrying at once would spin; a peer that reset before we accepted is no reason to wait.
async fn accept_failed(error: std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(error.kind(), ConnectionAborted | ConnectionRefused | ConnectionReset) {
        return;
    }
    tracing::warn!(%error, "accepting a connection failed; retrying in 100 ms");
    tokio::time::sleep(Duration::from_millis(100)).await;
}

/// The app behind the body deadline, behind the concurrency limit (outermost, so a request
/// holds its slot while its body arrives).
pub fn with_limits(app: Router, limits: ServeLimits) -> Router {
    let slots = Arc::new(Slots { semaphore: Semaphore::new(limits.max_concurrent), max: limits.max_concurrent });
    app.layer(middleware::from_fn_with_state(limits.body_timeout, body_deadline))
        .layer(middleware::from_fn_with_state(slots, limit_concurrency))
}

struct Slots {
    semaphore: Semaphore,
    max: usize,
}

async fn limit_concurrency(State(slots): State<Arc<Slots>>, request: Request, next: Next) -> Response {
    if request.uri().path() == HEALTH_PATH {
        return next.run(request).await;
    }
    // Held until the app has answered; dropped with the request if the client goes away.
    let Ok(_slot) = slots.semaphore.try_acquire() else {
        tracing::warn!(max_concurrent = slots.max, "request shed: at the concurrency limit");
        let body = json!({"error": "overloaded",
            "error_description": format!("the server is at its limit of {} concurrent requests; retry shortly", slots.max)});
        return (StatusCode::SERVICE_UNAVAILABLE, [(header::RETRY_AFTER, "1")], axum::Json(body)).into_response();
    };
    next.run(request).await
}

async fn body_deadline(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    let expired = Arc::new(AtomicBool::new(false));
    let deadline = Instant::now() + limit;
    let request =
        request.map(|inner| Body::new(DeadlineBody { inner, deadline, sleep: None, expired: expired.clone() }));
    let response = next.run(request).await;
    if !expired.load(Ordering::Acquire) {
        return response;
    }
    // Whatever the app made of the failed read (the MCP guard says 400), the cause was the
    // client's pace. The rest of the body is never read, so the connection cannot be reused.
    tracing::warn!(body_timeout_ms = limit.as_millis() as u64, "request refused: the body did not arrive in time");
    let body = json!({"error": "request_timeout",
        "error_description": format!("the request body did not arrive within {} ms", limit.as_millis())});
    let mut response = (StatusCode::REQUEST_TIMEOUT, axum::Json(body)).into_response();
    response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive in time")]
struct BodyTimedOut;

/// A request body that fails once `deadline` passes while it is still waiting for the client.
/// A body that is complete (or was never read) never starts the timer.
struct DeadlineBody {
    inner: Body,
    deadline: Instant,
    sleep: Option<Pin<Box<Sleep>>>,
    expired: Arc<AtomicBool>,
}

impl http_body::Body for DeadlineBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = &mut *self;
        if let Poll::Ready(frame) = Pin::new(&mut this.inner).poll_frame(cx) {
            return Poll::Ready(frame);
        }
        let deadline = this.deadline;
        let sleep = this.sleep.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        if sleep.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        this.expired.store(true, Ordering::Release);
        Poll::Ready(Some(Err(axum::Error::new(BodyTimedOut))))
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
