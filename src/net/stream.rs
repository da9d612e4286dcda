//! A TCP connection as the workers read and write it: plain, or TLS over it.

use std::io::{self, Read, Write};

use super::tls::{TlsSession, TlsStream};

pub(super) enum Stream {
    Plain(mio::net::TcpStream),
    Tls(Box<TlsStream<mio::net::TcpStream>>),
}

impl Stream {
    /// The socket under it.
    pub fn socket(&self) -> &mio::net::TcpStream {
        match self {
            Self::Plain(socket) => socket,
            Self::Tls(stream) => stream.socket(),
        }
    }

    /// The socket, for the poll's registry.
    pub fn socket_mut(&mut self) -> &mut mio::net::TcpStream {
        match self {
            Self::Plain(socket) => socket,
            Self::Tls(stream) => stream.socket_mut(),
        }
    }

    /// Bytes of its own (TLS records) wait for the socket, beyond what the outbox holds.
    pub fn wants_write(&self) -> bool {
        match self {
            Self::Plain(_) => false,
            Self::Tls(stream) => stream.wants_write(),
        }
    }

    /// A TLS handshake is still going on.
    pub fn is_handshaking(&self) -> bool {
        match self {
            Self::Plain(_) => false,
            Self::Tls(stream) => stream.is_handshaking(),
        }
    }

    /// The TLS session, once, as soon as its handshake is over.
    pub fn take_secured(&mut self) -> Option<TlsSession> {
        match self {
            Self::Plain(_) => None,
            Self::Tls(stream) => stream.take_secured(),
        }
    }

    /// Ends TLS politely (close_notify) before the socket closes; nothing for plain TCP.
    pub fn close(&mut self) {
        if let Self::Tls(stream) = self {
            stream.close();
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Self::Plain(socket) => socket.read(buf),
            Self::Tls(stream) => stream.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Self::Plain(socket) => socket.write(buf),
            Self::Tls(stream) => stream.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Self::Plain(socket) => socket.flush(),
            Self::Tls(stream) => stream.flush(),
        }
    }
}
