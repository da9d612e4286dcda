//! Where a session stands: its status, and how the status line and the log say it.

use std::net::SocketAddr;

use super::{EntryKind, Mode, Session};
use crate::i18n::Language;
use crate::net::CloseReason;
use crate::tr;
use crate::units::group_digits;

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
    pub fn status_text(&self, lang: Language) -> String {
        let text = match &self.status {
            Status::Idle => match (&self.last_end_text, self.mode) {
                (Some(end), _) => return end.clone(),
                (None, Mode::TcpClient) => tr!(lang, "status.not_connected"),
                (None, Mode::TcpServer) => tr!(lang, "status.not_listening"),
                (None, Mode::Udp) => tr!(lang, "status.closed"),
            },
            Status::Starting if self.mode == Mode::TcpClient => tr!(lang, "status.resolving"),
            Status::Starting => tr!(lang, "status.starting"),
            Status::Connecting { peer } => tr!(lang, "status.connecting", peer = peer),
            Status::Connected { local, peer } => {
                tr!(lang, "status.connected", local = local, peer = peer)
            }
            Status::Listening { local } => {
                let clients = self.client_count(lang);
                tr!(lang, "status.listening", local = local, clients = clients)
            }
            Status::Serving => {
                let clients = self.client_count(lang);
                tr!(lang, "status.serving", clients = clients)
            }
            Status::Open { local } => tr!(lang, "status.open", local = local),
        };
        text.into_owned()
    }

    /// "1 client", "3 clients".
    fn client_count(&self, lang: Language) -> std::borrow::Cow<'static, str> {
        let count = group_digits(self.clients.len() as u64);
        match self.clients.len() {
            1 => tr!(lang, "status.clients_one", count = count),
            _ => tr!(lang, "status.clients_other", count = count),
        }
    }
}
