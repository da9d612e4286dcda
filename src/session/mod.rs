//! A session's state without any UI: its status, clients, counters and log of raw bytes.
//! [`Session::apply`] is the one place worker events change it.

mod arena;
mod carry;
mod entry;
mod filter;
mod framing;
mod layout;
pub mod messages;
mod peers;
mod progress;
mod stage;
mod status;
mod store;
mod traffic;
mod view;

use crate::tr;
use crate::units::group_digits;
use std::net::SocketAddr;
use std::time::SystemTime;

pub use entry::{Direction, EntryKind, EntryRef, EntryTag, LogEntry, Mode, endpoint_text};
pub use filter::{FilterFields, FilterIndex, Matcher};
pub use framing::{Framer, Framing, MAX_FRAME};
pub use layout::{HEX_BYTES_PER_LINE, Layout, line_count};
pub use progress::{CycleState, FileState, ReplayState};
pub use stage::{Stage, Staged};
pub use status::Status;
pub use store::{DEFAULT_CAP_BYTES, LineRef, LogStore};
pub use traffic::{HISTORY_SECONDS, ReplyTimes, Sample, Series, Traffic};
pub use view::{Timestamps, ViewOptions};

use crate::i18n::Language;
use crate::net::{ClientId, CloseReason, Event, EventKind};

/// Bytes and messages each way since the last reset.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    pub rx_bytes: u64,
    pub tx_bytes: u64,
    pub rx_messages: u64,
    pub tx_messages: u64,
    /// UDP: datagrams the OS dropped because the socket's buffer was full.
    pub dropped: u64,
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
    /// The same, as the log said it.
    last_end_text: Option<String>,
    pub counters: Counters,
    /// Traffic per second and reply times, for the chart.
    pub traffic: Traffic,
    /// TCP server: connected clients, in order of arrival.
    pub clients: Vec<ClientInfo>,
    pub log: LogStore,
    /// The cyclic send: running, or how the last one ended.
    pub cycle: Option<CycleState>,
    /// Send file: running, or how the last one ended.
    pub file: Option<FileState>,
    /// Replay: running, or how the last one ended.
    pub replay: Option<ReplayState>,
    /// UDP: datagrams the OS dropped since the socket opened, as last reported.
    dropped_since_open: u64,
    /// The language of what the session writes in its log.
    language: Language,
    /// UDP: the multicast groups the socket is in.
    pub groups: Vec<crate::net::Group>,
}

impl Session {
    pub fn new(mode: Mode) -> Self {
        Self {
            mode,
            status: Status::Idle,
            last_end: None,
            last_end_text: None,
            counters: Counters::default(),
            traffic: Traffic::default(),
            clients: Vec::new(),
            log: LogStore::default(),
            cycle: None,
            file: None,
            replay: None,
            dropped_since_open: 0,
            language: Language::English,
            groups: Vec::new(),
        }
    }

    /// The language of the log's messages from now on; entries already logged keep theirs.
    pub fn set_language(&mut self, language: Language) {
        self.language = language;
    }

    pub fn language(&self) -> Language {
        self.language
    }

    /// A worker was started for this session.
    pub fn started(&mut self) {
        self.status = Status::Starting;
        self.cycle = None;
        self.file = None;
        self.replay = None;
        self.last_end = None;
        self.last_end_text = None;
        self.dropped_since_open = 0;
        self.groups.clear();
    }

    /// Logs a message of the UI's own (not from a worker), e.g. a failed save; `record` sees
    /// the entry first.
    pub fn note(&mut self, kind: EntryKind, record: impl FnOnce(&LogEntry)) {
        let entry = LogEntry::new(SystemTime::now(), None, kind);
        record(&entry);
        self.log.push(entry);
    }

    /// Applies one worker event, received and sent bytes through `stage` (with what waited
    /// there). `record` sees the log entry it makes, as it came (received bytes one read at a
    /// time); the view shows it through the framing.
    pub fn apply(&mut self, stage: &mut Stage, event: Event, mut record: impl FnMut(&LogEntry)) {
        let taken = stage.take(event, &mut record);
        if let Err(event) = taken {
            stage.ahead_of(&event);
            self.absorb(stage);
            self.apply_status(event, record);
        } else {
            self.absorb(stage);
        }
    }

