//! The way into a session for received and sent bytes: counting, framing (and its idle-gap
//! timers), and logging auto-replies as such. Its owner (a tab's session host thread) runs it
//! without writing the session, so the files and the auto-reply rules it feeds never wait for
//! a frame that reads it; what it makes for the session waits here, as [`Staged`] items, until
//! the session takes them ([`Session::absorb`]).

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::time::SystemTime;

use super::traffic::Way;
use super::{Clients, EntryKind, EntryTag, Framer, Framing, LogEntry, Mode, Session};
use crate::net::{ClientId, Event, EventKind, SendOrigin, Toward};

/// Relay: one read forwarded, as the worker said it.
struct Read {
    id: ClientId,
    peer: SocketAddr,
    toward: Toward,
    went_on: bool,
}

/// What waits for the session.
#[derive(Debug)]
pub enum Staged {
    /// Bytes that went one way, to count (per client in server mode).
    Traffic {
        client: Option<ClientId>,
        peer: SocketAddr,
        time: SystemTime,
        way: Way,
        bytes: u64,
    },
    /// An entry to show in the log, as framed.
    Show(LogEntry),
    /// A send from the send box (or stdin) went whole.
    TypedSent,
}

/// Received and sent bytes on their way to a session.
pub struct Stage {
    mode: Mode,
    /// Each read is a datagram, shown whole as it came whatever the framing (UDP, and a UDP
    /// relay).
    datagrams: bool,
    /// How received TCP bytes become entries.
    framing: Framing,
    /// Each TCP stream's bytes waiting for the end of their frame: a peer's received bytes
    /// (a relay's streams: each way of each pair, by its client), and this end of its
    /// connection, which the frames keep (a `.pcapng` saved from the log needs it).
    framers: HashMap<(SocketAddr, EntryTag), (Framer, Option<SocketAddr>)>,
    /// TCP client: this end of the connection; UDP: the socket's address.
    own: Option<SocketAddr>,
    staged: VecDeque<Staged>,
    /// Payload bytes of the staged entries.
    staged_bytes: usize,
}

impl Stage {
    pub fn new(mode: Mode, framing: Framing) -> Self {
        Self {
            mode,
            datagrams: mode == Mode::Udp,
            framing,
            framers: HashMap::new(),
            own: None,
            staged: VecDeque::new(),
            staged_bytes: 0,
        }
    }

    /// A stage whose reads are datagrams (`true`) or streams.
    pub fn of_datagrams(mut self, datagrams: bool) -> Self {
        self.datagrams = datagrams;
        self
    }

    /// Takes a received or sent bytes event: `record` sees its entry as it came (one read at a
    /// time), and what it shows is staged through the framing. Any other event comes back
    /// (`Some`): it needs the session ([`Session::apply`]). `clients` are the session's, as
    /// of this event (an event that changes them is applied before any after it is taken).
    pub fn take(
        &mut self,
        event: Event,
        clients: &Clients,
        record: &mut impl FnMut(&LogEntry),
    ) -> Option<Event> {
        let Event { time, kind } = event;
        if let EventKind::Forwarded {
            id,
            peer,
            toward,
            bytes,
            went_on,
        } = kind
        {
            let read = Read {
                id,
                peer,
                toward,
                went_on,
            };
            self.take_forwarded(time, read, bytes, clients, record);
            return None;
        }
        // Counted once, as the read it replaces was.
        let kind = match replacement(kind) {
            Ok((peer, toward, bytes, origin)) => {
                let entry = injected_entry(time, (peer, toward), bytes, origin, clients);
                record(&entry);
                self.stage(Staged::Show(entry));
                return None;
            }
            Err(kind) => kind,
        };
        if let EventKind::Injected {
            id,
            peer,
            toward,
            bytes,
            origin,
        } = kind
        {
            self.take_injected(time, (id, peer), toward, bytes, origin, clients, record);
            return None;
        }
        let (peer, client, origin, bytes, to) = match kind {
            EventKind::Received {
                peer,
                client,
                bytes,
                to,
            } => (peer, client, None, bytes, to),
            EventKind::Sent {
                peer,
                client,
                bytes,
                origin,
            } => (peer, client, Some(origin), bytes, None),
            kind => return Some(Event { time, kind }),
        };
        let len = bytes.len() as u64;
        let (way, kind) = match origin {
            None => (Way::In, EntryKind::Rx(bytes)),
            // What a script sends is logged as sent automatically, as a rule's reply is.
            Some(SendOrigin::AutoReply(_) | SendOrigin::Script(_)) => {
                (Way::AutoOut, EntryKind::AutoTx(bytes))
            }
            Some(_) => (Way::Out, EntryKind::Tx(bytes)),
        };
        let written_in = origin.and_then(SendOrigin::written_in);
        self.stage(Staged::Traffic {
            client,
            peer,
            time,
            way,
            bytes: len,
        });
        if matches!(origin, Some(SendOrigin::Typed(_))) {
            self.stage(Staged::TypedSent);
        }
        let local = match self.mode {
            Mode::TcpServer | Mode::Relay => clients.at(peer).map(|client| client.local),
            Mode::TcpClient | Mode::Udp => self.own,
        };
        let entry = LogEntry::new(time, Some(peer), kind)
            .sent_to(to)
            .at(local)
            .written_in(written_in);
        record(&entry);
        self.show(entry);
        None
    }

