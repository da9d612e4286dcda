//! Receiving a datagram together with the kernel's count of the datagrams it dropped for the
//! socket (Linux `SO_RXQ_OVFL`: the count rides on every datagram as a control message).
//!
//! Why: when a UDP socket's buffer is full the kernel drops what arrives, silently. A count of
//! what was lost is worth more than silence, and no peer tool shows it. Elsewhere the count is
//! not available and receiving is a plain `recv_from`.

use std::io;
use std::net::SocketAddr;

/// One datagram received into the caller's buffer.
pub struct Received {
    pub len: usize,
    pub from: SocketAddr,
    /// Datagrams the kernel dropped for this socket since it was opened, where it says.
    pub dropped: Option<u32>,
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
        *control = nix::cmsg_space!(u32);
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
    // A truncated control buffer only loses the count, never the datagram.
    let dropped = message.cmsgs().ok().and_then(|mut messages| {
        messages.find_map(|message| match message {
            ControlMessageOwned::RxqOvfl(count) => Some(count),
            _ => None,
        })
    });
    Ok(Received {
        len: message.bytes,
        from,
        dropped,
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
    })
}
