//! The settings panel on the left, as in NetAssist: Connection, Receive and Send open, the
//! rarer Connect options (TCP client), TLS (TCP), Multicast (UDP), Entries and Files folded;
//! each section folds on a click of its title.

use std::ops::RangeInclusive;

use super::command::{Requests, UiCommand};
use crate::i18n::{Language, tr};
use crate::session::Mode;
use crate::tab::{Tab, TabSettings};

/// What the panel shows that belongs to the whole app, not the tab.
pub struct AppWide<'a> {
    /// This machine's addresses, offered for the local address fields.
    pub address_choices: &'a [String],
    /// The redraw cap now, and its range.
    pub max_fps: (u32, RangeInclusive<u32>),
}

pub fn show(
    ui: &mut egui::Ui,
    tab: &Tab,
    settings: &mut TabSettings,
    lang: Language,
    app: &AppWide<'_>,
    requests: &mut Requests,
) {
    let address_choices = app.address_choices;
    // A bar of its own beside the fields: egui's floating bar lay on their right edge (the
    // "times" label, the Browse… buttons).
    ui.spacing_mut().scroll = egui::style::ScrollStyle::solid();
    egui::ScrollArea::vertical()
        .id_salt(("settings", tab.mode))
        .auto_shrink([false, true])
        .show(ui, |ui| {
            let connection = tr!(lang, "panel.connection");
            section(ui, "connection", &connection, true, |ui| {
                super::connection_panel::show(ui, tab, settings, lang, address_choices, requests);
            });
            if tab.mode == Mode::Relay {
                section(ui, "hold", &tr!(lang, "relay.hold.section"), true, |ui| {
                    super::hold_bar::show(ui, tab, lang, requests);
                });
                // Folded, its title says whether any fault is set.
                let mut title = tr!(lang, "relay.faults.section").into_owned();
                if settings
                    .faults
                    .iter()
                    .any(|fields| *fields != Default::default())
                {
                    title.push_str(" ✔");
                }
                section(ui, "faults", &title, false, |ui| {
                    super::fault_panel::show(ui, tab, settings, lang);
                });
                let mut title = tr!(lang, "relay.rewrite.section").into_owned();
                if settings.rewrites.iter().any(|rule| !rule.find.is_empty()) {
                    title.push_str(" ✔");
                }
                section(ui, "rewrite", &title, false, |ui| {
                    super::rewrite_panel::show(ui, tab, settings, lang);
                });
            }
            if matches!(tab.mode, Mode::TcpClient | Mode::Relay) {
                let title = if tab.mode == Mode::Relay {
                    tr!(lang, "relay.upstream_options")
                } else {
                    tr!(lang, "panel.client_options")
                };
                section(ui, "client options", &title, false, |ui| {
                    super::client_options::show(ui, tab, settings, lang, address_choices);
                });
            }
            let relay_tls = tab.mode == Mode::Relay && !settings.relay.udp;
            if matches!(tab.mode, Mode::TcpClient | Mode::TcpServer) || relay_tls {
                // Folded, its title says whether TLS is on.
                let mut title = tr!(lang, "panel.tls").into_owned();
                if settings.tls.enabled || (relay_tls && settings.relay.upstream_tls.enabled) {
                    title.push_str(" ✔");
                }
                section(ui, "tls", &title, false, |ui| {
                    super::tls_panel::show(ui, tab, settings, lang, requests);
                });
            }
            if tab.mode == Mode::Udp {
                section(
                    ui,
                    "multicast",
                    &tr!(lang, "panel.multicast"),
                    false,
                    |ui| {
                        super::multicast_panel::show(ui, tab, settings, lang, requests);
                    },
                );
            }
            section(ui, "receive", &tr!(lang, "panel.receive"), true, |ui| {
                super::receive_panel::show(ui, settings, lang);
            });
            section(ui, "send", &tr!(lang, "panel.send"), true, |ui| {
                super::send_options::show(ui, tab, settings, lang, requests);
                if ui
                    .button(tr!(lang, "send.replay"))
                    .on_hover_text(tr!(lang, "send.replay_hint"))
                    .clicked()
                {
                    requests.push(UiCommand::ToggleReplay);
                }
            });
            section(ui, "entries", &tr!(lang, "panel.entries"), false, |ui| {
                super::framing_panel::show(ui, tab, settings, lang, requests);
                // For every tab: what a frame costs where there is no GPU.
                ui.horizontal_wrapped(|ui| {
                    let (current, range) = app.max_fps.clone();
                    if let Some(fps) = super::redraw_cap::show(ui, lang, current, range) {
                        requests.push(UiCommand::SetMaxFps(fps));
                    }
                });
            });
            section(ui, "files", &tr!(lang, "panel.files"), false, |ui| {
                super::capture_panel::show(ui, tab, settings, lang, requests);
            });
        });
}

/// A section under a title that folds it; `key` names it whatever the language, so it stays
/// open or folded across a switch of language, and across tabs.
fn section(
    ui: &mut egui::Ui,
    key: &str,
    title: &str,
    open: bool,
    contents: impl FnOnce(&mut egui::Ui),
) {
    egui::CollapsingHeader::new(egui::RichText::new(title).strong())
        .id_salt(("settings section", key))
        .default_open(open)
        .show(ui, contents);
}
