//! The settings panel's TLS section (TCP client and server, and the TCP relay's two sides):
//! for a client, how the server's certificate is accepted; for a server, its certificate and
//! key files, or none for one made on the spot.

use super::command::{FilePurpose, Requests, UiCommand};
use super::connection_panel::{label_cell, widest};
use crate::i18n::{Language, tr};
use crate::session::Mode;
use crate::tab::{Tab, TabSettings, TlsFields, VerifyChoice};

/// A file the section asks to pick with a dialog.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlsFile {
    Certificate,
    Key,
}

pub fn show(
    ui: &mut egui::Ui,
    tab: &Tab,
    settings: &mut TabSettings,
    lang: Language,
    requests: &mut Requests,
) {
    let editable = tab.endpoint_editable();
    let errors = &tab.view.errors;
    let browse = match tab.mode {
        Mode::TcpClient => {
            let enable = tr!(lang, "tls.enabled");
            let hint = tr!(lang, "tls.enabled_client_hint");
            let toggle = (enable.as_ref(), hint.as_ref());
            role(ui, &mut settings.tls, Role::Client, toggle, editable, lang);
            error_line(ui, errors.tls.as_deref());
            None
        }
        Mode::TcpServer => {
            let enable = tr!(lang, "tls.enabled");
            let hint = tr!(lang, "tls.enabled_server_hint");
            let toggle = (enable.as_ref(), hint.as_ref());
            let browse = role(ui, &mut settings.tls, Role::Server, toggle, editable, lang);
            error_line(ui, errors.tls.as_deref());
            browse
        }
        // Each side on its own: the relay serves its clients TLS, and speaks it upstream.
        Mode::Relay => {
            let enable = tr!(lang, "relay.tls.clients");
            let hint = tr!(lang, "relay.tls.clients_hint");
            let toggle = (enable.as_ref(), hint.as_ref());
            let browse = role(ui, &mut settings.tls, Role::Server, toggle, editable, lang);
            error_line(ui, errors.tls.as_deref());
            ui.separator();
            let enable = tr!(lang, "relay.tls.upstream");
            let hint = tr!(lang, "relay.tls.upstream_hint");
            let toggle = (enable.as_ref(), hint.as_ref());
            let fields = &mut settings.relay.upstream_tls;
            role(ui, fields, Role::Client, toggle, editable, lang);
            error_line(ui, errors.upstream_tls.as_deref());
            browse
        }
        Mode::Udp => None,
    };
    if let Some(file) = browse {
        requests.push(UiCommand::AskFile(FilePurpose::Tls(tab.mode, file)));
    }
}

/// Which end of the handshake the fields are for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Accepts the peer's certificate: how.
    Client,
    /// Shows a certificate: which.
    Server,
}

/// The switch (`toggle`: its label and hint) and, when on, the role's fields; a file to pick
/// with a dialog, if asked.
fn role(
    ui: &mut egui::Ui,
    fields: &mut TlsFields,
    role: Role,
    (enable, hint): (&str, &str),
    editable: bool,
    lang: Language,
) -> Option<TlsFile> {
    let mut browse = None;
    ui.add_enabled_ui(editable, |ui| {
        ui.checkbox(&mut fields.enabled, enable).on_hover_text(hint);
        ui.add_enabled_ui(fields.enabled, |ui| match role {
            Role::Server => browse = files(ui, fields, lang),
            Role::Client => verification(ui, fields, lang),
        });
    });
    browse
}

fn error_line(ui: &mut egui::Ui, error: Option<&str>) {
    if let Some(error) = error {
        ui.colored_label(ui.visuals().error_fg_color, error);
    }
}

fn verification(ui: &mut egui::Ui, fields: &mut TlsFields, lang: Language) {
    ui.label(tr!(lang, "tls.verify"));
    let choices = [
        (
            VerifyChoice::SystemRoots,
            tr!(lang, "tls.system_roots"),
            tr!(lang, "tls.system_roots_hint"),
        ),
        (
            VerifyChoice::Pinned,
            tr!(lang, "tls.pinned"),
            tr!(lang, "tls.pinned_hint"),
        ),
        (
            VerifyChoice::Insecure,
            tr!(lang, "tls.insecure"),
            tr!(lang, "tls.insecure_hint"),
        ),
    ];
    for (choice, text, hint) in choices {
        ui.radio_value(&mut fields.verify, choice, text)
            .on_hover_text(hint);
    }
    if fields.verify == VerifyChoice::Pinned {
        ui.horizontal(|ui| {
            let label = ui.label(tr!(lang, "tls.pin"));
            let edit = egui::TextEdit::singleline(&mut fields.pin)
                .hint_text(tr!(lang, "tls.pin_hint"))
                .font(egui::TextStyle::Monospace)
                .desired_width(ui.available_width());
            ui.add(edit).labelled_by(label.id);
        });
    }
}

fn files(ui: &mut egui::Ui, fields: &mut TlsFields, lang: Language) -> Option<TlsFile> {
    let certificate = tr!(lang, "tls.certificate");
    let key = tr!(lang, "tls.key");
    let column = widest(ui, &[&certificate, &key]);
    let mut browse = None;
    let rows = [
        (TlsFile::Certificate, &certificate, &mut fields.certificate),
        (TlsFile::Key, &key, &mut fields.key),
    ];
    for (file, text, path) in rows {
        ui.horizontal(|ui| {
            let label = label_cell(ui, column, text);
            // Right to left: the button takes its width, the field the rest.
            let layout = egui::Layout::right_to_left(egui::Align::Center);
            ui.with_layout(layout, |ui| {
                if ui.button(tr!(lang, "tls.browse")).clicked() {
                    browse = Some(file);
                }
                let edit = egui::TextEdit::singleline(path)
                    .hint_text(tr!(lang, "tls.generated"))
                    .desired_width(ui.available_width());
                ui.add(edit)
                    .labelled_by(label.id)
                    .on_hover_text(tr!(lang, "tls.files_hint"));
            });
        });
    }
    browse
}
