//! The relay worker between std sockets on loopback, one as its client and one as its
//! upstream: half-closes and resets passed on each way, an upstream that refuses or never
//! answers, a slow upstream, two hundred pairs at once, a pair closed by the user. Real
//! programs as peers (curl, Python's http.server, openssl) are in `net_relay_peers.rs`.

use std::collections::HashSet;
use std::io::{ErrorKind, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;
use sha2::{Digest, Sha256};
use socket2::{Domain, SockRef, Socket, Type};
use sockscope::net::{
    ClientId, CloseReason, Command, Event, EventKind, NetError, Next, RELAY_WINDOW, RelayConfig,
    RelayTls, RelayTransport, Stack, Toward, Worker, spawn_relay,
};

use crate::common_net::{
    DEADLINE, connect, deadline, describe, expect_eof, expect_event, ipv6_loopback_available,
    read_exactly, wait_for, with_timeout,
};

pub(super) const LOCALHOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// A relay listening on `ip` (an OS-chosen port) that connects each client to `host:port`;
/// returns it with the address it listens on.
pub(super) fn spawn_relay_to(
    ip: IpAddr,
    host: &str,
    port: u16,
    connect_timeout: Duration,
) -> (Worker, SocketAddr) {
    spawn_relay_over(RelayTransport::Tcp, ip, (host, port), connect_timeout)
}

/// A relay carrying `transport`, listening on `ip` (an OS-chosen port), toward `host:port`;
/// returns it with the address it listens on.
pub(super) fn spawn_relay_over(
    transport: RelayTransport,
    ip: IpAddr,
    (host, port): (&str, u16),
    connect_timeout: Duration,
) -> (Worker, SocketAddr) {
    start_relay_with(RelayConfig {
        transport,
        ..relay_config(ip, (host, port), connect_timeout)
    })
}

/// What a TCP relay listening on `ip` (an OS-chosen port) toward `host:port` starts with.
pub(super) fn relay_config(
    ip: IpAddr,
    (host, port): (&str, u16),
    connect_timeout: Duration,
) -> RelayConfig {
    RelayConfig {
        transport: RelayTransport::Tcp,
        listen: SocketAddr::new(ip, 0),
        stack: Stack::Dual,
        upstream_host: host.to_owned(),
        upstream_port: port,
        connect_timeout,
        local: None,
        faults: Default::default(),
        rewrites: Default::default(),
        tls: RelayTls::default(),
    }
}

/// A relay started with `config`, once it listens; returns it with the address.
pub(super) fn start_relay_with(config: RelayConfig) -> (Worker, SocketAddr) {
    let ip = config.listen.ip();
    let worker = spawn_relay(config).expect("spawn the relay worker");
    let listening = expect_event(&worker, |kind| matches!(kind, EventKind::Listening { .. }));
    let EventKind::Listening { local } = listening else {
        unreachable!("expect_event returns the awaited event");
    };
    assert!(local.ip() == ip && local.port() != 0, "{local}");
    (worker, local)
}

/// A relay toward `upstream`, listening on the same loopback address.
pub(super) fn relay_to(upstream: SocketAddr) -> (Worker, SocketAddr) {
    let host = upstream.ip().to_string();
    spawn_relay_to(upstream.ip(), &host, upstream.port(), DEADLINE)
}

/// A loopback port nothing listens on (it was free a moment ago).
pub(super) fn free_port() -> u16 {
    let listener = TcpListener::bind((LOCALHOST, 0)).expect("bind a probe listener");
    listener.local_addr().expect("its address").port()
}

/// `len` bytes that look random, the same for the same `seed`.
pub(super) fn random_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut bytes = vec![0; len];
    fastrand::Rng::with_seed(seed).fill(&mut bytes);
    bytes
}

/// Hands each event to `on_event` until `peer` answers (`Some`) or `until` passes (`None`).
pub(super) fn drain_until<T>(
    worker: &Worker,
    peer: &Receiver<T>,
    until: Instant,
    mut on_event: impl FnMut(&EventKind),
) -> Option<T> {
    loop {
        match worker.next_event_or(peer, until) {
            Next::Event(event) => on_event(&event.kind),
            Next::Other(answer) => return Some(answer),
            Next::Timeout if Instant::now() >= until => return None,
            Next::Timeout => {}
            Next::WorkerEnded => panic!("the relay worker ended while its peers worked"),
            Next::OtherClosed => panic!("a peer thread ended without answering (it failed)"),
        }
    }
}

