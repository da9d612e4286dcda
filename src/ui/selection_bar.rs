//! Shown while entries are selected: how many, and copying them as text or hex.

use crate::tab::Tab;
use crate::units::group_digits;

/// What the user asked of the selection.
#[must_use]
pub enum SelectionAction {
    Copy { hex: bool },
    Deselect,
}

pub fn show(ui: &mut egui::Ui, tab: &Tab) -> Option<SelectionAction> {
    let mut action = None;
    ui.horizontal_wrapped(|ui| {
        ui.label(format!(
            "{} selected",
            group_digits(tab.selected.len() as u64)
        ))
        .on_hover_text("Click rows to select them; Shift-click for a range");
        if ui.button("Copy as text").clicked() {
            action = Some(SelectionAction::Copy { hex: false });
        }
        if ui.button("Copy as hex").clicked() {
            action = Some(SelectionAction::Copy { hex: true });
        }
        if ui.button("Deselect").clicked() {
            action = Some(SelectionAction::Deselect);
        }
    });
    action
}