    /// Relay: bytes read from one side of a pair. The client's requests count as sent and the
    /// upstream's answers as received, so reply times are the upstream's.
    fn take_forwarded(
        &mut self,
        time: SystemTime,
        Read {
            id,
            peer,
            toward,
            went_on,
        }: Read,
        bytes: Vec<u8>,
        clients: &Clients,
        record: &mut impl FnMut(&LogEntry),
    ) {
        let len = bytes.len() as u64;
        let (way, kind) = match toward {
            Toward::Upstream => (Way::Out, EntryKind::ToUpstream(bytes)),
            Toward::Client => (Way::In, EntryKind::ToClient(bytes)),
        };
        self.count_pair(id, peer, time, way, len);
        // A read a rewrite rule changed or dropped crossed the leg it came from only.
        let (local, via) = match (went_on, toward) {
            (true, _) => (local_of(clients, peer), via_of(clients, peer)),
            (false, Toward::Upstream) => (local_of(clients, peer), None),
            (false, Toward::Client) => (None, via_of(clients, peer)),
        };
        let entry = LogEntry::new(time, Some(peer), kind).at(local).via(via);
        record(&entry);
        if went_on {
            self.show(entry);
        } else {
            // A read a rule changed or dropped is an entry of its own, after what its stream
            // had pending and before what went on instead.
            self.flush_stream((peer, entry.kind.tag()));
            self.stage(Staged::Show(entry));
        }
    }

    /// Relay: bytes the user put into a pair. Counted each way as forwarded bytes are, but no
    /// reply is timed from or to them (neither side said them).
    #[allow(clippy::too_many_arguments)]
    fn take_injected(
        &mut self,
        time: SystemTime,
        (id, peer): (ClientId, SocketAddr),
        toward: Toward,
        bytes: Vec<u8>,
        origin: SendOrigin,
        clients: &Clients,
        record: &mut impl FnMut(&LogEntry),
    ) {
        let way = match toward {
            Toward::Upstream => Way::AutoOut,
            Toward::Client => Way::UntimedIn,
        };
        self.count_pair(id, peer, time, way, bytes.len() as u64);
        if matches!(origin, SendOrigin::Typed(_)) {
            self.stage(Staged::TypedSent);
        }
        let entry = injected_entry(time, (peer, toward), bytes, origin, clients);
        record(&entry);
        self.stage(Staged::Show(entry));
    }

    /// Relay: counts bytes that went `way` through pair `id`.
    fn count_pair(
        &mut self,
        id: ClientId,
        peer: SocketAddr,
        time: SystemTime,
        way: Way,
        bytes: u64,
    ) {
        self.stage(Staged::Traffic {
            client: Some(id),
            peer,
            time,
            way,
            bytes,
        });
    }

