//! TCP server: the connected clients, which ones sends go to, and disconnecting them.

use chrono::{DateTime, Local};

use crate::tab::{Tab, TabAction};
use crate::units::{count, group_digits};

pub fn show(ui: &mut egui::Ui, tab: &mut Tab) -> Option<TabAction> {
    let mut action = None;
    let clients = &tab.session.clients;
    ui.heading(format!("Clients ({})", clients.len()));
    let target = match tab.selected_clients.len() {
        0 if clients.is_empty() => "No clients connected".to_owned(),
        0 => format!("Send goes to all {}", count(clients.len() as u64, "client")),
        n => format!("Send goes to {} selected", count(n as u64, "client")),
    };
    ui.weak(target);
    ui.horizontal(|ui| {
        let selected: Vec<_> = tab.selected_clients.iter().copied().collect();
        if ui
            .add_enabled(
                !selected.is_empty(),
                egui::Button::new("Disconnect selected"),
            )
            .clicked()
        {
            action = Some(TabAction::DisconnectClients(selected));
        }
        if ui
            .add_enabled(!clients.is_empty(), egui::Button::new("Disconnect all"))
            .clicked()
        {
            action = Some(TabAction::DisconnectAllClients);
        }
    });
    ui.separator();
    egui::ScrollArea::vertical()
        .id_salt("clients")
        .auto_shrink(false)
        .show(ui, |ui| {
            egui::Grid::new("client grid")
                .striped(true)
                .num_columns(4)
                .show(ui, |ui| {
                    ui.strong("Client");
                    ui.strong("Since");
                    ui.strong("In");
                    ui.strong("Out");
                    ui.end_row();
                    for client in clients {
                        let mut selected = tab.selected_clients.contains(&client.id);
                        if ui
                            .checkbox(&mut selected, client.peer.to_string())
                            .changed()
                        {
                            if selected {
                                tab.selected_clients.insert(client.id);
                            } else {
                                tab.selected_clients.remove(&client.id);
                            }
                        }
                        let since: DateTime<Local> = client.connected_at.into();
                        ui.monospace(since.format("%H:%M:%S").to_string());
                        ui.monospace(group_digits(client.bytes_in));
                        ui.monospace(group_digits(client.bytes_out));
                        ui.end_row();
                    }
                });
        });
    action
}
