//! Files: the Record toggle (every entry into a rotating log file), Save data (raw received
//! bytes, as in a download) and Save log… (the whole log now).

use std::borrow::Cow;

use crate::export::Written;
use crate::i18n::Language;
use crate::tab::{Tab, TabAction};
use crate::tr;
use crate::units::{bytes_text, group_digits};

/// What the capture rows ask for beyond plain tab actions.
#[must_use]
pub enum CaptureAction {
    Tab(TabAction),
    /// Choose the Record file in a dialog, then start recording.
    BrowseRecord,
    /// Choose the Save data file in a dialog, then start saving.
    BrowseRaw,
    SaveLog,
}

pub fn show(ui: &mut egui::Ui, tab: &mut Tab, lang: Language) -> Option<CaptureAction> {
    let mut action = None;
    ui.horizontal_wrapped(|ui| {
        // First, so a message at the end of the row can wrap without moving it.
        if ui
            .button(tr!(lang, "capture.save_log"))
            .on_hover_text(tr!(lang, "capture.save_log_hint"))
            .clicked()
        {
            action = Some(CaptureAction::SaveLog);
        }
        ui.separator();
        let recording = tab.capture.recorder.is_some();
        let mut on = recording;
        let toggle = ui
            .checkbox(&mut on, tr!(lang, "capture.record"))
            .on_hover_text(tr!(lang, "capture.record_hint"));
        if toggle.clicked() {
            action = Some(CaptureAction::Tab(TabAction::ToggleRecording));
        }
        let fields = &mut tab.settings.capture;
        ui.add_enabled_ui(!recording, |ui| {
            path_field(ui, &mut fields.record_path, "capture.jsonl", toggle.id);
            if ui
                .button(tr!(lang, "capture.browse"))
                .on_hover_text(tr!(lang, "capture.browse_record_hint"))
                .clicked()
            {
                action = Some(CaptureAction::BrowseRecord);
            }
            let label = ui.label(tr!(lang, "capture.split"));
            let edit = egui::TextEdit::singleline(&mut fields.split_mib).desired_width(44.0);
            ui.add(edit)
                .labelled_by(label.id)
                .on_hover_text(tr!(lang, "capture.split_hint"));
            ui.label(tr!(lang, "capture.split_unit"));
        });
        if let Some(recorder) = &tab.capture.recorder {
            ui.weak(written_text(lang, recorder.progress().written()));
        }
        error_label(ui, tab.errors.record.as_deref());
    });
    ui.horizontal_wrapped(|ui| {
        let saving = tab.capture.raw.is_some();
        let mut on = saving;
        let toggle = ui
            .checkbox(&mut on, tr!(lang, "capture.save_data"))
            .on_hover_text(tr!(lang, "capture.save_data_hint"));
        if toggle.clicked() {
            action = Some(CaptureAction::Tab(TabAction::ToggleRawCapture));
        }
        let fields = &mut tab.settings.capture;
        ui.add_enabled_ui(!saving, |ui| {
            path_field(ui, &mut fields.raw_path, "received.bin", toggle.id);
            if ui
                .button(tr!(lang, "capture.browse"))
                .on_hover_text(tr!(lang, "capture.browse_data_hint"))
                .clicked()
            {
                action = Some(CaptureAction::BrowseRaw);
            }
            ui.checkbox(&mut fields.raw.per_peer, tr!(lang, "capture.per_peer"))
                .on_hover_text(tr!(lang, "capture.per_peer_hint"));
            ui.checkbox(&mut fields.raw.include_tx, tr!(lang, "capture.include_tx"))
                .on_hover_text(tr!(lang, "capture.include_tx_hint"));
        });
        if let Some(raw) = &tab.capture.raw {
            ui.weak(written_text(lang, raw.progress().written()));
        }
        error_label(ui, tab.errors.raw.as_deref());
    });
    action
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

fn path_field(ui: &mut egui::Ui, path: &mut String, hint: &str, label: egui::Id) {
    let edit = egui::TextEdit::singleline(path)
        .hint_text(hint)
        .desired_width(220.0);
    ui.add(edit).labelled_by(label);
}

fn error_label(ui: &mut egui::Ui, error: Option<&str>) {
    if let Some(error) = error {
        ui.colored_label(ui.visuals().error_fg_color, error);
    }
}