    /// Applies an event that is not received or sent bytes.
    fn apply_status(&mut self, event: Event, record: impl FnOnce(&LogEntry)) {
        let Event { time, kind } = event;
        let lang = self.language;
        let info = |text: std::borrow::Cow<'static, str>| EntryKind::Info(text.into_owned());
        let (peer, kind) = match kind {
            EventKind::Connecting { peer } => {
                self.status = Status::Connecting { peer };
                (
                    Some(peer),
                    info(tr!(lang, "events.connecting", peer = peer)),
                )
            }
            EventKind::Connected { local, peer } => {
                self.status = Status::Connected { local, peer };
                (
                    Some(peer),
                    info(tr!(lang, "events.connected", peer = peer, local = local)),
                )
            }
            EventKind::Retrying {
                reason,
                attempt,
                limit,
                after,
            } => {
                let (closed, failed) = match self.closed_message(&reason) {
                    EntryKind::Error(text) => (text, true),
                    EntryKind::Info(text) => (text, false),
                    // closed_message says only these two.
                    _ => (String::new(), false),
                };
                let seconds = format!("{:.1}", after.as_secs_f64());
                let text = match limit {
                    Some(limit) => tr!(
                        lang,
                        "events.retrying_of",
                        closed = closed,
                        seconds = seconds,
                        attempt = attempt,
                        limit = limit
                    ),
                    None => tr!(
                        lang,
                        "events.retrying",
                        closed = closed,
                        seconds = seconds,
                        attempt = attempt
                    ),
                }
                .into_owned();
                self.status = Status::Retrying { attempt, limit };
                let kind = if failed {
                    EntryKind::Error(text)
                } else {
                    EntryKind::Info(text)
                };
                (None, kind)
            }
            EventKind::GroupJoined(group) => {
                let text = tr!(lang, "events.joined", group = group.to_string());
                self.groups.push(group);
                (None, info(text))
            }
            EventKind::GroupLeft(group) => {
                let text = tr!(lang, "events.left", group = group.to_string());
                self.groups.retain(|joined| *joined != group);
                (None, info(text))
            }
            EventKind::Secured {
                peer,
                client: _,
                session,
            } => (
                Some(peer),
                info(messages::tls_session(&session, lang).into()),
            ),
            EventKind::ServerCertificate {
                certificate,
                generated,
            } => {
                let text = messages::certificate_text(&certificate, Some(generated), lang);
                (None, info(text.into()))
            }
            EventKind::Listening { local } => {
                self.status = Status::Listening { local };
                (None, info(tr!(lang, "events.listening", local = local)))
            }
            EventKind::ListenStopped { local } => {
                self.status = Status::Serving;
                let clients = self.clients.len();
                let count = group_digits(clients as u64);
                let text = if clients == 1 {
                    tr!(
                        lang,
                        "events.listen_stopped_one",
                        local = local,
                        count = count
                    )
                } else {
                    tr!(
                        lang,
                        "events.listen_stopped_other",
                        local = local,
                        count = count
                    )
                };
                (None, info(text))
            }
            EventKind::Opened { local } => {
                self.status = Status::Open { local };
                (None, info(tr!(lang, "events.opened", local = local)))
            }
            EventKind::ClientConnected { id, peer, .. } => {
                let client = ClientInfo {
                    id,
                    peer,
                    connected_at: time,
                    bytes_in: 0,
                    bytes_out: 0,
                };
                self.clients.push(client);
                (Some(peer), info(tr!(lang, "events.client_connected")))
            }
            EventKind::ClientDisconnected { id, peer, reason } => {
                self.clients.retain(|client| client.id != id);
                let why = messages::close_reason(&reason, lang);
                let text = tr!(lang, "events.client_disconnected", reason = why);
                let kind = match reason {
                    CloseReason::Failed(_) => EntryKind::Error(text.into_owned()),
                    _ => info(text),
                };
                (Some(peer), kind)
            }
            // Taken by the stage.
            EventKind::Received { .. } | EventKind::Sent { .. } => return,
            EventKind::SendFailed { peer, error } => {
                let error = messages::net_error(&error, lang);
                let text = tr!(lang, "events.send_failed", error = error);
                (peer, EntryKind::Error(text.into_owned()))
            }
            EventKind::Warning(error) => {
                (None, EntryKind::Error(messages::net_error(&error, lang)))
            }
            EventKind::Dropped { total } => {
                let new = total.saturating_sub(self.dropped_since_open);
                self.dropped_since_open = total;
                self.counters.dropped += new;
                let (count, total) = (group_digits(new), group_digits(total));
                let text = if new == 1 {
                    tr!(lang, "events.dropped_one", count = count, total = total)
                } else {
                    tr!(lang, "events.dropped_other", count = count, total = total)
                };
                (None, EntryKind::Error(text.into_owned()))
            }
            EventKind::ReplayProgress {
                sent,
                total,
                running,
                paused,
            } => {
                let state = ReplayState {
                    sent,
                    total,
                    running,
                    paused,
                };
                let Some(kind) = self.replay_progress(state) else {
                    return;
                };
                (None, kind)
            }
            EventKind::CycleProgress { sent, running } => {
                let Some(kind) = self.cycle_progress(sent, running) else {
                    return;
                };
                (None, kind)
            }
            EventKind::FileProgress {
                sent,
                total,
                running,
            } => {
                let Some(kind) = self.file_progress(time, sent, total, running) else {
                    return;
                };
                (None, kind)
            }
            EventKind::Closed(reason) => {
                if let Some(cycle) = &mut self.cycle {
                    cycle.running = false;
                }
                if let Some(replay) = &mut self.replay {
                    replay.running = false;
                }
                self.groups.clear();
                let file_note = self.file_cut_short();
                let mut kind = self.closed_message(&reason);
                if let (Some(note), EntryKind::Info(text) | EntryKind::Error(text)) =
                    (file_note, &mut kind)
                {
                    text.push_str(&note);
                }
                self.last_end_text = kind.message().map(str::to_owned);
                self.status = Status::Idle;
                self.clients.clear();
                self.last_end = Some(reason);
                (None, kind)
            }
        };
        let entry = LogEntry::new(time, peer, kind);
        record(&entry);
        self.log.push(entry);
    }