/// Waits for the client whose address is `client` to be reported; returns its id.
fn client_id(worker: &Worker, client: &TcpStream) -> ClientId {
    let address = client.local_addr().expect("the client's address");
    let connected = expect_event(
        worker,
        |kind| matches!(kind, EventKind::ClientConnected { peer, .. } if *peer == address),
    );
    let EventKind::ClientConnected { id, .. } = connected else {
        unreachable!("expect_event returns the awaited event");
    };
    id
}

/// A client connected through the relay, the upstream's side of its pair, and the pair's id.
pub(super) struct Pair {
    pub(super) client: TcpStream,
    pub(super) upstream: TcpStream,
    pub(super) id: ClientId,
}

/// Connects a client through the relay at `relay` and takes its pair's upstream connection
/// from `listener` once the relay says it connected it.
fn open_pair(worker: &Worker, relay: SocketAddr, listener: &TcpListener) -> Pair {
    let client = connect(relay);
    let id = client_id(worker, &client);
    let connected = expect_event(
        worker,
        |kind| matches!(kind, EventKind::UpstreamConnected { id: of, .. } if *of == id),
    );
    let EventKind::UpstreamConnected {
        upstream, local, ..
    } = connected
    else {
        unreachable!("expect_event returns the awaited event");
    };
    assert_eq!(
        Ok(upstream),
        listener.local_addr().map_err(|error| error.kind())
    );
    let (accepted, from) = listener.accept().expect("accept the relay");
    assert_eq!(from, local, "UpstreamConnected names the relay's end");
    Pair {
        client,
        upstream: with_timeout(accepted),
        id,
    }
}

/// A std listener standing for the upstream on `ip`, with a relay toward it, and one pair.
pub(super) fn relayed_pair(ip: IpAddr) -> (Worker, Pair, SocketAddr) {
    let listener = TcpListener::bind((ip, 0)).expect("bind the upstream");
    let upstream = listener.local_addr().expect("the upstream's address");
    let (worker, relay) = relay_to(upstream);
    let pair = open_pair(&worker, relay, &listener);
    (worker, pair, upstream)
}

/// Waits for pair `id` to end, asserts why; returns every event seen until then.
fn expect_ended(worker: &Worker, id: ClientId, expected: &CloseReason) -> Vec<Event> {
    let seen = wait_for(
        worker,
        deadline(),
        |kind| matches!(kind, EventKind::ClientDisconnected { id: gone, .. } if *gone == id),
    );
    let reason = seen.last().map(|event| &event.kind);
    let Some(EventKind::ClientDisconnected { reason, .. }) = reason else {
        unreachable!("wait_for ends with the awaited event");
    };
    assert_eq!(reason, expected, "events:\n{}", describe(&seen));
    seen
}

/// The bytes the relay reported forwarding `toward` one side, in order.
pub(super) fn forwarded(events: &[Event], toward: Toward) -> Vec<u8> {
    let read = |event: &Event| match &event.kind {
        EventKind::Forwarded {
            toward: way, bytes, ..
        } if *way == toward => Some(bytes.clone()),
        _ => None,
    };
    events.iter().filter_map(read).flatten().collect()
}

/// An upstream failure as the relay reports it for the upstream at `upstream`.
fn upstream_failed(upstream: SocketAddr, error: NetError) -> CloseReason {
    let target = upstream.to_string();
    CloseReason::Failed(NetError::Upstream {
        target,
        error: Box::new(error),
    })
}

/// The pair's two streams: the one that sends `toward` the other first, and the other.
fn ends(pair: Pair, toward: Toward) -> (TcpStream, TcpStream, ClientId) {
    match toward {
        Toward::Upstream => (pair.client, pair.upstream, pair.id),
        Toward::Client => (pair.upstream, pair.client, pair.id),
    }
}

