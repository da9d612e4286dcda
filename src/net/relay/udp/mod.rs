//! The relay over UDP: one socket takes every client's datagrams, and each client address
//! gets a socket of its own toward the upstream (the upstream tells the clients apart by it,
//! and its answers go back to the right client). Datagrams keep their boundaries. A client
//! with no datagram either way for the idle time is forgotten, as a NAT forgets it.
//!
//! Holding, faults, rewrite rules and injecting work as over TCP, datagram by datagram. UDP
//! has no flow control to slow a sender: where a way already holds
//! [`WINDOW`](super::WINDOW) bytes, what arrives is dropped, counted and said.

mod open;
mod pair;
mod receive;
mod send;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use super::RelayConfig;
use super::steering::{self, Ask, Steered, Steering};
use crate::net::replay::Reach;
use crate::net::{
    ClientId, CloseReason, Command, EventKind, NetError, SendOrigin, Toward, WorkerContext,
};
use pair::UdpPair;

const CLIENTS_TOKEN: mio::Token = mio::Token(1);
/// A pair's socket toward the upstream: `FIRST_PAIR_TOKEN + id`.
const FIRST_PAIR_TOKEN: usize = 2;
/// Datagrams read from one socket in a turn before the other sockets get theirs.
const READS_PER_TURN: usize = 64;
/// Clients with a pair at once at most: each holds a socket (a file descriptor) until it is
/// forgotten, and a sender that keeps changing its port must not take them all.
const MAX_PAIRS: usize = 1024;
/// The largest UDP payload, and then some: a datagram is never cut short.
const DATAGRAM_MAX: usize = 65_536;

/// Where a datagram came from: a client (by the address it came from), or the upstream
/// socket of a pair.
#[derive(Clone, Copy)]
enum Source {
    Clients,
    Pair(ClientId),
}

struct UdpRelay {
    clients: mio::net::UdpSocket,
    /// What the clients' socket is bound to.
    local: SocketAddr,
    upstream: SocketAddr,
    /// The upstream as the user wrote it, for messages.
    target: String,
    /// Each pair's socket is bound here (port 0: any).
    bind: Option<SocketAddr>,
    idle: Duration,
    pairs: BTreeMap<ClientId, UdpPair>,
    /// Pairs by their client's address as the socket gave it.
    by_address: HashMap<SocketAddr, ClientId>,
    /// Clients whose pair was cut, by address, with when each last sent: dropped until quiet.
    cut_off: HashMap<SocketAddr, Instant>,
    next_id: u64,
    /// Sockets left with datagrams unread (their turn ended, or the session was behind).
    clients_unread: bool,
    unread: BTreeSet<ClientId>,
    /// The clients' socket is registered for writability.
    writing: bool,
    /// A pair could not be made (out of descriptors, or [`MAX_PAIRS`]): said once until one
    /// can.
    refusing: bool,
    steering: Steering,
    buffer: Vec<u8>,
    control: Vec<u8>,
}

pub(super) fn run(mut context: WorkerContext, config: &RelayConfig, idle: Duration) {
    let mut relay = match open::open(&context, config, idle) {
        Ok(relay) => relay,
        Err(error) => {
            context
                .sink
                .emit(EventKind::Closed(CloseReason::Failed(error)));
            return;
        }
    };
    let reason = relay.serve(&mut context);
    relay.end_all(&context, &CloseReason::Requested);
    // Closed before it is said, so the port is free once the UI hears of it.
    drop(relay);
    context.sink.emit(EventKind::Closed(reason));
}

fn token_of(id: ClientId) -> mio::Token {
    mio::Token(FIRST_PAIR_TOKEN + id.0 as usize)
}
impl UdpRelay {
    fn serve(&mut self, context: &mut WorkerContext) -> CloseReason {
        let mut events = mio::Events::with_capacity(256);
        loop {
            let unread = self.clients_unread || !self.unread.is_empty();
            // A pair with datagrams still on their way is not quiet.
            let quiet = self.pairs.values();
            let quiet = quiet.filter(|pair| pair.undelivered() == 0);
            let quiet = quiet.map(|pair| pair.last + self.idle).min();
            let paced = self.pairs.values().filter_map(UdpPair::paced_due).min();
            let due = quiet.into_iter().chain(paced).min();
            // What waits to be written: a file or a replay sent into the pairs waits for it.
            let backlog = self.pairs.values().map(UdpPair::undelivered).sum();
            let reach = Reach {
                waiting: backlog,
                reachable: !self.pairs.is_empty(),
            };
            if let Err(error) = context.poll(&mut events, backlog, reach, unread, due) {
                return CloseReason::Failed(NetError::io("poll failed", &error));
            }
            for event in &events {
                match event.token() {
                    CLIENTS_TOKEN => {
                        if event.is_readable() {
                            self.clients_unread = true;
                        }
                        if event.is_writable() {
                            self.flush_toward_clients(context);
                        }
                    }
                    mio::Token(token) if token >= FIRST_PAIR_TOKEN => {
                        let id = ClientId((token - FIRST_PAIR_TOKEN) as u64);
                        if event.is_readable() {
                            self.unread.insert(id);
                        }
                        if event.is_writable() {
                            self.flush(context, id);
                        }
                    }
                    _ => {}
                }
            }
            for command in context.take_commands(backlog, reach) {
                if let Some(reason) = self.execute(context, &command) {
                    return reason;
                }
            }
            self.read_all(context);
            self.release_paced(context);
            self.end_cut_and_quiet(context);
            self.report_held(context);
        }
    }

