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
    /// TCP client with reconnect: waiting to try again (attempt `attempt`, of `limit` in a row).
    Retrying { attempt: u32, limit: Option<u32> },
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
        let lang = self.language;
        let starting = matches!(self.status, Status::Starting | Status::Connecting { .. });
        let why = super::messages::close_reason(reason, lang);
        let failed = matches!(reason, CloseReason::Failed(_));
        let text = match (self.mode, failed, starting) {
            (Mode::TcpClient, true, true) => {
                tr!(lang, "events.closed.connect_failed", reason = why)
            }
            (Mode::TcpClient, true, false) => {
                tr!(lang, "events.closed.connection_lost", reason = why)
            }
            (Mode::TcpClient, false, _) => tr!(lang, "events.closed.disconnected", reason = why),
            (Mode::TcpServer, true, true) => tr!(lang, "events.closed.listen_failed", reason = why),
            (Mode::TcpServer, true, false) => {
                tr!(lang, "events.closed.server_failed", reason = why)
            }
            (Mode::TcpServer, false, _) => tr!(lang, "events.closed.server_stopped", reason = why),
            (Mode::Udp, true, true) => tr!(lang, "events.closed.open_failed", reason = why),
            (Mode::Udp, true, false) => tr!(lang, "events.closed.udp_failed", reason = why),
            (Mode::Udp, false, _) => tr!(lang, "events.closed.udp_closed", reason = why),
        }
        .into_owned();
        if failed {
            EntryKind::Error(text)
        } else {
            EntryKind::Info(text)
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
            Status::Retrying {
                attempt,
                limit: Some(limit),
            } => tr!(lang, "status.retrying_of", attempt = attempt, limit = limit),
            Status::Retrying {
                attempt,
                limit: None,
            } => tr!(lang, "status.retrying", attempt = attempt),
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
