//! A listening TCP socket as the TCP server and the relay use it: listen, stop, and accept
//! every waiting connection, waiting for file descriptors when there are none.

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use super::socket::{Stack, canonical, listen_tcp};
use super::{EventKind, NetError, WorkerContext};

/// Out of file descriptors, accepting is tried again this often (and as soon as a connection
/// closes): the waiting connections stay in the listen queue meanwhile.
const ACCEPT_RETRY: Duration = Duration::from_millis(250);

/// A connection just accepted: the socket, the peer (as users write it) and this end.
pub(super) type Accepted = (mio::net::TcpStream, SocketAddr, SocketAddr);

pub(super) struct Listener {
    socket: Option<(mio::net::TcpListener, SocketAddr)>,
    /// On `::`: IPv4 peers too, or not; kept for Listen after Stop.
    stack: Stack,
    token: mio::Token,
    /// Out of file descriptors: when to try accepting again.
    retry: Option<Instant>,
    /// Said so since accepting last emptied the listen queue (one warning per shortage).
    refusing: bool,
}

impl Listener {
    pub fn new(stack: Stack, token: mio::Token) -> Self {
        Self {
            socket: None,
            stack,
            token,
            retry: None,
            refusing: false,
        }
    }

    pub fn is_listening(&self) -> bool {
        self.socket.is_some()
    }

    /// Starts listening on `local`, and says where.
    pub fn listen(&mut self, context: &WorkerContext, local: SocketAddr) -> Result<(), NetError> {
        if let Some((_, current)) = &self.socket {
            return Err(NetError::Io {
                context: format!("cannot listen on {local}"),
                detail: format!("already listening on {current}"),
            });
        }
        let listener = listen_tcp(local, self.stack)?;
        let io_error = |error: io::Error| NetError::io(format!("cannot listen on {local}"), &error);
        let bound = listener.local_addr().map_err(io_error)?;
        let mut listener = mio::net::TcpListener::from_std(listener);
        context
            .poll
            .registry()
            .register(&mut listener, self.token, mio::Interest::READABLE)
            .map_err(io_error)?;
        self.socket = Some((listener, bound));
        context.sink.emit(EventKind::Listening { local: bound });
        Ok(())
    }

    /// Stops listening; the connections accepted stay.
    pub fn stop(&mut self, context: &WorkerContext) {
        if let Some((mut listener, local)) = self.socket.take() {
            let _ = context.poll.registry().deregister(&mut listener);
            // Closed before it is said: a connect right after ListenStopped must be refused.
            drop(listener);
            context.sink.emit(EventKind::ListenStopped { local });
        }
    }

    /// When accepting is to be tried again, after file descriptors ran out.
    pub fn retry_due(&self) -> Option<Instant> {
        self.retry
    }

    /// Whether accepting is to be tried again now.
    pub fn retry_is_due(&self) -> bool {
        self.retry.is_some_and(|due| due <= Instant::now())
    }

    /// A connection closed: a descriptor is free for one waiting in the listen queue.
    pub fn descriptor_freed(&mut self) {
        if self.retry.is_some() {
            self.retry = Some(Instant::now());
        }
    }

    /// The next waiting connection, until the queue is empty or descriptors ran out (said
    /// once, with the `connected` count; tried again at [`Self::retry_due`]). Call until
    /// `None`: the poll is edge-triggered.
    pub fn accept(&mut self, context: &WorkerContext, connected: usize) -> Option<Accepted> {
        self.retry = None;
        loop {
            let (listener, listening) = self.socket.as_ref()?;
            match listener.accept() {
                Ok((socket, peer)) => {
                    // This end: on a wildcard listener, the address the peer reached.
                    let local = socket.local_addr().map_or(*listening, canonical);
                    let _ = socket.set_nodelay(true);
                    return Some((socket, canonical(peer), local));
                }
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
                    self.refusing = false;
                    return None;
                }
                Err(error) if out_of_descriptors(&error) => {
                    // The waiting peers stay queued; edge-triggered polling would not say so
                    // again, so a timer (or a connection closing) tries again.
                    self.retry = Some(Instant::now() + ACCEPT_RETRY);
                    if !std::mem::replace(&mut self.refusing, true) {
                        let error = NetError::OutOfDescriptors { clients: connected };
                        context.sink.emit(EventKind::Warning(error));
                    }
                    return None;
                }
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                // A peer that reset before it was accepted is no reason to stop listening.
                Err(error) if error.kind() == io::ErrorKind::ConnectionAborted => {}
                Err(error) => {
                    // Anything else: report it and stay up for the connections there are.
                    let error = NetError::io("accept failed", &error);
                    context.sink.emit(EventKind::Warning(error));
                    return None;
                }
            }
        }
    }
}

/// Accepting failed for want of file descriptors (the process's or the system's).
fn out_of_descriptors(error: &io::Error) -> bool {
    // EMFILE and ENFILE (Linux, macOS, the BSDs); WSAEMFILE on Windows.
    let codes: &[i32] = if cfg!(windows) { &[10024] } else { &[23, 24] };
    error
        .raw_os_error()
        .is_some_and(|code| codes.contains(&code))
}
