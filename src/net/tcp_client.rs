//! TCP client session: resolve the host, connect within a deadline (from a chosen local
//! address if asked), shake hands if TLS, then exchange data; with reconnect, try again after
//! each end until told to stop or too many attempts in a row fail.

use std::io;
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::RecvTimeoutError;
use socket2::{Domain, Protocol, Socket, Type};

use super::outbox::{Outbox, ReadOutcome, read_available};
use super::replay::Reach;
use super::resolve::resolve;
use super::stream::Stream;
use super::tls::{self, TlsStream};
use super::{
    CloseReason, Command, EventKind, EventSink, HALF_CLOSED_LINGER, NetError, SendOrigin,
    SendTarget, WorkerContext, WrittenIn, want_writable,
};

const STREAM_TOKEN: mio::Token = mio::Token(1);

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TcpClientConfig {
    /// An IP literal (IPv4 or IPv6, without brackets) or a DNS name.
    pub host: String,
    pub port: u16,
    /// Covers name resolution and every connect attempt together.
    pub connect_timeout: Duration,
    /// Connect from this address and/or port (port 0: any; IP unspecified: any).
    pub local: Option<SocketAddr>,
    /// Connect again after the connection ends, unless the user ended it.
    pub reconnect: Option<Reconnect>,
    /// Sent as soon as each connection is up; the encoding it was written in as text.
    pub on_connect: Option<(Vec<u8>, WrittenIn)>,
    /// TLS, accepting the server's certificate so; the connect timeout covers the handshake.
    pub tls: Option<tls::Verify>,
}

/// A connection made: the socket, and its TLS once the handshake is over.
struct Connection {
    socket: TcpStream,
    tls: Option<rustls::ClientConnection>,
}

/// When to connect again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reconnect {
    pub interval: Duration,
    /// Attempts in a row that may fail before it gives up; `None`: until Disconnect.
    pub limit: Option<u32>,
}

pub(super) fn run(mut context: WorkerContext, config: &TcpClientConfig) {
    let tls = match config.tls.as_ref().map(tls::client_config).transpose() {
        Ok(tls) => tls,
        Err(error) => {
            context
                .sink
                .emit(EventKind::Closed(CloseReason::Failed(error)));
            return;
        }
    };
    // Attempts that failed since the last connection.
    let mut failures = 0;
    let reason = loop {
        let ended = match connect(config, tls.as_ref(), &context.sink) {
            Ok(connection) => {
                failures = 0;
                let on_connect = config.on_connect.as_ref();
                // With reconnect, the server's FIN is the cue to connect again.
                let half_close = config.reconnect.is_none();
                exchange(&mut context, connection, on_connect, half_close)
                    .unwrap_or_else(CloseReason::Failed)
            }
            Err(NetError::NotConnected) => break CloseReason::Requested,
            Err(error) => {
                failures += 1;
                CloseReason::Failed(error)
            }
        };
        let Some(retry) = config.reconnect else {
            break ended;
        };
        if ended == CloseReason::Requested || retry.limit.is_some_and(|limit| failures >= limit) {
            break ended;
        }
        let retrying = EventKind::Retrying {
            reason: ended,
            attempt: failures + 1,
            limit: retry.limit,
            after: retry.interval,
        };
        if !context.sink.emit(retrying) || !wait(&mut context, retry.interval) {
            break CloseReason::Requested;
        }
    };
    context.sink.emit(EventKind::Closed(reason));
}

/// Waits `interval` between connections, answering commands; false when told to stop.
fn wait(context: &mut WorkerContext, interval: Duration) -> bool {
    context.sink.flush();
    let deadline = Instant::now() + interval;
    loop {
        match context.commands.recv_deadline(deadline) {
            Ok(Command::Shutdown) | Err(RecvTimeoutError::Disconnected) => return false,
            Err(RecvTimeoutError::Timeout) => return true,
            Ok(Command::Send { origin, .. }) => {
                let error = NetError::NotConnected;
                let failed = EventKind::SendFailed {
                    peer: None,
                    error,
                    origin,
                };
                context.sink.emit(failed);
                context.sink.flush();
            }
            // A cyclic send or a file waits in the context for the next connection; what
            // is left is another mode's command.
            Ok(command) => {
                if let Some(command) = context.take_command(command) {
                    ignore(&context.sink, &command);
                }
            }
        }
    }
}

