//! One client of the UDP relay: its own socket toward the upstream (so the upstream tells the
//! clients apart and its answers find theirs), and each way's datagrams held, paced or waiting
//! for a socket to take them.

use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::time::Instant;

use crate::net::relay::WINDOW;
use crate::net::relay::fault::{Faults, Paced};
use crate::net::relay::hold::{Held, Holding, slot};
use crate::net::relay::steering::Steered;
use crate::net::{ClientId, EventKind, EventSink, NetError, SendOrigin, Toward};

/// Datagrams waiting for a socket to take them, each whole, with who put it in (`None`: read
/// from the other side).
#[derive(Default)]
pub(super) struct Datagrams {
    queue: VecDeque<(Vec<u8>, Option<SendOrigin>)>,
    bytes: usize,
}

impl Datagrams {
    pub fn push(&mut self, datagram: Vec<u8>, origin: Option<SendOrigin>) {
        self.bytes += datagram.len();
        self.queue.push_back((datagram, origin));
    }

    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Sends what waits, oldest first, with `send`, until it would block (`false`) or all
    /// went (`true`). `on_sent` hears of each datagram that went, `on_failed` of each the
    /// socket refused for another reason (dropped: the next ones still go).
    pub fn flush(
        &mut self,
        mut send: impl FnMut(&[u8]) -> io::Result<usize>,
        mut on_sent: impl FnMut(Vec<u8>, Option<SendOrigin>),
        mut on_failed: impl FnMut(Option<SendOrigin>, io::Error),
    ) -> bool {
        while let Some((datagram, _)) = self.queue.front() {
            let sent = send(datagram);
            match sent {
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => return false,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                other => {
                    let Some((datagram, origin)) = self.queue.pop_front() else {
                        break;
                    };
                    self.bytes -= datagram.len();
                    match other {
                        Ok(_) => on_sent(datagram, origin),
                        Err(error) => on_failed(origin, error),
                    }
                }
            }
        }
        true
    }
}

pub(super) struct UdpPair {
    /// The client as the clients' socket gave its address (its key there).
    pub from: SocketAddr,
    /// The client as users write it.
    pub peer: SocketAddr,
    /// The client as the clients' socket addresses it (IPv4-mapped on a dual-stack socket).
    pub reply_to: SocketAddr,
    /// Connected to the upstream.
    pub socket: mio::net::UdpSocket,
    /// Registered for writability.
    pub writing: bool,
    /// When a datagram last went either way: the pair closes after the idle time.
    pub last: Instant,
    /// Toward the upstream, toward the client (as every per-way array here).
    pub held: [Held; 2],
    pub paced: [Paced; 2],
    pub outbox: [Datagrams; 2],
    /// Bytes that went each way, for a cut.
    pub read: [u64; 2],
    /// A cut asked for: the pair ends once what came before it went on.
    pub cut: [Option<NetError>; 2],
    /// Datagrams dropped each way since it was last said, because the way already held a
    /// window's worth.
    pub dropped: [u64; 2],
    /// The upstream's refusal (an ICMP port unreachable) was said; an answer clears it.
    pub refused_said: bool,
    /// Whether a backlog was said each way.
    backlog_said: [bool; 2],
}

impl UdpPair {
    pub fn new(from: SocketAddr, reply_to: SocketAddr, socket: mio::net::UdpSocket) -> Self {
        Self {
            from,
            peer: crate::net::socket::canonical(from),
            reply_to,
            socket,
            writing: false,
            last: Instant::now(),
            held: [Held::default(), Held::default()],
            paced: [Paced::default(), Paced::default()],
            outbox: [Datagrams::default(), Datagrams::default()],
            read: [0, 0],
            cut: [None, None],
            dropped: [0, 0],
            refused_said: false,
            backlog_said: [false, false],
        }
    }

    /// Bytes on their way `toward` one side: held, waiting for their time, or for the socket.
    pub fn waiting(&self, toward: Toward) -> usize {
        let way = slot(toward);
        self.held[way].bytes() + self.paced[way].bytes() + self.outbox[way].bytes()
    }

    /// Whether a datagram of `len` bytes fits `toward` one side now. One always fits an
    /// empty way, so a datagram larger than the window still goes.
    pub fn has_room(&self, toward: Toward, len: usize) -> bool {
        let waiting = self.waiting(toward);
        waiting == 0 || waiting + len <= WINDOW
    }