    /// Carries out one command; `Some` ends the session.
    fn execute(&mut self, context: &WorkerContext, command: &Command) -> Option<CloseReason> {
        match self.steering.take(command) {
            // The clients' socket carries the upstream's answers too: stopping it stops all.
            Ask::StopListening | Ask::Shutdown => return Some(CloseReason::Requested),
            Ask::Listen(local) => {
                let error = NetError::Io {
                    context: format!("cannot listen on {local}"),
                    detail: format!("already listening on {}", self.local),
                };
                context.sink.emit(EventKind::Warning(error));
            }
            Ask::End(id) => self.end(context, id, CloseReason::Requested),
            Ask::EndAll => self.end_all(context, &CloseReason::Requested),
            Ask::Inject {
                pairs,
                toward,
                bytes,
                origin,
            } => self.inject(context, pairs, toward, bytes, origin),
            Ask::Release { toward, one } => self.release(context, toward, one),
            // No script's gate over UDP (a tab refuses the script): nothing waits for one.
            Ask::Pass { .. } | Ask::OpenGate | Ask::Nothing => {}
        }
        None
    }

    /// Puts one datagram into `pairs` (`None`: every pair), toward one side.
    fn inject(
        &mut self,
        context: &WorkerContext,
        pairs: Option<&[ClientId]>,
        toward: Toward,
        bytes: &[u8],
        origin: SendOrigin,
    ) {
        let ids = pairs.map_or_else(|| self.pairs.keys().copied().collect(), <[_]>::to_vec);
        let mut reached = 0;
        for id in ids {
            let Some(pair) = self.pairs.get_mut(&id) else {
                continue;
            };
            reached += 1;
            if !pair.has_room(toward, bytes.len()) {
                let error = NetError::Backlog {
                    peer: pair.peer,
                    queued_mib: pair.waiting(toward) / (1024 * 1024),
                };
                let peer = Some(pair.peer);
                context.sink.emit(EventKind::SendFailed {
                    peer,
                    error,
                    origin,
                });
                continue;
            }
            pair.inject(toward, bytes.to_vec(), origin);
            self.flush(context, id);
        }
        if reached == 0 {
            context.sink.emit(EventKind::SendFailed {
                peer: None,
                error: NetError::NotConnected,
                origin,
            });
        }
    }

    /// Lets what is held `toward` one side go on: everything, or (`one`) the one held
    /// longest over every pair.
    fn release(&mut self, context: &WorkerContext, toward: Toward, one: bool) {
        let faults = self.steering.faults(toward);
        for id in steering::release(&mut self.pairs, faults, toward, one) {
            self.flush(context, id);
        }
    }

    /// Lets the paced datagrams whose time has come go on.
    fn release_paced(&mut self, context: &WorkerContext) {
        for id in steering::release_paced(&mut self.pairs) {
            self.flush(context, id);
        }
    }

    /// Ends the pairs cut once what came before the cut went on, and those quiet for the
    /// idle time.
    fn end_cut_and_quiet(&mut self, context: &WorkerContext) {
        let now = Instant::now();
        let mut ending = Vec::new();
        for (id, pair) in &mut self.pairs {
            if let Some(error) = pair.cut_due() {
                ending.push((*id, CloseReason::Failed(error)));
            } else if now >= pair.last + self.idle && pair.undelivered() == 0 {
                ending.push((*id, CloseReason::Quiet { after: self.idle }));
            }
        }
        for (id, reason) in ending {
            self.end(context, id, reason);
        }
        let idle = self.idle;
        self.cut_off.retain(|_, last| now < *last + idle);
    }

    /// Says what is held each way when it changed since it was last said.
    fn report_held(&mut self, context: &WorkerContext) {
        let pairs = &self.pairs;
        let held = |toward| pairs.values().map(|pair| pair.held(toward)).collect();
        self.steering.report_held(&context.sink, held);
    }

    /// Forgets pair `id` and closes its socket toward the upstream; says why.
    fn end(&mut self, context: &WorkerContext, id: ClientId, reason: CloseReason) {
        self.unread.remove(&id);
        let Some(mut pair) = self.pairs.remove(&id) else {
            return;
        };
        self.by_address.remove(&pair.from);
        if let CloseReason::Failed(NetError::Cut { .. } | NetError::CutByRule { .. }) = reason {
            self.cut_off.insert(pair.from, Instant::now());
        }
        let _ = context.poll.registry().deregister(&mut pair.socket);
        pair.report_dropped(&context.sink);
        let peer = pair.peer;
        let bytes = pair.undelivered();
        if bytes > 0 {
            let error = NetError::Undelivered { peer, bytes };
            context.sink.emit(EventKind::Warning(error));
        }
        drop(pair);
        context
            .sink
            .emit(EventKind::ClientDisconnected { id, peer, reason });
    }

    fn end_all(&mut self, context: &WorkerContext, reason: &CloseReason) {
        let ids: Vec<ClientId> = self.pairs.keys().copied().collect();
        for id in ids {
            self.end(context, id, reason.clone());
        }
    }
}
