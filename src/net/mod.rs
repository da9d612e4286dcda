//! Socket workers: one background thread per session owns its sockets and runs a `mio` poll loop.
//!
//! A tab's session host thread talks to its worker only through [`Worker`]: it sends
//! [`Command`]s and takes the [`Event`]s, waiting on the channel. No egui types live here.
//!
//! Why a poll loop rather than a thread per connection: the TCP server must grow to 10,000
//! concurrent clients, and one readiness loop scales there without 10,000 stacks, while keeping
//! every socket of a session on one thread (no locks around client state).

mod cycle;
mod datagram;
mod delayed;
mod file_send;
mod flow;
mod listener;
mod message;
mod multicast;
mod outbox;
mod recycle;
mod relay;
mod replay;
use replay::Reach;
mod resolve;
mod sink;
mod socket;
mod stream;
mod tcp_client;
mod tcp_server;
mod tls;
mod udp;

use std::collections::VecDeque;
use std::io;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use parking_lot::Mutex;

use cycle::Cycle;
use file_send::FileSend;
use flow::Flow;
pub use flow::QUEUE_LIMIT;
pub use message::{
    ClientId, CloseReason, Command, CycleSpec, Event, EventKind, FileSpec, HALF_CLOSED_LINGER,
    NetError, RemoteTarget, ReplaySpec, SEND_BACKLOG_LIMIT, SendOrigin, SendTarget, Toward,
    Verdict, WrittenIn,
};
pub use multicast::{Group, Interface, MulticastSend};
use recycle::ReadBuffer;
pub use recycle::Recycler;
pub use relay::{
    Faults as RelayFaults, RelayConfig, RelayTls, RewriteAction, RewriteFind, RewriteRule,
    Transport as RelayTransport, WINDOW as RELAY_WINDOW,
};
use sink::EventSink;
pub use socket::Stack;
pub use tcp_client::{Reconnect, TcpClientConfig};
pub use tls::{CertificateInfo, Fingerprint, TlsFailure, TlsIdentity, TlsSession, Verify};
pub use udp::UdpOptions;

/// The default time allowed for DNS plus connect.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The biggest single read: one event per read of up to this many bytes.
const READ_BUFFER_SIZE: usize = 64 * 1024;

const WAKER_TOKEN: mio::Token = mio::Token(0);

/// What [`Worker::next_event_or`] saw first.
pub enum Next<T> {
    Event(Event),
    Other(T),
    Timeout,
    /// The worker's thread ended and every event it sent was taken.
    WorkerEnded,
    /// The other channel's senders are all gone.
    OtherClosed,
}

/// A session's handle on its running worker (held by the tab's host thread). Dropping it asks
/// the worker to shut down without waiting.
pub struct Worker {
    /// Buffers the worker's received bytes came in, to be handed back when done with.
    recycler: Recycler,
    commands: Sender<Command>,
    waker: Arc<mio::Waker>,
    events: Receiver<Vec<Event>>,
    /// The rest of the last batch taken from `events`.
    taken_batch: Mutex<VecDeque<Event>>,
    flow: Arc<Flow>,
    thread: Option<JoinHandle<()>>,
}

impl Worker {
    /// Queues a command and wakes the worker. Returns false if the worker has already stopped.
    pub fn send(&self, command: Command) -> bool {
        self.commands.send(command).is_ok() && self.waker.wake().is_ok()
    }

    /// The next event, waiting for it until `deadline`.
    pub fn next_event(&self, deadline: Instant) -> Result<Event, RecvTimeoutError> {
        if let Some(event) = self.try_next_event() {
            return Ok(event);
        }
        let batch = self.events.recv_deadline(deadline)?;
        self.taken_batch.lock().extend(batch);
        self.try_next_event().ok_or(RecvTimeoutError::Timeout)
    }

    /// The next event or the next message of `other`, whichever comes first, waiting until
    /// `deadline`: for a consumer that also listens to someone else.
    pub fn next_event_or<T>(&self, other: &Receiver<T>, deadline: Instant) -> Next<T> {
        if let Some(event) = self.try_next_event() {
            return Next::Event(event);
        }
        let mut select = crossbeam_channel::Select::new();
        let events = self.select_events(&mut select);
        let others = select.recv(other);
        let Ok(operation) = select.select_deadline(deadline) else {
            return Next::Timeout;
        };
        match operation.index() {
            index if index == events => self.take_selected(operation),
            index if index == others => match operation.recv(other) {
                Ok(message) => Next::Other(message),
                Err(_) => Next::OtherClosed,
            },
            _ => Next::Timeout,
        }
    }