/// Says that `command` (another mode's) does nothing here.
fn ignore(sink: &EventSink, command: &Command) {
    let error = NetError::Io {
        context: "ignored command".to_owned(),
        detail: format!("{command:?} does not apply to a TCP client"),
    };
    sink.emit(EventKind::Warning(error));
}

/// Connects to `peer` from `local`, if given, within `timeout`.
fn connect_one(
    peer: SocketAddr,
    local: Option<SocketAddr>,
    timeout: Duration,
) -> Result<TcpStream, NetError> {
    let connect_error =
        |error: io::Error| NetError::io(format!("cannot connect to {peer}"), &error);
    let socket = Socket::new(Domain::for_address(peer), Type::STREAM, Some(Protocol::TCP))
        .map_err(connect_error)?;
    if let Some(local) = local {
        // "Any address" is any address of the peer's IP version.
        let local = match (local.ip().is_unspecified(), peer) {
            (true, SocketAddr::V4(_)) => SocketAddr::from(([0, 0, 0, 0], local.port())),
            (true, SocketAddr::V6(_)) => SocketAddr::from(([0u16; 8], local.port())),
            (false, _) => local,
        };
        if local.is_ipv4() != peer.is_ipv4() {
            return Err(NetError::LocalFamily { local, peer });
        }
        // A fixed local port again right after a connection from it closed.
        #[cfg(not(windows))]
        socket.set_reuse_address(true).map_err(connect_error)?;
        socket
            .bind(&local.into())
            .map_err(|error| NetError::from_bind(local, &error))?;
    }
    match socket.connect_timeout(&peer.into(), timeout) {
        Ok(()) => Ok(socket.into()),
        Err(error) => Err(match error.kind() {
            io::ErrorKind::ConnectionRefused => NetError::Refused { peer },
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => NetError::TimedOut {
                target: peer.to_string(),
                after: timeout,
            },
            _ => connect_error(error),
        }),
    }
}

/// Resolves and connects, trying each address of the name in turn until the deadline; then
/// the TLS handshake, if asked.
fn connect(
    config: &TcpClientConfig,
    tls: Option<&Arc<rustls::ClientConfig>>,
    sink: &EventSink,
) -> Result<Connection, NetError> {
    let deadline = Instant::now() + config.connect_timeout;
    let target = format!("{}:{}", config.host, config.port);
    let timed_out = || NetError::TimedOut {
        target: target.clone(),
        after: config.connect_timeout,
    };
    // A hanging resolver cannot outlive the deadline: the lookup thread is left to finish alone.
    let addresses = resolve(&config.host, config.port, || {})
        .recv_deadline(deadline)
        .map_err(|_| timed_out())??;
    let mut last_error = NetError::Dns {
        host: config.host.clone(),
        detail: "no addresses found".to_owned(),
    };
    for peer in addresses {
        let Some(remaining) = deadline.checked_duration_since(Instant::now()) else {
            return Err(timed_out());
        };
        if !sink.emit(EventKind::Connecting { peer }) {
            return Err(NetError::NotConnected);
        }
        let remaining = remaining.max(Duration::from_millis(1));
        match connect_one(peer, config.local, remaining) {
            Ok(socket) => {
                let secured = tls.map(|tls| secure(&socket, tls, &config.host, deadline));
                let tls = secured.transpose()?;
                return Ok(Connection { socket, tls });
            }
            Err(NetError::TimedOut { .. }) => last_error = timed_out(),
            Err(error) => last_error = error,
        }
    }
    Err(last_error)
}

