//! The filter: text or hex byte pattern, directions, peer; and how many entries match.

use crate::tab::Tab;
use crate::units::group_digits;

pub fn show(ui: &mut egui::Ui, tab: &mut Tab) {
    ui.horizontal_wrapped(|ui| {
        let fields = &mut tab.settings.filter;
        let label = ui.label("Filter");
        let hint = if fields.hex {
            "hex bytes, e.g. AA 55"
        } else {
            "text in the data"
        };
        let edit = egui::TextEdit::singleline(&mut fields.pattern)
            .hint_text(hint)
            .desired_width(180.0);
        ui.add(edit).labelled_by(label.id);
        ui.checkbox(&mut fields.hex, "Hex pattern");
        ui.separator();
        ui.checkbox(&mut fields.rx, "RX");
        ui.checkbox(&mut fields.tx, "TX");
        ui.checkbox(&mut fields.info, "Info");
        ui.separator();
        let label = ui.label("Peer");
        let edit = egui::TextEdit::singleline(&mut fields.peer)
            .hint_text("part of ip:port")
            .desired_width(130.0);
        ui.add(edit).labelled_by(label.id);
        if fields.is_active() && ui.button("Clear filter").clicked() {
            *fields = Default::default();
        }
        if let Some(error) = &tab.errors.filter {
            ui.colored_label(ui.visuals().error_fg_color, error);
        } else if let Some(filter) = &tab.filter {
            let log = &tab.session().log;
            let tested = filter.tested(log);
            let text = if tested < log.len() as u64 {
                format!("filtering… {}%", tested * 100 / (log.len() as u64).max(1))
            } else {
                format!(
                    "{} of {} entries match",
                    group_digits(filter.matched() as u64),
                    group_digits(log.len() as u64)
                )
            };
            ui.weak(text);
        }
    });
}
