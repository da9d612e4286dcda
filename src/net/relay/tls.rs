//! TLS the relay ends itself, each side on its own: it serves clients TLS with a certificate
//! (made on the spot, or given) and/or speaks TLS to the upstream (system roots, a pin, or no
//! verification). The log and the records then see the plaintext; without either, TLS
//! passes through untouched as bytes.

use std::sync::Arc;

use super::RelayConfig;
use crate::net::stream::Stream;
use crate::net::tls::{self, TlsIdentity, TlsStream, Verify};
use crate::net::{NetError, WorkerContext};

/// What the relay asks TLS for on each side.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RelayTls {
    /// Serve clients TLS with this certificate.
    pub clients: Option<TlsIdentity>,
    /// Speak TLS to the upstream, accepting its certificate so.
    pub upstream: Option<Verify>,
}

/// The configurations, made once as the relay starts (reading the system's roots takes a
/// while).
pub(super) struct Ends {
    clients: Option<Arc<rustls::ServerConfig>>,
    /// With the upstream's name as typed: its SNI, and the name its certificate must carry.
    upstream: Option<(Arc<rustls::ClientConfig>, String)>,
}

impl Ends {
    /// Says the certificate clients are shown, when there is one.
    pub fn new(context: &WorkerContext, config: &RelayConfig) -> Result<Self, NetError> {
        let clients = config
            .tls
            .clients
            .as_ref()
            .map(|identity| tls::server_config_for(context, identity, config.listen))
            .transpose()?;
        let upstream = match &config.tls.upstream {
            Some(verify) => Some((tls::client_config(verify)?, config.upstream_host.clone())),
            None => None,
        };
        Ok(Self { clients, upstream })
    }

    /// Whether either side speaks TLS with the relay.
    pub fn any(&self) -> bool {
        self.clients.is_some() || self.upstream.is_some()
    }

    /// A client's connection as the relay reads it.
    pub fn client(&self, socket: mio::net::TcpStream) -> Result<Stream, NetError> {
        let Some(config) = &self.clients else {
            return Ok(Stream::Plain(socket));
        };
        let tls = rustls::ServerConnection::new(Arc::clone(config))
            .map_err(|error| NetError::Tls((&error).into()))?;
        Ok(Stream::Tls(Box::new(TlsStream::new(socket, tls))))
    }

    /// The connection to the upstream as the relay reads it.
    pub fn upstream(&self, socket: mio::net::TcpStream) -> Result<Stream, NetError> {
        let Some((config, host)) = &self.upstream else {
            return Ok(Stream::Plain(socket));
        };
        let tls = tls::client_connection(config, host)?;
        Ok(Stream::Tls(Box::new(TlsStream::new(socket, tls))))
    }
}
