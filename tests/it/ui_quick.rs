//! History and quick commands in the real App, against a real loopback peer: one click (or
//! Ctrl+N) sends the saved bytes; add, rename, reorder, delete, export and import.

use crate::common::*;
use egui::accesskit::Role;
use sockscope::codec::PayloadFormat;
use sockscope::session::Mode;

/// Clicks the button with this label (the command's name field is labelled by it too).
fn press(harness: &mut egui_kittest::Harness<'static, sockscope::App>, label: &str) {
    harness.get_by_role_and_label(Role::Button, label).click();
    harness.step();
    harness.step();
}

fn send_box(harness: &egui_kittest::Harness<'static, sockscope::App>) -> String {
    harness
        .state()
        .tab(Mode::TcpClient)
        .settings()
        .send_text
        .clone()
}

#[test]
fn history_puts_an_earlier_send_back_in_the_box() {
    let mut harness = app_harness();
    let mut peer = connected_client(&mut harness);
    for text in ["first", "second"] {
        type_send_box(&mut harness, text);
        click(&mut harness, "Send");
        assert_eq!(read_exactly(&mut peer, text.len()), text.as_bytes());
    }
    click(&mut harness, "Hex input");
    type_send_box(&mut harness, "FF");
    click(&mut harness, "History");
    click(&mut harness, "[Text] first");
    assert_eq!(send_box(&harness), "first");
    let tab = harness.state().tab(Mode::TcpClient);
    assert_eq!(
        tab.settings().input_format,
        PayloadFormat::Text,
        "its format too"
    );
    let history: Vec<&str> = tab
        .settings()
        .history
        .iter()
        .map(|p| p.text.as_str())
        .collect();
    assert_eq!(history, ["second", "first"], "newest first");
}

#[test]
fn quick_commands_send_with_a_click_or_ctrl_n_and_can_be_managed() {
    let mut harness = app_harness();
    let mut peer = connected_client(&mut harness);
    click(&mut harness, "Commands…");

    // Two commands from the send box, each with its own format and options.
    click(&mut harness, "Escapes");
    type_send_box(&mut harness, r"PING\r\n");
    type_field(&mut harness, "New command name", "Ping");
    click(&mut harness, "Add from send box");
    click(&mut harness, "Hex input");
    type_send_box(&mut harness, "01 02");
    type_field(&mut harness, "New command name", "Raw");
    click(&mut harness, "Add from send box");
    // Its checksum is kept with it, and shown before it is sent.
    type_send_box(&mut harness, "01 03 00 00 00 0A");
    choose(&mut harness, "Checksum", "CRC-16/MODBUS");
    type_field(&mut harness, "New command name", "Read");
    click(&mut harness, "Add from send box");
    choose(&mut harness, "Checksum", "None");
    assert!(shows(&harness, "sends 6 B: 50 49 4E 47 0D 0A"));
    assert!(shows(&harness, "sends 2 B: 01 02"));
    assert!(shows(&harness, "sends 8 B: 01 03 00 00 00 0A C5 CD"));
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Num3);
    harness.step();
    assert_eq!(
        read_exactly(&mut peer, 8),
        [0x01, 0x03, 0x00, 0x00, 0x00, 0x0A, 0xC5, 0xCD]
    );
    harness
        .query_all_by_label("✕")
        .nth(2)
        .expect("row 3's ✕")
        .click();
    harness.step();
    harness.step();
    type_send_box(&mut harness, "unsent");

    press(&mut harness, "Send 1");
    assert_eq!(read_exactly(&mut peer, 6), b"PING\r\n");
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Num2);
    harness.step();
    assert_eq!(read_exactly(&mut peer, 2), [1, 2]);
    assert_eq!(send_box(&harness), "unsent", "the send box is left alone");

    // Rename, move Raw up, then delete Ping (now second).
    type_into(&mut harness, Role::TextInput, "Send 1", "Ping twice");
    assert_eq!(harness.state().quick_commands()[0].name, "Ping twice");
    harness
        .query_all_by_label("↑")
        .nth(1)
        .expect("row 2's ↑")
        .click();
    harness.step();
    harness.step();
    let names: Vec<&str> = harness
        .state()
        .quick_commands()
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(names, ["Raw", "Ping twice"]);
    harness
        .query_all_by_label("✕")
        .nth(1)
        .expect("row 2's ✕")
        .click();
    harness.step();
    harness.step();
    assert_eq!(harness.state().quick_commands().len(), 1);

    // Export, then import: the same commands come back after the ones there are.
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("commands.json");
    // Both are file jobs, done off the frame: their outcome comes in a later one.
    harness.state_mut().export_commands(&file);
    step_until(&mut harness, "exported", |h| shows(h, "Exported 1 to"));
    harness.state_mut().import_commands(&file);
    step_until(&mut harness, "imported", |h| shows(h, "Imported 1 from"));
    let commands = harness.state().quick_commands();
    assert_eq!(commands.len(), 2);
    assert_eq!(commands[0], commands[1]);
    std::fs::write(&file, "not json").expect("write");
    harness.state_mut().import_commands(&file);
    step_until(&mut harness, "refused", |h| {
        shows(h, "is not a Sockscope quick command file")
    });

    press(&mut harness, "Send 2");
    assert_eq!(read_exactly(&mut peer, 2), [1, 2]);
}

#[test]
fn a_quick_commands_counter_counts_on_from_click_to_click() {
    let mut harness = app_harness();
    let mut peer = connected_client(&mut harness);
    click(&mut harness, "Commands…");
    type_send_box(&mut harness, "N{{counter width=2}};");
    type_field(&mut harness, "New command name", "Next");
    click(&mut harness, "Add from send box");
    for expected in ["N01;", "N02;", "N03;"] {
        press(&mut harness, "Send 1");
        assert_eq!(read_exactly(&mut peer, 4), expected.as_bytes());
    }
    // The send box's own counter is its own.
    click(&mut harness, "Send");
    assert_eq!(read_exactly(&mut peer, 4), b"N01;");
}
