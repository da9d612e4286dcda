//! UDP session: one bound socket; each datagram is one event.

use std::collections::{HashMap, VecDeque};
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;

use super::datagram::{self, Received};
use super::multicast::{Group, MulticastSend};
use super::replay::Reach;
use super::resolve::{Resolution, resolve};
use super::socket::{Stack, addressable, bind_udp, canonical};
use super::{
    CloseReason, Command, EventKind, EventSink, NetError, RemoteTarget, SEND_BACKLOG_LIMIT,
    SendOrigin, SendTarget, WorkerContext, want_writable,
};

const SOCKET_TOKEN: mio::Token = mio::Token(1);
/// Room for the largest datagram a socket can hand over (its length field is 16 bits); a
/// smaller buffer would truncate datagrams.
const RECEIVE_BUFFER_SIZE: usize = 65_536;
/// Datagrams received in one turn at most, so a flood cannot hold up commands and sends.
const DATAGRAMS_PER_TURN: usize = 256;

/// How a UDP socket is opened.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UdpOptions {
    /// May send to broadcast addresses (SO_BROADCAST); receiving them needs nothing.
    pub broadcast: bool,
    /// On `::`, whether IPv4 peers are taken too.
    pub stack: Stack,
    /// Groups joined as the socket opens.
    pub groups: Vec<Group>,
    /// TTL and loopback of multicast sends.
    pub multicast: MulticastSend,
}

/// Names a UDP worker keeps resolved at most.
const RESOLVED_LIMIT: usize = 256;

struct Lookup {
    target: RemoteTarget,
    answer: Receiver<Resolution>,
    waiting: Vec<Outgoing>,
}

/// A datagram to send, with who asked for it.
struct Outgoing {
    bytes: Vec<u8>,
    origin: SendOrigin,
}

struct UdpSession {
    socket: mio::net::UdpSocket,
    local: SocketAddr,
    /// Who sent the last datagram: the reply target when the user gave none.
    last_sender: Option<SocketAddr>,
    /// Names already resolved, so repeated sends to one host do not look it up each time (at
    /// most [`RESOLVED_LIMIT`]).
    resolved: HashMap<RemoteTarget, SocketAddr>,
    /// Lookups in flight, each with the datagrams waiting for it, in the order they were sent.
    lookups: Vec<Lookup>,
    /// Datagrams waiting for the socket buffer to drain.
    pending: VecDeque<(SocketAddr, Outgoing)>,
    /// Bytes of the datagrams in `pending` and waiting for lookups.
    unsent: Unsent,
    writing: bool,
    /// Datagrams were left in the socket's buffer because the UI was behind.
    unread: bool,
    drops: Drops,
    /// Room for the control message that carries the drop count.
    control: Vec<u8>,
    /// SO_BROADCAST is on.
    broadcast: bool,
}

/// Bytes of datagrams taken to send and neither sent nor failed yet, bounded like a TCP peer's
/// queue: a cyclic send faster than the socket drains, or one waiting on a slow name lookup,
/// would otherwise queue without end.
#[derive(Debug, Default)]
struct Unsent(usize);

impl Unsent {
    /// Counts `len` more bytes unless [`SEND_BACKLOG_LIMIT`] would then wait (one datagram
    /// alone is always taken); says why not.
    fn admit(&mut self, len: usize) -> Result<(), NetError> {
        if self.0 > 0 && self.0 + len > SEND_BACKLOG_LIMIT {
            let queued_mib = self.0 / (1024 * 1024);
            return Err(NetError::DatagramBacklog { queued_mib });
        }
        self.0 += len;
        Ok(())
    }

    /// `len` bytes were sent, or failed.
    fn settle(&mut self, len: usize) {
        self.0 = self.0.saturating_sub(len);
    }
}

/// How often a growing drop count is reported at most.
const DROPS_REPORT_INTERVAL: Duration = Duration::from_secs(1);

/// The kernel's count of datagrams dropped for the socket, and what was reported of it.
#[derive(Default)]
struct Drops {
    /// The kernel's count as it last came (a u32 that wraps).
    seen: u32,
    /// Dropped in all, wraps included.
    total: u64,
    reported: u64,
    last_report: Option<Instant>,
}

impl Drops {
    fn saw(&mut self, count: u32) {
        self.total += u64::from(count.wrapping_sub(self.seen));
        self.seen = count;
    }

