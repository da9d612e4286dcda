//! One line of a session's log: raw bytes (or a message) with when, which way and which peer.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::time::SystemTime;

use crate::codec::TextEncoding;

/// The kinds of session, one per tab.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Mode {
    TcpClient,
    TcpServer,
    Udp,
    /// Between clients and their upstream server: both sides in one log.
    Relay,
}

impl Mode {
    pub const ALL: [Self; 4] = [Self::TcpClient, Self::TcpServer, Self::Udp, Self::Relay];

    /// The name used in log files and on the command line: `tcp-client`, `tcp-server`, `udp`,
    /// `relay`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TcpClient => "tcp-client",
            Self::TcpServer => "tcp-server",
            Self::Udp => "udp",
            Self::Relay => "relay",
        }
    }

    /// Accepts clients (a TCP server, or a relay): it has a client list.
    pub fn has_clients(self) -> bool {
        matches!(self, Self::TcpServer | Self::Relay)
    }
}

/// The tab label.
impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::TcpClient => "TCP Client",
            Self::TcpServer => "TCP Server",
            Self::Udp => "UDP",
            Self::Relay => "Relay",
        })
    }
}

/// Which way an entry went, or whether it is a status message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    Rx,
    Tx,
    /// Relay: from a client, on its way to the upstream.
    ToUpstream,
    /// Relay: from the upstream, on its way back to the client.
    ToClient,
    Info,
    Error,
}

impl Direction {
    /// The name used in log files: `rx`, `tx`, `info`, `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rx => "rx",
            Self::Tx => "tx",
            Self::ToUpstream => "to-upstream",
            Self::ToClient => "to-client",
            Self::Info => "info",
            Self::Error => "error",
        }
    }

    /// The short label shown in the log view: `RX`, `TX`, `C->U`, `U->C`, `INFO`, `ERROR`.
    pub fn label(self) -> &'static str {
        match self {
            Self::Rx => "RX",
            Self::Tx => "TX",
            Self::ToUpstream => "C->U",
            Self::ToClient => "U->C",
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
    /// Relay: forwarded from a client to its upstream.
    ToUpstream(Vec<u8>),
    /// Relay: forwarded from the upstream to its client.
    ToClient(Vec<u8>),
    /// Relay: put into a pair toward the upstream from the send box (or a rule), as if the
    /// client had sent it.
    InjectedToUpstream(Vec<u8>),
    /// Relay: put into a pair toward the client, as if the upstream had sent it.
    InjectedToClient(Vec<u8>),
    Info(String),
    Error(String),
}

impl EntryKind {
    /// The status message, for info and error entries.
    pub fn message(&self) -> Option<&str> {
        match self {
            Self::Info(text) | Self::Error(text) => Some(text),
            _ => None,
        }
    }

    /// The bytes that crossed the wire, for every kind but status messages: the one place
    /// that lists the kinds of data.
    fn data(&self) -> Option<&[u8]> {
        match self {
            Self::Rx(bytes)
            | Self::Tx(bytes)
            | Self::AutoTx(bytes)
            | Self::ToUpstream(bytes)
            | Self::ToClient(bytes)
            | Self::InjectedToUpstream(bytes)
            | Self::InjectedToClient(bytes) => Some(bytes),
            Self::Info(_) | Self::Error(_) => None,
        }
    }

    pub fn tag(&self) -> EntryTag {
        match self {
            Self::Rx(_) => EntryTag::Rx,
            Self::Tx(_) => EntryTag::Tx,
            Self::AutoTx(_) => EntryTag::AutoTx,
            Self::ToUpstream(_) => EntryTag::ToUpstream,
            Self::ToClient(_) => EntryTag::ToClient,
            Self::InjectedToUpstream(_) => EntryTag::InjectedToUpstream,
            Self::InjectedToClient(_) => EntryTag::InjectedToClient,
            Self::Info(_) => EntryTag::Info,
            Self::Error(_) => EntryTag::Error,
        }
    }

    /// The bytes or the message's text, and the kind they were: how a store keeps an entry.
    pub(crate) fn into_parts(self) -> (EntryTag, Vec<u8>) {
        let tag = self.tag();
        let payload = match self {
            Self::Rx(bytes)
            | Self::Tx(bytes)
            | Self::AutoTx(bytes)
            | Self::ToUpstream(bytes)
            | Self::ToClient(bytes)
            | Self::InjectedToUpstream(bytes)
            | Self::InjectedToClient(bytes) => bytes,
            Self::Info(text) | Self::Error(text) => text.into_bytes(),
        };
        (tag, payload)
    }
}

