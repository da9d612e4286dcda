//! TCP server session: one poll loop accepts clients and serves all of them, over TLS if
//! asked (each client's handshake runs in the loop, so a slow one holds up no other).

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

mod clients;

use super::ReadBuffer;
use super::listener::Listener;
use super::outbox::{Outbox, ReadOutcome, read_available};
use super::replay::Reach;
use super::socket::Stack;
use super::stream::Stream;
use super::tls::{self, TlsIdentity};
use super::{
    ClientId, CloseReason, Command, EventKind, EventSink, HALF_CLOSED_LINGER, NetError, SendOrigin,
    SendTarget, WorkerContext, want_writable,
};

const LISTENER_TOKEN: mio::Token = mio::Token(1);
/// A TLS client that has not finished its handshake by then is dropped: one that connects
/// and says nothing would otherwise hold its socket and rustls's buffers for ever.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Client tokens are their id plus this, so a token maps straight back to its client.
const FIRST_CLIENT_TOKEN: usize = 2;

struct Client {
    stream: Stream,
    peer: SocketAddr,
    outbox: Outbox,
    writing: bool,
    /// The client finished sending (FIN): when its connection ends unless something is sent.
    finished: Option<Instant>,
    /// Its queue was full at the last send: refusals are said once until it takes one again
    /// (a replay or a repeat to a client that stopped reading would say it per message).
    refusing: bool,
}

struct Server {
    listener: Listener,
    clients: BTreeMap<ClientId, Client>,
    /// Clients with bytes left unread because the UI was behind.
    unread: BTreeSet<ClientId>,
    /// Where reading the unread goes on, so that every client gets its turn.
    unread_turn: ClientId,
    next_id: u64,
    buffer: ReadBuffer,
    /// Clients speak TLS with this.
    tls: Option<Arc<rustls::ServerConfig>>,
    /// TLS clients by when their handshake must be over, in the order they came (so the
    /// front is due first); a client that finished or left is skipped when its turn comes.
    handshakes: VecDeque<(Instant, ClientId)>,
    /// Clients that finished sending and may still read.
    finished: BTreeSet<ClientId>,
}

fn token_of(id: ClientId) -> mio::Token {
    mio::Token(FIRST_CLIENT_TOKEN + id.0 as usize)
}

fn client_of(token: mio::Token) -> Option<ClientId> {
    token
        .0
        .checked_sub(FIRST_CLIENT_TOKEN)
        .map(|n| ClientId(n as u64))
}

pub(super) fn run(
    mut context: WorkerContext,
    local: SocketAddr,
    stack: Stack,
    tls: Option<&TlsIdentity>,
) {
    let tls = match tls.map(|identity| tls::server_config_for(&context, identity, local)) {
        None => None,
        Some(Ok(config)) => Some(config),
        Some(Err(error)) => {
            context
                .sink
                .emit(EventKind::Closed(CloseReason::Failed(error)));
            return;
        }
    };
    let mut server = Server {
        listener: Listener::new(stack, LISTENER_TOKEN),
        clients: BTreeMap::new(),
        unread: BTreeSet::new(),
        unread_turn: ClientId(0),
        next_id: 1,
        buffer: context.sink.read_buffer(),
        tls,
        handshakes: VecDeque::new(),
        finished: BTreeSet::new(),
    };
    if let Err(error) = server.listener.listen(&context, local) {
        context
            .sink
            .emit(EventKind::Closed(CloseReason::Failed(error)));
        return;
    }
    let reason = server.serve(&mut context);
    server.close_all_clients(&context.sink, &CloseReason::Requested);
    // Close the listener before reporting Closed, so the port is free once the UI hears of it.
    drop(server);
    context.sink.emit(EventKind::Closed(reason));
}

impl Server {
    /// Serves until the user shuts the session down, or nothing is left to serve.
    fn serve(&mut self, context: &mut WorkerContext) -> CloseReason {
        let mut events = mio::Events::with_capacity(1024);
        loop {
            let unread = !self.unread.is_empty();
            let due = [
                self.handshakes.front().map(|(due, _)| *due),
                self.listener.retry_due(),
                self.linger_due(),
            ];
            let due = due.into_iter().flatten().min();
            let reach = self.replay_reach(context.replay_target());
            if let Err(error) = context.poll(&mut events, self.backlog(), reach, unread, due) {
                return CloseReason::Failed(NetError::io("poll failed", &error));
            }
            for event in &events {
                match event.token() {
                    LISTENER_TOKEN => self.accept_all(context),
                    token => {
                        if let Some(id) = client_of(token) {
                            self.on_client_ready(context, id, event.is_readable());
                        }
                    }
                }
            }
            let reach = self.replay_reach(context.replay_target());
            for command in context.take_commands(self.backlog(), reach) {
                if let Some(reason) = self.execute(context, command) {
                    return reason;
                }
            }
            self.read_unread(context);
            self.end_slow_handshakes(context);
            self.end_lingering(context);
            if self.listener.retry_is_due() {
                self.accept_all(context);
            }
            if !self.listener.is_listening() && self.clients.is_empty() {
                return CloseReason::Idle;
            }
        }
    }

