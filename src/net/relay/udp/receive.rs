//! Reading the UDP relay's sockets: a client's datagram (a new client gets its pair), an
//! upstream's answer, and what becomes of each on its way.

use std::io;
use std::net::SocketAddr;
use std::time::Instant;

use super::open::upstream_socket;
use super::pair::UdpPair;
use super::{DATAGRAM_MAX, MAX_PAIRS, READS_PER_TURN, Source, UdpRelay, token_of};
use crate::net::relay::hold::slot;
use crate::net::relay::rewrite::outcome;
use crate::net::relay::say_read;
use crate::net::socket::{addressable, canonical};
use crate::net::{ClientId, EventKind, NetError, Toward, WorkerContext, datagram};

impl UdpRelay {
    /// Reads every socket with datagrams waiting, a turn's worth each, while the session
    /// keeps up.
    pub(super) fn read_all(&mut self, context: &WorkerContext) {
        if self.clients_unread && !context.sink.must_pause() {
            self.clients_unread = self.read(context, Source::Clients);
        }
        for id in std::mem::take(&mut self.unread) {
            if context.sink.must_pause() || self.read(context, Source::Pair(id)) {
                self.unread.insert(id);
            }
        }
    }

    /// Reads one socket until it would block, its turn ends, or the session is behind;
    /// whether datagrams may be left.
    fn read(&mut self, context: &WorkerContext, source: Source) -> bool {
        for _ in 0..READS_PER_TURN {
            if context.sink.must_pause() {
                return true;
            }
            let received = match source {
                Source::Clients => self.receive_from_client(context),
                Source::Pair(id) => self.receive_from_upstream(context, id),
            };
            match received {
                Ok(Some((id, toward, datagram))) => self.arrive(context, id, toward, datagram),
                Ok(None) => {}
                Err(()) => return false,
            }
        }
        true
    }

    /// One datagram from a client, with its pair (made for a new client); `Err` when none
    /// is left. `Ok(None)`: one was read but has nowhere to go.
    fn receive_from_client(
        &mut self,
        context: &WorkerContext,
    ) -> Result<Option<(ClientId, Toward, Vec<u8>)>, ()> {
        let received = match datagram::receive(&self.clients, &mut self.buffer, &mut self.control) {
            Ok(received) => received,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => return Ok(None),
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => return Err(()),
            Err(error) => {
                // An ICMP error for an earlier answer to a client: no reason to stop.
                let error = NetError::from_stream("client", &error);
                context.sink.emit(EventKind::Warning(error));
                return Ok(None);
            }
        };
        let datagram = self.buffer[..received.len.min(DATAGRAM_MAX)].to_vec();
        let from = received.from;
        if self.cut_off(from) {
            return Ok(None);
        }
        let id = match self.by_address.get(&from) {
            Some(id) => *id,
            None => {
                let reached = received.to.unwrap_or(self.local.ip());
                let local = canonical(SocketAddr::new(reached, self.local.port()));
                match self.admit(context, from, local) {
                    Some(id) => id,
                    None => return Ok(None),
                }
            }
        };
        Ok(Some((id, Toward::Upstream, datagram)))
    }

    /// One datagram from pair `id`'s upstream; `Err` when none is left.
    fn receive_from_upstream(
        &mut self,
        context: &WorkerContext,
        id: ClientId,
    ) -> Result<Option<(ClientId, Toward, Vec<u8>)>, ()> {
        let Some(pair) = self.pairs.get_mut(&id) else {
            return Err(());
        };
        match pair.socket.recv(&mut self.buffer) {
            Ok(len) => {
                pair.refused_said = false;
                Ok(Some((id, Toward::Client, self.buffer[..len].to_vec())))
            }
            Err(error) if error.kind() == io::ErrorKind::Interrupted => Ok(None),
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => Err(()),
            Err(error) => {
                // Nothing listens there (ICMP port unreachable), said once: the upstream may
                // come up, and the client's next datagram tries again.
                if !std::mem::replace(&mut pair.refused_said, true) {
                    let error = NetError::Upstream {
                        target: self.target.clone(),
                        error: Box::new(NetError::from_stream("upstream", &error)),
                    };
                    context.sink.emit(EventKind::Warning(error));
                }
                Ok(None)
            }
        }
    }

