//! Dialing a pair's upstream without blocking the relay's loop: the name lookup runs on a
//! thread of its own (at once for an IP literal), each connect runs non-blocking, and the
//! addresses of a name are tried in turn until one answers or the connect timeout passes.
//! One lookup serves every pair dialed while it runs and for a while after: a burst of
//! clients starts one thread, not one each.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, TryRecvError};
use socket2::{Domain, Protocol, Socket, Type};

use super::RelayConfig;
use crate::net::NetError;
use crate::net::resolve::{Resolution, resolve};

/// How long a name's addresses serve new pairs before it is looked up again (a moved
/// upstream is found that soon).
const ADDRESSES_KEPT: Duration = Duration::from_secs(10);

/// Where every pair's upstream is, and how to reach it.
pub(super) struct Dialer {
    host: String,
    port: u16,
    local: Option<SocketAddr>,
    timeout: Duration,
    waker: Arc<mio::Waker>,
    target: String,
    /// The lookup new pairs use (the relay's loop is its only user).
    lookup: RefCell<Option<Lookup>>,
    /// Lookups started so far.
    lookups: std::cell::Cell<u64>,
}

/// One lookup of the upstream's name, and what it said once it did.
struct Lookup {
    started: Instant,
    answer: Receiver<Resolution>,
    result: Option<Resolution>,
}

impl Dialer {
    pub fn new(config: &RelayConfig, waker: &Arc<mio::Waker>) -> Self {
        Self {
            host: config.upstream_host.clone(),
            port: config.upstream_port,
            local: config.local,
            timeout: config.connect_timeout,
            waker: Arc::clone(waker),
            target: config.upstream(),
            lookup: RefCell::new(None),
            lookups: std::cell::Cell::new(0),
        }
    }

    /// What a connect (and, with TLS, its handshakes) may take.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The upstream as the user wrote it.
    pub fn target(&self) -> String {
        self.target.clone()
    }

    /// Starts dialing for one pair: the lookup first (one already made or running serves).
    pub fn dial(&self, now: Instant) -> Dial {
        let mut lookup = self.lookup.borrow_mut();
        let stale = lookup.as_ref().is_none_or(|lookup| match &lookup.result {
            // A failure is not kept: the next client tries again.
            Some(Err(_)) => true,
            Some(Ok(_)) => now >= lookup.started + ADDRESSES_KEPT,
            // No answer within a connect timeout: that lookup is given up on.
            None => now >= lookup.started + self.timeout,
        });
        if stale {
            let waker = Arc::clone(&self.waker);
            let answer = resolve(&self.host, self.port, move || {
                let _ = waker.wake();
            });
            *lookup = Some(Lookup {
                started: now,
                answer,
                result: None,
            });
            self.lookups.set(self.lookups.get() + 1);
        }
        Dial {
            deadline: now + self.timeout,
            stage: Some(Stage::Resolving),
            last_error: None,
        }
    }

    /// The upstream's addresses once the lookup answered; `None` until then.
    fn addresses(&self) -> Option<Resolution> {
        let mut lookup = self.lookup.borrow_mut();
        let lookup = lookup.as_mut()?;
        if lookup.result.is_none() {
            lookup.result = match lookup.answer.try_recv() {
                Ok(result) => Some(result),
                Err(TryRecvError::Empty) => return None,
                Err(TryRecvError::Disconnected) => Some(Err(NetError::Dns {
                    host: self.host.clone(),
                    detail: "the lookup ended without an answer".to_owned(),
                })),
            };
        }
        lookup.result.clone()
    }
}

/// One pair's way to its upstream, until connected.
pub(super) struct Dial {
    pub deadline: Instant,
    stage: Option<Stage>,
    /// Why the last address tried failed: what is said if none is left.
    last_error: Option<NetError>,
}

enum Stage {
    /// Waiting for the dialer's lookup.
    Resolving,
    Trying {
        socket: mio::net::TcpStream,
        addr: SocketAddr,
        rest: VecDeque<SocketAddr>,
    },
}

/// A connection made: the socket (registered with the token it was dialed with), the
/// upstream's address and this end's.
pub(super) type Connected = (mio::net::TcpStream, SocketAddr, SocketAddr);

impl Dial {
    /// Moves on as far as it can now: `Some` once connected, an error when every address
    /// failed or time ran out.
    pub fn advance(
        &mut self,
        dialer: &Dialer,
        registry: &mio::Registry,
        token: mio::Token,
    ) -> Result<Option<Connected>, NetError> {
        if Instant::now() >= self.deadline {
            if let Some(Stage::Trying { mut socket, .. }) = self.stage.take() {
                let _ = registry.deregister(&mut socket);
            }
            return Err(NetError::TimedOut {
                target: dialer.target(),
                after: dialer.timeout,
            });
        }
        match self.stage.take() {
            Some(Stage::Resolving) => match dialer.addresses() {
                Some(Ok(addresses)) => self.try_next(dialer, registry, token, addresses.into()),
                Some(Err(error)) => Err(error),
                None => {
                    self.stage = Some(Stage::Resolving);
                    Ok(None)
                }
            },
            Some(Stage::Trying {
                mut socket,
                addr,
                rest,
            }) => match connected(&socket) {
                Ok(true) => match socket.local_addr() {
                    Ok(local) => Ok(Some((socket, addr, local))),
                    Err(error) => {
                        let _ = registry.deregister(&mut socket);
                        self.last_error = Some(connect_error(addr, &error));
                        self.try_next(dialer, registry, token, rest)
                    }
                },
                Ok(false) => {
                    self.stage = Some(Stage::Trying { socket, addr, rest });
                    Ok(None)
                }
                Err(error) => {
                    let _ = registry.deregister(&mut socket);
                    self.last_error = Some(connect_error(addr, &error));
                    self.try_next(dialer, registry, token, rest)
                }
            },
            None => Err(NetError::NotConnected),
        }
    }

