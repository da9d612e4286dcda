//! The session's tests: events applied to a session, as its host thread applies them.

use std::net::SocketAddr;

use super::*;
use crate::i18n::Language;
use crate::net::{EventKind, NetError, SendOrigin};

/// Applies an event (through a stage without framing) and returns the entry it recorded.
fn apply(session: &mut Session, kind: EventKind) -> LogEntry {
    let mut stage = Stage::new(session.mode, Framing::PerRead);
    let mut recorded = None;
    session.apply(&mut stage, Event::now(kind), |entry| {
        recorded = Some(entry.clone());
    });
    recorded.expect("every event makes an entry")
}

fn addr(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

#[test]
fn a_refused_connect_says_so_and_returns_to_idle() {
    let mut session = Session::new(Mode::TcpClient);
    session.started();
    assert_eq!(session.status_text(Language::English), "Resolving…");
    apply(&mut session, EventKind::Connecting { peer: addr(9) });
    let entry = apply(
        &mut session,
        EventKind::Closed(CloseReason::Failed(NetError::Refused { peer: addr(9) })),
    );
    assert_eq!(
        entry.kind,
        EntryKind::Error("Connect failed: connection refused by 127.0.0.1:9".into())
    );
    assert_eq!(session.status, Status::Idle);
    assert_eq!(
        session.status_text(Language::English),
        "Connect failed: connection refused by 127.0.0.1:9"
    );
    session.started();
    assert_eq!(
        session.last_end, None,
        "a new attempt forgets the old failure"
    );
}

#[test]
fn a_file_cut_short_by_the_session_says_how_far_it_got() {
    let mut session = Session::new(Mode::TcpClient);
    session.started();
    session.file = Some(FileState::new("fw.bin".into(), SystemTime::now()));
    let progress = EventKind::FileProgress {
        sent: 1000,
        total: 4000,
        running: true,
    };
    let mut stage = Stage::new(Mode::TcpClient, Framing::PerRead);
    session.apply(&mut stage, Event::now(progress), |_| {
        panic!("progress is not logged")
    });
    let entry = apply(&mut session, EventKind::Closed(CloseReason::PeerClosed));
    let text = entry.message().expect("a message");
    assert!(
        text.ends_with("(sending fw.bin ended after 1,000 B of 4,000 B was read)"),
        "{text}"
    );
    assert!(session.file.as_ref().is_some_and(|file| !file.running));
}

#[test]
fn a_reset_after_connecting_is_a_lost_connection() {
    let mut session = Session::new(Mode::TcpClient);
    session.started();
    apply(
        &mut session,
        EventKind::Connected {
            local: addr(5000),
            peer: addr(9),
        },
    );
    assert_eq!(
        session.status_text(Language::English),
        "Connected — local 127.0.0.1:5000, peer 127.0.0.1:9"
    );
    let entry = apply(
        &mut session,
        EventKind::Closed(CloseReason::Failed(NetError::Reset)),
    );
    assert_eq!(
        entry.kind,
        EntryKind::Error("Connection lost: connection reset by peer".into())
    );
}

#[test]
fn counts_traffic_per_session_and_per_client() {
    let mut session = Session::new(Mode::TcpServer);
    session.started();
    apply(&mut session, EventKind::Listening { local: addr(80) });
    let id = ClientId(1);
    apply(
        &mut session,
        EventKind::ClientConnected {
            id,
            peer: addr(4000),
            local: addr(80),
        },
    );
    let rx = apply(
        &mut session,
        EventKind::Received {
            peer: addr(4000),
            client: Some(id),
            bytes: b"abc".to_vec(),
            to: None,
        },
    );
    assert_eq!(
        (rx.direction(), rx.bytes(), rx.peer),
        (Direction::Rx, &b"abc"[..], Some(addr(4000)))
    );
    apply(
        &mut session,
        EventKind::Sent {
            peer: addr(4000),
            client: Some(id),
            bytes: b"hello".to_vec(),
            origin: SendOrigin::Typed(None),
        },
    );
    assert_eq!(
        session.counters,
        Counters {
            rx_bytes: 3,
            tx_bytes: 5,
            rx_messages: 1,
            tx_messages: 1,
            dropped: 0,
            send_failed: 0,
            typed_done: 1,
        }
    );
    assert_eq!(
        (session.clients[0].bytes_in, session.clients[0].bytes_out),
        (3, 5)
    );
    assert_eq!(
        session.status_text(Language::English),
        "Listening on 127.0.0.1:80 — 1 client"
    );

    apply(&mut session, EventKind::ListenStopped { local: addr(80) });
    assert_eq!(session.status, Status::Serving);
    let left = apply(
        &mut session,
        EventKind::ClientDisconnected {
            id,
            peer: addr(4000),
            reason: CloseReason::PeerClosed,
        },
    );
    assert_eq!(left.message(), Some("Client disconnected: closed by peer"));
    assert!(session.clients.is_empty());
    apply(&mut session, EventKind::Closed(CloseReason::Idle));
    assert_eq!(
        session.status_text(Language::English),
        "Server stopped: stopped listening, no clients left"
    );
}

#[test]
fn drops_count_since_the_reset_and_log_what_is_new() {
    let mut session = Session::new(Mode::Udp);
    session.started();
    let entry = apply(&mut session, EventKind::Dropped { total: 1200 });
    assert_eq!(
        entry.message(),
        Some(
            "The OS dropped 1,200 datagrams (its receive buffer was full); 1,200 since \
             the socket opened"
        )
    );
    session.counters = Counters::default();
    apply(&mut session, EventKind::Dropped { total: 1201 });
    assert_eq!(
        session.counters.dropped, 1,
        "only what came after the reset"
    );
    session.started();
    apply(&mut session, EventKind::Dropped { total: 5 });
    assert_eq!(session.counters.dropped, 6, "a new socket counts from zero");
}

#[test]
fn framing_changes_the_view_but_the_recording_keeps_every_read() {
    let mut session = Session::new(Mode::TcpClient);
    let mut stage = Stage::new(Mode::TcpClient, Framing::Lines);
    let mut recorded = Vec::new();
    for read in [&b"one\ntw"[..], b"o\nthr", b"ee"] {
        let kind = EventKind::Received {
            peer: addr(9),
            client: None,
            bytes: read.to_vec(),
            to: None,
        };
        session.apply(&mut stage, Event::now(kind), |entry| {
            recorded.push(entry.bytes().to_vec());
        });
    }
    assert_eq!(
        recorded,
        [b"one\ntw".to_vec(), b"o\nthr".to_vec(), b"ee".to_vec()]
    );
    let shown: Vec<_> = session.log.iter().map(|e| e.bytes().to_vec()).collect();
    assert_eq!(shown, [b"one\n".to_vec(), b"two\n".to_vec()]);
    assert_eq!(stage.pending_frame_bytes(), 5);
    assert_eq!(
        session.counters.rx_bytes, 13,
        "counters count every byte at once"
    );
    // When the stream ends, what waited is shown too, before the entry that says so.
    let kind = EventKind::Closed(CloseReason::PeerClosed);
    session.apply(&mut stage, Event::now(kind), |_| {});
    let last_two: Vec<_> = session.log.iter().skip(2).map(|e| e.direction()).collect();
    assert_eq!(last_two, [Direction::Rx, Direction::Info]);
    let last_rx = session.log.iter().rfind(|e| e.direction() == Direction::Rx);
    assert_eq!(last_rx.map(|e| e.bytes()), Some(&b"three"[..]));
}

#[test]
fn a_session_that_closes_mid_replay_leaves_the_replay_ended() {
    let mut session = Session::new(Mode::Udp);
    session.started();
    let progress = EventKind::ReplayProgress {
        sent: 2,
        total: 10,
        running: true,
        paused: false,
    };
    let mut stage = Stage::new(session.mode, Framing::PerRead);
    session.apply(&mut stage, Event::now(progress), |_| {});
    assert!(session.replay.is_some_and(|replay| replay.running));
    apply(&mut session, EventKind::Closed(CloseReason::PeerClosed));
    assert!(
        session.replay.is_some_and(|replay| !replay.running),
        "Start comes back"
    );
    session.started();
    assert_eq!(session.replay, None);
}
