//! The window's parts around the session: the tab bar, the status bar, and the tab in view
//! laid out as NetAssist users expect (settings left, log in the middle, send box below).

use std::path::PathBuf;

use super::App;
use super::dialogs::FilePurpose;
use super::pacer::MAX_FPS_RANGE;
use crate::i18n::Language;
use crate::session::Mode;
use crate::tab::{Tab, TabAction};
use crate::tr;
use crate::ui::{
    self, capture_panel::CaptureAction, selection_bar::SelectionAction, send_box::SendBoxAction,
    status_bar::Notices,
};

/// What the send box asked the app for beyond tab actions.
#[derive(Default, Clone, Copy)]
struct SendBoxAsks {
    browse_file: bool,
    toggle_commands: bool,
    /// A TLS certificate or key file to pick.
    tls_file: Option<ui::tls_panel::TlsFile>,
}

impl App {
    pub(super) fn frame_ui(&mut self, ui: &mut egui::Ui) {
        egui::Panel::top("tabs").show(ui, |ui| {
            ui.add_space(4.0);
            self.tab_bar(ui);
            ui.add_space(2.0);
        });
        egui::Panel::bottom("status").show(ui, |ui| {
            ui.add_space(2.0);
            self.status_bar(ui);
        });
        let ctx = ui.ctx().clone();
        self.quick_shortcuts(&ctx);
        self.session_ui(ui);
        self.quick_window(&ctx);
        if self.auto_reply_open {
            let tab = &mut self.tabs[self.active as usize];
            ui::auto_reply::show(&ctx, &mut self.auto_reply_open, tab, self.language);
        }
        if self.replay_open {
            let mode = self.active;
            let tab = &mut self.tabs[mode as usize];
            let asks = ui::replay_window::show(&ctx, &mut self.replay_open, tab, self.language);
            if let Some(action) = asks.action {
                self.act(mode, action);
            }
            if asks.browse {
                self.ask_file(FilePurpose::Replay(mode));
            }
        }
    }

