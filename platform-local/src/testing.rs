//! Support for the tests and benchmarks that run the platform, or a process beside it, on
//! loopback: a temporary platform whose SQLite files (and certificate files, over HTTPS) are
//! removed when it is dropped, a TLS front for any plain server (moto's AWS stand-ins), a free
//! port for a child process to bind, and the waits for a port to open or close.
//!
//! One copy for `b2b-mcp`'s tests (`tests/app`, `tests/e2e`) and its benches, which all have
//! this crate as a dev-dependency. Failures are returned, not panicked on: a test says what it was
//! waiting for with `expect`, a benchmark passes them on with `?`.

use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use tokio::net::TcpStream as AsyncTcpStream;
use tokio::task::{JoinHandle, JoinSet};

use crate::auth::Mode;
use crate::discovery::DiscoverySchedule;
use crate::tls::{self, TlsFiles};
use crate::{Running, Settings, defaults};

/// How often a wait tries the port again.
const POLL: Duration = Duration::from_millis(20);

/// Companies and seed of [`TempPlatform::start`]: small enough to build in a moment, large enough
/// that every filter the tests use finds something.
pub const COMPANIES: u64 = 3000;
pub const SEED: u64 = 7;

static DATABASES: AtomicU32 = AtomicU32::new(0);

/// A running platform on a loopback port with a database of its own in the temporary directory,
/// whose files (the database and its WAL; over HTTPS, its certificate directory) are removed
/// when this is dropped.
pub struct TempPlatform {
    running: Running,
    db_path: PathBuf,
    tls_dir: Option<PathBuf>,
}

impl TempPlatform {
    /// [`COMPANIES`] companies from [`SEED`], with the test credentials of [`defaults`] for the
    /// given auth modes.
    pub async fn start(modes: &[Mode]) -> anyhow::Result<TempPlatform> {
        TempPlatform::start_with(modes, COMPANIES, SEED).await
    }

    /// The same with another size or seed.
    pub async fn start_with(modes: &[Mode], companies: u64, seed: u64) -> anyhow::Result<TempPlatform> {
        TempPlatform::launch(modes, companies, seed, false, DiscoverySchedule::default()).await
    }

    /// [`Self::start`] with e-mail discovery requests progressing on `schedule` (a fast one, so
    /// a test sees a request through to COMPLETED).
    pub async fn start_with_schedule(modes: &[Mode], schedule: DiscoverySchedule) -> anyhow::Result<TempPlatform> {
        TempPlatform::launch(modes, COMPANIES, SEED, false, schedule).await
    }

    /// Over HTTPS (local/test only), with a CA and certificate of its own: [`Self::graphql_url`]
    /// is `https://localhost:PORT/graphql`, and a client trusts [`Self::ca_file`].
    pub async fn start_tls(modes: &[Mode]) -> anyhow::Result<TempPlatform> {
        TempPlatform::start_tls_with(modes, COMPANIES, SEED).await
    }

    /// The same with another size or seed.
    pub async fn start_tls_with(modes: &[Mode], companies: u64, seed: u64) -> anyhow::Result<TempPlatform> {
        TempPlatform::launch(modes, companies, seed, true, DiscoverySchedule::default()).await
    }

    async fn launch(
        modes: &[Mode],
        companies: u64,
        seed: u64,
        https: bool,
        discovery_schedule: DiscoverySchedule,
    ) -> anyhow::Result<TempPlatform> {
        let n = DATABASES.fetch_add(1, Ordering::Relaxed);
        let name = format!("b2b-platform-{}-{n}", std::process::id());
        let db_path = std::env::temp_dir().join(format!("{name}.sqlite"));
        let tls_dir = https.then(|| std::env::temp_dir().join(format!("{name}-tls")));
        let remove = |db_path: &Path, tls_dir: Option<&Path>| {
            remove_database(db_path);
            if let Some(dir) = tls_dir {
                let _ = std::fs::remove_dir_all(dir);
            }
        };
        remove(&db_path, tls_dir.as_deref());
        let started = async {
            let tls = match tls_dir.clone() {
                Some(dir) => Some(tokio::task::spawn_blocking(move || TlsFiles::load_or_create(dir)).await??),
                None => None,
            };
            let settings = Settings {
                bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
                db_path: db_path.clone(),
                companies,
                seed,
                auth: defaults::auth_config(modes),
                progress: false,
                tls,
                discovery_schedule,
                request_log: false,
            };
            crate::start(settings).await
        };
        // Whatever happens, the files go: an error here drops nothing that would remove them.
        match started.await {
            Ok(running) => Ok(TempPlatform { running, db_path, tls_dir }),
            Err(e) => {
                remove(&db_path, tls_dir.as_deref());
                Err(e)
            }
        }
    }

    /// The platform's GraphQL endpoint, as AppSync's URL: `http://127.0.0.1:PORT/graphql`, or
    /// `https://localhost:PORT/graphql` over HTTPS.
    pub fn graphql_url(&self) -> String {
        format!("{}/graphql", self.running.base_url())
    }

    /// Over HTTPS, the CA certificate a client is to trust (the MCP server's `LOCAL_CA_FILE`).
    pub fn ca_file(&self) -> Option<PathBuf> {
        self.running.tls.as_ref().map(TlsFiles::ca_file)
    }

    /// Over HTTPS, the certificate files (to put a [`TlsFront`] under the same CA).
    pub fn tls_files(&self) -> Option<&TlsFiles> {
        self.running.tls.as_ref()
    }

