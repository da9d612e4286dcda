//! Multicast groups a UDP socket joins: which group, on which interface. Joins and leaves go
//! through `IP_ADD_MEMBERSHIP` / `IPV6_JOIN_GROUP` on the worker's socket.

use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr};

use socket2::SockRef;

/// Where a group is joined: the OS's choice, or one interface (IPv4 by an address of it,
/// IPv6 by its index).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Interface {
    #[default]
    Any,
    V4(Ipv4Addr),
    Index(u32),
}

/// A multicast group joined (or to join) on an interface, from any source or (IPv4,
/// source-specific) from one.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Group {
    pub address: IpAddr,
    pub interface: Interface,
    /// Only this sender's datagrams (IGMPv3 source-specific membership).
    pub source: Option<IpAddr>,
    /// How the user named the interface (`eth0`, an address), for the log; empty for any.
    pub interface_name: String,
}

/// `239.1.2.3`, `239.1.2.3@eth0`, `ff02::1234@lo`, and source-specific `10.0.0.5,232.1.1.1`
/// (the order of mcjoin and its kin).
impl fmt::Display for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(source) = self.source {
            write!(f, "{source},")?;
        }
        if self.interface_name.is_empty() {
            write!(f, "{}", self.address)
        } else {
            write!(f, "{}@{}", self.address, self.interface_name)
        }
    }
}

impl Group {
    pub(super) fn join(&self, socket: &mio::net::UdpSocket) -> io::Result<()> {
        let socket = SockRef::from(socket);
        if let Some(source) = self.source {
            let (group, source, interface) = self.source_specific(source)?;
            return socket.join_ssm_v4(&source, &group, &interface);
        }
        match (self.address, self.interface) {
            (IpAddr::V4(group), Interface::V4(interface)) => {
                socket.join_multicast_v4(&group, &interface)
            }
            (IpAddr::V4(group), _) => socket.join_multicast_v4(&group, &Ipv4Addr::UNSPECIFIED),
            (IpAddr::V6(group), Interface::Index(index)) => socket.join_multicast_v6(&group, index),
            (IpAddr::V6(group), _) => socket.join_multicast_v6(&group, 0),
        }
    }

    pub(super) fn leave(&self, socket: &mio::net::UdpSocket) -> io::Result<()> {
        let socket = SockRef::from(socket);
        if let Some(source) = self.source {
            let (group, source, interface) = self.source_specific(source)?;
            return socket.leave_ssm_v4(&source, &group, &interface);
        }
        match (self.address, self.interface) {
            (IpAddr::V4(group), Interface::V4(interface)) => {
                socket.leave_multicast_v4(&group, &interface)
            }
            (IpAddr::V4(group), _) => socket.leave_multicast_v4(&group, &Ipv4Addr::UNSPECIFIED),
            (IpAddr::V6(group), Interface::Index(index)) => {
                socket.leave_multicast_v6(&group, index)
            }
            (IpAddr::V6(group), _) => socket.leave_multicast_v6(&group, 0),
        }
    }
}

impl Group {
    /// Group, source and interface of an IPv4 source-specific membership (socket2 has no
    /// IPv6 one).
    fn source_specific(&self, source: IpAddr) -> io::Result<(Ipv4Addr, Ipv4Addr, Ipv4Addr)> {
        let interface = match self.interface {
            Interface::V4(interface) => interface,
            Interface::Any | Interface::Index(_) => Ipv4Addr::UNSPECIFIED,
        };
        match (self.address, source) {
            (IpAddr::V4(group), IpAddr::V4(source)) => Ok((group, source, interface)),
            _ => Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "source-specific joins are IPv4 only",
            )),
        }
    }
}

/// How multicast sends go out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MulticastSend {
    /// IPv4 TTL / IPv6 hop limit: 1 stays on the local network.
    pub ttl: u32,
    /// This machine's own sockets in the group hear the sends too.
    pub loopback: bool,
}

impl Default for MulticastSend {
    fn default() -> Self {
        Self {
            ttl: 1,
            loopback: true,
        }
    }
}

impl MulticastSend {
    pub(super) fn apply(self, socket: &std::net::UdpSocket, ipv6: bool) -> io::Result<()> {
        let socket = SockRef::from(socket);
        if ipv6 {
            socket.set_multicast_hops_v6(self.ttl)?;
            socket.set_multicast_loop_v6(self.loopback)
        } else {
            socket.set_multicast_ttl_v4(self.ttl)?;
            socket.set_multicast_loop_v4(self.loopback)
        }
    }
}
