//! One way through a pair: reading what one side sent, and passing it on to the other (or
//! holding, pacing or rewriting it), a FIN after it, a reset as a reset.

use std::io::{self, Write};
use std::net::{Shutdown, SocketAddr};
use std::time::Instant;

use super::WINDOW;
use super::fault::{Faults, Paced};
use super::hold::{Held, Holding};
use super::rewrite::{RewriteRule, outcome};
use super::say_read;
use crate::net::outbox::{Outbox, ReadOutcome, read_available};
use crate::net::stream::Stream;
use crate::net::{
    ClientId, CloseReason, EventKind, EventSink, NetError, ReadBuffer, SendOrigin, TlsSession,
    Toward,
};

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
    pub fn toward(self) -> Toward {
        match self {
            Self::Client => Toward::Upstream,
            Self::Upstream => Toward::Client,
        }
    }
}

/// One connection of a pair.
pub(super) struct End {
    /// Plain, or TLS the relay ends (it reads and writes the plaintext).
    pub stream: Stream,
    /// Bytes read from the other side (no origin), or injected (`origin`'s), waiting to be
    /// written here.
    pub outbox: Outbox<Option<SendOrigin>>,
    /// Registered for writability.
    pub writing: bool,
    /// It finished sending: its FIN was read.
    pub finished: bool,
    /// The relay finished sending to it, after everything the other side sent before its FIN.
    pub shut: bool,
    /// Its end is said (TLS's close_notify, nothing for plain TCP): the FIN follows once
    /// that is written.
    pub closing: bool,
}

impl End {
    pub fn new(stream: Stream, writing: bool) -> Self {
        Self {
            stream,
            outbox: Outbox::default(),
            writing,
            finished: false,
            shut: false,
            closing: false,
        }
    }

    /// Fails with the socket's pending error (a reset), if it has one.
    pub fn check_error(&self, side: Side) -> Result<(), Failure> {
        match self.stream.socket().take_error() {
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
            .flush(&mut self.stream, on_sent)
            .map_err(|error| Failure::on(side, &error))
    }
}

/// What went wrong on one side of a pair: the pair ends, and the other side is reset.
pub(super) struct Failure {
    pub side: Side,
    pub error: NetError,
}

impl Failure {
    pub fn on(side: Side, error: &io::Error) -> Self {
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

/// What one way of a pair keeps besides its target's outbox: the reads held and paced, the
/// faults and rules put into it, and the bytes read so far.
pub(super) struct Waiting<'a> {
    pub held: &'a mut Held,
    /// Reads waiting for the script's verdict.
    pub gated: &'a mut Held,
    pub paced: &'a mut Paced,
    pub faults: &'a Faults,
    pub rules: &'a [RewriteRule],
    pub read: &'a mut u64,
    /// A cut asked for: the pair ends once what was read before it went on.
    pub cut: &'a mut Option<NetError>,
}

/// What became of one read: what goes on (if anything), the rule that matched (with what it
/// made), and the cut it asked for.
struct Taken {
    goes_on: Option<Vec<u8>>,
    rewritten: Option<(usize, Option<Vec<u8>>)>,
    cut: Option<NetError>,
}

impl Waiting<'_> {
    /// Bytes read and not yet handed to the target's outbox.
    fn bytes(&self) -> usize {
        self.held.bytes() + self.gated.bytes() + self.paced.bytes()
    }

    fn is_empty(&self) -> bool {
        self.held.is_empty() && self.gated.is_empty() && self.paced.is_empty()
    }

    /// Whether the target can take more: what waits for it, in its outbox or here, is under
    /// the window.
    fn room(&self, target: &End) -> bool {
        target.outbox.unwritten() + self.bytes() < WINDOW
    }

    /// Counts a read (cut short where a cut fault says) and runs the rules over it.
    fn take(&mut self, bytes: &mut Vec<u8>, toward: Toward) -> Taken {
        let mut cut = None;
        if let Some(after) = self.faults.cut_after {
            let left = after.saturating_sub(*self.read);
            if bytes.len() as u64 >= left {
                bytes.truncate(left as usize);
                cut = Some(NetError::Cut { after, toward });
            }
        }
        *self.read += bytes.len() as u64;
        let outcome = outcome(self.rules, bytes);
        if let Some(rule) = outcome.cut_by {
            // Said by the pair's end, not as a drop.
            cut = Some(NetError::CutByRule { rule, toward });
        }
        Taken {
            goes_on: outcome.goes_on,
            rewritten: outcome.rewritten,
            cut,
        }
    }
}

/// What forwarding one way reports with.
pub(super) struct Way<'a> {
    pub id: ClientId,
    pub peer: SocketAddr,
    pub sink: &'a EventSink,
    pub holding: &'a Holding,
    /// Each read waits for the script's verdict.
    pub gated: bool,
}