/// One side sends `toward` the other and finishes sending; the other reads it all and the end
/// of stream, then answers and finishes too, which the first still reads: the relay passed
/// the FIN on once the bytes before it were written, and ends the pair as finished.
fn finish_then_answer(toward: Toward) {
    let (worker, pair, _) = relayed_pair(LOCALHOST);
    let (mut first, mut second, id) = ends(pair, toward);
    first.write_all(b"the question").expect("send");
    first.shutdown(Shutdown::Write).expect("finish sending");
    let mut got = Vec::new();
    second.read_to_end(&mut got).expect("read up to the FIN");
    assert_eq!(got, b"the question");
    let seen = wait_for(
        &worker,
        deadline(),
        |kind| matches!(kind, EventKind::HalfClosed { toward: way, .. } if *way == toward),
    );
    assert_eq!(forwarded(&seen, toward), b"the question");

    // The half-closed side can still send.
    second.write_all(b"the answer").expect("answer");
    assert_eq!(read_exactly(&mut first, 10), b"the answer");
    second.shutdown(Shutdown::Write).expect("finish too");
    expect_eof(&mut first);
    let rest = expect_ended(&worker, id, &CloseReason::PeerClosed);
    assert_eq!(forwarded(&rest, toward.back()), b"the answer");
}

#[test]
fn a_client_half_close_reaches_the_upstream_which_still_answers() {
    finish_then_answer(Toward::Upstream);
}

#[test]
fn an_upstream_half_close_reaches_the_client_which_still_answers() {
    finish_then_answer(Toward::Client);
}

/// Closes `stream` with a reset (RST) instead of a FIN.
fn reset(stream: TcpStream) {
    let linger = SockRef::from(&stream).set_linger(Some(Duration::ZERO));
    linger.expect("set a zero linger");
    drop(stream);
}

/// Some bytes each way, so the pair is in full use when one side goes.
fn exchange(pair: &mut Pair) {
    pair.client.write_all(b"ping").expect("send");
    assert_eq!(read_exactly(&mut pair.upstream, 4), b"ping");
    pair.upstream.write_all(b"pong").expect("answer");
    assert_eq!(read_exactly(&mut pair.client, 4), b"pong");
}

/// One side of a pair over `ip` resets (the client when `toward` is the upstream): the other
/// side's next read fails with a reset too, not an end of stream, and the pair ends with
/// the reason `expected` gives for the upstream's address.
fn reset_passed_on(ip: IpAddr, toward: Toward, expected: impl FnOnce(SocketAddr) -> CloseReason) {
    let (worker, mut pair, upstream) = relayed_pair(ip);
    exchange(&mut pair);
    let (gone, mut left, id) = ends(pair, toward);
    reset(gone);
    match left.read(&mut [0; 1]) {
        Err(error) if error.kind() == ErrorKind::ConnectionReset => {}
        other => panic!("the reset should be passed on, not {other:?}"),
    }
    expect_ended(&worker, id, &expected(upstream));
}

#[test]
fn a_client_reset_resets_the_upstream() {
    let reset = |_| CloseReason::Failed(NetError::Reset);
    reset_passed_on(LOCALHOST, Toward::Upstream, reset);
}

#[test]
fn an_upstream_reset_resets_the_client() {
    // Over IPv6 where it can: the target is then named in brackets.
    let ipv6 = ipv6_loopback_available().then_some(IpAddr::V6(Ipv6Addr::LOCALHOST));
    let reset = |upstream| upstream_failed(upstream, NetError::Reset);
    reset_passed_on(ipv6.unwrap_or(LOCALHOST), Toward::Client, reset);
}

/// Connects a client to a relay toward an upstream that fails to connect: the relay closes
/// the client, for the reason `expected`; returns how long that took.
fn client_of_failed_upstream(
    worker: &Worker,
    relay: SocketAddr,
    expected: &CloseReason,
) -> Duration {
    let mut client = connect(relay);
    let started = Instant::now();
    let id = client_id(worker, &client);
    let seen = expect_ended(worker, id, expected);
    let took = started.elapsed();
    let connected = |event: &Event| matches!(event.kind, EventKind::UpstreamConnected { .. });
    assert!(!seen.iter().any(connected), "{}", describe(&seen));
    expect_eof(&mut client);
    took
}

#[test]
fn an_upstream_that_refuses_closes_the_client() {
    let port = free_port();
    let (worker, relay) = spawn_relay_to(LOCALHOST, "127.0.0.1", port, DEADLINE);
    let upstream = SocketAddr::new(LOCALHOST, port);
    let refused = upstream_failed(upstream, NetError::Refused { peer: upstream });
    client_of_failed_upstream(&worker, relay, &refused);
}

