//! The Auto-reply window of the tab in view: rules "when received data contains / starts with /
//! equals … → reply …" (or echo what arrived), each with its own on switch.

use std::borrow::Cow;

use super::command::{FilePurpose, Requests, UiCommand};
use super::labels;
use crate::codec::PayloadFormat;
use crate::i18n::{Language, tr};
use crate::tab::auto_reply::{MAX_DELAY_MS, MatchKind, ReplyRule};
use crate::tab::{Tab, TabSettings};

pub fn show(
    ctx: &egui::Context,
    open: &mut bool,
    tab: &Tab,
    settings: &mut TabSettings,
    lang: Language,
    requests: &mut Requests,
) {
    let title = tr!(
        lang,
        "auto_reply.title",
        mode = labels::mode(lang, tab.mode)
    );
    egui::Window::new(title)
        // Not the title's: the window stays where it is when the language changes.
        .id(egui::Id::unique(("auto-reply window", tab.mode)))
        .open(open)
        .default_width(640.0)
        .default_pos([20.0, 380.0])
        .show(ctx, |ui| {
            ui.weak(tr!(lang, "auto_reply.intro"));
            let mut delete = None;
            let errors = &tab.view.auto_errors;
            for (index, rule) in settings.auto_replies.iter_mut().enumerate() {
                ui.horizontal(|ui| {
                    if rule_row(ui, index, rule, lang) {
                        delete = Some(index);
                    }
                });
                if let Some(Some(error)) = errors.get(index) {
                    ui.colored_label(ui.visuals().error_fg_color, error);
                }
            }
            if let Some(index) = delete {
                settings.auto_replies.remove(index);
            }
            ui.separator();
            ui.horizontal(|ui| {
                if ui.button(tr!(lang, "auto_reply.add_rule")).clicked() {
                    settings.auto_replies.push(ReplyRule::default());
                }
                if ui
                    .button(tr!(lang, "auto_reply.add_echo_rule"))
                    .on_hover_text(tr!(lang, "auto_reply.add_echo_rule_hint"))
                    .clicked()
                {
                    settings.auto_replies.push(ReplyRule::echo());
                }
                ui.separator();
                let mode = tab.mode;
                if ui
                    .button(tr!(lang, "auto_reply.import"))
                    .on_hover_text(tr!(lang, "auto_reply.import_hint"))
                    .clicked()
                {
                    requests.push(UiCommand::AskFile(FilePurpose::ImportRules(mode)));
                }
                let export = ui.add_enabled(
                    !settings.auto_replies.is_empty(),
                    egui::Button::new(tr!(lang, "auto_reply.export")),
                );
                if export
                    .on_hover_text(tr!(lang, "auto_reply.export_hint"))
                    .clicked()
                {
                    requests.push(UiCommand::AskFile(FilePurpose::ExportRules(mode)));
                }
            });
        });
}

/// One rule; true when its delete button was clicked.
fn rule_row(ui: &mut egui::Ui, index: usize, rule: &mut ReplyRule, lang: Language) -> bool {
    // The rule's number once, at the start of its row; it is part of each field's name too,
    // so a screen reader tells the rules' fields apart ("2. When").
    let number = ui.strong(format!("{}.", index + 1));
    ui.checkbox(&mut rule.enabled, tr!(lang, "auto_reply.on"));
    let label = ui.label(tr!(lang, "auto_reply.when"));
    egui::ComboBox::from_id_salt(("auto-reply when", index))
        .selected_text(match_kind(lang, rule.when))
        .width(130.0)
        .show_ui(ui, |ui| {
            for kind in MatchKind::ALL {
                ui.selectable_value(&mut rule.when, kind, match_kind(lang, kind));
            }
        })
        .response
        .labelled_by(number.id)
        .labelled_by(label.id);
    let edit = egui::TextEdit::singleline(&mut rule.pattern)
        .desired_width(120.0)
        .font(egui::TextStyle::Monospace);
    let pattern = ui.add(edit).labelled_by(number.id).labelled_by(label.id);
    match rule.when {
        MatchKind::Regex => {
            pattern.on_hover_text(tr!(lang, "auto_reply.regex_hint"));
        }
        MatchKind::BytesRegex => {
            pattern.on_hover_text(tr!(lang, "auto_reply.bytes_regex_hint"));
        }
        // A regular expression is neither text nor hex bytes.
        _ => hex_box(ui, &mut rule.pattern_format, lang),
    }
    ui.label("→");
    ui.checkbox(&mut rule.echo, tr!(lang, "auto_reply.echo"))
        .on_hover_text(tr!(lang, "auto_reply.echo_hint"));
    ui.add_enabled_ui(!rule.echo, |ui| {
        let label = ui.label(tr!(lang, "auto_reply.reply"));
        let edit = egui::TextEdit::singleline(&mut rule.reply)
            .desired_width(120.0)
            .font(egui::TextStyle::Monospace);
        ui.add(edit).labelled_by(number.id).labelled_by(label.id);
        hex_box(ui, &mut rule.reply_format, lang);
    });
    let label = ui.label(tr!(lang, "auto_reply.after"));
    let delay = egui::DragValue::new(&mut rule.delay_ms)
        .range(0..=MAX_DELAY_MS)
        .speed(10.0)
        .suffix(format!(" {}", tr!(lang, "auto_reply.ms")));
    ui.add(delay)
        .labelled_by(label.id)
        .on_hover_text(tr!(lang, "auto_reply.delay_hint"));
    ui.button("✕")
        .on_hover_text(tr!(lang, "auto_reply.delete_hint"))
        .clicked()
}

/// What a rule tests for, as its menu names it.
pub(super) fn match_kind(lang: Language, kind: MatchKind) -> Cow<'static, str> {
    match kind {
        MatchKind::Contains => tr!(lang, "auto_reply.kind.contains"),
        MatchKind::StartsWith => tr!(lang, "auto_reply.kind.starts_with"),
        MatchKind::Equals => tr!(lang, "auto_reply.kind.equals"),
        MatchKind::Regex => tr!(lang, "auto_reply.kind.regex"),
        MatchKind::BytesRegex => tr!(lang, "auto_reply.kind.bytes_regex"),
    }
}

fn hex_box(ui: &mut egui::Ui, format: &mut PayloadFormat, lang: Language) {
    let mut hex = *format == PayloadFormat::Hex;
    if ui
        .checkbox(&mut hex, tr!(lang, "auto_reply.hex"))
        .on_hover_text(tr!(lang, "auto_reply.hex_hint"))
        .changed()
    {
        *format = if hex {
            PayloadFormat::Hex
        } else {
            PayloadFormat::Text
        };
    }
}
