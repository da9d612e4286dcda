//! One tab's controller: its settings, what the window shows of it, and its link to the session.
//! It turns what the user asked for ([`TabAction`]) into [`Request`]s for the session's host
//! thread, the one writer of the session (its worker, files, auto-replies). No drawing here.

mod action;
pub mod auto_reply;
mod capture;
mod connect_options;
mod control;
pub mod faults;
mod fields;
mod host;
mod link;
mod messages;
mod outputs;
pub mod payloads;
pub mod replay;
mod request;
pub mod rewrite;
mod scripting;
mod selection;
mod send_settings;
mod sending;
mod settings;
mod tls_options;
mod view;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Instant;

use crate::export::{BACKLOG_LIMIT, RecordContext, RecordFeed};
use crate::i18n::Language;
use crate::net::{ClientId, Command, QUEUE_LIMIT, Toward};
use crate::session::{EntryKind, Layout, Mode, Status};

pub use action::TabAction;
use auto_reply::AutoReplies;
pub use capture::Capture;
pub use connect_options::{ClientFields, UdpFields};
use fields::parse_mib;
use link::SessionLink;
pub use link::{LogCopy, SessionRead};
use request::Request;
pub use send_settings::{Append, CycleFields, FileFields, SendFields};
use sending::Preview;
pub use settings::{
    CaptureFields, ChartFields, FieldErrors, FramingFields, FramingKind, ScriptFields, TabSettings,
};
pub use tls_options::{TlsFields, VerifyChoice};
pub use view::TabView;

/// Asks the window for a frame: called by a tab's host thread when it has changed the session,
/// and by the app's background threads (saves, dialogs) when they are done.
pub type Wake = Arc<dyn Fn() + Send + Sync>;

/// One tab: the settings the user edits, what the window shows of it (the view), and the link
/// to its session (the private fields: the link, and what was last handed to the host).
pub struct Tab {
    pub mode: Mode,
    /// Changed only through [`Self::edit_settings`] (a widget's [`TabAction::Edit`]), so what
    /// depends on them is worked out when they change, not looked for every frame.
    settings: TabSettings,
    pub view: TabView,
    /// The session, which its host thread alone changes.
    link: SessionLink,
    /// The files this tab writes: Record and Save data.
    pub capture: Capture,
    /// How far the send box's variables have got.
    send_count: crate::codec::SendIndex,
    /// How far each quick command's variables have got.
    quick_counts: sending::QuickCounts,
    /// The recording being read for a replay.
    replay_loading: Option<replay::Loading>,
    /// The language of field errors and of the log's messages.
    language: Language,
    /// How many times the session had come up when the window last looked.
    came_up_seen: u64,
}

impl Tab {
    /// A tab whose host thread asks the window for frames with `wake`.
    pub fn new(mode: Mode, settings: TabSettings, wake: Wake) -> Self {
        let preview = Preview::of(&settings, Language::English, 0);
        let context = record_context(mode, &settings);
        let mut tab = Self {
            mode,
            settings,
            view: TabView::new(preview),
            link: SessionLink::new(mode, context, wake),
            capture: Capture::default(),
            send_count: crate::codec::SendIndex::default(),
            quick_counts: sending::QuickCounts::default(),
            replay_loading: None,
            language: Language::English,
            came_up_seen: 0,
        };
        tab.ask(Request::ShowIn(tab.settings.encoding));
        tab.apply_framing();
        tab.apply_memory_cap();
        tab.hand_rules();
        tab.rebuild_filter();
        tab
    }

    /// The settings the user edits. Widgets draw a copy and hand back their changes as
    /// [`TabAction::Edit`].
    pub fn settings(&self) -> &TabSettings {
        &self.settings
    }

    /// Changes the settings: the one way they change.
    pub fn edit_settings(&mut self, change: impl FnOnce(&mut TabSettings)) {
        let mut settings = self.settings.clone();
        change(&mut settings);
        self.use_settings(settings);
    }

    /// Takes `new` settings, and works out again what depends on what changed: the host's
    /// rules and record context, the log's encoding, the framing, the filter, the preview.
    fn use_settings(&mut self, new: TabSettings) {
        let old = std::mem::replace(&mut self.settings, new);
        let new = &self.settings;
        let encoding = old.encoding != new.encoding;
        let context = record_context(self.mode, &old) != record_context(self.mode, new);
        let rules = encoding || old.auto_replies != new.auto_replies;
        let filter = encoding || old.filter != new.filter;
        let send_box = old.send_text != new.send_text || old.input_format != new.input_format;
        let preview = encoding || send_box || old.send != new.send;
        // The relay's alone: another worker would log that it cannot take them.
        let relay = self.mode == Mode::Relay;
        let faults = relay && old.faults != new.faults;
        let rewrites = relay && (encoding || old.rewrites != new.rewrites);
        if encoding {
            self.ask(Request::ShowIn(self.settings.encoding));
            // Lines end elsewhere in UTF-16.
            self.apply_framing();
        }
        if context {
            self.ask(Request::RecordContext(self.record_context()));
        }
        if rules {
            self.hand_rules();
        }
        if filter {
            self.rebuild_filter();
        }
        if send_box {
            // Other text: its variables start again from the first send.
            self.send_count = crate::codec::SendIndex::default();
        }
        if preview {
            self.rebuild_preview();
        }
        if faults {
            self.apply_faults();
        }
        if rewrites {
            self.apply_rewrites();
        }
    }