    /// Starts connecting to the next address that can be tried.
    fn try_next(
        &mut self,
        dialer: &Dialer,
        registry: &mio::Registry,
        token: mio::Token,
        mut rest: VecDeque<SocketAddr>,
    ) -> Result<Option<Connected>, NetError> {
        while let Some(addr) = rest.pop_front() {
            match start_connect(addr, dialer.local) {
                Ok(mut socket) => {
                    let interest = mio::Interest::READABLE | mio::Interest::WRITABLE;
                    if let Err(error) = registry.register(&mut socket, token, interest) {
                        self.last_error = Some(connect_error(addr, &error));
                        continue;
                    }
                    self.stage = Some(Stage::Trying { socket, addr, rest });
                    return Ok(None);
                }
                Err(error) => self.last_error = Some(error),
            }
        }
        Err(self.last_error.take().unwrap_or_else(|| NetError::Dns {
            host: dialer.host.clone(),
            detail: "no addresses found".to_owned(),
        }))
    }
}

/// Whether a non-blocking connect is done: `Ok(false)` while it is still going on.
fn connected(socket: &mio::net::TcpStream) -> io::Result<bool> {
    if let Some(error) = socket.take_error()? {
        return Err(error);
    }
    match socket.peer_addr() {
        Ok(_) => Ok(true),
        Err(error) if error.kind() == io::ErrorKind::NotConnected => Ok(false),
        Err(error) => Err(error),
    }
}

/// A non-blocking socket connecting to `addr`, from `local` if given.
fn start_connect(
    addr: SocketAddr,
    local: Option<SocketAddr>,
) -> Result<mio::net::TcpStream, NetError> {
    let error_of = |error: io::Error| connect_error(addr, &error);
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))
        .map_err(error_of)?;
    socket.set_nonblocking(true).map_err(error_of)?;
    let _ = socket.set_tcp_nodelay(true);
    if let Some(local) = local {
        // "Any address" is any address of the upstream's IP version.
        let local = match (local.ip().is_unspecified(), addr) {
            (true, SocketAddr::V4(_)) => SocketAddr::from(([0, 0, 0, 0], local.port())),
            (true, SocketAddr::V6(_)) => SocketAddr::from(([0u16; 8], local.port())),
            (false, _) => local,
        };
        if local.is_ipv4() != addr.is_ipv4() {
            return Err(NetError::LocalFamily { local, peer: addr });
        }
        #[cfg(not(windows))]
        socket.set_reuse_address(true).map_err(error_of)?;
        socket
            .bind(&local.into())
            .map_err(|error| NetError::from_bind(local, &error))?;
    }
    match socket.connect(&addr.into()) {
        Ok(()) => {}
        Err(error) if in_progress(&error) => {}
        Err(error) => return Err(error_of(error)),
    }
    Ok(mio::net::TcpStream::from_std(socket.into()))
}

/// A non-blocking connect that has started and not finished.
fn in_progress(error: &io::Error) -> bool {
    // EINPROGRESS on Linux, macOS and the BSDs (io::ErrorKind::InProgress is not stable
    // yet); WSAEWOULDBLOCK on Windows.
    const EINPROGRESS: [i32; 2] = [115, 36];
    error.kind() == io::ErrorKind::WouldBlock
        || (cfg!(unix)
            && error
                .raw_os_error()
                .is_some_and(|code| EINPROGRESS.contains(&code)))
}

fn connect_error(peer: SocketAddr, error: &io::Error) -> NetError {
    match error.kind() {
        io::ErrorKind::ConnectionRefused => NetError::Refused { peer },
        _ => NetError::io(format!("cannot connect to {peer}"), error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::relay::RelayConfig;

    fn dialer(host: &str, waker: &Arc<mio::Waker>) -> Dialer {
        let config = RelayConfig {
            transport: crate::net::relay::Transport::Tcp,
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            stack: crate::net::Stack::Dual,
            upstream_host: host.to_owned(),
            upstream_port: 9,
            connect_timeout: Duration::from_secs(5),
            local: None,
            faults: Default::default(),
            rewrites: Default::default(),
            tls: Default::default(),
        };
        Dialer::new(&config, waker)
    }

    /// Waits for the dialer's lookup to answer.
    fn answered(dialer: &Dialer) -> Resolution {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(answer) = dialer.addresses() {
                return answer;
            }
            assert!(Instant::now() < deadline, "the lookup answers");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    #[test]
    fn a_burst_of_pairs_shares_one_lookup_and_a_failure_is_not_kept() {
        let poll = mio::Poll::new().expect("a poll");
        let waker = Arc::new(mio::Waker::new(poll.registry(), mio::Token(0)).expect("a waker"));
        let named = dialer("localhost", &waker);
        let now = Instant::now();
        for _ in 0..100 {
            named.dial(now);
        }
        assert!(answered(&named).is_ok(), "localhost resolves");
        named.dial(now + Duration::from_secs(1));
        assert_eq!(named.lookups.get(), 1, "one lookup for 101 pairs");
        named.dial(now + ADDRESSES_KEPT);
        assert_eq!(
            named.lookups.get(),
            2,
            "looked up again once kept long enough"
        );

        // A name the resolver refuses before asking anyone (no traffic leaves the machine).
        let unknown = dialer("bad\0name", &waker);
        unknown.dial(now);
        assert!(
            answered(&unknown).is_err(),
            "a name with a NUL never resolves"
        );
        unknown.dial(now);
        assert_eq!(unknown.lookups.get(), 2, "the next pair tries again");
    }
}
