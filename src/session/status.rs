//! Where a session stands: its status, and how the status line and the log say it.

use std::net::SocketAddr;

use super::{EntryKind, Mode, Session};
use crate::net::CloseReason;
use crate::units::count;

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

impl Session {
    pub(super) fn closed_message(&self, reason: &CloseReason) -> EntryKind {
        let starting = matches!(self.status, Status::Starting | Status::Connecting { .. });
        let (failed_start, lost, closed) = match self.mode {
            Mode::TcpClient => ("Connect failed", "Connection lost", "Disconnected"),
            Mode::TcpServer => ("Listen failed", "Server failed", "Server stopped"),
            Mode::Udp => ("Open failed", "UDP socket failed", "UDP socket closed"),
        };
        match reason {
            CloseReason::Failed(error) if starting => {
                EntryKind::Error(format!("{failed_start}: {error}"))
            }
            CloseReason::Failed(error) => EntryKind::Error(format!("{lost}: {error}")),
            other => EntryKind::Info(format!("{closed}: {other}")),
        }
    }

    /// One line saying where the session stands, for the status line under the fields.
    pub fn status_text(&self) -> String {
        match &self.status {
            Status::Idle => self.last_end_text.clone().unwrap_or_else(|| {
                match self.mode {
                    Mode::TcpClient => "Not connected",
                    Mode::TcpServer => "Not listening",
                    Mode::Udp => "Closed",
                }
                .to_owned()
            }),
            Status::Starting => match self.mode {
                Mode::TcpClient => "Resolving…".to_owned(),
                Mode::TcpServer | Mode::Udp => "Starting…".to_owned(),
            },
            Status::Connecting { peer } => format!("Connecting to {peer}…"),
            Status::Connected { local, peer } => format!("Connected — local {local}, peer {peer}"),
            Status::Listening { local } => {
                format!(
                    "Listening on {local} — {}",
                    count(self.clients.len() as u64, "client")
                )
            }
            Status::Serving => {
                let clients = count(self.clients.len() as u64, "client");
                format!("Not listening — {clients} still connected")
            }
            Status::Open { local } => format!("Open on {local}"),
        }
    }
}