    /// Relay: the rewrite rules as typed, to the running worker, or what is wrong with them
    /// beside them.
    fn apply_rewrites(&mut self) {
        let settings = &self.settings;
        match rewrite::parse_rules(&settings.rewrites, settings.encoding, self.language) {
            Ok(rules) => {
                self.view.errors.rewrites = None;
                for (toward, rules) in [Toward::Upstream, Toward::Client].into_iter().zip(rules) {
                    self.command(Command::Rewrite { toward, rules });
                }
            }
            Err(error) => self.view.errors.rewrites = Some(error),
        }
    }

    /// Relay: the faults as typed, to the running worker (the next start takes them too), or
    /// what is wrong with them beside the fields.
    fn apply_faults(&mut self) {
        match faults::parse_both(&self.settings.faults, self.language) {
            Ok(faults) => {
                self.view.errors.faults = None;
                for (toward, faults) in [Toward::Upstream, Toward::Client].into_iter().zip(faults) {
                    self.command(Command::Faults { toward, faults });
                }
            }
            Err(error) => self.view.errors.faults = Some(error),
        }
    }

    /// The language of field errors and of the log's messages from now on.
    pub fn set_language(&mut self, language: Language) {
        self.language = language;
        self.ask(Request::Language(language));
        // Errors on screen say it again in the new language.
        self.apply_framing();
        self.apply_memory_cap();
        if self.view.errors.tls.is_some() {
            self.recheck_tls();
        }
        self.hand_rules();
        self.rebuild_filter();
        self.rebuild_preview();
    }

    /// Whether the toggle button starts the session (or stops it). A server that stopped
    /// listening but still has clients can listen again.
    pub fn toggle_starts(&self) -> bool {
        match self.mode {
            Mode::TcpServer | Mode::Relay => !matches!(
                self.session().status,
                Status::Starting | Status::Listening { .. }
            ),
            Mode::TcpClient | Mode::Udp => self.session().status == Status::Idle,
        }
    }

    /// Whether the local endpoint fields can be edited now.
    pub fn endpoint_editable(&self) -> bool {
        self.toggle_starts()
    }

    /// Hands the host the auto-reply rules in bytes; each rule's problem goes beside it.
    fn hand_rules(&mut self) {
        let settings = &self.settings;
        let (replies, errors) =
            AutoReplies::compile(&settings.auto_replies, settings.encoding, self.language);
        self.view.auto_errors = errors;
        self.ask(Request::Replies(replies));
    }

    /// Runs the script as it is in the settings, in the tab's encoding and language.
    fn run_script(&mut self) {
        self.ask(Request::Script(Some(crate::script::ScriptSetup {
            source: self.settings.script.source.clone(),
            mode: self.mode,
            datagrams: self.settings.datagrams(self.mode),
            encoding: self.settings.encoding,
            language: self.language,
        })));
    }

