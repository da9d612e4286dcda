//! The window's parts around the session: the tab bar, the status bar, and the tab in view
//! laid out as NetAssist users expect (settings left, log in the middle, send box below).

use std::path::PathBuf;

use super::App;
use super::pacer::MAX_FPS_RANGE;
use crate::export::Recorder;
use crate::i18n::{Language, tr};
use crate::session::Mode;
use crate::tab::{Tab, TabAction, TabSettings};
use crate::ui::command::{self, Requests, UiCommand};
use crate::ui::{self, quick_commands, status_bar::Notices};

impl App {
    pub(super) fn frame_ui(&mut self, ui: &mut egui::Ui) {
        let mut requests = Requests::default();
        egui::Panel::top("tabs").show(ui, |ui| {
            ui.add_space(4.0);
            self.tab_bar(ui, &mut requests);
            ui.add_space(2.0);
        });
        egui::Panel::bottom("status").show(ui, |ui| {
            ui.add_space(2.0);
            self.status_bar(ui, &mut requests);
        });
        let ctx = ui.ctx().clone();
        for command in command::pressed_anywhere(&ctx, self.quick_commands.len()) {
            requests.push(command);
        }
        self.session_ui(ui, &mut requests);
        // Before the windows are drawn, so one opened by this frame's click is drawn now.
        for command in requests.take() {
            self.run(&ctx, command);
        }
        if self.quick_window.open
            && let Some(action) = quick_commands::show(
                &ctx,
                &mut self.quick_window,
                &mut self.quick_commands,
                self.tabs[self.active as usize].settings().encoding,
                self.language,
            )
        {
            requests.push(UiCommand::Quick(action));
        }
        let tab = &self.tabs[self.active as usize];
        let mut draft = tab.settings().clone();
        if self.auto_reply_open {
            ui::auto_reply::show(
                &ctx,
                &mut self.auto_reply_open,
                tab,
                &mut draft,
                self.language,
                &mut requests,
            );
        }
        if self.script_open {
            let (open, lang) = (&mut self.script_open, self.language);
            ui::script_window::show(&ctx, open, tab, &mut draft, lang, &mut requests);
        }
        if self.replay_open {
            let (open, lang) = (&mut self.replay_open, self.language);
            ui::replay_window::show(&ctx, open, tab, &mut draft, lang, &mut requests);
        }
        requests.edited(tab.settings(), draft);
        // A file dropped anywhere on the window goes to the tab in view.
        let dropped: Option<PathBuf> = ui.input(|input| {
            input
                .raw
                .dropped_files
                .first()
                .map(|file| file.path().to_path_buf())
        });
        if let Some(path) = dropped {
            requests.tab(TabAction::SendFile(path));
        }
        for command in requests.take() {
            self.run(&ctx, command);
        }
    }

    /// Carries out what a user asked for: the one place every widget's request ends up.
    pub fn run(&mut self, ctx: &egui::Context, command: UiCommand) {
        let mode = self.active;
        match command {
            UiCommand::Tab(action @ TabAction::Edit(_)) => {
                self.act(mode, action);
                // This frame drew what depends on the settings (the preview, the filter) from
                // before the edit.
                ctx.request_repaint();
            }
            UiCommand::Tab(action) => self.act(mode, action),
            UiCommand::AskFile(purpose) => self.ask_file(purpose),
            UiCommand::CopySelection { hex } => ctx.copy_text(self.tab(mode).selection_text(hex)),
            UiCommand::Quick(action) => self.apply_quick(action),
            UiCommand::ToggleQuickCommands => self.quick_window.open = !self.quick_window.open,
            UiCommand::ToggleAutoReply => self.auto_reply_open = !self.auto_reply_open,
            UiCommand::ToggleScript => self.script_open = !self.script_open,
            UiCommand::ToggleReplay => self.replay_open = !self.replay_open,
            UiCommand::ToggleChart => {
                self.tab_mut(mode)
                    .edit_settings(|settings| settings.chart.open = !settings.chart.open);
            }
            UiCommand::SetMaxFps(fps) => self.pacer.set_max_fps(fps),
            UiCommand::SetLanguage(language) => {
                self.use_language(language);
                self.remembered_language = Some(language);
            }
            UiCommand::SetTheme(theme) => {
                self.theme = theme;
                ctx.set_theme(theme);
            }
        }
    }

