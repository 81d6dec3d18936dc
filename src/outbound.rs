//! Outbound TLS, one way for every connection the server opens: rustls on aws-lc-rs (the one
//! crypto provider in the binary), the system's trust roots read once per process, and the
//! local platform's CA added only where a local or test stage sets `LOCAL_CA_FILE`.
//!
//! One HTTP client stack comes out of it: reqwest over a rustls configuration built here, for
//! AppSync, the OIDC token endpoint and the callers' key set, and under the AWS SDK (Secrets
//! Manager, DynamoDB, STS) through [`SdkHttpClient`]. Before this, each reqwest client read the
//! system's certificate store on its own (rustls-platform-verifier) and the SDK once more, with
//! its own hyper client and an HTTP/2 stack only it linked (the size is in Cargo.toml).

use std::path::Path;
use std::sync::{Arc, LazyLock};

use std::time::Duration;

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
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
/// certificates rustls accepts.
static SYSTEM_ROOTS: LazyLock<RootCertStore> = LazyLock::new(|| {
    // Set at all, as rustls-native-certs reads them (openssl-probe's own check also wants the
    // path to exist: a mistyped SSL_CERT_FILE would then trust the whole bundle instead of failing).
    let named = std::env::var_os("SSL_CERT_FILE").is_some() || std::env::var_os("SSL_CERT_DIR").is_some();
    let found = match roots_source(named, openssl_probe::probe().cert_file) {
        RootsSource::Bundle(file) => match rustls_native_certs::load_certs_from_paths(Some(&file), None) {
            // An unreadable or empty bundle: what the system has besides it.
            found if found.certs.is_empty() => rustls_native_certs::load_native_certs(),
            found => found,
        },
        RootsSource::Native => rustls_native_certs::load_native_certs(),
    };
    let mut store = RootCertStore::empty();
    for cert in found.certs {
        // One the store cannot use is left out, not fatal: the others still serve.
        let _ = store.add(cert);
    }
    if store.is_empty() {
        tracing::warn!(errors = found.errors.len(), "no system trust roots found: HTTPS calls will fail");
    }
    store
});

/// Where the system's roots are read from.
#[derive(Debug, PartialEq, Eq)]
enum RootsSource {
    /// The distribution's bundle file alone.
    Bundle(std::path::PathBuf),
    /// rustls-native-certs' own choice: `SSL_CERT_FILE` and `SSL_CERT_DIR` when set, else every
    /// bundle file and certificate directory it finds.
    Native,
}

/// The bundle file alone when the system has one (Debian's `ca-certificates.crt`, Amazon Linux's
/// `tls-ca-bundle.pem`): it is generated from the same trust store as the certificate directory
/// beside it, and it is what curl and the AWS CLI read. rustls-native-certs also reads that
/// directory, file by file, which parsed every root a second time (Amazon Linux's directory holds
/// a second, larger bundle) and made the roots most of the CPU a process spent before its first
/// answer (docs/benchmarks.md). On a Debian machine the directory held one certificate the
/// bundle did not: `ssl-cert-snakeoil.pem`, the machine's own self-signed server certificate,
/// which no client should trust. `SSL_CERT_FILE`/`SSL_CERT_DIR`, when set, are read as
/// rustls-native-certs reads them; a system without a bundle file, or whose bundle gives no
/// certificate, falls back to its directory. A CA copied into the directory without
/// `update-ca-certificates` (or `update-ca-trust`) is not in the bundle, and not trusted.
fn roots_source(ssl_cert_env_set: bool, bundle: Option<std::path::PathBuf>) -> RootsSource {
    match bundle {
        Some(file) if !ssl_cert_env_set => RootsSource::Bundle(file),
        _ => RootsSource::Native,
    }
}

