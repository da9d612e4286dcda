//! One client and its upstream: moving bytes each way, passing on a half-close or a reset.

use std::io::{self, Write};
use std::net::{Shutdown, SocketAddr};
use std::time::{Duration, Instant};

use super::WINDOW;
use super::fault::{Faults, Paced};
use super::hold::{Held, Holding, slot};
use super::rewrite::{RewriteRule, Rewritten, rewrite};
use super::upstream::{Dial, Dialer};
use crate::net::outbox::{Outbox, ReadOutcome, read_available};
use crate::net::{
    ClientId, CloseReason, EventKind, EventSink, NetError, ReadBuffer, SEND_BACKLOG_LIMIT,
    SendOrigin, Toward, want_writable,
};

/// A pair's backlog is said again at most this often while it changes (and at once when it
/// starts or ends).
const BACKLOG_REPORT_EVERY: Duration = Duration::from_millis(250);

/// One of a pair's two connections.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Side {
    Client,
    Upstream,
}

impl Side {
    pub fn other(self) -> Self {
        match self {
            Self::Client => Self::Upstream,
            Self::Upstream => Self::Client,
        }
    }

    /// Where bytes read from this side go.
    fn toward(self) -> Toward {
        match self {
            Self::Client => Toward::Upstream,
            Self::Upstream => Toward::Client,
        }
    }
}

/// One connection of a pair.
struct End {
    socket: mio::net::TcpStream,
    /// Bytes read from the other side (no origin), or injected (`origin`'s), waiting to be
    /// written here.
    outbox: Outbox<Option<SendOrigin>>,
    /// Registered for writability.
    writing: bool,
    /// It finished sending: its FIN was read.
    finished: bool,
    /// The relay finished sending to it, after everything the other side sent before its FIN.
    shut: bool,
}

impl End {
    fn new(socket: mio::net::TcpStream, writing: bool) -> Self {
        Self {
            socket,
            outbox: Outbox::default(),
            writing,
            finished: false,
            shut: false,
        }
    }

    /// Fails with the socket's pending error (a reset), if it has one.
    fn check_error(&self, side: Side) -> Result<(), Failure> {
        match self.socket.take_error() {
            Ok(None) => Ok(()),
            Ok(Some(error)) | Err(error) => Err(Failure::on(side, &error)),
        }
    }

    /// Writes what waits, and says each injected payload once it went whole.
    fn flush(&mut self, side: Side, way: &Way<'_>) -> Result<(), Failure> {
        let on_sent = |bytes, origin: Option<SendOrigin>| {
            if let Some(origin) = origin {
                way.sink.emit(EventKind::Injected {
                    id: way.id,
                    peer: way.peer,
                    toward: side.other().toward(),
                    bytes,
                    origin,
                });
            }
        };
        self.outbox
            .flush(&mut self.socket, on_sent)
            .map_err(|error| Failure::on(side, &error))
    }
}

/// What went wrong on one side of a pair: the pair ends, and the other side is reset.
pub(super) struct Failure {
    pub side: Side,
    error: NetError,
}

impl Failure {
    fn on(side: Side, error: &io::Error) -> Self {
        let context = match side {
            Side::Client => "client",
            Side::Upstream => "upstream",
        };
        Self {
            side,
            error: NetError::from_stream(context, error),
        }
    }

    /// Whether the pair was cut on purpose.
    pub fn is_cut(&self) -> bool {
        matches!(
            self.error,
            NetError::Cut { .. } | NetError::CutByRule { .. }
        )
    }

    /// Why the pair ended, naming the upstream (`target`) when the failure was its.
    pub fn reason(self, target: String) -> CloseReason {
        CloseReason::Failed(match self.side {
            _ if self.is_cut() => self.error,
            Side::Client => self.error,
            Side::Upstream => NetError::Upstream {
                target,
                error: Box::new(self.error),
            },
        })
    }
}

/// What pumping a pair left.
pub(super) enum Pumped {
    /// Still going; `unread`: bytes were left in a socket, to be read on the next turn.
    Open { unread: bool },
    /// Both sides finished sending and everything was written: the pair is over.
    Done,
}

pub(super) struct Pair {
    peer: SocketAddr,
    client: End,
    upstream: Option<End>,
    /// Until the upstream is connected.
    dial: Option<Dial>,
    /// The backlog last said, toward the upstream and toward the client, and when.
    reported: ([usize; 2], Instant),
    /// What is held each way (toward the upstream, toward the client).
    held: [Held; 2],
    /// What waits for its time each way (a delay or bandwidth fault).
    paced: [Paced; 2],
    /// Bytes read each way so far, for a cut.
    read: [u64; 2],
}