/// A loopback listener whose accept queue is full (backlog 0, one connection never
/// accepted), so Linux drops further SYNs unanswered; with the connection queued. `None`
/// where a connect to it still completes.
fn unanswering_upstream() -> Option<(Socket, TcpStream, SocketAddr)> {
    let listener = Socket::new(Domain::IPV4, Type::STREAM, None).expect("a socket");
    let any_port = SocketAddr::new(LOCALHOST, 0);
    listener.bind(&any_port.into()).expect("bind");
    listener.listen(0).expect("listen with no backlog");
    let bound = listener.local_addr().expect("its address");
    let addr = bound.as_socket().expect("an IP address");
    let queued = TcpStream::connect(addr).expect("the first connection is queued");
    match TcpStream::connect_timeout(&addr, Duration::from_millis(300)) {
        Err(error) if error.kind() == ErrorKind::TimedOut => Some((listener, queued, addr)),
        _ => None,
    }
}

#[test]
fn an_upstream_that_never_answers_times_out() {
    let Some((_listener, _queued, upstream)) = unanswering_upstream() else {
        eprintln!(
            "an_upstream_that_never_answers_times_out: skipped, a full accept queue here \
             still answers connects"
        );
        return;
    };
    let timeout = Duration::from_millis(300);
    let (worker, relay) = spawn_relay_to(LOCALHOST, "127.0.0.1", upstream.port(), timeout);
    let target = upstream.to_string();
    let timed_out = upstream_failed(
        upstream,
        NetError::TimedOut {
            target,
            after: timeout,
        },
    );
    let took = client_of_failed_upstream(&worker, relay, &timed_out);
    assert!(took >= timeout && took < DEADLINE, "ended after {took:?}");
}

#[test]
fn a_slow_upstream_bounds_the_relay_and_slows_the_client() {
    const TOTAL: usize = 16 << 20;
    let (worker, pair, _) = relayed_pair(LOCALHOST);
    let (mut client, mut upstream, id) = ends(pair, Toward::Upstream);
    // A small send buffer keeps what the kernel holds well below 16 MiB.
    let small = SockRef::from(&client).set_send_buffer_size(256 * 1024);
    small.expect("a smaller send buffer for the client");
    let data = Arc::new(random_bytes(TOTAL, 6));
    let (client_done, client_finished) = crossbeam_channel::bounded(1);
    let sent = Arc::clone(&data);
    std::thread::spawn(move || {
        client.write_all(&sent).expect("the client writes");
        client.shutdown(Shutdown::Write).expect("finish");
        let _ = client_done.send(client);
    });

    // While the upstream reads nothing: the relay holds at most a window (and one read).
    let mut most = 0;
    // The pair may end while the test still waits for its peers' threads: that event is kept.
    let mut ended = None;
    let mut backlog = |kind: &EventKind| match kind {
        EventKind::Backlog { to_upstream, .. } => {
            let bound = RELAY_WINDOW + 64 * 1024;
            assert!(*to_upstream <= bound, "{to_upstream} bytes held");
            most = most.max(*to_upstream);
        }
        EventKind::ClientDisconnected {
            id: gone, reason, ..
        } if *gone == id => {
            ended = Some(reason.clone());
        }
        _ => {}
    };
    let watch = Instant::now() + Duration::from_millis(1500);
    let early = drain_until(&worker, &client_finished, watch, &mut backlog);
    assert!(early.is_none(), "16 MiB went to an upstream not reading");

    let (reader_done, reader_finished) = crossbeam_channel::bounded(1);
    std::thread::spawn(move || {
        let mut got = Vec::with_capacity(TOTAL);
        upstream.read_to_end(&mut got).expect("read it all");
        let _ = reader_done.send(got);
    });
    let until = deadline() + DEADLINE;
    let got = drain_until(&worker, &reader_finished, until, &mut backlog);
    let got = got.expect("the upstream read everything in time");
    let client = drain_until(&worker, &client_finished, until, &mut backlog);
    let mut client = client.expect("the client's writes finished");
    assert!(most > 0, "the relay reported its backlog");
    assert_eq!(got.len(), TOTAL);
    assert_eq!(Sha256::digest(&got), Sha256::digest(data.as_slice()));
    match ended {
        Some(reason) => assert_eq!(reason, CloseReason::PeerClosed),
        None => drop(expect_ended(&worker, id, &CloseReason::PeerClosed)),
    }
    expect_eof(&mut client);
}

