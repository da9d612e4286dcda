//! The settings panel's Entries section: how received bytes become entries (per read, by line,
//! by delimiter, fixed length, idle gap), and how many of them stay in memory.

use super::command::Requests;
use super::labels;
use crate::i18n::{Language, tr};
use crate::tab::{FramingKind, Tab, TabAction, TabSettings};
use crate::units::{bytes_text, group_digits};

pub fn show(
    ui: &mut egui::Ui,
    tab: &Tab,
    settings: &mut TabSettings,
    lang: Language,
    requests: &mut Requests,
) {
    let mut actions = Vec::new();
    ui.horizontal_wrapped(|ui| {
        ui.label(tr!(lang, "framing.entries"));
        if settings.datagrams(tab.mode) {
            ui.weak(tr!(lang, "framing.per_datagram"));
        } else if framing(ui, tab, settings, lang) {
            actions.push(TabAction::ApplyFraming);
        }
    });
    ui.horizontal_wrapped(|ui| {
        if memory_cap(ui, tab, settings, lang) {
            actions.push(TabAction::ApplyMemoryCap);
        }
    });
    requests.tab_all(actions);
}

/// The framing choices; true when they changed.
fn framing(ui: &mut egui::Ui, tab: &Tab, settings: &mut TabSettings, lang: Language) -> bool {
    let mut changed = false;
    let fields = &mut settings.framing;
    for kind in FramingKind::ALL {
        changed |= ui
            .selectable_value(&mut fields.kind, kind, labels::framing(lang, kind))
            .changed();
    }
    // NetAssist's habit, in our terms: a new row per read, or rows only at the data's line ends.
    if matches!(fields.kind, FramingKind::PerRead | FramingKind::Lines) {
        let mut auto_newline = fields.kind == FramingKind::PerRead;
        let hint = tr!(lang, "framing.auto_newline_hint");
        if ui
            .checkbox(&mut auto_newline, tr!(lang, "framing.auto_newline"))
            .on_hover_text(hint)
            .changed()
        {
            fields.kind = if auto_newline {
                FramingKind::PerRead
            } else {
                FramingKind::Lines
            };
            changed = true;
        }
    }
    let parameter = match fields.kind {
        FramingKind::Delimiter => Some((
            tr!(lang, "framing.delimiter_hex"),
            &mut fields.delimiter_hex,
        )),
        FramingKind::FixedLength => Some((tr!(lang, "framing.length"), &mut fields.length)),
        FramingKind::IdleGap => Some((tr!(lang, "framing.gap"), &mut fields.gap_ms)),
        FramingKind::PerRead | FramingKind::Lines => None,
    };
    if let Some((label, value)) = parameter {
        let label = ui.label(label);
        let edit = egui::TextEdit::singleline(value)
            .desired_width(90.0)
            .font(egui::TextStyle::Monospace);
        changed |= ui.add(edit).labelled_by(label.id).changed();
    }
    if let Some(error) = &tab.view.errors.framing {
        ui.colored_label(ui.visuals().error_fg_color, error);
    }
    let pending = tab.session().pending_frame_bytes;
    if pending > 0 {
        let bytes = group_digits(pending as u64);
        ui.weak(tr!(lang, "framing.pending", bytes = bytes));
    }
    changed
}

/// The memory cap field, applied on Enter or when it loses focus; and what left memory.
fn memory_cap(ui: &mut egui::Ui, tab: &Tab, settings: &mut TabSettings, lang: Language) -> bool {
    let label = ui.label(tr!(lang, "framing.keep"));
    let edit = egui::TextEdit::singleline(&mut settings.memory_cap_mib).desired_width(52.0);
    let response = ui
        .add(edit)
        .labelled_by(label.id)
        .on_hover_text(tr!(lang, "framing.keep_hint"));
    ui.label(tr!(lang, "framing.keep_unit"));
    if let Some(error) = &tab.view.errors.memory_cap {
        ui.colored_label(ui.visuals().error_fg_color, error);
    }
    let log = &tab.session().log;
    let (entries, bytes) = log.evicted();
    if entries > 0 {
        let count = group_digits(entries);
        let bytes = bytes_text(bytes);
        ui.weak(tr!(lang, "framing.evicted", count = count))
            .on_hover_text(tr!(
                lang,
                "framing.evicted_hint",
                count = count,
                bytes = bytes
            ));
    }
    response.lost_focus()
}
