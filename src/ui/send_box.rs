//! The multi-line send box: Text/Hex input, escapes, encoding, what to append, a checksum, the
//! Send button, and a live preview of the exact bytes Send puts on the wire.

use egui::{Key, KeyboardShortcut, Modifiers};

use crate::codec::{ByteOrder, Checksum, PayloadFormat, TextEncoding, to_spaced_hex};
use crate::tab::payloads::Payload;
use crate::tab::{Append, Tab, TabAction};
use crate::units::{bytes_text, count, group_digits};

/// Bytes the preview lists before it only counts them.
const PREVIEW_BYTES: usize = 64;

const SEND_SHORTCUT: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::Enter);

/// What the send box asks for beyond plain tab actions.
#[must_use]
pub enum SendBoxAction {
    Tab(TabAction),
    /// Choose a file in a dialog, then send it.
    BrowseFile,
    /// Open or close the Quick commands window.
    ToggleCommands,
    /// Open or close the tab's Auto-reply window.
    ToggleAutoReply,
}

pub fn show(ui: &mut egui::Ui, tab: &mut Tab) -> Option<SendBoxAction> {
    let mut asked = None;
    let action = show_box(ui, tab, &mut asked);
    asked.or(action.map(SendBoxAction::Tab))
}

fn show_box(
    ui: &mut egui::Ui,
    tab: &mut Tab,
    asked: &mut Option<SendBoxAction>,
) -> Option<TabAction> {
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
            let text_input = tab.settings.input_format == PayloadFormat::Text;
            ui.add_enabled_ui(text_input, |ui| {
                ui.checkbox(&mut tab.settings.send.escapes, "Escapes")
                    .on_hover_text("Read \\r \\n \\t \\\\ \\0 and \\xNN (a raw byte) in the text");
                encoding_choice(ui, tab);
            });
            ui.weak("Ctrl+Enter sends");
            ui.separator();
            if ui
                .add_enabled(tab.can_send(), egui::Button::new("Send file…"))
                .on_hover_text("Send a file's bytes (or drop a file on the window)")
                .on_disabled_hover_text("Start a session first")
                .clicked()
            {
                *asked = Some(SendBoxAction::BrowseFile);
            }
            if let Some(payload) = history_menu(ui, &tab.settings.history) {
                action = Some(TabAction::LoadPayload(payload));
            }
            if ui
                .button("Commands…")
                .on_hover_text("Quick commands: named payloads, Ctrl+1..9")
                .clicked()
            {
                *asked = Some(SendBoxAction::ToggleCommands);
            }
            let rules = tab
                .settings
                .auto_replies
                .iter()
                .filter(|r| r.enabled)
                .count();
            let auto_label = match rules {
                0 => "Auto-reply…".to_owned(),
                n => format!("Auto-reply ({n} on)…"),
            };
            if ui
                .button(auto_label)
                .on_hover_text("Reply to what arrives, by rules")
                .clicked()
            {
                *asked = Some(SendBoxAction::ToggleAutoReply);
            }
            label.id
        })
        .inner;
    ui.horizontal_wrapped(|ui| frame_options(ui, tab));
    ui.horizontal_wrapped(|ui| {
        if repeat_row(ui, tab) {
            action = Some(TabAction::ToggleCycle);
        }
    });
    if let Some(file_action) = file_row(ui, tab) {
        action = Some(file_action);
    }
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
        // Send (by Ctrl+Enter, taken above) clears the last send's error too.
        if response.changed() && action.is_none() {
            action = Some(TabAction::SendTextEdited);
        }
        // A connection that comes up while the user types in another field (a filter, an
        // auto-reply rule) must not take their keystrokes.
        let typing_elsewhere = ui.memory(|memory| memory.focused().is_some_and(|id| id != box_id));
        if tab.take_focus_request() && !typing_elsewhere {
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
    // One line under the box: what Send would do now, or why it cannot.
    let error_color = ui.visuals().error_fg_color;
    let send_error = tab.errors.send.clone();
    let empty = tab.settings.send_text.is_empty();
    match (&send_error, tab.preview()) {
        (None, Err(_)) if empty => {
            ui.weak("Type what to send: the exact bytes show here");
        }
        (Some(error), _) | (None, Err(error)) => {
            ui.colored_label(error_color, error);
        }
        (None, Ok(bytes)) => {
            let shown = &bytes[..bytes.len().min(PREVIEW_BYTES)];
            let more = if bytes.len() > PREVIEW_BYTES {
                " …"
            } else {
                ""
            };
            ui.weak(
                egui::RichText::new(format!(
                    "Sends {}: {}{more}",
                    count(bytes.len() as u64, "byte"),
                    to_spaced_hex(shown)
                ))
                .monospace(),
            );
        }
    }
    action
}

/// The cyclic send: interval, count, start/stop and progress. True when the button was clicked.
fn repeat_row(ui: &mut egui::Ui, tab: &mut Tab) -> bool {
    let cycle = tab.session().cycle;
    let running = cycle.is_some_and(|cycle| cycle.running);
    let fields = &mut tab.settings.cycle;
    ui.add_enabled_ui(!running, |ui| {
        let label = ui.label("Repeat every");
        let edit = egui::TextEdit::singleline(&mut fields.interval_ms).desired_width(56.0);
        ui.add(edit).labelled_by(label.id);
        ui.label("ms,");
        let edit = egui::TextEdit::singleline(&mut fields.count)
            .hint_text("∞")
            .desired_width(56.0);
        let times = ui.add(edit);
        let label = ui.label("times");
        times
            .labelled_by(label.id)
            .on_hover_text("Leave empty to repeat until stopped");
    });
    let button = if running {
        "Stop repeat"
    } else {
        "Start repeat"
    };
    let clicked = ui
        .add_enabled(running || tab.can_send(), egui::Button::new(button))
        .on_hover_text("Send the box again and again; the n-th send is due at start + n × interval")
        .on_disabled_hover_text("Start a session first")
        .clicked();
    if let Some(cycle) = cycle {
        let of = cycle
            .count
            .map_or_else(String::new, |count| format!(" of {}", group_digits(count)));
        let state = if cycle.running { "" } else { ", ended" };
        ui.weak(format!("{} sent{of}{state}", group_digits(cycle.sent)));
    }
    if let Some(error) = &tab.errors.cycle {
        ui.colored_label(ui.visuals().error_fg_color, error);
    }
    clicked
}