/// What pumping a pair reports with and reads.
pub(super) struct PumpContext<'a> {
    pub sink: &'a EventSink,
    pub registry: &'a mio::Registry,
    /// The client's token and the upstream's.
    pub tokens: [mio::Token; 2],
    pub holding: &'a Holding,
    /// Toward the upstream, toward the client.
    pub faults: &'a [Faults; 2],
    pub rewrites: &'a [Vec<RewriteRule>; 2],
}

impl Pair {
    pub fn new(client: mio::net::TcpStream, peer: SocketAddr, dial: Dial) -> Self {
        Self {
            peer,
            client: End::new(client, false),
            upstream: None,
            dial: Some(dial),
            reported: ([0, 0], Instant::now()),
            held: [Held::default(), Held::default()],
            paced: [Paced::default(), Paced::default()],
            read: [0, 0],
        }
    }

    /// When the next read paced either way is due.
    pub fn paced_due(&self) -> Option<Instant> {
        self.paced.iter().filter_map(Paced::next_due).min()
    }

    /// Moves the paced reads whose time has come to their side's outbox.
    pub fn release_paced(&mut self, now: Instant) {
        let [to_upstream, to_client] = &mut self.paced;
        if let Some(upstream) = &mut self.upstream {
            while let Some(bytes) = to_upstream.take_due(now) {
                upstream.outbox.push(bytes, None);
            }
        }
        while let Some(bytes) = to_client.take_due(now) {
            self.client.outbox.push(bytes, None);
        }
    }

    /// What is held `toward` one side: the oldest read's number, the reads and their bytes.
    pub fn held(&self, toward: Toward) -> &Held {
        &self.held[slot(toward)]
    }

    /// Lets the held reads `toward` one side go on (`one`: the oldest only), behind what
    /// waits there already; written as the pair is pumped next.
    pub fn release(&mut self, toward: Toward, one: bool) {
        let target = match toward {
            Toward::Client => Some(&mut self.client),
            Toward::Upstream => self.upstream.as_mut(),
        };
        let (Some(target), held) = (target, &mut self.held[slot(toward)]) else {
            return;
        };
        while let Some(bytes) = held.pop() {
            target.outbox.push(bytes, None);
            if one {
                return;
            }
        }
    }

    pub fn peer(&self) -> SocketAddr {
        self.peer
    }

    /// While dialing: the client's reset, if it sent one (its bytes wait unread till then).
    pub fn client_failure(&self) -> Option<Failure> {
        self.client.check_error(Side::Client).err()
    }

    /// While the upstream is being dialed: when the connect times out.
    pub fn connect_due(&self) -> Option<Instant> {
        self.dial.as_ref().map(|dial| dial.deadline)
    }

    /// Dials on; the upstream's address and this end's once connected.
    pub fn advance_connect(
        &mut self,
        dialer: &Dialer,
        registry: &mio::Registry,
        token: mio::Token,
    ) -> Result<Option<(SocketAddr, SocketAddr)>, NetError> {
        let Some(dial) = &mut self.dial else {
            return Ok(None);
        };
        let Some((socket, upstream, local)) = dial.advance(dialer, registry, token)? else {
            return Ok(None);
        };
        self.dial = None;
        // Registered for writability while it connected.
        self.upstream = Some(End::new(socket, true));
        Ok(Some((upstream, local)))
    }

    /// Moves bytes both ways as far as the sockets and the windows allow.
    pub fn pump(
        &mut self,
        id: ClientId,
        context: &PumpContext<'_>,
        buffer: &mut ReadBuffer,
    ) -> Result<Pumped, Failure> {
        let Some(upstream) = &mut self.upstream else {
            return Ok(Pumped::Open { unread: false });
        };
        let way = Way {
            id,
            peer: self.peer,
            sink: context.sink,
            holding: context.holding,
        };
        let client = &mut self.client;
        let [held_up, held_down] = &mut self.held;
        let [paced_up, paced_down] = &mut self.paced;
        let [read_up, read_down] = &mut self.read;
        let [faults_up, faults_down] = context.faults;
        let [rules_up, rules_down] = context.rewrites;
        let ends = (&mut *client, &mut *upstream);
        let mut waiting = Waiting {
            held: held_up,
            paced: paced_up,
            faults: faults_up,
            rules: rules_up,
            read: read_up,
        };
        let mut unread = way.forward(ends, &mut waiting, Side::Client, buffer)?;
        let ends = (&mut *upstream, &mut *client);
        let mut waiting = Waiting {
            held: held_down,
            paced: paced_down,
            faults: faults_down,
            rules: rules_down,
            read: read_down,
        };
        unread |= way.forward(ends, &mut waiting, Side::Upstream, buffer)?;
        for (end, token, side) in [
            (&mut *client, context.tokens[0], Side::Client),
            (&mut *upstream, context.tokens[1], Side::Upstream),
        ] {
            let want = !end.outbox.is_empty();
            want_writable(
                context.registry,
                &mut end.socket,
                token,
                &mut end.writing,
                want,
            )
            .map_err(|error| Failure::on(side, &error))?;
        }
        if client.shut && upstream.shut {
            return Ok(Pumped::Done);
        }
        self.report_backlog(id, context.sink);
        Ok(Pumped::Open { unread })
    }