    /// Reads what was left unread while the UI was behind, taking turns from where the last
    /// round stopped.
    fn read_unread(&mut self, context: &WorkerContext) {
        if self.unread.is_empty() {
            return;
        }
        let turn = self.unread_turn;
        let in_turn: Vec<ClientId> = self
            .unread
            .range(turn..)
            .chain(self.unread.range(..turn))
            .copied()
            .collect();
        for id in in_turn {
            if context.sink.must_pause() {
                self.unread_turn = id;
                return;
            }
            self.unread.remove(&id);
            self.on_client_ready(context, id, true);
        }
    }

    /// Drops the TLS clients whose handshake is overdue.
    fn end_slow_handshakes(&mut self, context: &WorkerContext) {
        let now = Instant::now();
        while let Some(&(due, id)) = self.handshakes.front() {
            if due > now {
                return;
            }
            self.handshakes.pop_front();
            if self
                .clients
                .get(&id)
                .is_some_and(|client| client.stream.is_handshaking())
            {
                let reason = CloseReason::Failed(NetError::Tls(tls::TlsFailure::TimedOut));
                self.drop_client(context, id, reason);
            }
        }
    }

    /// Bytes queued for clients, not yet written: a file is read only while this is small.
    fn backlog(&self) -> usize {
        self.clients
            .values()
            .map(|client| client.outbox.unwritten())
            .sum()
    }

    /// What a replay to `to` can take: paced by the target client that reads fastest, so one
    /// that stopped reading holds up no other (its own queue is bounded: see
    /// [`Outbox::admit`]); nobody there when every target has gone.
    fn replay_reach(&self, to: Option<&SendTarget>) -> Reach {
        let waiting: Vec<usize> = match to {
            Some(SendTarget::Clients(ids)) if !ids.is_empty() => ids
                .iter()
                .filter_map(|id| self.clients.get(id))
                .map(|client| client.outbox.unwritten())
                .collect(),
            _ => self
                .clients
                .values()
                .map(|client| client.outbox.unwritten())
                .collect(),
        };
        Reach {
            waiting: waiting.iter().copied().min().unwrap_or(0),
            reachable: !waiting.is_empty(),
        }
    }

    /// Carries out one command; `Some` ends the session.
    fn execute(&mut self, context: &WorkerContext, command: Command) -> Option<CloseReason> {
        match command {
            Command::Send { bytes, to, origin } => self.send(context, &bytes, &to, origin),
            Command::Listen(local) => {
                if let Err(error) = self.listener.listen(context, local) {
                    context.sink.emit(EventKind::Warning(error));
                }
            }
            Command::StopListening => self.listener.stop(context),
            Command::DisconnectClient(id) => {
                self.drop_client(context, id, CloseReason::Requested);
            }
            Command::DisconnectAllClients => {
                self.close_all_clients(&context.sink, &CloseReason::Requested);
            }
            Command::Shutdown => return Some(CloseReason::Requested),
            // The worker context runs cyclic sends and never passes these on; Broadcast and
            // groups are UDP's.
            Command::SetBroadcast(_)
            | Command::JoinGroup(_)
            | Command::LeaveGroup(_)
            | Command::StartCycle(_)
            | Command::SendAfter { .. }
            | Command::StartReplay(_)
            | Command::PauseReplay
            | Command::ResumeReplay
            | Command::StopReplay
            | Command::StopCycle
            | Command::SendFile(_)
            | Command::CancelFile
            | Command::Hold { .. }
            | Command::Step(_)
            | Command::Gate(_)
            | Command::Pass { .. }
            | Command::Faults { .. }
            | Command::Rewrite { .. } => {}
        }
        None
    }

