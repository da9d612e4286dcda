//! Display choices (Text/Hex, UTF-8/GBK), counters, Clear and Save log.

use crate::codec::TextEncoding;
use crate::session::{Layout, Timestamps};
use crate::tab::{Tab, TabAction};

/// What the display bar asks for beyond plain tab actions.
#[must_use]
pub enum DisplayAction {
    Tab(TabAction),
    SaveLog,
    /// Copy the selected entries to the clipboard, as text or as hex.
    Copy {
        hex: bool,
    },
}

pub fn show(ui: &mut egui::Ui, tab: &mut Tab) -> Option<DisplayAction> {
    let mut action = None;
    ui.horizontal_wrapped(|ui| {
        let view = &mut tab.settings.view;
        for layout in Layout::ALL {
            ui.selectable_value(&mut view.layout, layout, layout.to_string());
        }
        ui.checkbox(&mut view.show_controls, "Show \\r\\n")
            .on_hover_text("Show line ends, tabs and other control characters as escapes");
        ui.separator();
        for style in Timestamps::ALL {
            ui.selectable_value(&mut view.timestamps, style, style.label());
        }
        ui.checkbox(&mut view.show_delta, "Δt")
            .on_hover_text("Time since the previous entry, in seconds");
        ui.separator();
        for encoding in TextEncoding::ALL {
            ui.selectable_value(&mut tab.settings.encoding, encoding, encoding.to_string());
        }
        ui.separator();
        let counters = &tab.session.counters;
        ui.monospace(format!(
            "RX {} B ({})  TX {} B ({})",
            group_digits(counters.rx_bytes),
            counters.rx_messages,
            group_digits(counters.tx_bytes),
            counters.tx_messages
        ))
        .on_hover_text("Bytes (messages) received and sent since the last reset");
        if ui.button("Reset counters").clicked() {
            action = Some(DisplayAction::Tab(TabAction::ResetCounters));
        }
        ui.separator();
        let paused = tab.paused_at.is_some();
        let pause = if paused { "Resume" } else { "Pause" };
        let hint = "Freeze the view; data is still counted, recorded and kept";
        if ui
            .selectable_label(paused, pause)
            .on_hover_text(hint)
            .clicked()
        {
            action = Some(DisplayAction::Tab(TabAction::TogglePause));
        }
        if let Some(arrived) = tab.arrived_while_paused() {
            let badge = egui::RichText::new(format!("+{} new", group_digits(arrived)))
                .color(ui.visuals().warn_fg_color);
            ui.label(badge)
                .on_hover_text("Entries that arrived while paused");
        }
        if ui
            .button("Clear")
            .on_hover_text("Empty the log view")
            .clicked()
        {
            action = Some(DisplayAction::Tab(TabAction::ClearLog));
        }
        if ui
            .button("Save log…")
            .on_hover_text("Save as .txt, .csv or .jsonl")
            .clicked()
        {
            action = Some(DisplayAction::SaveLog);
        }
        // Always present, so selecting a row never moves the rows under the pointer.
        ui.separator();
        let selected = tab.selected.len();
        let tip = format!(
            "{} selected; Shift-click a row for a range",
            group_digits(selected as u64)
        );
        let none = "Click rows to select them; Shift-click for a range";
        for (label, copy) in [
            ("Copy as text", Some(false)),
            ("Copy as hex", Some(true)),
            ("Deselect", None),
        ] {
            let button = ui.add_enabled(selected > 0, egui::Button::new(label));
            if button
                .on_hover_text(&tip)
                .on_disabled_hover_text(none)
                .clicked()
            {
                action = Some(match copy {
                    Some(hex) => DisplayAction::Copy { hex },
                    None => DisplayAction::Tab(TabAction::ClearSelection),
                });
            }
        }
        let (entries, bytes) = tab.session.log.evicted();
        if entries > 0 {
            ui.weak(format!(
                "{} older entries ({} B) left the view to stay under the {} MiB cap",
                group_digits(entries),
                group_digits(bytes),
                tab.session.log.cap_bytes() / (1024 * 1024)
            ));
        }
    });
    action
}

/// 1234567 → "1,234,567".
pub fn group_digits(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn groups_digits_by_thousands() {
        assert_eq!(super::group_digits(0), "0");
        assert_eq!(super::group_digits(999), "999");
        assert_eq!(super::group_digits(1_234_567), "1,234,567");
    }
}
