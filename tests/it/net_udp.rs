//! The UDP worker against real std UDP peers on loopback.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};

use crate::common_net::{
    GBK_HELLO_WORLD, SILENCE, all_byte_values, expect_closed, expect_event,
    ipv6_loopback_available, recv_datagram, udp_peer,
};
use sockscope::net::{
    CloseReason, Command, EventKind, NetError, RemoteTarget, SendOrigin, SendTarget, UdpOptions,
    Worker, spawn_udp,
};

/// Starts a UDP session on `ip` with an OS-chosen port; returns it with its bound address.
fn spawn_on(ip: impl Into<std::net::IpAddr>) -> (Worker, SocketAddr) {
    let worker = spawn_udp(SocketAddr::new(ip.into(), 0), UdpOptions::default())
        .expect("spawn the UDP worker");
    let EventKind::Opened { local } =
        expect_event(&worker, |kind| matches!(kind, EventKind::Opened { .. }))
    else {
        unreachable!("expect_event returns the awaited event");
    };
    assert_ne!(local.port(), 0, "Opened reports the port the OS chose");
    (worker, local)
}

fn send(worker: &Worker, bytes: &[u8], target: Option<RemoteTarget>) {
    let command = Command::Send {
        bytes: bytes.to_vec(),
        to: SendTarget::Datagram(target),
        origin: SendOrigin::Typed(None),
    };
    assert!(worker.send(command), "the worker stopped unexpectedly");
}

fn target(host: &str, peer: &UdpSocket) -> Option<RemoteTarget> {
    Some(RemoteTarget {
        host: host.to_owned(),
        port: peer.local_addr().expect("peer address").port(),
    })
}

fn expect_received(worker: &Worker) -> EventKind {
    expect_event(worker, |kind| matches!(kind, EventKind::Received { .. }))
}

fn expect_sent(worker: &Worker) -> EventKind {
    expect_event(worker, |kind| matches!(kind, EventKind::Sent { .. }))
}

fn received(peer: SocketAddr, bytes: &[u8]) -> EventKind {
    EventKind::Received {
        peer,
        client: None,
        bytes: bytes.to_vec(),
        to: None,
    }
}

fn sent(peer: SocketAddr, bytes: &[u8]) -> EventKind {
    EventKind::Sent {
        peer,
        client: None,
        bytes: bytes.to_vec(),
        origin: SendOrigin::Typed(None),
    }
}

#[test]
fn receives_datagrams_and_replies_to_the_last_sender_or_a_named_target() {
    let (worker, local) = spawn_on(Ipv4Addr::LOCALHOST);
    let first = udp_peer("127.0.0.1");
    let first_addr = first.local_addr().expect("peer address");

    for payload in [b"hi".as_slice(), GBK_HELLO_WORLD] {
        first.send_to(payload, local).expect("peer sends");
        assert_eq!(expect_received(&worker), received(first_addr, payload));
    }

    // No target: the reply goes to whoever sent last.
    send(&worker, b"reply", None);
    assert_eq!(expect_sent(&worker), sent(first_addr, b"reply"));
    assert_eq!(recv_datagram(&first), (b"reply".to_vec(), local));

    // A named target: an IP literal, then a name (localhost comes from /etc/hosts, no DNS query).
    let second = udp_peer("127.0.0.1");
    let second_addr = second.local_addr().expect("peer address");
    for host in ["127.0.0.1", "localhost"] {
        let payload = format!("to {host}").into_bytes();
        send(&worker, &payload, target(host, &second));
        assert_eq!(expect_sent(&worker), sent(second_addr, &payload));
        assert_eq!(recv_datagram(&second), (payload, local));
    }
    // Those went to the second peer only.
    first
        .set_read_timeout(Some(SILENCE))
        .expect("shorten the read timeout");
    let mut buffer = [0; 64];
    let silent = first.recv_from(&mut buffer);
    assert!(silent.is_err(), "the first peer got {silent:?}");
}

