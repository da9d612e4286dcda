//! Relay: which way the send box puts its bytes into the pairs, and into which pairs, over
//! the send box.

use crate::i18n::{Language, tr};
use crate::net::Toward;
use crate::tab::{Tab, TabSettings};
use crate::units::group_digits;

pub fn show(ui: &mut egui::Ui, tab: &Tab, settings: &mut TabSettings, lang: Language) {
    ui.horizontal_wrapped(|ui| {
        ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Extend);
        ui.label(tr!(lang, "relay.inject.label"));
        let choices = [
            (Toward::Client, tr!(lang, "relay.inject.to_client")),
            (Toward::Upstream, tr!(lang, "relay.inject.to_upstream")),
        ];
        for (toward, text) in choices {
            ui.radio_value(&mut settings.inject_toward, toward, text);
        }
        let pairs = tab.session().clients.len();
        let target = match tab.selected_clients().len() {
            0 => tr!(lang, "relay.inject.all", count = group_digits(pairs as u64)),
            n => tr!(
                lang,
                "relay.inject.selected",
                count = group_digits(n as u64)
            ),
        };
        ui.weak(target);
    });
}
