//! The settings panel's first section: where to connect or listen, the button that starts the
//! session, and the line saying where it stands.

use super::command::Requests;
use super::labels;
use crate::i18n::{Language, tr};
use crate::net::Stack;
use crate::session::Mode;
use crate::tab::{Tab, TabAction, TabSettings};

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
    tab: &Tab,
    settings: &mut TabSettings,
    lang: Language,
    address_choices: &[String],
    requests: &mut Requests,
) {
    ui.spacing_mut().item_spacing.y = 6.0;
    endpoint_rows(ui, tab, settings, lang, address_choices);
    let on_ipv6_wildcard = settings
        .host
        .trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<std::net::Ipv6Addr>()
        .is_ok_and(|ip| ip.is_unspecified());
    if tab.mode != Mode::TcpClient && on_ipv6_wildcard {
        let mut v6_only = settings.stack == Stack::V6Only;
        let editable = tab.endpoint_editable();
        let checkbox = egui::Checkbox::new(&mut v6_only, tr!(lang, "connection.v6_only"));
        if ui
            .add_enabled(editable, checkbox)
            .on_hover_text(tr!(lang, "connection.v6_only_hint"))
            .changed()
        {
            settings.stack = if v6_only { Stack::V6Only } else { Stack::Dual };
        }
    }
    let mut broadcast_changed = false;
    if tab.mode == Mode::Udp {
        broadcast_changed = ui
            .checkbox(
                &mut settings.udp.broadcast,
                tr!(lang, "connection.broadcast"),
            )
            .on_hover_text(tr!(lang, "connection.broadcast_hint"))
            .changed();
    }
    let starts = tab.toggle_starts();
    let toggle = egui::Button::new(labels::toggle(lang, tab.mode, starts));
    let clicked = ui
        .add_sized(egui::vec2(ui.available_width(), 28.0), toggle)
        .clicked();
    status_line(ui, tab, lang);
    let toggle = clicked.then_some(if starts {
        TabAction::Start
    } else {
        TabAction::Stop
    });
    requests.tab_all(toggle.or(broadcast_changed.then_some(TabAction::ApplyBroadcast)));
}

/// The address, port and (client) timeout, or (UDP) the remote peer: a row each, the fields
/// lined up after the widest label. The session's own endpoint is fixed while it runs; UDP's
/// remote peer can change any time.
fn endpoint_rows(
    ui: &mut egui::Ui,
    tab: &Tab,
    settings: &mut TabSettings,
    lang: Language,
    choices: &[String],
) {
    let editable = tab.endpoint_editable();
    let host = if tab.mode == Mode::TcpClient {
        tr!(lang, "connection.host")
    } else {
        tr!(lang, "connection.address")
    };
    let port = tr!(lang, "connection.port");
    let timeout = tr!(lang, "connection.timeout");
    let (remote_host, remote_port) = if tab.mode == Mode::Relay {
        let host = tr!(lang, "relay.upstream_host");
        (host, tr!(lang, "relay.upstream_port"))
    } else {
        let host = tr!(lang, "connection.remote_host");
        (host, tr!(lang, "connection.remote_port"))
    };
    let (carries, idle) = (
        tr!(lang, "relay.udp.transport"),
        tr!(lang, "relay.udp.idle"),
    );
    let column = match tab.mode {
        Mode::TcpClient => widest(ui, &[&host, &port, &timeout]),
        Mode::TcpServer => widest(ui, &[&host, &port]),
        Mode::Udp => widest(ui, &[&host, &port, &remote_host, &remote_port]),
        Mode::Relay => {
            let labels = [
                &host,
                &port,
                &remote_host,
                &remote_port,
                &timeout,
                &carries,
                &idle,
            ];
            widest(ui, &labels.map(AsRef::as_ref))
        }
    };
    if tab.mode == Mode::Relay {
        transport_row(ui, column, &carries, settings, editable, lang);
    }
    let errors = &tab.view.errors;
    let menu = (tab.mode != Mode::TcpClient).then_some(choices);
    let host = Field::new(&host, &mut settings.host, editable);
    text_row(ui, column, host, errors.host.as_deref(), menu, lang);
    let port = Field::new(&port, &mut settings.port, editable);
    text_row(ui, column, port, errors.port.as_deref(), None, lang);
    match tab.mode {
        Mode::TcpClient => timeout_row(ui, column, &timeout, settings, editable),
        Mode::Relay => {
            // Where each client's own connection goes: fixed while the relay runs.
            let host = Field::new(&remote_host, &mut settings.remote_host, editable);
            text_row(ui, column, host, None, None, lang);
            let port = Field::new(&remote_port, &mut settings.remote_port, editable);
            text_row(ui, column, port, errors.remote.as_deref(), None, lang);
            timeout_row(ui, column, &timeout, settings, editable);
            if settings.relay.udp {
                idle_row(ui, column, &idle, settings, editable, lang);
                if let Some(error) = &errors.relay_idle {
                    ui.colored_label(ui.visuals().error_fg_color, error);
                }
            }
        }
        Mode::Udp => {
            // Said in the empty fields, not on a line of its own: the UDP tab's panel fits
            // the default window.
            let last_sender = tr!(lang, "connection.remote_hint");
            let host = Field::new(&remote_host, &mut settings.remote_host, true);
            text_row(ui, column, host.hint(&last_sender), None, None, lang);
            let port = Field::new(&remote_port, &mut settings.remote_port, true);
            let port = port.hint(&last_sender);
            text_row(ui, column, port, errors.remote.as_deref(), None, lang);
        }
        Mode::TcpServer => {}
    }
}