    /// What waits each way: toward the upstream, toward the client.
    fn backlog(&self) -> [usize; 2] {
        let to_upstream = self
            .upstream
            .as_ref()
            .map_or(0, |end| end.outbox.unwritten());
        [to_upstream, self.client.outbox.unwritten()]
    }

    /// When a backlog that changed since it was last said is due to be said again.
    pub fn backlog_due(&self) -> Option<Instant> {
        let (said, at) = self.reported;
        (self.backlog() != said).then_some(at + BACKLOG_REPORT_EVERY)
    }

    /// Says the backlog each way when one starts or ends, and now and then while it changes
    /// (a change held back is said when [`Self::backlog_due`]).
    pub fn report_backlog(&mut self, id: ClientId, sink: &EventSink) {
        let backlog = self.backlog();
        let (said, at) = self.reported;
        if backlog == said {
            return;
        }
        let started_or_ended = (0..2).any(|i| (backlog[i] == 0) != (said[i] == 0));
        let now = Instant::now();
        if started_or_ended || now.duration_since(at) >= BACKLOG_REPORT_EVERY {
            self.reported = (backlog, now);
            sink.emit(EventKind::Backlog {
                id,
                to_upstream: backlog[0],
                to_client: backlog[1],
            });
        }
    }

    /// Queues `bytes` for the side `toward` points at, as if the other side had sent them;
    /// written (and said) as the pair is pumped next. Refused when the upstream is not
    /// connected yet, or when [`SEND_BACKLOG_LIMIT`] bytes would then wait there.
    pub fn inject(
        &mut self,
        bytes: Vec<u8>,
        toward: Toward,
        origin: SendOrigin,
    ) -> Result<(), NetError> {
        let peer = self.peer;
        let end = match toward {
            Toward::Client => Some(&mut self.client),
            Toward::Upstream => self.upstream.as_mut(),
        };
        let Some(end) = end else {
            return Err(NetError::NotConnected);
        };
        let queued = end.outbox.unwritten();
        if queued > 0 && queued + bytes.len() > SEND_BACKLOG_LIMIT {
            let queued_mib = queued / (1024 * 1024);
            return Err(NetError::Backlog { peer, queued_mib });
        }
        end.outbox.push(bytes, Some(origin));
        Ok(())
    }

    /// Makes `side`'s close a reset (RST), as the other side's was.
    pub fn reset(&mut self, side: Side) {
        let socket = match side {
            Side::Client => Some(&self.client.socket),
            Side::Upstream => self.upstream.as_ref().map(|end| &end.socket),
        };
        if let Some(socket) = socket {
            let _ = socket2::SockRef::from(socket).set_linger(Some(Duration::ZERO));
        }
    }

    pub fn deregister(&mut self, registry: &mio::Registry) {
        let _ = registry.deregister(&mut self.client.socket);
        if let Some(upstream) = &mut self.upstream {
            let _ = registry.deregister(&mut upstream.socket);
        }
    }
}

/// What one way of a pair keeps besides its target's outbox: the reads held and paced, the
/// faults put into it, and the bytes read so far.
struct Waiting<'a> {
    held: &'a mut Held,
    paced: &'a mut Paced,
    faults: &'a Faults,
    rules: &'a [RewriteRule],
    read: &'a mut u64,
}

impl Waiting<'_> {
    /// Bytes read and not yet handed to the target's outbox.
    fn bytes(&self) -> usize {
        self.held.bytes() + self.paced.bytes()
    }

    fn is_empty(&self) -> bool {
        self.held.is_empty() && self.paced.is_empty()
    }
}

/// What forwarding one way reports with.
struct Way<'a> {
    id: ClientId,
    peer: SocketAddr,
    sink: &'a EventSink,
    holding: &'a Holding,
}

