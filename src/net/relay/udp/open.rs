//! Opening the UDP relay: the upstream looked up, the clients' socket bound, and a socket
//! toward the upstream for each client.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use socket2::{Domain, Protocol, Socket, Type};

use super::{CLIENTS_TOKEN, DATAGRAM_MAX, UdpRelay};
use crate::net::relay::RelayConfig;
use crate::net::relay::steering::Steering;
use crate::net::resolve::resolve;
use crate::net::socket::bind_udp;
use crate::net::{EventKind, NetError, WorkerContext, datagram};

/// The upstream's address, looked up once as the relay opens (within the connect timeout):
/// a datagram has no connect to look it up for, nor an answer that says an address is
/// wrong. An IPv4 address first, where the name has one (`localhost` often gives `::1`
/// first, and devices' servers mostly listen on IPv4); the log names the one used.
fn look_up(config: &RelayConfig) -> Result<SocketAddr, NetError> {
    let target = config.upstream();
    let failed = |error: NetError| NetError::Upstream {
        target: target.clone(),
        error: Box::new(error),
    };
    let answer = resolve(&config.upstream_host, config.upstream_port, || {});
    match answer.recv_timeout(config.connect_timeout) {
        Ok(Ok(addresses)) => addresses
            .iter()
            .find(|addr| addr.is_ipv4())
            .or(addresses.first())
            .copied()
            .ok_or_else(|| {
                failed(NetError::Dns {
                    host: config.upstream_host.clone(),
                    detail: "no address".to_owned(),
                })
            }),
        Ok(Err(error)) => Err(failed(error)),
        Err(_) => Err(failed(NetError::TimedOut {
            target: target.clone(),
            after: config.connect_timeout,
        })),
    }
}

pub(super) fn open(
    context: &WorkerContext,
    config: &RelayConfig,
    idle: Duration,
) -> Result<UdpRelay, NetError> {
    let upstream = look_up(config)?;
    let listen = config.listen;
    let socket = bind_udp(listen, config.stack)?;
    let io_error = |error: io::Error| NetError::io(format!("cannot open {listen}"), &error);
    let local = socket.local_addr().map_err(io_error)?;
    let mut clients = mio::net::UdpSocket::from_std(socket);
    context
        .poll
        .registry()
        .register(&mut clients, CLIENTS_TOKEN, mio::Interest::READABLE)
        .map_err(io_error)?;
    // The address each client reached, for the log and .pcapng, where bound to a wildcard.
    if local.ip().is_unspecified() {
        datagram::ask_destinations(&clients, local.is_ipv6());
    }
    context.sink.emit(EventKind::Listening { local });
    Ok(UdpRelay {
        clients,
        local,
        upstream,
        target: config.upstream(),
        bind: config.local,
        idle,
        pairs: BTreeMap::new(),
        by_address: HashMap::new(),
        cut_off: HashMap::new(),
        next_id: 1,
        clients_unread: false,
        unread: BTreeSet::new(),
        writing: false,
        refusing: false,
        steering: Steering::new(config),
        buffer: vec![0; DATAGRAM_MAX],
        control: Vec::new(),
    })
}

/// A socket of its own toward the upstream for one client, bound to `bind` (or any port;
/// "any address" is any address of the upstream's IP version).
pub(super) fn upstream_socket(
    upstream: SocketAddr,
    bind: Option<SocketAddr>,
) -> io::Result<mio::net::UdpSocket> {
    let any = match upstream {
        SocketAddr::V4(_) => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        SocketAddr::V6(_) => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
    };
    let local = match bind {
        Some(bind) if bind.ip().is_unspecified() => SocketAddr::new(any, bind.port()),
        Some(bind) => bind,
        None => SocketAddr::new(any, 0),
    };
    let socket = Socket::new(Domain::for_address(local), Type::DGRAM, Some(Protocol::UDP))?;
    socket.bind(&local.into())?;
    socket.connect(&upstream.into())?;
    socket.set_nonblocking(true)?;
    Ok(mio::net::UdpSocket::from_std(socket.into()))
}
