//! The TCP server worker against real std clients on loopback.

use std::collections::{HashMap, HashSet};
use std::io::{ErrorKind, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

use crate::common_net::{
    GBK_HELLO_WORLD, SILENCE, all_byte_values, connect, deadline, describe, expect_closed,
    expect_eof, expect_event, expect_received, expect_silence, read_exactly, wait_for,
};
use socket2::Socket;
use sockscope::net::{
    ClientId, CloseReason, Command, EventKind, NetError, SendOrigin, SendTarget, Stack, Worker,
    spawn_tcp_server,
};

/// Starts a server on 127.0.0.1 with an OS-chosen port; returns it with the address it listens on.
fn spawn_server() -> (Worker, SocketAddr) {
    let worker = spawn_tcp_server(
        SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        Stack::Dual,
        None,
    )
    .expect("spawn the TCP server worker");
    let EventKind::Listening { local } =
        expect_event(&worker, |kind| matches!(kind, EventKind::Listening { .. }))
    else {
        unreachable!("expect_event returns the awaited event");
    };
    assert!(local.ip().is_loopback() && local.port() != 0, "{local}");
    (worker, local)
}

/// Connects a std client and waits for the server to report it; returns the client and its id.
fn accept_client(worker: &Worker, addr: SocketAddr) -> (TcpStream, ClientId) {
    let client = connect(addr);
    let local = client.local_addr().expect("client address");
    let connected = expect_event(
        worker,
        |kind| matches!(kind, EventKind::ClientConnected { peer, .. } if *peer == local),
    );
    let EventKind::ClientConnected { id, .. } = connected else {
        unreachable!("expect_event returns the awaited event");
    };
    (client, id)
}

fn send_to(worker: &Worker, ids: Vec<ClientId>, bytes: &[u8]) {
    let command = Command::Send {
        bytes: bytes.to_vec(),
        to: SendTarget::Clients(ids),
        origin: SendOrigin::Typed(None),
    };
    assert!(worker.send(command), "the worker stopped unexpectedly");
}

fn command(worker: &Worker, command: Command) {
    assert!(worker.send(command), "the worker stopped unexpectedly");
}

/// Waits for the `ClientDisconnected` of `id` and returns its reason.
fn expect_disconnected(worker: &Worker, id: ClientId) -> CloseReason {
    let event = expect_event(
        worker,
        |kind| matches!(kind, EventKind::ClientDisconnected { id: gone, .. } if *gone == id),
    );
    let EventKind::ClientDisconnected { reason, .. } = event else {
        unreachable!("expect_event returns the awaited event");
    };
    reason
}

/// Checks that a client and the server still exchange data both ways.
fn assert_exchanges(worker: &Worker, client: &mut TcpStream, id: ClientId, text: &[u8]) {
    send_to(worker, vec![id], text);
    assert_eq!(read_exactly(client, text.len()), text);
    client.write_all(text).expect("client writes");
    let events = crate::common_net::wait_received(worker, text.len());
    for event in &events {
        if let EventKind::Received { client: from, .. } = &event.kind {
            assert_eq!(*from, Some(id), "Received names the sending client");
        }
    }
    assert_eq!(crate::common_net::received_bytes(&events), text);
}

#[test]
fn serves_fifty_clients_with_targeted_and_broadcast_sends() {
    const CLIENTS: usize = 50;
    let (worker, addr) = spawn_server();
    let mut clients: Vec<TcpStream> = (0..CLIENTS).map(|_| connect(addr)).collect();
    let locals: Vec<SocketAddr> = clients
        .iter()
        .map(|client| client.local_addr().expect("client address"))
        .collect();

    // One ClientConnected per client, distinct ids, peers equal to the clients' addresses.
    let mut id_of: HashMap<SocketAddr, ClientId> = HashMap::new();
    let seen = wait_for(&worker, deadline(), |kind| {
        if let EventKind::ClientConnected { id, peer, .. } = kind {
            id_of.insert(*peer, *id);
        }
        id_of.len() == CLIENTS
    });
    let connected = seen
        .iter()
        .filter(|event| matches!(event.kind, EventKind::ClientConnected { .. }))
        .count();
    assert_eq!(connected, CLIENTS, "one ClientConnected per client");
    let distinct: HashSet<ClientId> = id_of.values().copied().collect();
    assert_eq!(distinct.len(), CLIENTS, "every client has its own id");
    let ids: Vec<ClientId> = locals
        .iter()
        .map(|local| {
            *id_of
                .get(local)
                .expect("a ClientConnected for every client")
        })
        .collect();
    let peer_of: HashMap<ClientId, SocketAddr> = id_of.iter().map(|(p, id)| (*id, *p)).collect();

    // Each client sends its own message; each arrives under its client's id and address.
    let messages: Vec<Vec<u8>> = (0..CLIENTS)
        .map(|i| format!("message from client {i}").into_bytes())
        .collect();
    for (client, message) in clients.iter_mut().zip(&messages) {
        client.write_all(message).expect("client writes");
    }
    let mut got: HashMap<ClientId, Vec<u8>> = HashMap::new();
    let mut complete = 0;
    let seen = wait_for(&worker, deadline(), |kind| {
        if let EventKind::Received {
            peer,
            client: Some(id),
            bytes,
            to: _,
        } = kind
        {
            assert_eq!(peer_of.get(id), Some(peer), "Received.peer is the client's");
            let so_far = got.entry(*id).or_default();
            so_far.extend_from_slice(bytes);
            let index = ids.iter().position(|known| known == id).expect("known id");
            if so_far.len() == messages[index].len() {
                complete += 1;
            }
        }
        complete == CLIENTS
    });
    for (id, message) in ids.iter().zip(&messages) {
        assert_eq!(
            got.get(id),
            Some(message),
            "client {id:?}'s message; events:\n{}",
            describe(&seen)
        );
    }

    // A send to one id reaches only that client.
    let chosen = 7;
    let only = b"only for client 7";
    send_to(&worker, vec![ids[chosen]], only);
    let sent = expect_event(&worker, |kind| matches!(kind, EventKind::Sent { .. }));
    assert_eq!(
        sent,
        EventKind::Sent {
            peer: locals[chosen],
            client: Some(ids[chosen]),
            bytes: only.to_vec(),
            origin: SendOrigin::Typed(None),
        }
    );
    assert_eq!(read_exactly(&mut clients[chosen], only.len()), only);
    // One read timeout of SILENCE for the first other client; by then the rest had as long.
    let mut wait = SILENCE;
    for (index, client) in clients.iter_mut().enumerate() {
        if index != chosen {
            expect_silence(client, wait);
            wait = Duration::ZERO;
        }
    }

    // An empty list reaches every client, and (TCP keeps order) nothing came before it.
    let everyone = b"to everyone";
    send_to(&worker, Vec::new(), everyone);
    let mut sent_to = HashSet::new();
    wait_for(&worker, deadline(), |kind| {
        if let EventKind::Sent {
            client: Some(id),
            bytes,
            ..
        } = kind
        {
            assert_eq!(bytes, everyone);
            assert!(sent_to.insert(*id), "one Sent per client");
        }
        sent_to.len() == CLIENTS
    });
    for client in &mut clients {
        assert_eq!(read_exactly(client, everyone.len()), everyone);
    }
}

#[test]
fn exchanges_text_and_every_byte_value_with_a_client() {
    let (worker, addr) = spawn_server();
    let (mut client, id) = accept_client(&worker, addr);
    let local = client.local_addr().expect("client address");

    for payload in [b"hello".as_slice(), GBK_HELLO_WORLD, &all_byte_values()] {
        send_to(&worker, vec![id], payload);
        let sent = expect_event(&worker, |kind| matches!(kind, EventKind::Sent { .. }));
        assert_eq!(
            sent,
            EventKind::Sent {
                peer: local,
                client: Some(id),
                bytes: payload.to_vec(),
                origin: SendOrigin::Typed(None),
            }
        );
        assert_eq!(read_exactly(&mut client, payload.len()), payload);

        client.write_all(payload).expect("client writes");
        assert_eq!(expect_received(&worker, payload.len()), payload);
    }
}

#[test]
fn client_close_is_reported_as_peer_closed() {
    let (worker, addr) = spawn_server();
    let (client, id) = accept_client(&worker, addr);
    let local = client.local_addr().expect("client address");
    drop(client);
    let event = expect_event(&worker, |kind| {
        matches!(kind, EventKind::ClientDisconnected { .. })
    });
    assert_eq!(
        event,
        EventKind::ClientDisconnected {
            id,
            peer: local,
            reason: CloseReason::PeerClosed,
        }
    );
}

#[test]
fn client_reset_is_reported_as_reset() {
    let (worker, addr) = spawn_server();
    let (client, id) = accept_client(&worker, addr);
    // SO_LINGER 0 makes close() send RST instead of FIN.
    let client = Socket::from(client);
    client
        .set_linger(Some(Duration::ZERO))
        .expect("set SO_LINGER 0");
    drop(client);
    assert_eq!(
        expect_disconnected(&worker, id),
        CloseReason::Failed(NetError::Reset)
    );
}

#[test]
fn disconnect_client_closes_only_that_client() {
    let (worker, addr) = spawn_server();
    let (mut leaving, leaving_id) = accept_client(&worker, addr);
    let (mut staying, staying_id) = accept_client(&worker, addr);

    command(&worker, Command::DisconnectClient(leaving_id));
    assert_eq!(
        expect_disconnected(&worker, leaving_id),
        CloseReason::Requested
    );
    expect_eof(&mut leaving);
    assert_exchanges(&worker, &mut staying, staying_id, b"still here");
}

#[test]
fn listening_on_a_port_in_use_fails_with_addr_in_use() {
    let holder = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind a std listener");
    let addr = holder.local_addr().expect("listener address");
    let worker = spawn_tcp_server(addr, Stack::Dual, None).expect("spawn the TCP server worker");
    assert_eq!(
        expect_closed(&worker),
        CloseReason::Failed(NetError::AddrInUse { addr })
    );
}

#[test]
fn stop_listening_keeps_clients_until_they_are_disconnected() {
    let (worker, addr) = spawn_server();
    let (mut first, first_id) = accept_client(&worker, addr);
    let (mut second, second_id) = accept_client(&worker, addr);

    command(&worker, Command::StopListening);
    assert_eq!(
        expect_event(&worker, |kind| matches!(
            kind,
            EventKind::ListenStopped { .. }
        )),
        EventKind::ListenStopped { local: addr }
    );
    let refused = TcpStream::connect(addr).expect_err("nobody listens any more");
    assert_eq!(refused.kind(), ErrorKind::ConnectionRefused);
    assert_exchanges(&worker, &mut first, first_id, b"first still works");
    assert_exchanges(&worker, &mut second, second_id, b"second still works");

    command(&worker, Command::DisconnectAllClients);
    let seen = wait_for(&worker, deadline(), |kind| {
        matches!(kind, EventKind::Closed(_))
    });
    let kinds: Vec<&EventKind> = seen.iter().map(|event| &event.kind).collect();
    assert_eq!(
        kinds,
        [
            &EventKind::ClientDisconnected {
                id: first_id,
                peer: first.local_addr().expect("client address"),
                reason: CloseReason::Requested,
            },
            &EventKind::ClientDisconnected {
                id: second_id,
                peer: second.local_addr().expect("client address"),
                reason: CloseReason::Requested,
            },
            &EventKind::Closed(CloseReason::Idle),
        ]
    );
    expect_eof(&mut first);
    expect_eof(&mut second);
}

#[test]
fn listen_again_after_stop_listening_accepts_new_clients() {
    let (worker, addr) = spawn_server();
    let (mut old, old_id) = accept_client(&worker, addr);
    command(&worker, Command::StopListening);
    expect_event(&worker, |kind| {
        matches!(kind, EventKind::ListenStopped { .. })
    });

    // The same address again, while a connection accepted on that port is still open.
    command(&worker, Command::Listen(addr));
    assert_eq!(
        expect_event(&worker, |kind| matches!(kind, EventKind::Listening { .. })),
        EventKind::Listening { local: addr }
    );
    let (mut new, new_id) = accept_client(&worker, addr);
    assert!(
        new_id > old_id,
        "ids are never reused: {old_id:?} then {new_id:?}"
    );
    assert_exchanges(&worker, &mut new, new_id, b"new client");
    assert_exchanges(&worker, &mut old, old_id, b"old client");
}

#[test]
fn shutdown_closes_every_client_and_the_listener() {
    let (worker, addr) = spawn_server();
    let (mut first, first_id) = accept_client(&worker, addr);
    let (mut second, second_id) = accept_client(&worker, addr);

    command(&worker, Command::Shutdown);
    let seen = wait_for(&worker, deadline(), |kind| {
        matches!(kind, EventKind::Closed(_))
    });
    let gone: HashSet<ClientId> = seen
        .iter()
        .filter_map(|event| match &event.kind {
            EventKind::ClientDisconnected {
                id,
                reason: CloseReason::Requested,
                ..
            } => Some(*id),
            _ => None,
        })
        .collect();
    assert_eq!(
        gone,
        HashSet::from([first_id, second_id]),
        "{}",
        describe(&seen)
    );
    assert_eq!(
        seen.last().map(|event| &event.kind),
        Some(&EventKind::Closed(CloseReason::Requested))
    );
    expect_eof(&mut first);
    expect_eof(&mut second);
    // Closed means every socket is gone: the port can be listened on again at once.
    TcpListener::bind(addr).expect("the port is free once the session reported Closed");
}

#[test]
fn privileged_port_fails_with_permission_denied_when_unprivileged() {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, 80));
    // Ask the OS directly whether this process may bind port 80 (root, CAP_NET_BIND_SERVICE or a
    // lowered ip_unprivileged_port_start all allow it).
    match TcpListener::bind(addr) {
        Err(error) if error.kind() == ErrorKind::PermissionDenied => {}
        Ok(_) => {
            eprintln!("skipped: this process may bind port 80 (running as root?)");
            return;
        }
        Err(error) => {
            eprintln!("skipped: binding {addr} fails for another reason: {error}");
            return;
        }
    }
    let worker = spawn_tcp_server(addr, Stack::Dual, None).expect("spawn the TCP server worker");
    assert_eq!(
        expect_closed(&worker),
        CloseReason::Failed(NetError::PermissionDenied { addr })
    );
}

