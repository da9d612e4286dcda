//! The whole contract between a tab and its worker: the tab sends [`Command`]s, the worker
//! answers with [`Event`]s. Reading these two enums tells you everything a session can do.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

/// Identifies one accepted client of a TCP server session. Never reused within a session, so a
/// stale selection in the UI can never point at a newer client.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClientId(pub u64);

/// How long a TCP connection whose peer finished sending (FIN) stays open for sends: from the
/// FIN, and again from each send. A peer that closed entirely sends the same FIN as one that
/// still reads, so such a connection cannot be kept for ever.
pub const HALF_CLOSED_LINGER: Duration = Duration::from_secs(5);

/// Bytes that may wait for one TCP peer to read them: past it, a send is refused (a peer that
/// stopped reading must not make the worker queue without end, e.g. under a 1 ms repeat).
pub const SEND_BACKLOG_LIMIT: usize = 64 * 1024 * 1024;

/// Where a `Send` goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SendTarget {
    /// TCP client: the connected server.
    Peer,
    /// TCP server: these clients; an empty list means every connected client.
    Clients(Vec<ClientId>),
    /// UDP: this target, or the last sender when `None`.
    Datagram(Option<RemoteTarget>),
    /// Relay: into these pairs (none: every pair), `toward` one side, as if the other side
    /// had sent it.
    Relay {
        pairs: Vec<ClientId>,
        toward: Toward,
    },
}

/// Where UDP sends go when the user gave a target. The worker resolves it (the UI never does DNS).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RemoteTarget {
    /// An IP literal or a DNS name.
    pub host: String,
    pub port: u16,
}

/// Who asked for a send, and what its bytes were written as. It goes with the bytes through
/// the worker and comes back in [`EventKind::Sent`] and [`EventKind::SendFailed`], so the log
/// tells an auto-reply from a typed send without comparing bytes, shows text in the encoding
/// it was sent in, and the worker stops a cycle whose send failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SendOrigin {
    /// The send box, a quick command, or the bytes sent on connecting.
    Typed(WrittenIn),
    /// The cyclic send.
    Cyclic(WrittenIn),
    /// An auto-reply rule.
    AutoReply(WrittenIn),
    /// The tab's script.
    Script(WrittenIn),
    Replay,
    /// Send file.
    File,
}

/// The encoding a send's bytes were written in as text; `None` for bytes that were not text
/// (hex, a file, a recording, an echo). The worker only carries it.
pub type WrittenIn = Option<crate::codec::TextEncoding>;

impl SendOrigin {
    pub fn written_in(self) -> WrittenIn {
        match self {
            Self::Typed(written)
            | Self::Cyclic(written)
            | Self::AutoReply(written)
            | Self::Script(written) => written,
            Self::Replay | Self::File => None,
        }
    }
}

