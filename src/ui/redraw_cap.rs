//! The cap on frames a second drawn while data arrives, in the status bar (laid out right to
//! left).

use std::ops::RangeInclusive;

/// Shows `current`; returns the cap the user set, if changed.
pub fn show(ui: &mut egui::Ui, current: u32, range: RangeInclusive<u32>) -> Option<u32> {
    let mut fps = current;
    ui.weak("/s");
    let value = ui
        .add(egui::DragValue::new(&mut fps).range(range).speed(0.2))
        .on_hover_text(
            "While data arrives the window is redrawn at most this often; a message arriving \
             alone is drawn at once. Lower costs less CPU in a VM or over remote desktop.",
        );
    let label = ui.weak("Redraw at most");
    value.labelled_by(label.id);
    (fps != current).then_some(fps)
}
