//! The TCP client worker against real std peers on loopback.

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use crate::common_net::{
    GBK_HELLO_WORLD, all_byte_values, deadline, expect_closed, expect_eof, expect_event,
    expect_received, expect_sent, ipv6_loopback_available, read_exactly, received_bytes,
    spawn_client, wait_for, wait_received, with_timeout,
};
use socket2::{Domain, Protocol, Socket, Type};
use sockscope::net::{
    CloseReason, Command, EventKind, NetError, SendOrigin, SendTarget, TcpClientConfig, Worker,
    spawn_tcp_client,
};

/// A port no one listens on now (bound, then let go).
fn free_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
    listener.local_addr().expect("address").port()
}

#[test]
fn connects_from_the_chosen_local_port() {
    let (listener, addr) = loopback_listener();
    let local_port = free_port();
    let config = TcpClientConfig {
        host: "127.0.0.1".to_owned(),
        port: addr.port(),
        connect_timeout: Duration::from_secs(5),
        local: Some(SocketAddr::from((Ipv4Addr::LOCALHOST, local_port))),
        reconnect: None,
        on_connect: None,
        tls: None,
    };
    let worker = spawn_tcp_client(config).expect("spawn");
    let local = match expect_event(&worker, |kind| matches!(kind, EventKind::Connected { .. })) {
        EventKind::Connected { local, .. } => local,
        other => unreachable!("{other:?}"),
    };
    assert_eq!(local.port(), local_port, "the worker says where from");
    let (_peer, from) = listener.accept().expect("accept");
    assert_eq!(from.port(), local_port, "the server sees the chosen port");
}

#[test]
fn reconnects_to_a_restarted_server_and_sends_on_each_connect() {
    let (listener, addr) = loopback_listener();
    let config = TcpClientConfig {
        host: "127.0.0.1".to_owned(),
        port: addr.port(),
        connect_timeout: Duration::from_secs(5),
        local: None,
        reconnect: Some(sockscope::net::Reconnect {
            interval: Duration::from_millis(100),
            limit: None,
        }),
        on_connect: Some((b"HELLO\r\n".to_vec(), None)),
        tls: None,
    };
    let worker = spawn_tcp_client(config).expect("spawn");
    let mut peer = with_timeout(listener.accept().expect("accept").0);
    assert_eq!(read_exactly(&mut peer, 7), b"HELLO\r\n", "sent on connect");
    // The server goes away: its connection and its listening socket.
    drop(peer);
    drop(listener);
    let retrying = expect_event(&worker, |kind| matches!(kind, EventKind::Retrying { .. }));
    assert!(
        matches!(
            retrying,
            EventKind::Retrying {
                reason: CloseReason::PeerClosed,
                attempt: 1,
                limit: None,
                ..
            }
        ),
        "{retrying:?}"
    );
    // Back on the same port: the client finds it within its interval, and greets again.
    let listener = TcpListener::bind(addr).expect("the server restarts on its port");
    let mut peer = with_timeout(listener.accept().expect("accept again").0);
    assert_eq!(
        read_exactly(&mut peer, 7),
        b"HELLO\r\n",
        "sent on reconnect"
    );
    send(&worker, b"still here");
    assert_eq!(read_exactly(&mut peer, 10), b"still here");
    assert!(worker.send(Command::Shutdown));
    assert_eq!(expect_closed(&worker), CloseReason::Requested);
}

#[test]
fn reconnecting_gives_up_after_its_limit_of_failed_attempts() {
    let port = free_port();
    let config = TcpClientConfig {
        host: "127.0.0.1".to_owned(),
        port,
        connect_timeout: Duration::from_secs(5),
        local: None,
        reconnect: Some(sockscope::net::Reconnect {
            interval: Duration::from_millis(20),
            limit: Some(3),
        }),
        on_connect: None,
        tls: None,
    };
    let worker = spawn_tcp_client(config).expect("spawn");
    let seen = wait_for(&worker, deadline(), |kind| {
        matches!(kind, EventKind::Closed(_))
    });
    let attempts: Vec<u32> = seen
        .iter()
        .filter_map(|event| match event.kind {
            EventKind::Retrying { attempt, .. } => Some(attempt),
            _ => None,
        })
        .collect();
    assert_eq!(
        attempts,
        [2, 3],
        "tries after the first failure, three in all"
    );
    let last = seen.last().map(|event| &event.kind);
    assert!(
        matches!(
            last,
            Some(EventKind::Closed(CloseReason::Failed(
                NetError::Refused { .. }
            )))
        ),
        "{last:?}"
    );
}

fn loopback_listener() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind a std listener");
    let addr = listener.local_addr().expect("listener address");
    (listener, addr)
}

