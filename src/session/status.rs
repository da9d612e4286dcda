//! Where a session stands: its status, and how the status line and the log say it.

use std::net::SocketAddr;

use super::{EntryKind, Mode, Session};
use crate::i18n::{Language, tr};
use crate::net::CloseReason;
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
    /// TCP client: connected, and the peer closed its sending side (it may still read).
    PeerFinished { local: SocketAddr, peer: SocketAddr },
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
            (Mode::Relay, true, true) => tr!(lang, "relay.events.listen_failed", reason = why),
            (Mode::Relay, true, false) => tr!(lang, "relay.events.failed", reason = why),
            (Mode::Relay, false, _) => tr!(lang, "relay.events.stopped", reason = why),
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
                (None, Mode::TcpServer | Mode::Relay) => tr!(lang, "status.not_listening"),
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
            Status::PeerFinished { local, peer } => {
                tr!(
                    lang,
                    "faults.status_peer_finished",
                    local = local,
                    peer = peer
                )
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

    /// A TCP peer closed its sending side: sends go on, and the status says so (TCP client).
    pub(super) fn peer_finished(
        &mut self,
        peer: SocketAddr,
        client: bool,
        linger: std::time::Duration,
    ) -> (Option<SocketAddr>, EntryKind) {
        let lang = self.language;
        if let Status::Connected { local, peer } = self.status {
            self.status = Status::PeerFinished { local, peer };
        }
        let seconds = linger.as_secs();
        let text = if client {
            tr!(lang, "faults.client_finished", seconds = seconds)
        } else {
            tr!(lang, "faults.peer_finished", seconds = seconds)
        };
        (Some(peer), EntryKind::Info(text.into_owned()))
    }

    /// "1 client", "3 clients".
    fn client_count(&self, lang: Language) -> std::borrow::Cow<'static, str> {
        let count = group_digits(self.clients.len() as u64);
        match (self.mode, self.clients.len()) {
            (Mode::Relay, 1) => tr!(lang, "relay.pairs_one", count = count),
            (Mode::Relay, _) => tr!(lang, "relay.pairs_other", count = count),
            (_, 1) => tr!(lang, "status.clients_one", count = count),
            _ => tr!(lang, "status.clients_other", count = count),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::net::{ClientId, Event, EventKind};
    use crate::session::{Framing, Stage};

    /// Applies `kind` and returns what the log says of it.
    fn said(session: &mut Session, kind: EventKind) -> Option<String> {
        let mut stage = Stage::new(session.mode, Framing::PerRead);
        let mut said = None;
        session.apply(&mut stage, Event::now(kind), |entry| {
            said = entry.kind.message().map(str::to_owned);
        });
        said
    }

    #[test]
    fn a_peer_that_finished_sending_keeps_the_client_connected_and_the_status_says_so() {
        let (local, peer) = (([127, 0, 0, 1], 40000).into(), ([127, 0, 0, 1], 7).into());
        let mut session = Session::new(Mode::TcpClient);
        session.set_language(Language::English);
        said(&mut session, EventKind::Connected { local, peer });
        let linger = Duration::from_secs(5);
        let text = said(
            &mut session,
            EventKind::PeerFinished {
                peer,
                client: None,
                linger,
            },
        );
        assert_eq!(
            text.as_deref(),
            Some(
                "The peer closed its sending side; you can still send (the connection closes after 5 s without a send)"
            )
        );
        assert_eq!(session.status, Status::PeerFinished { local, peer });
        assert!(
            session
                .status_text(Language::English)
                .ends_with("the peer closed its sending side, you can still send")
        );
        session.set_language(Language::SimplifiedChinese);
        assert!(
            session
                .status_text(Language::SimplifiedChinese)
                .contains("仍可发送")
        );
    }

    #[test]
    fn a_server_client_that_finished_sending_is_said_in_the_log_only() {
        let mut session = Session::new(Mode::TcpServer);
        session.set_language(Language::English);
        let local = ([127, 0, 0, 1], 9000).into();
        said(&mut session, EventKind::Listening { local });
        let peer = ([127, 0, 0, 1], 50000).into();
        let id = ClientId(1);
        said(&mut session, EventKind::ClientConnected { id, peer, local });
        let finished = EventKind::PeerFinished {
            peer,
            client: Some(id),
            linger: Duration::from_secs(5),
        };
        let text = said(&mut session, finished).unwrap_or_default();
        assert!(
            text.starts_with("The client closed its sending side"),
            "{text}"
        );
        assert_eq!(session.status, Status::Listening { local });
        assert_eq!(session.clients.len(), 1, "still connected");
    }
}