    fn tab_bar(&mut self, ui: &mut egui::Ui, requests: &mut Requests) {
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
                ui::language_menu::show(ui, lang, requests);
                ui::theme_menu::show(ui, lang, self.theme, requests);
            });
        });
    }

    fn status_bar(&mut self, ui: &mut egui::Ui, requests: &mut Requests) {
        let notices = Notices {
            recording_to: self
                .recorder
                .as_ref()
                .map(|recorder| recorder.path().display().to_string()),
            notice: self.notice.as_ref(),
            recording_backlog: self.recorder.as_ref().map_or(0, Recorder::backlog),
        };
        let tab = &self.tabs[self.active as usize];
        ui::status_bar::show(ui, tab, self.language, &notices, requests);
    }

    /// The tab in view. Its widgets edit a draft of its settings, handed back as one
    /// [`TabAction::Edit`] ahead of what they asked for.
    fn session_ui(&mut self, ui: &mut egui::Ui, requests: &mut Requests) {
        let mode = self.active;
        let lang = self.language;
        let focus = self.tabs[mode as usize].take_focus_request();
        let tab = &self.tabs[mode as usize];
        let mut draft = tab.settings().clone();
        if self.settings_open {
            let app = ui::settings_panel::AppWide {
                address_choices: &self.address_choices,
                max_fps: (self.pacer.max_fps(), MAX_FPS_RANGE),
            };
            egui::Panel::left("settings")
                .resizable(true)
                .default_size(270.0)
                .min_size(200.0)
                .show(ui, |ui| {
                    ui.add_space(4.0);
                    ui::settings_panel::show(ui, tab, &mut draft, lang, &app, requests);
                });
        }
        // Sized by what it holds: its toolbar wraps to a second row in a narrow window, which
        // a remembered height would leave its resize handle lying on.
        egui::Panel::bottom(("send", mode))
            .resizable(false)
            .show(ui, |ui| {
                ui.add_space(4.0);
                ui::send_box::show(ui, tab, &mut draft, focus, lang, requests);
                ui.add_space(2.0);
            });
        if mode.has_clients() {
            // Beside the log where it leaves the log room; under it in a narrow window, sized
            // by its rows (a resize handle there lay on the send box's first row).
            let panel = if ui.available_width() >= CLIENTS_BESIDE_FROM {
                egui::Panel::right("clients")
                    .default_size(260.0)
                    .resizable(true)
            } else {
                let height = (ui.available_height() * 0.3).min(160.0);
                egui::Panel::bottom("clients below")
                    .exact_size(height)
                    .resizable(false)
            };
            panel.show(ui, |ui| {
                if mode == Mode::Relay {
                    ui::pair_list::show(ui, tab, lang, requests);
                } else {
                    ui::client_list::show(ui, tab, lang, requests);
                }
            });
        }
        egui::CentralPanel::default().show(ui, |ui| {
            let view_switch = !self.settings_open;
            log_area(ui, tab, &mut draft, lang, view_switch, requests);
        });
        requests.edited(tab.settings(), draft);
    }
}

/// The width left for the log and the client list from which the list goes beside the log.
const CLIENTS_BESIDE_FROM: f32 = 760.0;

/// The central panel: the filter, the chart and the selection bar when open, and the log.
/// `view_switch`: Text/Hex/Both come to the log's row too (the settings panel, where they
/// live, is hidden), as NetAssist keeps its hex display switch by the log.
fn log_area(
    ui: &mut egui::Ui,
    tab: &Tab,
    settings: &mut TabSettings,
    lang: Language,
    view_switch: bool,
    requests: &mut Requests,
) {
    let mode = tab.mode;
    ui.horizontal_wrapped(|ui| {
        ui::log_controls::show(ui, tab, lang, requests);
        if view_switch {
            ui.separator();
            ui::receive_panel::layout_switch(ui, settings, lang);
        }
        ui.separator();
        ui::filter_bar::show(ui, tab, settings, lang);
    });
    if settings.chart.open {
        chart_panel(ui, tab, settings, lang, requests);
    }
    if !tab.view.selected.is_empty() {
        // Below the rows, so selecting never moves the row under the pointer.
        egui::Panel::bottom(("selection", mode)).show(ui, |ui| {
            ui::selection_bar::show(ui, tab, lang, requests);
        });
    }
    ui.separator();
    ui::log_view::show(ui, tab, lang, requests);
}

/// The traffic chart, in a panel at the bottom of the log's area.
fn chart_panel(
    ui: &mut egui::Ui,
    tab: &Tab,
    settings: &mut TabSettings,
    lang: Language,
    requests: &mut Requests,
) {
    // Drawn on the central panel's fill, not a fill of its own (see traffic_chart).
    let frame = egui::Frame::side_top_panel(ui.style()).fill(egui::Color32::TRANSPARENT);
    egui::Panel::bottom(("chart", tab.mode))
        .frame(frame)
        .resizable(true)
        .show(ui, |ui| {
            let session = tab.session();
            let chart = &mut settings.chart;
            let moving = ui::traffic_chart::show(ui, &session, chart, lang, requests);
            if moving {
                // Its traffic moves on by the second; a quiet chart stays still.
                ui.ctx()
                    .request_repaint_after(std::time::Duration::from_secs(1));
            }
        });
}