    /// TLS handshakes the platform has completed (0 over plain HTTP): the connections its
    /// clients opened.
    pub fn tls_handshakes(&self) -> u64 {
        self.running.handshakes.load(Ordering::Relaxed)
    }

    pub fn db_path(&self) -> &Path {
        &self.db_path
    }
}

impl Deref for TempPlatform {
    type Target = Running;
    fn deref(&self) -> &Running {
        &self.running
    }
}

impl Drop for TempPlatform {
    fn drop(&mut self) {
        remove_database(&self.db_path);
        if let Some(dir) = &self.tls_dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// A TLS front for a plain server on loopback (moto's Secrets Manager and DynamoDB, or anything
/// else): it listens on a free loopback port with the certificate of `tls`, completes each
/// client's handshake (bounded by a timeout) and copies the bytes both ways to `upstream`. ALPN
/// offers `http/1.1` only, so an HTTP client speaks HTTP/1.1 through it. Dropping it stops it,
/// with the connections it carries.
pub struct TlsFront {
    pub addr: SocketAddr,
    task: JoinHandle<()>,
}

impl TlsFront {
    /// With the platform's handshake timeout ([`tls::HANDSHAKE_TIMEOUT`]).
    pub async fn start(upstream: SocketAddr, tls: &TlsFiles) -> anyhow::Result<TlsFront> {
        TlsFront::start_with_timeout(upstream, tls, tls::HANDSHAKE_TIMEOUT).await
    }

    pub async fn start_with_timeout(
        upstream: SocketAddr,
        tls: &TlsFiles,
        handshake_timeout: Duration,
    ) -> anyhow::Result<TlsFront> {
        let acceptor = tls.acceptor()?;
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            // Aborting this task drops the set, which aborts every connection in it.
            let mut connections = JoinSet::new();
            loop {
                let client = match listener.accept().await {
                    Ok((client, _peer)) => {
                        // No Nagle delay on either leg (see tls::serve).
                        let _ = client.set_nodelay(true);
                        client
                    }
                    Err(error) => {
                        tls::serve::accept_failed(error).await;
                        continue;
                    }
                };
                while connections.try_join_next().is_some() {}
                let acceptor = acceptor.clone();
                connections.spawn(async move {
                    let Some(mut client) = tls::serve::handshake(&acceptor, client, handshake_timeout).await else {
                        return;
                    };
                    match AsyncTcpStream::connect(upstream).await {
                        Ok(mut server) => {
                            let _ = server.set_nodelay(true);
                            let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                        }
                        Err(error) => tracing::warn!(%error, %upstream, "TLS front: the upstream refused"),
                    }
                });
            }
        });
        Ok(TlsFront { addr, task })
    }

    /// `https://localhost:PORT`, the name the certificate is for.
    pub fn url(&self) -> String {
        format!("https://localhost:{}", self.addr.port())
    }
}

impl Drop for TlsFront {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn remove_database(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

/// A loopback port nothing listens on now, for a child process to bind (another process could
/// take it in between; on a test machine none does).
pub fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?.local_addr()?.port())
}

fn timed_out(port: u16, what: &str, timeout: Duration) -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, format!("127.0.0.1:{port} {what} within {timeout:?}"))
}

/// Wait until something accepts connections on 127.0.0.1:`port`, for at most `timeout`.
pub async fn wait_for_port(port: u16, timeout: Duration) -> io::Result<()> {
    wait_for_listener(port, timeout, || None).await
}

/// The same, for a process that is to listen there: `exited` is asked before every try, and
/// when it says the process has gone (with what to report: its status, its log) the wait ends
/// at once with that as the error.
pub async fn wait_for_listener(
    port: u16,
    timeout: Duration,
    mut exited: impl FnMut() -> Option<String>,
) -> io::Result<()> {
    let started = Instant::now();
    loop {
        if let Some(report) = exited() {
            return Err(io::Error::other(report));
        }
        if tokio::net::TcpStream::connect((Ipv4Addr::LOCALHOST, port)).await.is_ok() {
            return Ok(());
        }
        if started.elapsed() >= timeout {
            return Err(timed_out(port, "did not accept connections", timeout));
        }
        tokio::time::sleep(POLL).await;
    }
}

/// [`wait_for_listener`] without an async runtime (a benchmark's or a helper's plain thread).
pub fn wait_for_listener_blocking(
    port: u16,
    timeout: Duration,
    mut exited: impl FnMut() -> Option<String>,
) -> io::Result<()> {
    let started = Instant::now();
    loop {
        if let Some(report) = exited() {
            return Err(io::Error::other(report));
        }
        if TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok() {
            return Ok(());
        }
        if started.elapsed() >= timeout {
            return Err(timed_out(port, "did not accept connections", timeout));
        }
        std::thread::sleep(POLL);
    }
}

/// Wait until nothing accepts connections on 127.0.0.1:`port` any more (a server shutting down).
pub async fn wait_for_port_closed(port: u16, timeout: Duration) -> io::Result<()> {
    let started = Instant::now();
    while tokio::net::TcpStream::connect((Ipv4Addr::LOCALHOST, port)).await.is_ok() {
        if started.elapsed() >= timeout {
            return Err(timed_out(port, "still accepted connections", timeout));
        }
        tokio::time::sleep(POLL).await;
    }
    Ok(())
}

#[cfg(test)]
#[path = "testing_tests.rs"]
mod tests;
#[cfg(test)]
#[path = "testing_tls_tests.rs"]
mod tls_tests;
