//! The filter: text or hex byte pattern, directions, peer; and how many entries match.

use crate::i18n::Language;
use crate::tab::Tab;
use crate::tr;
use crate::units::group_digits;

pub fn show(ui: &mut egui::Ui, tab: &mut Tab, lang: Language) {
    ui.horizontal_wrapped(|ui| {
        // Each label stays with its field when the row wraps.
        let fields = &mut tab.settings.filter;
        ui.horizontal(|ui| {
            let label = ui.label(tr!(lang, "filter.label"));
            let hint = if fields.hex {
                tr!(lang, "filter.hex_hint")
            } else {
                tr!(lang, "filter.text_hint")
            };
            let edit = egui::TextEdit::singleline(&mut fields.pattern)
                .hint_text(hint)
                .desired_width(180.0);
            ui.add(edit).labelled_by(label.id);
            ui.checkbox(&mut fields.hex, tr!(lang, "filter.hex"));
        });
        ui.horizontal(|ui| {
            ui.checkbox(&mut fields.rx, tr!(lang, "filter.rx"));
            ui.checkbox(&mut fields.tx, tr!(lang, "filter.tx"));
            ui.checkbox(&mut fields.info, tr!(lang, "filter.info"));
        });
        ui.horizontal(|ui| {
            let label = ui.label(tr!(lang, "filter.peer"));
            let edit = egui::TextEdit::singleline(&mut fields.peer)
                .hint_text(tr!(lang, "filter.peer_hint"))
                .desired_width(130.0);
            ui.add(edit).labelled_by(label.id);
        });
        if fields.is_active() && ui.button(tr!(lang, "filter.clear")).clicked() {
            *fields = Default::default();
        }
        if let Some(error) = &tab.errors.filter {
            ui.colored_label(ui.visuals().error_fg_color, error);
        } else if let Some(filter) = &tab.filter {
            let log = &tab.session().log;
            let tested = filter.tested(log);
            let text = if tested < log.len() as u64 {
                let percent = tested * 100 / (log.len() as u64).max(1);
                tr!(lang, "filter.progress", percent = percent)
            } else {
                let matched = group_digits(filter.matched() as u64);
                let total = group_digits(log.len() as u64);
                tr!(lang, "filter.matched", matched = matched, total = total)
            };
            ui.weak(text);
        }
    });
}
