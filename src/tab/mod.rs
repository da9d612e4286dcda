//! One tab's controller: its settings, its session and its worker. It turns what the user asked
//! for ([`TabAction`]) into worker commands and settings for its intake thread, which owns
//! everything that follows the worker (session state, files, auto-replies). No drawing here.

mod action;
pub mod auto_reply;
mod capture;
mod connect_options;
mod control;
mod fields;
mod intake;
mod messages;
mod outputs;
pub mod payloads;
pub mod replay;
mod selection;
mod send_settings;
mod sending;
mod settings;
mod shared;
mod tls_options;
mod view;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Instant;

use parking_lot::MappedMutexGuard;

use crate::codec::TextEncoding;
use crate::export::{BACKLOG_LIMIT, RecordContext, RecordFeed};
use crate::i18n::Language;
use crate::net::{ClientId, Command, QUEUE_LIMIT};
use crate::session::{EntryKind, Layout, Mode, Session, Status};

pub use action::TabAction;
use auto_reply::{AutoReplies, ReplyRule};
pub use capture::Capture;
pub use connect_options::{ClientFields, UdpFields};
use fields::parse_mib;
use intake::Intake;
pub use send_settings::{Append, CycleFields, FileFields, SendFields};
use sending::Preview;
pub use settings::{
    CaptureFields, ChartFields, FieldErrors, FramingFields, FramingKind, TabSettings,
};
use shared::SharedSession;
pub use tls_options::{TlsFields, VerifyChoice};
pub use view::TabView;

/// Asks the window for a frame: called by a tab's intake thread when it has applied events,
/// and by the app's background threads (saves, dialogs) when they are done.
pub type Wake = Arc<dyn Fn() + Send + Sync>;

/// One tab: the settings the user edits, what the window shows of it (the view), and the link
/// to its running session (the private fields: the shared session, the worker's intake, and
/// what was last handed to it).
pub struct Tab {
    pub mode: Mode,
    pub settings: TabSettings,
    pub view: TabView,
    /// Shared with the intake thread while a worker runs.
    session: SharedSession,
    /// Listen (Open) was clicked while the worker was still there: a TCP server serving
    /// clients after Stop, or a worker whose end the tab has not looked at yet. If the worker
    /// ends before it listens, the click starts a new one rather than being lost.
    listen_again: bool,
    /// The files this tab writes: Record and Save data.
    pub capture: Capture,
    /// How far the send box's variables have got.
    send_count: sending::SendCount,
    /// How far each quick command's variables have got.
    quick_counts: sending::QuickCounts,
    /// The recording being read for a replay.
    replay_loading: Option<replay::Loading>,
    /// What the intake's auto-reply rules were built from, and each rule's problem.
    auto_built_from: Option<(Vec<ReplyRule>, TextEncoding)>,
    /// The record context last handed to the intake: the outputs are locked only when it
    /// changes, as the intake holds them while it works through a batch.
    context_given: RecordContext,
    /// The display encoding last handed to the log for linking split characters.
    linked_encoding: TextEncoding,
    /// The language of field errors and of the log's messages.
    language: Language,
    worker: Option<Intake>,
}

impl Tab {
    pub fn new(mode: Mode, settings: TabSettings) -> Self {
        let preview = Preview::of(&settings);
        let context = record_context(mode, &settings);
        let mut tab = Self {
            mode,
            settings,
            view: TabView::new(preview),
            session: SharedSession::new(Session::new(mode), context),
            listen_again: false,
            capture: Capture::default(),
            send_count: sending::SendCount::default(),
            quick_counts: sending::QuickCounts::default(),
            replay_loading: None,
            auto_built_from: None,
            context_given: context,
            linked_encoding: TextEncoding::Utf8,
            language: Language::English,
            worker: None,
        };
        tab.apply_framing();
        tab.apply_memory_cap();
        tab.sync_outputs();
        tab
    }

    /// The language of field errors and of the log's messages from now on.
    pub fn set_language(&mut self, language: Language) {
        self.language = language;
        self.session.lock().set_language(language);
        // Errors on screen say it again in the new language.
        self.apply_framing();
        self.apply_memory_cap();
        if self.view.errors.tls.is_some() {
            self.recheck_tls();
        }
        self.view.filter_built_from = None;
        self.auto_built_from = None;
    }

    /// Whether the toggle button starts the session (or stops it). A server that stopped
    /// listening but still has clients can listen again.
    pub fn toggle_starts(&self) -> bool {
        match self.mode {
            Mode::TcpServer => !matches!(
                self.session.lock().status,
                Status::Starting | Status::Listening { .. }
            ),
            Mode::TcpClient | Mode::Udp => self.session.lock().status == Status::Idle,
        }
    }

    /// Whether the local endpoint fields can be edited now.
    pub fn endpoint_editable(&self) -> bool {
        self.toggle_starts()
    }

