//! Creating listening and datagram sockets with the options a debugging tool wants.

use std::io;
use std::net::{SocketAddr, TcpListener, UdpSocket};

use socket2::{Domain, Protocol, Socket, Type};

use super::NetError;

/// What a UDP socket asks the OS to buffer: a few thousand datagrams of a flood.
const UDP_RECEIVE_BUFFER: usize = 8 * 1024 * 1024;

fn new_socket(local: SocketAddr, kind: Type, protocol: Protocol) -> io::Result<Socket> {
    let socket = Socket::new(Domain::for_address(local), kind, Some(protocol))?;
    // "::" should also take IPv4 peers on every OS (Windows defaults to IPv6 only).
    if local.is_ipv6() && local.ip().is_unspecified() {
        socket.set_only_v6(false)?;
    }
    Ok(socket)
}

/// A non-blocking TCP listener on `local`.
pub(super) fn listen_tcp(local: SocketAddr) -> Result<TcpListener, NetError> {
    let bind = || -> io::Result<TcpListener> {
        let socket = new_socket(local, Type::STREAM, Protocol::TCP)?;
        // Lets a restarted server rebind while old connections sit in TIME_WAIT. Not on Windows,
        // where SO_REUSEADDR would let two listeners share the port.
        #[cfg(not(windows))]
        socket.set_reuse_address(true)?;
        socket.bind(&local.into())?;
        socket.listen(1024)?;
        socket.set_nonblocking(true)?;
        Ok(socket.into())
    };
    bind().map_err(|error| NetError::from_bind(local, &error))
}

/// A non-blocking UDP socket bound to `local`.
pub(super) fn bind_udp(local: SocketAddr) -> Result<UdpSocket, NetError> {
    let bind = || -> io::Result<UdpSocket> {
        let socket = new_socket(local, Type::DGRAM, Protocol::UDP)?;
        // Room for a burst while the worker is busy (the OS may grant less: Linux caps it at
        // net.core.rmem_max). Failing to get it is no reason not to open.
        let _ = socket.set_recv_buffer_size(UDP_RECEIVE_BUFFER);
        socket.bind(&local.into())?;
        socket.set_nonblocking(true)?;
        Ok(socket.into())
    };
    bind().map_err(|error| NetError::from_bind(local, &error))
}
