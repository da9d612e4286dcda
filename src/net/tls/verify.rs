//! Accepting a server's certificate without a trusted authority: by its pinned fingerprint,
//! or (insecure, for self-signed devices) whatever it is. Either way the handshake's
//! signatures are checked, so the peer must hold the certificate's private key.

use std::sync::Arc;

use rustls::DigitallySignedStruct;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{WebPkiSupportedAlgorithms, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};

use super::Fingerprint;

/// The server's certificate was not the pinned one; carried inside rustls's error so the
/// handshake's failure can say which fingerprint it saw.
#[derive(Debug, thiserror::Error)]
#[error("the certificate's SHA-256 is {found}")]
pub(super) struct PinMismatch {
    pub found: Fingerprint,
}

#[derive(Debug)]
pub(super) struct AcceptingVerifier {
    /// `None`: any certificate.
    pub pin: Option<Fingerprint>,
    pub algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for AcceptingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let found = Fingerprint::of(end_entity);
        match self.pin {
            Some(pin) if pin != found => Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::Other(rustls::OtherError(Arc::new(PinMismatch {
                    found,
                }))),
            )),
            _ => Ok(ServerCertVerified::assertion()),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}