    /// Reads what a client sent and writes what waits for it.
    fn on_client_ready(&mut self, context: &WorkerContext, id: ClientId, readable: bool) {
        let Some(client) = self.clients.get_mut(&id) else {
            return;
        };
        let sink = &context.sink;
        let peer = client.peer;
        if readable && sink.must_pause() {
            self.unread.insert(id);
        } else if readable {
            let on_data = |bytes: Vec<u8>| {
                sink.emit(EventKind::Received {
                    peer,
                    client: Some(id),
                    bytes,
                    to: None,
                });
                !sink.must_pause()
            };
            match read_available(&mut client.stream, &mut self.buffer, on_data) {
                Ok(ReadOutcome::Open) => {}
                Ok(ReadOutcome::Unfinished) => {
                    self.unread.insert(id);
                }
                // Already said: the socket reports its end again whenever it is re-armed.
                Ok(ReadOutcome::Eof) if client.finished.is_some() => {}
                // A client that shuts down its sending side may still read (TLS ends with
                // close_notify instead).
                Ok(ReadOutcome::Eof) if matches!(client.stream, Stream::Plain(_)) => {
                    client.finished = Some(Instant::now() + HALF_CLOSED_LINGER);
                    self.finished.insert(id);
                    sink.emit(EventKind::PeerFinished {
                        peer,
                        client: Some(id),
                        linger: HALF_CLOSED_LINGER,
                    });
                }
                Ok(ReadOutcome::Eof) => {
                    self.drop_client(context, id, CloseReason::PeerClosed);
                    return;
                }
                Err(error) => {
                    let error = NetError::from_stream("receive failed", &error);
                    self.drop_client(context, id, CloseReason::Failed(error));
                    return;
                }
            }
            if let Some(session) = client.stream.take_secured() {
                // The handshake's end stopped the read short: the rest is read next turn.
                self.unread.insert(id);
                let client = Some(id);
                let session = Box::new(session);
                let secured = EventKind::Secured {
                    peer,
                    client,
                    session,
                };
                sink.emit(secured);
            }
        }
        self.flush_client(context, id);
    }

    fn send(&mut self, context: &WorkerContext, bytes: &[u8], to: &SendTarget, origin: SendOrigin) {
        let targets: Vec<ClientId> = match to {
            SendTarget::Clients(ids) if !ids.is_empty() => ids.clone(),
            SendTarget::Clients(_) => self.clients.keys().copied().collect(),
            SendTarget::Peer | SendTarget::Datagram(_) | SendTarget::Relay { .. } => Vec::new(),
        };
        let mut reached = 0;
        for id in targets {
            if let Some(client) = self.clients.get_mut(&id) {
                reached += 1;
                if let Err(error) = client.outbox.admit(bytes.to_vec(), origin, client.peer) {
                    if !client.refusing {
                        let peer = Some(client.peer);
                        let failed = EventKind::SendFailed {
                            peer,
                            error,
                            origin,
                        };
                        context.sink.emit(failed);
                    }
                    client.refusing = true;
                    continue;
                }
                client.refusing = false;
                self.flush_client(context, id);
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

    fn flush_client(&mut self, context: &WorkerContext, id: ClientId) {
        let Some(client) = self.clients.get_mut(&id) else {
            return;
        };
        let peer = client.peer;
        let mut sent = false;
        let on_sent = |bytes, origin| {
            sent = true;
            context.sink.emit(EventKind::Sent {
                peer,
                client: Some(id),
                bytes,
                origin,
            });
        };
        if let Err(error) = client.outbox.flush(&mut client.stream, on_sent) {
            let error = NetError::from_stream("send failed", &error);
            self.drop_client(context, id, CloseReason::Failed(error));
            return;
        }
        if sent && client.finished.is_some() {
            client.finished = Some(Instant::now() + HALF_CLOSED_LINGER);
        }
        let want = !client.outbox.is_empty() || client.stream.wants_write();
        let registry = context.poll.registry();
        let watched = want_writable(
            registry,
            client.stream.socket_mut(),
            token_of(id),
            &mut client.writing,
            want,
        );
        // A client whose socket cannot be watched would never be written to again.
        if let Err(error) = watched {
            let error = NetError::io("cannot watch the connection", &error);
            self.drop_client(context, id, CloseReason::Failed(error));
        }
    }

    fn drop_client(&mut self, context: &WorkerContext, id: ClientId, reason: CloseReason) {
        self.finished.remove(&id);
        if let Some(mut client) = self.clients.remove(&id) {
            // A descriptor is free: a client waiting in the listen queue can have it.
            self.listener.descriptor_freed();
            let _ = context
                .poll
                .registry()
                .deregister(client.stream.socket_mut());
            if reason == CloseReason::Requested {
                client.stream.close();
            }
            let peer = client.peer;
            // Close the stream before reporting, so the client has already seen the close.
            drop(client);
            context
                .sink
                .emit(EventKind::ClientDisconnected { id, peer, reason });
        }
    }

    fn close_all_clients(&mut self, sink: &EventSink, reason: &CloseReason) {
        self.finished.clear();
        self.listener.descriptor_freed();
        for (id, mut client) in std::mem::take(&mut self.clients) {
            client.stream.close();
            let peer = client.peer;
            // Close the stream before reporting, as in `drop_client`.
            drop(client);
            sink.emit(EventKind::ClientDisconnected {
                id,
                peer,
                reason: reason.clone(),
            });
        }
    }
}
