//! A session's state without any UI: its status, clients, counters and log of raw bytes.
//! [`Session::apply`] is the one place worker events change it.

mod entry;
mod store;

use std::net::SocketAddr;
use std::time::SystemTime;

pub use entry::{Direction, EntryKind, LogEntry, Mode};
pub use store::{DEFAULT_CAP_BYTES, HEX_BYTES_PER_LINE, Layout, LineRef, LogStore, line_count};

use crate::net::{ClientId, CloseReason, Event, EventKind};

/// Where a session stands, as far as the UI needs to know.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Status {
    /// No worker.
    #[default]
    Idle,
    /// A worker started and has not reported yet (TCP client: resolving the name).
    Starting,
    /// TCP client: trying this address.
    Connecting { peer: SocketAddr },
    /// TCP client: connected.
    Connected { local: SocketAddr, peer: SocketAddr },
    /// TCP server: accepting.
    Listening { local: SocketAddr },
    /// TCP server: not accepting, but clients are still connected.
    Serving,
    /// UDP: bound.
    Open { local: SocketAddr },
}

impl Status {
    /// A worker is running (or starting).
    pub fn is_active(&self) -> bool {
        *self != Self::Idle
    }
}

/// Bytes and messages each way since the last reset.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    pub rx_bytes: u64,
    pub tx_bytes: u64,
    pub rx_messages: u64,
    pub tx_messages: u64,
}

/// One connected client of a TCP server session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientInfo {
    pub id: ClientId,
    pub peer: SocketAddr,
    pub connected_at: SystemTime,
    pub bytes_in: u64,
    pub bytes_out: u64,
}

pub struct Session {
    pub mode: Mode,
    pub status: Status,
    /// Why the last session ended, until a new one starts.
    pub last_end: Option<CloseReason>,
    pub counters: Counters,
    /// TCP server: connected clients, in order of arrival.
    pub clients: Vec<ClientInfo>,
    pub log: LogStore,
}

impl Session {
    pub fn new(mode: Mode) -> Self {
        Self {
            mode,
            status: Status::Idle,
            last_end: None,
            counters: Counters::default(),
            clients: Vec::new(),
            log: LogStore::default(),
        }
    }

    /// A worker was started for this session.
    pub fn started(&mut self) {
        self.status = Status::Starting;
        self.last_end = None;
    }

    /// Logs a message of the UI's own (not from a worker), e.g. a failed save.
    pub fn note(&mut self, kind: EntryKind) -> &LogEntry {
        self.push(LogEntry::new(SystemTime::now(), None, kind))
    }

    fn push(&mut self, entry: LogEntry) -> &LogEntry {
        self.log.push(entry)
    }

    /// Applies one worker event and returns the log entry it made.
    pub fn apply(&mut self, event: Event) -> &LogEntry {
        let Event { time, kind } = event;
        let info = |text: String| EntryKind::Info(text);
        let (peer, kind) = match kind {
            EventKind::Connecting { peer } => {
                self.status = Status::Connecting { peer };
                (Some(peer), info(format!("Connecting to {peer}…")))
            }
            EventKind::Connected { local, peer } => {
                self.status = Status::Connected { local, peer };
                (
                    Some(peer),
                    info(format!("Connected to {peer} from {local}")),
                )
            }
            EventKind::Listening { local } => {
                self.status = Status::Listening { local };
                (None, info(format!("Listening on {local}")))
            }
            EventKind::ListenStopped { local } => {
                self.status = Status::Serving;
                let clients = self.clients.len();
                let text =
                    format!("Stopped listening on {local}; {clients} client(s) stay connected");
                (None, info(text))
            }
            EventKind::Opened { local } => {
                self.status = Status::Open { local };
                (None, info(format!("Opened UDP socket on {local}")))
            }
            EventKind::ClientConnected { id, peer } => {
                let client = ClientInfo {
                    id,
                    peer,
                    connected_at: time,
                    bytes_in: 0,
                    bytes_out: 0,
                };
                self.clients.push(client);
                (Some(peer), info("Client connected".to_owned()))
            }
            EventKind::ClientDisconnected { id, peer, reason } => {
                self.clients.retain(|client| client.id != id);
                let text = format!("Client disconnected: {reason}");
                let kind = match reason {
                    CloseReason::Failed(_) => EntryKind::Error(text),
                    _ => info(text),
                };
                (Some(peer), kind)
            }
            EventKind::Received {
                peer,
                client,
                bytes,
            } => {
                self.counters.rx_bytes += bytes.len() as u64;
                self.counters.rx_messages += 1;
                self.client_traffic(client, |c| c.bytes_in += bytes.len() as u64);
                (Some(peer), EntryKind::Rx(bytes))
            }
            EventKind::Sent {
                peer,
                client,
                bytes,
            } => {
                self.counters.tx_bytes += bytes.len() as u64;
                self.counters.tx_messages += 1;
                self.client_traffic(client, |c| c.bytes_out += bytes.len() as u64);
                (Some(peer), EntryKind::Tx(bytes))
            }
            EventKind::SendFailed { peer, error } => {
                (peer, EntryKind::Error(format!("Send failed: {error}")))
            }
            EventKind::Warning(error) => (None, EntryKind::Error(error.to_string())),
            EventKind::Closed(reason) => {
                let kind = self.closed_message(&reason);
                self.status = Status::Idle;
                self.clients.clear();
                self.last_end = Some(reason);
                (None, kind)
            }
        };
        self.push(LogEntry::new(time, peer, kind))
    }

    fn closed_message(&self, reason: &CloseReason) -> EntryKind {
        let what = match self.mode {
            Mode::TcpClient => "Connection",
            Mode::TcpServer => "Server",
            Mode::Udp => "UDP socket",
        };
        match reason {
            CloseReason::Failed(error) => {
                let failed_to_start =
                    matches!(self.status, Status::Starting | Status::Connecting { .. });
                let verb = if failed_to_start {
                    "could not start"
                } else {
                    "failed"
                };
                EntryKind::Error(format!("{what} {verb}: {error}"))
            }
            other => EntryKind::Info(format!("{what} closed: {other}")),
        }
    }

    fn client_traffic(&mut self, id: Option<ClientId>, update: impl FnOnce(&mut ClientInfo)) {
        if let Some(client) = id.and_then(|id| self.clients.iter_mut().find(|c| c.id == id)) {
            update(client);
        }
    }
}
