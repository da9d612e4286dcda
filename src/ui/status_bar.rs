//! The window's bottom line: what the app has to say (recording, the last save), and the
//! tab's counters with their reset and warnings.

use super::command::{Requests, UiCommand};
use crate::i18n::{Language, tr};
use crate::session::Mode;
use crate::tab::{Tab, TabAction};
use crate::units::{bytes_text, group_digits};

/// What the app says in the status bar, beside the tab's own state.
pub struct Notices<'a> {
    /// Where `--log` records, if it does.
    pub recording_to: Option<String>,
    /// The outcome of the last save, or a recording error (true).
    pub notice: Option<&'a (String, bool)>,
    /// Bytes waiting for the `--log` recording.
    pub recording_backlog: usize,
}

pub fn show(
    ui: &mut egui::Ui,
    tab: &Tab,
    lang: Language,
    notices: &Notices<'_>,
    requests: &mut Requests,
) {
    ui.horizontal(|ui| {
        if ui.button(tr!(lang, "connection.reset_counters")).clicked() {
            requests.tab(TabAction::ResetCounters);
        }
        if ui
            .selectable_label(tab.settings().chart.open, tr!(lang, "chart.toggle"))
            .on_hover_text(tr!(lang, "chart.toggle_hint"))
            .clicked()
        {
            requests.push(UiCommand::ToggleChart);
        }
        counters(ui, tab, lang, notices.recording_backlog);
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            notice_texts(ui, lang, notices);
        });
    });
}

/// What the app has to say, in the room the counters leave on their line: a line of its own
/// pushed the send box up each time a save was reported. Cut with "…", whole on hover.
fn notice_texts(ui: &mut egui::Ui, lang: Language, notices: &Notices<'_>) {
    // Right to left: the notice at the right edge, the recording before it.
    if let Some((text, failed)) = notices.notice {
        let mut shown = egui::RichText::new(text);
        if *failed {
            shown = shown.color(ui.visuals().error_fg_color);
        }
        ui.add(egui::Label::new(shown).truncate())
            .on_hover_text(text);
    }
    if let Some(path) = &notices.recording_to {
        let text = tr!(lang, "app.recording_to", path = path);
        ui.add(egui::Label::new(egui::RichText::new(text.as_ref()).weak()).truncate())
            .on_hover_text(text);
    }
}

/// Bytes and messages each way, then what is dropped or waiting, if anything.
fn counters(ui: &mut egui::Ui, tab: &Tab, lang: Language, recording_backlog: usize) {
    let counters = &tab.session().counters;
    let (rx_bytes, rx_messages) = (group_digits(counters.rx_bytes), counters.rx_messages);
    let (tx_bytes, tx_messages) = (group_digits(counters.tx_bytes), counters.tx_messages);
    // The relay's sent side is what its clients sent on, its received side the answers.
    let (text, hint) = if tab.mode == Mode::Relay {
        let text = tr!(
            lang,
            "relay.counters",
            rx_bytes = rx_bytes,
            rx_messages = rx_messages,
            tx_bytes = tx_bytes,
            tx_messages = tx_messages
        );
        (text, tr!(lang, "relay.counters_hint"))
    } else {
        let text = tr!(
            lang,
            "connection.counters",
            rx_bytes = rx_bytes,
            rx_messages = rx_messages,
            tx_bytes = tx_bytes,
            tx_messages = tx_messages
        );
        (text, tr!(lang, "connection.counters_hint"))
    };
    ui.monospace(text).on_hover_text(hint);
    if counters.dropped > 0 {
        let count = group_digits(counters.dropped);
        let text = tr!(lang, "connection.dropped", count = count);
        ui.colored_label(ui.visuals().error_fg_color, text)
            .on_hover_text(tr!(lang, "connection.dropped_hint"));
    }
    if let Some(queued) = tab.behind_by() {
        let text = tr!(lang, "connection.behind", bytes = bytes_text(queued as u64));
        let limit = bytes_text(crate::net::QUEUE_LIMIT as u64);
        let help = tr!(lang, "connection.behind_hint", limit = limit);
        ui.colored_label(ui.visuals().warn_fg_color, text)
            .on_hover_text(help);
    }
    if let Some(waiting) = tab.files_behind_by(recording_backlog) {
        let bytes = bytes_text(waiting as u64);
        let text = tr!(lang, "connection.files_behind", bytes = bytes);
        let limit = bytes_text(crate::export::BACKLOG_LIMIT as u64);
        let help = tr!(lang, "connection.files_behind_hint", limit = limit);
        ui.colored_label(ui.visuals().warn_fg_color, text)
            .on_hover_text(help);
    }
}
