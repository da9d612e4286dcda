//! The multi-line send box: Text/Hex input, escapes, encoding, what to append, a checksum, the
//! Send button, and a live preview of the exact bytes Send puts on the wire.

use std::borrow::Cow;

use super::command::{FilePurpose, Requests, UiCommand};
use crate::codec::{PayloadFormat, to_spaced_hex};
use crate::i18n::{Language, tr};
use crate::tab::payloads::Payload;
use crate::tab::{Tab, TabAction, TabSettings};
use crate::units::{bytes_text, group_digits};

/// Bytes the preview lists before it only counts them.
const PREVIEW_BYTES: usize = 64;

/// The send box of `tab`, editing `settings`; `focus`: it takes the keyboard now (a session
/// just came up, or a send was loaded into it).
pub fn show(
    ui: &mut egui::Ui,
    tab: &Tab,
    settings: &mut TabSettings,
    focus: bool,
    lang: Language,
    requests: &mut Requests,
) {
    let mut asked = None;
    let action = show_box(ui, tab, settings, focus, lang, &mut asked);
    match asked {
        Some(command) => requests.push(command),
        None => requests.tab_all(action),
    }
}

fn show_box(
    ui: &mut egui::Ui,
    tab: &Tab,
    settings: &mut TabSettings,
    focus: bool,
    lang: Language,
    asked: &mut Option<UiCommand>,
) -> Option<TabAction> {
    let mut action = None;
    let box_id = ui.make_persistent_id(("send box", tab.mode));
    if tab.mode == crate::session::Mode::Relay {
        ui.horizontal_wrapped(|ui| super::inject_row::show(ui, tab, settings, lang));
    }
    let label_id = ui
        .horizontal_wrapped(|ui| toolbar(ui, tab, settings, lang, asked, &mut action))
        .inner;
    if let Some(file_action) = file_row(ui, tab, lang) {
        action = Some(file_action);
    }
    // Ctrl+Enter must be taken before the text box sees it as a newline.
    let focused = ui.memory(|memory| memory.has_focus(box_id));
    let send = UiCommand::Tab(TabAction::Send);
    if focused && send.pressed(ui.ctx()) {
        action = Some(TabAction::Send);
    }
    let ids = (box_id, label_id);
    ui.horizontal(|ui| editor(ui, tab, settings, focus, lang, ids, &mut action));
    preview_line(ui, tab, settings, lang);
    action
}

/// The row over the box: the input format, escapes, and the buttons that open the send
/// file, history, quick commands and auto-reply. Returns the label's id, which names the box.
fn toolbar(
    ui: &mut egui::Ui,
    tab: &Tab,
    settings: &mut TabSettings,
    lang: Language,
    asked: &mut Option<UiCommand>,
    action: &mut Option<TabAction>,
) -> egui::Id {
    // A control that does not fit goes to the next row whole, its text on one line.
    ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Extend);
    let label = ui.label(tr!(lang, "send.label"));
    for (format, text) in [
        (PayloadFormat::Text, tr!(lang, "send.text_input")),
        (PayloadFormat::Hex, tr!(lang, "send.hex_input")),
    ] {
        let selected = settings.input_format == format;
        if ui.radio(selected, text).clicked() && !selected {
            *action = Some(TabAction::SetInputFormat(format));
        }
    }
    let text_input = settings.input_format == PayloadFormat::Text;
    ui.add_enabled_ui(text_input, |ui| {
        ui.checkbox(&mut settings.send.escapes, tr!(lang, "send.escapes"))
            .on_hover_text(tr!(lang, "send.escapes_hint"));
    });
    ui.separator();
    if ui
        .add_enabled(
            tab.can_send(),
            egui::Button::new(tr!(lang, "send.file.send")),
        )
        .on_hover_text(tr!(lang, "send.file.send_hint"))
        .on_disabled_hover_text(tr!(lang, "send.not_started"))
        .clicked()
    {
        *asked = Some(UiCommand::AskFile(FilePurpose::SendFile(tab.mode)));
    }
    if let Some(payload) = history_menu(ui, &settings.history, lang) {
        *action = Some(TabAction::LoadPayload(payload));
    }
    if ui
        .button(tr!(lang, "send.commands"))
        .on_hover_text(tr!(lang, "send.commands_hint"))
        .clicked()
    {
        *asked = Some(UiCommand::ToggleQuickCommands);
    }
    // The relay answers nothing of its own: its rules are the Rewrite section's.
    if tab.mode != crate::session::Mode::Relay {
        let rules = settings.auto_replies.iter().filter(|r| r.enabled).count();
        let auto_label = match rules {
            0 => tr!(lang, "send.auto_reply"),
            n => tr!(lang, "send.auto_reply_on", count = n.to_string()),
        };
        if ui
            .button(auto_label)
            .on_hover_text(tr!(lang, "send.auto_reply_hint"))
            .clicked()
        {
            *asked = Some(UiCommand::ToggleAutoReply);
        }
    }
    // The TCP relay's script sees and changes each read passing through.
    if !(tab.mode == crate::session::Mode::Relay && settings.relay.udp) {
        let script_label = if tab.session().script == crate::script::ScriptState::Running {
            tr!(lang, "script.button_running")
        } else {
            tr!(lang, "script.button")
        };
        if ui
            .button(script_label)
            .on_hover_text(tr!(lang, "script.button_hint"))
            .clicked()
        {
            *asked = Some(UiCommand::ToggleScript);
        }
    }

    label.id
}

