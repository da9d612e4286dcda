//! The eframe app: four tabs, each a session. Each tab's session host thread applies its
//! worker's events, feeds its files and answers its rules without waiting for frames; `logic`
//! looks at what changed, user actions are handled in one place, settings persist.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};

// Public for tests, which hold a dialog open with a stand-in picker.
pub mod dialogs;
mod file_jobs;
mod files;
mod frame_report;
pub mod no_window;
mod pacer;
mod quick;
// Public for the settings fuzz target.
pub mod remembered;
pub(crate) mod start_options;
mod window;

use dialogs::Dialogs;
use frame_report::FrameReport;
use pacer::{FloodGauge, RepaintPacer};
use remembered::{Persisted, Remembered};

use crate::cli::StartOptions;
use crate::export::{ExportError, Recorder};
use crate::i18n::{Language, tr};
use crate::session::Mode;
use crate::tab::Wake;
use crate::tab::payloads::QuickCommand;
use crate::tab::{Tab, TabAction};
use crate::ui::{self, quick_commands::QuickWindow};

/// How long a frame may spend testing entries against a new filter over a long history; the
/// rest is tested over the next frames. Short enough to keep frames under 8 ms.
const FILTER_BUDGET_PER_FRAME: Duration = Duration::from_millis(4);
/// How often the status line's "Behind" figure is refreshed while a tab is behind.
const BEHIND_REFRESH: Duration = Duration::from_millis(100);

/// Set when the app starts closing, so a signal handler waits for the files to complete.
static EXIT_STARTED: AtomicBool = AtomicBool::new(false);

/// How long quitting waits for the sessions to end and their last events to reach the files.
const EXIT_WAIT: Duration = Duration::from_secs(2);

/// Whether the app has begun to close (and complete its files).
pub fn exit_started() -> bool {
    EXIT_STARTED.load(Ordering::Relaxed)
}

/// The outcome of saving a log on a background thread.
type SaveResult = (Mode, PathBuf, Result<usize, ExportError>);

pub struct App {
    active: Mode,
    /// The language of everything drawn: `--lang`, else the one remembered, else the system's.
    language: Language,
    /// The language last chosen in the app, remembered across restarts.
    remembered_language: Option<Language>,
    theme: egui::ThemePreference,
    /// Whether the settings panel is shown; hidden, the log takes the width.
    settings_open: bool,
    tabs: [Tab; 4],
    /// Asks for frames for arriving data, at most `max_fps` a second.
    pacer: Arc<RepaintPacer>,
    /// The pacer's wake, for workers and background threads.
    wake: Wake,
    /// Tells the pacer when data floods in.
    flood: FloodGauge,
    address_choices: Vec<String>,
    recorder: Option<Recorder>,
    /// Shown in the status bar until replaced: the outcome of the last save, recording errors.
    notice: Option<(String, bool)>,
    saves: (Sender<SaveResult>, Receiver<SaveResult>),
    saves_running: usize,
    /// File dialogs, each on a thread of its own.
    dialogs: Dialogs,
    /// Shared by all tabs.
    quick_commands: Vec<QuickCommand>,
    quick_window: QuickWindow,
    /// Whether the Auto-reply window (of the tab in view) is open.
    auto_reply_open: bool,
    /// Whether the Script window (of the tab in view) is open.
    script_open: bool,
    /// Small files (scripts, rules, quick commands) read or written off the UI thread, as
    /// they are done.
    file_jobs: (Sender<file_jobs::Done>, Receiver<file_jobs::Done>),
    /// The Replay window is shown.
    replay_open: bool,
    /// A line per frame for benchmarks, when asked for.
    frame_report: Option<FrameReport>,
}

impl App {
    pub fn new(cc: &eframe::CreationContext<'_>, options: &StartOptions) -> Self {
        ui::look::install(&cc.egui_ctx);
        let Remembered {
            persisted,
            unreadable,
        } = remembered::load(cc.storage);
        let max_fps = options.max_fps.unwrap_or(persisted.max_fps);
        let pacer = RepaintPacer::new(cc.egui_ctx.clone(), max_fps);
        let wake: Wake = {
            let pacer = Arc::clone(&pacer);
            Arc::new(move || pacer.wake())
        };
        let chosen = options.language.or(persisted.language);
        cc.egui_ctx.set_theme(persisted.theme);
        let mut app = Self {
            active: persisted.active,
            language: chosen.unwrap_or_else(Language::of_system),
            remembered_language: persisted.language,
            theme: persisted.theme,
            settings_open: persisted.settings_open,
            tabs: [
                Tab::new(Mode::TcpClient, persisted.tcp_client, Arc::clone(&wake)),
                Tab::new(Mode::TcpServer, persisted.tcp_server, Arc::clone(&wake)),
                Tab::new(Mode::Udp, persisted.udp, Arc::clone(&wake)),
                Tab::new(Mode::Relay, persisted.relay, Arc::clone(&wake)),
            ],
            pacer,
            wake,
            flood: FloodGauge::default(),
            address_choices: ui::connection_panel::local_address_choices(),
            recorder: None,
            notice: None,
            saves: crossbeam_channel::unbounded(),
            saves_running: 0,
            dialogs: Dialogs::default(),
            quick_commands: persisted.quick_commands,
            quick_window: QuickWindow::default(),
            auto_reply_open: false,
            script_open: false,
            file_jobs: crossbeam_channel::bounded(16),
            replay_open: false,
            frame_report: None,
        };
        app.use_language(app.language);
        if !unreadable.is_empty() {
            let parts = unreadable.join(", ");
            let text = tr!(app.language, "app.settings_unreadable", parts = parts);
            app.notice = Some((text.into_owned(), true));
        }
        app.apply_start_options(options);
        app
    }