/// What a session host asks its worker to do (for the UI, or for an auto-reply rule).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// Put these bytes on the wire.
    Send {
        bytes: Vec<u8>,
        to: SendTarget,
        origin: SendOrigin,
    },
    /// Put these bytes on the wire after `delay` (an auto-reply rule's wait), timed on the
    /// worker; they go as [`SendOrigin::AutoReply`].
    SendAfter {
        bytes: Vec<u8>,
        to: SendTarget,
        delay: Duration,
        written_in: WrittenIn,
    },
    /// TCP server: start accepting again on this address (after `StopListening`).
    Listen(SocketAddr),
    /// TCP server: close the listening socket but keep the accepted clients connected.
    StopListening,
    /// TCP server: close one client.
    DisconnectClient(ClientId),
    /// TCP server: close every client.
    DisconnectAllClients,
    /// Send the same bytes again and again, timed on the worker.
    StartCycle(CycleSpec),
    /// Stop the cyclic send now.
    StopCycle,
    /// Send recorded messages again, timed on the worker.
    StartReplay(ReplaySpec),
    /// Hold the replay where it is; `ResumeReplay` goes on with the same gaps.
    PauseReplay,
    ResumeReplay,
    /// End the replay now.
    StopReplay,
    /// Send a file's bytes, read on the worker as the socket takes them.
    SendFile(FileSpec),
    /// Stop sending the file (what is already queued still goes out).
    CancelFile,
    /// UDP: allow sending to broadcast addresses (SO_BROADCAST), or not.
    SetBroadcast(bool),
    /// UDP: receive what is sent to this multicast group.
    JoinGroup(super::Group),
    /// UDP: stop receiving the group's datagrams.
    LeaveGroup(super::Group),
    /// Relay: hold what arrives for `toward` (it waits, bounded, as it came), or forward it
    /// again, what waits first.
    Hold {
        toward: Toward,
        hold: bool,
    },
    /// Relay: forward the read held longest `toward` one side, and keep holding.
    Step(Toward),
    /// Relay: each read waits for a script's [`Verdict`] (`Pass`) before it goes on, or (false)
    /// goes on as it comes again, what waits going on as it is.
    Gate(bool),
    /// Relay: what becomes of read `number` of pair `id`, waiting `toward` one side for the
    /// script (ignored when that read is no longer the one waiting longest: the gate opened).
    Pass {
        id: ClientId,
        toward: Toward,
        number: u64,
        verdict: Verdict,
    },
    /// Relay: rewrite what goes `toward` one side by these rules, from now on.
    Rewrite {
        toward: Toward,
        rules: Vec<super::RewriteRule>,
    },
    /// Relay: put these faults into the way `toward` one side, from now on.
    Faults {
        toward: Toward,
        faults: super::RelayFaults,
    },
    /// End the session: close every socket and stop the worker.
    Shutdown,
}

/// A relay script's word on a read passing through.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// It goes on as it is.
    AsItIs,
    /// These bytes go on in its place.
    Instead(Vec<u8>),
    /// Nothing goes on.
    Drop,
}

/// Recorded messages to send again: each with its time from the first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplaySpec {
    pub messages: Vec<(Duration, Vec<u8>)>,
    pub to: SendTarget,
    /// The speed in thousandths (1000: as recorded, 100: ten times slower); `None`: back to
    /// back, as the socket takes them.
    pub speed_permille: Option<u32>,
}

/// A file to send and how.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileSpec {
    pub path: std::path::PathBuf,
    pub to: SendTarget,
    /// UDP: bytes per datagram. TCP: `None`, the file streams whole.
    pub datagram: Option<usize>,
    /// Time between datagrams (or chunks); `None`: as fast as the socket takes them.
    pub pace: Option<Duration>,
}

/// A cyclic send: `bytes` to `to` every `interval`, `count` times or until stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CycleSpec {
    /// Made into bytes at each send, numbered by `index` (shared with the send box, so a
    /// counter goes on from the sends before it and after it).
    pub frame: crate::codec::Frame,
    pub index: crate::codec::SendIndex,
    pub to: SendTarget,
    pub interval: Duration,
    /// `None`: until stopped.
    pub count: Option<u64>,
    pub written_in: WrittenIn,
}

/// Something that happened on a worker, stamped with when it happened there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub time: SystemTime,
    pub kind: EventKind,
}