/// An entry's kind without its payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EntryTag {
    Rx,
    Tx,
    /// Sent by an auto-reply rule.
    AutoTx,
    ToUpstream,
    ToClient,
    /// Relay: from the send box (or a rule) into a pair.
    InjectedToUpstream,
    InjectedToClient,
    Info,
    Error,
}

impl EntryTag {
    pub fn direction(self) -> Direction {
        match self {
            Self::Rx => Direction::Rx,
            Self::Tx | Self::AutoTx => Direction::Tx,
            Self::ToUpstream | Self::InjectedToUpstream => Direction::ToUpstream,
            Self::ToClient | Self::InjectedToClient => Direction::ToClient,
            Self::Info => Direction::Info,
            Self::Error => Direction::Error,
        }
    }

    /// Whether the payload is bytes that crossed the wire (not a status message).
    pub fn is_data(self) -> bool {
        matches!(
            self,
            Self::Rx
                | Self::Tx
                | Self::AutoTx
                | Self::ToUpstream
                | Self::ToClient
                | Self::InjectedToUpstream
                | Self::InjectedToClient
        )
    }

    /// The direction column: the direction, AUTO for an auto-reply, or TX>U and TX>C for what
    /// the relay's user put into a pair.
    pub fn label(self) -> &'static str {
        match self {
            Self::AutoTx => "AUTO",
            Self::InjectedToUpstream => "TX>U",
            Self::InjectedToClient => "TX>C",
            _ => self.direction().label(),
        }
    }
}

/// One event of a session, as kept in the log store and written to log files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogEntry {
    pub time: SystemTime,
    pub peer: Option<SocketAddr>,
    /// UDP on a wildcard address: where a datagram was sent (this host, a broadcast, a group).
    pub to: Option<IpAddr>,
    /// This end of the conversation (the connection's or the socket's address), where known:
    /// what a pcapng record needs beside the peer. A relay's read that a rewrite rule kept
    /// from going on toward the client has none: it never crossed the client's connection.
    pub local: Option<SocketAddr>,
    pub kind: EntryKind,
    /// A send's text encoding: it is shown in it, whatever the view's (see [`SendOrigin`]).
    ///
    /// [`SendOrigin`]: crate::net::SendOrigin
    pub written_in: Option<TextEncoding>,
    /// Relay: the pair's upstream connection, the upstream's address and this end's, which
    /// the bytes crossed too (a `.pcapng` recording writes both legs). Not kept in the log.
    pub via: Option<(SocketAddr, SocketAddr)>,
}

impl LogEntry {
    pub fn new(time: SystemTime, peer: Option<SocketAddr>, kind: EntryKind) -> Self {
        Self {
            time,
            peer,
            to: None,
            local: None,
            kind,
            written_in: None,
            via: None,
        }
    }

    /// The same entry, having crossed a relay's upstream connection too.
    #[must_use]
    pub fn via(self, via: Option<(SocketAddr, SocketAddr)>) -> Self {
        Self { via, ..self }
    }

    /// The same entry, sent to `to`.
    #[must_use]
    pub fn sent_to(self, to: Option<IpAddr>) -> Self {
        Self { to, ..self }
    }

    /// The same entry, with this end's address.
    #[must_use]
    pub fn at(self, local: Option<SocketAddr>) -> Self {
        Self { local, ..self }
    }

    /// The same entry, sent as text in `written_in`.
    #[must_use]
    pub fn written_in(self, written_in: Option<TextEncoding>) -> Self {
        Self { written_in, ..self }
    }

    pub fn direction(&self) -> Direction {
        self.kind.tag().direction()
    }

    /// The bytes that crossed the wire; empty for status messages.
    pub fn bytes(&self) -> &[u8] {
        self.kind.data().unwrap_or_default()
    }

    /// The status message, for info and error entries.
    pub fn message(&self) -> Option<&str> {
        self.kind.message()
    }

    /// The direction column: the direction, or AUTO for an auto-reply.
    pub fn label(&self) -> &'static str {
        self.kind.tag().label()
    }

    /// The same entry, borrowed the way a store hands its entries out.
    pub fn entry_ref(&self) -> EntryRef<'_> {
        let message = self.kind.message().map(str::as_bytes);
        let payload = self.kind.data().or(message).unwrap_or_default();
        EntryRef::new(self.time, self.peer, self.kind.tag(), payload)
            .sent_to(self.to)
            .at(self.local)
            .written_in(self.written_in)
    }
}