    /// Adds the worker's events to `select`, for a consumer that waits on more channels than
    /// [`Self::next_event_or`] does; returns their index. Call [`Self::try_next_event`] first:
    /// a batch already taken is not in the channel.
    pub fn select_events<'a>(&'a self, select: &mut crossbeam_channel::Select<'a>) -> usize {
        select.recv(&self.events)
    }

    /// The first event of the batch `operation` (selected at [`Self::select_events`]'s
    /// index) brought.
    pub fn take_selected<T>(&self, operation: crossbeam_channel::SelectedOperation<'_>) -> Next<T> {
        match operation.recv(&self.events) {
            Ok(batch) => {
                self.taken_batch.lock().extend(batch);
                self.try_next_event().map_or(Next::Timeout, Next::Event)
            }
            Err(_) => Next::WorkerEnded,
        }
    }

    /// The next event if one is queued, without waiting.
    pub fn try_next_event(&self) -> Option<Event> {
        let event = {
            let mut batch = self.taken_batch.lock();
            if batch.is_empty()
                && let Ok(next) = self.events.try_recv()
            {
                batch.extend(next);
            }
            batch.pop_front()?
        };
        self.taken(&event);
        Some(event)
    }

    /// Where to hand back the buffers of received bytes once they are no longer needed: the
    /// worker reuses them for later reads.
    pub fn recycler(&self) -> Recycler {
        self.recycler.clone()
    }

    /// Received bytes the UI has not taken yet. At [`QUEUE_LIMIT`] the worker stops reading.
    pub fn queued_bytes(&self) -> usize {
        self.flow.queued_bytes()
    }

    fn taken(&self, event: &Event) {
        if self.flow.taken(event) {
            let _ = self.waker.wake();
        }
    }

    /// Asks the worker to stop and waits for its thread to end.
    pub fn shutdown_and_join(mut self) {
        self.send(Command::Shutdown);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        // Detach: a worker still inside connect() finishes it, sees the Shutdown and exits.
        let _ = self.commands.send(Command::Shutdown);
        let _ = self.waker.wake();
    }
}

/// What a worker thread starts with: its poll, its commands and where its events go.
struct WorkerContext {
    poll: mio::Poll,
    /// Wakes `poll`, for helper threads (e.g. name lookups) that finish while it waits.
    waker: Arc<mio::Waker>,
    commands: Receiver<Command>,
    sink: EventSink,
    /// The cyclic send, while one runs.
    cycle: Option<Cycle>,
    /// The file being sent, while one is.
    file: Option<FileSend>,
    /// Sends that wait for their time (auto-reply delays).
    delayed: delayed::Delayed,
    /// The replay, while one runs.
    replay: Option<replay::Replay>,
}

impl WorkerContext {
    /// Where the running replay sends, for the worker to tell what it can take ([`Reach`]).
    fn replay_target(&self) -> Option<&SendTarget> {
        self.replay.as_ref().map(replay::Replay::target)
    }

    /// Waits for socket events, or until the cyclic send, the file or the worker itself
    /// (`own_due`) has something due. `backlog` is what the worker has queued for its
    /// sockets; `unread` says bytes were left in a socket, to be read at once unless the UI is
    /// too far behind to take them.
    fn poll(
        &mut self,
        events: &mut mio::Events,
        backlog: usize,
        reach: Reach,
        unread: bool,
        own_due: Option<Instant>,
    ) -> io::Result<()> {
        self.sink.flush();
        let cycle = self.cycle.as_ref().and_then(Cycle::next_due);
        let file = self.file.as_ref().and_then(|file| file.next_due(backlog));
        let delayed = self.delayed.next_due();
        let replay = self
            .replay
            .as_ref()
            .and_then(|replay| replay.next_due(reach.waiting));
        let due = [cycle, file, delayed, replay, own_due]
            .into_iter()
            .flatten()
            .min();
        let timeout = if unread && !self.sink.must_pause() {
            Some(Duration::ZERO)
        } else {
            due.map(|due| due.saturating_duration_since(Instant::now()))
        };
        loop {
            match self.poll.poll(events, timeout) {
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                other => return other,
            }
        }
    }