    /// Hands the intake what it runs with that the user may have changed since the last
    /// look: the auto-reply rules, how entries are recorded, and the encoding whose split
    /// characters the log links.
    pub fn sync_outputs(&mut self) {
        self.refresh_auto_replies();
        let context = self.record_context();
        if context != self.context_given {
            self.session.outputs().context = context;
            self.context_given = context;
        }
        if self.linked_encoding != self.settings.encoding {
            self.session.lock().log.show_in(self.settings.encoding);
            // Lines end elsewhere in UTF-16.
            self.apply_framing();
            self.linked_encoding = self.settings.encoding;
        }
    }

    /// Rebuilds the auto-reply rules when they or the encoding changed.
    fn refresh_auto_replies(&mut self) {
        let (rules, encoding) = (&self.settings.auto_replies, self.settings.encoding);
        let current = self
            .auto_built_from
            .as_ref()
            .is_some_and(|(built, built_encoding)| built == rules && *built_encoding == encoding);
        if !current {
            let (replies, errors) = AutoReplies::compile(rules, encoding, self.language);
            self.session.outputs().replies = replies;
            self.view.auto_errors = errors;
            self.auto_built_from = Some((rules.clone(), encoding));
        }
    }

    /// Entries that arrived while the display was paused.
    pub fn arrived_while_paused(&self) -> Option<u64> {
        self.view
            .paused_at
            .map(|at| self.session.lock().log.pushed().saturating_sub(at))
    }

    /// TCP server: the clients sends go to (none: all).
    pub fn selected_clients(&self) -> &BTreeSet<ClientId> {
        &self.view.selected_clients
    }

    /// Whether the send box should take keyboard focus now (once after a session came up, or
    /// a send was loaded into it).
    pub fn take_focus_request(&mut self) -> bool {
        std::mem::take(&mut self.view.focus_send_box)
    }

    /// Whether there is anything to send to.
    pub fn can_send(&self) -> bool {
        match self.mode {
            Mode::TcpClient => matches!(
                self.session.lock().status,
                Status::Connected { .. } | Status::PeerFinished { .. }
            ),
            Mode::TcpServer => !self.session.lock().clients.is_empty(),
            Mode::Udp => matches!(self.session.lock().status, Status::Open { .. }),
        }
    }

    /// Received bytes not yet taken in, when that is enough to say the view is behind the wire
    /// (the worker stops reading at [`QUEUE_LIMIT`]).
    pub fn behind_by(&self) -> Option<usize> {
        let queued = self.worker.as_ref().map_or(0, Intake::queued_bytes);
        (queued >= QUEUE_LIMIT / 2).then_some(queued)
    }

    /// Bytes waiting for this tab's files (Record, Save data) and `recording_all` bytes for the
    /// whole app's recording (`--log`), when that is enough to say they are behind (the intake
    /// stops taking data at [`BACKLOG_LIMIT`] in one of them).
    pub fn files_behind_by(&self, recording_all: usize) -> Option<usize> {
        let waiting = self.capture.backlog() + recording_all;
        (waiting >= BACKLOG_LIMIT / 2).then_some(waiting)
    }

    /// Records this tab's entries into the whole app's recording too, or stops (`None`).
    pub fn set_record_all(&mut self, feed: Option<RecordFeed>) {
        self.session.outputs().record_all = feed;
    }

