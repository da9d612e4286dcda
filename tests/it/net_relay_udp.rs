//! The relay over UDP at the worker, with real sockets on loopback: each client address gets
//! its own socket toward the upstream (socat tells them apart by it), datagrams keep their
//! boundaries and sizes, a quiet client is forgotten, and holding, injecting, rewriting and
//! cutting work datagram by datagram.

use std::net::{SocketAddr, UdpSocket};
use std::process::{Child, Command as Process, Stdio};
use std::time::{Duration, Instant};

use sockscope::net::{
    ClientId, CloseReason, Command, Event, EventKind, NetError, RelayFaults, RelayTransport,
    RewriteAction, RewriteFind, RewriteRule, SendOrigin, SendTarget, Toward, Worker,
};

use super::net_relay::{LOCALHOST, forwarded, spawn_relay_over};
use super::net_relay_peers::here;
use crate::common_net::{DEADLINE, deadline, describe, expect_event, wait_for};

/// A UDP relay on 127.0.0.1 toward `upstream`, forgetting clients after `idle`.
fn udp_relay(upstream: SocketAddr, idle: Duration) -> (Worker, SocketAddr) {
    let host = upstream.ip().to_string();
    let transport = RelayTransport::Udp { idle };
    spawn_relay_over(transport, LOCALHOST, (&host, upstream.port()), DEADLINE)
}

/// A UDP socket on 127.0.0.1 that gives up reading after the test deadline.
fn udp_socket() -> UdpSocket {
    let socket = UdpSocket::bind((LOCALHOST, 0)).expect("bind a UDP socket");
    socket
        .set_read_timeout(Some(DEADLINE))
        .expect("a read timeout");
    socket
}

/// The next datagram `socket` receives, whole, and who sent it.
fn receive(socket: &UdpSocket) -> (Vec<u8>, SocketAddr) {
    let mut buffer = vec![0; 70_000];
    let (len, from) = socket.recv_from(&mut buffer).expect("a datagram in time");
    buffer.truncate(len);
    (buffer, from)
}

/// Waits for the pair of the client at `client` to open; returns its id and the address its
/// upstream socket sends from.
fn pair_opened(worker: &Worker, client: SocketAddr) -> (ClientId, SocketAddr) {
    let connected = expect_event(
        worker,
        |kind| matches!(kind, EventKind::ClientConnected { peer, .. } if *peer == client),
    );
    let EventKind::ClientConnected { id, local, .. } = connected else {
        unreachable!("expect_event returns the awaited event");
    };
    assert_eq!(local.ip(), LOCALHOST, "the address the client reached");
    let upstream = expect_event(
        worker,
        |kind| matches!(kind, EventKind::UpstreamConnected { id: pair, .. } if *pair == id),
    );
    let EventKind::UpstreamConnected { local, .. } = upstream else {
        unreachable!("expect_event returns the awaited event");
    };
    (id, local)
}

/// socat answering each datagram from a child of its own, with the port it came from and
/// the line it held: `PORT LINE`.
struct Socat(Child);