/// A server on `::` with `stack`; its port.
fn spawn_wildcard_v6_server(stack: Stack) -> (Worker, u16) {
    let any = SocketAddr::from((std::net::Ipv6Addr::UNSPECIFIED, 0));
    let worker = spawn_tcp_server(any, stack, None).expect("spawn the TCP server worker");
    let EventKind::Listening { local } =
        expect_event(&worker, |kind| matches!(kind, EventKind::Listening { .. }))
    else {
        unreachable!("expect_event returns the awaited event");
    };
    (worker, local.port())
}

#[test]
fn a_dual_stack_server_takes_an_ipv4_and_an_ipv6_client_at_once() {
    if !crate::common_net::ipv6_loopback_available() {
        eprintln!("skipped: no IPv6 loopback here");
        return;
    }
    let (worker, port) = spawn_wildcard_v6_server(Stack::Dual);
    let (mut v4, v4_id) = accept_client(&worker, SocketAddr::from((Ipv4Addr::LOCALHOST, port)));
    let v6_addr = SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, port));
    let (mut v6, v6_id) = accept_client(&worker, v6_addr);
    assert_exchanges(&worker, &mut v4, v4_id, b"over IPv4");
    assert_exchanges(&worker, &mut v6, v6_id, b"over IPv6");
}

