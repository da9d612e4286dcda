//! TLS for the TCP client and server: rustls with the ring provider, driven by the workers'
//! poll loops through [`TlsStream`]. What is verified, and how a failure reads, is decided
//! here; the workers only carry bytes.

mod certificate;
mod stream;
mod verify;

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use rustls::crypto::CryptoProvider;

pub(super) use certificate::Identity;
pub use certificate::{CertificateInfo, Fingerprint, TlsIdentity};
pub(in crate::net) use stream::TlsStream;

use super::{EventKind, NetError, WorkerContext};

/// How the TLS client accepts the server's certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verify {
    /// Signed by an authority the system trusts, for the host name connected to.
    SystemRoots,
    /// Exactly this certificate, whoever signed it (a device's self-signed one).
    Pinned(Fingerprint),
    /// Any certificate: the connection is encrypted but the peer unproven.
    Insecure,
}

/// What a completed handshake agreed on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsSession {
    /// `TLS 1.3` or `TLS 1.2`.
    pub version: String,
    /// As IANA names it, e.g. `TLS13_AES_256_GCM_SHA384`.
    pub cipher_suite: String,
    /// The peer's own certificate (a client shows none unless asked).
    pub certificate: Option<CertificateInfo>,
}

/// Why TLS failed, in the cases a user acts on differently.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TlsFailure {
    #[error(
        "the certificate is not signed by an authority this system trusts (self-signed? pin its SHA-256, or turn verification off)"
    )]
    UnknownIssuer,
    #[error("the certificate is not for this host name")]
    WrongName,
    #[error("the certificate has expired")]
    Expired,
    #[error("the certificate is not valid yet")]
    NotYetValid,
    #[error("the certificate's SHA-256 is {found}, not the pinned one")]
    PinMismatch { found: Fingerprint },
    #[error("the certificate was refused: {detail}")]
    BadCertificate { detail: String },
    #[error("the peer refused the handshake ({alert})")]
    PeerRefused { alert: String },
    #[error("the peer closed the connection during the handshake (is it speaking TLS?)")]
    ClosedInHandshake,
    #[error("no answer to the handshake in time")]
    TimedOut,
    #[error("no trusted root certificates were found on this system")]
    NoRoots,
    #[error("{detail}")]
    Protocol { detail: String },
}

impl From<&rustls::Error> for TlsFailure {
    fn from(error: &rustls::Error) -> Self {
        use rustls::CertificateError as Certificate;
        match error {
            rustls::Error::InvalidCertificate(certificate) => match certificate {
                Certificate::UnknownIssuer => Self::UnknownIssuer,
                Certificate::NotValidForName | Certificate::NotValidForNameContext { .. } => {
                    Self::WrongName
                }
                Certificate::Expired | Certificate::ExpiredContext { .. } => Self::Expired,
                Certificate::NotValidYet | Certificate::NotValidYetContext { .. } => {
                    Self::NotYetValid
                }
                Certificate::Other(other) => match other.0.downcast_ref::<verify::PinMismatch>() {
                    Some(mismatch) => Self::PinMismatch {
                        found: mismatch.found,
                    },
                    None => Self::BadCertificate {
                        detail: other.0.to_string(),
                    },
                },
                other => Self::BadCertificate {
                    detail: format!("{other:?}"),
                },
            },
            rustls::Error::AlertReceived(alert) => Self::PeerRefused {
                alert: format!("{alert:?}"),
            },
            other => Self::Protocol {
                detail: other.to_string(),
            },
        }
    }
}

/// The TLS failure inside an I/O error from a [`TlsStream`] or a handshake, if it is one.
pub(super) fn failure_of(error: &io::Error) -> Option<TlsFailure> {
    let inner = error.get_ref()?;
    if let Some(error) = inner.downcast_ref::<rustls::Error>() {
        return Some(error.into());
    }
    inner.downcast_ref::<TlsFailure>().cloned()
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn protocol_error(error: &rustls::Error) -> NetError {
    NetError::Tls(error.into())
}

/// The client's configuration; reading the system's roots takes a while, so once per session.
pub(in crate::net) fn client_config(
    verify: &Verify,
) -> Result<Arc<rustls::ClientConfig>, NetError> {
    let provider = provider();
    let algorithms = provider.signature_verification_algorithms;
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| protocol_error(&error))?;
    let config = match verify {
        Verify::SystemRoots => {
            let mut roots = rustls::RootCertStore::empty();
            roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
            if roots.is_empty() {
                return Err(NetError::Tls(TlsFailure::NoRoots));
            }
            builder.with_root_certificates(roots).with_no_client_auth()
        }
        Verify::Pinned(pin) => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verify::AcceptingVerifier {
                pin: Some(*pin),
                algorithms,
            }))
            .with_no_client_auth(),
        Verify::Insecure => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verify::AcceptingVerifier {
                pin: None,
                algorithms,
            }))
            .with_no_client_auth(),
    };
    Ok(Arc::new(config))
}

