//! The certificate files: made once, reused while valid, made again when missing, expiring or
//! mismatched; the certificate is for loopback names only and signed by a CA that says it is for
//! tests.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use rustls::client::danger::ServerCertVerifier;

use super::*;

static DIRS: AtomicU32 = AtomicU32::new(0);

/// A directory of its own in the temporary directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        let n = DIRS.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("b2b-tls-test-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn contents(files: &TlsFiles) -> [Vec<u8>; 3] {
    [files.ca_file(), files.cert_file(), files.key_file()].map(|path| std::fs::read(path).unwrap())
}

fn verify(files: &TlsFiles, name: &str) -> Result<(), rustls::Error> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from_pem_file(files.ca_file()).unwrap()).unwrap();
    let verifier =
        rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider()).build().unwrap();
    let cert = CertificateDer::from_pem_file(files.cert_file()).unwrap();
    let name = rustls::pki_types::ServerName::try_from(name).unwrap().to_owned();
    verifier.verify_server_cert(&cert, &[], &name, &[], rustls::pki_types::UnixTime::now()).map(drop)
}

#[test]
fn the_files_are_made_at_first_start_and_reused_after() {
    let dir = TempDir::new();
    let files = TlsFiles::load_or_create(&dir.0).unwrap();
    assert_eq!(files.dir(), dir.0);
    assert_eq!(files.ca_file(), dir.0.join("ca.pem"));
    assert_eq!(files.cert_file(), dir.0.join("cert.pem"));
    assert_eq!(files.key_file(), dir.0.join("key.pem"));
    let first = contents(&files);
    assert_eq!(files.ca_pem().unwrap(), first[0]);
    let again = TlsFiles::load_or_create(&dir.0).unwrap();
    assert_eq!(again, files);
    assert_eq!(contents(&again), first, "valid files are reused as they are");
    assert!(!dir.0.join(".tls.lock").exists(), "the lock is released");
}

#[cfg(unix)]
#[test]
fn only_the_owner_can_read_the_key() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new();
    let files = TlsFiles::load_or_create(&dir.0).unwrap();
    let mode = std::fs::metadata(files.key_file()).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "{mode:o}");
}

#[test]
fn a_missing_certificate_means_a_new_set() {
    let dir = TempDir::new();
    let files = TlsFiles::load_or_create(&dir.0).unwrap();
    let [ca, cert, key] = contents(&files);
    std::fs::remove_file(files.cert_file()).unwrap();
    let files = TlsFiles::load_or_create(&dir.0).unwrap();
    let [new_ca, new_cert, new_key] = contents(&files);
    // The CA's key was never kept, so a new certificate comes with a new CA.
    assert_ne!(new_ca, ca);
    assert_ne!(new_cert, cert);
    assert_ne!(new_key, key);
    verify(&files, "localhost").unwrap();
}

#[test]
fn a_certificate_near_its_end_is_replaced() {
    let dir = TempDir::new();
    let files = TlsFiles::load_or_create(&dir.0).unwrap();
    let first = contents(&files);
    let in_a_year = SystemTime::now() + Duration::from_secs(365 * 24 * 3600);
    TlsFiles::load_or_create_at(&dir.0, in_a_year).unwrap();
    assert_eq!(contents(&files), first, "a year on, still valid for more than a week");
    let days_before_its_end = SystemTime::now() + Duration::from_secs(726 * 24 * 3600);
    TlsFiles::load_or_create_at(&dir.0, days_before_its_end).unwrap();
    assert_ne!(contents(&files)[0], first[0]);
}

#[test]
fn a_key_that_is_not_the_certificates_means_a_new_set() {
    let (dir, other) = (TempDir::new(), TempDir::new());
    let files = TlsFiles::load_or_create(&dir.0).unwrap();
    let first = contents(&files);
    let stranger = TlsFiles::load_or_create(&other.0).unwrap();
    std::fs::copy(stranger.key_file(), files.key_file()).unwrap();
    assert!(files.server_config().is_err(), "rustls refuses a key that is not the certificate's");
    TlsFiles::load_or_create(&dir.0).unwrap();
    assert_ne!(contents(&files)[0], first[0]);
    files.server_config().unwrap();
    // A CA file that is not PEM at all: the same.
    std::fs::write(files.ca_file(), "not a certificate").unwrap();
    TlsFiles::load_or_create(&dir.0).unwrap();
    verify(&files, "localhost").unwrap();
}

#[test]
fn the_certificate_is_for_loopback_only_and_its_ca_says_it_is_for_tests() {
    let dir = TempDir::new();
    let files = TlsFiles::load_or_create(&dir.0).unwrap();
    for name in NAMES {
        verify(&files, name).unwrap();
    }
    for name in ["example.com", "localhost.example.com", "10.0.0.1"] {
        assert!(verify(&files, name).is_err(), "{name}");
    }
    let ca = CertificateDer::from_pem_file(files.ca_file()).unwrap();
    assert!(ca.windows(CA_NAME.len()).any(|w| w == CA_NAME.as_bytes()), "the CA's name is in its certificate");
}

#[test]
fn the_server_offers_http1_only() {
    let dir = TempDir::new();
    let config = TlsFiles::load_or_create(&dir.0).unwrap().server_config().unwrap();
    assert_eq!(config.alpn_protocols, vec![b"http/1.1".to_vec()]);
}

#[test]
fn platforms_starting_at_once_in_one_directory_end_with_one_set() {
    let dir = TempDir::new();
    let path = dir.0.clone();
    let starts: Vec<_> = (0..4)
        .map(|_| {
            let path = path.clone();
            std::thread::spawn(move || TlsFiles::load_or_create(&path).unwrap())
        })
        .collect();
    let files: Vec<TlsFiles> = starts.into_iter().map(|t| t.join().unwrap()).collect();
    for f in &files {
        f.server_config().unwrap();
        verify(f, "localhost").unwrap();
    }
}
