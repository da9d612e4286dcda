//! The language menu, at the right of the tab bar: each language by its own name.

use super::command::{Requests, UiCommand};
use crate::i18n::{Language, tr};

/// Shows the language in use; asks for the one the user picked, if they picked one.
pub fn show(ui: &mut egui::Ui, current: Language, requests: &mut Requests) {
    let mut chosen = current;
    egui::ComboBox::from_label(tr!(current, "app.language"))
        .selected_text(current.native_name())
        .show_ui(ui, |ui| {
            for language in Language::ALL {
                ui.selectable_value(&mut chosen, language, language.native_name());
            }
        })
        .response
        .on_hover_text(tr!(current, "app.language_hint"));
    if chosen != current {
        requests.push(UiCommand::SetLanguage(chosen));
    }
}
