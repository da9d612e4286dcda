//! Relay session: listens like a TCP server, and gives each client that connects its own
//! connection to the upstream; bytes go both ways as they arrive, and a copy of each read
//! comes to the session as [`EventKind::Forwarded`].
//!
//! Faithful both ways: a side that reads slowly slows the other (each direction holds at most
//! [`WINDOW`] bytes, then the relay stops reading the sending side), a half-close is passed on
//! as a half-close once what came before it is written, a reset as a reset.

mod fault;
mod hold;
mod pair;
mod rewrite;
mod steering;
mod tls;
mod udp;
mod upstream;
mod way;

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

pub use fault::Faults;
use pair::{Pair, PumpContext};
pub use rewrite::{Find as RewriteFind, RewriteAction, RewriteRule};
use steering::{Ask, Steered, Steering};
pub use tls::RelayTls;
use upstream::Dialer;
use way::Side;

use super::listener::Listener;
use super::replay::Reach;
use super::socket::Stack;
use super::{
    ClientId, CloseReason, Command, EventKind, NetError, ReadBuffer, SendOrigin, SendTarget,
    Toward, Verdict, WorkerContext,
};

/// Bytes of one direction of a pair that may wait for the receiving side: past it the relay
/// stops reading the sending side, and TCP's own flow control slows it.
pub const WINDOW: usize = 256 * 1024;

const LISTENER_TOKEN: mio::Token = mio::Token(1);
/// Pair tokens: the client's is `FIRST_PAIR_TOKEN + 2 * id`, the upstream's the next one.
const FIRST_PAIR_TOKEN: usize = 2;

/// What a relay carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    /// Each client connection gets its own upstream connection.
    Tcp,
    /// Each client address gets its own socket toward the upstream, forgotten after `idle`
    /// with no datagram either way.
    Udp { idle: Duration },
}

/// What a relay listens on and where it connects each client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RelayConfig {
    pub transport: Transport,
    pub listen: SocketAddr,
    /// On `::`: IPv4 clients too, or not.
    pub stack: Stack,
    /// An IP literal or a DNS name, looked up for each client (as a new connection would);
    /// over UDP, once as the relay opens.
    pub upstream_host: String,
    pub upstream_port: u16,
    /// Covers the name lookup and every connect attempt of one pair.
    pub connect_timeout: Duration,
    /// Connect to the upstream from this address and/or port (port 0: any).
    pub local: Option<SocketAddr>,
    /// What the relay does to each way on purpose: toward the upstream, toward the client.
    pub faults: [Faults; 2],
    /// Each way's rewrite rules, likewise.
    pub rewrites: [Vec<RewriteRule>; 2],
    /// TLS the relay ends with clients and/or the upstream (TCP only).
    pub tls: RelayTls,
}

impl RelayConfig {
    /// The upstream as the user wrote it, for messages.
    pub fn upstream(&self) -> String {
        if self.upstream_host.contains(':') {
            format!("[{}]:{}", self.upstream_host, self.upstream_port)
        } else {
            format!("{}:{}", self.upstream_host, self.upstream_port)
        }
    }
}

/// Tells the session of a read from one side of pair `id` (`None`: nothing to say of it), and
/// of what a rewrite rule made of it.
fn say_read(
    sink: &super::EventSink,
    (id, peer, toward): (ClientId, SocketAddr, Toward),
    read: Option<(Vec<u8>, bool)>,
    rewritten: Option<(usize, Option<Vec<u8>>)>,
) {
    if let Some((bytes, went_on)) = read {
        sink.emit(EventKind::Forwarded {
            id,
            peer,
            toward,
            bytes,
            went_on,
        });
    }
    if let Some((rule, bytes)) = rewritten {
        sink.emit(EventKind::Rewritten {
            id,
            peer,
            toward,
            rule,
            bytes,
        });
    }
}

fn token_of(id: ClientId, side: Side) -> mio::Token {
    let upstream = usize::from(side == Side::Upstream);
    mio::Token(FIRST_PAIR_TOKEN + 2 * id.0 as usize + upstream)
}

fn pair_of(token: mio::Token) -> Option<(ClientId, Side)> {
    let n = token.0.checked_sub(FIRST_PAIR_TOKEN)?;
    let side = if n % 2 == 1 {
        Side::Upstream
    } else {
        Side::Client
    };
    Some((ClientId((n / 2) as u64), side))
}

struct Relay {
    dialer: Dialer,
    tls: tls::Ends,
    listener: Listener,
    pairs: BTreeMap<ClientId, Pair>,
    /// Pairs with bytes left unread (their turn ended, or the session was behind).
    unread: BTreeSet<ClientId>,
    next_id: u64,
    buffer: ReadBuffer,
    steering: Steering,
}

