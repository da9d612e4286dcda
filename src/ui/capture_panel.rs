//! The settings panel's Files section: the Record toggle (every entry into a rotating log file), Save data (raw received
//! bytes, as in a download) and Save log… (the whole log now).

use std::borrow::Cow;

use super::command::{FilePurpose, Requests, UiCommand};
use crate::export::Written;
use crate::export::raw_capture::MAX_PEER_FILES;
use crate::i18n::{Language, tr};
use crate::tab::{Tab, TabAction, TabSettings};
use crate::units::{bytes_text, group_digits};

pub fn show(
    ui: &mut egui::Ui,
    tab: &Tab,
    settings: &mut TabSettings,
    lang: Language,
    requests: &mut Requests,
) {
    let mode = tab.mode;
    if ui
        .button(tr!(lang, "capture.save_log"))
        .on_hover_text(tr!(lang, "capture.save_log_hint"))
        .clicked()
    {
        requests.push(UiCommand::AskFile(FilePurpose::SaveLog(mode)));
    }
    ui.separator();
    let fields = &mut settings.capture;
    let split_mib = &mut fields.split_mib;
    let record = FileToggle {
        running: tab.capture.recorder.is_some(),
        toggle: tr!(lang, "capture.record"),
        toggle_hint: tr!(lang, "capture.record_hint"),
        path: &mut fields.record_path,
        path_hint: tr!(lang, "capture.path_hint"),
        browse_hint: tr!(lang, "capture.browse_record_hint"),
    };
    let asked = file_toggle(ui, lang, record, |ui| {
        ui.horizontal(|ui| {
            let label = ui.label(tr!(lang, "capture.split"));
            let edit = egui::TextEdit::singleline(split_mib).desired_width(44.0);
            ui.add(edit)
                .labelled_by(label.id)
                .on_hover_text(tr!(lang, "capture.split_hint"));
            ui.label(tr!(lang, "capture.split_unit"));
        });
    });
    if asked.toggled {
        requests.tab(TabAction::ToggleRecording);
    }
    if asked.browse {
        requests.push(UiCommand::AskFile(FilePurpose::Record(mode)));
    }
    if let Some(recorder) = &tab.capture.recorder {
        ui.weak(written_text(lang, recorder.progress().written()));
    }
    error_label(ui, tab.view.errors.record.as_deref());
    ui.separator();
    let raw_options = &mut fields.raw;
    let raw = FileToggle {
        running: tab.capture.raw.is_some(),
        toggle: tr!(lang, "capture.save_data"),
        toggle_hint: tr!(lang, "capture.save_data_hint"),
        path: &mut fields.raw_path,
        path_hint: tr!(lang, "capture.path_hint"),
        browse_hint: tr!(lang, "capture.browse_data_hint"),
    };
    let asked = file_toggle(ui, lang, raw, |ui| {
        ui.horizontal_wrapped(|ui| {
            ui.checkbox(&mut raw_options.per_peer, tr!(lang, "capture.per_peer"))
                .on_hover_text(tr!(
                    lang,
                    "capture.per_peer_hint",
                    max = MAX_PEER_FILES.to_string()
                ));
            ui.checkbox(&mut raw_options.include_tx, tr!(lang, "capture.include_tx"))
                .on_hover_text(tr!(lang, "capture.include_tx_hint"));
        });
    });
    if asked.toggled {
        requests.tab(TabAction::ToggleRawCapture);
    }
    if asked.browse {
        requests.push(UiCommand::AskFile(FilePurpose::SaveData(mode)));
    }
    if let Some(raw) = &tab.capture.raw {
        ui.weak(written_text(lang, raw.progress().written()));
    }
    error_label(ui, tab.view.errors.raw.as_deref());
}

/// A file written while a toggle is on: its checkbox, its path (fixed while it runs) with
/// Browse…, and its options.
struct FileToggle<'a> {
    running: bool,
    toggle: Cow<'static, str>,
    toggle_hint: Cow<'static, str>,
    path: &'a mut String,
    /// What the empty path field says: a hint, not a value it seems to hold.
    path_hint: Cow<'static, str>,
    browse_hint: Cow<'static, str>,
}

/// What a file toggle was asked for.
struct FileAsk {
    toggled: bool,
    browse: bool,
}

fn file_toggle(
    ui: &mut egui::Ui,
    lang: Language,
    file: FileToggle<'_>,
    options: impl FnOnce(&mut egui::Ui),
) -> FileAsk {
    let FileToggle {
        running,
        toggle,
        toggle_hint,
        path,
        path_hint,
        browse_hint,
    } = file;
    let mut on = running;
    let toggle = ui.checkbox(&mut on, toggle).on_hover_text(toggle_hint);
    // Ticked with no path yet, it asks for one (and starts once chosen), as Browse… does,
    // rather than saying the path is missing.
    let unnamed = !running && path.trim().is_empty();
    let browse = ui
        .add_enabled_ui(!running, |ui| {
            let browse = path_row(ui, lang, path, &path_hint, toggle.id, browse_hint);
            options(ui);
            browse
        })
        .inner;
    let ticked = toggle.clicked();
    FileAsk {
        toggled: ticked && !unnamed,
        browse: browse || (ticked && unnamed),
    }
}

/// "12 MiB in 3 files": what a file writer has written so far.
fn written_text(lang: Language, written: Written) -> Cow<'static, str> {
    let bytes = bytes_text(written.bytes);
    let count = group_digits(written.files);
    if written.files == 1 {
        tr!(lang, "capture.written_one", bytes = bytes, count = count)
    } else {
        tr!(lang, "capture.written_other", bytes = bytes, count = count)
    }
}

/// A file's path, named by its toggle, with Browse… after it; true when Browse… was clicked.
fn path_row(
    ui: &mut egui::Ui,
    lang: Language,
    path: &mut String,
    hint: &str,
    label: egui::Id,
    browse_hint: Cow<'static, str>,
) -> bool {
    // Right to left: the button takes its width, the path the rest, in any language.
    let layout = egui::Layout::right_to_left(egui::Align::Center);
    ui.allocate_ui_with_layout(egui::vec2(ui.available_width(), 0.0), layout, |ui| {
        let browse = egui::Button::new(tr!(lang, "capture.browse"));
        let clicked = ui.add(browse).on_hover_text(browse_hint).clicked();
        let edit = egui::TextEdit::singleline(path)
            .hint_text(hint)
            .desired_width(ui.available_width());
        ui.add(edit).labelled_by(label);
        clicked
    })
    .inner
}

fn error_label(ui: &mut egui::Ui, error: Option<&str>) {
    if let Some(error) = error {
        ui.colored_label(ui.visuals().error_fg_color, error);
    }
}
