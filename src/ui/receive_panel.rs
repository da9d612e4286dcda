//! The settings panel's Receive section: Text/Hex/Both, the encoding, control characters,
//! timestamps. (Pause and Clear sit with the log: see `log_controls`.)

use super::labels;
use crate::codec::TextEncoding;
use crate::i18n::{Language, tr};
use crate::session::{Layout, Timestamps};
use crate::tab::TabSettings;

pub fn show(ui: &mut egui::Ui, settings: &mut TabSettings, lang: Language) {
    ui.horizontal_wrapped(|ui| layout_switch(ui, settings, lang));
    let view = &mut settings.view;
    let encoding = &mut settings.encoding;
    let label = tr!(lang, "display.encoding");
    super::form::combo(ui, &label, encoding.to_string(), |ui| {
        for choice in TextEncoding::ALL {
            ui.selectable_value(encoding, choice, choice.to_string());
        }
    });
    ui.horizontal_wrapped(|ui| {
        for style in Timestamps::ALL {
            ui.selectable_value(&mut view.timestamps, style, labels::timestamps(lang, style));
        }
    });
    ui.horizontal_wrapped(|ui| {
        ui.checkbox(&mut view.show_controls, tr!(lang, "display.show_controls"))
            .on_hover_text(tr!(lang, "display.show_controls_hint"));
        ui.checkbox(&mut view.show_delta, tr!(lang, "display.delta"))
            .on_hover_text(tr!(lang, "display.delta_hint"));
        ui.checkbox(&mut view.show_reply, tr!(lang, "display.reply"))
            .on_hover_text(tr!(lang, "display.reply_hint"));
    });
}

/// Text, Hex or Both, in the row the caller laid out (also by the log while the settings panel
/// is hidden).
pub fn layout_switch(ui: &mut egui::Ui, settings: &mut TabSettings, lang: Language) {
    for layout in Layout::ALL {
        let text = labels::layout(lang, layout);
        ui.selectable_value(&mut settings.view.layout, layout, text);
    }
}
