//! TLS over a non-blocking socket, as `Read` and `Write`: the poll loop reads and writes it as
//! it does a plain stream. rustls does no I/O itself; this moves its records to and from the
//! socket and reports `WouldBlock` only when the socket did, so edge-triggered polling holds.

use std::io::{self, Read, Write};

use super::{CertificateInfo, TlsSession};

pub(in crate::net) struct TlsStream<S> {
    socket: S,
    tls: rustls::Connection,
    /// The handshake's outcome was handed out (see [`TlsStream::take_secured`]).
    reported: bool,
}

impl<S: Read + Write> TlsStream<S> {
    pub fn new(socket: S, tls: impl Into<rustls::Connection>) -> Self {
        Self {
            socket,
            tls: tls.into(),
            reported: false,
        }
    }

    pub fn socket_mut(&mut self) -> &mut S {
        &mut self.socket
    }

    /// TLS records wait for the socket to take them.
    pub fn wants_write(&self) -> bool {
        self.tls.wants_write()
    }

    /// The session, once, as soon as the handshake is over.
    pub fn take_secured(&mut self) -> Option<TlsSession> {
        if self.reported || self.tls.is_handshaking() {
            return None;
        }
        self.reported = true;
        Some(session_of(&self.tls))
    }

    /// Says goodbye (close_notify) as far as the socket takes it now.
    pub fn close(&mut self) {
        self.tls.send_close_notify();
        let _ = self.send_records();
    }

    /// Writes TLS records until none wait or the socket would block.
    fn send_records(&mut self) -> io::Result<()> {
        while self.tls.wants_write() {
            match self.tls.write_tls(&mut self.socket) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(_) => {}
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => return Err(error),
            }
        }
        Ok(())
    }

    /// Reads records from the socket once and decrypts them; `Ok(false)` at the socket's end.
    fn receive_records(&mut self) -> io::Result<bool> {
        let open = loop {
            match self.tls.read_tls(&mut self.socket) {
                Ok(0) => break false,
                Ok(_) => break true,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => return Err(error),
            }
        };
        if let Err(error) = self.tls.process_new_packets() {
            // The alert that says why goes first, as far as it can.
            let _ = self.send_records();
            return Err(io::Error::new(io::ErrorKind::InvalidData, error));
        }
        // Handshake messages and key updates answer what was read.
        self.send_records()?;
        Ok(open)
    }
}

impl<S: Read + Write> Read for TlsStream<S> {
    /// `Ok(0)` when the peer closed, with close_notify or not (many devices just close).
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            match self.tls.reader().read(buf) {
                Ok(n) => return Ok(n),
                Err(error) if error.kind() == io::ErrorKind::UnexpectedEof => return Ok(0),
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => {}
                Err(error) => return Err(error),
            }
            if !self.receive_records()? && self.tls.is_handshaking() {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    super::TlsFailure::ClosedInHandshake,
                ));
            }
        }
    }
}

impl<S: Read + Write> Write for TlsStream<S> {
    /// Takes what rustls's buffer has room for (before the handshake ends, too: it goes as
    /// soon as it can); `WouldBlock` when the buffer is full.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.send_records()?;
        let taken = self.tls.writer().write(buf)?;
        self.send_records()?;
        if taken == 0 && !buf.is_empty() {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        Ok(taken)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send_records()
    }
}

/// Version, cipher suite and the peer's certificate, as negotiated.
pub(super) fn session_of(tls: &rustls::Connection) -> TlsSession {
    let version = match tls.protocol_version() {
        Some(rustls::ProtocolVersion::TLSv1_3) => "TLS 1.3".to_owned(),
        Some(rustls::ProtocolVersion::TLSv1_2) => "TLS 1.2".to_owned(),
        Some(other) => format!("{other:?}"),
        None => "?".to_owned(),
    };
    let cipher_suite = tls
        .negotiated_cipher_suite()
        .map_or_else(|| "?".to_owned(), |suite| format!("{:?}", suite.suite()));
    let certificate = tls
        .peer_certificates()
        .and_then(<[_]>::first)
        .map(|der| CertificateInfo::read(der));
    TlsSession {
        version,
        cipher_suite,
        certificate,
    }
}