pub(super) fn run(context: WorkerContext, config: &RelayConfig) {
    match config.transport {
        Transport::Tcp => run_tcp(context, config),
        Transport::Udp { idle } => udp::run(context, config, idle),
    }
}

fn run_tcp(mut context: WorkerContext, config: &RelayConfig) {
    let tls = match tls::Ends::new(&context, config) {
        Ok(tls) => tls,
        Err(error) => {
            context
                .sink
                .emit(EventKind::Closed(CloseReason::Failed(error)));
            return;
        }
    };
    let mut relay = Relay {
        dialer: Dialer::new(config, &context.waker),
        tls,
        listener: Listener::new(config.stack, LISTENER_TOKEN),
        pairs: BTreeMap::new(),
        unread: BTreeSet::new(),
        next_id: 1,
        buffer: context.sink.read_buffer(),
        steering: Steering::new(config),
    };
    if let Err(error) = relay.listener.listen(&context, config.listen) {
        let failed = EventKind::Closed(CloseReason::Failed(error));
        context.sink.emit(failed);
        return;
    }
    let reason = relay.serve(&mut context);
    relay.end_all(&context, &CloseReason::Requested);
    // Close the listener before reporting Closed, so the port is free once the UI hears of it.
    drop(relay);
    context.sink.emit(EventKind::Closed(reason));
}

impl Relay {
    /// Relays until the user shuts the session down, or nothing is left to relay.
    fn serve(&mut self, context: &mut WorkerContext) -> CloseReason {
        let mut events = mio::Events::with_capacity(1024);
        loop {
            let unread = !self.unread.is_empty();
            let connects = self.pairs.values().filter_map(Pair::connect_due).min();
            let backlogs = self.pairs.values().filter_map(Pair::backlog_due).min();
            let paced = self.pairs.values().filter_map(Pair::paced_due).min();
            let handshakes = self.pairs.values().filter_map(Pair::handshake_due).min();
            let due = [
                connects,
                backlogs,
                paced,
                handshakes,
                self.listener.retry_due(),
            ];
            let due = due.into_iter().flatten().min();
            // What waits to be written: a file or a replay sent into the pairs waits for it.
            let backlog = self.pairs.values().map(Pair::undelivered).sum();
            let reach = Reach {
                waiting: backlog,
                reachable: !self.pairs.is_empty(),
            };
            if let Err(error) = context.poll(&mut events, backlog, reach, unread, due) {
                return CloseReason::Failed(NetError::io("poll failed", &error));
            }
            for event in &events {
                match event.token() {
                    LISTENER_TOKEN => self.accept_all(context),
                    token => {
                        if let Some((id, side)) = pair_of(token) {
                            self.on_ready(context, id, side);
                        }
                    }
                }
            }
            for command in context.take_commands(backlog, reach) {
                if let Some(reason) = self.execute(context, &command) {
                    return reason;
                }
            }
            self.advance_connects(context);
            self.end_slow_handshakes(context);
            self.release_paced(context);
            self.read_unread(context);
            self.report_backlogs(context);
            self.report_held(context);
            if self.listener.retry_is_due() {
                self.accept_all(context);
            }
            if !self.listener.is_listening() && self.pairs.is_empty() {
                return CloseReason::Idle;
            }
        }
    }

    /// Carries out one command; `Some` ends the session.
    fn execute(&mut self, context: &WorkerContext, command: &Command) -> Option<CloseReason> {
        match self.steering.take(command) {
            Ask::Listen(local) => {
                if let Err(error) = self.listener.listen(context, local) {
                    context.sink.emit(EventKind::Warning(error));
                }
            }
            Ask::StopListening => self.listener.stop(context),
            Ask::End(id) => self.end(context, id, CloseReason::Requested),
            Ask::EndAll => self.end_all(context, &CloseReason::Requested),
            Ask::Shutdown => return Some(CloseReason::Requested),
            Ask::Inject {
                pairs,
                toward,
                bytes,
                origin,
            } => self.inject(context, pairs, toward, bytes, origin),
            Ask::Release { toward, one } => self.release(context, toward, one),
            Ask::Pass {
                id,
                toward,
                number,
                verdict,
            } => self.pass(context, id, (toward, number), verdict.clone()),
            Ask::OpenGate => self.open_gate(context),
            Ask::Nothing => {}
        }
        None
    }

