//! Receiving a datagram together with the kernel's count of the datagrams it dropped for the
//! socket (Linux `SO_RXQ_OVFL`: the count rides on every datagram as a control message), and,
//! for a socket on a wildcard address, the address it was sent to (`IP_PKTINFO`,
//! `IPV6_RECVPKTINFO`): unicast, broadcast, or which multicast group.
//!
//! Why: when a UDP socket's buffer is full the kernel drops what arrives, silently. A count of
//! what was lost is worth more than silence, and no peer tool shows it. Elsewhere the count is
//! not available and receiving is a plain `recv_from`.

use std::io;
use std::net::{IpAddr, SocketAddr};

/// One datagram received into the caller's buffer.
pub struct Received {
    pub len: usize,
    pub from: SocketAddr,
    /// Datagrams the kernel dropped for this socket since it was opened, where it says.
    pub dropped: Option<u32>,
    /// The address it was sent to, where the socket asked ([`ask_destinations`]).
    pub to: Option<IpAddr>,
}

/// Asks the kernel to say where each datagram was sent. Returns whether it will.
#[cfg(target_os = "linux")]
pub fn ask_destinations(socket: &mio::net::UdpSocket, ipv6: bool) -> bool {
    use nix::sys::socket::{setsockopt, sockopt};
    if ipv6 {
        setsockopt(socket, sockopt::Ipv6RecvPacketInfo, &true).is_ok()
    } else {
        setsockopt(socket, sockopt::Ipv4PacketInfo, &true).is_ok()
    }
}

#[cfg(not(target_os = "linux"))]
pub fn ask_destinations(_socket: &mio::net::UdpSocket, _ipv6: bool) -> bool {
    false
}

/// Asks the kernel to count the datagrams it drops for `socket`. Returns whether it will.
#[cfg(target_os = "linux")]
pub fn count_drops(socket: &mio::net::UdpSocket) -> bool {
    use nix::sys::socket::{setsockopt, sockopt};
    setsockopt(socket, sockopt::RxqOvfl, &1).is_ok()
}

#[cfg(not(target_os = "linux"))]
pub fn count_drops(_socket: &mio::net::UdpSocket) -> bool {
    false
}

/// Receives one datagram (and, on Linux, the drop count that came with it).
#[cfg(target_os = "linux")]
pub fn receive(
    socket: &mio::net::UdpSocket,
    buffer: &mut [u8],
    control: &mut Vec<u8>,
) -> io::Result<Received> {
    use nix::sys::socket::{ControlMessageOwned, MsgFlags, SockaddrStorage, recvmsg};
    use std::os::fd::AsRawFd;

    if control.is_empty() {
        *control = nix::cmsg_space!(u32, libc::in6_pktinfo);
    }
    let mut slices = [io::IoSliceMut::new(buffer)];
    let message = recvmsg::<SockaddrStorage>(
        socket.as_raw_fd(),
        &mut slices,
        Some(control.as_mut_slice()),
        MsgFlags::empty(),
    )
    .map_err(io::Error::from)?;
    let from = message.address.as_ref().and_then(|address| {
        if let Some(v4) = address.as_sockaddr_in() {
            Some(SocketAddr::V4((*v4).into()))
        } else {
            address
                .as_sockaddr_in6()
                .map(|v6| SocketAddr::V6((*v6).into()))
        }
    });
    let from = from.ok_or_else(|| io::Error::other("a datagram without a sender's address"))?;
    // A truncated control buffer only loses the count or the destination, never the datagram.
    let (mut dropped, mut to) = (None, None);
    for message in message.cmsgs().into_iter().flatten() {
        match message {
            ControlMessageOwned::RxqOvfl(count) => dropped = Some(count),
            ControlMessageOwned::Ipv4PacketInfo(info) => {
                let ip = std::net::Ipv4Addr::from(u32::from_be(info.ipi_addr.s_addr));
                to = Some(IpAddr::V4(ip));
            }
            ControlMessageOwned::Ipv6PacketInfo(info) => {
                let ip = std::net::Ipv6Addr::from(info.ipi6_addr.s6_addr);
                to = Some(IpAddr::V6(ip).to_canonical());
            }
            _ => {}
        }
    }
    Ok(Received {
        len: message.bytes,
        from,
        dropped,
        to,
    })
}

#[cfg(not(target_os = "linux"))]
pub fn receive(
    socket: &mio::net::UdpSocket,
    buffer: &mut [u8],
    _control: &mut Vec<u8>,
) -> io::Result<Received> {
    let (len, from) = socket.recv_from(buffer)?;
    Ok(Received {
        len,
        from,
        dropped: None,
        to: None,
    })
}
