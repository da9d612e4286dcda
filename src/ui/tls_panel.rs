//! The settings panel's TLS section (TCP client and server): for the client, how the server's
//! certificate is accepted; for the server, its certificate and key files, or none for one
//! made on the spot.

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
    let server = tab.mode == Mode::TcpServer;
    let fields = &mut settings.tls;
    let mut browse = None;
    ui.add_enabled_ui(editable, |ui| {
        let hint = if server {
            tr!(lang, "tls.enabled_server_hint")
        } else {
            tr!(lang, "tls.enabled_client_hint")
        };
        ui.checkbox(&mut fields.enabled, tr!(lang, "tls.enabled"))
            .on_hover_text(hint);
        ui.add_enabled_ui(fields.enabled, |ui| {
            if server {
                browse = files(ui, fields, lang);
            } else {
                verification(ui, fields, lang);
            }
        });
    });
    if let Some(error) = &tab.view.errors.tls {
        ui.colored_label(ui.visuals().error_fg_color, error);
    }
    if let Some(file) = browse {
        requests.push(UiCommand::AskFile(FilePurpose::Tls(tab.mode, file)));
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
