//! The theme menu, at the right of the tab bar: follow the system, light or dark.

use egui::ThemePreference;

use super::command::{Requests, UiCommand};
use crate::i18n::{Language, tr};

/// Shows the theme preference in use; asks for the one the user picked, if they picked one.
pub fn show(ui: &mut egui::Ui, lang: Language, current: ThemePreference, requests: &mut Requests) {
    let mut chosen = current;
    egui::ComboBox::from_label(tr!(lang, "app.theme"))
        .selected_text(name(lang, current))
        .show_ui(ui, |ui| {
            for choice in [
                ThemePreference::System,
                ThemePreference::Light,
                ThemePreference::Dark,
            ] {
                ui.selectable_value(&mut chosen, choice, name(lang, choice));
            }
        });
    if chosen != current {
        requests.push(UiCommand::SetTheme(chosen));
    }
}

fn name(lang: Language, theme: ThemePreference) -> std::borrow::Cow<'static, str> {
    match theme {
        ThemePreference::System => tr!(lang, "app.theme_system"),
        ThemePreference::Light => tr!(lang, "app.theme_light"),
        ThemePreference::Dark => tr!(lang, "app.theme_dark"),
    }
}
