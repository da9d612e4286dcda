//! The settings panel's Send section: the encoding of typed text, what goes after the data
//! (appended bytes, a checksum), repeated sends, and how UDP sends a file.

use super::command::Requests;
use std::borrow::Cow;

use crate::codec::{ByteOrder, Checksum, PayloadFormat, TextEncoding};
use crate::i18n::{Language, tr};
use crate::tab::{Append, Tab, TabAction, TabSettings};
use crate::units::group_digits;

pub fn show(
    ui: &mut egui::Ui,
    tab: &Tab,
    settings: &mut TabSettings,
    lang: Language,
    requests: &mut Requests,
) {
    let text_input = settings.input_format == PayloadFormat::Text;
    ui.add_enabled_ui(text_input, |ui| encoding_choice(ui, settings, lang));
    frame_options(ui, settings, lang);
    ui.separator();
    let toggle_cycle = ui
        .horizontal_wrapped(|ui| repeat_row(ui, tab, settings, lang))
        .inner;
    if settings.datagrams(tab.mode) {
        ui.separator();
        file_pacing(ui, tab, settings, lang);
    }
    requests.tab_all(toggle_cycle.then_some(TabAction::ToggleCycle));
}

/// How a file goes out over UDP: datagram size and the pause between datagrams.
fn file_pacing(ui: &mut egui::Ui, tab: &Tab, settings: &mut TabSettings, lang: Language) {
    let running = tab.session().file.as_ref().is_some_and(|file| file.running);
    ui.add_enabled_ui(!running, |ui| {
        ui.horizontal_wrapped(|ui| {
            let fields = &mut settings.file;
            let label = ui.label(tr!(lang, "send.file.datagrams"));
            let edit = egui::TextEdit::singleline(&mut fields.datagram).desired_width(56.0);
            ui.add(edit).labelled_by(label.id);
            let label = ui.label(tr!(lang, "send.file.bytes_every"));
            let edit = egui::TextEdit::singleline(&mut fields.pace_ms).desired_width(40.0);
            ui.add(edit)
                .labelled_by(label.id)
                .on_hover_text(tr!(lang, "send.file.pace_hint"));
            ui.label(tr!(lang, "send.file.ms"));
        });
    });
}

/// The cyclic send: interval, count, start/stop and progress. True when the button was clicked.
fn repeat_row(ui: &mut egui::Ui, tab: &Tab, settings: &mut TabSettings, lang: Language) -> bool {
    let cycle = tab.session().cycle;
    let running = cycle.is_some_and(|cycle| cycle.running);
    let fields = &mut settings.cycle;
    // Each field stays with its words when the row wraps.
    ui.add_enabled_ui(!running, |ui| {
        ui.horizontal(|ui| {
            let label = ui.label(tr!(lang, "send.repeat.every"));
            let edit = egui::TextEdit::singleline(&mut fields.interval_ms).desired_width(48.0);
            ui.add(edit).labelled_by(label.id);
            ui.label(tr!(lang, "send.repeat.ms"));
        });
        ui.horizontal(|ui| {
            let edit = egui::TextEdit::singleline(&mut fields.count)
                .hint_text("∞")
                .desired_width(40.0);
            let times = ui.add(edit);
            let label = ui.label(tr!(lang, "send.repeat.times"));
            times
                .labelled_by(label.id)
                .on_hover_text(tr!(lang, "send.repeat.times_hint"));
        });
    });
    let button = if running {
        tr!(lang, "send.repeat.stop")
    } else {
        tr!(lang, "send.repeat.start")
    };
    let clicked = ui
        .add_enabled(running || tab.can_send(), egui::Button::new(button))
        .on_hover_text(tr!(lang, "send.repeat.hint"))
        .on_disabled_hover_text(tr!(lang, "send.not_started"))
        .clicked();
    if let Some(cycle) = cycle {
        let sent = group_digits(cycle.sent);
        let progress = match (cycle.count.map(group_digits), cycle.running) {
            (None, true) => tr!(lang, "send.repeat.sent", sent = sent),
            (Some(total), true) => tr!(lang, "send.repeat.sent_of", sent = sent, total = total),
            (None, false) => tr!(lang, "send.repeat.ended", sent = sent),
            (Some(total), false) => {
                tr!(lang, "send.repeat.ended_of", sent = sent, total = total)
            }
        };
        ui.weak(progress);
    }
    if let Some(error) = &tab.view.errors.cycle {
        ui.colored_label(ui.visuals().error_fg_color, error);
    }
    clicked
}

