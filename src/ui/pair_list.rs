//! Relay: each client and its upstream connection (a pair), what went each way, what waits,
//! and closing pairs one by one or all.

use chrono::{DateTime, Local};

use super::command::Requests;
use crate::i18n::{Language, tr};
use crate::session::Upstream;
use crate::tab::{Tab, TabAction};
use crate::units::{bytes_text, group_digits};

pub fn show(ui: &mut egui::Ui, tab: &Tab, lang: Language, requests: &mut Requests) {
    requests.tab_all(draw(ui, tab, lang));
}

fn draw(ui: &mut egui::Ui, tab: &Tab, lang: Language) -> Vec<TabAction> {
    let mut action = None;
    let session = tab.session();
    let pairs = &session.clients;
    let heading = tr!(lang, "relay.pairs.heading", count = pairs.len());
    ui.horizontal_wrapped(|ui| {
        ui.heading(heading);
        if pairs.is_empty() {
            ui.weak(tr!(lang, "relay.pairs.none"));
        }
        let selected: Vec<_> = tab.selected_clients().iter().copied().collect();
        let close_selected = egui::Button::new(tr!(lang, "relay.pairs.close_selected"));
        if ui
            .add_enabled(!selected.is_empty(), close_selected)
            .clicked()
        {
            action = Some(TabAction::DisconnectClients(selected));
        }
        let close_all = egui::Button::new(tr!(lang, "relay.pairs.close_all"));
        if ui.add_enabled(!pairs.is_empty(), close_all).clicked() {
            action = Some(TabAction::DisconnectAllClients);
        }
    });
    ui.separator();
    drop(session);
    action
        .into_iter()
        .chain(pair_table(ui, tab, lang))
        .collect()
}

/// One row per pair, laid out only for the rows in view.
fn pair_table(ui: &mut egui::Ui, tab: &Tab, lang: Language) -> Option<TabAction> {
    let mut action = None;
    let row_height = ui
        .text_style_height(&egui::TextStyle::Monospace)
        .max(ui.spacing().interact_size.y);
    let session = tab.session();
    let pairs = &session.clients;
    ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Extend);
    // No taller than the room left: a table taller than its panel (egui_extras's is 200 px at
    // least) ran past the panel under the log, egui then moved the panel's edge up by as
    // much, and the log was drawn over the list (seen in a real window at 800×600).
    let height = (ui.available_height() - row_height - ui.spacing().item_spacing.y).max(0.0);
    egui_extras::TableBuilder::new(ui)
        .id_salt("pairs")
        .striped(true)
        .auto_shrink(false)
        .min_scrolled_height(0.0)
        .max_scroll_height(height)
        .column(egui_extras::Column::auto().at_least(120.0))
        .columns(egui_extras::Column::auto(), 3)
        .header(row_height, |mut header| {
            let titles = [
                tr!(lang, "relay.pairs.client"),
                tr!(lang, "relay.pairs.upstream"),
                "C->U / U->C".into(),
                tr!(lang, "relay.pairs.state"),
            ];
            for title in titles {
                header.col(|ui| {
                    ui.strong(title);
                });
            }
        })
        .body(|body| {
            body.rows(row_height, pairs.len(), |mut row| {
                let pair = &pairs[row.index()];
                let link = pair.upstream.clone().unwrap_or_default();
                row.col(|ui| {
                    let mut selected = tab.selected_clients().contains(&pair.id);
                    let since: DateTime<Local> = pair.connected_at.into();
                    let since = since.format("%H:%M:%S").to_string();
                    let since = tr!(lang, "relay.pairs.since", time = since);
                    let checkbox = ui.checkbox(&mut selected, pair.peer.to_string());
                    if checkbox.on_hover_text(since).changed() {
                        action = Some(TabAction::SelectClient {
                            id: pair.id,
                            selected,
                        });
                    }
                });
                // The upstream is the same for every pair; its end of this pair's
                // connection is what it sees as its client.
                row.col(|ui| match link.addr {
                    Some((upstream, local)) => {
                        let hint =
                            tr!(lang, "relay.pairs.from", local = local, upstream = upstream);
                        ui.monospace(local.to_string()).on_hover_text(hint);
                    }
                    None => {
                        ui.weak(tr!(lang, "relay.pairs.connecting"));
                    }
                });
                row.col(|ui| {
                    let (up, down) = (group_digits(pair.bytes_out), group_digits(pair.bytes_in));
                    ui.monospace(format!("{up} / {down}"));
                });
                row.col(|ui| {
                    ui.horizontal(|ui| {
                        ui.label(state(&link, lang));
                        waiting(ui, &link, lang);
                    });
                });
            });
        });
    action
}

/// What waits each way, only where something does: a side that stopped reading holds the
/// other up, and this is where it shows.
fn waiting(ui: &mut egui::Ui, link: &Upstream, lang: Language) {
    let [to_upstream, to_client] = link.backlog;
    if to_upstream == 0 && to_client == 0 {
        return;
    }
    let text = tr!(
        lang,
        "relay.pairs.waiting",
        to_upstream = bytes_text(to_upstream as u64),
        to_client = bytes_text(to_client as u64)
    );
    let color = ui.visuals().warn_fg_color;
    ui.colored_label(color, text)
        .on_hover_text(tr!(lang, "relay.pairs.waiting_hint"));
}

fn state(link: &Upstream, lang: Language) -> String {
    match (link.addr.is_some(), link.finished) {
        (false, _) => tr!(lang, "relay.pairs.dialing"),
        (true, [false, false]) => tr!(lang, "relay.pairs.open"),
        (true, [true, false]) => tr!(lang, "relay.pairs.client_finished"),
        (true, [false, true]) => tr!(lang, "relay.pairs.upstream_finished"),
        (true, [true, true]) => tr!(lang, "relay.pairs.both_finished"),
    }
    .into_owned()
}
