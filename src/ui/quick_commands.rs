//! The Quick commands window: named payloads shared by all tabs, sent with one click or
//! Ctrl+1..9; added from the send box, renamed, reordered, deleted, exported and imported.

use crate::codec::{TextEncoding, to_spaced_hex};
use crate::i18n::{Language, tr};
use crate::tab::payloads::QuickCommand;

/// Bytes of a command's preview shown before "…".
const PREVIEW_BYTES: usize = 24;

/// What the user asked of the quick commands.
#[must_use]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuickAction {
    Send(usize),
    /// Put the command in the send box.
    Load(usize),
    /// Replace the command's payload with the send box's.
    SetFromBox(usize),
    MoveUp(usize),
    Delete(usize),
    /// Add the send box as a new command named as typed.
    AddFromBox,
    Export,
    Import,
}

/// The window's own state: whether it is open, the name for the next command, and the last
/// import/export message.
#[derive(Default)]
pub struct QuickWindow {
    pub open: bool,
    pub new_name: String,
    pub message: Option<(String, bool)>,
}

/// The window; `encoding`: the tab in view's, for commands whose text sets none apart.
pub fn show(
    ctx: &egui::Context,
    window: &mut QuickWindow,
    commands: &mut [QuickCommand],
    encoding: TextEncoding,
    lang: Language,
) -> Option<QuickAction> {
    let mut action = None;
    let mut open = window.open;
    egui::Window::new(tr!(lang, "quick.title"))
        // Not the title's: the window stays where it is when the language changes.
        .id(egui::Id::unique("quick commands window"))
        .open(&mut open)
        .default_width(520.0)
        .default_pos([640.0, 230.0])
        .show(ctx, |ui| {
            if commands.is_empty() {
                ui.weak(tr!(lang, "quick.empty"));
            }
            for (index, command) in commands.iter_mut().enumerate() {
                ui.horizontal(|ui| {
                    action = action.take().or(row(ui, index, command, lang));
                });
                preview(ui, command, encoding, lang);
            }
            ui.separator();
            ui.horizontal(|ui| {
                let label = ui.label(tr!(lang, "quick.new_name"));
                let edit = egui::TextEdit::singleline(&mut window.new_name).desired_width(160.0);
                ui.add(edit).labelled_by(label.id);
                if ui.button(tr!(lang, "quick.add_from_box")).clicked() {
                    action = Some(QuickAction::AddFromBox);
                }
            });
            ui.horizontal(|ui| {
                if ui.button(tr!(lang, "quick.export")).clicked() {
                    action = Some(QuickAction::Export);
                }
                if ui.button(tr!(lang, "quick.import")).clicked() {
                    action = Some(QuickAction::Import);
                }
            });
            // On a line of its own, wrapped: a long path must not widen the window.
            if let Some((text, is_error)) = &window.message {
                let color = if *is_error {
                    ui.visuals().error_fg_color
                } else {
                    ui.visuals().weak_text_color()
                };
                ui.add(egui::Label::new(egui::RichText::new(text).color(color)).wrap());
            }
        });
    window.open = open;
    action
}

/// Under a command: the bytes it sends (checksum and appended bytes included), or why it
/// cannot be sent.
fn preview(ui: &mut egui::Ui, command: &QuickCommand, encoding: TextEncoding, lang: Language) {
    let text = match command.payload.wire_bytes(encoding, lang) {
        Ok(bytes) => {
            let shown = &bytes[..bytes.len().min(PREVIEW_BYTES)];
            let more = if bytes.len() > PREVIEW_BYTES {
                " …"
            } else {
                ""
            };
            let hex = format!("{}{more}", to_spaced_hex(shown));
            let text = tr!(lang, "quick.sends", count = bytes.len(), hex = hex);
            egui::RichText::new(text).monospace().weak()
        }
        Err(error) => egui::RichText::new(error).color(ui.visuals().error_fg_color),
    };
    ui.indent(("quick preview", command.name.as_str()), |ui| {
        ui.label(text);
    });
}

fn row(
    ui: &mut egui::Ui,
    index: usize,
    command: &mut QuickCommand,
    lang: Language,
) -> Option<QuickAction> {
    let mut action = None;
    let number = index + 1;
    let send = ui
        .button(tr!(lang, "quick.send", number = number))
        .on_hover_text(command.payload.summary(lang));
    if send.clicked() {
        action = Some(QuickAction::Send(index));
    }
    let edit = egui::TextEdit::singleline(&mut command.name).desired_width(140.0);
    ui.add(edit).labelled_by(send.id);
    if number <= 9 {
        ui.weak(format!("Ctrl+{number}"));
    }
    let buttons = [
        (
            tr!(lang, "quick.load"),
            tr!(lang, "quick.load_hint"),
            QuickAction::Load(index),
        ),
        (
            tr!(lang, "quick.set_from_box"),
            tr!(lang, "quick.set_from_box_hint"),
            QuickAction::SetFromBox(index),
        ),
        (
            "↑".into(),
            tr!(lang, "quick.move_up_hint"),
            QuickAction::MoveUp(index),
        ),
        (
            "✕".into(),
            tr!(lang, "quick.delete_hint"),
            QuickAction::Delete(index),
        ),
    ];
    for (label, hint, chosen) in buttons {
        let button = egui::Button::new(label);
        if ui.add(button).on_hover_text(hint).clicked() {
            action = Some(chosen);
        }
    }
    action
}