    /// The session, locked until the guard drops: the intake thread waits meanwhile. Never
    /// call this while holding its guard.
    pub fn session(&self) -> MappedMutexGuard<'_, Session> {
        self.session.lock()
    }

    /// When the newest entry of the log arrived.
    pub fn newest_entry_time(&self) -> Option<std::time::SystemTime> {
        self.session()
            .log
            .iter()
            .next_back()
            .map(|entry| entry.time)
    }

    /// A frame starts: the session is the UI's until [`Self::end_frame`].
    pub fn begin_frame(&self) {
        self.session.begin_frame();
    }

    pub fn end_frame(&self) {
        self.session.end_frame();
    }

    /// Received bytes held back until their frame ends (by line, delimiter, length or gap).
    pub fn pending_frame_bytes(&self) -> usize {
        self.session.pending_frame_bytes()
    }

    /// How this tab's entries are written to log files.
    pub fn record_context(&self) -> RecordContext {
        record_context(self.mode, &self.settings)
    }

    /// Logs a note of the tab's own, into its files too.
    pub fn note(&mut self, kind: EntryKind) {
        self.session.note(kind);
    }

    /// On quit: stops the worker and waits, until `deadline`, for its last events to reach the
    /// files and the session (see `Intake::finish`).
    pub fn finish_worker(&mut self, deadline: Instant) {
        if let Some(intake) = self.worker.take() {
            intake.finish(deadline);
        }
    }

    /// Looks at what the intake thread did since the last frame: notes a session that came up
    /// or ended, and files that failed or were completed.
    pub fn drain_events(&mut self, wake: &Wake) {
        for note in self.poll_capture() {
            self.note(note);
        }
        let arrivals = self.session.take_arrivals();
        self.view.focus_send_box |= arrivals.came_up;
        // Listening, or a warning saying why not: the worker answered the click.
        if arrivals.came_up || arrivals.warned {
            self.listen_again = false;
        }
        if arrivals.closed {
            self.worker = None;
            if std::mem::take(&mut self.listen_again)
                && let Some(note) = self.start(wake)
            {
                self.note(note);
            }
        }
        self.sync_outputs();
        let session = self.session.lock();
        let clients = &session.clients;
        self.view
            .selected_clients
            .retain(|id| clients.iter().any(|c| c.id == *id));
    }

    /// Carries out a user action; a log entry it makes itself (e.g. an error) goes to the
    /// tab's files too.
    pub fn handle(&mut self, action: TabAction, wake: &Wake) {
        self.sync_outputs();
        match action {
            TabAction::Start => {
                if let Some(note) = self.start(wake) {
                    self.note(note);
                }
            }
            TabAction::Stop => {
                if let Some(note) = self.stop() {
                    self.note(note);
                }
            }
            TabAction::ToggleRecording => {
                if let Some(note) = self.toggle_recording() {
                    self.note(note);
                }
            }
            TabAction::ToggleRawCapture => {
                if let Some(note) = self.toggle_raw_capture() {
                    self.note(note);
                }
            }
            TabAction::ApplyMemoryCap => self.apply_memory_cap(),
            TabAction::ApplyBroadcast => {
                self.command(Command::SetBroadcast(self.settings.udp.broadcast));
            }
            TabAction::JoinGroup => self.join_group(),
            TabAction::LeaveGroup(text) => self.leave_group(&text),
            TabAction::Send => self.send(),
            TabAction::ToggleCycle => self.toggle_cycle(),
            TabAction::SendFile(path) => self.send_file(path),
            TabAction::StartReplay => self.start_replay(wake),
            TabAction::PauseReplay => self.command(Command::PauseReplay),
            TabAction::ResumeReplay => self.command(Command::ResumeReplay),
            TabAction::StopReplay => {
                self.replay_loading = None;
                self.command(Command::StopReplay);
            }
            TabAction::CancelFile => self.command(Command::CancelFile),
            TabAction::SendPayload(name, payload) => self.send_payload(&name, &payload),
            TabAction::LoadPayload(payload) => self.load_payload(payload),
            TabAction::DisconnectClients(ids) => {
                for id in ids {
                    self.command(Command::DisconnectClient(id));
                }
            }
            TabAction::DisconnectAllClients => self.command(Command::DisconnectAllClients),
            TabAction::SelectClient { id, selected } => {
                if selected {
                    self.view.selected_clients.insert(id);
                } else {
                    self.view.selected_clients.remove(&id);
                }
            }
            TabAction::SendTextEdited => self.view.errors.send = None,
            TabAction::ClearLog => {
                self.session.lock().log.clear();
                self.view.selected.clear();
                self.view.paused_at = self
                    .view
                    .paused_at
                    .map(|_| self.session.lock().log.pushed());
            }
            TabAction::ResetCounters => {
                let mut session = self.session.lock();
                session.counters = Default::default();
                session.traffic.clear();
            }
            TabAction::SetInputFormat(format) => self.set_input_format(format),
            TabAction::ApplyFraming => self.apply_framing(),
            TabAction::SelectEntry { sequence, extend } => self.select(sequence, extend),
            TabAction::ClearSelection => {
                self.view.selected.clear();
                self.view.select_anchor = None;
            }
            TabAction::TogglePause => {
                self.view.paused_at = match self.view.paused_at {
                    Some(_) => None,
                    None => Some(self.session.lock().log.pushed()),
                };
            }
        }
    }

    fn apply_framing(&mut self) {
        match self
            .settings
            .framing
            .parse(self.settings.encoding, self.language)
        {
            Ok(framing) => {
                self.session.outputs().framing = framing;
                self.view.errors.framing = None;
            }
            Err(error) => self.view.errors.framing = Some(error),
        }
    }

    fn apply_memory_cap(&mut self) {
        let keep = crate::i18n::tr!(self.language, "errors.label.keep");
        match parse_mib(&self.settings.memory_cap_mib, &keep, self.language) {
            Ok(bytes) => {
                let bytes = usize::try_from(bytes).unwrap_or(usize::MAX);
                self.session.lock().log.set_cap(bytes);
                self.view.errors.memory_cap = None;
            }
            Err(error) => self.view.errors.memory_cap = Some(error),
        }
    }
}

/// How a tab in `mode` with `settings` writes entries to log files.
fn record_context(mode: Mode, settings: &TabSettings) -> RecordContext {
    RecordContext {
        mode,
        encoding: settings.encoding,
        hex_text: settings.view.layout == Layout::Hex,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_whole_apps_recording_counts_toward_files_behind() {
        let tab = Tab::new(Mode::TcpServer, TabSettings::default());
        assert_eq!(tab.files_behind_by(0), None, "nothing waits");
        assert_eq!(tab.files_behind_by(BACKLOG_LIMIT / 2 - 1), None);
        assert_eq!(
            tab.files_behind_by(BACKLOG_LIMIT / 2),
            Some(BACKLOG_LIMIT / 2),
            "half the limit waiting for --log is behind"
        );
    }
}
