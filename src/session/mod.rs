//! A session's state without any UI: its status, clients, counters and log of raw bytes.
//! [`Session::apply`] is the one place worker events change it.

mod arena;
mod carry;
mod clients;
mod entry;
mod events;
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

use std::time::SystemTime;

pub use clients::{ClientInfo, Clients, Upstream};
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
use crate::net::{ClientId, CloseReason, Event};

/// Bytes and messages each way since the last reset.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    pub rx_bytes: u64,
    pub tx_bytes: u64,
    pub rx_messages: u64,
    pub tx_messages: u64,
    /// UDP: datagrams the OS dropped because the socket's buffer was full.
    pub dropped: u64,
    /// Sends that failed (each said in the log).
    pub send_failed: u64,
    /// Sends from the send box (typed, a quick command, stdin) that went whole or failed:
    /// what `--headless` paces stdin by.
    pub typed_done: u64,
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
    pub clients: Clients,
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
    /// Received bytes not shown yet because their frame has not ended (by line, delimiter,
    /// length or gap), as of the last bytes taken in.
    pub pending_frame_bytes: usize,
    /// How many times a session came up (connected, listening, open): the window gives the
    /// send box the keyboard on each.
    pub came_up: u64,
    /// Relay: what is held toward the upstream, and toward the client.
    pub held: [Held; 2],
    /// The tab's script: running, or how it last ended.
    pub script: crate::script::ScriptState,
}

/// Relay: one way held, or what of it still waits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Held {
    pub holding: bool,
    pub reads: usize,
    pub bytes: usize,
}

impl Session {
    /// Relay: what is held `toward` one side.
    pub fn held(&self, toward: crate::net::Toward) -> Held {
        self.held[usize::from(toward == crate::net::Toward::Client)]
    }
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
            clients: Clients::default(),
            log: match mode {
                Mode::Udp => LogStore::default().of_datagrams(),
                Mode::TcpClient | Mode::TcpServer | Mode::Relay => LogStore::default(),
            },
            cycle: None,
            file: None,
            replay: None,
            dropped_since_open: 0,
            language: Language::English,
            groups: Vec::new(),
            pending_frame_bytes: 0,
            came_up: 0,
            held: [Held::default(); 2],
            script: crate::script::ScriptState::Off,
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

    /// The counters and the chart start again from zero.
    pub fn reset_counters(&mut self) {
        self.counters = Counters::default();
        self.traffic.clear();
    }

    /// The reply times start again; the counters and the chart go on.
    pub fn reset_reply_times(&mut self) {
        self.traffic.clear_replies();
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
        if let Some(event) = stage.take(event, &self.clients, &mut record) {
            stage.ahead_of(&event);
            self.absorb(stage);
            self.apply_status(event, record);
        } else {
            self.absorb(stage);
        }
    }

    fn client_traffic(&mut self, id: Option<ClientId>, update: impl FnOnce(&mut ClientInfo)) {
        if let Some(client) = id.and_then(|id| self.clients.get_mut(id)) {
            update(client);
        }
    }
}

#[cfg(test)]
mod tests;
