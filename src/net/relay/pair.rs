//! One client and its upstream: a pair of connections, dialed, pumped both ways, held,
//! paced, injected into, and ended with a reset where one side reset.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use super::fault::{Faults, Paced};
use super::hold::{Held, Holding, slot};
use super::rewrite::RewriteRule;
use super::steering::Steered;
use super::tls::Ends;
use super::upstream::{Dial, Dialer};
use super::way::{End, Failure, Side, Waiting, Way};
use crate::net::stream::Stream;
use crate::net::{
    ClientId, EventKind, EventSink, NetError, ReadBuffer, SEND_BACKLOG_LIMIT, SendOrigin, Toward,
    Verdict, want_writable,
};

/// A pair's backlog is said again at most this often while it changes (and at once when it
/// starts or ends).
const BACKLOG_REPORT_EVERY: Duration = Duration::from_millis(250);

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
    /// What waits each way for the script's verdict, while the gate is on.
    gated: [Held; 2],
    /// What waits for its time each way (a delay or bandwidth fault).
    paced: [Paced; 2],
    /// Bytes read each way so far, for a cut.
    read: [u64; 2],
    /// A cut asked for each way, waiting for what came before it to go on.
    cut: [Option<NetError>; 2],
    /// While TLS handshakes go on: when they must be over.
    handshake_due: Option<Instant>,
}

/// What pumping a pair reports with and reads.
pub(super) struct PumpContext<'a> {
    pub sink: &'a EventSink,
    pub registry: &'a mio::Registry,
    /// The client's token and the upstream's.
    pub tokens: [mio::Token; 2],
    pub holding: &'a Holding,
    /// Reads wait for the script's verdict.
    pub gated: bool,
    /// Toward the upstream, toward the client.
    pub faults: &'a [Faults; 2],
    pub rewrites: &'a [Vec<RewriteRule>; 2],
}

impl Pair {
    pub fn new(client: Stream, peer: SocketAddr, dial: Dial) -> Self {
        Self {
            peer,
            client: End::new(client, false),
            upstream: None,
            dial: Some(dial),
            reported: ([0, 0], Instant::now()),
            held: [Held::default(), Held::default()],
            gated: [Held::default(), Held::default()],
            paced: [Paced::default(), Paced::default()],
            read: [0, 0],
            cut: [None, None],
            handshake_due: None,
        }
    }

