//! Outbound TLS, one way for every connection the server opens: rustls on aws-lc-rs (the one
//! crypto provider in the binary), the system's trust roots read once per process, and the
//! local platform's CA added only where a local or test stage sets `LOCAL_CA_FILE`.
//!
//! Two clients come out of it: reqwest (AppSync, the OIDC token endpoint, the callers' key set)
//! over a rustls configuration built here, and the AWS SDK's HTTP client (Secrets Manager,
//! DynamoDB, STS) built by smithy with the same roots. Before this, each reqwest client read the
//! system's certificate store on its own (rustls-platform-verifier) and the SDK once more.

use std::path::Path;
use std::sync::{Arc, LazyLock};

use aws_smithy_http_client::tls::rustls_provider::CryptoMode;
use aws_smithy_http_client::tls::{Provider, TlsContext, TrustStore};
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use base64::Engine;
use base64::prelude::BASE64_STANDARD;
use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

/// A CA file the stage named cannot be used; the start stops with this.
#[derive(Debug, thiserror::Error)]
pub enum OutboundError {
    #[error("LOCAL_CA_FILE {path}: {problem}")]
    CaFile { path: String, problem: String },
    #[error("TLS setup: {0}")]
    Tls(String),
}

/// The system's roots, read and parsed once per process (the first client built pays): the
/// certificates rustls accepts, for reqwest, and the same again as PEM for the AWS SDK, which
/// would otherwise read the store a second time (and panics on a certificate it cannot parse,
/// so it gets only those rustls accepted).
struct SystemRoots {
    store: RootCertStore,
    pem: Vec<u8>,
}

static SYSTEM_ROOTS: LazyLock<SystemRoots> = LazyLock::new(|| {
    let found = rustls_native_certs::load_native_certs();
    let mut store = RootCertStore::empty();
    let mut pem = Vec::new();
    for cert in found.certs {
        if store.add(cert.clone()).is_ok() {
            pem.extend_from_slice(b"-----BEGIN CERTIFICATE-----\n");
            pem.extend_from_slice(BASE64_STANDARD.encode(cert.as_ref()).as_bytes());
            pem.extend_from_slice(b"\n-----END CERTIFICATE-----\n");
        }
    }
    if store.is_empty() {
        tracing::warn!(errors = found.errors.len(), "no system trust roots found: HTTPS calls will fail");
    }
    SystemRoots { store, pem }
});

/// The TLS every outbound connection uses; cheap to clone.
#[derive(Clone)]
pub struct Outbound {
    tls: Arc<rustls::ClientConfig>,
    aws: SharedHttpClient,
}

impl std::fmt::Debug for Outbound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbound").finish_non_exhaustive()
    }
}

impl Outbound {
    /// The system's roots, plus the certificates of `local_ca_file` when given (every one must
    /// parse as a certificate; a file with none is refused).
    pub fn new(local_ca_file: Option<&Path>) -> Result<Outbound, OutboundError> {
        let local = match local_ca_file {
            Some(path) => Some(read_ca(path)?),
            None => None,
        };
        let system = &*SYSTEM_ROOTS;
        let mut roots = system.store.clone();
        let mut store = TrustStore::empty().with_native_roots(false);
        if !system.pem.is_empty() {
            store = store.with_pem_certificate(system.pem.clone());
        }
        if let Some((pem, certs)) = local {
            for cert in certs {
                roots.add(cert).map_err(|e| OutboundError::Tls(format!("local CA: {e}")))?;
            }
            store = store.with_pem_certificate(pem);
        }
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| OutboundError::Tls(e.to_string()))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let context =
            TlsContext::builder().with_trust_store(store).build().map_err(|e| OutboundError::Tls(e.to_string()))?;
        let aws = aws_smithy_http_client::Builder::new()
            .tls_provider(Provider::Rustls(CryptoMode::AwsLc))
            .tls_context(context)
            .build_https();
        Ok(Outbound { tls: Arc::new(tls), aws })
    }

    /// A reqwest builder on this TLS configuration (the caller adds timeouts and policies).
    pub fn http(&self) -> reqwest::ClientBuilder {
        reqwest::Client::builder().tls_backend_preconfigured(rustls::ClientConfig::clone(&self.tls))
    }

    /// The AWS SDK's HTTP client, shared by every SDK client of the process.
    pub fn aws(&self) -> SharedHttpClient {
        self.aws.clone()
    }
}

/// The file's PEM text and its certificates, checked here so that neither rustls nor the SDK
/// (which panics on a certificate it cannot parse) ever sees a bad one.
fn read_ca(path: &Path) -> Result<(Vec<u8>, Vec<CertificateDer<'static>>), OutboundError> {
    let fail = |problem: String| OutboundError::CaFile { path: path.display().to_string(), problem };
    let pem = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| fail(format!("not PEM certificates: {e}")))?;
    if certs.is_empty() {
        return Err(fail("holds no certificate".into()));
    }
    let mut check = RootCertStore::empty();
    for cert in &certs {
        check.add(cert.clone()).map_err(|e| fail(format!("not a usable CA certificate: {e}")))?;
    }
    Ok((pem, certs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_empty_or_garbage_ca_file_is_refused_with_its_name() {
        let dir = std::env::temp_dir().join(format!("b2b-outbound-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let missing = dir.join("missing.pem");
        let empty = dir.join("empty.pem");
        std::fs::write(&empty, "no certificate here\n").unwrap();
        let garbage = dir.join("garbage.pem");
        std::fs::write(&garbage, "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n").unwrap();
        for file in [&missing, &empty, &garbage] {
            let error = Outbound::new(Some(file)).unwrap_err().to_string();
            assert!(error.starts_with("LOCAL_CA_FILE ") && error.contains(&file.display().to_string()), "{error}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
