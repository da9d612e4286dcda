//! A TCP server's clients as they come and go: accepting (and waiting for file descriptors
//! when there are none), and closing those that finished sending once nothing is sent to them.

use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::super::outbox::Outbox;
use super::super::socket::canonical;
use super::super::stream::Stream;
use super::super::tls::TlsStream;
use super::{Client, HANDSHAKE_TIMEOUT, Server, token_of};
use crate::net::{ClientId, CloseReason, EventKind, HALF_CLOSED_LINGER, NetError, WorkerContext};

/// Out of file descriptors, accepting is tried again this often (and as soon as a client
/// leaves): the waiting connections stay in the listen queue meanwhile.
const ACCEPT_RETRY: Duration = Duration::from_millis(250);

impl Server {
    pub(super) fn accept_all(&mut self, context: &WorkerContext) {
        self.accept_retry = None;
        loop {
            let Some((listener, listening)) = &self.listener else {
                return;
            };
            let listening = *listening;
            match listener.accept() {
                Ok((socket, peer)) => {
                    let peer = canonical(peer);
                    // This end: on a wildcard listener, the address the client reached.
                    let local = socket.local_addr().map_or(listening, canonical);
                    let id = ClientId(self.next_id);
                    self.next_id += 1;
                    let _ = socket.set_nodelay(true);
                    let mut stream = match &self.tls {
                        Some(config) => match rustls::ServerConnection::new(Arc::clone(config)) {
                            Ok(tls) => {
                                let due = Instant::now() + HANDSHAKE_TIMEOUT;
                                self.handshakes.push_back((due, id));
                                Stream::Tls(Box::new(TlsStream::new(socket, tls)))
                            }
                            Err(error) => {
                                let error = NetError::Tls((&error).into());
                                context.sink.emit(EventKind::Warning(error));
                                continue;
                            }
                        },
                        None => Stream::Plain(socket),
                    };
                    let registered = context.poll.registry().register(
                        stream.socket_mut(),
                        token_of(id),
                        mio::Interest::READABLE,
                    );
                    if let Err(error) = registered {
                        let error = NetError::io(format!("cannot serve {peer}"), &error);
                        context.sink.emit(EventKind::Warning(error));
                        continue;
                    }
                    let client = Client {
                        stream,
                        peer,
                        outbox: Outbox::default(),
                        writing: false,
                        finished: None,
                        refusing: false,
                    };
                    self.clients.insert(id, client);
                    context
                        .sink
                        .emit(EventKind::ClientConnected { id, peer, local });
                    // Data may already be waiting; edge-triggered polling would not report it.
                    self.on_client_ready(context, id, true);
                }
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
                    self.refusing = false;
                    return;
                }
                Err(error) if out_of_descriptors(&error) => {
                    // The waiting clients stay queued; edge-triggered polling would not say
                    // so again, so a timer (or a client leaving) tries again.
                    self.accept_retry = Some(Instant::now() + ACCEPT_RETRY);
                    if !std::mem::replace(&mut self.refusing, true) {
                        let clients = self.clients.len();
                        let error = NetError::OutOfDescriptors { clients };
                        context.sink.emit(EventKind::Warning(error));
                    }
                    return;
                }
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                // A client that reset before we accepted it is no reason to stop listening.
                Err(error) if error.kind() == io::ErrorKind::ConnectionAborted => {}
                Err(error) => {
                    // Anything else: report it and stay up for the clients there are.
                    let error = NetError::io("accept failed", &error);
                    context.sink.emit(EventKind::Warning(error));
                    return;
                }
            }
        }
    }

    /// When the first client that finished sending is due to be closed.
    pub(super) fn linger_due(&self) -> Option<Instant> {
        let clients = self.finished.iter().filter_map(|id| self.clients.get(id));
        clients.filter_map(|client| client.finished).min()
    }

    /// Closes the clients that finished sending and were sent nothing for a while; one with
    /// bytes still queued gets more time.
    pub(super) fn end_lingering(&mut self, context: &WorkerContext) {
        let now = Instant::now();
        let due: Vec<ClientId> = self
            .finished
            .iter()
            .filter(|id| {
                let client = self.clients.get(id);
                client.is_some_and(|client| client.finished.is_some_and(|due| due <= now))
            })
            .copied()
            .collect();
        for id in due {
            match self.clients.get_mut(&id) {
                Some(client) if !client.outbox.is_empty() => {
                    client.finished = Some(now + HALF_CLOSED_LINGER);
                }
                _ => self.drop_client(context, id, CloseReason::PeerClosed),
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
