//! The settings panel's Connect options section (TCP client): the local address and port to
//! connect from, reconnecting, and what to send as soon as the connection is up. The relay
//! shows the local address and port its upstream connections start from.

use crate::i18n::{Language, tr};
use crate::session::Mode;
use crate::tab::{Tab, TabSettings};

pub fn show(
    ui: &mut egui::Ui,
    tab: &Tab,
    settings: &mut TabSettings,
    lang: Language,
    address_choices: &[String],
) {
    let editable = tab.endpoint_editable();
    let fields = &mut settings.client;
    ui.add_enabled_ui(editable, |ui| {
        let local_host = tr!(lang, "client.local_host");
        let local_port = tr!(lang, "client.local_port");
        let column = super::connection_panel::widest(ui, &[&local_host, &local_port]);
        ui.horizontal(|ui| {
            let label = super::connection_panel::label_cell(ui, column, &local_host);
            let layout = egui::Layout::right_to_left(egui::Align::Center);
            ui.with_layout(layout, |ui| {
                super::connection_panel::address_menu(
                    ui,
                    lang,
                    &mut fields.local_host,
                    address_choices,
                );
                let edit = egui::TextEdit::singleline(&mut fields.local_host)
                    .hint_text(tr!(lang, "client.any"))
                    .desired_width(ui.available_width());
                ui.add(edit).labelled_by(label.id);
            });
        });
        ui.horizontal(|ui| {
            let label = super::connection_panel::label_cell(ui, column, &local_port);
            let edit = egui::TextEdit::singleline(&mut fields.local_port)
                .hint_text(tr!(lang, "client.any"))
                .desired_width(ui.available_width());
            ui.add(edit)
                .labelled_by(label.id)
                .on_hover_text(tr!(lang, "client.local_hint"));
        });
        // The relay dials each pair's upstream once; it has no first message of its own.
        if tab.mode == Mode::Relay {
            return;
        }
        ui.separator();
        ui.checkbox(&mut fields.reconnect, tr!(lang, "client.reconnect"))
            .on_hover_text(tr!(lang, "client.reconnect_hint"));
        ui.add_enabled_ui(fields.reconnect, |ui| {
            ui.horizontal_wrapped(|ui| {
                ui.horizontal(|ui| {
                    let label = ui.label(tr!(lang, "client.every"));
                    let interval = egui::DragValue::new(&mut fields.reconnect_secs)
                        .range(0.1..=3600.0)
                        .speed(0.1)
                        .max_decimals(1)
                        .suffix(tr!(lang, "client.seconds"));
                    ui.add(interval).labelled_by(label.id);
                });
                ui.horizontal(|ui| {
                    let label = ui.label(tr!(lang, "client.at_most"));
                    let edit = egui::TextEdit::singleline(&mut fields.reconnect_limit)
                        .hint_text("∞")
                        .desired_width(40.0);
                    ui.add(edit).labelled_by(label.id);
                    ui.label(tr!(lang, "client.times"));
                });
            });
        });
        ui.separator();
        let label = ui.label(tr!(lang, "client.on_connect"));
        let edit = egui::TextEdit::singleline(&mut fields.on_connect)
            .hint_text(tr!(lang, "client.on_connect_hint"))
            .desired_width(ui.available_width());
        ui.add(edit).labelled_by(label.id);
        ui.checkbox(
            &mut fields.on_connect_hex,
            tr!(lang, "client.on_connect_hex"),
        );
    });
    if let Some(error) = &tab.view.errors.client {
        ui.colored_label(ui.visuals().error_fg_color, error);
    }
}
