//! One line of a session's log: raw bytes (or a message) with when, which way and which peer.

use std::fmt;
use std::net::SocketAddr;
use std::time::SystemTime;

/// The three kinds of session, one per tab.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Mode {
    TcpClient,
    TcpServer,
    Udp,
}

impl Mode {
    pub const ALL: [Self; 3] = [Self::TcpClient, Self::TcpServer, Self::Udp];

    /// The name used in log files and on the command line: `tcp-client`, `tcp-server`, `udp`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TcpClient => "tcp-client",
            Self::TcpServer => "tcp-server",
            Self::Udp => "udp",
        }
    }
}

/// The tab label.
impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::TcpClient => "TCP Client",
            Self::TcpServer => "TCP Server",
            Self::Udp => "UDP",
        })
    }
}

/// Which way an entry went, or whether it is a status message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    Rx,
    Tx,
    Info,
    Error,
}

impl Direction {
    /// The name used in log files: `rx`, `tx`, `info`, `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rx => "rx",
            Self::Tx => "tx",
            Self::Info => "info",
            Self::Error => "error",
        }
    }

    /// The short label shown in the log view: `RX`, `TX`, `INFO`, `ERROR`.
    pub fn label(self) -> &'static str {
        match self {
            Self::Rx => "RX",
            Self::Tx => "TX",
            Self::Info => "INFO",
            Self::Error => "ERROR",
        }
    }
}

/// What an entry holds: bytes that crossed the wire, or a status message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EntryKind {
    Rx(Vec<u8>),
    Tx(Vec<u8>),
    /// Sent by an auto-reply rule.
    AutoTx(Vec<u8>),
    Info(String),
    Error(String),
}

impl EntryKind {
    /// The status message, for info and error entries.
    pub fn message(&self) -> Option<&str> {
        match self {
            Self::Info(text) | Self::Error(text) => Some(text),
            Self::Rx(_) | Self::Tx(_) | Self::AutoTx(_) => None,
        }
    }
}

/// One event of a session, as kept in the log store and written to log files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogEntry {
    pub time: SystemTime,
    pub peer: Option<SocketAddr>,
    pub kind: EntryKind,
}

impl LogEntry {
    pub fn new(time: SystemTime, peer: Option<SocketAddr>, kind: EntryKind) -> Self {
        Self { time, peer, kind }
    }

    pub fn direction(&self) -> Direction {
        match self.kind {
            EntryKind::Rx(_) => Direction::Rx,
            EntryKind::Tx(_) | EntryKind::AutoTx(_) => Direction::Tx,
            EntryKind::Info(_) => Direction::Info,
            EntryKind::Error(_) => Direction::Error,
        }
    }

    /// The bytes that crossed the wire; empty for status messages.
    pub fn bytes(&self) -> &[u8] {
        match &self.kind {
            EntryKind::Rx(bytes) | EntryKind::Tx(bytes) | EntryKind::AutoTx(bytes) => bytes,
            EntryKind::Info(_) | EntryKind::Error(_) => &[],
        }
    }

    /// The status message, for info and error entries.
    pub fn message(&self) -> Option<&str> {
        self.kind.message()
    }

    /// The direction column: the direction, or AUTO for an auto-reply.
    pub fn label(&self) -> &'static str {
        match self.kind {
            EntryKind::AutoTx(_) => "AUTO",
            _ => self.direction().label(),
        }
    }
}
