//! Cyclic send on the workers, against real loopback peers: complete, in order, on schedule,
//! and stopped at once.

use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use crate::common_net::{
    SILENCE, connect, expect_event, read_exactly, recv_datagram, udp_peer, wait_for,
};
use sockscope::codec::Frame;
use sockscope::net::{
    Command, CycleSpec, EventKind, RemoteTarget, SendOrigin, SendTarget, Stack, UdpOptions, Worker,
    spawn_tcp_server, spawn_udp,
};

fn udp_session() -> Worker {
    let local = SocketAddr::from(([127, 0, 0, 1], 0));
    let worker = spawn_udp(local, UdpOptions::default()).expect("spawn");
    expect_event(&worker, |kind| matches!(kind, EventKind::Opened { .. }));
    worker
}

fn to_peer(peer: &UdpSocket) -> SendTarget {
    SendTarget::Datagram(Some(RemoteTarget {
        host: "127.0.0.1".to_owned(),
        port: peer.local_addr().expect("addr").port(),
    }))
}

fn ended(kind: &EventKind) -> bool {
    matches!(kind, EventKind::CycleProgress { running: false, .. })
}

#[test]
fn a_thousand_datagrams_at_one_millisecond_arrive_complete() {
    let worker = udp_session();
    let peer = udp_peer("127.0.0.1");
    let started = Instant::now();
    worker.send(Command::StartCycle(CycleSpec {
        frame: Frame::constant(b"tick".to_vec()),
        index: sockscope::codec::SendIndex::default(),
        to: to_peer(&peer),
        interval: Duration::from_millis(1),
        count: Some(1000),
        written_in: None,
    }));
    for index in 0..1000 {
        let (bytes, _) = recv_datagram(&peer);
        assert_eq!(bytes, b"tick", "datagram {index}");
    }
    let events = wait_for(&worker, crate::common_net::deadline(), ended);
    assert!(matches!(
        events.last().map(|event| &event.kind),
        Some(EventKind::CycleProgress {
            sent: 1000,
            running: false
        })
    ));
    // The 1,000th send is due 999 ms after the first: it cannot have come sooner.
    assert!(started.elapsed() >= Duration::from_millis(999));
    let mut buffer = [0; 16];
    peer.set_read_timeout(Some(SILENCE)).expect("timeout");
    assert!(
        peer.recv_from(&mut buffer).is_err(),
        "nothing after the count"
    );
}

#[test]
fn a_thousand_tcp_messages_arrive_complete_and_in_order() {
    let local = SocketAddr::from(([127, 0, 0, 1], 0));
    let worker = spawn_tcp_server(local, Stack::Dual, None).expect("spawn");
    let EventKind::Listening { local } =
        expect_event(&worker, |kind| matches!(kind, EventKind::Listening { .. }))
    else {
        unreachable!("expect_event returns the awaited event");
    };
    let mut client = connect(local);
    expect_event(&worker, |kind| {
        matches!(kind, EventKind::ClientConnected { .. })
    });
    worker.send(Command::StartCycle(CycleSpec {
        frame: Frame::constant(b"line\r\n".to_vec()),
        index: sockscope::codec::SendIndex::default(),
        to: SendTarget::Clients(Vec::new()),
        interval: Duration::from_millis(1),
        count: Some(1000),
        written_in: None,
    }));
    let received = read_exactly(&mut client, 6000);
    assert_eq!(received, b"line\r\n".repeat(1000));
    wait_for(&worker, crate::common_net::deadline(), ended);
}

#[test]
fn stop_is_immediate_and_the_count_says_what_went_out() {
    let worker = udp_session();
    let peer = udp_peer("127.0.0.1");
    worker.send(Command::StartCycle(CycleSpec {
        frame: Frame::constant(vec![0xAA]),
        index: sockscope::codec::SendIndex::default(),
        to: to_peer(&peer),
        interval: Duration::from_millis(2),
        count: None,
        written_in: None,
    }));
    for _ in 0..10 {
        recv_datagram(&peer);
    }
    worker.send(Command::StopCycle);
    let events = wait_for(&worker, crate::common_net::deadline(), ended);
    let Some(EventKind::CycleProgress { sent, .. }) = events.last().map(|event| &event.kind) else {
        unreachable!("wait_for ends with the awaited event");
    };
    let sent = usize::try_from(*sent).expect("count");
    assert!(sent >= 10);
    // Exactly `sent` datagrams in all, then silence.
    for _ in 10..sent {
        recv_datagram(&peer);
    }
    let mut buffer = [0; 16];
    peer.set_read_timeout(Some(SILENCE)).expect("timeout");
    assert!(peer.recv_from(&mut buffer).is_err(), "nothing after Stop");
}