    /// Gets ready for an event the session applies: frames of a stream that ends are shown
    /// before the entry that says it ended.
    pub fn ahead_of(&mut self, event: &Event) {
        match &event.kind {
            EventKind::ClientDisconnected { peer, .. } => {
                self.flush_frames(Some(*peer));
            }
            EventKind::Connected { local, .. } | EventKind::Opened { local } => {
                self.own = Some(*local);
            }
            EventKind::Closed(_) => {
                self.flush_frames(None);
                self.own = None;
            }
            _ => {}
        }
    }

    /// Changes how new bytes become entries; bytes waiting under the old framing show first.
    pub fn set_framing(&mut self, framing: &Framing) {
        if self.framing != *framing {
            self.flush_frames(None);
            self.framing = framing.clone();
        }
    }

    /// Received bytes not shown yet because their frame has not ended.
    pub fn pending_frame_bytes(&self) -> usize {
        self.framers
            .values()
            .map(|(framer, _)| framer.pending())
            .sum()
    }

    /// Shows the frames whose idle gap has passed by `now`.
    pub fn tick(&mut self, now: SystemTime) {
        let framing = &self.framing;
        let due: Vec<_> = self
            .framers
            .iter_mut()
            .filter_map(|(stream, (framer, local))| {
                framer
                    .tick(framing, now)
                    .map(|frame| (*stream, *local, frame))
            })
            .collect();
        for (stream, local, (bytes, time)) in due {
            self.stage_frame(stream, local, bytes, time);
        }
    }

    /// When the next idle-gap frame is due, if any waits.
    pub fn next_frame_due(&self) -> Option<SystemTime> {
        self.framers
            .values()
            .filter_map(|(framer, _)| framer.due(&self.framing))
            .min()
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// How many items wait for the session; items from this mark on are [`Self::shown_since`].
    pub fn mark(&self) -> usize {
        self.staged.len()
    }

    /// The received entries staged to show since `mark`, as framed.
    pub fn shown_since(&self, mark: usize) -> impl Iterator<Item = &LogEntry> {
        self.staged
            .range(mark.min(self.staged.len())..)
            .filter_map(|item| match item {
                Staged::Show(entry) if matches!(entry.kind, EntryKind::Rx(_)) => Some(entry),
                _ => None,
            })
    }

    /// Payload bytes waiting for the session.
    pub fn staged_bytes(&self) -> usize {
        self.staged_bytes
    }

    /// Whether anything waits for the session.
    pub fn is_empty(&self) -> bool {
        self.staged.is_empty()
    }

    /// Takes what waits for the session, in order.
    pub fn drain(&mut self) -> impl Iterator<Item = Staged> + '_ {
        self.staged_bytes = 0;
        self.staged.drain(..)
    }

    fn stage(&mut self, item: Staged) {
        if let Staged::Show(entry) = &item {
            self.staged_bytes += entry.bytes().len();
        }
        self.staged.push_back(item);
    }

    /// Stages a frame of `stream` (its peer, and which way it went), at `local`.
    fn stage_frame(
        &mut self,
        (peer, tag): (SocketAddr, EntryTag),
        local: Option<SocketAddr>,
        bytes: Vec<u8>,
        time: SystemTime,
    ) {
        let kind = match tag {
            EntryTag::ToUpstream => EntryKind::ToUpstream(bytes),
            EntryTag::ToClient => EntryKind::ToClient(bytes),
            _ => EntryKind::Rx(bytes),
        };
        let entry = LogEntry::new(time, Some(peer), kind).at(local);
        self.stage(Staged::Show(entry));
    }

    /// Shows what one stream has pending as a frame, now.
    fn flush_stream(&mut self, stream: (SocketAddr, EntryTag)) {
        let pending = self.framers.get_mut(&stream).and_then(|(framer, local)| {
            let local = *local;
            framer.flush().map(|frame| (local, frame))
        });
        if let Some((local, (bytes, time))) = pending {
            self.stage_frame(stream, local, bytes, time);
        }
    }