    /// Takes a command the context carries out itself (cyclic sends, files); hands back the
    /// others, for the session.
    fn take_command(&mut self, command: Command) -> Option<Command> {
        match command {
            Command::SendFile(spec) => {
                if let Some(file) = self.file.take() {
                    self.sink.emit(file.progress(false));
                }
                match FileSend::open(spec, Instant::now()) {
                    Ok(file) => self.file = Some(file),
                    Err(error) => {
                        self.sink.emit(EventKind::SendFailed {
                            peer: None,
                            error,
                            origin: SendOrigin::File,
                        });
                        let progress = EventKind::FileProgress {
                            sent: 0,
                            total: 0,
                            running: false,
                        };
                        self.sink.emit(progress);
                    }
                }
            }
            Command::CancelFile => {
                if let Some(file) = self.file.take() {
                    self.sink.emit(file.progress(false));
                }
            }
            Command::StartCycle(spec) => {
                self.cycle = Some(Cycle::start(spec, Instant::now()));
            }
            Command::StartReplay(spec) => {
                if let Some(replay) = self.replay.take() {
                    self.sink.emit(replay.progress(false));
                }
                self.replay = Some(replay::Replay::start(spec, Instant::now()));
            }
            Command::PauseReplay | Command::ResumeReplay => {
                if let Some(replay) = &mut self.replay {
                    let now = Instant::now();
                    if command == Command::PauseReplay {
                        replay.pause(now);
                    } else {
                        replay.resume(now);
                    }
                    if let Some(progress) = replay.report(now, true) {
                        self.sink.emit(progress);
                    }
                }
            }
            Command::StopReplay => {
                if let Some(replay) = self.replay.take() {
                    self.sink.emit(replay.progress(false));
                }
            }
            Command::SendAfter {
                bytes,
                to,
                delay,
                written_in,
            } => {
                if !self
                    .delayed
                    .push(Instant::now() + delay, bytes, to, written_in)
                {
                    let error = NetError::DelayedFull {
                        limit: delayed::DELAYED_MAX,
                    };
                    self.sink.emit(EventKind::SendFailed {
                        peer: None,
                        error,
                        origin: SendOrigin::AutoReply(written_in),
                    });
                }
            }
            Command::StopCycle => {
                if let Some(cycle) = self.cycle.take() {
                    self.sink.emit(cycle.stopped());
                }
            }
            other => return Some(other),
        }
        None
    }

    /// The commands to carry out now: the UI's (cyclic send and file control handled here),
    /// then the cyclic sends and file chunks that are due. `backlog` is what the worker has
    /// queued for its sockets: the file is read only while it is small.
    fn take_commands(&mut self, backlog: usize, reach: Reach) -> Vec<Command> {
        let mut commands = Vec::new();
        let incoming: Vec<Command> = self.commands.try_iter().collect();
        for command in incoming {
            commands.extend(self.take_command(command));
        }
        commands.extend(self.delayed.take_due(Instant::now()));
        if let Some(replay) = &mut self.replay {
            let now = Instant::now();
            let stranded = !reach.reachable && replay.next_due(0).is_some_and(|due| due <= now);
            if stranded {
                // Nobody to send to (a server's clients all gone): one line, not one a message.
                self.sink.emit(EventKind::SendFailed {
                    peer: None,
                    error: NetError::NotConnected,
                    origin: SendOrigin::Replay,
                });
                self.sink.emit(replay.progress(false));
            } else {
                commands.extend(replay.take_due(now, reach.waiting));
                if let Some(progress) = replay.report(now, false) {
                    self.sink.emit(progress);
                }
            }
            if stranded || replay.is_done() {
                self.replay = None;
            }
        }
        // A cyclic send that failed (no clients left, a peer not reading) ends its cycle
        // rather than fail on at every interval.
        if self.sink.take_cyclic_failure()
            && let Some(cycle) = self.cycle.take()
        {
            self.sink.emit(cycle.stopped());
        }
        if let Some(cycle) = &mut self.cycle {
            let now = Instant::now();
            commands.extend(cycle.take_due(now));
            if let Some(progress) = cycle.report(now) {
                self.sink.emit(progress);
            }
            if cycle.is_done() {
                self.cycle = None;
            }
        }
        if let Some(file) = &mut self.file {
            let now = Instant::now();
            let mut backlog = backlog;
            match file.take_due(now, backlog) {
                Ok(chunks) => {
                    // Read just now, so not yet written: the file is not finished while they wait.
                    backlog += chunks
                        .iter()
                        .map(|command| match command {
                            Command::Send { bytes, .. } => bytes.len(),
                            _ => 0,
                        })
                        .sum::<usize>();
                    commands.extend(chunks);
                }
                Err(error) => {
                    let error = NetError::io("reading the file failed", &error);
                    self.sink.emit(EventKind::SendFailed {
                        peer: None,
                        error,
                        origin: SendOrigin::File,
                    });
                    self.sink.emit(file.progress(false));
                    self.file = None;
                    return commands;
                }
            }
            if let Some(progress) = file.report(now, backlog) {
                self.sink.emit(progress);
            }
            if file.is_finished(backlog) {
                self.file = None;
            }
        }
        commands
    }
}

