//! TCP server: the connected clients, which ones sends go to, and disconnecting them.

use super::command::Requests;
use chrono::{DateTime, Local};

use crate::i18n::{Language, tr};
use crate::tab::{Tab, TabAction};
use crate::units::group_digits;

pub fn show(ui: &mut egui::Ui, tab: &Tab, lang: Language, requests: &mut Requests) {
    requests.tab_all(draw(ui, tab, lang));
}

fn draw(ui: &mut egui::Ui, tab: &Tab, lang: Language) -> Vec<TabAction> {
    let mut action = None;
    let session = tab.session();
    let clients = &session.clients;
    let heading = tr!(lang, "clients.heading", count = clients.len());
    let target = match tab.selected_clients().len() {
        0 if clients.is_empty() => tr!(lang, "clients.none"),
        0 if clients.len() == 1 => tr!(lang, "clients.to_all_one", count = 1),
        0 => {
            let count = group_digits(clients.len() as u64);
            tr!(lang, "clients.to_all_other", count = count)
        }
        1 => tr!(lang, "clients.to_selected_one", count = 1),
        n => {
            let count = group_digits(n as u64);
            tr!(lang, "clients.to_selected_other", count = count)
        }
    };
    // One wrapping row: under the log in a narrow window, every line taken is a client less.
    ui.horizontal_wrapped(|ui| {
        ui.heading(heading);
        ui.weak(target);
        let selected: Vec<_> = tab.selected_clients().iter().copied().collect();
        if ui
            .add_enabled(
                !selected.is_empty(),
                egui::Button::new(tr!(lang, "clients.disconnect_selected")),
            )
            .clicked()
        {
            action = Some(TabAction::DisconnectClients(selected));
        }
        if ui
            .add_enabled(
                !clients.is_empty(),
                egui::Button::new(tr!(lang, "clients.disconnect_all")),
            )
            .clicked()
        {
            action = Some(TabAction::DisconnectAllClients);
        }
    });
    ui.separator();
    drop(session);
    action
        .into_iter()
        .chain(client_table(ui, tab, lang))
        .collect()
}

/// One row per client, laid out only for the rows in view: a server can hold 10,000.
fn client_table(ui: &mut egui::Ui, tab: &Tab, lang: Language) -> Option<TabAction> {
    let mut action = None;
    let row_height = ui
        .text_style_height(&egui::TextStyle::Monospace)
        .max(ui.spacing().interact_size.y);
    let session = tab.session();
    let clients = &session.clients;
    // Auto-sized columns give a cell only the room left, so text would wrap a digit a line.
    ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Extend);
    // No taller than the room left: a table taller than its panel (egui_extras's is 200 px at
    // least) ran past the panel under the log, egui then moved the panel's edge up by as
    // much, and the log was drawn over the list (seen in a real window at 800×600).
    let height = (ui.available_height() - row_height - ui.spacing().item_spacing.y).max(0.0);
    egui_extras::TableBuilder::new(ui)
        .id_salt("clients")
        .striped(true)
        .auto_shrink(false)
        .min_scrolled_height(0.0)
        .max_scroll_height(height)
        .column(egui_extras::Column::auto().at_least(150.0))
        .columns(egui_extras::Column::auto(), 3)
        .header(row_height, |mut header| {
            let titles = [
                tr!(lang, "clients.column.client"),
                tr!(lang, "clients.column.since"),
                tr!(lang, "clients.column.in"),
                tr!(lang, "clients.column.out"),
            ];
            for title in titles {
                header.col(|ui| {
                    ui.strong(title);
                });
            }
        })
        .body(|body| {
            body.rows(row_height, clients.len(), |mut row| {
                let client = &clients[row.index()];
                row.col(|ui| {
                    let mut selected = tab.selected_clients().contains(&client.id);
                    if ui
                        .checkbox(&mut selected, client.peer.to_string())
                        .changed()
                    {
                        action = Some(TabAction::SelectClient {
                            id: client.id,
                            selected,
                        });
                    }
                });
                row.col(|ui| {
                    let since: DateTime<Local> = client.connected_at.into();
                    ui.monospace(since.format("%H:%M:%S").to_string());
                });
                row.col(|ui| {
                    ui.monospace(group_digits(client.bytes_in));
                });
                row.col(|ui| {
                    ui.monospace(group_digits(client.bytes_out));
                });
            });
        });
    action
}