    fn tab_bar(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            let lang = self.language;
            let hint = tr!(lang, "app.settings_panel_hint");
            ui.toggle_value(&mut self.settings_open, tr!(lang, "app.settings_panel"))
                .on_hover_text(hint);
            ui.separator();
            for mode in Mode::ALL {
                let running = self.tab(mode).session().status.is_active();
                let label = ui::labels::mode(lang, mode);
                let response = ui.selectable_value(&mut self.active, mode, label);
                if running {
                    response.on_hover_text(tr!(lang, "app.tab.running"));
                }
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if let Some(language) = ui::language_menu::show(ui, lang) {
                    self.use_language(language);
                    self.remembered_language = Some(language);
                }
                if let Some(theme) = ui::theme_menu::show(ui, lang, self.theme) {
                    self.theme = theme;
                    ui.ctx().set_theme(theme);
                }
            });
        });
    }

    fn status_bar(&mut self, ui: &mut egui::Ui) {
        let notices = Notices {
            recording_to: self
                .recorder
                .as_ref()
                .map(|recorder| recorder.path().display().to_string()),
            notice: self.notice.as_ref(),
        };
        let max_fps = (self.pacer.max_fps(), MAX_FPS_RANGE);
        let tab = &self.tabs[self.active as usize];
        let changes = ui::status_bar::show(ui, tab, self.language, &notices, max_fps);
        if let Some(fps) = changes.max_fps {
            self.pacer.set_max_fps(fps);
        }
        if changes.reset_counters {
            self.act(self.active, TabAction::ResetCounters);
        }
        if changes.toggle_chart {
            let chart = &mut self.tab_mut(self.active).settings.chart;
            chart.open = !chart.open;
        }
    }

    fn session_ui(&mut self, ui: &mut egui::Ui) {
        let mode = self.active;
        let lang = self.language;
        let mut actions: Vec<TabAction> = Vec::new();
        let mut capture_action = None;
        let mut asks = SendBoxAsks::default();
        let mut toggle_replay = false;
        if self.settings_open {
            let choices = &self.address_choices;
            let tab = &mut self.tabs[mode as usize];
            egui::Panel::left("settings")
                .resizable(true)
                .default_size(270.0)
                .min_size(200.0)
                .show(ui, |ui| {
                    ui.add_space(4.0);
                    let panel = ui::settings_panel::show(ui, tab, lang, choices);
                    actions.extend(panel.tab);
                    capture_action = panel.capture;
                    asks.tls_file = panel.tls_file;
                    toggle_replay = panel.toggle_replay;
                });
        }
        if toggle_replay {
            self.replay_open = !self.replay_open;
        }
        let tab = &mut self.tabs[mode as usize];
        egui::Panel::bottom(("send", mode))
            .resizable(true)
            .show(ui, |ui| {
                ui.add_space(4.0);
                match ui::send_box::show(ui, tab, lang) {
                    Some(SendBoxAction::Tab(action)) => actions.push(action),
                    Some(SendBoxAction::BrowseFile) => asks.browse_file = true,
                    Some(SendBoxAction::ToggleCommands) => asks.toggle_commands = true,
                    Some(SendBoxAction::ToggleAutoReply) => {
                        self.auto_reply_open = !self.auto_reply_open;
                    }

                    None => {}
                }
                ui.add_space(2.0);
            });
        if mode == Mode::TcpServer {
            egui::Panel::right("clients")
                .resizable(true)
                .default_size(260.0)
                .show(ui, |ui| {
                    actions.extend(ui::client_list::show(ui, tab, lang));
                });
        }
        egui::CentralPanel::default().show(ui, |ui| log_area(ui, tab, lang, &mut actions));
        for action in actions {
            self.act(mode, action);
        }
        self.answer_asks(ui, mode, asks, capture_action.as_ref());
    }

    /// What the widgets asked for that opens a dialog, a window or a file.
    fn answer_asks(
        &mut self,
        ui: &egui::Ui,
        mode: Mode,
        asks: SendBoxAsks,
        capture_action: Option<&CaptureAction>,
    ) {
        if asks.toggle_commands {
            self.quick_window.open = !self.quick_window.open;
        }
        if asks.browse_file {
            self.ask_file(FilePurpose::SendFile(mode));
        }
        // A file dropped anywhere on the window goes to the tab in view.
        let dropped: Option<PathBuf> = ui.input(|input| {
            input
                .raw
                .dropped_files
                .first()
                .map(|file| file.path().to_path_buf())
        });
        if let Some(path) = dropped {
            self.send_file(mode, path);
        }
        if let Some(file) = asks.tls_file {
            self.ask_file(FilePurpose::Tls(mode, file));
        }
        match capture_action {
            Some(CaptureAction::SaveLog) => self.ask_file(FilePurpose::SaveLog(mode)),
            Some(CaptureAction::BrowseRecord) => self.ask_file(FilePurpose::Record(mode)),
            Some(CaptureAction::BrowseRaw) => self.ask_file(FilePurpose::SaveData(mode)),
            Some(CaptureAction::Tab(_)) | None => {}
        }
    }
}

/// The central panel: the filter, the chart and the selection bar when open, and the log.
fn log_area(ui: &mut egui::Ui, tab: &mut Tab, lang: Language, actions: &mut Vec<TabAction>) {
    let mode = tab.mode;
    ui::filter_bar::show(ui, tab, lang);
    if tab.settings.chart.open {
        chart_panel(ui, tab, lang);
    }
    if !tab.selected.is_empty() {
        // Below the rows, so selecting never moves the row under the pointer.
        egui::Panel::bottom(("selection", mode)).show(ui, |ui| {
            match ui::selection_bar::show(ui, tab, lang) {
                Some(SelectionAction::Copy { hex }) => {
                    ui.ctx().copy_text(tab.selection_text(hex));
                }
                Some(SelectionAction::Deselect) => actions.push(TabAction::ClearSelection),
                None => {}
            }
        });
    }
    ui.separator();
    actions.extend(ui::log_view::show(ui, tab, lang));
}

/// The traffic chart, in a panel at the bottom of the log's area.
fn chart_panel(ui: &mut egui::Ui, tab: &mut Tab, lang: Language) {
    // Drawn on the central panel's fill, not a fill of its own (see traffic_chart).
    let frame = egui::Frame::side_top_panel(ui.style()).fill(egui::Color32::TRANSPARENT);
    egui::Panel::bottom(("chart", tab.mode))
        .frame(frame)
        .resizable(true)
        .show(ui, |ui| {
            // Its own copy of the fields: the session is locked while it draws.
            let mut chart = tab.settings.chart.clone();
            let session = tab.session();
            let moving = ui::traffic_chart::show(ui, &session, &mut chart, lang);
            if moving {
                // Its traffic moves on by the second; a quiet chart stays still.
                ui.ctx()
                    .request_repaint_after(std::time::Duration::from_secs(1));
            }
            drop(session);
            tab.settings.chart = chart;
        });
}