    /// The language of the window, and of what the tabs say in fields and logs from now on.
    fn use_language(&mut self, language: Language) {
        self.language = language;
        for tab in &mut self.tabs {
            tab.set_language(language);
        }
    }

    pub fn active_tab(&self) -> Mode {
        self.active
    }

    pub fn tab(&self, mode: Mode) -> &Tab {
        &self.tabs[mode as usize]
    }

    pub fn tab_mut(&mut self, mode: Mode) -> &mut Tab {
        &mut self.tabs[mode as usize]
    }

    /// Sends a file's bytes from the tab's session (read by its worker). Used by "Send file…"
    /// after its dialog and by dropping a file; callable without either.
    pub fn send_file(&mut self, mode: Mode, path: PathBuf) {
        self.act(mode, TabAction::SendFile(path));
    }

    /// Carries out what a user asked of a tab, as its widgets do.
    pub fn act(&mut self, mode: Mode, action: TabAction) {
        self.tabs[mode as usize].handle(action, &self.wake);
    }

    /// Looks at what the session hosts did since the last frame. Returns whether a tab is
    /// behind the wire or its files are behind it.
    fn drain_events(&mut self) -> bool {
        let mut behind = false;
        let recording_all = self.recorder.as_ref().map_or(0, Recorder::backlog);
        for tab in &mut self.tabs {
            tab.drain_events();
            behind |= tab.behind_by().is_some() || tab.files_behind_by(recording_all).is_some();
        }
        if let Some(recorder) = &self.recorder
            && let Some(error) = recorder.take_error()
        {
            let path = recorder.path().display();
            let text = tr!(
                self.language,
                "app.recording_failed",
                path = path,
                error = error
            );
            self.notice = Some((text.into_owned(), true));
        }
        behind
    }

    /// Completes every recording and data file; later events are not recorded.
    fn finish_recording(&mut self) {
        // Every feed first, so the files end at the same entry while traffic goes on.
        for tab in &mut self.tabs {
            tab.detach_files();
        }
        if let Some(recorder) = self.recorder.take()
            && let Err(error) = recorder.finish()
        {
            eprintln!("sockscope: recording failed: {error}");
        }
        for tab in &mut self.tabs {
            for failure in tab.finish_capture() {
                eprintln!("sockscope: {}: {failure}", tab.mode);
            }
        }
    }
}

impl eframe::App for App {
    fn clear_color(&self, visuals: &egui::Visuals) -> [f32; 4] {
        ui::look::clear_color(visuals)
    }

    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        if let Some(report) = &mut self.frame_report {
            report.begin_pass();
        }
        self.hold_sessions(true);
        self.frame_logic(ctx);
        self.hold_sessions(false);
    }

    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        if let Some(report) = &mut self.frame_report {
            let newest = self.tabs[self.active as usize].newest_entry_time();
            let causes = ui.ctx().repaint_causes();
            report.begin_frame(frame.info().cpu_usage, newest, &causes);
        }
        self.pacer.frame_began();
        self.hold_sessions(true);
        self.frame_ui(ui);
        self.hold_sessions(false);
        if let Some(report) = &mut self.frame_report {
            report.end_frame();
        }
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        let settings = |mode| self.tab(mode).settings().clone();
        let persisted = Persisted {
            active: self.active,
            tcp_client: settings(Mode::TcpClient),
            tcp_server: settings(Mode::TcpServer),
            udp: settings(Mode::Udp),
            relay: settings(Mode::Relay),
            quick_commands: self.quick_commands.clone(),
            max_fps: self.pacer.max_fps(),
            language: self.remembered_language,
            theme: self.theme,
            settings_open: self.settings_open,
        };
        eframe::set_value(storage, eframe::APP_KEY, &persisted);
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        EXIT_STARTED.store(true, Ordering::Relaxed);
        // The sessions end first: nothing a worker still does (a repeat's next send, say)
        // may happen after the files that record it are closed.
        let deadline = Instant::now() + EXIT_WAIT;
        for tab in &mut self.tabs {
            tab.finish_worker(deadline);
        }
        self.drain_events();
        self.finish_recording();
    }
}

impl App {
    /// While a frame is built it reads each session as it was when the frame began (the host
    /// threads wait with their changes); after it, what the frame asked for is applied.
    fn hold_sessions(&mut self, held: bool) {
        for tab in &mut self.tabs {
            if held {
                tab.begin_frame();
            } else {
                tab.end_frame();
            }
        }
    }

    fn frame_logic(&mut self, ctx: &egui::Context) {
        let behind = self.drain_events();
        let received = self
            .tabs
            .iter()
            .map(|tab| tab.session().counters.rx_bytes)
            .sum();
        let flooding = self.flood.flooding(Instant::now(), received, behind);
        self.pacer.set_busy(flooding);
        if behind {
            // The status line says how far behind; the host wakes the UI for what it applies.
            ctx.request_repaint_after(BEHIND_REFRESH);
        }
        self.collect_saves();
        self.collect_dialog_answer();
        self.collect_file_jobs();
        for tab in &mut self.tabs {
            tab.poll_replay();
            tab.follow_sends();
            // A new or changed filter over a long history is tested over several frames.
            if !tab.refresh_filter(Instant::now() + FILTER_BUDGET_PER_FRAME) {
                ctx.request_repaint();
            }
        }
    }
}

impl Drop for App {
    fn drop(&mut self) {
        // The recording must be complete however the app ends.
        self.finish_recording();
    }
}