    /// Bytes that never reached their side, as the pair ends.
    pub fn undelivered(&self) -> usize {
        self.waiting(Toward::Upstream) + self.waiting(Toward::Client)
    }

    /// Sends a datagram on `toward` one side: held, paced, or into the outbox.
    pub fn pass(&mut self, toward: Toward, datagram: Vec<u8>, holding: &Holding, faults: &Faults) {
        let way = slot(toward);
        if holding.is_held(toward) {
            self.held[way].push(holding, datagram);
        } else if faults.paces() || !self.paced[way].is_empty() {
            self.paced[way].push(Instant::now(), faults, datagram);
        } else {
            self.outbox[way].push(datagram, None);
        }
    }

    /// Puts the user's datagram in `toward` one side, behind what waits for its time.
    pub fn inject(&mut self, toward: Toward, datagram: Vec<u8>, origin: SendOrigin) {
        let way = slot(toward);
        if self.paced[way].is_empty() {
            self.outbox[way].push(datagram, Some(origin));
        } else {
            let now = Instant::now();
            self.paced[way].push_from(now, &Faults::default(), datagram, Some(origin));
        }
    }

    /// A cut whose way has nothing left before it: the pair ends with it now.
    pub fn cut_due(&mut self) -> Option<NetError> {
        for toward in [Toward::Upstream, Toward::Client] {
            if self.waiting(toward) == 0 && self.cut[slot(toward)].is_some() {
                return self.cut[slot(toward)].take();
            }
        }
        None
    }

    /// Says the datagrams dropped each way since last said.
    pub fn report_dropped(&mut self, sink: &EventSink) {
        for toward in [Toward::Upstream, Toward::Client] {
            let dropped = std::mem::take(&mut self.dropped[slot(toward)]);
            if dropped > 0 {
                let peer = self.peer;
                let error = NetError::DatagramsDropped {
                    peer,
                    toward,
                    datagrams: dropped,
                };
                sink.emit(EventKind::Warning(error));
            }
        }
    }

    /// Says the backlog each way when one starts or ends.
    pub fn report_backlog(&mut self, id: ClientId, sink: &EventSink) {
        let backlog = [self.outbox[0].bytes(), self.outbox[1].bytes()];
        let said = backlog.map(|bytes| bytes > 0);
        if said != self.backlog_said {
            self.backlog_said = said;
            sink.emit(EventKind::Backlog {
                id,
                to_upstream: backlog[0],
                to_client: backlog[1],
            });
        }
    }
}

impl Steered for UdpPair {
    /// What is held `toward` one side.
    fn held(&self, toward: Toward) -> &Held {
        &self.held[slot(toward)]
    }

    /// Lets what is held `toward` one side go on (`one`: the oldest only).
    fn release(&mut self, toward: Toward, one: bool, faults: &Faults) {
        let way = slot(toward);
        while let Some(datagram) = self.held[way].pop() {
            if faults.paces() || !self.paced[way].is_empty() {
                self.paced[way].push(Instant::now(), faults, datagram);
            } else {
                self.outbox[way].push(datagram, None);
            }
            if one {
                return;
            }
        }
    }

    fn paced_due(&self) -> Option<Instant> {
        self.paced.iter().filter_map(Paced::next_due).min()
    }

    /// Moves the paced datagrams whose time has come to their outbox.
    fn release_paced(&mut self, now: Instant) {
        for way in 0..2 {
            while let Some((datagram, origin)) = self.paced[way].take_due(now) {
                self.outbox[way].push(datagram, origin);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_datagram_the_socket_refuses_is_dropped_and_the_rest_still_go() {
        let mut outbox = Datagrams::default();
        for datagram in [b"one", b"two", b"six"] {
            outbox.push(datagram.to_vec(), None);
        }
        let mut sent = Vec::new();
        let mut failed = 0;
        let all = outbox.flush(
            |datagram| match datagram {
                b"two" => Err(io::Error::from(io::ErrorKind::ConnectionRefused)),
                _ => Ok(datagram.len()),
            },
            |datagram, _| sent.push(datagram),
            |_, _| failed += 1,
        );
        assert!(all, "nothing left waiting");
        assert_eq!(sent, [b"one".to_vec(), b"six".to_vec()]);
        assert_eq!((failed, outbox.bytes()), (1, 0));
    }
}