#[test]
fn reply_before_any_datagram_fails_with_no_destination() {
    let (worker, _) = spawn_on(Ipv4Addr::LOCALHOST);
    send(&worker, b"to nobody", None);
    assert_eq!(
        expect_event(&worker, |kind| matches!(kind, EventKind::SendFailed { .. })),
        EventKind::SendFailed {
            peer: None,
            error: NetError::NoDestination,
            origin: SendOrigin::Typed(None),
        }
    );
    // The session survives the failed send.
    assert!(
        worker.send(Command::Shutdown),
        "the worker is still running"
    );
    assert_eq!(expect_closed(&worker), CloseReason::Requested);
}

#[test]
fn every_byte_value_and_a_60000_byte_datagram_cross_whole() {
    let (worker, local) = spawn_on(Ipv4Addr::LOCALHOST);
    let peer = udp_peer("127.0.0.1");
    let peer_addr = peer.local_addr().expect("peer address");
    let large: Vec<u8> = (0..60_000_u32)
        .map(|i| u8::try_from(i % 251).expect("below 251"))
        .collect();

    for payload in [all_byte_values(), large] {
        peer.send_to(&payload, local).expect("peer sends");
        assert_eq!(expect_received(&worker), received(peer_addr, &payload));

        send(&worker, &payload, None);
        assert_eq!(expect_sent(&worker), sent(peer_addr, &payload));
        assert_eq!(recv_datagram(&peer), (payload, local));
    }
}

#[test]
fn binding_a_port_in_use_fails_with_addr_in_use() {
    let holder = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind a std UDP socket");
    let addr = holder.local_addr().expect("holder address");
    let worker = spawn_udp(addr, UdpOptions::default()).expect("spawn the UDP worker");
    assert_eq!(
        expect_closed(&worker),
        CloseReason::Failed(NetError::AddrInUse { addr })
    );
}

#[test]
fn works_over_ipv6_loopback() {
    if !ipv6_loopback_available() {
        eprintln!("skipped: [::1] cannot be bound on this machine");
        return;
    }
    let (worker, local) = spawn_on(Ipv6Addr::LOCALHOST);
    assert!(local.is_ipv6(), "{local}");
    let peer = udp_peer("::1");
    let peer_addr = peer.local_addr().expect("peer address");

    peer.send_to(b"over v6", local).expect("peer sends");
    assert_eq!(expect_received(&worker), received(peer_addr, b"over v6"));

    send(&worker, b"reply v6", None);
    assert_eq!(expect_sent(&worker), sent(peer_addr, b"reply v6"));
    assert_eq!(recv_datagram(&peer), (b"reply v6".to_vec(), local));

    send(&worker, b"to ::1", target("::1", &peer));
    assert_eq!(expect_sent(&worker), sent(peer_addr, b"to ::1"));
    assert_eq!(recv_datagram(&peer), (b"to ::1".to_vec(), local));
}

#[test]
fn shutdown_closes_the_session_and_frees_the_port() {
    let (worker, local) = spawn_on(Ipv4Addr::LOCALHOST);
    assert!(worker.send(Command::Shutdown), "the worker is running");
    assert_eq!(expect_closed(&worker), CloseReason::Requested);
    UdpSocket::bind(local).expect("the port is free once the session reported Closed");
    worker.shutdown_and_join();
}