/// Starts a client to `listener`, accepts it, and waits for `Connected`.
fn connected_pair(listener: &TcpListener, addr: SocketAddr) -> (Worker, TcpStream) {
    let worker = spawn_client(&addr.ip().to_string(), addr.port(), Duration::from_secs(5));
    expect_event(&worker, |kind| matches!(kind, EventKind::Connected { .. }));
    (worker, accept(listener))
}

/// Accepts the worker's connection. Call it after `Connected`: the connection is queued by then,
/// so a worker that never connects fails on the event deadline instead of hanging in accept().
fn accept(listener: &TcpListener) -> TcpStream {
    let (peer, _) = listener.accept().expect("accept the worker's connection");
    with_timeout(peer)
}

fn send(worker: &Worker, bytes: &[u8]) {
    let command = Command::Send {
        bytes: bytes.to_vec(),
        to: SendTarget::Peer,
        origin: SendOrigin::Typed(None),
    };
    assert!(worker.send(command), "the worker stopped unexpectedly");
}

#[test]
fn connects_and_exchanges_text_and_every_byte_value() {
    let (listener, addr) = loopback_listener();
    let worker = spawn_client("127.0.0.1", addr.port(), Duration::from_secs(5));
    let seen = wait_for(&worker, deadline(), |kind| {
        matches!(kind, EventKind::Connected { .. })
    });
    let mut peer = accept(&listener);
    assert!(
        seen.iter()
            .any(|event| event.kind == EventKind::Connecting { peer: addr }),
        "expected Connecting to {addr} before Connected"
    );
    let EventKind::Connected {
        local,
        peer: remote,
    } = seen[seen.len() - 1].kind
    else {
        unreachable!("wait_for ends with the awaited event");
    };
    assert_eq!(remote, addr, "Connected.peer is the listener's address");
    assert_eq!(
        local,
        peer.peer_addr().expect("accepted stream's peer address"),
        "Connected.local is the address the listener saw"
    );

    // Worker → peer: text, GBK text, then every byte value; each Sent carries exactly the bytes.
    for payload in [b"hello".as_slice(), GBK_HELLO_WORLD, &all_byte_values()] {
        send(&worker, payload);
        assert_eq!(expect_sent(&worker), payload, "Sent carries the payload");
        assert_eq!(read_exactly(&mut peer, payload.len()), payload);
    }

    // Peer → worker: the Received events of each payload concatenate to it exactly.
    for payload in [b"hello".as_slice(), GBK_HELLO_WORLD, &all_byte_values()] {
        peer.write_all(payload).expect("peer writes");
        let events = wait_received(&worker, payload.len());
        assert_eq!(received_bytes(&events), payload);
        for event in &events {
            if let EventKind::Received {
                peer: from, client, ..
            } = &event.kind
            {
                assert_eq!((*from, *client), (addr, None), "Received names the server");
            }
        }
    }
}

#[test]
fn peer_close_ends_the_session_with_peer_closed() {
    let (listener, addr) = loopback_listener();
    let (worker, peer) = connected_pair(&listener, addr);
    drop(peer);
    assert_eq!(expect_closed(&worker), CloseReason::PeerClosed);
}

#[test]
fn peer_reset_ends_the_session_with_reset() {
    let (listener, addr) = loopback_listener();
    let (worker, peer) = connected_pair(&listener, addr);
    // SO_LINGER 0 makes close() send RST instead of FIN.
    let peer = Socket::from(peer);
    peer.set_linger(Some(Duration::ZERO))
        .expect("set SO_LINGER 0");
    drop(peer);
    assert_eq!(expect_closed(&worker), CloseReason::Failed(NetError::Reset));
}

#[test]
fn connecting_to_a_closed_port_is_refused() {
    let (listener, addr) = loopback_listener();
    drop(listener);
    let worker = spawn_client("127.0.0.1", addr.port(), Duration::from_secs(5));
    assert_eq!(
        expect_closed(&worker),
        CloseReason::Failed(NetError::Refused { peer: addr })
    );
}

#[test]
fn connect_times_out_when_the_listener_never_answers() {
    // On Linux a listener whose accept queue is full drops new SYNs (the client retransmits after
    // a second or more), so with backlog 0, a listener that never accepts and one connection
    // already queued, further connects hang on loopback: no outside address needed.
    let listener = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP))
        .expect("create a socket2 listener");
    listener
        .bind(&SocketAddr::from((Ipv4Addr::LOCALHOST, 0)).into())
        .expect("bind the listener");
    listener.listen(0).expect("listen with backlog 0");
    let addr = listener
        .local_addr()
        .expect("listener address")
        .as_socket()
        .expect("an IP listener");
    // Fill the accept queue; later fillers may already hang, hence their short timeout.
    let fillers: Vec<TcpStream> = (0..3)
        .filter_map(|_| TcpStream::connect_timeout(&addr, Duration::from_millis(200)).ok())
        .collect();
    assert!(
        !fillers.is_empty(),
        "at least one filler connection completes"
    );

    let timeout = Duration::from_millis(300);
    let started = Instant::now();
    let worker = spawn_client("127.0.0.1", addr.port(), timeout);
    let reason = expect_closed(&worker);
    assert_eq!(
        reason,
        CloseReason::Failed(NetError::TimedOut {
            target: format!("127.0.0.1:{}", addr.port()),
            after: timeout,
        })
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the timeout fired late: {:?}",
        started.elapsed()
    );
    drop(fillers);
}