/// Send file: UDP's datagram size and pacing, the progress of a file on its way with Cancel,
/// and a hint while a file is dragged over the window.
fn file_row(ui: &mut egui::Ui, tab: &mut Tab) -> Option<TabAction> {
    let mut action = None;
    let hovering = ui.input(|input| !input.raw.hovered_files.is_empty());
    let running = tab.session().file.as_ref().is_some_and(|file| file.running);
    let udp = tab.mode == crate::session::Mode::Udp;
    if !(udp || running || hovering || tab.errors.file.is_some()) {
        return None;
    }
    ui.horizontal_wrapped(|ui| {
        if udp {
            ui.add_enabled_ui(!running, |ui| {
                let fields = &mut tab.settings.file;
                let label = ui.label("File in datagrams of");
                let edit = egui::TextEdit::singleline(&mut fields.datagram).desired_width(56.0);
                ui.add(edit).labelled_by(label.id);
                let label = ui.label("bytes, every");
                let edit = egui::TextEdit::singleline(&mut fields.pace_ms).desired_width(40.0);
                ui.add(edit)
                    .labelled_by(label.id)
                    .on_hover_text("Milliseconds between datagrams; 0: as fast as possible");
                ui.label("ms");
            });
        }
        if let Some(file) = tab.session().file.as_ref().filter(|file| file.running) {
            let fraction = if file.total > 0 {
                file.sent as f32 / file.total as f32
            } else {
                0.0
            };
            ui.add(egui::ProgressBar::new(fraction).desired_width(160.0));
            ui.weak(format!(
                "{}: {} of {}, {}/s",
                file.name,
                bytes_text(file.sent),
                bytes_text(file.total),
                bytes_text(file.rate() as u64)
            ));
            if ui.button("Cancel").clicked() {
                action = Some(TabAction::CancelFile);
            }
        }
        if hovering {
            ui.strong("Drop the file to send it");
        }
        if let Some(error) = &tab.errors.file {
            ui.colored_label(ui.visuals().error_fg_color, error);
        }
    });
    action
}

/// The last sends, newest first: a click puts one back in the box.
fn history_menu(ui: &mut egui::Ui, history: &[Payload]) -> Option<Payload> {
    let mut chosen = None;
    ui.add_enabled_ui(!history.is_empty(), |ui| {
        ui.menu_button("History", |ui| {
            egui::ScrollArea::vertical()
                .max_height(360.0)
                .show(ui, |ui| {
                    for payload in history {
                        if ui.button(payload.summary()).clicked() {
                            chosen = Some(payload.clone());
                            ui.close();
                        }
                    }
                });
        })
        .response
        .on_hover_text("The last 100 sends")
        .on_disabled_hover_text("Nothing sent yet");
    });
    chosen
}

/// The text encoding for sending: the display's, or one set apart.
fn encoding_choice(ui: &mut egui::Ui, tab: &mut Tab) {
    let display = tab.settings.encoding;
    let chosen = &mut tab.settings.send.encoding;
    let name = |choice: Option<TextEncoding>| match choice {
        None => format!("{display}, as shown"),
        Some(encoding) => encoding.to_string(),
    };
    egui::ComboBox::from_label("Send encoding")
        .selected_text(name(*chosen))
        .show_ui(ui, |ui| {
            ui.selectable_value(chosen, None, name(None));
            for encoding in TextEncoding::ALL {
                ui.selectable_value(chosen, Some(encoding), encoding.to_string());
            }
        });
}

/// Append, checksum and byte order.
fn frame_options(ui: &mut egui::Ui, tab: &mut Tab) {
    let fields = &mut tab.settings.send;
    egui::ComboBox::from_label("Append")
        .selected_text(fields.append.label())
        .show_ui(ui, |ui| {
            for append in Append::ALL {
                ui.selectable_value(&mut fields.append, append, append.label());
            }
        });
    if fields.append == Append::Custom {
        let label = ui.label("bytes (hex)");
        let edit = egui::TextEdit::singleline(&mut fields.custom_hex)
            .desired_width(80.0)
            .font(egui::TextStyle::Monospace);
        ui.add(edit).labelled_by(label.id);
    }
    ui.separator();
    let before = fields.checksum;
    egui::ComboBox::from_label("Checksum")
        .selected_text(fields.checksum.to_string())
        .show_ui(ui, |ui| {
            for checksum in Checksum::ALL {
                ui.selectable_value(&mut fields.checksum, checksum, checksum.to_string());
            }
        });
    if fields.checksum != before {
        // Each algorithm's protocols have their habit: Modbus sends its CRC low byte first.
        fields.order = fields.checksum.usual_order();
    }
    if fields.checksum.width() > 1 {
        egui::ComboBox::from_label("Byte order")
            .selected_text(fields.order.to_string())
            .show_ui(ui, |ui| {
                for order in [ByteOrder::BigEndian, ByteOrder::LittleEndian] {
                    ui.selectable_value(&mut fields.order, order, order.to_string());
                }
            });
    }
    ui.weak("after the data: checksum, then the appended bytes");
}
