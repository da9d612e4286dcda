//! The settings panel's Multicast section (UDP): the groups to be in, joined now if the
//! socket is open (else as it opens), and how multicast sends go out.

use super::command::Requests;
use crate::i18n::{Language, tr};
use crate::tab::{Tab, TabAction, TabSettings};

pub fn show(
    ui: &mut egui::Ui,
    tab: &Tab,
    settings: &mut TabSettings,
    lang: Language,
    requests: &mut Requests,
) {
    let mut action = None;
    let joined: Vec<String> = tab
        .session()
        .groups
        .iter()
        .map(ToString::to_string)
        .collect();
    let open = tab.session().status.is_active();
    let fields = &mut settings.udp;
    let label = ui.label(tr!(lang, "multicast.group"));
    // Right to left: the button takes its width, the field the rest.
    let layout = egui::Layout::right_to_left(egui::Align::Center);
    ui.allocate_ui_with_layout(egui::vec2(ui.available_width(), 0.0), layout, |ui| {
        if ui.button(tr!(lang, "multicast.join")).clicked() {
            action = Some(TabAction::JoinGroup);
        }
        let edit = egui::TextEdit::singleline(&mut fields.group_input)
            .hint_text("239.1.2.3@eth0")
            .desired_width(ui.available_width());
        let response = ui
            .add(edit)
            .labelled_by(label.id)
            .on_hover_text(tr!(lang, "multicast.group_hint"));
        if response.lost_focus() && ui.input(|input| input.key_pressed(egui::Key::Enter)) {
            action = Some(TabAction::JoinGroup);
        }
    });
    if let Some(error) = &tab.view.errors.group {
        ui.colored_label(ui.visuals().error_fg_color, error);
    }
    for group in &fields.groups {
        ui.horizontal(|ui| {
            let state = if joined.contains(group) {
                tr!(lang, "multicast.joined")
            } else if open {
                tr!(lang, "multicast.not_joined")
            } else {
                tr!(lang, "multicast.on_open")
            };
            ui.monospace(group);
            ui.weak(state);
            if ui.small_button(tr!(lang, "multicast.leave")).clicked() {
                action = Some(TabAction::LeaveGroup(group.clone()));
            }
        });
    }
    ui.add_enabled_ui(!open, |ui| {
        ui.horizontal_wrapped(|ui| {
            let label = ui.label(tr!(lang, "multicast.ttl"));
            let ttl = egui::DragValue::new(&mut fields.multicast_ttl).range(1..=255);
            ui.add(ttl)
                .labelled_by(label.id)
                .on_hover_text(tr!(lang, "multicast.ttl_hint"));
            ui.checkbox(
                &mut fields.multicast_loopback,
                tr!(lang, "multicast.loopback"),
            )
            .on_hover_text(tr!(lang, "multicast.loopback_hint"));
        });
    });
    requests.tab_all(action);
}
