//! The fields and button that start a session, and the line saying where it stands.

use super::labels;
use crate::i18n::Language;
use crate::session::Mode;
use crate::tab::{Tab, TabAction};
use crate::tr;
use crate::units::{bytes_text, group_digits};

/// Suggestions for a local address: any, loopback, and this machine's interfaces.
pub fn local_address_choices() -> Vec<String> {
    let mut choices: Vec<String> = ["0.0.0.0", "::", "127.0.0.1", "::1"]
        .map(String::from)
        .to_vec();
    if let Ok(interfaces) = if_addrs::get_if_addrs() {
        for interface in interfaces {
            let ip = interface.ip().to_string();
            if !choices.contains(&ip) {
                choices.push(ip);
            }
        }
    }
    choices
}

pub fn show(
    ui: &mut egui::Ui,
    tab: &mut Tab,
    lang: Language,
    address_choices: &[String],
) -> Option<TabAction> {
    let mut action = None;
    let mut reset_counters = false;
    let editable = tab.endpoint_editable();
    ui.horizontal_wrapped(|ui| {
        let host_label = if tab.mode == Mode::TcpClient {
            tr!(lang, "connection.host")
        } else {
            tr!(lang, "connection.address")
        };
        ui.add_enabled_ui(editable, |ui| {
            text_field(
                ui,
                &host_label,
                &mut tab.settings.host,
                180.0,
                tab.errors.host.as_deref(),
            );
            if tab.mode != Mode::TcpClient {
                address_menu(ui, lang, &mut tab.settings.host, address_choices);
            }
            text_field(
                ui,
                &tr!(lang, "connection.port"),
                &mut tab.settings.port,
                60.0,
                tab.errors.port.as_deref(),
            );
            if tab.mode == Mode::TcpClient {
                let label = ui.label(tr!(lang, "connection.timeout"));
                let timeout = egui::DragValue::new(&mut tab.settings.connect_timeout_secs)
                    .range(0.1..=600.0)
                    .speed(0.1)
                    .max_decimals(1);
                ui.add(timeout).labelled_by(label.id);
            }
        });
        let toggle_label = labels::toggle(lang, tab.mode, tab.toggle_starts());
        let toggle = egui::Button::new(toggle_label).min_size(egui::vec2(90.0, 0.0));
        if ui.add(toggle).clicked() {
            action = Some(if tab.toggle_starts() {
                TabAction::Start
            } else {
                TabAction::Stop
            });
        }
    });
    if tab.mode == Mode::Udp {
        ui.horizontal_wrapped(|ui| {
            let error = tab.errors.remote.as_deref();
            text_field(
                ui,
                &tr!(lang, "connection.remote_host"),
                &mut tab.settings.remote_host,
                180.0,
                None,
            );
            text_field(
                ui,
                &tr!(lang, "connection.remote_port"),
                &mut tab.settings.remote_port,
                60.0,
                error,
            );
            ui.weak(tr!(lang, "connection.remote_hint"));
        });
    }
    status_line(ui, tab, lang, &mut reset_counters);
    action.or(reset_counters.then_some(TabAction::ResetCounters))
}

/// A labelled single-line field with its error, if any, right after it.
fn text_field(ui: &mut egui::Ui, label: &str, value: &mut String, width: f32, error: Option<&str>) {
    let label = ui.label(label);
    let edit = egui::TextEdit::singleline(value).desired_width(width);
    ui.add(edit).labelled_by(label.id);
    if let Some(error) = error {
        ui.colored_label(ui.visuals().error_fg_color, error);
    }
}

fn address_menu(ui: &mut egui::Ui, lang: Language, value: &mut String, choices: &[String]) {
    ui.menu_button(egui::RichText::new("▼").monospace(), |ui| {
        for choice in choices {
            if ui.selectable_label(value == choice, choice).clicked() {
                value.clone_from(choice);
                ui.close();
            }
        }
    })
    .response
    .on_hover_text(tr!(lang, "connection.local_address_hint"));
}

/// Where the session stands, with the counters on the right.
fn status_line(ui: &mut egui::Ui, tab: &Tab, lang: Language, reset_counters: &mut bool) {
    let session = tab.session();
    let failed = matches!(session.last_end, Some(crate::net::CloseReason::Failed(_)));
    let color = if session.status.is_active() {
        egui::Color32::from_rgb(60, 170, 80)
    } else if failed {
        ui.visuals().error_fg_color
    } else {
        ui.visuals().weak_text_color()
    };
    ui.horizontal(|ui| {
        let size = ui.spacing().interact_size.y * 0.5;
        let (dot, _) = ui.allocate_exact_size(egui::vec2(size, size), egui::Sense::hover());
        ui.painter().circle_filled(dot.center(), size * 0.45, color);
        ui.label(session.status_text(lang));
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            *reset_counters = ui.button(tr!(lang, "connection.reset_counters")).clicked();
            let counters = &session.counters;
            ui.monospace(tr!(
                lang,
                "connection.counters",
                rx_bytes = group_digits(counters.rx_bytes),
                rx_messages = counters.rx_messages,
                tx_bytes = group_digits(counters.tx_bytes),
                tx_messages = counters.tx_messages
            ))
            .on_hover_text(tr!(lang, "connection.counters_hint"));
            if counters.dropped > 0 {
                let count = group_digits(counters.dropped);
                let text = tr!(lang, "connection.dropped", count = count);
                ui.colored_label(ui.visuals().error_fg_color, text)
                    .on_hover_text(tr!(lang, "connection.dropped_hint"));
            }
            if let Some(queued) = tab.behind_by() {
                let text = tr!(lang, "connection.behind", bytes = bytes_text(queued as u64));
                let limit = bytes_text(crate::net::QUEUE_LIMIT as u64);
                let help = tr!(lang, "connection.behind_hint", limit = limit);
                ui.colored_label(ui.visuals().warn_fg_color, text)
                    .on_hover_text(help);
            }
            if let Some(waiting) = tab.files_behind_by() {
                let bytes = bytes_text(waiting as u64);
                let text = tr!(lang, "connection.files_behind", bytes = bytes);
                let limit = bytes_text(crate::export::BACKLOG_LIMIT as u64);
                let help = tr!(lang, "connection.files_behind_hint", limit = limit);
                ui.colored_label(ui.visuals().warn_fg_color, text)
                    .on_hover_text(help);
            }
        });
    });
}
