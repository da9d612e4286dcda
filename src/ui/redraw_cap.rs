//! The cap on frames a second drawn while data arrives, in the status bar (laid out right to
//! left).

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
    ui.weak(tr!(lang, "app.redraw.unit"));
    let value = ui
        .add(egui::DragValue::new(&mut fps).range(range).speed(0.2))
        .on_hover_text(tr!(lang, "app.redraw.hint"));
    let label = ui.weak(tr!(lang, "app.redraw.label"));
    value.labelled_by(label.id);
    (fps != current).then_some(fps)
}
