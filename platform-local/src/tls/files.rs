//! The files behind HTTPS: reused while they are valid, made otherwise. A lock file in the
//! directory is held while they are checked or made, so two platforms starting at once in one
//! directory cannot interleave two sets (one's CA beside the other's certificate).

use std::fs::{self, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose, PKCS_ECDSA_P256_SHA256,
};
use rustls::RootCertStore;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::ServerCertVerifier;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use time::OffsetDateTime;

use super::{CA_FILE, CA_NAME, CERT_FILE, KEY_FILE, NAMES, TlsError, TlsFiles, pem_error, provider};

/// The CA outlives every certificate it signs (they are made together), so a valid certificate
/// means a valid CA: webpki does not check a trust anchor's dates.
const CA_VALIDITY: time::Duration = time::Duration::days(3650);
const CERT_VALIDITY: time::Duration = time::Duration::days(730);
/// Certificates start a day back, so a client whose clock is a little behind accepts them.
const BACKDATE: time::Duration = time::Duration::days(1);
/// A certificate this close to its end is replaced, so a platform is not left serving an expired
/// one in the middle of a run.
const RENEW_BEFORE: Duration = Duration::from_secs(7 * 24 * 3600);
const LOCK_FILE: &str = ".tls.lock";
/// Making the files takes milliseconds: a lock file older than this was left by a process that
/// died holding it.
const STALE_LOCK: Duration = Duration::from_secs(10);
const LOCK_POLL: Duration = Duration::from_millis(10);

pub(super) fn load_or_create(dir: &Path, now: SystemTime) -> Result<(), TlsError> {
    fs::create_dir_all(dir).map_err(|source| io_error(dir, source))?;
    let _lock = DirLock::acquire(dir)?;
    match check(dir, now) {
        Ok(()) => {
            tracing::debug!(dir = %dir.display(), "reusing the local TLS certificate");
            return Ok(());
        }
        Err(reason) => {
            tracing::info!(dir = %dir.display(), %reason, "making a local CA and TLS certificate (local/test only)")
        }
    }
    write(dir, &make(now)?)?;
    // What is served is what the files hold, read back and checked as on any later start.
    check(dir, now)
}

/// Whether the files in `dir` can be served: the certificate chains to the CA for every name, now
/// and [`RENEW_BEFORE`] from now, and the key is the certificate's.
fn check(dir: &Path, now: SystemTime) -> Result<(), TlsError> {
    let read = |name: &str| {
        let path = dir.join(name);
        CertificateDer::from_pem_file(&path).map_err(|source| pem_error(path, source))
    };
    let (ca, cert) = (read(CA_FILE)?, read(CERT_FILE)?);
    let mut roots = RootCertStore::empty();
    roots.add(ca)?;
    let verifier = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider()).build()?;
    for at in [now, now + RENEW_BEFORE] {
        let at = UnixTime::since_unix_epoch(at.duration_since(UNIX_EPOCH).unwrap_or_default());
        for name in NAMES {
            let name = ServerName::try_from(name).map_err(|e| rustls::Error::General(e.to_string()))?;
            verifier.verify_server_cert(&cert, &[], &name, &[], at)?;
        }
    }
    TlsFiles { dir: dir.to_path_buf() }.server_config().map(drop)
}

struct Made {
    ca_pem: String,
    cert_pem: String,
    key_pem: String,
}

/// A new CA (ECDSA P-256, CA:true, path length 0) and a server certificate it signs for
/// [`NAMES`]. The CA's key is dropped here, unwritten.
fn make(now: SystemTime) -> Result<Made, TlsError> {
    let now = OffsetDateTime::from(now);
    let mut ca = CertificateParams::default();
    ca.distinguished_name = name(CA_NAME);
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    (ca.not_before, ca.not_after) = (now - BACKDATE, now + CA_VALIDITY);
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?)?;

    let mut leaf = CertificateParams::new(NAMES.map(str::to_owned).to_vec())?;
    leaf.distinguished_name = name("localhost");
    leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf.use_authority_key_identifier_extension = true;
    (leaf.not_before, leaf.not_after) = (now - BACKDATE, now + CERT_VALIDITY);
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
    let cert = leaf.signed_by(&key, &ca)?;
    Ok(Made { ca_pem: ca.pem(), cert_pem: cert.pem(), key_pem: key.serialize_pem() })
}

fn name(common_name: &str) -> DistinguishedName {
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, common_name);
    name
}

fn write(dir: &Path, made: &Made) -> Result<(), TlsError> {
    write_file(&dir.join(KEY_FILE), &made.key_pem, 0o600)?;
    write_file(&dir.join(CERT_FILE), &made.cert_pem, 0o644)?;
    write_file(&dir.join(CA_FILE), &made.ca_pem, 0o644)
}

/// A new file (the old one removed first, so the mode is this one, whatever the old file had).
fn write_file(path: &Path, contents: &str, mode: u32) -> Result<(), TlsError> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != ErrorKind::NotFound => return Err(io_error(path, e)),
        _ => {}
    }
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options.open(path).map_err(|e| io_error(path, e))?;
    file.write_all(contents.as_bytes()).and_then(|()| file.sync_all()).map_err(|e| io_error(path, e))
}

fn io_error(path: &Path, source: std::io::Error) -> TlsError {
    TlsError::Io { path: path.to_path_buf(), source }
}

/// The directory's lock file, created exclusively and removed when this is dropped.
struct DirLock {
    path: PathBuf,
}

impl DirLock {
    fn acquire(dir: &Path) -> Result<DirLock, TlsError> {
        let path = dir.join(LOCK_FILE);
        let started = Instant::now();
        loop {
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(_) => return Ok(DirLock { path }),
                Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                    let age = fs::metadata(&path).and_then(|m| m.modified()).ok().and_then(|t| t.elapsed().ok());
                    if age.is_some_and(|age| age > STALE_LOCK) {
                        tracing::warn!(lock = %path.display(), "removing a stale lock");
                        let _ = fs::remove_file(&path);
                    } else if started.elapsed() > 2 * STALE_LOCK {
                        return Err(io_error(&path, std::io::Error::new(ErrorKind::TimedOut, "held too long")));
                    } else {
                        std::thread::sleep(LOCK_POLL);
                    }
                }
                Err(e) => return Err(io_error(&path, e)),
            }
        }
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}
