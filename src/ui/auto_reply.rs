//! The Auto-reply window of the tab in view: rules "when received data contains / starts with /
//! equals … → reply …" (or echo what arrived), each with its own on switch.

use crate::codec::PayloadFormat;
use crate::tab::Tab;
use crate::tab::auto_reply::{MatchKind, ReplyRule};

pub fn show(ctx: &egui::Context, open: &mut bool, tab: &mut Tab) {
    let title = format!("Auto-reply — {}", tab.mode);
    egui::Window::new(title)
        .open(open)
        .default_width(640.0)
        .default_pos([20.0, 380.0])
        .show(ctx, |ui| {
            ui.weak(
                "Each entry that arrives (as framed in the view) is tested against the rules in \
                 order; the first that matches sends its reply to whoever sent the entry.",
            );
            let mut delete = None;
            let errors = &tab.auto_errors;
            for (index, rule) in tab.settings.auto_replies.iter_mut().enumerate() {
                ui.horizontal(|ui| {
                    if rule_row(ui, index, rule) {
                        delete = Some(index);
                    }
                });
                if let Some(Some(error)) = errors.get(index) {
                    ui.colored_label(ui.visuals().error_fg_color, error);
                }
            }
            if let Some(index) = delete {
                tab.settings.auto_replies.remove(index);
            }
            ui.separator();
            ui.horizontal(|ui| {
                if ui.button("Add rule").clicked() {
                    tab.settings.auto_replies.push(ReplyRule::default());
                }
                if ui
                    .button("Add echo rule")
                    .on_hover_text("Send back whatever arrives")
                    .clicked()
                {
                    tab.settings.auto_replies.push(ReplyRule::echo());
                }
            });
        });
}

/// One rule; true when its delete button was clicked.
fn rule_row(ui: &mut egui::Ui, index: usize, rule: &mut ReplyRule) -> bool {
    let number = index + 1;
    ui.checkbox(&mut rule.enabled, "On");
    let label = ui.label(format!("When {number}"));
    egui::ComboBox::from_id_salt(("auto-reply when", index))
        .selected_text(rule.when.label())
        .width(90.0)
        .show_ui(ui, |ui| {
            for kind in MatchKind::ALL {
                ui.selectable_value(&mut rule.when, kind, kind.label());
            }
        });
    let edit = egui::TextEdit::singleline(&mut rule.pattern)
        .desired_width(120.0)
        .font(egui::TextStyle::Monospace);
    ui.add(edit).labelled_by(label.id);
    hex_box(ui, &mut rule.pattern_format);
    ui.label("→");
    ui.checkbox(&mut rule.echo, "Echo")
        .on_hover_text("Send back what arrived");
    ui.add_enabled_ui(!rule.echo, |ui| {
        let label = ui.label(format!("Reply {number}"));
        let edit = egui::TextEdit::singleline(&mut rule.reply)
            .desired_width(120.0)
            .font(egui::TextStyle::Monospace);
        ui.add(edit).labelled_by(label.id);
        hex_box(ui, &mut rule.reply_format);
    });
    ui.button("✕").on_hover_text("Delete this rule").clicked()
}

fn hex_box(ui: &mut egui::Ui, format: &mut PayloadFormat) {
    let mut hex = *format == PayloadFormat::Hex;
    if ui
        .checkbox(&mut hex, "Hex")
        .on_hover_text("Hex bytes; otherwise text with escapes (\\r \\n \\xNN)")
        .changed()
    {
        *format = if hex {
            PayloadFormat::Hex
        } else {
            PayloadFormat::Text
        };
    }
}
