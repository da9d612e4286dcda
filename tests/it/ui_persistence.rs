//! Settings survive a restart: what `save` writes through eframe's storage, a new App reads back.

use crate::common::*;
use egui_kittest::Harness;
use sockscope::codec::TextEncoding;
use sockscope::session::{Layout, Mode};
use sockscope::{App, StartOptions};

#[test]
fn fields_encoding_tab_theme_and_panel_are_remembered() {
    let mut harness = app_harness();
    type_field(&mut harness, "Host", "example.test");
    type_field(&mut harness, "Port", "4242");
    click(&mut harness, "UDP");
    type_field(&mut harness, "Remote host", "::1");
    type_field(&mut harness, "Remote port", "5353");
    choose_encoding(&mut harness, "GBK");
    click(&mut harness, "Hex");
    // A quick command (shared by all tabs) and the send options.
    click(&mut harness, "Hex input");
    type_send_box(&mut harness, "AA 55");
    click(&mut harness, "Commands…");
    type_field(&mut harness, "New command name", "Sync");
    click(&mut harness, "Add from send box");
    // The theme, and the settings panel hidden.
    choose(&mut harness, "Theme", "Dark");
    assert_eq!(harness.ctx.theme(), egui::Theme::Dark);
    click(&mut harness, "Settings");
    assert!(
        harness.query_by_label("Connection").is_none(),
        "panel hidden"
    );

    let mut storage = MemoryStorage::default();
    eframe::App::save(harness.state_mut(), &mut storage);
    drop(harness);

    // Leaked: the creation context borrows the storage for the harness's whole life.
    let storage: &'static MemoryStorage = Box::leak(Box::new(storage));
    let mut restored = Harness::builder()
        .with_size(egui::vec2(1200.0, 800.0))
        .build_eframe(|cc| {
            cc.storage = Some(storage);
            App::new(cc, &StartOptions::default())
        });
    restored.step();
    assert_eq!(restored.ctx.theme(), egui::Theme::Dark);
    assert!(
        restored.query_by_label("Connection").is_none(),
        "still hidden"
    );
    let app = restored.state();
    assert_eq!(app.active_tab(), Mode::Udp);
    let udp = &app.tab(Mode::Udp).settings();
    assert_eq!(
        (udp.remote_host.as_str(), udp.remote_port.as_str()),
        ("::1", "5353")
    );
    assert_eq!(udp.encoding, TextEncoding::Gbk);
    assert_eq!(udp.view.layout, Layout::Hex);
    let client = &app.tab(Mode::TcpClient).settings();
    assert_eq!(
        (client.host.as_str(), client.port.as_str()),
        ("example.test", "4242")
    );
    assert_eq!(client.encoding, TextEncoding::Utf8, "encoding is per tab");
    let commands = app.quick_commands();
    assert_eq!(commands.len(), 1);
    assert_eq!(
        (commands[0].name.as_str(), commands[0].payload.text.as_str()),
        ("Sync", "AA 55")
    );
    // And the restored fields are what the UI shows, once the panel is shown again.
    click(&mut restored, "Settings");
    let shown = restored
        .get_by_role_and_label(egui::accesskit::Role::TextInput, "Remote port")
        .value();
    assert_eq!(shown.as_deref(), Some("5353"));
}

/// A settings file another version or a crash left damaged: the app starts, keeps what still
/// reads, and says which parts start from defaults.
#[test]
fn damaged_settings_start_from_defaults_and_say_so() {
    let mut harness = app_harness();
    click(&mut harness, "UDP");
    type_field(&mut harness, "Remote port", "5353");
    let mut storage = MemoryStorage::default();
    eframe::App::save(harness.state_mut(), &mut storage);
    drop(harness);
    let text = storage.0.get(eframe::APP_KEY).cloned().expect("saved");
    let start = text.find("tcp_client:").expect("the part");
    let end = text.find("tcp_server:").expect("the next part");
    let damaged = format!("{}tcp_client:\"garbage\",{}", &text[..start], &text[end..]);
    storage.0.insert(eframe::APP_KEY.to_owned(), damaged);

    let storage: &'static MemoryStorage = Box::leak(Box::new(storage));
    let mut restored = Harness::builder()
        .with_size(egui::vec2(1280.0, 1024.0))
        .build_eframe(|cc| {
            cc.storage = Some(storage);
            let options = StartOptions {
                language: Some(sockscope::i18n::Language::English),
                ..StartOptions::default()
            };
            App::new(cc, &options)
        });
    restored.step();
    assert!(shows(
        &restored,
        "Some remembered settings could not be read (tcp_client)"
    ));
    let app = restored.state();
    assert_eq!(
        app.tab(Mode::Udp).settings().remote_port,
        "5353",
        "the rest kept"
    );
    assert_eq!(app.active_tab(), Mode::Udp);
}
