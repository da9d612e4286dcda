//! UDP session: one bound socket; each datagram is one event.

use std::collections::VecDeque;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};

use super::socket::bind_udp;
use super::{
    CloseReason, Command, EventKind, EventSink, NetError, RemoteTarget, SendTarget, WorkerContext,
    poll_once,
};

const SOCKET_TOKEN: mio::Token = mio::Token(1);
/// The largest UDP payload; a smaller buffer would truncate datagrams.
const MAX_DATAGRAM: usize = 65_536;

struct UdpSession {
    socket: mio::net::UdpSocket,
    local: SocketAddr,
    /// Who sent the last datagram: the reply target when the user gave none.
    last_sender: Option<SocketAddr>,
    /// The last name resolved, so repeated sends to one host do not resolve each time.
    resolved: Option<(RemoteTarget, SocketAddr)>,
    /// Datagrams waiting for the socket buffer to drain.
    pending: VecDeque<(SocketAddr, Vec<u8>)>,
    writing: bool,
}

pub(super) fn run(mut context: WorkerContext, local: SocketAddr) {
    let reason = match open(&context, local) {
        Ok(mut session) => session.serve(&mut context),
        Err(error) => CloseReason::Failed(error),
    };
    context.sink.emit(EventKind::Closed(reason));
}

fn open(context: &WorkerContext, local: SocketAddr) -> Result<UdpSession, NetError> {
    let socket = bind_udp(local)?;
    let io_error = |error: io::Error| NetError::io(format!("cannot open {local}"), &error);
    let bound = socket.local_addr().map_err(io_error)?;
    let mut socket = mio::net::UdpSocket::from_std(socket);
    context
        .poll
        .registry()
        .register(&mut socket, SOCKET_TOKEN, mio::Interest::READABLE)
        .map_err(io_error)?;
    context.sink.emit(EventKind::Opened { local: bound });
    Ok(UdpSession {
        socket,
        local: bound,
        last_sender: None,
        resolved: None,
        pending: VecDeque::new(),
        writing: false,
    })
}

impl UdpSession {
    fn serve(&mut self, context: &mut WorkerContext) -> CloseReason {
        let mut events = mio::Events::with_capacity(64);
        let mut buffer = vec![0; MAX_DATAGRAM];
        loop {
            if let Err(error) = poll_once(&mut context.poll, &mut events) {
                return CloseReason::Failed(NetError::io("poll failed", &error));
            }
            let readable = events
                .iter()
                .any(|e| e.token() == SOCKET_TOKEN && e.is_readable());
            if readable && let Err(error) = self.receive_all(&context.sink, &mut buffer) {
                return CloseReason::Failed(error);
            }
            while let Ok(command) = context.commands.try_recv() {
                match command {
                    Command::Send {
                        bytes,
                        to: SendTarget::Datagram(target),
                    } => {
                        self.queue(&context.sink, bytes, target.as_ref());
                    }
                    Command::Shutdown => return CloseReason::Requested,
                    other => {
                        let detail = format!("{other:?} does not apply to UDP");
                        let error = NetError::Io {
                            context: "ignored command".to_owned(),
                            detail,
                        };
                        context.sink.emit(EventKind::Warning(error));
                    }
                }
            }
            self.flush(context);
        }
    }

    fn receive_all(&mut self, sink: &EventSink, buffer: &mut [u8]) -> Result<(), NetError> {
        loop {
            match self.socket.recv_from(buffer) {
                Ok((n, peer)) => {
                    self.last_sender = Some(peer);
                    let bytes = buffer[..n].to_vec();
                    sink.emit(EventKind::Received {
                        peer,
                        client: None,
                        bytes,
                    });
                }
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                // An ICMP "port unreachable" for an earlier send (Windows reports it on the
                // next receive): say so and keep the socket open.
                Err(error)
                    if matches!(
                        error.kind(),
                        io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionRefused
                    ) =>
                {
                    let error = NetError::io("the last datagram was refused by its target", &error);
                    sink.emit(EventKind::Warning(error));
                }
                Err(error) => {
                    return Err(NetError::io(format!("receive on {}", self.local), &error));
                }
            }
        }
    }

    fn queue(&mut self, sink: &EventSink, bytes: Vec<u8>, target: Option<&RemoteTarget>) {
        let destination = match target {
            Some(target) => self.resolve(target),
            None => self.last_sender.ok_or(NetError::NoDestination),
        };
        match destination {
            Ok(peer) => self.pending.push_back((peer, bytes)),
            Err(error) => {
                sink.emit(EventKind::SendFailed { peer: None, error });
            }
        }
    }

    /// Resolves the target, preferring an address of the socket's own family.
    fn resolve(&mut self, target: &RemoteTarget) -> Result<SocketAddr, NetError> {
        if let Some((cached, addr)) = &self.resolved
            && cached == target
        {
            return Ok(*addr);
        }
        let dns_error = |detail: String| NetError::Dns {
            host: target.host.clone(),
            detail,
        };
        let addresses: Vec<SocketAddr> = (target.host.as_str(), target.port)
            .to_socket_addrs()
            .map_err(|error| dns_error(error.to_string()))?
            .collect();
        let addr = addresses
            .iter()
            .find(|addr| addr.is_ipv4() == self.local.is_ipv4())
            .or(addresses.first())
            .copied()
            .ok_or_else(|| dns_error("no addresses found".to_owned()))?;
        self.resolved = Some((target.clone(), addr));
        Ok(addr)
    }

    fn flush(&mut self, context: &WorkerContext) {
        while let Some((peer, bytes)) = self.pending.front() {
            match self.socket.send_to(bytes, *peer) {
                Ok(_) => {
                    if let Some((peer, bytes)) = self.pending.pop_front() {
                        context.sink.emit(EventKind::Sent {
                            peer,
                            client: None,
                            bytes,
                        });
                    }
                }
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => break,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => {
                    let peer = Some(*peer);
                    let error = NetError::io("send failed", &error);
                    context.sink.emit(EventKind::SendFailed { peer, error });
                    self.pending.pop_front();
                }
            }
        }
        let writing = !self.pending.is_empty();
        if writing != self.writing {
            let interest = if writing {
                mio::Interest::READABLE | mio::Interest::WRITABLE
            } else {
                mio::Interest::READABLE
            };
            let _ = context
                .poll
                .registry()
                .reregister(&mut self.socket, SOCKET_TOKEN, interest);
            self.writing = writing;
        }
    }
}
