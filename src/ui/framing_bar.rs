//! How received bytes become entries: per read, by line, by delimiter, fixed length, idle gap.

use crate::session::Mode;
use crate::tab::{FramingKind, Tab, TabAction};
use crate::ui::display_bar::group_digits;

pub fn show(ui: &mut egui::Ui, tab: &mut Tab) -> Option<TabAction> {
    let mut changed = false;
    ui.horizontal_wrapped(|ui| {
        ui.label("Entries:");
        if tab.mode == Mode::Udp {
            ui.weak("one per datagram");
            return;
        }
        let fields = &mut tab.settings.framing;
        for kind in FramingKind::ALL {
            changed |= ui
                .selectable_value(&mut fields.kind, kind, kind.label())
                .changed();
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
        let pending = tab.session.pending_frame_bytes();
        if pending > 0 {
            ui.weak(format!(
                "{} B wait for the end of their entry",
                group_digits(pending as u64)
            ));
        }
    });
    changed.then_some(TabAction::ApplyFraming)
}
