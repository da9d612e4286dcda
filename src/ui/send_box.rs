//! The multi-line send box with its Text/Hex input choice, Send button and inline error.

use egui::{Key, KeyboardShortcut, Modifiers};

use crate::codec::PayloadFormat;
use crate::tab::{Tab, TabAction};

const SEND_SHORTCUT: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::Enter);

pub fn show(ui: &mut egui::Ui, tab: &mut Tab) -> Option<TabAction> {
    let mut action = None;
    let box_id = ui.make_persistent_id(("send box", tab.mode));
    let label_id = ui
        .horizontal(|ui| {
            let label = ui.label("Send data");
            for (format, text) in [
                (PayloadFormat::Text, "Text input"),
                (PayloadFormat::Hex, "Hex input"),
            ] {
                let selected = tab.settings.input_format == format;
                if ui.radio(selected, text).clicked() && !selected {
                    action = Some(TabAction::SetInputFormat(format));
                }
            }
            ui.weak(format!(
                "encoding {} · Ctrl+Enter sends",
                tab.settings.encoding
            ));
            label.id
        })
        .inner;
    // Ctrl+Enter must be taken before the text box sees it as a newline.
    let focused = ui.memory(|memory| memory.has_focus(box_id));
    if focused && ui.input_mut(|input| input.consume_shortcut(&SEND_SHORTCUT)) {
        action = Some(TabAction::Send);
    }
    ui.horizontal(|ui| {
        let send_width = 90.0;
        let hint = match tab.settings.input_format {
            PayloadFormat::Text => "Type text to send",
            PayloadFormat::Hex => "Hex bytes, e.g. 48 65 6C 6C 6F",
        };
        let edit = egui::TextEdit::multiline(&mut tab.settings.send_text)
            .id(box_id)
            .hint_text(hint)
            .font(egui::TextStyle::Monospace)
            .desired_rows(3)
            .desired_width(ui.available_width() - send_width - ui.spacing().item_spacing.x);
        let response = ui.add(edit).labelled_by(label_id);
        if response.changed() {
            tab.errors.send = None;
        }
        if std::mem::take(&mut tab.focus_send_box) {
            response.request_focus();
        }
        let send =
            egui::Button::new("Send").min_size(egui::vec2(send_width, response.rect.height()));
        let clicked = ui
            .add_enabled(tab.can_send(), send)
            .on_disabled_hover_text("Start a session first")
            .on_hover_text("Send (Ctrl+Enter)")
            .clicked();
        if clicked {
            action = Some(TabAction::Send);
        }
    });
    if let Some(error) = &tab.errors.send {
        ui.colored_label(ui.visuals().error_fg_color, error);
    }
    action
}