    fn client_traffic(&mut self, id: Option<ClientId>, update: impl FnOnce(&mut ClientInfo)) {
        if let Some(client) = id.and_then(|id| self.clients.iter_mut().find(|c| c.id == id)) {
            update(client);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Language;
    use crate::net::NetError;

    /// Applies an event (through a stage without framing) and returns the entry it recorded.
    fn apply(session: &mut Session, kind: EventKind) -> LogEntry {
        let mut stage = Stage::new(session.mode, Framing::PerRead);
        let mut recorded = None;
        session.apply(&mut stage, Event::now(kind), |entry| {
            recorded = Some(entry.clone());
        });
        recorded.expect("every event makes an entry")
    }

    fn addr(port: u16) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], port))
    }

    #[test]
    fn a_refused_connect_says_so_and_returns_to_idle() {
        let mut session = Session::new(Mode::TcpClient);
        session.started();
        assert_eq!(session.status_text(Language::English), "Resolving…");
        apply(&mut session, EventKind::Connecting { peer: addr(9) });
        let entry = apply(
            &mut session,
            EventKind::Closed(CloseReason::Failed(NetError::Refused { peer: addr(9) })),
        );
        assert_eq!(
            entry.kind,
            EntryKind::Error("Connect failed: connection refused by 127.0.0.1:9".into())
        );
        assert_eq!(session.status, Status::Idle);
        assert_eq!(
            session.status_text(Language::English),
            "Connect failed: connection refused by 127.0.0.1:9"
        );
        session.started();
        assert_eq!(
            session.last_end, None,
            "a new attempt forgets the old failure"
        );
    }

    #[test]
    fn a_file_cut_short_by_the_session_says_how_far_it_got() {
        let mut session = Session::new(Mode::TcpClient);
        session.started();
        session.file = Some(FileState::new("fw.bin".into(), SystemTime::now()));
        let progress = EventKind::FileProgress {
            sent: 1000,
            total: 4000,
            running: true,
        };
        let mut stage = Stage::new(Mode::TcpClient, Framing::PerRead);
        session.apply(&mut stage, Event::now(progress), |_| {
            panic!("progress is not logged")
        });
        let entry = apply(&mut session, EventKind::Closed(CloseReason::PeerClosed));
        let text = entry.message().expect("a message");
        assert!(
            text.ends_with("(sending fw.bin ended after 1,000 B of 4,000 B was read)"),
            "{text}"
        );
        assert!(session.file.as_ref().is_some_and(|file| !file.running));
    }

    #[test]
    fn a_reset_after_connecting_is_a_lost_connection() {
        let mut session = Session::new(Mode::TcpClient);
        session.started();
        apply(
            &mut session,
            EventKind::Connected {
                local: addr(5000),
                peer: addr(9),
            },
        );
        assert_eq!(
            session.status_text(Language::English),
            "Connected — local 127.0.0.1:5000, peer 127.0.0.1:9"
        );
        let entry = apply(
            &mut session,
            EventKind::Closed(CloseReason::Failed(NetError::Reset)),
        );
        assert_eq!(
            entry.kind,
            EntryKind::Error("Connection lost: connection reset by peer".into())
        );
    }

    #[test]
    fn counts_traffic_per_session_and_per_client() {
        let mut session = Session::new(Mode::TcpServer);
        session.started();
        apply(&mut session, EventKind::Listening { local: addr(80) });
        let id = ClientId(1);
        apply(
            &mut session,
            EventKind::ClientConnected {
                id,
                peer: addr(4000),
                local: addr(80),
            },
        );
        let rx = apply(
            &mut session,
            EventKind::Received {
                peer: addr(4000),
                client: Some(id),
                bytes: b"abc".to_vec(),
                to: None,
            },
        );
        assert_eq!(
            (rx.direction(), rx.bytes(), rx.peer),
            (Direction::Rx, &b"abc"[..], Some(addr(4000)))
        );
        apply(
            &mut session,
            EventKind::Sent {
                peer: addr(4000),
                client: Some(id),
                bytes: b"hello".to_vec(),
            },
        );
        assert_eq!(
            session.counters,
            Counters {
                rx_bytes: 3,
                tx_bytes: 5,
                rx_messages: 1,
                tx_messages: 1,
                dropped: 0,
            }
        );
        assert_eq!(
            (session.clients[0].bytes_in, session.clients[0].bytes_out),
            (3, 5)
        );
        assert_eq!(
            session.status_text(Language::English),
            "Listening on 127.0.0.1:80 — 1 client"
        );

        apply(&mut session, EventKind::ListenStopped { local: addr(80) });
        assert_eq!(session.status, Status::Serving);
        let left = apply(
            &mut session,
            EventKind::ClientDisconnected {
                id,
                peer: addr(4000),
                reason: CloseReason::PeerClosed,
            },
        );
        assert_eq!(left.message(), Some("Client disconnected: closed by peer"));
        assert!(session.clients.is_empty());
        apply(&mut session, EventKind::Closed(CloseReason::Idle));
        assert_eq!(
            session.status_text(Language::English),
            "Server stopped: stopped listening, no clients left"
        );
    }

    #[test]
    fn drops_count_since_the_reset_and_log_what_is_new() {
        let mut session = Session::new(Mode::Udp);
        session.started();
        let entry = apply(&mut session, EventKind::Dropped { total: 1200 });
        assert_eq!(
            entry.message(),
            Some(
                "The OS dropped 1,200 datagrams (its receive buffer was full); 1,200 since \
                 the socket opened"
            )
        );
        session.counters = Counters::default();
        apply(&mut session, EventKind::Dropped { total: 1201 });
        assert_eq!(
            session.counters.dropped, 1,
            "only what came after the reset"
        );
        session.started();
        apply(&mut session, EventKind::Dropped { total: 5 });
        assert_eq!(session.counters.dropped, 6, "a new socket counts from zero");
    }

    #[test]
    fn framing_changes_the_view_but_the_recording_keeps_every_read() {
        let mut session = Session::new(Mode::TcpClient);
        let mut stage = Stage::new(Mode::TcpClient, Framing::Lines);
        let mut recorded = Vec::new();
        for read in [&b"one\ntw"[..], b"o\nthr", b"ee"] {
            let kind = EventKind::Received {
                peer: addr(9),
                client: None,
                bytes: read.to_vec(),
                to: None,
            };
            session.apply(&mut stage, Event::now(kind), |entry| {
                recorded.push(entry.bytes().to_vec());
            });
        }
        assert_eq!(
            recorded,
            [b"one\ntw".to_vec(), b"o\nthr".to_vec(), b"ee".to_vec()]
        );
        let shown: Vec<_> = session.log.iter().map(|e| e.bytes().to_vec()).collect();
        assert_eq!(shown, [b"one\n".to_vec(), b"two\n".to_vec()]);
        assert_eq!(stage.pending_frame_bytes(), 5);
        assert_eq!(
            session.counters.rx_bytes, 13,
            "counters count every byte at once"
        );
        // When the stream ends, what waited is shown too, before the entry that says so.
        let kind = EventKind::Closed(CloseReason::PeerClosed);
        session.apply(&mut stage, Event::now(kind), |_| {});
        let last_two: Vec<_> = session.log.iter().skip(2).map(|e| e.direction()).collect();
        assert_eq!(last_two, [Direction::Rx, Direction::Info]);
        let last_rx = session.log.iter().rfind(|e| e.direction() == Direction::Rx);
        assert_eq!(last_rx.map(|e| e.bytes()), Some(&b"three"[..]));
    }

    #[test]
    fn a_session_that_closes_mid_replay_leaves_the_replay_ended() {
        let mut session = Session::new(Mode::Udp);
        session.started();
        let progress = EventKind::ReplayProgress {
            sent: 2,
            total: 10,
            running: true,
            paused: false,
        };
        let mut stage = Stage::new(session.mode, Framing::PerRead);
        session.apply(&mut stage, Event::now(progress), |_| {});
        assert!(session.replay.is_some_and(|replay| replay.running));
        apply(&mut session, EventKind::Closed(CloseReason::PeerClosed));
        assert!(
            session.replay.is_some_and(|replay| !replay.running),
            "Start comes back"
        );
        session.started();
        assert_eq!(session.replay, None);
    }
}
