//! A fake Lambda Runtime API in the bench's process: it hands a function the bench's events one
//! by one (`/next`), and records when the function polled and when it answered each.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tokio::sync::Notify;

/// What the Runtime API saw during one process's life.
#[derive(Default)]
pub struct Run {
    events: VecDeque<String>,
    /// When the function asked for each event (the first: the end of its init).
    pub polls: Vec<Instant>,
    /// When it answered each event, and the answer.
    pub answers: Vec<(Instant, String)>,
    pub error: Option<String>,
}

/// One per process, on its own port: a process that was killed right after its last answer
/// may already have sent its next poll, and a shared Runtime API could hand it the next
/// process's first event (that process then waited for an event that never came).
#[derive(Clone)]
pub struct Runtime {
    pub run: Arc<Mutex<Run>>,
    pub answered: Arc<Notify>,
    pub addr: String,
    server: Arc<Server>,
}

/// The server's task, stopped with the last clone of its [`Runtime`].
struct Server(Option<tokio::task::AbortHandle>);

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(task) = self.0.take() {
            task.abort();
        }
    }
}

impl Runtime {
    pub async fn start() -> Runtime {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let mut rt =
            Runtime { run: Arc::default(), answered: Arc::new(Notify::new()), addr, server: Arc::new(Server(None)) };
        let app = axum::Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route("/2018-06-01/runtime/invocation/{id}/response", post(response))
            .route("/2018-06-01/runtime/invocation/{id}/error", post(invocation_error))
            .route("/2018-06-01/runtime/init/error", post(error))
            .with_state(rt.clone());
        let task = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        rt.server = Arc::new(Server(Some(task.abort_handle())));
        rt
    }

    /// A new process is about to start: these are its events.
    pub fn reset(&self, events: impl IntoIterator<Item = String>) {
        *self.run.lock().unwrap() = Run { events: events.into_iter().collect(), ..Run::default() };
    }

    /// Wait until `n` answers (or an error) arrived, at most `limit`.
    pub async fn wait_answers(&self, n: usize, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        loop {
            let notified = self.answered.notified();
            {
                let run = self.run.lock().unwrap();
                if run.answers.len() >= n || run.error.is_some() {
                    return true;
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if tokio::time::timeout(left, notified).await.is_err() {
                return false;
            }
        }
    }

    pub fn take(&self) -> Run {
        std::mem::take(&mut *self.run.lock().unwrap())
    }
}

async fn next(State(rt): State<Runtime>) -> Response {
    let event = {
        let mut run = rt.run.lock().unwrap();
        run.polls.push(Instant::now());
        run.events.pop_front()
    };
    let Some(event) = event else {
        // No more events for this process: the poll waits until the process is killed.
        std::future::pending::<()>().await;
        unreachable!()
    };
    let deadline =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap() + Duration::from_secs(30);
    let mut headers = HeaderMap::new();
    headers.insert("lambda-runtime-aws-request-id", uuid::Uuid::new_v4().to_string().parse().unwrap());
    headers.insert("lambda-runtime-deadline-ms", deadline.as_millis().to_string().parse().unwrap());
    headers.insert(
        "lambda-runtime-invoked-function-arn",
        "arn:aws:lambda:us-east-1:123456789012:function:b2b-mcp-bench".parse().unwrap(),
    );
    headers.insert("lambda-runtime-trace-id", "Root=1-00000000-000000000000000000000000".parse().unwrap());
    headers.insert("content-type", "application/json".parse().unwrap());
    (headers, event).into_response()
}

async fn response(State(rt): State<Runtime>, UrlPath(_id): UrlPath<String>, body: String) -> StatusCode {
    rt.run.lock().unwrap().answers.push((Instant::now(), body));
    rt.answered.notify_waiters();
    StatusCode::ACCEPTED
}

async fn error(State(rt): State<Runtime>, body: String) -> StatusCode {
    rt.run.lock().unwrap().error = Some(body);
    rt.answered.notify_waiters();
    StatusCode::ACCEPTED
}

async fn invocation_error(rt: State<Runtime>, _id: UrlPath<String>, body: String) -> StatusCode {
    error(rt, body).await
}