/// The TLS handshake on a connected socket, by the connect deadline.
fn secure(
    socket: &TcpStream,
    tls: &Arc<rustls::ClientConfig>,
    host: &str,
    deadline: Instant,
) -> Result<rustls::ClientConnection, NetError> {
    let io_error = |error: io::Error| NetError::io("cannot set up the connection", &error);
    let mut connection = tls::client_connection(tls, host)?;
    tls::handshake(&mut connection, socket, deadline)?;
    socket.set_read_timeout(None).map_err(io_error)?;
    socket.set_write_timeout(None).map_err(io_error)?;
    Ok(connection)
}

/// Runs the connected session until the peer or the user ends it; `on_connect` goes first.
/// With `half_close`, a peer that finishes sending (FIN) can still be sent to for a while.
/// The connected socket made non-blocking and registered with the worker's poll; returns it
/// with its local and peer addresses.
fn register(
    context: &WorkerContext,
    connection: Connection,
) -> Result<(Stream, SocketAddr, SocketAddr), NetError> {
    let io_error = |error: io::Error| NetError::io("cannot set up the connection", &error);
    let socket = connection.socket;
    let local = socket.local_addr().map_err(io_error)?;
    let peer = socket.peer_addr().map_err(io_error)?;
    socket.set_nonblocking(true).map_err(io_error)?;
    // Interactive tool: send small messages at once instead of waiting to coalesce them.
    socket.set_nodelay(true).map_err(io_error)?;
    let socket = mio::net::TcpStream::from_std(socket);
    let mut stream = match connection.tls {
        Some(tls) => Stream::Tls(Box::new(TlsStream::new(socket, tls))),
        None => Stream::Plain(socket),
    };
    context
        .poll
        .registry()
        .register(stream.socket_mut(), STREAM_TOKEN, mio::Interest::READABLE)
        .map_err(io_error)?;
    Ok((stream, local, peer))
}

/// Queues the UI's sends for `peer`, or says why one cannot wait; `Some` when a command ends
/// the connection.
fn take_commands(
    context: &mut WorkerContext,
    stream: &mut Stream,
    outbox: &mut Outbox,
    peer: SocketAddr,
) -> Option<CloseReason> {
    for command in context.take_commands(outbox.unwritten(), Reach::one(outbox.unwritten())) {
        match command {
            Command::Send {
                bytes,
                to: SendTarget::Peer,
                origin,
            } => {
                if let Err(error) = outbox.admit(bytes, origin, peer) {
                    let failed = EventKind::SendFailed {
                        peer: Some(peer),
                        error,
                        origin,
                    };
                    context.sink.emit(failed);
                }
            }
            Command::Shutdown => {
                stream.close();
                return Some(CloseReason::Requested);
            }
            other => ignore(&context.sink, &other),
        }
    }
    None
}

