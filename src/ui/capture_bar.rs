//! Files: the Record toggle (every entry into a rotating log file), Save data (raw received
//! bytes, as in a download) and Save log… (the whole log now).

use crate::tab::{Tab, TabAction};
use crate::units::{bytes_text, count};

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

pub fn show(ui: &mut egui::Ui, tab: &mut Tab) -> Option<CaptureAction> {
    let mut action = None;
    ui.horizontal_wrapped(|ui| {
        // First, so a message at the end of the row can wrap without moving it.
        if ui
            .button("Save log…")
            .on_hover_text("Save the log as it is now, as .txt, .csv or .jsonl")
            .clicked()
        {
            action = Some(CaptureAction::SaveLog);
        }
        ui.separator();
        let recording = tab.capture.recorder.is_some();
        let mut on = recording;
        let toggle = ui
            .checkbox(&mut on, "Record to")
            .on_hover_text("Write every entry to a log file (.jsonl, .csv or .txt) as it happens");
        if toggle.clicked() {
            action = Some(CaptureAction::Tab(TabAction::ToggleRecording));
        }
        let fields = &mut tab.settings.capture;
        ui.add_enabled_ui(!recording, |ui| {
            path_field(ui, &mut fields.record_path, "capture.jsonl", toggle.id);
            if ui
                .button("Browse…")
                .on_hover_text("Choose the log file")
                .clicked()
            {
                action = Some(CaptureAction::BrowseRecord);
            }
            let label = ui.label("Split at");
            let edit = egui::TextEdit::singleline(&mut fields.split_mib).desired_width(44.0);
            ui.add(edit)
                .labelled_by(label.id)
                .on_hover_text("Past this size the recording goes on in NAME.2.EXT, NAME.3.EXT, …");
            ui.label("MiB");
        });
        if let Some(recorder) = &tab.capture.recorder {
            let written = recorder.progress().written();
            ui.weak(format!(
                "{} in {}",
                bytes_text(written.bytes),
                count(written.files, "file")
            ));
        }
        error_label(ui, tab.errors.record.as_deref());
    });
    ui.horizontal_wrapped(|ui| {
        let saving = tab.capture.raw.is_some();
        let mut on = saving;
        let toggle = ui
            .checkbox(&mut on, "Save data to")
            .on_hover_text("Append the raw received bytes to a file, byte for byte");
        if toggle.clicked() {
            action = Some(CaptureAction::Tab(TabAction::ToggleRawCapture));
        }
        let fields = &mut tab.settings.capture;
        ui.add_enabled_ui(!saving, |ui| {
            path_field(ui, &mut fields.raw_path, "received.bin", toggle.id);
            if ui
                .button("Browse…")
                .on_hover_text("Choose the data file")
                .clicked()
            {
                action = Some(CaptureAction::BrowseRaw);
            }
            ui.checkbox(&mut fields.raw.per_peer, "Per peer")
                .on_hover_text("One file per peer: NAME_127.0.0.1-5000.EXT");
            ui.checkbox(&mut fields.raw.include_tx, "Sent data too")
                .on_hover_text("Also save what is sent, to NAME.tx.EXT");
        });
        if let Some(raw) = &tab.capture.raw {
            let written = raw.progress().written();
            ui.weak(format!(
                "{} in {}",
                bytes_text(written.bytes),
                count(written.files, "file")
            ));
        }
        error_label(ui, tab.errors.raw.as_deref());
    });
    action
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