impl Way<'_> {
    /// Reads what `source` sent and passes it on to `target` (or holds, paces or rewrites it),
    /// until the source would block, the window is full, or the session is behind; then
    /// passes a finished source's FIN on once everything before it is written. Returns
    /// whether bytes were left unread for a reason other than the window (which the target's
    /// writability, or a release, ends).
    pub fn forward(
        &self,
        (source, target): (&mut End, &mut End),
        waiting: &mut Waiting<'_>,
        from: Side,
        buffer: &mut ReadBuffer,
    ) -> Result<bool, Failure> {
        let to = from.other();
        target.flush(to, self)?;
        let mut unread = false;
        // Nothing more is read once a cut is asked for.
        let open = !source.finished && waiting.cut.is_none();
        if open && waiting.room(target) && !self.sink.must_pause() {
            unread = self.read(source, target, waiting, from, buffer)?;
        } else if open && waiting.room(target) {
            // Behind: read again once the session has caught up.
            unread = true;
        }
        if let Some(session) = source.stream.take_secured() {
            self.say_secured(from, session);
            // The handshake's end stopped the read short: the rest is read next turn.
            unread = true;
        }
        if waiting.cut.is_some() && target.outbox.is_empty() && waiting.is_empty() {
            let error = waiting.cut.take().unwrap_or(NetError::NotConnected);
            return Err(Failure { side: from, error });
        }
        if open && !waiting.room(target) {
            // Left unread while the target is full, but a reset must not wait behind the bytes
            // before it: the socket has it as its pending error (the poll woke us for it).
            source.check_error(from)?;
        }
        // TLS records still waiting for the socket go before the FIN too (close_notify among
        // them, once it is said).
        let written = target.outbox.is_empty() && !target.stream.wants_write();
        if source.finished && waiting.is_empty() && !target.shut {
            if written && !target.closing {
                target.stream.close();
                target.closing = true;
            }
            if target.closing && !target.stream.wants_write() {
                self.pass_fin(target, from)?;
            }
        }
        Ok(unread)
    }

    /// Reads until the source would block, the window is full or the session is behind, each
    /// read on its way and said; whether bytes were left unread with room for them.
    fn read(
        &self,
        source: &mut End,
        target: &mut End,
        waiting: &mut Waiting<'_>,
        from: Side,
        buffer: &mut ReadBuffer,
    ) -> Result<bool, Failure> {
        let toward = from.toward();
        let holding = self.holding.is_held(toward);
        let now = Instant::now();
        let mut failed = None;
        let mut judged = None;
        let on_data = |mut bytes: Vec<u8>| {
            let taken = waiting.take(&mut bytes, toward);
            if let Some(goes_on) = taken.goes_on.filter(|goes_on| !goes_on.is_empty()) {
                if self.gated {
                    // Said after the read itself, so the script hears of it in that order.
                    let number = waiting.gated.push(self.holding, goes_on.clone());
                    judged = Some((number, goes_on));
                } else if holding {
                    waiting.held.push(self.holding, goes_on);
                } else if waiting.faults.paces() || !waiting.paced.is_empty() {
                    // Behind what waits for its time, even once the delay is lifted.
                    waiting.paced.push(now, waiting.faults, goes_on);
                } else if let Err(error) = write_through(target, &goes_on) {
                    failed = Some(Failure::on(from.other(), &error));
                    return false;
                }
            }
            let went_on = taken.rewritten.is_none() && taken.cut.is_none();
            self.say(bytes, toward, went_on, taken.rewritten);
            if let Some((number, bytes)) = judged.take() {
                let (id, peer) = (self.id, self.peer);
                let gated = EventKind::Gated {
                    id,
                    peer,
                    toward,
                    number,
                    bytes,
                };
                self.sink.emit(gated);
            }
            if let Some(error) = taken.cut {
                // Ends the pair once what came before it went on.
                *waiting.cut = Some(error);
                return false;
            }
            waiting.room(target) && !self.sink.must_pause()
        };
        let outcome = read_available(&mut source.stream, buffer, on_data);
        if let Some(failure) = failed {
            return Err(failure);
        }
        match outcome.map_err(|error| Failure::on(from, &error))? {
            ReadOutcome::Open => Ok(false),
            ReadOutcome::Eof => {
                source.finished = true;
                Ok(false)
            }
            ReadOutcome::Unfinished => Ok(waiting.room(target)),
        }
    }

    /// Tells the session of a read (an empty one, left by a cut, is not said), and of what a
    /// rule made of it.
    fn say(
        &self,
        bytes: Vec<u8>,
        toward: Toward,
        went_on: bool,
        rewritten: Option<(usize, Option<Vec<u8>>)>,
    ) {
        let read = (!bytes.is_empty()).then_some((bytes, went_on));
        say_read(self.sink, (self.id, self.peer, toward), read, rewritten);
    }

    /// A TLS handshake the relay ended with one side is over.
    fn say_secured(&self, side: Side, session: TlsSession) {
        let session = Box::new(session);
        let secured = match side {
            Side::Client => EventKind::Secured {
                peer: self.peer,
                client: Some(self.id),
                session,
            },
            Side::Upstream => EventKind::UpstreamSecured {
                id: self.id,
                peer: self.peer,
                session,
            },
        };
        self.sink.emit(secured);
    }

    /// The source finished sending and everything it sent is written: the target is told.
    fn pass_fin(&self, target: &mut End, from: Side) -> Result<(), Failure> {
        match target.stream.socket().shutdown(Shutdown::Write) {
            Ok(()) => {}
            // The target already went away: what it does next says how.
            Err(error) if error.kind() == io::ErrorKind::NotConnected => {}
            Err(error) => return Err(Failure::on(from.other(), &error)),
        }
        target.shut = true;
        self.sink.emit(EventKind::HalfClosed {
            id: self.id,
            peer: self.peer,
            toward: from.toward(),
        });
        Ok(())
    }
}

/// Writes `bytes` to `target` at once as far as its socket takes them (when nothing waits
/// before them), and queues the rest.
fn write_through(target: &mut End, bytes: &[u8]) -> io::Result<()> {
    let mut written = 0;
    if target.outbox.is_empty() {
        while written < bytes.len() {
            match target.stream.write(&bytes[written..]) {
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
