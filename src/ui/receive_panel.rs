//! The settings panel's Receive section: Text/Hex/Both, the encoding, control characters,
//! timestamps; Pause and Clear.

use super::command::Requests;
use super::labels;
use crate::codec::TextEncoding;
use crate::i18n::{Language, tr};
use crate::session::{Layout, Timestamps};
use crate::tab::{Tab, TabAction, TabSettings};
use crate::units::group_digits;

pub fn show(
    ui: &mut egui::Ui,
    tab: &Tab,
    settings: &mut TabSettings,
    lang: Language,
    requests: &mut Requests,
) {
    let view = &mut settings.view;
    ui.horizontal_wrapped(|ui| {
        for layout in Layout::ALL {
            ui.selectable_value(&mut view.layout, layout, labels::layout(lang, layout));
        }
    });
    let encoding = &mut settings.encoding;
    egui::ComboBox::from_label(tr!(lang, "display.encoding"))
        .selected_text(encoding.to_string())
        .show_ui(ui, |ui| {
            for choice in TextEncoding::ALL {
                ui.selectable_value(encoding, choice, choice.to_string());
            }
        });
    ui.horizontal_wrapped(|ui| {
        for style in Timestamps::ALL {
            ui.selectable_value(&mut view.timestamps, style, labels::timestamps(lang, style));
        }
    });
    ui.horizontal_wrapped(|ui| {
        ui.checkbox(&mut view.show_controls, tr!(lang, "display.show_controls"))
            .on_hover_text(tr!(lang, "display.show_controls_hint"));
        ui.checkbox(&mut view.show_delta, tr!(lang, "display.delta"))
            .on_hover_text(tr!(lang, "display.delta_hint"));
        ui.checkbox(&mut view.show_reply, tr!(lang, "display.reply"))
            .on_hover_text(tr!(lang, "display.reply_hint"));
    });
    let action = ui.horizontal_wrapped(|ui| pause_and_clear(ui, tab, lang));
    requests.tab_all(action.inner);
}

fn pause_and_clear(ui: &mut egui::Ui, tab: &Tab, lang: Language) -> Option<TabAction> {
    let mut action = None;
    let paused = tab.view.paused_at.is_some();
    let pause = if paused {
        tr!(lang, "display.resume")
    } else {
        tr!(lang, "display.pause")
    };
    let hint = tr!(lang, "display.pause_hint");
    if ui
        .selectable_label(paused, pause)
        .on_hover_text(hint)
        .clicked()
    {
        action = Some(TabAction::TogglePause);
    }
    if ui
        .button(tr!(lang, "display.clear"))
        .on_hover_text(tr!(lang, "display.clear_hint"))
        .clicked()
    {
        action = Some(TabAction::ClearLog);
    }
    if let Some(arrived) = tab.arrived_while_paused() {
        let count = group_digits(arrived);
        let badge = egui::RichText::new(tr!(lang, "display.new_while_paused", count = count))
            .color(ui.visuals().warn_fg_color);
        ui.label(badge)
            .on_hover_text(tr!(lang, "display.new_while_paused_hint"));
    }
    action
}