impl Drop for Socat {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// socat on a free loopback port (tried again if the port was taken meanwhile).
fn socat_answering() -> (Socat, SocketAddr) {
    for _ in 0..5 {
        let port = UdpSocket::bind((LOCALHOST, 0))
            .and_then(|socket| socket.local_addr())
            .expect("a free port")
            .port();
        let listen = format!("UDP4-RECVFROM:{port},bind=127.0.0.1,fork");
        let answer = r#"SYSTEM:read -r line; echo "$SOCAT_PEERPORT $line""#;
        let child = Process::new("socat")
            .args(["-T", "5", &listen, answer])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start socat");
        let mut socat = Socat(child);
        let addr = SocketAddr::new(LOCALHOST, port);
        // Up once the port is taken (socat binds without SO_REUSEADDR here).
        let until = deadline();
        while Instant::now() < until {
            if UdpSocket::bind(addr).is_err() {
                return (socat, addr);
            }
            if socat.0.try_wait().ok().flatten().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    panic!("socat did not start on a free port");
}

#[test]
fn two_clients_each_get_their_own_socket_toward_socat_and_their_own_answers() {
    let test = "two_clients_each_get_their_own_socket_toward_socat_and_their_own_answers";
    if !here(test, ["socat", "-V"], "socat") {
        return;
    }
    let (_socat, upstream) = socat_answering();
    let (worker, relay) = udp_relay(upstream, DEADLINE);
    let (a, b) = (udp_socket(), udp_socket());
    let (a_addr, b_addr) = (
        a.local_addr().expect("a's address"),
        b.local_addr().expect("b's address"),
    );

    a.send_to(b"hello from a\n", relay).expect("a sends");
    let (a_id, a_upstream) = pair_opened(&worker, a_addr);
    b.send_to("你好 from b\n".as_bytes(), relay)
        .expect("b sends");
    let (b_id, b_upstream) = pair_opened(&worker, b_addr);
    assert_ne!(a_id, b_id);
    assert_ne!(a_upstream.port(), b_upstream.port(), "a socket each");

    // socat saw each client as its own pair's socket, and each answer found its client.
    let (answer, from) = receive(&a);
    assert_eq!(
        from, relay,
        "answers come from the address the client sent to"
    );
    let expected = format!("{} hello from a\n", a_upstream.port());
    assert_eq!(String::from_utf8_lossy(&answer), expected);
    let (answer, _) = receive(&b);
    let expected = format!("{} 你好 from b\n", b_upstream.port());
    assert_eq!(String::from_utf8_lossy(&answer), expected);

    // Three datagrams from one client stay three, each answered on its own.
    for n in 1..=3 {
        a.send_to(format!("line {n}\n").as_bytes(), relay)
            .expect("a sends");
    }
    let mut answers: Vec<String> = (0..3)
        .map(|_| String::from_utf8_lossy(&receive(&a).0).into_owned())
        .collect();
    // socat's children may answer out of order.
    answers.sort();
    let port = a_upstream.port();
    let expected: Vec<String> = (1..=3).map(|n| format!("{port} line {n}\n")).collect();
    assert_eq!(answers, expected);

    // The log's copies: one event per datagram, each way, in the pair it belongs to.
    let lines = |kind: &EventKind, way: Toward| match kind {
        EventKind::Forwarded {
            id, toward, bytes, ..
        } if *id == a_id && *toward == way => {
            let text = String::from_utf8_lossy(bytes).into_owned();
            text.contains("line ").then_some(text)
        }
        _ => None,
    };
    let mut copies: [Vec<String>; 2] = Default::default();
    wait_for(&worker, deadline(), |kind| {
        for (slot, way) in [(0, Toward::Upstream), (1, Toward::Client)] {
            copies[slot].extend(lines(kind, way));
        }
        copies.iter().all(|copies| copies.len() == 3)
    });
    let sent: Vec<String> = (1..=3).map(|n| format!("line {n}\n")).collect();
    assert_eq!(
        copies[0], sent,
        "what went to socat, a datagram each, in order"
    );
    copies[1].sort();
    assert_eq!(copies[1], expected, "socat's answers, a datagram each");
}

/// A client, the relay's socket for it, and the test's own upstream socket: one datagram
/// from the client through, so the pair is open.
struct Opened {
    worker: Worker,
    relay: SocketAddr,
    client: UdpSocket,
    upstream: UdpSocket,
    /// Where the pair's socket sends from, as the upstream sees it.
    pair_socket: SocketAddr,
    id: ClientId,
}

fn opened(idle: Duration) -> Opened {
    let upstream = udp_socket();
    let (worker, relay) = udp_relay(upstream.local_addr().expect("its address"), idle);
    let client = udp_socket();
    client.send_to(b"open", relay).expect("the client sends");
    let (id, _) = pair_opened(&worker, client.local_addr().expect("its address"));
    let (first, pair_socket) = receive(&upstream);
    assert_eq!(first, b"open");
    expect_event(
        &worker,
        |kind| matches!(kind, EventKind::Forwarded { bytes, .. } if bytes == b"open"),
    );
    Opened {
        worker,
        relay,
        client,
        upstream,
        pair_socket,
        id,
    }
}

#[test]
fn datagrams_keep_their_sizes_from_empty_to_the_largest_both_ways() {
    let pair = opened(DEADLINE);
    let sizes = [0, 1, 1472, 65_507];
    for size in sizes {
        let datagram: Vec<u8> = (0..size).map(|n| (n % 251) as u8).collect();
        pair.client.send_to(&datagram, pair.relay).expect("send");
        let (got, from) = receive(&pair.upstream);
        assert_eq!((got.len(), from), (size, pair.pair_socket));
        assert_eq!(got, datagram);
        pair.upstream
            .send_to(&datagram, pair.pair_socket)
            .expect("answer");
        let (got, from) = receive(&pair.client);
        assert_eq!((got.len(), from), (size, pair.relay));
        assert_eq!(got, datagram);
    }
    // One copy per datagram each way, the sizes as sent.
    let mut copies: [Vec<usize>; 2] = Default::default();
    wait_for(&pair.worker, deadline(), |kind| {
        if let EventKind::Forwarded { toward, bytes, .. } = kind {
            copies[usize::from(*toward == Toward::Client)].push(bytes.len());
        }
        copies[1].len() == sizes.len()
    });
    assert_eq!(copies[0], sizes, "toward the upstream");
    assert_eq!(copies[1], sizes, "toward the client");
}

#[test]
fn a_quiet_client_is_forgotten_and_its_next_datagram_opens_a_new_pair() {
    let idle = Duration::from_millis(300);
    let pair = opened(idle);
    let started = Instant::now();
    let seen = wait_for(
        &pair.worker,
        deadline(),
        |kind| matches!(kind, EventKind::ClientDisconnected { id, .. } if *id == pair.id),
    );
    assert!(started.elapsed() >= idle - Duration::from_millis(50));
    let Some(EventKind::ClientDisconnected { reason, .. }) = seen.last().map(|e| &e.kind) else {
        unreachable!("wait_for ends with the awaited event");
    };
    assert_eq!(*reason, CloseReason::Quiet { after: idle });

    pair.client
        .send_to(b"again", pair.relay)
        .expect("send again");
    let (id, _) = pair_opened(&pair.worker, pair.client.local_addr().expect("address"));
    assert_ne!(id, pair.id, "a new pair");
    let (got, _) = receive(&pair.upstream);
    assert_eq!(got, b"again");
}

/// Waits for what is held `toward` one side to be said as `reads` datagrams.
fn held(worker: &Worker, toward: Toward, reads: usize) {
    wait_for(
        worker,
        deadline(),
        |kind| matches!(kind, EventKind::Held { toward: way, reads: n, .. } if *way == toward && *n == reads),
    );
}

/// Nothing arrives at `socket` for a short while (a datagram on its way would by then).
fn nothing_arrives(socket: &UdpSocket) {
    socket
        .set_read_timeout(Some(Duration::from_millis(200)))
        .expect("a short timeout");
    let mut buffer = [0; 64];
    assert!(socket.recv_from(&mut buffer).is_err(), "nothing came");
    socket.set_read_timeout(Some(DEADLINE)).expect("timeout");
}

#[test]
fn held_datagrams_wait_then_go_one_step_at_a_time_and_whole() {
    let pair = opened(DEADLINE);
    let hold = |hold| Command::Hold {
        toward: Toward::Upstream,
        hold,
    };
    assert!(pair.worker.send(hold(true)));
    held(&pair.worker, Toward::Upstream, 0);
    for text in ["one", "two", "three"] {
        pair.client
            .send_to(text.as_bytes(), pair.relay)
            .expect("send");
    }
    held(&pair.worker, Toward::Upstream, 3);
    nothing_arrives(&pair.upstream);

    assert!(pair.worker.send(Command::Step(Toward::Upstream)));
    assert_eq!(receive(&pair.upstream).0, b"one", "the oldest, alone");
    held(&pair.worker, Toward::Upstream, 2);
    nothing_arrives(&pair.upstream);

    assert!(pair.worker.send(hold(false)));
    assert_eq!(receive(&pair.upstream).0, b"two");
    assert_eq!(receive(&pair.upstream).0, b"three");
}

#[test]
fn an_injected_datagram_goes_either_way_and_is_said_once_sent() {
    let pair = opened(DEADLINE);
    for (toward, text) in [(Toward::Client, "push"), (Toward::Upstream, "poke")] {
        let to = SendTarget::Relay {
            pairs: vec![pair.id],
            toward,
        };
        let origin = SendOrigin::Typed(None);
        let bytes = text.as_bytes().to_vec();
        assert!(pair.worker.send(Command::Send { bytes, to, origin }));
        let (got, from) = match toward {
            Toward::Client => receive(&pair.client),
            Toward::Upstream => receive(&pair.upstream),
        };
        assert_eq!(got, text.as_bytes());
        let expected_from = match toward {
            Toward::Client => pair.relay,
            Toward::Upstream => pair.pair_socket,
        };
        assert_eq!(from, expected_from, "as if the other side sent it");
        expect_event(
            &pair.worker,
            |kind| matches!(kind, EventKind::Injected { toward: way, bytes, .. } if *way == toward && bytes == text.as_bytes()),
        );
    }
}

#[test]
fn a_rewrite_rule_changes_a_datagram_and_a_cut_ends_the_pair_at_a_whole_datagram() {
    let pair = opened(DEADLINE);
    let rules = vec![RewriteRule {
        find: RewriteFind::StartsWith(b"LED OFF".to_vec()),
        action: RewriteAction::Replace(b"LED ON".to_vec()),
    }];
    let toward = Toward::Upstream;
    assert!(pair.worker.send(Command::Rewrite { toward, rules }));
    // Faults take effect in order with the rule: both are in place once the cut is.
    let faults = RelayFaults {
        cut_after: Some(14),
        ..RelayFaults::default()
    };
    assert!(pair.worker.send(Command::Faults { toward, faults }));
    pair.client.send_to(b"LED OFF", pair.relay).expect("send");
    assert_eq!(receive(&pair.upstream).0, b"LED ON", "rewritten");
    // 4 + 7 bytes went; 3 more fit, 4 would pass 14: that datagram cuts the pair, unsent.
    pair.client.send_to(b"abc", pair.relay).expect("send");
    assert_eq!(receive(&pair.upstream).0, b"abc");
    pair.client.send_to(b"defg", pair.relay).expect("send");
    let seen = wait_for(
        &pair.worker,
        deadline(),
        |kind| matches!(kind, EventKind::ClientDisconnected { id, .. } if *id == pair.id),
    );
    nothing_arrives(&pair.upstream);
    let reason = seen.iter().find_map(|event| match &event.kind {
        EventKind::ClientDisconnected { reason, .. } => Some(reason.clone()),
        _ => None,
    });
    let cut = NetError::Cut { after: 14, toward };
    assert_eq!(
        reason,
        Some(CloseReason::Failed(cut)),
        "{}",
        describe(&seen)
    );
    let went: Vec<&Event> = seen
        .iter()
        .filter(|event| matches!(event.kind, EventKind::Rewritten { .. }))
        .collect();
    assert_eq!(went.len(), 1, "the rule said once: {}", describe(&seen));
    assert_eq!(
        forwarded(&seen, toward),
        b"LED OFFabcdefg",
        "every datagram logged"
    );

    // The link stays cut while the client keeps sending: no new pair, nothing goes on.
    pair.client.send_to(b"again", pair.relay).expect("send");
    nothing_arrives(&pair.upstream);
    let later = events_until(&pair.worker, Instant::now() + Duration::from_millis(100));
    let opened = |event: &Event| matches!(event.kind, EventKind::ClientConnected { .. });
    assert!(!later.iter().any(opened), "{}", describe(&later));
}

/// Every event the worker sends until `deadline`.
fn events_until(worker: &Worker, deadline: Instant) -> Vec<Event> {
    std::iter::from_fn(|| worker.next_event(deadline).ok()).collect()
}

#[test]
fn a_held_datagram_let_go_after_the_idle_time_still_gets_its_answer() {
    let idle = Duration::from_millis(300);
    let pair = opened(idle);
    let hold = |hold| Command::Hold {
        toward: Toward::Upstream,
        hold,
    };
    assert!(pair.worker.send(hold(true)));
    held(&pair.worker, Toward::Upstream, 0);
    pair.client.send_to(b"late", pair.relay).expect("send");
    held(&pair.worker, Toward::Upstream, 1);
    // Longer than the idle time: a pair with a datagram on its way is not quiet.
    nothing_arrives(&pair.upstream);
    nothing_arrives(&pair.upstream);
    assert!(pair.worker.send(hold(false)));
    let (got, from) = receive(&pair.upstream);
    assert_eq!((got.as_slice(), from), (&b"late"[..], pair.pair_socket));
    pair.upstream.send_to(b"answer", from).expect("answer");
    assert_eq!(
        receive(&pair.client).0,
        b"answer",
        "the pair was still there"
    );
}
