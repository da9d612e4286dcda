//! Helpers shared by the socket-worker tests (`tests/net_*.rs`).
//!
//! Every peer is a real std socket on loopback. Nothing sleeps and hopes: events are awaited with
//! a deadline, and every std socket has a read timeout so a worker bug fails a test instead of
//! hanging it.
// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::fmt::Write as _;
use std::io::{ErrorKind, Read};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::time::{Duration, Instant};

use sockscope::net::{Event, EventKind, Worker};

#[cfg(target_os = "linux")]
pub mod netns;

/// How long any expected event or byte may take before the test fails.
pub const DEADLINE: Duration = Duration::from_secs(10);

/// How long a peer listens to assert that nothing arrives.
pub const SILENCE: Duration = Duration::from_millis(200);

/// "你好，世界" ("hello, world") in GBK: not valid UTF-8, so a worker that decodes or re-encodes
/// text would mangle it.
pub const GBK_HELLO_WORLD: &[u8] = &[0xC4, 0xE3, 0xBA, 0xC3, 0xA3, 0xAC, 0xCA, 0xC0, 0xBD, 0xE7];

/// Every byte value once, in order.
pub fn all_byte_values() -> Vec<u8> {
    (0..=u8::MAX).collect()
}

/// The deadline for one wait, starting now.
pub fn deadline() -> Instant {
    Instant::now() + DEADLINE
}

/// Receives events until `done` accepts one, and returns every event received, the accepted one
/// last. Panics at `deadline`, or if the worker stops first, listing what it saw.
pub fn wait_for(
    worker: &Worker,
    deadline: Instant,
    mut done: impl FnMut(&EventKind) -> bool,
) -> Vec<Event> {
    let mut seen = Vec::new();
    loop {
        match worker.next_event(deadline) {
            Ok(event) => {
                let finished = done(&event.kind);
                seen.push(event);
                if finished {
                    return seen;
                }
            }
            Err(error) => panic!(
                "the awaited event did not come ({error}); events seen while waiting:\n{}",
                describe(&seen)
            ),
        }
    }
}

/// Waits for the event `done` accepts and returns it alone.
pub fn expect_event(worker: &Worker, done: impl FnMut(&EventKind) -> bool) -> EventKind {
    let seen = wait_for(worker, deadline(), done);
    seen.into_iter()
        .last()
        .map(|event| event.kind)
        .expect("wait_for returns at least the awaited event")
}

/// Waits for the worker's `Closed` event and returns its reason.
pub fn expect_closed(worker: &Worker) -> sockscope::net::CloseReason {
    match expect_event(worker, |kind| matches!(kind, EventKind::Closed(_))) {
        EventKind::Closed(reason) => reason,
        other => unreachable!("expect_event returned {other:?}"),
    }
}

/// Waits until `Received` events carry `len` bytes in total and returns them concatenated
/// (a TCP stream may split or merge writes). Fails if more than `len` bytes arrive.
pub fn expect_received(worker: &Worker, len: usize) -> Vec<u8> {
    received_bytes(&wait_received(worker, len))
}

/// Like [`expect_received`], but returns the events (the `Received` ones and any before them).
pub fn wait_received(worker: &Worker, len: usize) -> Vec<Event> {
    let mut total = 0;
    let seen = wait_for(worker, deadline(), |kind| {
        if let EventKind::Received { bytes, .. } = kind {
            total += bytes.len();
        }
        total >= len
    });
    assert_eq!(
        total,
        len,
        "received more bytes than expected:\n{}",
        describe(&seen)
    );
    seen
}

/// Waits for the `Sent` event of one payload and returns the bytes it reports.
pub fn expect_sent(worker: &Worker) -> Vec<u8> {
    match expect_event(worker, |kind| matches!(kind, EventKind::Sent { .. })) {
        EventKind::Sent { bytes, .. } => bytes,
        other => unreachable!("expect_event returned {other:?}"),
    }
}

/// The bytes of every `Received` event among `events`, concatenated in order.
pub fn received_bytes(events: &[Event]) -> Vec<u8> {
    events
        .iter()
        .filter_map(|event| match &event.kind {
            EventKind::Received { bytes, .. } => Some(bytes.as_slice()),
            _ => None,
        })
        .flatten()
        .copied()
        .collect()
}

