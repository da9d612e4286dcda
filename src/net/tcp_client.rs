//! TCP client session: resolve the host, connect within a deadline, then exchange data.

use std::io;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use super::outbox::{Outbox, ReadOutcome, read_available};
use super::resolve::resolve;
use super::{
    CloseReason, Command, EventKind, EventSink, NetError, SendTarget, WorkerContext, want_writable,
};

const STREAM_TOKEN: mio::Token = mio::Token(1);

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TcpClientConfig {
    /// An IP literal (IPv4 or IPv6, without brackets) or a DNS name.
    pub host: String,
    pub port: u16,
    /// Covers name resolution and every connect attempt together.
    pub connect_timeout: Duration,
}

pub(super) fn run(mut context: WorkerContext, config: &TcpClientConfig) {
    let stream = match connect(config, &context.sink) {
        Ok(stream) => stream,
        Err(error) => {
            context
                .sink
                .emit(EventKind::Closed(CloseReason::Failed(error)));
            return;
        }
    };
    let reason = match exchange(&mut context, stream) {
        Ok(reason) => reason,
        Err(error) => CloseReason::Failed(error),
    };
    context.sink.emit(EventKind::Closed(reason));
}

/// Resolves and connects, trying each address of the name in turn until the deadline.
fn connect(config: &TcpClientConfig, sink: &EventSink) -> Result<TcpStream, NetError> {
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
        match TcpStream::connect_timeout(&peer, remaining.max(Duration::from_millis(1))) {
            Ok(stream) => return Ok(stream),
            Err(error) => {
                last_error = match error.kind() {
                    io::ErrorKind::ConnectionRefused => NetError::Refused { peer },
                    io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => timed_out(),
                    _ => NetError::io(format!("cannot connect to {peer}"), &error),
                };
            }
        }
    }
    Err(last_error)
}

/// Runs the connected session until the peer or the user ends it.
fn exchange(context: &mut WorkerContext, stream: TcpStream) -> Result<CloseReason, NetError> {
    let io_error = |error: io::Error| NetError::io("cannot set up the connection", &error);
    let local = stream.local_addr().map_err(io_error)?;
    let peer = stream.peer_addr().map_err(io_error)?;
    stream.set_nonblocking(true).map_err(io_error)?;
    // Interactive tool: send small messages at once instead of waiting to coalesce them.
    stream.set_nodelay(true).map_err(io_error)?;
    let mut stream = mio::net::TcpStream::from_std(stream);
    context
        .poll
        .registry()
        .register(&mut stream, STREAM_TOKEN, mio::Interest::READABLE)
        .map_err(io_error)?;
    if !context.sink.emit(EventKind::Connected { local, peer }) {
        return Ok(CloseReason::Requested);
    }

    let mut outbox = Outbox::default();
    let mut buffer = context.sink.read_buffer();
    let mut events = mio::Events::with_capacity(64);
    let mut writing = false;
    // Bytes were left unread because the UI was behind.
    let mut unread = false;
    loop {
        context
            .poll(&mut events, outbox.unwritten(), unread)
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
                });
                !context.sink.must_pause()
            };
            match read_available(&mut stream, &mut buffer, on_data) {
                Ok(ReadOutcome::Open) => unread = false,
                Ok(ReadOutcome::Unfinished) => unread = true,
                Ok(ReadOutcome::Eof) => return Ok(CloseReason::PeerClosed),
                Err(error) => return Err(NetError::from_stream("receive failed", &error)),
            }
        }
        for command in context.take_commands(outbox.unwritten()) {
            match command {
                Command::Send {
                    bytes,
                    to: SendTarget::Peer,
                } => outbox.push(bytes),
                Command::Shutdown => return Ok(CloseReason::Requested),
                other => {
                    let detail = format!("{other:?} does not apply to a TCP client");
                    let error = NetError::Io {
                        context: "ignored command".to_owned(),
                        detail,
                    };
                    context.sink.emit(EventKind::Warning(error));
                }
            }
        }
        let on_sent = |bytes| {
            context.sink.emit(EventKind::Sent {
                peer,
                client: None,
                bytes,
            });
        };
        outbox
            .flush(&mut stream, on_sent)
            .map_err(|error| NetError::from_stream("send failed", &error))?;
        let want = !outbox.is_empty();
        let registry = context.poll.registry();
        want_writable(registry, &mut stream, STREAM_TOKEN, &mut writing, want).map_err(io_error)?;
    }
}