    /// Puts `bytes` into `pairs` (`None`: every pair), toward one side.
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
            match pair.inject(bytes.to_vec(), toward, origin) {
                Ok(()) => {
                    reached += 1;
                    self.pump(context, id);
                }
                Err(error) => {
                    let peer = Some(pair.peer());
                    context.sink.emit(EventKind::SendFailed {
                        peer,
                        error,
                        origin,
                    });
                    reached += 1;
                }
            }
        }
        if reached == 0 {
            context.sink.emit(EventKind::SendFailed {
                peer: None,
                error: NetError::NotConnected,
                origin,
            });
        }
    }

    fn accept_all(&mut self, context: &WorkerContext) {
        while let Some((socket, peer, local)) = self.listener.accept(context, self.pairs.len()) {
            let id = ClientId(self.next_id);
            self.next_id += 1;
            self.admit(context, id, socket, peer, local);
        }
    }

    /// Takes a client in and starts dialing its upstream; its bytes wait in the kernel until
    /// the upstream is there to take them.
    fn admit(
        &mut self,
        context: &WorkerContext,
        id: ClientId,
        mut socket: mio::net::TcpStream,
        peer: SocketAddr,
        local: SocketAddr,
    ) {
        let registry = context.poll.registry();
        let interest = mio::Interest::READABLE;
        if let Err(error) = registry.register(&mut socket, token_of(id, Side::Client), interest) {
            let error = NetError::io(format!("cannot serve {peer}"), &error);
            context.sink.emit(EventKind::Warning(error));
            return;
        }
        let client = match self.tls.client(socket) {
            Ok(client) => client,
            Err(error) => {
                context.sink.emit(EventKind::Warning(error));
                return;
            }
        };
        let dial = self.dialer.dial(Instant::now());
        self.pairs.insert(id, Pair::new(client, peer, dial));
        context
            .sink
            .emit(EventKind::ClientConnected { id, peer, local });
        self.advance_connect(context, id);
    }

    /// Ends the pairs whose TLS handshake (with either side) is not over in time.
    fn end_slow_handshakes(&mut self, context: &WorkerContext) {
        let now = Instant::now();
        let mut slow = Vec::new();
        for (id, pair) in &mut self.pairs {
            if pair.handshake_due().is_some_and(|due| due <= now)
                && let Some(side) = pair.handshaking()
            {
                slow.push((*id, side));
            }
        }
        for (id, side) in slow {
            let error = NetError::Tls(crate::net::TlsFailure::TimedOut);
            let reason = way::Failure { side, error }.reason(self.dialer.target());
            self.end(context, id, reason);
        }
    }

    /// Moves every pair still dialing on: lookups answered, connects done or overdue.
    fn advance_connects(&mut self, context: &WorkerContext) {
        let dialing: Vec<ClientId> = self
            .pairs
            .iter()
            .filter(|(_, pair)| pair.connect_due().is_some())
            .map(|(id, _)| *id)
            .collect();
        for id in dialing {
            self.advance_connect(context, id);
        }
    }

    fn advance_connect(&mut self, context: &WorkerContext, id: ClientId) {
        let Some(pair) = self.pairs.get_mut(&id) else {
            return;
        };
        let registry = context.poll.registry();
        let token = token_of(id, Side::Upstream);
        match pair.advance_connect(&self.dialer, &self.tls, registry, token) {
            Ok(Some((upstream, local))) => {
                context.sink.emit(EventKind::UpstreamConnected {
                    id,
                    upstream,
                    local,
                });
                self.pump(context, id);
            }
            Ok(None) => {}
            Err(error) => {
                let target = self.dialer.target();
                let error = NetError::Upstream {
                    target,
                    error: Box::new(error),
                };
                self.end(context, id, CloseReason::Failed(error));
            }
        }
    }

    fn on_ready(&mut self, context: &WorkerContext, id: ClientId, side: Side) {
        let dialing = self
            .pairs
            .get(&id)
            .is_some_and(|pair| pair.connect_due().is_some());
        if !dialing {
            self.pump(context, id);
        } else if side == Side::Upstream {
            self.advance_connect(context, id);
        } else if let Some(failure) = self.pairs.get(&id).and_then(Pair::client_failure) {
            // A client that reset while its upstream was dialed ends its pair now.
            let reason = failure.reason(self.dialer.target());
            self.end(context, id, reason);
        }
    }

    /// Lets what is held `toward` one side go on: everything, or (`one`) the one held
    /// longest over every pair.
    fn release(&mut self, context: &WorkerContext, toward: Toward, one: bool) {
        let faults = self.steering.faults(toward);
        for id in steering::release(&mut self.pairs, faults, toward, one) {
            self.pump(context, id);
        }
    }

    /// Carries out the script's verdict on pair `id`'s read that has waited longest `toward`
    /// one side, and says what it changed.
    fn pass(
        &mut self,
        context: &WorkerContext,
        id: ClientId,
        (toward, number): (Toward, u64),
        verdict: Verdict,
    ) {
        let Some(pair) = self.pairs.get_mut(&id) else {
            // The pair ended while the script judged: its reads went with it.
            return;
        };
        let (holding, faults) = (&self.steering.holding, self.steering.faults(toward));
        if let Some(bytes) = pair.pass((toward, number), verdict, holding, faults) {
            let peer = pair.peer();
            context.sink.emit(EventKind::ScriptChanged {
                id,
                peer,
                toward,
                bytes,
            });
        }
        self.pump(context, id);
    }

    /// Lets every read waiting for the script go on as it is.
    fn open_gate(&mut self, context: &WorkerContext) {
        let ids: Vec<ClientId> = self.pairs.keys().copied().collect();
        for id in ids {
            if let Some(pair) = self.pairs.get_mut(&id) {
                pair.open_gate(&self.steering.holding, &self.steering.faults);
            }
            self.pump(context, id);
        }
    }

    /// Lets the paced reads whose time has come go on.
    fn release_paced(&mut self, context: &WorkerContext) {
        for id in steering::release_paced(&mut self.pairs) {
            self.pump(context, id);
        }
    }

    /// Says what is held each way when it changed since it was last said.
    fn report_held(&mut self, context: &WorkerContext) {
        let pairs = &self.pairs;
        let held = |toward| pairs.values().map(|pair| pair.held(toward)).collect();
        self.steering.report_held(&context.sink, held);
    }

    /// Says the backlogs whose change was held back, now that they are due.
    fn report_backlogs(&mut self, context: &WorkerContext) {
        let now = Instant::now();
        for (id, pair) in &mut self.pairs {
            if pair.backlog_due().is_some_and(|due| due <= now) {
                pair.report_backlog(*id, &context.sink);
            }
        }
    }

    /// Reads what was left unread, now that there is room for it.
    fn read_unread(&mut self, context: &WorkerContext) {
        for id in std::mem::take(&mut self.unread) {
            if context.sink.must_pause() {
                self.unread.insert(id);
            } else {
                self.pump(context, id);
            }
        }
    }

    /// Moves a pair's bytes on both ways, and ends it when both sides are done or one failed.
    fn pump(&mut self, context: &WorkerContext, id: ClientId) {
        let Some(pair) = self.pairs.get_mut(&id) else {
            return;
        };
        let pump = PumpContext {
            sink: &context.sink,
            registry: context.poll.registry(),
            tokens: [token_of(id, Side::Client), token_of(id, Side::Upstream)],
            holding: &self.steering.holding,
            gated: self.steering.gated,
            faults: &self.steering.faults,
            rewrites: &self.steering.rewrites,
        };
        let pumped = pair.pump(id, &pump, &mut self.buffer);
        match pumped {
            Ok(pair::Pumped::Open { unread }) => {
                if unread {
                    self.unread.insert(id);
                }
            }
            Ok(pair::Pumped::Done) => self.end(context, id, CloseReason::PeerClosed),
            Err(failure) => {
                if let Some(pair) = self.pairs.get_mut(&id) {
                    pair.reset(failure.side.other());
                    if failure.is_cut() {
                        // A cut ends both sides as a broken link would.
                        pair.reset(failure.side);
                    }
                }
                let reason = failure.reason(self.dialer.target());
                self.end(context, id, reason);
            }
        }
    }

    /// Closes pair `id`'s two connections and says why.
    fn end(&mut self, context: &WorkerContext, id: ClientId, reason: CloseReason) {
        self.unread.remove(&id);
        if let Some(mut pair) = self.pairs.remove(&id) {
            self.listener.descriptor_freed();
            pair.deregister(context.poll.registry());
            let peer = pair.peer();
            let bytes = pair.undelivered();
            if bytes > 0 {
                let error = NetError::Undelivered { peer, bytes };
                context.sink.emit(EventKind::Warning(error));
            }
            // Close both before reporting, so each side has seen its end.
            drop(pair);
            context
                .sink
                .emit(EventKind::ClientDisconnected { id, peer, reason });
        }
    }

    fn end_all(&mut self, context: &WorkerContext, reason: &CloseReason) {
        let ids: Vec<ClientId> = self.pairs.keys().copied().collect();
        for id in ids {
            self.end(context, id, reason.clone());
        }
    }
}
