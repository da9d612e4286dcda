//! Creating listening and datagram sockets with the options a debugging tool wants.

use std::io;
use std::net::{SocketAddr, TcpListener, UdpSocket};

use socket2::{Domain, Protocol, Socket, Type};

use super::NetError;

/// What a UDP socket asks the OS to buffer: a few thousand datagrams of a flood.
const UDP_RECEIVE_BUFFER: usize = 8 * 1024 * 1024;

/// Which peers a socket on an IPv6 wildcard address (`::`) takes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Stack {
    /// IPv4 peers too, as IPv4-mapped addresses (IPV6_V6ONLY off), on every OS (Windows
    /// defaults to IPv6 only).
    #[default]
    Dual,
    /// IPv6 peers only.
    V6Only,
}

fn new_socket(
    local: SocketAddr,
    kind: Type,
    protocol: Protocol,
    stack: Stack,
) -> io::Result<Socket> {
    let socket = Socket::new(Domain::for_address(local), kind, Some(protocol))?;
    if local.is_ipv6() && local.ip().is_unspecified() {
        socket.set_only_v6(stack == Stack::V6Only)?;
    }
    Ok(socket)
}

/// A non-blocking TCP listener on `local`.
pub(super) fn listen_tcp(local: SocketAddr, stack: Stack) -> Result<TcpListener, NetError> {
    let bind = || -> io::Result<TcpListener> {
        let socket = new_socket(local, Type::STREAM, Protocol::TCP, stack)?;
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
pub(super) fn bind_udp(local: SocketAddr, stack: Stack) -> Result<UdpSocket, NetError> {
    let bind = || -> io::Result<UdpSocket> {
        let socket = new_socket(local, Type::DGRAM, Protocol::UDP, stack)?;
        // Room for a burst while the worker is busy (the OS may grant less: Linux caps it at
        // net.core.rmem_max). Failing to get it is no reason not to open.
        let _ = socket.set_recv_buffer_size(UDP_RECEIVE_BUFFER);
        socket.bind(&local.into())?;
        socket.set_nonblocking(true)?;
        Ok(socket.into())
    };
    bind().map_err(|error| NetError::from_bind(local, &error))
}

/// `peer` as users write it: an IPv4 client of a dual-stack socket arrives as `::ffff:a.b.c.d`.
pub(super) fn canonical(peer: SocketAddr) -> SocketAddr {
    SocketAddr::new(peer.ip().to_canonical(), peer.port())
}

/// `peer` as the socket bound to `local` can address it: an IPv6 socket reaches IPv4 peers
/// at their IPv4-mapped address.
pub(super) fn addressable(local: SocketAddr, peer: SocketAddr) -> SocketAddr {
    match (local, peer) {
        (SocketAddr::V6(_), SocketAddr::V4(v4)) => {
            SocketAddr::new(v4.ip().to_ipv6_mapped().into(), v4.port())
        }
        _ => peer,
    }
}