#[test]
fn an_ipv6_only_server_refuses_ipv4_clients() {
    if !crate::common_net::ipv6_loopback_available() {
        eprintln!("skipped: no IPv6 loopback here");
        return;
    }
    let (worker, port) = spawn_wildcard_v6_server(Stack::V6Only);
    let refused = TcpStream::connect((Ipv4Addr::LOCALHOST, port));
    assert!(refused.is_err(), "no IPv4 listener on {port}");
    let v6_addr = SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, port));
    let (mut v6, v6_id) = accept_client(&worker, v6_addr);
    assert_exchanges(&worker, &mut v6, v6_id, b"over IPv6");
}

/// An address this machine does not have (TEST-NET-1, never routed): listening fails and
/// says so.
#[test]
fn listening_on_an_address_this_machine_does_not_have_is_said_so() {
    let addr = SocketAddr::from(([192, 0, 2, 1], 0));
    let worker = spawn_tcp_server(addr, Stack::Dual, None).expect("spawn the TCP server");
    assert_eq!(
        expect_closed(&worker),
        CloseReason::Failed(NetError::AddrNotAvailable { addr })
    );
}

/// A back-to-back replay to every client goes at the pace of the one that reads: a client
/// that stopped reading holds up no other (it was paced by all the clients' queues at once).
#[test]
fn a_replay_to_every_client_is_not_held_up_by_one_that_stopped_reading() {
    let (worker, addr) = spawn_server();
    let (mut reader, _) = accept_client(&worker, addr);
    let (_stalled, _) = accept_client(&worker, addr);
    // 24 MiB: far past what the stalled client's socket buffers and 1 MiB of queue take.
    let message = vec![0x5Au8; 64 * 1024];
    let count = 384;
    let spec = sockscope::net::ReplaySpec {
        messages: vec![(Duration::ZERO, message.clone()); count],
        to: SendTarget::Clients(Vec::new()),
        speed_permille: None,
    };
    command(&worker, Command::StartReplay(spec));
    let reading = std::thread::spawn(move || read_exactly(&mut reader, count * message.len()));
    let done = expect_event(&worker, |kind| {
        matches!(kind, EventKind::ReplayProgress { running: false, .. })
    });
    let EventKind::ReplayProgress { sent, total, .. } = done else {
        unreachable!("expect_event returns the awaited event");
    };
    assert_eq!((sent, total), (count as u64, count as u64));
    let got = reading.join().expect("the reading client");
    assert!(got.iter().all(|&byte| byte == 0x5A) && got.len() == count * 64 * 1024);
}

/// A replay with nobody to send to ends with one line, not one line per message.
#[test]
fn a_replay_with_no_clients_ends_saying_so_once() {
    let (worker, _addr) = spawn_server();
    let spec = sockscope::net::ReplaySpec {
        messages: vec![(Duration::ZERO, b"ping".to_vec()); 500],
        to: SendTarget::Clients(Vec::new()),
        speed_permille: None,
    };
    command(&worker, Command::StartReplay(spec));
    let seen = wait_for(&worker, deadline(), |kind| {
        matches!(kind, EventKind::ReplayProgress { running: false, .. })
    });
    let failures = seen
        .iter()
        .filter(|event| matches!(event.kind, EventKind::SendFailed { .. }))
        .count();
    assert_eq!(failures, 1, "{}", describe(&seen));
    expect_silence_of_failures(&worker);
}

/// Nothing more is said after the replay ended.
fn expect_silence_of_failures(worker: &Worker) {
    std::thread::sleep(SILENCE);
    while let Some(event) = worker.try_next_event() {
        assert!(
            !matches!(event.kind, EventKind::SendFailed { .. }),
            "{:?}",
            event.kind
        );
    }
}