#[test]
fn unresolvable_name_fails_with_dns_error() {
    // This machine's resolver is not on loopback, so the name must fail without any DNS packet.
    // A label longer than 63 bytes is invalid in DNS: glibc's getaddrinfo checks /etc/hosts,
    // then refuses to build the query and fails locally. Checked with
    // `strace -f -e trace=network`: only AF_UNIX sockets (nscd) are touched, while a valid name
    // sends a query to the configured nameserver.
    let host = format!("{}.invalid", "a".repeat(64));
    let worker = spawn_client(&host, 80, Duration::from_secs(5));
    match expect_closed(&worker) {
        CloseReason::Failed(NetError::Dns { host: failed, .. }) => assert_eq!(failed, host),
        other => panic!("expected a DNS failure, got {other:?}"),
    }
}

#[test]
fn connects_over_ipv6_loopback() {
    if !ipv6_loopback_available() {
        eprintln!("skipped: [::1] cannot be bound on this machine");
        return;
    }
    let listener = TcpListener::bind("[::1]:0").expect("bind a std listener on [::1]");
    let addr = listener.local_addr().expect("listener address");
    let worker = spawn_client("::1", addr.port(), Duration::from_secs(5));
    let EventKind::Connected {
        local,
        peer: remote,
    } = expect_event(&worker, |kind| matches!(kind, EventKind::Connected { .. }))
    else {
        unreachable!("expect_event returns the awaited event");
    };
    let mut peer = accept(&listener);
    assert!(local.is_ipv6() && remote.is_ipv6(), "{local} / {remote}");
    assert_eq!(remote, addr);
    assert_eq!(local, peer.peer_addr().expect("accepted stream's peer"));

    send(&worker, b"over v6");
    assert_eq!(read_exactly(&mut peer, 7), b"over v6");
    peer.write_all(b"back").expect("peer writes");
    assert_eq!(expect_received(&worker, 4), b"back");
}

#[test]
fn shutdown_closes_the_connection() {
    let (listener, addr) = loopback_listener();
    let worker = spawn_client("127.0.0.1", addr.port(), Duration::from_secs(5));
    let mut events = wait_for(&worker, deadline(), |kind| {
        matches!(kind, EventKind::Connected { .. })
    });
    let mut peer = accept(&listener);

    assert!(worker.send(Command::Shutdown), "the worker is running");
    events.extend(wait_for(&worker, deadline(), |kind| {
        matches!(kind, EventKind::Closed(_))
    }));
    assert_eq!(
        events.last().map(|event| &event.kind),
        Some(&EventKind::Closed(CloseReason::Requested))
    );
    expect_eof(&mut peer);

    worker.shutdown_and_join();
}

#[test]
fn a_send_larger_than_the_socket_buffers_arrives_whole_and_in_order() {
    let (listener, addr) = loopback_listener();
    let (worker, mut peer) = connected_pair(&listener, addr);
    // 8 MiB cannot fit in the kernel's buffers, so the worker must wait for writability
    // (the peer reads only after everything is queued) and resume where it stopped.
    let big: Vec<u8> = (0..8 * 1024 * 1024u32).map(|n| (n % 251) as u8).collect();
    send(&worker, &big);
    send(&worker, b"after");
    let mut expected = big.clone();
    expected.extend_from_slice(b"after");
    assert!(
        read_exactly(&mut peer, expected.len()) == expected,
        "bytes arrive whole and in order"
    );
    assert_eq!(
        expect_sent(&worker).len(),
        big.len(),
        "Sent reports the whole payload once"
    );
    assert_eq!(expect_sent(&worker), b"after");
}

/// Connecting from a local address this machine does not have fails at the bind, before any
/// packet, and says so.
#[test]
fn connecting_from_an_address_this_machine_does_not_have_is_said_so() {
    let (_listener, addr) = loopback_listener();
    let local = SocketAddr::from(([192, 0, 2, 1], 0));
    let config = TcpClientConfig {
        host: "127.0.0.1".to_owned(),
        port: addr.port(),
        connect_timeout: Duration::from_secs(5),
        local: Some(local),
        reconnect: None,
        on_connect: None,
        tls: None,
    };
    let worker = spawn_tcp_client(config).expect("spawn");
    assert_eq!(
        expect_closed(&worker),
        CloseReason::Failed(NetError::AddrNotAvailable { addr: local })
    );
}