/// How long the AWS SDK's connections may take to open, TCP and the TLS handshake (reqwest's
/// connect timeout covers both; it is the client's, so the SDK clients set none of their own). As long as Secrets Manager's attempt timeout, because at a small memory size a
/// cold start's handshake is slow in wall time (`backend::secrets::ATTEMPT_TIMEOUT` says why);
/// each SDK client's attempt timeout bounds the whole attempt on top of this (DynamoDB's: 1 s).
const SDK_CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

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
        let mut roots = SYSTEM_ROOTS.clone();
        if let Some(path) = local_ca_file {
            for cert in read_ca(path)? {
                roots.add(cert).map_err(|e| OutboundError::Tls(format!("local CA: {e}")))?;
            }
        }
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let tls = Arc::new(
            rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map_err(|e| OutboundError::Tls(e.to_string()))?
                .with_root_certificates(roots)
                .with_no_client_auth(),
        );
        let sdk = reqwest::Client::builder()
            .tls_backend_preconfigured(rustls::ClientConfig::clone(&tls))
            .connect_timeout(SDK_CONNECT_TIMEOUT)
            .pool_idle_timeout(Duration::from_secs(60))
            // The SDK follows nothing itself; a redirect from an AWS endpoint is an error.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| OutboundError::Tls(format!("HTTP client: {e}")))?;
        Ok(Outbound { tls, aws: SharedHttpClient::new(SdkHttpClient(sdk)) })
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

/// The AWS SDK's HTTP client: its requests sent through reqwest, on the one TLS configuration and
/// connection pool, HTTP/1.1. The SDK's orchestrator keeps what is its own: signing, retries and
/// their classification, the attempt and operation timeouts.
#[derive(Debug, Clone)]
pub struct SdkHttpClient(reqwest::Client);

impl HttpClient for SdkHttpClient {
    fn http_connector(&self, settings: &HttpConnectorSettings, _: &RuntimeComponents) -> SharedHttpConnector {
        SharedHttpConnector::new(SdkConnector { client: self.0.clone(), read_timeout: settings.read_timeout() })
    }
}

#[derive(Debug)]
struct SdkConnector {
    client: reqwest::Client,
    read_timeout: Option<Duration>,
}

impl HttpConnector for SdkConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let (client, read_timeout) = (self.client.clone(), self.read_timeout);
        HttpConnectorFuture::new(async move {
            let request = request.try_into_http1x().map_err(|e| ConnectorError::user(e.into()))?;
            let (parts, body) = request.into_parts();
            // The SDK's bodies here are in memory; a streaming one is passed through as it is.
            let body = match body.bytes() {
                Some(bytes) => reqwest::Body::from(bytes::Bytes::copy_from_slice(bytes)),
                None => reqwest::Body::wrap(body),
            };
            let request = reqwest::Request::try_from(http::Request::from_parts(parts, body))
                .map_err(|e| ConnectorError::user(e.into()))?;
            let send = client.execute(request);
            let response = match read_timeout {
                Some(limit) => match tokio::time::timeout(limit, send).await {
                    Ok(response) => response,
                    Err(elapsed) => return Err(ConnectorError::timeout(elapsed.into())),
                },
                None => send.await,
            }
            .map_err(connector_error)?;
            let response = http::Response::<reqwest::Body>::from(response).map(SdkBody::from_body_1_x);
            HttpResponse::try_from(response).map_err(|e| ConnectorError::other(e.into(), None))
        })
    }
}

/// reqwest's error as the SDK's retry classifier reads it: a timeout, or an I/O fault (transient,
/// retried), or the request itself (not retried).
fn connector_error(error: reqwest::Error) -> ConnectorError {
    if error.is_timeout() {
        ConnectorError::timeout(error.into())
    } else if error.is_builder() {
        ConnectorError::user(error.into())
    } else {
        ConnectorError::io(error.into())
    }
}

/// The file's certificates, each checked as a CA rustls can use.
fn read_ca(path: &Path) -> Result<Vec<CertificateDer<'static>>, OutboundError> {
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
    Ok(certs)
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

    #[test]
    fn the_bundle_alone_unless_the_environment_names_the_roots() {
        let bundle = std::path::PathBuf::from("/etc/ssl/certs/ca-certificates.crt");
        assert_eq!(roots_source(false, Some(bundle.clone())), RootsSource::Bundle(bundle.clone()));
        assert_eq!(roots_source(true, Some(bundle)), RootsSource::Native, "SSL_CERT_FILE/SSL_CERT_DIR win");
        assert_eq!(roots_source(false, None), RootsSource::Native, "no bundle: the directory");
    }
}
