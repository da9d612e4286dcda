//! Writing the UDP relay's datagrams: each pair's toward its upstream on its own socket, and
//! every pair's toward its client on the clients' socket, waiting when a socket is full.

use std::cell::Cell;
use std::time::Instant;

use super::{CLIENTS_TOKEN, UdpRelay, token_of};
use crate::net::relay::hold::slot;
use crate::net::{ClientId, EventKind, NetError, SendOrigin, Toward, WorkerContext, want_writable};

impl UdpRelay {
    /// Writes what waits in pair `id`'s outboxes, each way, as far as the sockets take it.
    /// A datagram sent counts as traffic: the pair is not quiet.
    pub(super) fn flush(&mut self, context: &WorkerContext, id: ClientId) {
        let Some(pair) = self.pairs.get_mut(&id) else {
            return;
        };
        let (peer, sink, target) = (pair.peer, &context.sink, &self.target);
        let went = Cell::new(false);
        let on_sent = |toward: Toward| {
            let went = &went;
            move |bytes, origin: Option<SendOrigin>| {
                went.set(true);
                if let Some(origin) = origin {
                    let injected = EventKind::Injected {
                        id,
                        peer,
                        toward,
                        bytes,
                        origin,
                    };
                    sink.emit(injected);
                }
            }
        };
        let on_failed = |toward: Toward| {
            move |origin: Option<SendOrigin>, error: std::io::Error| {
                let side = if toward == Toward::Upstream {
                    "upstream"
                } else {
                    "client"
                };
                let mut error = NetError::from_stream(side, &error);
                if toward == Toward::Upstream {
                    let target = target.clone();
                    error = NetError::Upstream {
                        target,
                        error: Box::new(error),
                    };
                }
                let failed = match origin {
                    Some(origin) => EventKind::SendFailed {
                        peer: Some(peer),
                        error,
                        origin,
                    },
                    None => EventKind::Warning(error),
                };
                sink.emit(failed);
            }
        };
        let socket = &pair.socket;
        let all = pair.outbox[slot(Toward::Upstream)].flush(
            |datagram| socket.send(datagram),
            on_sent(Toward::Upstream),
            on_failed(Toward::Upstream),
        );
        let registry = context.poll.registry();
        let writable = want_writable(
            registry,
            &mut pair.socket,
            token_of(id),
            &mut pair.writing,
            !all,
        );
        if let Err(error) = writable {
            // Left unwritten for good: the pair's end says how much.
            let error = NetError::io("cannot wait for the upstream socket", &error);
            sink.emit(EventKind::Warning(error));
        }
        let mut clients_full = false;
        if !self.writing {
            let clients = &self.clients;
            let reply_to = pair.reply_to;
            clients_full = !pair.outbox[slot(Toward::Client)].flush(
                |datagram| clients.send_to(datagram, reply_to),
                on_sent(Toward::Client),
                on_failed(Toward::Client),
            );
        }
        if went.get() {
            pair.last = Instant::now();
        }
        pair.report_backlog(id, sink);
        if clients_full {
            self.wait_for_clients_socket(context);
        }
    }

    /// The clients' socket is full: every pair's datagrams toward its client wait for it.
    fn wait_for_clients_socket(&mut self, context: &WorkerContext) {
        let registry = context.poll.registry();
        let _ = want_writable(
            registry,
            &mut self.clients,
            CLIENTS_TOKEN,
            &mut self.writing,
            true,
        );
    }

    /// The clients' socket takes datagrams again: every pair's go, in turn.
    pub(super) fn flush_toward_clients(&mut self, context: &WorkerContext) {
        let registry = context.poll.registry();
        let _ = want_writable(
            registry,
            &mut self.clients,
            CLIENTS_TOKEN,
            &mut self.writing,
            false,
        );
        let ids: Vec<ClientId> = self.pairs.keys().copied().collect();
        for id in ids {
            self.flush(context, id);
        }
    }
}
