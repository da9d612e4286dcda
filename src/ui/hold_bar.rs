//! Relay (a section of the settings panel): holding each way through the pairs, stepping a
//! held read on, letting all go, and what waits.

use super::command::Requests;
use crate::i18n::{Language, tr};
use crate::net::Toward;
use crate::tab::{Tab, TabAction};
use crate::units::{bytes_text, group_digits};

pub fn show(ui: &mut egui::Ui, tab: &Tab, lang: Language, requests: &mut Requests) {
    let mut actions = Vec::new();
    for (toward, way) in [(Toward::Upstream, "C->U"), (Toward::Client, "U->C")] {
        let held = tab.session().held(toward);
        ui.horizontal_wrapped(|ui| {
            ui.monospace(way);
            let mut holding = held.holding;
            let hold = ui.toggle_value(&mut holding, tr!(lang, "relay.hold.hold"));
            named(
                &hold,
                way,
                &tr!(lang, "relay.hold.hold"),
                true,
                Some(holding),
            );
            if hold
                .on_hover_text(tr!(lang, "relay.hold.hold_hint"))
                .changed()
            {
                actions.push(TabAction::Hold {
                    toward,
                    hold: holding,
                });
            }
            let waiting = held.reads > 0;
            let step = ui.add_enabled(waiting, egui::Button::new(tr!(lang, "relay.hold.step")));
            named(&step, way, &tr!(lang, "relay.hold.step"), waiting, None);
            if step
                .on_hover_text(tr!(lang, "relay.hold.step_hint"))
                .clicked()
            {
                actions.push(TabAction::Step(toward));
            }
            let let_go = ui.add_enabled(
                held.holding,
                egui::Button::new(tr!(lang, "relay.hold.let_go")),
            );
            named(
                &let_go,
                way,
                &tr!(lang, "relay.hold.let_go"),
                held.holding,
                None,
            );
            if let_go
                .on_hover_text(tr!(lang, "relay.hold.let_go_hint"))
                .clicked()
            {
                actions.push(TabAction::Hold {
                    toward,
                    hold: false,
                });
            }
            if held.holding || waiting {
                let reads = group_digits(held.reads as u64);
                let bytes = bytes_text(held.bytes as u64);
                let text = tr!(lang, "relay.hold.waiting", reads = reads, bytes = bytes);
                ui.colored_label(ui.visuals().warn_fg_color, text);
            }
        });
    }
    requests.tab_all(actions);
}

/// Names a button by its text and its way: each way has a Hold, a Step and a Let go.
fn named(response: &egui::Response, way: &str, text: &str, enabled: bool, selected: Option<bool>) {
    let label = format!("{text} {way}");
    response.widget_info(|| match selected {
        Some(selected) => egui::WidgetInfo::selected(egui::Role::Button, enabled, selected, &label),
        None => egui::WidgetInfo::labeled(egui::Role::Button, enabled, &label),
    });
}