    /// Shows what is pending from `peer` (or from everyone) as frames: its stream ended.
    fn flush_frames(&mut self, peer: Option<SocketAddr>) {
        let mut frames: Vec<_> = self
            .framers
            .iter_mut()
            .filter(|((from, _), _)| peer.is_none_or(|peer| peer == *from))
            .filter_map(|(stream, (framer, local))| {
                framer.flush().map(|frame| (*stream, *local, frame))
            })
            .collect();
        frames.sort_by_key(|(_, _, (_, time))| *time);
        for (stream, local, (bytes, time)) in frames {
            self.stage_frame(stream, local, bytes, time);
        }
        match peer {
            Some(peer) => self.framers.retain(|(from, _), _| *from != peer),
            None => self.framers.clear(),
        }
    }

    /// Stages an entry to show; received TCP bytes (a relay's, both ways) go through their
    /// stream's framer.
    fn show(&mut self, entry: LogEntry) {
        let framed = !self.datagrams && self.framing != Framing::PerRead;
        let tag = entry.kind.tag();
        match entry {
            LogEntry {
                time,
                peer: Some(peer),
                local,
                kind:
                    EntryKind::Rx(bytes) | EntryKind::ToUpstream(bytes) | EntryKind::ToClient(bytes),
                ..
            } if framed => {
                let stream = (peer, tag);
                let (framer, at) = self.framers.entry(stream).or_default();
                *at = local;
                for (frame, time) in framer.push(&self.framing, bytes, time) {
                    self.stage_frame(stream, local, frame, time);
                }
            }
            // Shown as it came, with where it was sent.
            entry => self.stage(Staged::Show(entry)),
        }
    }
}

/// What went on in a read's place (by a rewrite rule, or the relay's script), toward which
/// side and as whose; any other event comes back.
fn replacement(kind: EventKind) -> Result<(SocketAddr, Toward, Vec<u8>, SendOrigin), EventKind> {
    match kind {
        EventKind::Rewritten {
            peer,
            toward,
            bytes: Some(bytes),
            ..
        } => Ok((peer, toward, bytes, SendOrigin::AutoReply(None))),
        EventKind::ScriptChanged {
            peer,
            toward,
            bytes: Some(bytes),
            ..
        } => Ok((peer, toward, bytes, SendOrigin::Script(None))),
        other => Err(other),
    }
}

/// Relay: the entry of bytes put into a pair `toward` one side, by the user or a rule.
fn injected_entry(
    time: SystemTime,
    (peer, toward): (SocketAddr, Toward),
    bytes: Vec<u8>,
    origin: SendOrigin,
    clients: &Clients,
) -> LogEntry {
    let kind = match toward {
        Toward::Upstream => EntryKind::InjectedToUpstream(bytes),
        Toward::Client => EntryKind::InjectedToClient(bytes),
    };
    LogEntry::new(time, Some(peer), kind)
        .at(local_of(clients, peer))
        .via(via_of(clients, peer))
        .written_in(origin.written_in())
}

/// This end of the connection of the client at `peer`.
fn local_of(clients: &Clients, peer: SocketAddr) -> Option<SocketAddr> {
    clients.at(peer).map(|client| client.local)
}

/// Relay: the upstream connection of the pair whose client is at `peer`.
fn via_of(clients: &Clients, peer: SocketAddr) -> Option<(SocketAddr, SocketAddr)> {
    clients.at(peer)?.upstream.as_ref()?.addr
}

impl Session {
    /// Takes in what waits in `stage`: counts its traffic and shows its entries.
    pub fn absorb(&mut self, stage: &mut Stage) {
        for item in stage.drain() {
            match item {
                Staged::Traffic {
                    client,
                    peer,
                    time,
                    way,
                    bytes,
                } => {
                    self.traffic.add(time, peer, way, bytes);
                    if way.is_received() {
                        self.counters.rx_bytes += bytes;
                        self.counters.rx_messages += 1;
                        self.client_traffic(client, |c| c.bytes_in += bytes);
                    } else {
                        self.counters.tx_bytes += bytes;
                        self.counters.tx_messages += 1;
                        self.client_traffic(client, |c| c.bytes_out += bytes);
                    }
                }
                Staged::Show(entry) => {
                    self.log.push(entry);
                }
                Staged::TypedSent => self.counters.typed_done += 1,
            }
        }
    }
}

#[cfg(test)]
mod tests;