/// The text encoding for sending: the display's, or one set apart.
fn encoding_choice(ui: &mut egui::Ui, settings: &mut TabSettings, lang: Language) {
    let display = settings.encoding;
    let chosen = &mut settings.send.encoding;
    let name = |choice: Option<TextEncoding>| match choice {
        None => tr!(
            lang,
            "send.encoding_as_shown",
            encoding = display.to_string()
        ),
        Some(encoding) => Cow::Owned(encoding.to_string()),
    };
    let label = tr!(lang, "send.encoding");
    super::form::combo(ui, &label, name(*chosen), |ui| {
        ui.selectable_value(chosen, None, name(None));
        for encoding in TextEncoding::ALL {
            ui.selectable_value(chosen, Some(encoding), encoding.to_string());
        }
    });
}

/// Append, checksum and byte order.
fn frame_options(ui: &mut egui::Ui, settings: &mut TabSettings, lang: Language) {
    let fields = &mut settings.send;
    let label = tr!(lang, "send.append");
    super::form::combo(ui, &label, append_label(lang, fields.append), |ui| {
        for append in Append::ALL {
            ui.selectable_value(&mut fields.append, append, append_label(lang, append));
        }
    });
    if fields.append == Append::Custom {
        ui.horizontal(|ui| {
            let label = ui.label(tr!(lang, "send.custom_bytes"));
            let edit = egui::TextEdit::singleline(&mut fields.custom_hex)
                .desired_width(80.0)
                .font(egui::TextStyle::Monospace);
            ui.add(edit).labelled_by(label.id);
        });
    }
    let before = fields.checksum;
    let label = tr!(lang, "send.checksum");
    super::form::combo(ui, &label, checksum_label(lang, fields.checksum), |ui| {
        for checksum in Checksum::ALL {
            let label = checksum_label(lang, checksum);
            ui.selectable_value(&mut fields.checksum, checksum, label);
        }
    });
    if fields.checksum != before {
        // Each algorithm's protocols have their habit: Modbus sends its CRC low byte first.
        fields.order = fields.checksum.usual_order();
    }
    if fields.checksum.width() > 1 {
        let label = tr!(lang, "send.byte_order");
        super::form::combo(ui, &label, order_label(lang, fields.order), |ui| {
            for order in [ByteOrder::BigEndian, ByteOrder::LittleEndian] {
                ui.selectable_value(&mut fields.order, order, order_label(lang, order));
            }
        });
    }
    // Only when there is an order to tell.
    if fields.append != Append::Nothing && fields.checksum != Checksum::None {
        ui.weak(tr!(lang, "send.frame_order"));
    }
}

/// What goes after the payload: line ends are named by their characters in every language.
fn append_label(lang: Language, append: Append) -> Cow<'static, str> {
    match append {
        Append::Nothing => tr!(lang, "send.append_nothing"),
        Append::CrLf => Cow::Borrowed("CR LF"),
        Append::Lf => Cow::Borrowed("LF"),
        Append::Custom => tr!(lang, "send.append_custom"),
    }
}

/// A checksum: the algorithms keep their names (CRC-16/MODBUS…), only "None" is translated.
fn checksum_label(lang: Language, checksum: Checksum) -> Cow<'static, str> {
    match checksum {
        Checksum::None => tr!(lang, "send.checksum_none"),
        algorithm => Cow::Owned(algorithm.to_string()),
    }
}

fn order_label(lang: Language, order: ByteOrder) -> Cow<'static, str> {
    match order {
        ByteOrder::BigEndian => tr!(lang, "send.big_endian"),
        ByteOrder::LittleEndian => tr!(lang, "send.little_endian"),
    }
}
