//! The filter: text or hex byte pattern, directions, peer; and how many entries match.

use crate::i18n::{Language, tr};
use crate::session::Mode;
use crate::tab::{Tab, TabSettings};
use crate::units::group_digits;

/// The filter's fields, in the row the caller laid out (wrapping).
pub fn show(ui: &mut egui::Ui, tab: &Tab, settings: &mut TabSettings, lang: Language) {
    // Each label stays with its field: a group goes to the next row whole when it does not
    // fit, so each is given the width it needs.
    let fields = &mut settings.filter;
    let label = tr!(lang, "filter.label");
    let hex = tr!(lang, "filter.hex");
    // The pattern's field gives up width to a narrow log (down to a third), so the group fits
    // the row on its own.
    let around = text_width(ui, &label) + checkbox_width(ui, &hex) + ui.spacing().item_spacing.x;
    let pattern_width = (ui.max_rect().width() - around).clamp(PATTERN_WIDTH / 3.0, PATTERN_WIDTH);
    group(ui, around + pattern_width, |ui| {
        let label = ui.label(label);
        let hint = if fields.hex {
            tr!(lang, "filter.hex_hint")
        } else {
            tr!(lang, "filter.text_hint")
        };
        let edit = egui::TextEdit::singleline(&mut fields.pattern)
            .hint_text(hint)
            .desired_width(pattern_width);
        ui.add(edit).labelled_by(label.id);
        ui.checkbox(&mut fields.hex, hex);
    });
    // The relay's received side is the upstream's answers, its sent side the clients' words.
    let (rx, tx) = if tab.mode == Mode::Relay {
        (
            tr!(lang, "relay.filter_to_client"),
            tr!(lang, "relay.filter_to_upstream"),
        )
    } else {
        (tr!(lang, "filter.rx"), tr!(lang, "filter.tx"))
    };
    let directions = [
        (&mut fields.rx, rx),
        (&mut fields.tx, tx),
        (&mut fields.info, tr!(lang, "filter.info")),
    ];
    let width = directions
        .iter()
        .map(|(_, text)| checkbox_width(ui, text))
        .sum();
    group(ui, width, |ui| {
        for (shown, text) in directions {
            ui.checkbox(shown, text);
        }
    });
    let label = tr!(lang, "filter.peer");
    let label_width = text_width(ui, &label) + ui.spacing().item_spacing.x;
    let peer_width = (ui.max_rect().width() - label_width).clamp(PEER_WIDTH / 2.0, PEER_WIDTH);
    group(ui, label_width + peer_width, |ui| {
        let label = ui.label(label);
        let edit = egui::TextEdit::singleline(&mut fields.peer)
            .hint_text(tr!(lang, "filter.peer_hint"))
            .desired_width(peer_width);
        ui.add(edit).labelled_by(label.id);
    });
    if fields.is_active() && ui.button(tr!(lang, "filter.clear")).clicked() {
        *fields = Default::default();
    }
    if let Some(error) = &tab.view.errors.filter {
        ui.colored_label(ui.visuals().error_fg_color, error);
    } else if let Some(filter) = &tab.view.filter {
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
}

const PATTERN_WIDTH: f32 = 180.0;
const PEER_WIDTH: f32 = 130.0;

/// Widgets laid out left to right in `width`; in a wrapping row, on the next row if they do
/// not fit in this one.
fn group(ui: &mut egui::Ui, width: f32, add_contents: impl FnOnce(&mut egui::Ui)) {
    let size = egui::vec2(width, ui.spacing().interact_size.y);
    let layout = egui::Layout::left_to_right(egui::Align::Center);
    ui.allocate_ui_with_layout(size, layout, add_contents);
}

/// The width of a text and the space after it.
fn text_width(ui: &egui::Ui, text: &str) -> f32 {
    let font = egui::TextStyle::Body.resolve(ui.style());
    let color = ui.visuals().text_color();
    let galley = ui.fonts_mut(|fonts| fonts.layout_no_wrap(text.to_owned(), font, color));
    galley.size().x + ui.spacing().item_spacing.x
}

/// The width of a checkbox with its text, and the space after it.
fn checkbox_width(ui: &egui::Ui, text: &str) -> f32 {
    let spacing = ui.spacing();
    spacing.icon_width + spacing.icon_spacing + text_width(ui, text)
}
