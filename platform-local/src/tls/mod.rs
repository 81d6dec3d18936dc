//! HTTPS for local runs and tests. LOCAL/TEST ONLY: a certificate authority of its own and a
//! server certificate it signed for `localhost`, `127.0.0.1` and `::1`, made with rcgen at first
//! start and kept in a directory ([`CA_FILE`], [`CERT_FILE`], [`KEY_FILE`]), and the rustls
//! configuration that serves them (aws-lc-rs, the provider the MCP server's rustls already uses).
//! A client trusts the platform by trusting `ca.pem` alone (the MCP server: `LOCAL_CA_FILE`);
//! nothing else should ever trust it. The CA's private key is never written: once the
//! certificate is signed, nobody can sign another with this CA.
//!
//! - `files`: reuse the files while they are valid, make them otherwise.
//! - `serve`: the accept loop: the TLS handshake (bounded in time), then HTTP/1.1 to the app.

mod files;
pub(crate) mod serve;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use rustls::ServerConfig;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

/// The certificate authority's certificate: what a client is to trust.
pub const CA_FILE: &str = "ca.pem";
/// The server's certificate, signed by the CA.
pub const CERT_FILE: &str = "cert.pem";
/// The server certificate's private key (PKCS#8, mode 0600).
pub const KEY_FILE: &str = "key.pem";
/// The CA's subject common name, which says what it is to anyone who finds it in a trust store.
pub const CA_NAME: &str = "b2b-mcp local platform CA (test only)";
/// The names the server certificate is valid for: loopback only.
pub const NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];
/// How long a client may take to complete its TLS handshake before the connection is dropped, so
/// a client that connects and sends nothing does not hold a task for ever.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{}: {source}", path.display())]
    Pem { path: PathBuf, source: pem::Error },
    #[error("making the local CA and certificate: {0}")]
    Generate(#[from] rcgen::Error),
    #[error("the TLS configuration: {0}")]
    Rustls(#[from] rustls::Error),
    #[error("the certificate check: {0}")]
    Verifier(#[from] rustls::client::VerifierBuilderError),
}

/// The certificate files in a directory, checked (or made) by [`TlsFiles::load_or_create`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    dir: PathBuf,
}

impl TlsFiles {
    /// The files in `dir` (created if need be) if they are valid: the certificate is signed by
    /// the CA, covers every one of [`NAMES`], is valid now and for a week more, and matches the
    /// key. Otherwise a new CA, certificate and key are made and written there. Blocking (file
    /// I/O, and a wait while another process makes them), for a few milliseconds.
    pub fn load_or_create(dir: impl AsRef<Path>) -> Result<TlsFiles, TlsError> {
        TlsFiles::load_or_create_at(dir.as_ref(), SystemTime::now())
    }

    /// The same with the clock given (the tests' expiry).
    pub(crate) fn load_or_create_at(dir: &Path, now: SystemTime) -> Result<TlsFiles, TlsError> {
        files::load_or_create(dir, now)?;
        Ok(TlsFiles { dir: dir.to_path_buf() })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The CA certificate a client is to trust (the MCP server's `LOCAL_CA_FILE`).
    pub fn ca_file(&self) -> PathBuf {
        self.dir.join(CA_FILE)
    }

    pub fn cert_file(&self) -> PathBuf {
        self.dir.join(CERT_FILE)
    }

    pub fn key_file(&self) -> PathBuf {
        self.dir.join(KEY_FILE)
    }

    /// The CA certificate's PEM, for a client's trust store (`reqwest::Certificate::from_pem`).
    pub fn ca_pem(&self) -> Result<Vec<u8>, TlsError> {
        let path = self.ca_file();
        std::fs::read(&path).map_err(|source| TlsError::Io { path, source })
    }

    /// The server's TLS configuration: this certificate and key, aws-lc-rs, TLS 1.2 and 1.3,
    /// ALPN `http/1.1` (the platform serves HTTP/1.1 only).
    pub fn server_config(&self) -> Result<Arc<ServerConfig>, TlsError> {
        let cert_path = self.cert_file();
        let cert = CertificateDer::from_pem_file(&cert_path).map_err(|source| pem_error(cert_path, source))?;
        let key_path = self.key_file();
        let key = PrivateKeyDer::from_pem_file(&key_path).map_err(|source| pem_error(key_path, source))?;
        let mut config = ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(vec![cert], key)?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }

    /// [`TlsFiles::server_config`] as a tokio acceptor.
    pub fn acceptor(&self) -> Result<TlsAcceptor, TlsError> {
        Ok(TlsAcceptor::from(self.server_config()?))
    }
}

/// rustls's aws-lc-rs provider, named explicitly so the choice never depends on which crate
/// features the build happens to unify.
pub(crate) fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

fn pem_error(path: PathBuf, source: pem::Error) -> TlsError {
    TlsError::Pem { path, source }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests;