    /// Entries that arrived while the display was paused.
    pub fn arrived_while_paused(&self) -> Option<u64> {
        self.view
            .paused_at
            .map(|at| self.session().log.pushed().saturating_sub(at))
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
                self.session().status,
                Status::Connected { .. } | Status::PeerFinished { .. }
            ),
            Mode::TcpServer | Mode::Relay => !self.session().clients.is_empty(),
            Mode::Udp => matches!(self.session().status, Status::Open { .. }),
        }
    }

    /// Received bytes not yet taken in, when that is enough to say the view is behind the wire
    /// (the worker stops reading at [`QUEUE_LIMIT`]).
    pub fn behind_by(&self) -> Option<usize> {
        let queued = self.link.queued_bytes();
        (queued >= QUEUE_LIMIT / 2).then_some(queued)
    }

    /// Bytes waiting for this tab's files (Record, Save data) and `recording_all` bytes for the
    /// whole app's recording (`--log`), when that is enough to say they are behind (the host
    /// stops taking data at [`BACKLOG_LIMIT`] in one of them).
    pub fn files_behind_by(&self, recording_all: usize) -> Option<usize> {
        let waiting = self.capture.backlog() + recording_all;
        (waiting >= BACKLOG_LIMIT / 2).then_some(waiting)
    }

    /// Records this tab's entries into the whole app's recording too, or stops (`None`).
    pub fn set_record_all(&mut self, feed: Option<RecordFeed>) {
        self.ask(Request::RecordAll(feed));
    }

    /// The log's entries as they are now, for a thread that writes them out (copied a part at
    /// a time, so the session is never held for long).
    pub fn log_copy(&self) -> LogCopy {
        self.link.log_copy()
    }

    /// The session as the window sees it: during a frame, as it was when the frame began.
    pub fn session(&self) -> SessionRead<'_> {
        self.link.read()
    }

    /// Shows `entries` in the log as they are: not counted, not recorded, not answered (for
    /// benchmarks and tests that fill the log).
    pub fn load_entries(&mut self, entries: Vec<crate::session::LogEntry>) {
        self.ask(Request::Load(entries));
    }

    /// Asks the host for something; says on stderr if it could not take it.
    fn ask(&mut self, request: Request) -> bool {
        let taken = self.link.request(request);
        if !taken {
            eprintln!("sockscope: the {} session took no request", self.mode);
        }
        taken
    }

    /// When the newest entry of the log arrived.
    pub fn newest_entry_time(&self) -> Option<std::time::SystemTime> {
        self.session()
            .log
            .iter()
            .next_back()
            .map(|entry| entry.time)
    }

    /// A frame starts: it reads the session as it is now until [`Self::end_frame`].
    pub fn begin_frame(&mut self) {
        self.link.begin_frame();
    }

    /// The frame ended: what it asked for is applied before this returns.
    pub fn end_frame(&mut self) {
        self.link.end_frame();
    }

    /// How this tab's entries are written to log files.
    pub fn record_context(&self) -> RecordContext {
        record_context(self.mode, &self.settings)
    }

    /// Logs a note of the tab's own, into its files too.
    pub fn note(&mut self, kind: EntryKind) {
        self.ask(Request::Note(kind));
    }

    /// On quit: stops the worker and waits, until `deadline`, for its last events to reach the
    /// files and the session.
    pub fn finish_worker(&mut self, deadline: Instant) {
        let (done, finished) = crossbeam_channel::bounded::<()>(0);
        if self.ask(Request::Finish(done)) {
            // Disconnected once the host lets go of `done`.
            let _ = finished.recv_deadline(deadline);
        }
    }

    /// Looks at what changed since the last frame: a session that came up, files that failed
    /// or were completed, clients that left.
    pub fn drain_events(&mut self) {
        for note in self.poll_capture() {
            self.note(note);
        }
        let session = self.link.read();
        let came_up = session.came_up;
        let clients = &session.clients;
        self.view
            .selected_clients
            .retain(|id| clients.iter().any(|c| c.id == *id));
        drop(session);
        self.view.focus_send_box |= came_up != self.came_up_seen;
        self.came_up_seen = came_up;
    }

    /// Carries out a user action; a log entry it makes itself (e.g. an error) goes to the
    /// tab's files too.
    pub fn handle(&mut self, action: TabAction, wake: &Wake) {
        match action {
            TabAction::Edit(settings) => self.use_settings(*settings),
            TabAction::Start => self.start(),
            TabAction::Stop => {
                self.ask(Request::Stop);
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
            TabAction::KeepNoLog => {
                self.ask(Request::KeepAtMost(0));
            }
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
            TabAction::RunScript => self.run_script(),
            TabAction::StopScript => {
                self.ask(Request::Script(None));
            }
            TabAction::DisconnectClients(ids) => {
                for id in ids {
                    self.command(Command::DisconnectClient(id));
                }
            }
            TabAction::DisconnectAllClients => self.command(Command::DisconnectAllClients),
            TabAction::Hold { toward, hold } => self.command(Command::Hold { toward, hold }),
            TabAction::Step(toward) => self.command(Command::Step(toward)),
            TabAction::SelectClient { id, selected } => {
                if selected {
                    self.view.selected_clients.insert(id);
                } else {
                    self.view.selected_clients.remove(&id);
                }
            }
            TabAction::ClearLog => {
                self.ask(Request::ClearLog);
                self.view.selected.clear();
                // Entries are numbered on across a clear: a pause counts from here again.
                self.view.paused_at = self.view.paused_at.map(|_| self.session().log.pushed());
            }
            TabAction::ResetCounters => {
                self.ask(Request::ResetCounters);
            }
            TabAction::ResetReplyTimes => {
                self.ask(Request::ResetReplyTimes);
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
                    None => Some(self.session().log.pushed()),
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
                self.ask(Request::Framing(framing));
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
                self.ask(Request::KeepAtMost(bytes));
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
        datagrams: settings.datagrams(mode),
        encoding: settings.encoding,
        hex_text: settings.view.layout == Layout::Hex,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_whole_apps_recording_counts_toward_files_behind() {
        let tab = Tab::new(Mode::TcpServer, TabSettings::default(), Arc::new(|| {}));
        assert_eq!(tab.files_behind_by(0), None, "nothing waits");
        assert_eq!(tab.files_behind_by(BACKLOG_LIMIT / 2 - 1), None);
        assert_eq!(
            tab.files_behind_by(BACKLOG_LIMIT / 2),
            Some(BACKLOG_LIMIT / 2),
            "half the limit waiting for --log is behind"
        );
    }
}