    /// Reports a grown count, unless one went out less than a second ago and `now_or_later`
    /// allows waiting (the socket still has datagrams, which will bring the count again).
    fn report(&mut self, sink: &EventSink, now_or_later: bool) {
        let recent = self
            .last_report
            .is_some_and(|at| at.elapsed() < DROPS_REPORT_INTERVAL);
        if self.total > self.reported && !(recent && now_or_later) {
            self.reported = self.total;
            self.last_report = Some(Instant::now());
            sink.emit(EventKind::Dropped { total: self.total });
        }
    }
}

pub(super) fn run(mut context: WorkerContext, local: SocketAddr, options: UdpOptions) {
    let reason = match open(&context, local, options) {
        Ok(mut session) => session.serve(&mut context),
        Err(error) => CloseReason::Failed(error),
    };
    context.sink.emit(EventKind::Closed(reason));
}

fn open(
    context: &WorkerContext,
    local: SocketAddr,
    options: UdpOptions,
) -> Result<UdpSession, NetError> {
    let socket = bind_udp(local, options.stack)?;
    let io_error = |error: io::Error| NetError::io(format!("cannot open {local}"), &error);
    socket.set_broadcast(options.broadcast).map_err(io_error)?;
    options
        .multicast
        .apply(&socket, local.is_ipv6())
        .map_err(io_error)?;
    let bound = socket.local_addr().map_err(io_error)?;
    let mut socket = mio::net::UdpSocket::from_std(socket);
    context
        .poll
        .registry()
        .register(&mut socket, SOCKET_TOKEN, mio::Interest::READABLE)
        .map_err(io_error)?;
    // Where the OS cannot count drops, none are reported; the session works the same.
    datagram::count_drops(&socket);
    // Only a wildcard address hears more than one destination (broadcasts, groups, each of
    // this host's addresses); a specific one would say its own address every time.
    if bound.ip().is_unspecified() {
        datagram::ask_destinations(&socket, bound.is_ipv6());
    }
    context.sink.emit(EventKind::Opened { local: bound });
    let session = UdpSession {
        socket,
        local: bound,
        last_sender: None,
        resolved: HashMap::new(),
        lookups: Vec::new(),
        pending: VecDeque::new(),
        unsent: Unsent::default(),
        writing: false,
        unread: false,
        drops: Drops::default(),
        control: Vec::new(),
        broadcast: options.broadcast,
    };
    for group in options.groups {
        session.join(&context.sink, group);
    }
    Ok(session)
}

impl UdpSession {
    fn serve(&mut self, context: &mut WorkerContext) -> CloseReason {
        let mut events = mio::Events::with_capacity(64);
        let mut buffer = vec![0; RECEIVE_BUFFER_SIZE];
        loop {
            let reach = Reach::one(self.backlog());
            if let Err(error) = context.poll(&mut events, self.backlog(), reach, self.unread, None)
            {
                return CloseReason::Failed(NetError::io("poll failed", &error));
            }
            let readable = events
                .iter()
                .any(|e| e.token() == SOCKET_TOKEN && e.is_readable());
            if (readable || self.unread)
                && let Err(error) = self.receive_all(&context.sink, &mut buffer)
            {
                return CloseReason::Failed(error);
            }
            for command in context.take_commands(self.backlog(), Reach::one(self.backlog())) {
                match command {
                    Command::Send {
                        bytes,
                        to: SendTarget::Datagram(target),
                        origin,
                    } => {
                        self.queue(context, Outgoing { bytes, origin }, target);
                    }
                    Command::SetBroadcast(on) => self.set_broadcast(&context.sink, on),
                    Command::JoinGroup(group) => self.join(&context.sink, group),
                    Command::LeaveGroup(group) => self.leave(&context.sink, group),
                    Command::Shutdown => return CloseReason::Requested,
                    other => {
                        let detail = format!("{other:?} does not apply to UDP");
                        let error = NetError::Io {
                            context: "ignored command".to_owned(),
                            detail,
                        };
                        context.sink.emit(EventKind::Warning(error));
                    }
                }
            }
            self.finish_lookups(&context.sink);
            if let Err(error) = self.flush(context) {
                return CloseReason::Failed(error);
            }
        }
    }