/// The box and its Send button. `ids`: the box's own id and its label's.
fn editor(
    ui: &mut egui::Ui,
    tab: &Tab,
    settings: &mut TabSettings,
    focus: bool,
    lang: Language,
    (box_id, label_id): (egui::Id, egui::Id),
    action: &mut Option<TabAction>,
) {
    let send_width = 90.0;
    let hint = match settings.input_format {
        PayloadFormat::Text => tr!(lang, "send.text_hint"),
        PayloadFormat::Hex => tr!(lang, "send.hex_hint"),
    };
    let edit = egui::TextEdit::multiline(&mut settings.send_text)
        .id(box_id)
        .hint_text(hint)
        .font(egui::TextStyle::Monospace)
        .desired_rows(3)
        .desired_width(ui.available_width() - send_width - ui.spacing().item_spacing.x);
    let response = ui
        .add(edit)
        .labelled_by(label_id)
        .on_hover_text(tr!(lang, "send.variables_hint"));
    // An edit clears the last send's error when the settings take it (Tab::use_settings).
    // A connection that comes up while the user types in another field (a filter, an
    // auto-reply rule) must not take their keystrokes.
    let typing_elsewhere = ui.memory(|memory| memory.focused().is_some_and(|id| id != box_id));
    if focus && !typing_elsewhere {
        response.request_focus();
    }
    let send = egui::Button::new(tr!(lang, "send.send"))
        .min_size(egui::vec2(send_width, response.rect.height()));
    let clicked = ui
        .add_enabled(tab.can_send(), send)
        .on_disabled_hover_text(tr!(lang, "send.not_started"))
        .on_hover_text(tr!(lang, "send.send_hint"))
        .clicked();
    if clicked {
        *action = Some(TabAction::Send);
    }
}

/// One line under the box: what Send would do now, or why it cannot.
fn preview_line(ui: &mut egui::Ui, tab: &Tab, settings: &mut TabSettings, lang: Language) {
    let error_color = ui.visuals().error_fg_color;
    let send_error = tab.view.errors.send.clone();
    let empty = settings.send_text.is_empty();
    match (&send_error, tab.preview()) {
        (None, Err(_)) if empty => {
            ui.weak(tr!(lang, "send.empty"));
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
            let size = byte_count(lang, bytes.len() as u64);
            let hex = format!("{}{more}", to_spaced_hex(shown));
            let text = tr!(lang, "send.preview", bytes = size, hex = hex);
            ui.weak(egui::RichText::new(text).monospace());
        }
    }
}

/// "1 byte", "2,048 bytes".
fn byte_count(lang: Language, n: u64) -> Cow<'static, str> {
    let count = group_digits(n);
    if n == 1 {
        tr!(lang, "send.bytes_one", count = count)
    } else {
        tr!(lang, "send.bytes_other", count = count)
    }
}

/// Send file: the progress of a file on its way with Cancel,
/// and a hint while a file is dragged over the window.
fn file_row(ui: &mut egui::Ui, tab: &Tab, lang: Language) -> Option<TabAction> {
    let mut action = None;
    let hovering = ui.input(|input| !input.raw.hovered_files.is_empty());
    let running = tab.session().file.as_ref().is_some_and(|file| file.running);
    if !(running || hovering || tab.view.errors.file.is_some()) {
        return None;
    }
    ui.horizontal_wrapped(|ui| {
        if let Some(file) = tab.session().file.as_ref().filter(|file| file.running) {
            let fraction = if file.total > 0 {
                file.sent as f32 / file.total as f32
            } else {
                0.0
            };
            ui.add(egui::ProgressBar::new(fraction).desired_width(160.0));
            ui.weak(tr!(
                lang,
                "send.file.progress",
                name = file.name.as_str(),
                sent = bytes_text(file.sent),
                total = bytes_text(file.total),
                rate = bytes_text(file.rate() as u64),
            ));
            if ui.button(tr!(lang, "send.file.cancel")).clicked() {
                action = Some(TabAction::CancelFile);
            }
        }
        if hovering {
            ui.strong(tr!(lang, "send.file.drop"));
        }
        if let Some(error) = &tab.view.errors.file {
            ui.colored_label(ui.visuals().error_fg_color, error);
        }
    });
    action
}

/// The last sends, newest first: a click puts one back in the box.
fn history_menu(ui: &mut egui::Ui, history: &[Payload], lang: Language) -> Option<Payload> {
    let mut chosen = None;
    ui.add_enabled_ui(!history.is_empty(), |ui| {
        ui.menu_button(tr!(lang, "send.history"), |ui| {
            egui::ScrollArea::vertical()
                .max_height(360.0)
                .show(ui, |ui| {
                    for payload in history {
                        if ui.button(payload.summary(lang)).clicked() {
                            chosen = Some(payload.clone());
                            ui.close();
                        }
                    }
                });
        })
        .response
        .on_hover_text(tr!(lang, "send.history_hint"))
        .on_disabled_hover_text(tr!(lang, "send.history_empty"));
    });
    chosen
}