    /// Bytes on their way that the other side has not got: held, waiting for their time, or
    /// not yet written.
    pub fn undelivered(&self) -> usize {
        let upstream = self
            .upstream
            .as_ref()
            .map_or(0, |end| end.outbox.unwritten());
        let waiting: usize = self
            .held
            .iter()
            .chain(&self.gated)
            .map(Held::bytes)
            .sum::<usize>()
            + self.paced.iter().map(Paced::bytes).sum::<usize>();
        upstream + self.client.outbox.unwritten() + waiting
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

    /// Dials on; the upstream's address and this end's once connected. Where TLS is
    /// spoken, its handshakes must end within `dialer`'s timeout from then.
    pub fn advance_connect(
        &mut self,
        dialer: &Dialer,
        tls: &Ends,
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
        let stream = tls.upstream(socket)?;
        // Registered for writability while it connected.
        self.upstream = Some(End::new(stream, true));
        if tls.any() {
            self.handshake_due = Some(Instant::now() + dialer.timeout());
        }
        Ok(Some((upstream, local)))
    }

    /// While a TLS handshake goes on (either side): when it must be over.
    pub fn handshake_due(&self) -> Option<Instant> {
        self.handshake_due
    }

    /// The side whose TLS handshake is still going on, if any; none left clears the
    /// deadline.
    pub fn handshaking(&mut self) -> Option<Side> {
        let upstream = self.upstream.as_ref();
        let side = if self.client.stream.is_handshaking() {
            Some(Side::Client)
        } else if upstream.is_some_and(|end| end.stream.is_handshaking()) {
            Some(Side::Upstream)
        } else {
            None
        };
        if side.is_none() {
            self.handshake_due = None;
        }
        side
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
            gated: context.gated,
        };
        let client = &mut self.client;
        let [held_up, held_down] = &mut self.held;
        let [gated_up, gated_down] = &mut self.gated;
        let [paced_up, paced_down] = &mut self.paced;
        let [read_up, read_down] = &mut self.read;
        let [cut_up, cut_down] = &mut self.cut;
        let [faults_up, faults_down] = context.faults;
        let [rules_up, rules_down] = context.rewrites;
        let ends = (&mut *client, &mut *upstream);
        let mut waiting = Waiting {
            held: held_up,
            gated: gated_up,
            paced: paced_up,
            faults: faults_up,
            rules: rules_up,
            read: read_up,
            cut: cut_up,
        };
        let mut unread = way.forward(ends, &mut waiting, Side::Client, buffer)?;
        let ends = (&mut *upstream, &mut *client);
        let mut waiting = Waiting {
            held: held_down,
            gated: gated_down,
            paced: paced_down,
            faults: faults_down,
            rules: rules_down,
            read: read_down,
            cut: cut_down,
        };
        unread |= way.forward(ends, &mut waiting, Side::Upstream, buffer)?;
        for (end, token, side) in [
            (&mut *client, context.tokens[0], Side::Client),
            (&mut *upstream, context.tokens[1], Side::Upstream),
        ] {
            let want = !end.outbox.is_empty() || end.stream.wants_write();
            want_writable(
                context.registry,
                end.stream.socket_mut(),
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
        // Told that the other side finished: it may not be sent more.
        if end.shut || end.closing {
            return Err(NetError::FinishedToward { toward });
        }
        let paced = &mut self.paced[slot(toward)];
        let queued = end.outbox.unwritten() + paced.bytes();
        if queued > 0 && queued + bytes.len() > SEND_BACKLOG_LIMIT {
            let queued_mib = queued / (1024 * 1024);
            return Err(NetError::Backlog { peer, queued_mib });
        }
        // Behind what waits for its time, in turn.
        if paced.is_empty() {
            end.outbox.push(bytes, Some(origin));
        } else {
            paced.push_from(Instant::now(), &Faults::default(), bytes, Some(origin));
        }
        Ok(())
    }

    /// Carries out the script's verdict on read `number`, if it is the one that has waited
    /// longest `toward` one side (a verdict given before the gate opened names a read gone
    /// on since): it (or what the script made of it) goes on as a read would, held where the
    /// way is held. Returns what the script changed, to be said (`Some(None)`: dropped).
    pub fn pass(
        &mut self,
        (toward, number): (Toward, u64),
        verdict: Verdict,
        holding: &Holding,
        faults: &Faults,
    ) -> Option<Option<Vec<u8>>> {
        let gated = &mut self.gated[slot(toward)];
        if gated.oldest() != Some(number) {
            return None;
        }
        let (number, read) = gated.pop_numbered()?;
        let (goes_on, changed) = match verdict {
            Verdict::AsItIs => (Some(read), None),
            Verdict::Instead(bytes) => (Some(bytes.clone()), Some(Some(bytes))),
            Verdict::Drop => (None, Some(None)),
        };
        if let Some(bytes) = goes_on.filter(|bytes| !bytes.is_empty()) {
            self.go_on(toward, (number, bytes), holding, faults);
        }
        changed
    }

    /// Every read waiting for the script goes on as it is (the gate opened).
    pub fn open_gate(&mut self, holding: &Holding, faults: &[Faults; 2]) {
        for toward in [Toward::Upstream, Toward::Client] {
            while let Some(read) = self.gated[slot(toward)].pop_numbered() {
                self.go_on(toward, read, holding, &faults[slot(toward)]);
            }
        }
    }

    /// A read let go by the script goes on `toward` one side: held (in the order it
    /// arrived), behind what waits for its time, or to the outbox.
    fn go_on(
        &mut self,
        toward: Toward,
        (number, bytes): (u64, Vec<u8>),
        holding: &Holding,
        faults: &Faults,
    ) {
        let way = slot(toward);
        if holding.is_held(toward) {
            self.held[way].push_numbered(number, bytes);
            return;
        }
        let target = match toward {
            Toward::Client => Some(&mut self.client),
            Toward::Upstream => self.upstream.as_mut(),
        };
        let Some(target) = target else { return };
        let paced = &mut self.paced[way];
        if faults.paces() || !paced.is_empty() {
            paced.push(Instant::now(), faults, bytes);
        } else {
            target.outbox.push(bytes, None);
        }
    }

    /// Makes `side`'s close a reset (RST), as the other side's was.
    pub fn reset(&mut self, side: Side) {
        let socket = match side {
            Side::Client => Some(self.client.stream.socket()),
            Side::Upstream => self.upstream.as_ref().map(|end| end.stream.socket()),
        };
        if let Some(socket) = socket {
            let _ = socket2::SockRef::from(socket).set_linger(Some(Duration::ZERO));
        }
    }

    pub fn deregister(&mut self, registry: &mio::Registry) {
        let _ = registry.deregister(self.client.stream.socket_mut());
        if let Some(upstream) = &mut self.upstream {
            let _ = registry.deregister(upstream.stream.socket_mut());
        }
    }
}

impl Steered for Pair {
    /// What is held `toward` one side: the oldest read's number, the reads and their bytes.
    fn held(&self, toward: Toward) -> &Held {
        &self.held[slot(toward)]
    }

    /// Lets the held reads `toward` one side go on (`one`: the oldest only), behind what
    /// waits there already (a delay takes them in turn); written as the pair is pumped next.
    fn release(&mut self, toward: Toward, one: bool, faults: &Faults) {
        let way = slot(toward);
        let target = match toward {
            Toward::Client => Some(&mut self.client),
            Toward::Upstream => self.upstream.as_mut(),
        };
        let (Some(target), held, paced) = (target, &mut self.held[way], &mut self.paced[way])
        else {
            return;
        };
        let now = Instant::now();
        while let Some(bytes) = held.pop() {
            if faults.paces() || !paced.is_empty() {
                paced.push(now, faults, bytes);
            } else {
                target.outbox.push(bytes, None);
            }
            if one {
                return;
            }
        }
    }

    /// When the next read paced either way is due.
    fn paced_due(&self) -> Option<Instant> {
        self.paced.iter().filter_map(Paced::next_due).min()
    }

    /// Moves the paced reads whose time has come to their side's outbox.
    fn release_paced(&mut self, now: Instant) {
        let [to_upstream, to_client] = &mut self.paced;
        if let Some(upstream) = &mut self.upstream {
            while let Some((bytes, origin)) = to_upstream.take_due(now) {
                upstream.outbox.push(bytes, origin);
            }
        }
        while let Some((bytes, origin)) = to_client.take_due(now) {
            self.client.outbox.push(bytes, origin);
        }
    }
}
