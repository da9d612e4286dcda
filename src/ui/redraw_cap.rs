//! The cap on frames a second drawn while data arrives, for the whole window: in the settings
//! panel's Entries and memory section (a setting for slow machines, not for every day).

use std::ops::RangeInclusive;

use crate::i18n::{Language, tr};

/// Shows `current`; returns the cap the user set, if changed.
pub fn show(
    ui: &mut egui::Ui,
    lang: Language,
    current: u32,
    range: RangeInclusive<u32>,
) -> Option<u32> {
    let mut fps = current;
    let label = ui.label(tr!(lang, "app.redraw.label"));
    ui.add(egui::DragValue::new(&mut fps).range(range).speed(0.2))
        .on_hover_text(tr!(lang, "app.redraw.hint"))
        .labelled_by(label.id);
    ui.label(tr!(lang, "app.redraw.unit"));
    (fps != current).then_some(fps)
}
