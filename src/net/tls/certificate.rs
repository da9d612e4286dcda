//! Certificates as a user needs to see them (who, by whom, how long, which fingerprint), and
//! the server's own: read from PEM files or made on the spot.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use sha2::{Digest, Sha256};

use super::super::NetError;

/// The SHA-256 of a certificate's DER bytes: what `openssl x509 -fingerprint -sha256` prints,
/// and what a client pins.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Fingerprint(pub [u8; 32]);

impl Fingerprint {
    pub fn of(der: &[u8]) -> Self {
        Self(Sha256::digest(der).into())
    }
}

/// As OpenSSL prints it: `AB:CD:…`, 32 pairs.
impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (at, byte) in self.0.iter().enumerate() {
            if at > 0 {
                f.write_str(":")?;
            }
            write!(f, "{byte:02X}")?;
        }
        Ok(())
    }
}

/// 64 hex digits, in either case, with or without `:` or spaces between pairs; an
/// `sha256//` or `SHA256 Fingerprint=` prefix (as tools print it) is allowed.
impl FromStr for Fingerprint {
    type Err = ();

    fn from_str(text: &str) -> Result<Self, ()> {
        let text = text.trim();
        let text = text
            .rsplit_once('=')
            .map_or(text, |(_, value)| value)
            .trim_start_matches("sha256//");
        let digits: Vec<u8> = text
            .bytes()
            .filter(|byte| !matches!(byte, b':' | b' ' | b'-'))
            .collect();
        // Hex digits only: from_str_radix would take a sign.
        if digits.len() != 64 || !digits.iter().all(u8::is_ascii_hexdigit) {
            return Err(());
        }
        let mut bytes = [0; 32];
        for (byte, pair) in bytes.iter_mut().zip(digits.chunks(2)) {
            let pair = std::str::from_utf8(pair).map_err(|_| ())?;
            *byte = u8::from_str_radix(pair, 16).map_err(|_| ())?;
        }
        Ok(Self(bytes))
    }
}

/// What the log says about a certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateInfo {
    /// The distinguished name, as `CN=…, O=…`.
    pub subject: String,
    pub issuer: String,
    /// UTC, `YYYY-MM-DD HH:MM:SS`.
    pub not_before: String,
    pub not_after: String,
    pub fingerprint: Fingerprint,
}

impl CertificateInfo {
    /// Reads what it can; a certificate that does not parse as X.509 still has a fingerprint.
    pub fn read(der: &[u8]) -> Self {
        let fingerprint = Fingerprint::of(der);
        match x509_parser::parse_x509_certificate(der) {
            Ok((_, certificate)) => {
                let validity = certificate.validity();
                Self {
                    subject: certificate.subject().to_string(),
                    issuer: certificate.issuer().to_string(),
                    not_before: utc(validity.not_before.timestamp()),
                    not_after: utc(validity.not_after.timestamp()),
                    fingerprint,
                }
            }
            Err(_) => Self {
                subject: "?".to_owned(),
                issuer: "?".to_owned(),
                not_before: "?".to_owned(),
                not_after: "?".to_owned(),
                fingerprint,
            },
        }
    }
}

fn utc(seconds: i64) -> String {
    chrono::DateTime::from_timestamp(seconds, 0).map_or_else(
        || "?".to_owned(),
        |time| time.format("%Y-%m-%d %H:%M:%S").to_string(),
    )
}

/// A certificate chain and its private key, ready for a server.
pub(in crate::net) struct Identity {
    pub chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
    /// Made on the spot rather than read from files.
    pub generated: bool,
}

/// Where the TLS server's certificate comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TlsIdentity {
    /// Self-signed, made as the server starts, for `localhost`, the loopback addresses and
    /// the address listened on.
    Generated,
    /// PEM files: the certificate (chain) and its private key (PKCS#8, PKCS#1 or SEC1).
    Files {
        certificate: std::path::PathBuf,
        key: std::path::PathBuf,
    },
}

impl TlsIdentity {
    /// The chain and key; `names` go in a generated certificate.
    pub(in crate::net) fn load(&self, names: Vec<String>) -> Result<Identity, NetError> {
        match self {
            Self::Generated => generate(names),
            Self::Files { certificate, key } => load_files(certificate, key),
        }
    }
}

