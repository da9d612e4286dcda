//! Relay (a section of the settings panel): the rewrite rules, in order: which way, what to
//! look for and how (as the auto-reply rules look), and whether it is replaced, the read
//! dropped, or the pair cut.

use super::auto_reply::match_kind;
use crate::i18n::{Language, tr};
use crate::net::Toward;
use crate::tab::auto_reply::MatchKind;
use crate::tab::rewrite::{RewriteChoice, RewriteFields};
use crate::tab::{Tab, TabSettings};

pub fn show(ui: &mut egui::Ui, tab: &Tab, settings: &mut TabSettings, lang: Language) {
    let mut remove = None;
    for (index, rule) in settings.rewrites.iter_mut().enumerate() {
        let number = index + 1;
        ui.horizontal(|ui| {
            ui.label(format!("{number}."));
            let way = |toward| {
                if toward == Toward::Upstream {
                    "C->U"
                } else {
                    "U->C"
                }
            };
            egui::ComboBox::from_id_salt(("rewrite way", index))
                .selected_text(way(rule.toward))
                .width(60.0)
                .show_ui(ui, |ui| {
                    for toward in [Toward::Upstream, Toward::Client] {
                        ui.selectable_value(&mut rule.toward, toward, way(toward));
                    }
                });
            let label = ui.label(tr!(lang, "relay.rewrite.when"));
            egui::ComboBox::from_id_salt(("rewrite when", index))
                .selected_text(match_kind(lang, rule.when))
                .width(110.0)
                .show_ui(ui, |ui| {
                    for kind in MatchKind::ALL {
                        ui.selectable_value(&mut rule.when, kind, match_kind(lang, kind));
                    }
                })
                .response
                .labelled_by(label.id);
        });
        ui.horizontal(|ui| {
            let label = ui.label(tr!(lang, "relay.rewrite.what", number = number));
            let hint = match rule.when {
                MatchKind::Regex => tr!(lang, "auto_reply.regex_hint"),
                MatchKind::BytesRegex => tr!(lang, "auto_reply.bytes_regex_hint"),
                _ => tr!(lang, "relay.rewrite.escapes_hint"),
            };
            let find = egui::TextEdit::singleline(&mut rule.find)
                .desired_width(ui.available_width())
                .font(egui::TextStyle::Monospace)
                .hint_text(tr!(lang, "relay.rewrite.find_hint"));
            ui.add(find).labelled_by(label.id).on_hover_text(hint);
        });
        ui.horizontal(|ui| {
            let choice = |action| match action {
                RewriteChoice::Replace => tr!(lang, "relay.rewrite.replace"),
                RewriteChoice::Drop => tr!(lang, "relay.rewrite.drop"),
                RewriteChoice::Cut => tr!(lang, "relay.rewrite.cut"),
            };
            egui::ComboBox::from_id_salt(("rewrite action", index))
                .selected_text(choice(rule.action))
                .show_ui(ui, |ui| {
                    for action in [
                        RewriteChoice::Replace,
                        RewriteChoice::Drop,
                        RewriteChoice::Cut,
                    ] {
                        ui.selectable_value(&mut rule.action, action, choice(action));
                    }
                });
            if ui.button(tr!(lang, "relay.rewrite.remove")).clicked() {
                remove = Some(index);
            }
        });
        if rule.action == RewriteChoice::Replace {
            ui.horizontal(|ui| {
                let label = ui.label(tr!(lang, "relay.rewrite.with", number = number));
                let with =
                    egui::TextEdit::singleline(&mut rule.with).desired_width(ui.available_width());
                ui.add(with).labelled_by(label.id);
            });
        }
        ui.separator();
    }
    if let Some(index) = remove {
        settings.rewrites.remove(index);
    }
    if ui.button(tr!(lang, "relay.rewrite.add")).clicked() {
        settings.rewrites.push(RewriteFields::default());
    }
    ui.weak(tr!(lang, "relay.rewrite.hint"));
    if let Some(error) = &tab.view.errors.rewrites {
        ui.colored_label(ui.visuals().error_fg_color, error);
    }
}
