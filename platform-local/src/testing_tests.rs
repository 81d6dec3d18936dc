//! The test support's own tests: the waits end as they say, and a temporary platform leaves no
//! files behind.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::ErrorKind;
use std::net::TcpListener;
use std::time::{Duration, Instant};

use super::*;

const SHORT: Duration = Duration::from_millis(200);

#[tokio::test]
async fn a_wait_ends_once_the_port_listens_and_once_it_closes() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    wait_for_port(port, SHORT).await.unwrap();
    wait_for_listener_blocking(port, SHORT, || None).unwrap();
    let closed = wait_for_port_closed(port, SHORT).await.unwrap_err();
    assert_eq!(closed.kind(), ErrorKind::TimedOut, "{closed}");
    drop(listener);
    wait_for_port_closed(port, SHORT).await.unwrap();
}

#[tokio::test]
async fn a_port_nobody_opens_times_out_with_the_port_in_the_error() {
    let port = free_port().unwrap();
    let started = Instant::now();
    let error = wait_for_port(port, SHORT).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::TimedOut);
    assert!(error.to_string().contains(&format!("127.0.0.1:{port}")), "{error}");
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    let error = wait_for_listener_blocking(port, SHORT, || None).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::TimedOut);
}

#[tokio::test]
async fn a_process_that_exits_ends_the_wait_at_once_with_its_report() {
    let port = free_port().unwrap();
    let started = Instant::now();
    let error = wait_for_listener(port, Duration::from_secs(30), || Some("exited (status 1): log".into())).await;
    assert_eq!(error.unwrap_err().to_string(), "exited (status 1): log");
    let error = wait_for_listener_blocking(port, Duration::from_secs(30), || Some("gone".into())).unwrap_err();
    assert_eq!(error.to_string(), "gone");
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
}

#[tokio::test]
async fn a_temporary_platform_serves_and_removes_its_database_when_dropped() {
    let platform = TempPlatform::start_with(&[Mode::ApiKey], 50, 1).await.unwrap();
    let path = platform.db_path().to_path_buf();
    assert!(path.exists(), "{}", path.display());
    wait_for_port(platform.addr.port(), SHORT).await.unwrap();
    assert_eq!(platform.graphql_url(), format!("http://{}/graphql", platform.addr));
    let other = TempPlatform::start_with(&[Mode::ApiKey], 50, 1).await.unwrap();
    assert_ne!(other.db_path(), path, "each platform has a database of its own");
    drop(platform);
    for suffix in ["", "-wal", "-shm"] {
        let file = format!("{}{suffix}", path.display());
        assert!(!std::path::Path::new(&file).exists(), "{file} is left behind");
    }
}
