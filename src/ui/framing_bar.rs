//! How received bytes become entries (per read, by line, by delimiter, fixed length, idle gap),
//! and how many of them stay in memory.

use crate::session::Mode;
use crate::tab::{FramingKind, Tab, TabAction};
use crate::units::{bytes_text, group_digits};

pub fn show(ui: &mut egui::Ui, tab: &mut Tab) -> Vec<TabAction> {
    let mut actions = Vec::new();
    ui.horizontal_wrapped(|ui| {
        ui.label("Entries:");
        if tab.mode == Mode::Udp {
            ui.weak("one per datagram");
        } else if framing(ui, tab) {
            actions.push(TabAction::ApplyFraming);
        }
        ui.separator();
        if memory_cap(ui, tab) {
            actions.push(TabAction::ApplyMemoryCap);
        }
    });
    actions
}

/// The framing choices; true when they changed.
fn framing(ui: &mut egui::Ui, tab: &mut Tab) -> bool {
    let mut changed = false;
    let fields = &mut tab.settings.framing;
    for kind in FramingKind::ALL {
        changed |= ui
            .selectable_value(&mut fields.kind, kind, kind.label())
            .changed();
    }
    // NetAssist's habit, in our terms: a new row per read, or rows only at the data's line ends.
    if matches!(fields.kind, FramingKind::PerRead | FramingKind::Lines) {
        let mut auto_newline = fields.kind == FramingKind::PerRead;
        let hint = "On: every read starts a new row (Per read). \
                    Off: reads run together and rows break only at the line ends in the data \
                    (By line); a partial line waits for its end.";
        if ui
            .checkbox(&mut auto_newline, "Auto newline")
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
        FramingKind::Delimiter => Some(("Delimiter (hex)", &mut fields.delimiter_hex)),
        FramingKind::FixedLength => Some(("Length (bytes)", &mut fields.length)),
        FramingKind::IdleGap => Some(("Gap (ms)", &mut fields.gap_ms)),
        FramingKind::PerRead | FramingKind::Lines => None,
    };
    if let Some((label, value)) = parameter {
        let label = ui.label(label);
        let edit = egui::TextEdit::singleline(value)
            .desired_width(90.0)
            .font(egui::TextStyle::Monospace);
        changed |= ui.add(edit).labelled_by(label.id).changed();
    }
    if let Some(error) = &tab.errors.framing {
        ui.colored_label(ui.visuals().error_fg_color, error);
    }
    let pending = tab.pending_frame_bytes();
    if pending > 0 {
        ui.weak(format!(
            "{} B wait for the end of their entry",
            group_digits(pending as u64)
        ));
    }
    changed
}

/// The memory cap field, applied on Enter or when it loses focus; and what left memory.
fn memory_cap(ui: &mut egui::Ui, tab: &mut Tab) -> bool {
    let label = ui.label("Keep");
    let edit = egui::TextEdit::singleline(&mut tab.settings.memory_cap_mib).desired_width(52.0);
    let response = ui
        .add(edit)
        .labelled_by(label.id)
        .on_hover_text("Memory for the log; past it the oldest entries leave the view");
    ui.label("MiB");
    if let Some(error) = &tab.errors.memory_cap {
        ui.colored_label(ui.visuals().error_fg_color, error);
    }
    let log = &tab.session().log;
    let (entries, bytes) = log.evicted();
    if entries > 0 {
        ui.weak(format!("−{} entries", group_digits(entries)))
            .on_hover_text(format!(
                "{} older entries ({}) left memory to stay under the cap. \
                 Record keeps every entry in a file.",
                group_digits(entries),
                bytes_text(bytes)
            ));
    }
    response.lost_focus()
}