    fn join(&self, sink: &EventSink, group: Group) {
        match group.join(&self.socket) {
            Ok(()) => sink.emit(EventKind::GroupJoined(group)),
            Err(error) => {
                let error = NetError::Join {
                    group: group.to_string(),
                    detail: error.to_string(),
                };
                sink.emit(EventKind::Warning(error))
            }
        };
    }

    fn leave(&self, sink: &EventSink, group: Group) {
        match group.leave(&self.socket) {
            Ok(()) => sink.emit(EventKind::GroupLeft(group)),
            Err(error) => {
                let error = NetError::io(format!("cannot leave {group}"), &error);
                sink.emit(EventKind::Warning(error))
            }
        };
    }

    fn set_broadcast(&mut self, sink: &EventSink, on: bool) {
        match self.socket.set_broadcast(on) {
            Ok(()) => self.broadcast = on,
            Err(error) => {
                let error = NetError::io("cannot change Broadcast", &error);
                sink.emit(EventKind::Warning(error));
            }
        }
    }

    /// Bytes of datagrams not yet sent (queued, or waiting for a name lookup).
    fn backlog(&self) -> usize {
        self.unsent.0
    }

    /// Receives until the socket would block, its turn is over, or the UI is too far behind;
    /// then the datagrams wait in the socket's buffer (`unread`).
    fn receive_all(&mut self, sink: &EventSink, buffer: &mut [u8]) -> Result<(), NetError> {
        for _ in 0..DATAGRAMS_PER_TURN {
            self.unread = sink.must_pause();
            if self.unread {
                return Ok(());
            }
            match datagram::receive(&self.socket, buffer, &mut self.control) {
                Ok(Received {
                    len: n,
                    from: peer,
                    dropped,
                    to,
                }) => {
                    let peer = canonical(peer);
                    if let Some(count) = dropped {
                        self.drops.saw(count);
                        self.drops.report(sink, true);
                    }
                    self.last_sender = Some(peer);
                    let bytes = buffer[..n].to_vec();
                    sink.emit(EventKind::Received {
                        peer,
                        client: None,
                        bytes,
                        to,
                    });
                }
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
                    // The socket is empty: whatever the count grew to since the last report.
                    self.drops.report(sink, false);
                    return Ok(());
                }
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                // An ICMP "port unreachable" for an earlier send (Windows reports it on the
                // next receive): say so and keep the socket open.
                Err(error)
                    if matches!(
                        error.kind(),
                        io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionRefused
                    ) =>
                {
                    let error = NetError::io("the last datagram was refused by its target", &error);
                    sink.emit(EventKind::Warning(error));
                }
                Err(error) => {
                    return Err(NetError::io(format!("receive on {}", self.local), &error));
                }
            }
        }
        // The turn is over: the rest after the commands.
        self.unread = true;
        Ok(())
    }

    fn queue(&mut self, context: &WorkerContext, datagram: Outgoing, target: Option<RemoteTarget>) {
        let failed = |error| EventKind::SendFailed {
            peer: None,
            error,
            origin: datagram.origin,
        };
        if let Err(error) = self.unsent.admit(datagram.bytes.len()) {
            context.sink.emit(failed(error));
            return;
        }
        let Some(target) = target else {
            match self.last_sender {
                Some(peer) => self.pending.push_back((peer, datagram)),
                None => {
                    self.unsent.settle(datagram.bytes.len());
                    context.sink.emit(failed(NetError::NoDestination));
                }
            }
            return;
        };
        // An address needs no lookup, and is not kept: answering many senders (a rule or a
        // script answers each where it came from) must not grow the table of names.
        if let Ok(ip) = target.host.parse::<std::net::IpAddr>() {
            let literal = Ok(vec![SocketAddr::new(ip, target.port)]);
            match self.pick_address(&target, literal) {
                Ok(peer) => self.pending.push_back((peer, datagram)),
                Err(error) => {
                    self.unsent.settle(datagram.bytes.len());
                    context.sink.emit(EventKind::SendFailed {
                        peer: None,
                        error,
                        origin: datagram.origin,
                    });
                }
            }
        } else if let Some(peer) = self.resolved.get(&target) {
            self.pending.push_back((*peer, datagram));
        } else if let Some(lookup) = self.lookups.iter_mut().find(|l| l.target == target) {
            lookup.waiting.push(datagram);
        } else {
            let waker = Arc::clone(&context.waker);
            let answer = resolve(&target.host, target.port, move || {
                let _ = waker.wake();
            });
            self.lookups.push(Lookup {
                target,
                answer,
                waiting: vec![datagram],
            });
        }
    }

    /// Queues the datagrams of every lookup that has finished, or reports why it failed.
    fn finish_lookups(&mut self, sink: &EventSink) {
        let mut index = 0;
        while index < self.lookups.len() {
            let Ok(resolution) = self.lookups[index].answer.try_recv() else {
                index += 1;
                continue;
            };
            let lookup = self.lookups.remove(index);
            match self.pick_address(&lookup.target, resolution) {
                Ok(peer) => {
                    // Names are few; a table grown past that is started afresh.
                    if self.resolved.len() >= RESOLVED_LIMIT {
                        self.resolved.clear();
                    }
                    self.resolved.insert(lookup.target, peer);
                    self.pending
                        .extend(lookup.waiting.into_iter().map(|datagram| (peer, datagram)));
                }
                Err(error) => {
                    for datagram in lookup.waiting {
                        self.unsent.settle(datagram.bytes.len());
                        sink.emit(EventKind::SendFailed {
                            peer: None,
                            error: error.clone(),
                            origin: datagram.origin,
                        });
                    }
                }
            }
        }
    }

    /// Prefers an address of the socket's own family: an IPv4 socket cannot send to IPv6.
    fn pick_address(
        &self,
        target: &RemoteTarget,
        resolution: Resolution,
    ) -> Result<SocketAddr, NetError> {
        let addresses = resolution?;
        addresses
            .iter()
            .find(|addr| addr.is_ipv4() == self.local.is_ipv4())
            .or(addresses.first())
            .copied()
            .ok_or_else(|| NetError::Dns {
                host: target.host.clone(),
                detail: "no addresses found".to_owned(),
            })
    }

    /// Sends what the socket takes of the pending datagrams; fails only when the socket can no
    /// longer be watched.
    fn flush(&mut self, context: &WorkerContext) -> Result<(), NetError> {
        while let Some((peer, datagram)) = self.pending.front() {
            match self
                .socket
                .send_to(&datagram.bytes, addressable(self.local, *peer))
            {
                Ok(_) => {
                    if let Some((peer, Outgoing { bytes, origin })) = self.pending.pop_front() {
                        self.unsent.settle(bytes.len());
                        context.sink.emit(EventKind::Sent {
                            peer,
                            client: None,
                            bytes,
                            origin,
                        });
                    }
                }
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => break,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => {
                    // Linux and macOS refuse a broadcast without SO_BROADCAST with EACCES.
                    let error =
                        if error.kind() == io::ErrorKind::PermissionDenied && !self.broadcast {
                            NetError::BroadcastOff { to: *peer }
                        } else {
                            NetError::io("send failed", &error)
                        };
                    let failed = EventKind::SendFailed {
                        peer: Some(*peer),
                        error,
                        origin: datagram.origin,
                    };
                    context.sink.emit(failed);
                    if let Some((_, datagram)) = self.pending.pop_front() {
                        self.unsent.settle(datagram.bytes.len());
                    }
                }
            }
        }
        let want = !self.pending.is_empty();
        let registry = context.poll.registry();
        want_writable(
            registry,
            &mut self.socket,
            SOCKET_TOKEN,
            &mut self.writing,
            want,
        )
        .map_err(|error| NetError::io("cannot watch the socket", &error))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsent_datagrams_are_bounded_and_settled() {
        let mut unsent = Unsent::default();
        // One datagram alone is taken whatever its size.
        assert!(unsent.admit(SEND_BACKLOG_LIMIT + 1).is_ok());
        unsent.settle(SEND_BACKLOG_LIMIT + 1);
        let datagram = 65_507;
        let fit = SEND_BACKLOG_LIMIT / datagram;
        for _ in 0..fit {
            assert!(unsent.admit(datagram).is_ok());
        }
        let refused = unsent.admit(datagram);
        assert!(
            matches!(refused, Err(NetError::DatagramBacklog { queued_mib: 63 })),
            "{refused:?}"
        );
        // Room again once one was sent.
        unsent.settle(datagram);
        assert!(unsent.admit(datagram).is_ok());
        assert_eq!(unsent.0, fit * datagram);
    }
}
