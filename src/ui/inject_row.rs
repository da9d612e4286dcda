//! Relay: which way the send box puts its bytes into the pairs, and into which, on a row of
//! its own over the send box's toolbar.

use crate::i18n::{Language, tr};
use crate::net::Toward;
use crate::tab::{Tab, TabSettings};
use crate::units::group_digits;

pub fn show(ui: &mut egui::Ui, tab: &Tab, settings: &mut TabSettings, lang: Language) {
    let text = |toward| match toward {
        Toward::Client => tr!(lang, "relay.inject.to_client"),
        Toward::Upstream => tr!(lang, "relay.inject.to_upstream"),
    };
    let pairs = tab.session().clients.len();
    let target = match tab.selected_clients().len() {
        0 if pairs == 0 => tr!(lang, "relay.inject.none"),
        0 if pairs == 1 => tr!(lang, "relay.inject.the_one"),
        0 => tr!(lang, "relay.inject.all", count = group_digits(pairs as u64)),
        n => tr!(
            lang,
            "relay.inject.selected",
            count = group_digits(n as u64)
        ),
    };
    let label = ui.label(tr!(lang, "relay.inject.label"));
    egui::ComboBox::from_id_salt("inject toward")
        .selected_text(text(settings.inject_toward))
        .show_ui(ui, |ui| {
            for toward in [Toward::Client, Toward::Upstream] {
                ui.selectable_value(&mut settings.inject_toward, toward, text(toward));
            }
        })
        .response
        .labelled_by(label.id);
    ui.weak(target);
}
