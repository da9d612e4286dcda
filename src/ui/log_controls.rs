//! Pause and Clear, beside the log they act on, and a badge while the log is paused: with the
//! settings panel hidden, a paused log with counters rising must still say so where it is.

use super::command::Requests;
use crate::i18n::{Language, tr};
use crate::tab::{Tab, TabAction};
use crate::units::group_digits;

pub fn show(ui: &mut egui::Ui, tab: &Tab, lang: Language, requests: &mut Requests) {
    let paused = tab.view.paused_at.is_some();
    let pause = if paused {
        tr!(lang, "display.resume")
    } else {
        tr!(lang, "display.pause")
    };
    if ui
        .selectable_label(paused, pause)
        .on_hover_text(tr!(lang, "display.pause_hint"))
        .clicked()
    {
        requests.tab(TabAction::TogglePause);
    }
    if ui
        .button(tr!(lang, "display.clear"))
        .on_hover_text(tr!(lang, "display.clear_hint"))
        .clicked()
    {
        requests.tab(TabAction::ClearLog);
    }
    if let Some(arrived) = tab.arrived_while_paused() {
        let count = group_digits(arrived);
        let badge = egui::RichText::new(tr!(lang, "display.paused_badge", count = count))
            .strong()
            .color(ui.visuals().warn_fg_color);
        ui.label(badge)
            .on_hover_text(tr!(lang, "display.new_while_paused_hint"));
    }
}
