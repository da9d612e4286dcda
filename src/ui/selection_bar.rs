//! Shown while entries are selected: how many, and copying them as text or hex.

use super::command::{Requests, UiCommand};
use crate::i18n::{Language, tr};
use crate::tab::{Tab, TabAction};
use crate::units::group_digits;

pub fn show(ui: &mut egui::Ui, tab: &Tab, lang: Language, requests: &mut Requests) {
    ui.horizontal_wrapped(|ui| {
        let count = group_digits(tab.view.selected.len() as u64);
        ui.label(tr!(lang, "selection.count", count = count))
            .on_hover_text(tr!(lang, "selection.hint"));
        if ui.button(tr!(lang, "selection.copy_text")).clicked() {
            requests.push(UiCommand::CopySelection { hex: false });
        }
        if ui.button(tr!(lang, "selection.copy_hex")).clicked() {
            requests.push(UiCommand::CopySelection { hex: true });
        }
        if ui.button(tr!(lang, "selection.deselect")).clicked() {
            requests.tab(TabAction::ClearSelection);
        }
    });
}