    /// Whether `from`'s pair was cut and it is still sending: its datagrams are dropped, as a
    /// broken link drops them, until it has been quiet for the idle time.
    fn cut_off(&mut self, from: SocketAddr) -> bool {
        let now = Instant::now();
        match self.cut_off.get_mut(&from) {
            Some(last) if now < *last + self.idle => {
                *last = now;
                true
            }
            Some(_) => {
                self.cut_off.remove(&from);
                false
            }
            None => false,
        }
    }

    /// A new client: its own socket toward the upstream, said as connected at once (unless
    /// [`MAX_PAIRS`] clients already have one: said once, until one is forgotten).
    fn admit(
        &mut self,
        context: &WorkerContext,
        from: SocketAddr,
        local: SocketAddr,
    ) -> Option<ClientId> {
        if self.pairs.len() >= MAX_PAIRS {
            if !std::mem::replace(&mut self.refusing, true) {
                let error = NetError::PairLimit { limit: MAX_PAIRS };
                context.sink.emit(EventKind::Warning(error));
            }
            return None;
        }
        let id = ClientId(self.next_id);
        let made = upstream_socket(self.upstream, self.bind).and_then(|mut socket| {
            let registry = context.poll.registry();
            registry.register(&mut socket, token_of(id), mio::Interest::READABLE)?;
            let bound = socket.local_addr()?;
            Ok((socket, bound))
        });
        let (socket, bound) = match made {
            Ok(made) => made,
            Err(error) => {
                if !std::mem::replace(&mut self.refusing, true) {
                    let error = NetError::Upstream {
                        target: self.target.clone(),
                        error: Box::new(NetError::io("cannot open a socket toward it", &error)),
                    };
                    context.sink.emit(EventKind::Warning(error));
                }
                return None;
            }
        };
        self.refusing = false;
        self.next_id += 1;
        let peer = canonical(from);
        let reply_to = addressable(self.local, from);
        self.pairs.insert(id, UdpPair::new(from, reply_to, socket));
        self.by_address.insert(from, id);
        context
            .sink
            .emit(EventKind::ClientConnected { id, peer, local });
        context.sink.emit(EventKind::UpstreamConnected {
            id,
            upstream: self.upstream,
            local: bound,
        });
        Some(id)
    }

    /// A datagram read from one side of pair `id`: counted, looked at by the faults and the
    /// rules, said, and passed on (or held, paced, dropped).
    fn arrive(&mut self, context: &WorkerContext, id: ClientId, toward: Toward, datagram: Vec<u8>) {
        let Some(pair) = self.pairs.get_mut(&id) else {
            return;
        };
        let way = slot(toward);
        pair.last = Instant::now();
        if pair.cut[way].is_some() {
            // The link is cut: nothing more goes this way.
            return;
        }
        if !pair.has_room(toward, datagram.len()) {
            pair.dropped[way] += 1;
            return;
        }
        pair.report_dropped(&context.sink);
        let faults = self.steering.faults(toward);
        let len = datagram.len() as u64;
        let key = (id, pair.peer, toward);
        if let Some(after) = faults.cut_after
            && pair.read[way] + len > after
        {
            // Datagrams go whole or not at all: the one that would pass N bytes cuts.
            pair.cut[way] = Some(NetError::Cut { after, toward });
            say_read(&context.sink, key, Some((datagram, false)), None);
            return;
        }
        pair.read[way] += len;
        let outcome = outcome(self.steering.rules(toward), &datagram);
        if let Some(rule) = outcome.cut_by {
            pair.cut[way] = Some(NetError::CutByRule { rule, toward });
            say_read(&context.sink, key, Some((datagram, false)), None);
            return;
        }
        let went_on = outcome.rewritten.is_none();
        say_read(
            &context.sink,
            key,
            Some((datagram, went_on)),
            outcome.rewritten,
        );
        if let Some(goes_on) = outcome.goes_on {
            pair.pass(toward, goes_on, &self.steering.holding, faults);
            self.flush(context, id);
        }
    }
}