fn exchange(
    context: &mut WorkerContext,
    connection: Connection,
    on_connect: Option<&(Vec<u8>, WrittenIn)>,
    half_close: bool,
) -> Result<CloseReason, NetError> {
    let (mut stream, local, peer) = register(context, connection)?;
    if !context.sink.emit(EventKind::Connected { local, peer }) {
        return Ok(CloseReason::Requested);
    }
    if let Some(session) = stream.take_secured() {
        let (client, session) = (None, Box::new(session));
        context.sink.emit(EventKind::Secured {
            peer,
            client,
            session,
        });
    }

    let mut outbox = Outbox::default();
    let mut writing = false;
    if let Some((bytes, written_in)) = on_connect.filter(|(bytes, _)| !bytes.is_empty()) {
        outbox.push(bytes.clone(), SendOrigin::Typed(*written_in));
    }
    // Out now (the first message, TLS records): the loop writes only after something wakes it.
    write_out(context, &mut stream, &mut outbox, peer, &mut writing)?;
    let mut buffer = context.sink.read_buffer();
    let mut events = mio::Events::with_capacity(64);
    // Bytes were left unread because the UI was behind; with TLS, data may have come with
    // the handshake's last flight, already out of the socket: read at once.
    let mut unread = matches!(stream, Stream::Tls(_));
    // TLS ends with close_notify, not half of it.
    let mut finished = Finished {
        allowed: half_close && matches!(stream, Stream::Plain(_)),
        due: None,
    };
    loop {
        context
            .poll(
                &mut events,
                outbox.unwritten(),
                Reach::one(outbox.unwritten()),
                unread,
                finished.due,
            )
            .map_err(|e| NetError::io("poll failed", &e))?;
        let readable = events
            .iter()
            .any(|event| event.token() == STREAM_TOKEN && event.is_readable());
        if (readable || unread) && context.sink.must_pause() {
            unread = true;
        } else if readable || unread {
            let on_data = |bytes: Vec<u8>| {
                context.sink.emit(EventKind::Received {
                    peer,
                    client: None,
                    bytes,
                    to: None,
                });
                !context.sink.must_pause()
            };
            match read_available(&mut stream, &mut buffer, on_data) {
                Ok(ReadOutcome::Open) => unread = false,
                Ok(ReadOutcome::Unfinished) => unread = true,
                Ok(ReadOutcome::Eof) => {
                    unread = false;
                    if !finished.at_eof(&context.sink, peer) {
                        return Ok(CloseReason::PeerClosed);
                    }
                }
                Err(error) => return Err(NetError::from_stream("receive failed", &error)),
            }
        }
        if let Some(reason) = take_commands(context, &mut stream, &mut outbox, peer) {
            return Ok(reason);
        }
        let sent = write_out(context, &mut stream, &mut outbox, peer, &mut writing)?;
        if finished.over(sent, outbox.is_empty()) {
            return Ok(CloseReason::PeerClosed);
        }
    }
}

/// A peer that finished sending (FIN) and may still read.
struct Finished {
    /// Whether the connection stays open for sends after the peer's FIN.
    allowed: bool,
    /// When the connection ends unless something is sent; `None` before the FIN.
    due: Option<Instant>,
}

impl Finished {
    /// The peer's end of stream: says so the first time; false when the connection ends now.
    fn at_eof(&mut self, sink: &EventSink, peer: SocketAddr) -> bool {
        // Said already: the socket reports its end again whenever it is re-armed.
        if self.due.is_some() {
            return true;
        }
        if !self.allowed {
            return false;
        }
        self.due = Some(Instant::now() + HALF_CLOSED_LINGER);
        sink.emit(EventKind::PeerFinished {
            peer,
            client: None,
            linger: HALF_CLOSED_LINGER,
        });
        true
    }

    /// After a turn of writing: whether the connection has lingered long enough. A send, or
    /// bytes still queued, give it more time.
    fn over(&mut self, sent: bool, queue_empty: bool) -> bool {
        let Some(due) = self.due else {
            return false;
        };
        let now = Instant::now();
        if sent || (due <= now && !queue_empty) {
            self.due = Some(now + HALF_CLOSED_LINGER);
            return false;
        }
        due <= now
    }
}

/// Writes what the socket takes of `outbox`, and asks to hear when it takes more. Returns
/// whether a payload went out whole.
fn write_out(
    context: &WorkerContext,
    stream: &mut Stream,
    outbox: &mut Outbox,
    peer: SocketAddr,
    writing: &mut bool,
) -> Result<bool, NetError> {
    let mut sent = false;
    let on_sent = |bytes, origin| {
        sent = true;
        context.sink.emit(EventKind::Sent {
            peer,
            client: None,
            bytes,
            origin,
        });
    };
    outbox
        .flush(stream, on_sent)
        .map_err(|error| NetError::from_stream("send failed", &error))?;
    let want = !outbox.is_empty() || stream.wants_write();
    let registry = context.poll.registry();
    want_writable(registry, stream.socket_mut(), STREAM_TOKEN, writing, want)
        .map_err(|error| NetError::io("cannot set up the connection", &error))?;
    Ok(sent)
}