#[test]
fn a_counter_at_one_millisecond_counts_without_a_gap_or_a_repeat() {
    let worker = udp_session();
    let peer = udp_peer("127.0.0.1");
    let spec = sockscope::codec::SendSpec {
        format: sockscope::codec::PayloadFormat::Text,
        encoding: sockscope::codec::TextEncoding::Utf8,
        escapes: false,
        checksum: sockscope::codec::Checksum::None,
        order: sockscope::codec::ByteOrder::BigEndian,
        suffix: Vec::new(),
    };
    let frame = sockscope::codec::compose_template("{{counter width=4}}", &spec).expect("read");
    worker.send(Command::StartCycle(CycleSpec {
        frame,
        index: sockscope::codec::SendIndex::default(),
        to: to_peer(&peer),
        interval: Duration::from_millis(1),
        count: Some(2000),
        written_in: None,
    }));
    for expected in 1..=2000 {
        let (bytes, _) = recv_datagram(&peer);
        assert_eq!(
            String::from_utf8_lossy(&bytes),
            format!("{expected:04}"),
            "send {expected}"
        );
    }
    wait_for(&worker, crate::common_net::deadline(), ended);
}

#[test]
fn a_delayed_send_goes_after_what_was_sent_meanwhile() {
    let worker = udp_session();
    let peer = udp_peer("127.0.0.1");
    worker.send(Command::SendAfter {
        bytes: b"later".to_vec(),
        to: to_peer(&peer),
        delay: Duration::from_millis(200),
        written_in: None,
    });
    worker.send(Command::Send {
        bytes: b"now".to_vec(),
        to: to_peer(&peer),
        origin: SendOrigin::Typed(None),
    });
    assert_eq!(recv_datagram(&peer).0, b"now");
    assert_eq!(recv_datagram(&peer).0, b"later");
}

#[test]
fn a_cycle_whose_send_fails_stops_itself_and_says_why() {
    let local = SocketAddr::from(([127, 0, 0, 1], 0));
    let worker = spawn_tcp_server(local, Stack::Dual, None).expect("spawn");
    expect_event(&worker, |kind| matches!(kind, EventKind::Listening { .. }));
    // No client to send to: the first send fails, and nobody tells the worker to stop.
    worker.send(Command::StartCycle(CycleSpec {
        frame: Frame::constant(b"tick".to_vec()),
        index: sockscope::codec::SendIndex::default(),
        to: SendTarget::Clients(Vec::new()),
        interval: Duration::from_millis(20),
        count: None,
        written_in: None,
    }));
    let events = wait_for(&worker, crate::common_net::deadline(), ended);
    let failures: Vec<_> = events
        .iter()
        .filter_map(|event| match &event.kind {
            EventKind::SendFailed { origin, .. } => Some(*origin),
            _ => None,
        })
        .collect();
    // One, unless the worker was held up long enough for a second send to fall due at once.
    assert!(
        !failures.is_empty()
            && failures
                .iter()
                .all(|origin| matches!(origin, SendOrigin::Cyclic(_))),
        "the cycle's failures: {failures:?}"
    );
    // A typed send that fails leaves a later cycle alone: only the cycle's own failure ends it.
    worker.send(Command::Send {
        bytes: b"typed".to_vec(),
        to: SendTarget::Clients(Vec::new()),
        origin: SendOrigin::Typed(None),
    });
    expect_event(&worker, |kind| {
        matches!(
            kind,
            EventKind::SendFailed {
                origin: SendOrigin::Typed(None),
                ..
            }
        )
    });
}
