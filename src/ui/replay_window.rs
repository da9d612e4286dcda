//! The Replay window of the tab in view: a recording's sent or received messages, sent again
//! to this tab's peer with their recorded gaps (scaled) or back to back; progress, pause and
//! stop.

use super::command::{FilePurpose, Requests, UiCommand};
use super::labels;
use crate::i18n::{Language, tr};
use crate::tab::replay::SPEED_RANGE;
use crate::tab::{Tab, TabAction, TabSettings};

pub fn show(
    ctx: &egui::Context,
    open: &mut bool,
    tab: &Tab,
    settings: &mut TabSettings,
    lang: Language,
    requests: &mut Requests,
) {
    let mode = tab.mode;
    let title = tr!(lang, "replay.title", mode = labels::mode(lang, tab.mode));
    let state = tab.session().replay;
    let loading = tab.replay_loading();
    let running = state.is_some_and(|state| state.running);
    egui::Window::new(title)
        .id(egui::Id::unique(("replay window", tab.mode)))
        .open(open)
        .default_width(460.0)
        .default_pos([60.0, 200.0])
        .show(ctx, |ui| {
            ui.weak(tr!(lang, "replay.intro"));
            let fields = &mut settings.replay;
            ui.add_enabled_ui(!running && !loading, |ui| {
                ui.horizontal(|ui| {
                    let label = ui.label(tr!(lang, "replay.file"));
                    let layout = egui::Layout::right_to_left(egui::Align::Center);
                    ui.with_layout(layout, |ui| {
                        if ui.button(tr!(lang, "replay.browse")).clicked() {
                            requests.push(UiCommand::AskFile(FilePurpose::Replay(mode)));
                        }
                        let edit = egui::TextEdit::singleline(&mut fields.path)
                            .hint_text("session.jsonl, capture.pcapng")
                            .desired_width(ui.available_width());
                        ui.add(edit).labelled_by(label.id);
                    });
                });
                ui.horizontal(|ui| {
                    ui.radio_value(&mut fields.received, false, tr!(lang, "replay.sent"));
                    ui.radio_value(&mut fields.received, true, tr!(lang, "replay.received"));
                });
                ui.horizontal(|ui| {
                    let label = ui.label(tr!(lang, "replay.peer"));
                    let edit = egui::TextEdit::singleline(&mut fields.peer)
                        .hint_text(tr!(lang, "replay.all_peers"))
                        .desired_width(180.0);
                    ui.add(edit).labelled_by(label.id);
                });
                ui.horizontal(|ui| {
                    ui.add_enabled_ui(!fields.back_to_back, |ui| {
                        let label = ui.label(tr!(lang, "replay.speed"));
                        let speed = egui::DragValue::new(&mut fields.speed)
                            .range(SPEED_RANGE)
                            .speed(0.05)
                            .max_decimals(2)
                            .prefix("×");
                        ui.add(speed).labelled_by(label.id);
                    });
                    ui.checkbox(&mut fields.back_to_back, tr!(lang, "replay.back_to_back"))
                        .on_hover_text(tr!(lang, "replay.back_to_back_hint"));
                });
            });
            ui.horizontal(|ui| {
                if running {
                    let paused = state.is_some_and(|state| state.paused);
                    let (text, action) = if paused {
                        (tr!(lang, "replay.resume"), TabAction::ResumeReplay)
                    } else {
                        (tr!(lang, "replay.pause"), TabAction::PauseReplay)
                    };
                    if ui.button(text).clicked() {
                        requests.tab(action);
                    }
                    if ui.button(tr!(lang, "replay.stop")).clicked() {
                        requests.tab(TabAction::StopReplay);
                    }
                } else if loading {
                    ui.spinner();
                    ui.label(tr!(lang, "replay.reading"));
                } else if ui.button(tr!(lang, "replay.start")).clicked() {
                    requests.tab(TabAction::StartReplay);
                }
                if let Some(state) = state {
                    let fraction = state.sent as f32 / state.total.max(1) as f32;
                    let text = tr!(
                        lang,
                        "replay.progress",
                        sent = crate::units::group_digits(state.sent),
                        total = crate::units::group_digits(state.total)
                    );
                    ui.add(egui::ProgressBar::new(fraction).text(text.into_owned()));
                }
            });
            if let Some(error) = &tab.view.errors.replay {
                ui.colored_label(ui.visuals().error_fg_color, error);
            }
        });
}