fn generate(names: Vec<String>) -> Result<Identity, NetError> {
    let failed = |error: rcgen::Error| NetError::TlsIdentity {
        detail: error.to_string(),
    };
    let mut params = rcgen::CertificateParams::new(names).map_err(failed)?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Sockscope");
    let key = rcgen::KeyPair::generate().map_err(failed)?;
    let certificate = params.self_signed(&key).map_err(failed)?;
    Ok(Identity {
        chain: vec![certificate.der().clone()],
        key: PrivatePkcs8KeyDer::from(key.serialize_der()).into(),
        generated: true,
    })
}

/// A PEM file bigger than this is not a certificate or a key.
const PEM_LIMIT: u64 = 1024 * 1024;

fn read_pem(path: &Path) -> Result<Vec<u8>, NetError> {
    let failed = |detail: String| NetError::TlsIdentity {
        detail: format!("{}: {detail}", path.display()),
    };
    let size = std::fs::metadata(path)
        .map_err(|error| failed(error.to_string()))?
        .len();
    if size > PEM_LIMIT {
        return Err(failed(format!("{size} bytes, too big for a PEM file")));
    }
    std::fs::read(path).map_err(|error| failed(error.to_string()))
}

fn load_files(certificate: &Path, key: &Path) -> Result<Identity, NetError> {
    let pem = read_pem(certificate)?;
    let chain = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| NetError::TlsIdentity {
            detail: format!("{}: {error}", certificate.display()),
        })?;
    if chain.is_empty() {
        return Err(NetError::TlsIdentity {
            detail: format!("{}: no CERTIFICATE block", certificate.display()),
        });
    }
    let pem = read_pem(key)?;
    let key = PrivateKeyDer::from_pem_slice(&pem).map_err(|error| NetError::TlsIdentity {
        detail: format!("{}: {error}", key.display()),
    })?;
    Ok(Identity {
        chain,
        key,
        generated: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_read_as_tools_print_them() {
        let fingerprint = Fingerprint::of(b"certificate");
        let printed = fingerprint.to_string();
        assert_eq!(printed.len(), 32 * 3 - 1);
        assert_eq!(printed.parse(), Ok(fingerprint));
        let plain = printed.replace(':', "").to_lowercase();
        assert_eq!(plain.parse(), Ok(fingerprint));
        let openssl = format!("sha256 Fingerprint={printed}");
        assert_eq!(openssl.parse(), Ok(fingerprint));
        assert_eq!(format!("sha256//{plain}").parse(), Ok(fingerprint));
        assert_eq!("AB:CD".parse::<Fingerprint>(), Err(()));
        assert_eq!(plain.replace('a', "g").parse::<Fingerprint>(), Err(()));
        let signed = format!("+{}", &plain[1..]);
        assert_eq!(signed.parse::<Fingerprint>(), Err(()), "no signs");
    }

    #[test]
    fn a_generated_certificate_names_itself_and_reads_back() {
        let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
        let identity = TlsIdentity::Generated.load(names).expect("generated");
        assert!(identity.generated);
        let info = CertificateInfo::read(&identity.chain[0]);
        assert_eq!(info.subject, "CN=Sockscope");
        assert_eq!(info.issuer, "CN=Sockscope", "self-signed");
        assert_eq!(info.fingerprint, Fingerprint::of(&identity.chain[0]));
        assert!(info.not_before < info.not_after, "{info:?}");
    }

    #[test]
    fn missing_or_wrong_files_are_said_with_their_path() {
        let dir = tempfile::tempdir().expect("a directory");
        let missing = dir.path().join("missing.pem");
        let identity = TlsIdentity::Files {
            certificate: missing.clone(),
            key: missing,
        };
        let error = identity.load(Vec::new()).err().expect("no file");
        assert!(error.to_string().contains("missing.pem"), "{error}");
        let text = dir.path().join("text.pem");
        std::fs::write(&text, "not a certificate").expect("written");
        let identity = TlsIdentity::Files {
            certificate: text.clone(),
            key: text,
        };
        let error = identity.load(Vec::new()).err().expect("no certificate");
        assert!(
            error.to_string().contains("no CERTIFICATE block"),
            "{error}"
        );
    }
}
