//! A TCP server's clients as they come and go: taking each one accepted in, and closing those
//! that finished sending once nothing is sent to them.

use std::sync::Arc;
use std::time::Instant;

use super::super::outbox::Outbox;
use super::super::stream::Stream;
use super::super::tls::TlsStream;
use super::{Client, HANDSHAKE_TIMEOUT, Server, token_of};
use crate::net::{ClientId, CloseReason, EventKind, HALF_CLOSED_LINGER, NetError, WorkerContext};

impl Server {
    pub(super) fn accept_all(&mut self, context: &WorkerContext) {
        while let Some((socket, peer, local)) = self.listener.accept(context, self.clients.len()) {
            let id = ClientId(self.next_id);
            self.next_id += 1;
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