/// A stored entry, borrowed: its bytes (or message) stay where the store keeps them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EntryRef<'a> {
    pub time: SystemTime,
    pub peer: Option<SocketAddr>,
    /// Where a datagram was sent, when the socket said (see [`LogEntry::to`]).
    pub to: Option<IpAddr>,
    /// This end's address (see [`LogEntry::local`]).
    pub local: Option<SocketAddr>,
    pub tag: EntryTag,
    /// A send's text encoding (see [`LogEntry::written_in`]).
    pub written_in: Option<TextEncoding>,
    /// The bytes; for a status message, its UTF-8 text.
    payload: &'a [u8],
}

impl<'a> EntryRef<'a> {
    pub(crate) fn new(
        time: SystemTime,
        peer: Option<SocketAddr>,
        tag: EntryTag,
        payload: &'a [u8],
    ) -> Self {
        Self {
            time,
            peer,
            to: None,
            local: None,
            tag,
            written_in: None,
            payload,
        }
    }

    /// The same entry, sent to `to`.
    #[must_use]
    pub(crate) fn sent_to(self, to: Option<IpAddr>) -> Self {
        Self { to, ..self }
    }

    /// The same entry, with this end's address.
    #[must_use]
    pub(crate) fn at(self, local: Option<SocketAddr>) -> Self {
        Self { local, ..self }
    }

    /// The same entry, sent as text in `written_in`.
    #[must_use]
    pub(crate) fn written_in(self, written_in: Option<TextEncoding>) -> Self {
        Self { written_in, ..self }
    }

    /// The encoding its data is shown in: a send's own, else the view's `encoding`.
    pub fn shown_in(&self, encoding: TextEncoding) -> TextEncoding {
        self.written_in.unwrap_or(encoding)
    }

    /// The peer column: `192.0.2.7:5000`, or with where it was sent,
    /// `192.0.2.7:5000 → 239.1.2.3`; empty without a peer.
    pub fn peer_text(&self) -> String {
        endpoint_text(self.peer, self.to)
    }

    /// The peer column of the log view, in its monospace font: `192.0.2.7:5000 -> 239.1.2.3`.
    /// An arrow of ASCII: "→" falls back to a wider, proportional font there, and the data
    /// after it moved off its column.
    pub fn peer_column(&self) -> String {
        match (self.peer, self.to) {
            (Some(peer), Some(to)) => format!("{peer} -> {to}"),
            _ => self.peer_text(),
        }
    }

    pub fn direction(&self) -> Direction {
        self.tag.direction()
    }

    /// The bytes that crossed the wire; empty for status messages.
    pub fn bytes(&self) -> &'a [u8] {
        if self.tag.is_data() {
            self.payload
        } else {
            &[]
        }
    }

    /// The status message, for info and error entries.
    pub fn message(&self) -> Option<&'a str> {
        // Messages are stored from `String`s, so the bytes are always UTF-8.
        (!self.tag.is_data()).then(|| std::str::from_utf8(self.payload).unwrap_or_default())
    }

    /// The direction column: the direction, or AUTO for an auto-reply.
    pub fn label(&self) -> &'static str {
        self.tag.label()
    }

    /// An owned copy, e.g. for a snapshot written to a file on another thread.
    pub fn to_entry(&self) -> LogEntry {
        let bytes = self.payload.to_vec();
        let kind = match self.tag {
            EntryTag::Rx => EntryKind::Rx(bytes),
            EntryTag::Tx => EntryKind::Tx(bytes),
            EntryTag::AutoTx => EntryKind::AutoTx(bytes),
            EntryTag::ToUpstream => EntryKind::ToUpstream(bytes),
            EntryTag::ToClient => EntryKind::ToClient(bytes),
            EntryTag::InjectedToUpstream => EntryKind::InjectedToUpstream(bytes),
            EntryTag::InjectedToClient => EntryKind::InjectedToClient(bytes),
            EntryTag::Info => EntryKind::Info(String::from_utf8_lossy(&bytes).into_owned()),
            EntryTag::Error => EntryKind::Error(String::from_utf8_lossy(&bytes).into_owned()),
        };
        LogEntry::new(self.time, self.peer, kind)
            .sent_to(self.to)
            .at(self.local)
            .written_in(self.written_in)
    }
}

/// See [`EntryRef::peer_text`].
pub fn endpoint_text(peer: Option<SocketAddr>, to: Option<IpAddr>) -> String {
    match (peer, to) {
        (Some(peer), Some(to)) => format!("{peer} → {to}"),
        (Some(peer), None) => peer.to_string(),
        (None, _) => String::new(),
    }
}
