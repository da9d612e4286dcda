//! Relay (a section of the settings panel): the faults put into each way on purpose, a delay
//! with jitter, a bandwidth limit and a cut, and what is wrong with them.

use crate::i18n::{Language, tr};
use crate::tab::{Tab, TabSettings};

/// The fields' width: a few digits each.
const FIELD_WIDTH: f32 = 56.0;

pub fn show(ui: &mut egui::Ui, tab: &Tab, settings: &mut TabSettings, lang: Language) {
    for (fields, way) in settings.faults.iter_mut().zip(["C->U", "U->C"]) {
        ui.monospace(way);
        ui.indent(way, |ui| {
            ui.horizontal(|ui| {
                let label = ui.label(tr!(lang, "relay.faults.delay"));
                field(ui, &mut fields.delay_ms, label.id);
                let label = ui.label("±");
                field(ui, &mut fields.jitter_ms, label.id);
                ui.label(tr!(lang, "relay.faults.ms"));
            });
            ui.horizontal(|ui| {
                let label = ui.label(tr!(lang, "relay.faults.rate"));
                field(ui, &mut fields.rate_kib, label.id);
                ui.label("KiB/s");
            });
            ui.horizontal(|ui| {
                let label = ui.label(tr!(lang, "relay.faults.cut"));
                field(ui, &mut fields.cut_after, label.id)
                    .on_hover_text(tr!(lang, "relay.faults.cut_hint"));
                ui.label(tr!(lang, "relay.faults.bytes"));
            });
        });
    }
    ui.weak(tr!(lang, "relay.faults.hint"));
    if let Some(error) = &tab.view.errors.faults {
        ui.colored_label(ui.visuals().error_fg_color, error);
    }
}

fn field(ui: &mut egui::Ui, value: &mut String, label: egui::Id) -> egui::Response {
    let edit = egui::TextEdit::singleline(value)
        .hint_text("—")
        .desired_width(FIELD_WIDTH);
    ui.add(edit).labelled_by(label)
}
