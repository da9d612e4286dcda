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
    /// A failure found after data that came before it: that data is read first.
    failed: Option<io::Error>,
}

impl<S: Read + Write> TlsStream<S> {
    pub fn new(socket: S, tls: impl Into<rustls::Connection>) -> Self {
        Self {
            socket,
            tls: tls.into(),
            reported: false,
            failed: None,
        }
    }

    pub fn socket(&self) -> &S {
        &self.socket
    }

    pub fn socket_mut(&mut self) -> &mut S {
        &mut self.socket
    }

    /// TLS records wait for the socket to take them.
    pub fn wants_write(&self) -> bool {
        self.tls.wants_write()
    }

    /// Still shaking hands.
    pub fn is_handshaking(&self) -> bool {
        self.tls.is_handshaking()
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
    /// A failure after that keeps what was decrypted before it readable: it waits in
    /// `failed` until that is read.
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
            // The alert that says why goes out as far as it can.
            let _ = self.send_records();
            self.failed = Some(io::Error::new(io::ErrorKind::InvalidData, error));
        } else if let Err(error) = self.send_records() {
            // Handshake messages and key updates answer what was read.
            self.failed = Some(error);
        }
        Ok(open)
    }
}

impl<S: Read + Write> Read for TlsStream<S> {
    /// Fills `buf` with what the records hold (several records a call, as a plain socket
    /// gives what it has). `Ok(0)` when the peer closed, with close_notify or not (many
    /// devices just close). The end of the handshake ends a call early, with `WouldBlock`
    /// if nothing was read: the caller reports the handshake before any data, and reads on.
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut filled = 0;
        loop {
            match self.tls.reader().read(&mut buf[filled..]) {
                Ok(n) => {
                    filled += n;
                    if n == 0 || filled == buf.len() {
                        return Ok(filled);
                    }
                }
                Err(error) if error.kind() == io::ErrorKind::UnexpectedEof => return Ok(filled),
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => {}
                Err(error) if filled > 0 => {
                    self.failed = Some(error);
                    return Ok(filled);
                }
                Err(error) => return Err(error),
            }
            if let Some(error) = self.failed.take() {
                if filled > 0 {
                    self.failed = Some(error);
                    return Ok(filled);
                }
                return Err(error);
            }
            let open = match self.receive_records() {
                Ok(open) => open,
                Err(error) if filled > 0 => {
                    if error.kind() != io::ErrorKind::WouldBlock {
                        self.failed = Some(error);
                    }
                    return Ok(filled);
                }
                Err(error) => return Err(error),
            };
            if !self.reported && !self.tls.is_handshaking() && self.failed.is_none() {
                return Err(io::ErrorKind::WouldBlock.into());
            }
            if !open && self.tls.is_handshaking() && self.failed.is_none() {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    super::TlsFailure::ClosedInHandshake,
                ));
            }
        }
    }
}

impl<S: Read + Write> Write for TlsStream<S> {
    /// Takes what rustls's buffer has room for; `WouldBlock` when the buffer is full, and
    /// while the handshake goes on (what is written waits in the outbox, not unsent inside
    /// rustls, so it counts as sent only once it goes).
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.send_records()?;
        if self.tls.is_handshaking() {
            return Err(io::ErrorKind::WouldBlock.into());
        }
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
