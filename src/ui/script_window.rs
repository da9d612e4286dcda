//! The Script window of the tab in view: an editor with line numbers, Run and Stop, the
//! examples, load and save, and where the script stopped if it failed.

use super::command::{FilePurpose, Requests, UiCommand};
use super::labels;
use crate::i18n::{Language, tr};
use crate::script::{EXAMPLES, ScriptEnd, ScriptState};
use crate::session::Mode;
use crate::tab::{Tab, TabAction, TabSettings};

pub fn show(
    ctx: &egui::Context,
    open: &mut bool,
    tab: &Tab,
    settings: &mut TabSettings,
    lang: Language,
    requests: &mut Requests,
) {
    let title = tr!(lang, "script.title", mode = labels::mode(lang, tab.mode));
    egui::Window::new(title)
        // Not the title's: the window stays where it is when the language changes.
        .id(egui::Id::unique(("script window", tab.mode)))
        .open(open)
        // Over the clients list and the log's right side: the log's start stays in view.
        .default_width(540.0)
        .default_pos([540.0, 70.0])
        .show(ctx, |ui| {
            let state = &tab.session().script;
            controls(ui, tab.mode, state, settings, lang, requests);
            let failed_line = match state {
                ScriptState::Ended(ScriptEnd::Failed(error)) => {
                    let text = match (error.line, error.column) {
                        (Some(line), Some(column)) => tr!(
                            lang,
                            "script.error_at",
                            line = line,
                            column = column,
                            message = error.message
                        ),
                        _ => error.message.as_str().into(),
                    };
                    ui.colored_label(ui.visuals().error_fg_color, text);
                    error.line
                }
                _ => None,
            };
            if !settings.script.path.is_empty() {
                ui.weak(&settings.script.path);
            }
            editor(ui, &mut settings.script.source, failed_line);
            egui::CollapsingHeader::new(tr!(lang, "script.api"))
                .id_salt(("script api", tab.mode))
                .show(ui, |ui| {
                    ui.label(egui::RichText::new(tr!(lang, "script.api_text")).monospace());
                });
        });
}

/// Run, Stop, what runs, the examples, load and save.
fn controls(
    ui: &mut egui::Ui,
    mode: Mode,
    state: &ScriptState,
    settings: &mut TabSettings,
    lang: Language,
    requests: &mut Requests,
) {
    let running = *state == ScriptState::Running;
    ui.horizontal(|ui| {
        // The UDP relay has no gate for a script to stand at.
        let udp_relay = mode == Mode::Relay && settings.relay.udp;
        let can_run = !udp_relay && !settings.script.source.trim().is_empty();
        let run_label = if running {
            tr!(lang, "script.run_again")
        } else {
            tr!(lang, "script.run")
        };
        let run = ui
            .add_enabled(can_run, egui::Button::new(run_label))
            .on_hover_text(tr!(lang, "script.run_hint"));
        let run = if udp_relay {
            run.on_disabled_hover_text(tr!(lang, "script.not_in_udp_relay"))
        } else {
            run
        };
        if run.clicked() {
            requests.tab(TabAction::RunScript);
        }
        if ui
            .add_enabled(running, egui::Button::new(tr!(lang, "script.stop")))
            .clicked()
        {
            requests.tab(TabAction::StopScript);
        }
        match state {
            ScriptState::Running => {
                ui.colored_label(
                    egui::Color32::from_rgb(0x2e, 0xa0, 0x43),
                    tr!(lang, "script.running"),
                );
            }
            ScriptState::Ended(ScriptEnd::Stopped) => {
                ui.label(tr!(lang, "script.state_stopped"));
            }
            ScriptState::Ended(ScriptEnd::Failed(_)) => {
                ui.colored_label(
                    ui.visuals().error_fg_color,
                    tr!(lang, "script.state_failed"),
                );
            }
            ScriptState::Off => {
                ui.weak(tr!(lang, "script.state_off"));
            }
        }
        ui.separator();
        ui.menu_button(tr!(lang, "script.examples"), |ui| {
            for (name, source) in EXAMPLES {
                if ui.button(name).clicked() {
                    settings.script.source = source.to_owned();
                    settings.script.path.clear();
                    ui.close();
                }
            }
        });
        if ui.button(tr!(lang, "script.load")).clicked() {
            requests.push(UiCommand::AskFile(FilePurpose::LoadScript(mode)));
        }
        if ui.button(tr!(lang, "script.save")).clicked() {
            requests.push(UiCommand::AskFile(FilePurpose::SaveScript(mode)));
        }
    });
}

const EDITOR_MARGIN: egui::Margin = egui::Margin::symmetric(4, 4);

/// The source in a code editor, with line numbers in a gutter (the line a failure names in
/// the error colour). Lines do not wrap, so each number stays beside its line: the editor
/// scrolls sideways instead.
fn editor(ui: &mut egui::Ui, source: &mut String, failed_line: Option<usize>) {
    let lines = source.split('\n').count();
    let font = egui::TextStyle::Monospace.resolve(ui.style());
    let row_height = ui.fonts_mut(|fonts| fonts.row_height(&font));
    let weak = ui.visuals().weak_text_color();
    let error = ui.visuals().error_fg_color;
    let text_color = ui.visuals().text_color();
    let mut gutter = egui::text::LayoutJob::default();
    for line in 1..=lines {
        let color = if Some(line) == failed_line {
            error
        } else {
            weak
        };
        let text = if line == lines {
            format!("{line:>4}")
        } else {
            format!("{line:>4}\n")
        };
        let mut format = egui::TextFormat::simple(font.clone(), color);
        format.line_height = Some(row_height);
        gutter.append(&text, 0.0, format);
    }
    let mut unwrapped = |ui: &egui::Ui, text: &dyn egui::TextBuffer, _wrap_width: f32| {
        let mut job = egui::text::LayoutJob::simple(
            text.as_str().to_owned(),
            font.clone(),
            text_color,
            f32::INFINITY,
        );
        job.keep_trailing_whitespace = true;
        for section in &mut job.sections {
            section.format.line_height = Some(row_height);
        }
        ui.fonts_mut(|fonts| fonts.layout_job(job))
    };
    egui::ScrollArea::both()
        .id_salt("script editor")
        .max_height(440.0)
        .show(ui, |ui| {
            ui.horizontal_top(|ui| {
                ui.vertical(|ui| {
                    // The editor's text starts below its inner margin (set below).
                    ui.add_space(f32::from(EDITOR_MARGIN.top));
                    ui.add(egui::Label::new(gutter).selectable(false));
                });
                ui.add(
                    egui::TextEdit::multiline(source)
                        .code_editor()
                        .margin(EDITOR_MARGIN)
                        .lock_focus(true)
                        .desired_rows(24)
                        .desired_width(f32::INFINITY)
                        .layouter(&mut unwrapped),
                );
            });
        });
}