/// A std upstream on 127.0.0.1 that takes `connections` connections and echoes each on a
/// thread of its own.
fn echo_upstream(connections: usize) -> SocketAddr {
    let listener = TcpListener::bind((LOCALHOST, 0)).expect("bind the echo upstream");
    let addr = listener.local_addr().expect("its address");
    std::thread::spawn(move || {
        for _ in 0..connections {
            let Ok((stream, _)) = listener.accept() else {
                return;
            };
            std::thread::spawn(move || {
                let mut from = with_timeout(stream);
                let Ok(mut to) = from.try_clone() else { return };
                if std::io::copy(&mut from, &mut to).is_ok() {
                    let _ = to.shutdown(Shutdown::Write);
                }
            });
        }
    });
    addr
}

#[test]
fn two_hundred_pairs_at_once_each_get_their_own_bytes_back() {
    const PAIRS: usize = 200;
    const SIZE: usize = 10 * 1024;
    let (worker, relay) = relay_to(echo_upstream(PAIRS));
    let (done, finished) = crossbeam_channel::bounded(PAIRS);
    let barrier = Arc::new(Barrier::new(PAIRS));
    for n in 0..PAIRS {
        let (done, barrier) = (done.clone(), Arc::clone(&barrier));
        std::thread::spawn(move || {
            let mut client = connect(relay);
            let mine = random_bytes(SIZE, 1000 + n as u64);
            barrier.wait();
            client.write_all(&mine).expect("a client writes");
            assert_eq!(read_exactly(&mut client, SIZE), mine, "client {n}'s echo");
            client.shutdown(Shutdown::Write).expect("a client finishes");
            expect_eof(&mut client);
            let _ = done.send(n);
        });
    }
    drop(done);
    let mut tally = Tally::default();
    let until = Instant::now() + 3 * DEADLINE;
    for completed in 0..PAIRS {
        let answer = drain_until(&worker, &finished, until, |kind| {
            tally.take(kind);
        });
        assert!(answer.is_some(), "{completed} clients got their echo");
    }
    if tally.ended.len() < PAIRS {
        wait_for(&worker, until, |kind| tally.take(kind) == PAIRS);
    }
    assert_eq!(tally.ids.len(), PAIRS, "one ClientConnected per client");
    let peer_closed = |reason: &CloseReason| *reason == CloseReason::PeerClosed;
    assert!(tally.ended.iter().all(peer_closed), "{:?}", tally.ended);
}

/// The pairs a relay reported opening and why each ended.
#[derive(Default)]
struct Tally {
    ids: HashSet<ClientId>,
    ended: Vec<CloseReason>,
}

impl Tally {
    /// Counts an event in; returns how many pairs ended so far.
    fn take(&mut self, kind: &EventKind) -> usize {
        match kind {
            EventKind::ClientConnected { id, .. } => {
                assert!(self.ids.insert(*id), "{id:?} connected twice");
            }
            EventKind::ClientDisconnected { reason, .. } => self.ended.push(reason.clone()),
            _ => {}
        }
        self.ended.len()
    }
}

#[test]
fn disconnecting_a_client_closes_both_of_its_connections() {
    let (worker, mut pair, _) = relayed_pair(LOCALHOST);
    exchange(&mut pair);
    assert!(worker.send(Command::DisconnectClient(pair.id)));
    expect_eof(&mut pair.client);
    expect_eof(&mut pair.upstream);
    expect_ended(&worker, pair.id, &CloseReason::Requested);
}

/// Writes to `client` (made non-blocking) until the relay has taken nothing more for half a
/// second: its window toward an upstream that reads nothing is full, and the kernel's buffers.
fn fill(client: &mut TcpStream) {
    client.set_nonblocking(true).expect("a non-blocking client");
    let chunk = vec![0x5a; 64 * 1024];
    let give_up = deadline();
    let mut taken_last = Instant::now();
    while taken_last.elapsed() < Duration::from_millis(500) {
        assert!(Instant::now() < give_up, "the relay took bytes without end");
        match client.write(&chunk) {
            Ok(_) => taken_last = Instant::now(),
            Err(error) if error.kind() == ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(error) => panic!("the client's write failed: {error}"),
        }
    }
}

#[test]
fn a_client_reset_is_passed_on_while_the_upstream_reads_nothing() {
    let (worker, mut pair, _) = relayed_pair(LOCALHOST);
    fill(&mut pair.client);
    reset(pair.client);
    expect_ended(&worker, pair.id, &CloseReason::Failed(NetError::Reset));
}