impl Way<'_> {
    /// Reads what `source` sent and writes it to `target` (or holds it in `held` while that
    /// way is held), until the source would block, the window (what waits for the target,
    /// held or not) is full, or the session is behind; passes a finished source's FIN on once
    /// everything before it is written. Returns whether bytes were left unread for a reason
    /// other than the window (which the target's writability, or a release, ends).
    fn forward(
        &self,
        (source, target): (&mut End, &mut End),
        waiting: &mut Waiting<'_>,
        from: Side,
        buffer: &mut ReadBuffer,
    ) -> Result<bool, Failure> {
        let to = from.other();
        let toward = from.toward();
        target.flush(to, self)?;
        let holding = self.holding.is_held(toward);
        let room = |target: &End, waiting: &Waiting<'_>| {
            target.outbox.unwritten() + waiting.bytes() < WINDOW
        };
        let mut unread = false;
        let mut cut = None;
        if !source.finished && room(target, waiting) && !self.sink.must_pause() {
            let mut write_failed = None;
            let now = Instant::now();
            let on_data = |mut bytes: Vec<u8>| {
                if let Some(after) = waiting.faults.cut_after {
                    let left = after.saturating_sub(*waiting.read);
                    if bytes.len() as u64 >= left {
                        bytes.truncate(left as usize);
                        cut = Some(NetError::Cut { after, toward });
                    }
                }
                *waiting.read += bytes.len() as u64;
                let rewritten = rewrite(waiting.rules, &bytes);
                let (goes_on, said) = match rewritten {
                    Rewritten::Same => (Some(bytes.clone()), None),
                    Rewritten::Changed { rule, bytes: new } => {
                        (Some(new.clone()), Some((rule, Some(new))))
                    }
                    Rewritten::Dropped { rule } => (None, Some((rule, None))),
                    Rewritten::Cut { rule } => {
                        cut = Some(NetError::CutByRule { rule, toward });
                        (None, Some((rule, None)))
                    }
                };
                if let Some(goes_on) = goes_on.filter(|goes_on| !goes_on.is_empty()) {
                    if holding {
                        waiting.held.push(self.holding, goes_on);
                    } else if waiting.faults.paces() {
                        waiting.paced.push(now, waiting.faults, goes_on);
                    } else if let Err(error) = write_through(target, &goes_on) {
                        write_failed = Some(error);
                        return false;
                    }
                }
                if !bytes.is_empty() {
                    self.sink.emit(EventKind::Forwarded {
                        id: self.id,
                        peer: self.peer,
                        toward,
                        bytes,
                        went_on: said.is_none(),
                    });
                }
                if let Some((rule, bytes)) = said {
                    self.sink.emit(EventKind::Rewritten {
                        id: self.id,
                        peer: self.peer,
                        toward,
                        rule,
                        bytes,
                    });
                }
                cut.is_none() && room(target, waiting) && !self.sink.must_pause()
            };
            let outcome = read_available(&mut source.socket, buffer, on_data);
            if let Some(error) = write_failed {
                return Err(Failure::on(to, &error));
            }
            if let Some(error) = cut {
                return Err(Failure { side: from, error });
            }
            match outcome.map_err(|error| Failure::on(from, &error))? {
                ReadOutcome::Open => {}
                ReadOutcome::Eof => source.finished = true,
                ReadOutcome::Unfinished => unread = room(target, waiting),
            }
        } else if !source.finished && room(target, waiting) {
            // Behind: read again once the session has caught up.
            unread = true;
        }
        if !source.finished && !room(target, waiting) {
            // Left unread while the target is full, but a reset must not wait behind the bytes
            // before it: the socket has it as its pending error (the poll woke us for it).
            source.check_error(from)?;
        }
        if source.finished && target.outbox.is_empty() && waiting.is_empty() && !target.shut {
            match target.socket.shutdown(Shutdown::Write) {
                Ok(()) => {}
                // The target already went away: what it does next says how.
                Err(error) if error.kind() == io::ErrorKind::NotConnected => {}
                Err(error) => return Err(Failure::on(to, &error)),
            }
            target.shut = true;
            self.sink.emit(EventKind::HalfClosed {
                id: self.id,
                peer: self.peer,
                toward: from.toward(),
            });
        }
        Ok(unread)
    }
}

/// Writes `bytes` to `target` at once as far as its socket takes them (when nothing waits
/// before them), and queues the rest.
fn write_through(target: &mut End, bytes: &[u8]) -> io::Result<()> {
    let mut written = 0;
    if target.outbox.is_empty() {
        while written < bytes.len() {
            match target.socket.write(&bytes[written..]) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => written += n,
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => break,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => return Err(error),
            }
        }
    }
    if written < bytes.len() {
        target.outbox.push(bytes[written..].to_vec(), None);
    }
    Ok(())
}