impl Event {
    pub fn now(kind: EventKind) -> Self {
        Self {
            time: SystemTime::now(),
            kind,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// TCP client: name resolved (or literal), now trying this address.
    Connecting { peer: SocketAddr },
    /// TCP client: connected.
    Connected { local: SocketAddr, peer: SocketAddr },
    /// UDP: the socket is in this multicast group now.
    GroupJoined(super::Group),
    /// UDP: the socket left the group.
    GroupLeft(super::Group),
    /// TCP client with reconnect: the connection (or the attempt) ended for `reason`; the
    /// next attempt, number `attempt` of at most `limit` in a row, starts `after` this.
    Retrying {
        reason: CloseReason,
        attempt: u32,
        limit: Option<u32>,
        after: Duration,
    },
    /// TLS: the handshake with `peer` (`client` in server mode) is over; data is encrypted.
    Secured {
        peer: SocketAddr,
        client: Option<ClientId>,
        session: Box<super::TlsSession>,
    },
    /// TLS server: clients are shown this certificate (`generated`: made as the server
    /// started).
    ServerCertificate {
        certificate: Box<super::CertificateInfo>,
        generated: bool,
    },
    /// TCP server: accepting on `local` (the port the OS chose when 0 was asked).
    Listening { local: SocketAddr },
    /// TCP server: no longer accepting; clients stay connected.
    ListenStopped { local: SocketAddr },
    /// TCP server: a client connected to `local` (this end of its connection).
    ClientConnected {
        id: ClientId,
        peer: SocketAddr,
        local: SocketAddr,
    },
    /// TCP: the peer (`client` in server mode) closed its sending side (FIN) and may still
    /// read: sends go on. The connection ends when `linger` passes with nothing sent.
    PeerFinished {
        peer: SocketAddr,
        client: Option<ClientId>,
        linger: Duration,
    },
    /// TCP server: a client left, and why.
    ClientDisconnected {
        id: ClientId,
        peer: SocketAddr,
        reason: CloseReason,
    },
    /// UDP: socket bound to `local`.
    Opened { local: SocketAddr },
    /// Bytes arrived from `peer` (`client` set in server mode).
    Received {
        peer: SocketAddr,
        client: Option<ClientId>,
        bytes: Vec<u8>,
        /// UDP on a wildcard address: where it was sent (this host, a broadcast, a group).
        to: Option<std::net::IpAddr>,
    },
    /// Bytes were handed to the OS for `peer` (`client` set in server mode), as `origin`
    /// asked.
    Sent {
        peer: SocketAddr,
        client: Option<ClientId>,
        bytes: Vec<u8>,
        origin: SendOrigin,
    },
    /// UDP: the OS dropped datagrams for this socket because its receive buffer was full;
    /// `total` since the socket opened. Reported as it grows, at most about once a second.
    Dropped { total: u64 },
    /// A send of `origin`'s could not be done; nothing of it was put on the wire.
    SendFailed {
        peer: Option<SocketAddr>,
        error: NetError,
        origin: SendOrigin,
    },
    /// A failure that does not end the session (e.g. accept failed, listen failed).
    Warning(NetError),
    /// The cyclic send's sends so far; `running` is false once it ended or was stopped.
    CycleProgress { sent: u64, running: bool },
    /// The replay's messages sent so far, of `total`; `running` is false once all went or it
    /// was stopped.
    ReplayProgress {
        sent: u64,
        total: u64,
        running: bool,
        paused: bool,
    },
    /// Send file: bytes of the file handed to the socket so far, of `total`; `running` is
    /// false once all went, or it was cancelled, or reading failed (reported before).
    FileProgress {
        sent: u64,
        total: u64,
        running: bool,
    },
    /// Relay: the client `id` (a pair) is connected to its upstream, from `local` to
    /// `upstream`; bytes flow both ways from now on.
    UpstreamConnected {
        id: ClientId,
        upstream: SocketAddr,
        local: SocketAddr,
    },
    /// Relay: the TLS handshake the relay ended with pair `id`'s upstream is over (the
    /// client's is [`EventKind::Secured`]).
    UpstreamSecured {
        id: ClientId,
        peer: SocketAddr,
        session: Box<super::TlsSession>,
    },
    /// Relay: bytes read from one side of pair `id` (whose client is `peer`), on their way to
    /// the other side. Reported as they are read, so the log keeps the order they arrived in.
    Forwarded {
        id: ClientId,
        peer: SocketAddr,
        toward: Toward,
        bytes: Vec<u8>,
        /// They went on as read; `false`: a rewrite rule changed or dropped them
        /// ([`EventKind::Rewritten`] follows).
        went_on: bool,
    },
    /// Relay: rewrite rule `rule` (from 0) matched the read just forwarded `toward` one side
    /// of pair `id`: `bytes` went on instead, or nothing (`None`: dropped).
    Rewritten {
        id: ClientId,
        peer: SocketAddr,
        toward: Toward,
        rule: usize,
        bytes: Option<Vec<u8>>,
    },
    /// Relay: a read of pair `id` (whose client is `peer`) waits `toward` one side for the
    /// script's verdict (the gate is on): `bytes` as they would go on.
    Gated {
        id: ClientId,
        peer: SocketAddr,
        toward: Toward,
        /// The read's number, which its verdict names.
        number: u64,
        bytes: Vec<u8>,
    },
    /// Relay: the script's verdict on a gated read was not "as it is": `bytes` went on in its
    /// place, or nothing (`None`: dropped).
    ScriptChanged {
        id: ClientId,
        peer: SocketAddr,
        toward: Toward,
        bytes: Option<Vec<u8>>,
    },
    /// Relay: bytes of `origin`'s put into pair `id` (whose client is `peer`) `toward` one
    /// side, written to its socket whole.
    Injected {
        id: ClientId,
        peer: SocketAddr,
        toward: Toward,
        bytes: Vec<u8>,
        origin: SendOrigin,
    },
    /// Relay: one side of pair `id` finished sending (FIN), and once everything it sent was
    /// written, the relay finished sending `toward` the other side too.
    HalfClosed {
        id: ClientId,
        peer: SocketAddr,
        toward: Toward,
    },
    /// Relay: what is held `toward` one side, over every pair, and whether the relay holds
    /// it; said when it changes (at most once per turn of the worker).
    Held {
        toward: Toward,
        holding: bool,
        reads: usize,
        bytes: usize,
    },
    /// Relay: bytes read from one side that wait for the other to take them, per direction;
    /// said when a backlog starts, ends, or changes much (at most a few times a second).
    Backlog {
        id: ClientId,
        to_upstream: usize,
        to_client: usize,
    },
    /// The session is over and the worker has stopped; says why.
    Closed(CloseReason),
}

/// Relay: which way bytes went through a pair.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Toward {
    /// From the client, to the upstream.
    Upstream,
    /// From the upstream, back to the client.
    #[default]
    Client,
}

impl Toward {
    /// The other way.
    pub fn back(self) -> Self {
        match self {
            Self::Upstream => Self::Client,
            Self::Client => Self::Upstream,
        }
    }
}

/// Why a connection or session ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CloseReason {
    /// The user asked for it.
    Requested,
    /// The peer closed its side (orderly FIN / end of stream).
    PeerClosed,
    /// The server stopped listening and has no clients left.
    Idle,
    /// UDP relay: no datagram went either way for this long, so the client was forgotten.
    Quiet { after: Duration },
    /// It failed.
    Failed(NetError),
}

