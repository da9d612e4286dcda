//! Writing the UDP relay's datagrams: each pair's toward its upstream on its own socket, and
//! every pair's toward its client on the clients' socket, waiting when a socket is full.

use super::{CLIENTS_TOKEN, UdpRelay, token_of};
use crate::net::relay::hold::slot;
use crate::net::{ClientId, EventKind, NetError, SendOrigin, Toward, WorkerContext, want_writable};

impl UdpRelay {
    /// Writes what waits in pair `id`'s outboxes, each way, as far as the sockets take it.
    pub(super) fn flush(&mut self, context: &WorkerContext, id: ClientId) {
        let Some(pair) = self.pairs.get_mut(&id) else {
            return;
        };
        let (peer, sink) = (pair.peer, &context.sink);
        let said = |toward: Toward| {
            move |bytes, origin: Option<SendOrigin>| {
                if let Some(origin) = origin {
                    sink.emit(EventKind::Injected {
                        id,
                        peer,
                        toward,
                        bytes,
                        origin,
                    });
                }
            }
        };
        let socket = &pair.socket;
        let sent = pair.outbox[slot(Toward::Upstream)]
            .flush(|datagram| socket.send(datagram), said(Toward::Upstream));
        let upstream_full = match sent {
            Ok(all) => !all,
            Err(error) => {
                let error = NetError::Upstream {
                    target: self.target.clone(),
                    error: Box::new(NetError::from_stream("upstream", &error)),
                };
                sink.emit(EventKind::Warning(error));
                false
            }
        };
        let registry = context.poll.registry();
        let token = token_of(id);
        if want_writable(
            registry,
            &mut pair.socket,
            token,
            &mut pair.writing,
            upstream_full,
        )
        .is_err()
        {
            pair.outbox[slot(Toward::Upstream)] = Default::default();
        }
        if !self.writing {
            let clients = &self.clients;
            let reply_to = pair.reply_to;
            let sent = pair.outbox[slot(Toward::Client)].flush(
                |datagram| clients.send_to(datagram, reply_to),
                said(Toward::Client),
            );
            match sent {
                Ok(true) => {}
                Ok(false) => self.wait_for_clients_socket(context),
                Err(error) => {
                    let error = NetError::from_stream("client", &error);
                    sink.emit(EventKind::Warning(error));
                }
            }
        }
        if let Some(pair) = self.pairs.get_mut(&id) {
            pair.report_backlog(id, sink);
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
