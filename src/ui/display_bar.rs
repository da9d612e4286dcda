//! How the log shows: Text/Hex/Both, control characters, timestamps, encoding; Pause and Clear.

use crate::codec::TextEncoding;
use crate::session::{Layout, Timestamps};
use crate::tab::{Tab, TabAction};
use crate::units::group_digits;

pub fn show(ui: &mut egui::Ui, tab: &mut Tab) -> Option<TabAction> {
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
        let encoding = &mut tab.settings.encoding;
        egui::ComboBox::from_label("Encoding")
            .selected_text(encoding.to_string())
            .show_ui(ui, |ui| {
                for choice in TextEncoding::ALL {
                    ui.selectable_value(encoding, choice, choice.to_string());
                }
            });
        ui.separator();
        let paused = tab.paused_at.is_some();
        let pause = if paused { "Resume" } else { "Pause" };
        let hint = "Freeze the view; data is still counted, recorded and kept";
        if ui
            .selectable_label(paused, pause)
            .on_hover_text(hint)
            .clicked()
        {
            action = Some(TabAction::TogglePause);
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
            action = Some(TabAction::ClearLog);
        }
    });
    action
}
