//! HTTPS's accept loop: each connection's TLS handshake runs in its own task and is bounded in
//! time, then the connection is served HTTP/1.1 by hyper with its header-read timeout (30 s), so
//! neither a silent client nor a slow one holds a task for ever. The plain-HTTP platform uses
//! `axum::serve`; this is the same app behind TLS.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

/// Serve `app` over TLS on `listener` until the task is aborted, counting completed handshakes.
pub(crate) async fn https(
    listener: TcpListener,
    app: Router,
    acceptor: TlsAcceptor,
    handshake_timeout: Duration,
    handshakes: Arc<AtomicU64>,
) {
    let mut http1 = hyper::server::conn::http1::Builder::new();
    http1.timer(TokioTimer::new());
    loop {
        let tcp = match listener.accept().await {
            Ok((tcp, _peer)) => {
                // An answer goes out as several TLS records; with Nagle on, the last waits for the
                // client's delayed ACK (40 ms on Linux), as no AppSync answer does.
                let _ = tcp.set_nodelay(true);
                tcp
            }
            Err(error) => {
                accept_failed(error).await;
                continue;
            }
        };
        let (acceptor, app, http1, handshakes) = (acceptor.clone(), app.clone(), http1.clone(), handshakes.clone());
        tokio::spawn(async move {
            let Some(tls) = handshake(&acceptor, tcp, handshake_timeout).await else { return };
            handshakes.fetch_add(1, Ordering::Relaxed);
            let connection = http1.serve_connection(TokioIo::new(tls), TowerToHyperService::new(app));
            if let Err(error) = connection.await {
                tracing::debug!(%error, "HTTPS connection ended with an error");
            }
        });
    }
}

/// The server side of a TLS handshake, or `None` (logged at debug) if it fails or takes longer
/// than `timeout`: the connection is then dropped.
pub(crate) async fn handshake(
    acceptor: &TlsAcceptor,
    tcp: TcpStream,
    timeout: Duration,
) -> Option<TlsStream<TcpStream>> {
    match tokio::time::timeout(timeout, acceptor.accept(tcp)).await {
        Ok(Ok(tls)) => Some(tls),
        Ok(Err(error)) => {
            tracing::debug!(%error, "TLS handshake failed");
            None
        }
        Err(_) => {
            tracing::debug!(?timeout, "TLS handshake timed out");
            None
        }
    }
}

/// A failed accept must not end the loop. Out of file descriptors, retrying at once would spin;
/// a peer that reset before it was accepted is no reason to wait.
pub(crate) async fn accept_failed(error: std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(error.kind(), ConnectionAborted | ConnectionRefused | ConnectionReset) {
        return;
    }
    tracing::warn!(%error, "accepting a connection failed; retrying in 100 ms");
    tokio::time::sleep(Duration::from_millis(100)).await;
}