/// Relay: TCP or UDP, fixed while it runs.
fn transport_row(
    ui: &mut egui::Ui,
    column: f32,
    label: &str,
    settings: &mut TabSettings,
    editable: bool,
    lang: Language,
) {
    ui.horizontal(|ui| {
        label_cell(ui, column, label).on_hover_text(tr!(lang, "relay.udp.transport_hint"));
        ui.add_enabled_ui(editable, |ui| {
            ui.radio_value(&mut settings.relay.udp, false, "TCP");
            ui.radio_value(&mut settings.relay.udp, true, "UDP");
        });
    });
}

/// UDP relay: how long a quiet client is remembered.
fn idle_row(
    ui: &mut egui::Ui,
    column: f32,
    label: &str,
    settings: &mut TabSettings,
    editable: bool,
    lang: Language,
) {
    ui.horizontal(|ui| {
        let label = label_cell(ui, column, label);
        let field = egui::TextEdit::singleline(&mut settings.relay.idle_secs).desired_width(48.0);
        let field = ui.add_enabled(editable, field).labelled_by(label.id);
        field.on_hover_text(tr!(lang, "relay.udp.idle_hint"));
        ui.label(tr!(lang, "relay.udp.idle_unit"));
    });
}

/// The connect timeout (the TCP client's, the relay's to its upstream).
fn timeout_row(
    ui: &mut egui::Ui,
    column: f32,
    label: &str,
    settings: &mut TabSettings,
    editable: bool,
) {
    ui.horizontal(|ui| {
        let label = label_cell(ui, column, label);
        let timeout = egui::DragValue::new(&mut settings.connect_timeout_secs)
            .range(0.1..=600.0)
            .speed(0.1)
            .max_decimals(1);
        ui.add_enabled(editable, timeout).labelled_by(label.id);
    });
}

/// The width of the widest of `labels`: the label column, whatever the language.
pub(super) fn widest(ui: &egui::Ui, labels: &[&str]) -> f32 {
    let font = egui::TextStyle::Body.resolve(ui.style());
    let color = ui.visuals().text_color();
    ui.fonts_mut(|fonts| {
        labels
            .iter()
            .map(|label| {
                let galley = fonts.layout_no_wrap((*label).to_owned(), font.clone(), color);
                galley.size().x
            })
            .fold(0.0, f32::max)
    })
}

/// A label in the label column.
pub(super) fn label_cell(ui: &mut egui::Ui, width: f32, text: &str) -> egui::Response {
    let size = egui::vec2(width, ui.spacing().interact_size.y);
    let layout = egui::Layout::left_to_right(egui::Align::Center);
    ui.allocate_ui_with_layout(size, layout, |ui| {
        ui.set_min_width(width);
        ui.label(text)
    })
    .inner
}

/// A text field: its label, its value, whether it can be edited now, and what it says when
/// empty.
struct Field<'a> {
    label: &'a str,
    value: &'a mut String,
    enabled: bool,
    hint: Option<&'a str>,
}

impl<'a> Field<'a> {
    fn new(label: &'a str, value: &'a mut String, enabled: bool) -> Self {
        Self {
            label,
            value,
            enabled,
            hint: None,
        }
    }

    fn hint(self, hint: &'a str) -> Self {
        Self {
            hint: Some(hint),
            ..self
        }
    }
}

/// A labelled single-line field filling the row, with a menu of choices after it if given, and
/// its error, if any, on the row below it.
fn text_row(
    ui: &mut egui::Ui,
    column: f32,
    field: Field<'_>,
    error: Option<&str>,
    choices: Option<&[String]>,
    lang: Language,
) {
    let Field {
        label,
        value,
        enabled,
        hint,
    } = field;
    ui.horizontal(|ui| {
        let label = label_cell(ui, column, label);
        ui.add_enabled_ui(enabled, |ui| {
            // Right to left: the menu takes its width, the field the rest.
            let layout = egui::Layout::right_to_left(egui::Align::Center);
            ui.with_layout(layout, |ui| {
                if let Some(choices) = choices {
                    address_menu(ui, lang, value, choices);
                }
                let mut edit =
                    egui::TextEdit::singleline(value).desired_width(ui.available_width());
                if let Some(hint) = hint {
                    edit = edit.hint_text(hint);
                }
                let edit = ui.add(edit).labelled_by(label.id);
                if let Some(hint) = hint {
                    edit.on_hover_text(hint);
                }
            });
        });
    });
    if let Some(error) = error {
        ui.colored_label(ui.visuals().error_fg_color, error);
    }
}

pub(super) fn address_menu(
    ui: &mut egui::Ui,
    lang: Language,
    value: &mut String,
    choices: &[String],
) {
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

/// Where the session stands, after a dot in its colour.
fn status_line(ui: &mut egui::Ui, tab: &Tab, lang: Language) {
    let session = tab.session();
    let failed = matches!(session.last_end, Some(crate::net::CloseReason::Failed(_)));
    let color = if session.status.is_active() {
        egui::Color32::from_rgb(60, 170, 80)
    } else if failed {
        ui.visuals().error_fg_color
    } else {
        ui.visuals().weak_text_color()
    };
    ui.horizontal_top(|ui| {
        let size = ui.spacing().interact_size.y * 0.5;
        let (dot, _) = ui.allocate_exact_size(egui::vec2(size, size * 2.0), egui::Sense::hover());
        ui.painter().circle_filled(dot.center(), size * 0.45, color);
        ui.add(egui::Label::new(session.status_text(lang)).wrap());
    });
}