fn spawn_worker(
    name: &str,
    run: impl FnOnce(WorkerContext) + Send + 'static,
) -> io::Result<Worker> {
    let poll = mio::Poll::new()?;
    let waker = Arc::new(mio::Waker::new(poll.registry(), WAKER_TOKEN)?);
    let (command_tx, command_rx) = crossbeam_channel::unbounded();
    let (event_tx, event_rx) = crossbeam_channel::unbounded();
    let flow = Arc::new(Flow::default());
    let recycler = Recycler::default();
    let context = WorkerContext {
        poll,
        waker: Arc::clone(&waker),
        commands: command_rx,
        sink: EventSink::new(event_tx, Arc::clone(&flow), recycler.clone()),
        cycle: None,
        file: None,
        delayed: delayed::Delayed::default(),
        replay: None,
    };
    // A thread's name may not hold a NUL, and a host typed (or read from settings) may.
    let thread = std::thread::Builder::new()
        .name(name.replace('\0', "\\0"))
        .spawn(move || run(context))?;
    Ok(Worker {
        recycler,
        commands: command_tx,
        waker,
        events: event_rx,
        taken_batch: Mutex::default(),
        flow,
        thread: Some(thread),
    })
}

/// Starts a TCP client session: resolve, connect (within the timeout), then exchange data.
pub fn spawn_tcp_client(config: TcpClientConfig) -> io::Result<Worker> {
    let name = format!("tcp-client {}:{}", config.host, config.port);
    spawn_worker(&name, move |context| tcp_client::run(context, &config))
}

/// Starts a TCP server session listening on `local` (and, on `::`, on IPv4 too unless `stack`
/// says IPv6 only); with `tls`, clients are served over TLS with that certificate.
pub fn spawn_tcp_server(
    local: std::net::SocketAddr,
    stack: Stack,
    tls: Option<TlsIdentity>,
) -> io::Result<Worker> {
    spawn_worker(&format!("tcp-server {local}"), move |context| {
        tcp_server::run(context, local, stack, tls.as_ref());
    })
}

/// Starts a relay: listens as `config` says and connects each client to the upstream.
pub fn spawn_relay(config: RelayConfig) -> io::Result<Worker> {
    let name = format!("relay {} -> {}", config.listen, config.upstream());
    spawn_worker(&name, move |context| relay::run(context, &config))
}

/// Starts a UDP session bound to `local`.
pub fn spawn_udp(local: std::net::SocketAddr, options: UdpOptions) -> io::Result<Worker> {
    spawn_worker(&format!("udp {local}"), move |context| {
        udp::run(context, local, options);
    })
}

/// Asks for writability only while bytes wait to be written, so an idle socket does not keep
/// waking the loop. `writing` is what is registered now; it is updated.
fn want_writable(
    registry: &mio::Registry,
    source: &mut impl mio::event::Source,
    token: mio::Token,
    writing: &mut bool,
    want: bool,
) -> io::Result<()> {
    if *writing != want {
        let interest = if want {
            mio::Interest::READABLE | mio::Interest::WRITABLE
        } else {
            mio::Interest::READABLE
        };
        registry.reregister(source, token, interest)?;
        *writing = want;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
