//! Shown while entries are selected: how many, and copying them as text or hex.

use crate::i18n::Language;
use crate::tab::Tab;
use crate::tr;
use crate::units::group_digits;

/// What the user asked of the selection.
#[must_use]
pub enum SelectionAction {
    Copy { hex: bool },
    Deselect,
}

pub fn show(ui: &mut egui::Ui, tab: &Tab, lang: Language) -> Option<SelectionAction> {
    let mut action = None;
    ui.horizontal_wrapped(|ui| {
        let count = group_digits(tab.selected.len() as u64);
        ui.label(tr!(lang, "selection.count", count = count))
            .on_hover_text(tr!(lang, "selection.hint"));
        if ui.button(tr!(lang, "selection.copy_text")).clicked() {
            action = Some(SelectionAction::Copy { hex: false });
        }
        if ui.button(tr!(lang, "selection.copy_hex")).clicked() {
            action = Some(SelectionAction::Copy { hex: true });
        }
        if ui.button(tr!(lang, "selection.deselect")).clicked() {
            action = Some(SelectionAction::Deselect);
        }
    });
    action
}
