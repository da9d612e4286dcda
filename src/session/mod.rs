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
            log: match mode {
                Mode::Udp => LogStore::default().of_datagrams(),
                Mode::TcpClient | Mode::TcpServer => LogStore::default(),
            },
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
            EventKind::PeerFinished {
                peer,
                client,
                linger,
            } => self.peer_finished(peer, client.is_some(), linger),
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
mod tests;