/// One line per event, for failure messages.
pub fn describe(events: &[Event]) -> String {
    let mut text = String::new();
    for event in events {
        let _ = writeln!(text, "  {:?}", event.kind);
    }
    if text.is_empty() {
        text.push_str("  (none)\n");
    }
    text
}

/// Sets a read timeout so a missing byte fails the test instead of hanging it.
pub fn with_timeout(stream: TcpStream) -> TcpStream {
    stream
        .set_read_timeout(Some(DEADLINE))
        .expect("set a read timeout on the peer stream");
    stream
}

/// Connects a std client with a read timeout.
pub fn connect(addr: SocketAddr) -> TcpStream {
    with_timeout(TcpStream::connect(addr).expect("connect a std client to the worker"))
}

/// Reads exactly `len` bytes from a peer stream (however TCP splits them).
pub fn read_exactly(stream: &mut TcpStream, len: usize) -> Vec<u8> {
    let mut bytes = vec![0; len];
    stream
        .read_exact(&mut bytes)
        .expect("the peer should receive every byte the worker sent");
    bytes
}

/// Asserts the peer stream reaches end of stream (the worker closed its side).
pub fn expect_eof(stream: &mut TcpStream) {
    let mut rest = Vec::new();
    stream
        .read_to_end(&mut rest)
        .expect("the peer should see the worker close the connection");
    assert!(
        rest.is_empty(),
        "unexpected bytes before end of stream: {rest:?}"
    );
}

/// Asserts nothing arrives on a peer stream for `wait` (the stream stays open).
pub fn expect_silence(stream: &mut TcpStream, wait: Duration) {
    // A zero timeout is invalid for set_read_timeout; nonblocking reads check "right now".
    if wait.is_zero() {
        stream
            .set_nonblocking(true)
            .expect("make the peer nonblocking");
    } else {
        stream
            .set_read_timeout(Some(wait))
            .expect("shorten the read timeout");
    }
    let mut byte = [0; 1];
    let outcome = stream.read(&mut byte);
    stream
        .set_nonblocking(false)
        .expect("make the peer blocking again");
    stream
        .set_read_timeout(Some(DEADLINE))
        .expect("restore the read timeout");
    match outcome {
        Err(error) if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
        Ok(0) => panic!("the stream was closed, but it should have stayed open and silent"),
        Ok(_) => panic!(
            "received {:#04x}, but nothing was meant for this peer",
            byte[0]
        ),
        Err(error) => panic!("reading the peer stream failed: {error}"),
    }
}

/// Binds a std UDP peer on `ip` (an ephemeral port) with a read timeout.
pub fn udp_peer(ip: &str) -> UdpSocket {
    let socket = UdpSocket::bind((ip, 0)).expect("bind a std UDP peer on loopback");
    socket
        .set_read_timeout(Some(DEADLINE))
        .expect("set a read timeout on the UDP peer");
    socket
}

/// Receives one datagram on a std UDP peer and returns its bytes and sender.
pub fn recv_datagram(socket: &UdpSocket) -> (Vec<u8>, SocketAddr) {
    let mut buffer = vec![0; 65_536];
    let (len, from) = socket
        .recv_from(&mut buffer)
        .expect("the UDP peer should receive the worker's datagram");
    buffer.truncate(len);
    (buffer, from)
}

/// Whether the loopback IPv6 address can be bound here (some containers disable IPv6).
pub fn ipv6_loopback_available() -> bool {
    std::net::TcpListener::bind("[::1]:0").is_ok()
}

/// A TCP client worker for `host:port`, plain, with no local address or reconnect.
pub fn spawn_client(host: &str, port: u16, connect_timeout: Duration) -> Worker {
    let config = sockscope::net::TcpClientConfig {
        host: host.to_owned(),
        port,
        connect_timeout,
        local: None,
        reconnect: None,
        on_connect: None,
        tls: None,
    };
    sockscope::net::spawn_tcp_client(config).expect("spawn the TCP client worker")
}

/// A TCP client worker connected to a fresh loopback listener; returns it with the peer's
/// side (with a read timeout).
pub fn connected_client_worker() -> (Worker, TcpStream) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("address");
    let worker = spawn_client(&addr.ip().to_string(), addr.port(), DEADLINE);
    expect_event(&worker, |kind| matches!(kind, EventKind::Connected { .. }));
    let (peer, _) = listener.accept().expect("accept");
    (worker, with_timeout(peer))
}
