//! Support for the tests and benchmarks that run the platform, or a process beside it, on
//! loopback: a temporary platform whose SQLite files are removed when it is dropped, a free port
//! for a child process to bind, and the waits for a port to open or close.
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

use crate::auth::Mode;
use crate::{Running, Settings, defaults};

/// How often a wait tries the port again.
const POLL: Duration = Duration::from_millis(20);

/// Companies and seed of [`TempPlatform::start`]: small enough to build in a moment, large enough
/// that every filter the tests use finds something.
pub const COMPANIES: u64 = 3000;
pub const SEED: u64 = 7;

static DATABASES: AtomicU32 = AtomicU32::new(0);

/// A running platform on a loopback port with a database of its own in the temporary directory,
/// whose files (the database and its WAL) are removed when this is dropped.
pub struct TempPlatform {
    running: Running,
    db_path: PathBuf,
}

impl TempPlatform {
    /// [`COMPANIES`] companies from [`SEED`], with the test credentials of [`defaults`] for the
    /// given auth modes.
    pub async fn start(modes: &[Mode]) -> anyhow::Result<TempPlatform> {
        TempPlatform::start_with(modes, COMPANIES, SEED).await
    }

    /// The same with another size or seed.
    pub async fn start_with(modes: &[Mode], companies: u64, seed: u64) -> anyhow::Result<TempPlatform> {
        let n = DATABASES.fetch_add(1, Ordering::Relaxed);
        let db_path = std::env::temp_dir().join(format!("b2b-platform-{}-{n}.sqlite", std::process::id()));
        remove_database(&db_path);
        let settings = Settings {
            bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            db_path: db_path.clone(),
            companies,
            seed,
            auth: defaults::auth_config(modes),
            progress: false,
        };
        // Whatever happens, the files go: an error here drops nothing that would remove them.
        match crate::start(settings).await {
            Ok(running) => Ok(TempPlatform { running, db_path }),
            Err(e) => {
                remove_database(&db_path);
                Err(e)
            }
        }
    }

    /// The platform's GraphQL endpoint, as AppSync's URL.
    pub fn graphql_url(&self) -> String {
        format!("http://{}/graphql", self.running.addr)
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