/// A flood the worker cannot take in while nobody takes its events: past its queue's limit it
/// stops reading, the socket's buffer fills, and the OS drops the rest. Every datagram is then
/// either received or counted as dropped. The kernel stamps its count on each datagram as it
/// queues it, so drops after the last queued datagram show with the next one: the test sends
/// one more once the flood was taken in.
#[cfg(target_os = "linux")]
#[test]
fn datagrams_the_os_drops_are_counted() {
    use crossbeam_channel::RecvTimeoutError;
    use std::time::{Duration, Instant};
    const FLOOD: u64 = 30_000;
    let (worker, local) = spawn_on(Ipv4Addr::LOCALHOST);
    let peer = udp_peer("127.0.0.1");
    let datagram = [0xA5; 1400];
    for _ in 0..FLOOD {
        peer.send_to(&datagram, local).expect("send");
    }
    let (mut received, mut dropped, mut probed) = (0, 0, false);
    let deadline = Instant::now() + Duration::from_secs(60);
    while received + dropped < FLOOD + 1 {
        assert!(
            Instant::now() < deadline,
            "{received} received and {dropped} dropped of {FLOOD} and a probe"
        );
        match worker.next_event(Instant::now() + Duration::from_millis(200)) {
            Ok(event) => match event.kind {
                EventKind::Received { .. } => received += 1,
                EventKind::Dropped { total } => {
                    assert!(total >= dropped, "the total only grows");
                    dropped = total;
                }
                other => panic!("unexpected {other:?}"),
            },
            // The flood was taken in: the probe brings the count of what the kernel dropped.
            Err(RecvTimeoutError::Timeout) if !probed => {
                peer.send_to(b"probe", local).expect("send");
                probed = true;
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(error) => panic!("{error}"),
        }
    }
    assert!(dropped > 0, "the flood overflowed the socket's buffer");
    assert_eq!(received + dropped, FLOOD + 1);
}

#[test]
fn a_dual_stack_socket_takes_ipv4_and_ipv6_peers_and_answers_both() {
    if !ipv6_loopback_available() {
        eprintln!("skipped: no IPv6 loopback here");
        return;
    }
    let (worker, local) = spawn_on(Ipv6Addr::UNSPECIFIED);
    let v4 = udp_peer("127.0.0.1");
    let v6 = udp_peer("::1");
    for (peer, ip, text) in [
        (&v4, "127.0.0.1", &b"from IPv4"[..]),
        (&v6, "::1", &b"from IPv6"[..]),
    ] {
        peer.send_to(text, (ip, local.port())).expect("send");
        let from = peer.local_addr().expect("peer address");
        // An IPv4 peer shows as users write it, not as ::ffff:127.0.0.1; on a wildcard
        // address the socket also says where each datagram was sent.
        let to = ip.parse().ok();
        let expected = EventKind::Received {
            peer: from,
            client: None,
            bytes: text.to_vec(),
            to,
        };
        assert_eq!(expect_received(&worker), expected);
        send(&worker, b"answer", None);
        assert_eq!(
            recv_datagram(peer).0,
            b"answer".to_vec(),
            "the reply reaches {from}"
        );
    }
    send(&worker, b"typed", target("127.0.0.1", &v4));
    assert_eq!(
        recv_datagram(&v4).0,
        b"typed".to_vec(),
        "an IPv4 target typed in"
    );
}

#[test]
fn on_a_wildcard_address_each_datagram_says_where_it_was_sent() {
    let (worker, local) = spawn_on(Ipv4Addr::UNSPECIFIED);
    let peer = udp_peer("127.0.0.1");
    peer.send_to(b"hello", ("127.0.0.1", local.port()))
        .expect("send");
    let expected = EventKind::Received {
        peer: peer.local_addr().expect("peer address"),
        client: None,
        bytes: b"hello".to_vec(),
        to: Some(Ipv4Addr::LOCALHOST.into()),
    };
    assert_eq!(expect_received(&worker), expected);
}

/// IPv6 multicast on a chosen interface, in a network namespace of the test's own: joined on
/// `veth1`, sent out of `veth0`, marked with its group.
#[cfg(target_os = "linux")]
#[test]
fn an_ipv6_group_joined_on_an_interface_reaches_the_socket_marked_with_it() {
    crate::common_net::netns::run_isolated("ipv6 multicast", |_lab| {
        let group: Ipv6Addr = "ff15::1234".parse().expect("a group");
        let index = |name: &str| {
            if_addrs::get_if_addrs()
                .expect("interfaces")
                .into_iter()
                .find(|found| found.name == name)
                .and_then(|found| found.index)
                .expect("an index")
        };
        let joined = sockscope::net::Group {
            address: group.into(),
            interface: sockscope::net::Interface::Index(index("veth1")),
            source: None,
            interface_name: "veth1".to_owned(),
        };
        let (worker, local) = spawn_in_group(Ipv6Addr::UNSPECIFIED.into(), joined);
        let sender = socket2::Socket::new(
            socket2::Domain::IPV6,
            socket2::Type::DGRAM,
            Some(socket2::Protocol::UDP),
        )
        .expect("a socket");
        sender
            .set_multicast_if_v6(index("veth0"))
            .expect("IPV6_MULTICAST_IF");
        let to = SocketAddr::from((group, local.port()));
        sender
            .send_to(b"to the v6 group", &to.into())
            .expect("send");
        match expect_received(&worker) {
            EventKind::Received { bytes, to, .. } => {
                assert_eq!(bytes, b"to the v6 group");
                assert_eq!(to, Some(group.into()), "marked with its group");
            }
            other => unreachable!("{other:?}"),
        }
    });
}

/// The largest UDP payload over IPv4 (65,507 bytes) and the smallest (none), both ways.
#[test]
fn datagrams_of_65507_and_of_0_bytes_go_both_ways_whole() {
    let (worker, local) = spawn_on(Ipv4Addr::LOCALHOST);
    let peer = udp_peer("127.0.0.1");
    let from = peer.local_addr().expect("peer address");
    let largest: Vec<u8> = (0..65_507u32).map(|n| (n % 251) as u8).collect();
    for bytes in [largest.as_slice(), &[]] {
        peer.send_to(bytes, local).expect("send");
        assert_eq!(
            expect_received(&worker),
            received(from, bytes),
            "{} bytes in",
            bytes.len()
        );
        send(&worker, bytes, target("127.0.0.1", &peer));
        assert_eq!(
            recv_datagram(&peer),
            (bytes.to_vec(), local),
            "{} bytes out",
            bytes.len()
        );
    }
}

/// A source-specific join (IPv4): the group's datagrams from that sender arrive, a second
/// sender's do not. Both senders sit on `veth1`, where the group is joined: a socket bound to
/// an address sends its multicast out of that address's interface, and the looped-back copy
/// is what arrives (a plain join takes both, as a check in Python showed).
#[cfg(target_os = "linux")]
#[test]
fn a_source_specific_join_takes_only_that_senders_datagrams() {
    crate::common_net::netns::run_isolated("source-specific multicast", |lab| {
        let group = Ipv4Addr::new(232, 1, 1, 1);
        let joined = sockscope::net::Group {
            address: group.into(),
            interface: sockscope::net::Interface::V4(lab.b),
            source: Some(lab.b.into()),
            interface_name: lab.b.to_string(),
        };
        let (worker, local) = spawn_in_group(Ipv4Addr::UNSPECIFIED.into(), joined);
        let other = UdpSocket::bind((lab.c, 0)).expect("another sender");
        let chosen = UdpSocket::bind((lab.b, 0)).expect("the chosen sender");
        other
            .send_to(b"from another", (group, local.port()))
            .expect("send");
        chosen
            .send_to(b"from the source", (group, local.port()))
            .expect("send");
        match expect_received(&worker) {
            EventKind::Received {
                bytes, peer, to, ..
            } => {
                assert_eq!(bytes, b"from the source", "the other sender's is left out");
                assert_eq!(peer.ip(), std::net::IpAddr::from(lab.b));
                assert_eq!(to, Some(group.into()));
            }
            other => unreachable!("{other:?}"),
        }
    });
}

/// A UDP worker on `ip` (port 0) that joins `group` as it opens; its bound address.
#[cfg(target_os = "linux")]
fn spawn_in_group(ip: std::net::IpAddr, group: sockscope::net::Group) -> (Worker, SocketAddr) {
    let options = UdpOptions {
        groups: vec![group.clone()],
        ..UdpOptions::default()
    };
    let worker = spawn_udp(SocketAddr::new(ip, 0), options).expect("spawn the UDP worker");
    let EventKind::Opened { local } =
        expect_event(&worker, |kind| matches!(kind, EventKind::Opened { .. }))
    else {
        unreachable!("expect_event returns the awaited event");
    };
    assert_eq!(
        expect_event(&worker, |kind| matches!(kind, EventKind::GroupJoined(_))),
        EventKind::GroupJoined(group)
    );
    (worker, local)
}

/// An address this machine does not have (TEST-NET-1, never routed): the bind fails and says
/// so; nothing is sent.
#[test]
fn an_address_this_machine_does_not_have_is_said_so() {
    let addr = SocketAddr::from(([192, 0, 2, 1], 0));
    let worker = spawn_udp(addr, UdpOptions::default()).expect("spawn the UDP worker");
    assert_eq!(
        expect_closed(&worker),
        CloseReason::Failed(NetError::AddrNotAvailable { addr })
    );
}
