//! What a tab asks of its session's host thread: the one way the UI changes a session. Each
//! request is applied in the order sent, after everything the worker reported before it.

use std::net::SocketAddr;

use crossbeam_channel::Sender;

use super::auto_reply::AutoReplies;
use crate::codec::TextEncoding;
use crate::export::{RawFeed, RecordContext, RecordFeed};
use crate::i18n::Language;
use crate::net::{
    self, Command, RelayConfig, Stack, TcpClientConfig, TlsIdentity, UdpOptions, Worker,
};
use crate::session::{EntryKind, Framing, LogEntry};

/// A worker to start, from fields the UI has checked.
pub enum Launch {
    TcpClient(TcpClientConfig),
    TcpServer {
        local: SocketAddr,
        stack: Stack,
        tls: Option<TlsIdentity>,
    },
    Udp {
        local: SocketAddr,
        options: UdpOptions,
    },
    Relay(Box<RelayConfig>),
}

impl Launch {
    /// Where a server or socket listens: a worker still there can be told to listen again.
    /// (A UDP relay's worker ends as it stops listening: its socket carries the answers.)
    pub fn local(&self) -> Option<SocketAddr> {
        match self {
            Self::TcpClient(_) => None,
            Self::TcpServer { local, .. } | Self::Udp { local, .. } => Some(*local),
            Self::Relay(_) if self.datagrams() => None,
            Self::Relay(config) => Some(config.listen),
        }
    }

    /// Whether what the session carries comes in datagrams, each whole in itself.
    pub fn datagrams(&self) -> bool {
        match self {
            Self::Udp { .. } => true,
            Self::Relay(config) => matches!(config.transport, net::RelayTransport::Udp { .. }),
            Self::TcpClient(_) | Self::TcpServer { .. } => false,
        }
    }

    pub fn spawn(self) -> std::io::Result<Worker> {
        match self {
            Self::TcpClient(config) => net::spawn_tcp_client(config),
            Self::TcpServer { local, stack, tls } => net::spawn_tcp_server(local, stack, tls),
            Self::Udp { local, options } => net::spawn_udp(local, options),
            Self::Relay(config) => net::spawn_relay(*config),
        }
    }
}

pub enum Request {
    /// Start a session, or (a server or socket whose worker is still there) listen again.
    Start(Launch),
    /// Stop: a server stops listening, a connect in progress is given up, else the worker ends.
    Stop,
    /// For the worker; a cycle, a file or a replay it starts shows its progress from now on.
    Command(Command),
    /// A message of the tab's own, for the log and the files.
    Note(EntryKind),
    /// Entries from elsewhere, shown as they are: not counted, not recorded, not answered
    /// (a benchmark or a test filling the log).
    Load(Vec<LogEntry>),
    ClearLog,
    ResetCounters,
    ResetReplyTimes,
    /// How many bytes of entries the log keeps at most.
    KeepAtMost(usize),
    /// The display encoding, whose split characters the log links.
    ShowIn(TextEncoding),
    /// The language of what the session logs from now on.
    Language(Language),
    Framing(Framing),
    RecordContext(RecordContext),
    Replies(AutoReplies),
    /// The Record toggle's file, or none.
    Recording(Option<RecordFeed>),
    /// The Save data toggle's files, or none.
    RawData(Option<RawFeed>),
    /// The whole app's recording (`--log`), or none.
    RecordAll(Option<RecordFeed>),
    /// Let go of every file at once, so the same entry is the last of each.
    DetachFiles,
    /// Run this script in place of any running one, or (`None`) stop it.
    Script(Option<crate::script::ScriptSetup>),
    /// Stop the worker; the sender is dropped once its last events are in the session and the
    /// files (the one waiting for that gives up at a deadline of its own).
    Finish(Sender<()>),
}