impl fmt::Display for CloseReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Requested => f.write_str("closed by user"),
            Self::PeerClosed => f.write_str("closed by peer"),
            Self::Idle => f.write_str("stopped listening, no clients left"),
            Self::Quiet { after } => {
                write!(f, "no datagram either way for {:.1} s", after.as_secs_f64())
            }
            Self::Failed(error) => write!(f, "{error}"),
        }
    }
}

/// A network failure, sorted into the cases a user needs to tell apart.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NetError {
    #[error("cannot resolve host '{host}': {detail}")]
    Dns { host: String, detail: String },
    #[error("connection refused by {peer}")]
    Refused { peer: SocketAddr },
    #[error("timed out after {:.1} s connecting to {target}", after.as_secs_f64())]
    TimedOut { target: String, after: Duration },
    #[error("connection reset by peer")]
    Reset,
    #[error("address {addr} is already in use")]
    AddrInUse { addr: SocketAddr },
    #[error("permission denied for {addr} (ports below 1024 need privileges)")]
    PermissionDenied { addr: SocketAddr },
    #[error("address {addr} is not available on this machine")]
    AddrNotAvailable { addr: SocketAddr },
    #[error(
        "out of file descriptors: serving the {clients} clients connected, new clients wait until some leave"
    )]
    OutOfDescriptors { clients: usize },
    #[error(
        "{peer} is not reading: {queued_mib} MiB already wait to be sent to it, this send is dropped"
    )]
    Backlog { peer: SocketAddr, queued_mib: usize },
    #[error(
        "{queued_mib} MiB of datagrams already wait to be sent (the socket's buffer is full, or a name lookup is slow): this send is dropped"
    )]
    DatagramBacklog { queued_mib: usize },
    #[error("no destination: set a remote host and port, or wait for a datagram to reply to")]
    NoDestination,
    #[error("not connected")]
    NotConnected,
    #[error("cannot connect from {local} to {peer}: not the same IP version")]
    LocalFamily { local: SocketAddr, peer: SocketAddr },
    #[error("cannot join {group}: {detail}")]
    Join { group: String, detail: String },
    #[error("{limit} delayed replies are already waiting: this one is dropped")]
    DelayedFull { limit: usize },
    #[error("{to} is a broadcast address: turn Broadcast on to send to it")]
    BroadcastOff { to: SocketAddr },
    #[error("TLS: {0}")]
    Tls(super::TlsFailure),
    #[error("cannot use the TLS certificate: {detail}")]
    TlsIdentity { detail: String },
    #[error("{context}: {detail}")]
    Io { context: String, detail: String },
    /// Relay: a pair cut on purpose (a fault asked for) once `after` bytes went `toward` one
    /// side.
    #[error("cut after {after} bytes (a fault asked for)")]
    Cut { after: u64, toward: Toward },
    /// Relay: bytes read from one side of a pair (held, delayed or not yet written) that the
    /// other side never got: the pair ended first.
    #[error("{bytes} bytes read from one side of {peer}'s pair were not delivered: it ended first")]
    Undelivered { peer: SocketAddr, bytes: usize },
    /// UDP relay: datagrams dropped `toward` one side of `peer`'s pair, because a window's
    /// worth already waited there (UDP cannot slow its sender).
    #[error(
        "{datagrams} datagrams of {peer}'s pair were dropped: 256 KiB already waited on their way"
    )]
    DatagramsDropped {
        peer: SocketAddr,
        toward: Toward,
        datagrams: u64,
    },
    /// UDP relay: `limit` clients already have a pair; a new client's datagrams are dropped
    /// until one is forgotten.
    #[error(
        "{limit} clients already have a pair: datagrams from new clients are dropped until one is forgotten"
    )]
    PairLimit { limit: usize },
    /// Relay: a send into a pair toward a side that was already told the other finished.
    #[error("the relay already passed a FIN toward that side: nothing more can be sent to it")]
    FinishedToward { toward: Toward },
    /// Relay: a pair cut by rewrite rule `rule` (from 0).
    #[error("cut by rewrite rule {}", rule + 1)]
    CutByRule { rule: usize, toward: Toward },
    /// Relay: what went wrong on the upstream side of a pair.
    #[error("upstream {target}: {error}")]
    Upstream {
        target: String,
        error: Box<NetError>,
    },
}

impl NetError {
    /// Sorts an I/O error from binding `addr` into the cases users need to tell apart.
    pub fn from_bind(addr: SocketAddr, error: &io::Error) -> Self {
        match error.kind() {
            io::ErrorKind::AddrInUse => Self::AddrInUse { addr },
            io::ErrorKind::PermissionDenied => Self::PermissionDenied { addr },
            io::ErrorKind::AddrNotAvailable => Self::AddrNotAvailable { addr },
            _ => Self::io(format!("cannot bind {addr}"), error),
        }
    }

    /// Sorts an I/O error on an established connection.
    pub fn from_stream(context: &str, error: &io::Error) -> Self {
        if let Some(failure) = super::tls::failure_of(error) {
            return Self::Tls(failure);
        }
        match error.kind() {
            io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe => Self::Reset,
            _ => Self::io(context, error),
        }
    }

    pub fn io(context: impl Into<String>, error: &io::Error) -> Self {
        Self::Io {
            context: context.into(),
            detail: error.to_string(),
        }
    }
}