/// The server's configuration, serving `identity` to every client.
pub(super) fn server_config(identity: &Identity) -> Result<Arc<rustls::ServerConfig>, NetError> {
    let config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|error| protocol_error(&error))?
        .with_no_client_auth()
        .with_single_cert(identity.chain.clone(), identity.key.clone_key())
        .map_err(|error| NetError::TlsIdentity {
            detail: error.to_string(),
        })?;
    Ok(Arc::new(config))
}

/// The TLS configuration for `identity`, and a word in the log about the certificate; one
/// made on the spot names `localhost`, the loopback addresses and `local`'s.
pub(in crate::net) fn server_config_for(
    context: &WorkerContext,
    identity: &TlsIdentity,
    local: SocketAddr,
) -> Result<Arc<rustls::ServerConfig>, NetError> {
    let mut names = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ];
    let ip = local.ip().to_string();
    if !local.ip().is_unspecified() && !names.contains(&ip) {
        names.push(ip);
    }
    let identity = identity.load(names)?;
    let config = server_config(&identity)?;
    if let Some(der) = identity.chain.first() {
        context.sink.emit(EventKind::ServerCertificate {
            certificate: Box::new(CertificateInfo::read(der)),
            generated: identity.generated,
        });
    }
    Ok(config)
}

/// The TLS client's side of one connection to `host` (a name or an IP literal: its SNI and,
/// with the system's roots, the name the certificate must carry).
pub(in crate::net) fn client_connection(
    config: &Arc<rustls::ClientConfig>,
    host: &str,
) -> Result<rustls::ClientConnection, NetError> {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    // A link-local address's zone (`fe80::1%eth0`) is no part of a name.
    let host = host.split_once('%').map_or(host, |(address, _)| address);
    let name = rustls::pki_types::ServerName::try_from(host.to_owned()).map_err(|_| {
        NetError::Tls(TlsFailure::Protocol {
            detail: format!("'{host}' cannot be a TLS server name"),
        })
    })?;
    rustls::ClientConnection::new(Arc::clone(config), name).map_err(|error| protocol_error(&error))
}

/// Completes the client's handshake on a blocking socket by `deadline` (each wait on the
/// socket gets only what is left of it, so a peer that trickles bytes cannot hold it longer).
pub(super) fn handshake(
    tls: &mut rustls::ClientConnection,
    socket: &std::net::TcpStream,
    deadline: std::time::Instant,
) -> Result<(), NetError> {
    let timed_out = || NetError::Tls(TlsFailure::TimedOut);
    let io_error = |error: io::Error| match error.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => timed_out(),
        _ => NetError::from_stream("TLS handshake failed", &error),
    };
    let mut socket = socket;
    while tls.is_handshaking() {
        let left = deadline
            .checked_duration_since(std::time::Instant::now())
            .filter(|left| !left.is_zero())
            .ok_or_else(timed_out)?;
        socket.set_read_timeout(Some(left)).map_err(io_error)?;
        socket.set_write_timeout(Some(left)).map_err(io_error)?;
        if tls.wants_write() {
            match tls.write_tls(&mut socket) {
                Ok(_) => {}
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => return Err(io_error(error)),
            }
            continue;
        }
        match tls.read_tls(&mut socket) {
            Ok(0) => return Err(NetError::Tls(TlsFailure::ClosedInHandshake)),
            Ok(_) => {}
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(io_error(error)),
        }
        if let Err(error) = tls.process_new_packets() {
            // The alert that says why, as far as the socket takes it.
            let _ = tls.write_tls(&mut socket);
            return Err(NetError::Tls((&error).into()));
        }
    }
    // The last flight (the client's Finished) goes before the socket turns non-blocking.
    while tls.wants_write() {
        match tls.write_tls(&mut socket) {
            Ok(_) => {}
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(io_error(error)),
        }
    }
    Ok(())
}
