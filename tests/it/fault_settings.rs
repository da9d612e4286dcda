//! Settings files that are damaged or from another version, read by the real window: it
//! starts, keeps what it can read, and says which parts start from their defaults. (One
//! damaged part is in `ui_persistence`; the reader's cases in `app::remembered`.)

use std::collections::HashMap;

use crate::common::*;
use egui_kittest::Harness;
use sockscope::session::Mode;
use sockscope::{App, StartOptions};

/// What a run of the app saves with the UDP tab active and its remote port set.
fn saved_settings() -> String {
    let mut harness = app_harness();
    click(&mut harness, "UDP");
    type_field(&mut harness, "Remote port", "5353");
    let mut storage = MemoryStorage(HashMap::new());
    eframe::App::save(harness.state_mut(), &mut storage);
    storage
        .0
        .remove(eframe::APP_KEY)
        .expect("the settings saved")
}

/// The app started on `text` as its settings.
fn started_on(text: String) -> Harness<'static, App> {
    let storage = MemoryStorage(HashMap::from([(eframe::APP_KEY.to_owned(), text)]));
    let storage: &'static MemoryStorage = Box::leak(Box::new(storage));
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1280.0, 1024.0))
        .build_eframe(|cc| {
            cc.storage = Some(storage);
            let options = StartOptions {
                language: Some(sockscope::i18n::Language::English),
                ..StartOptions::default()
            };
            App::new(cc, &options)
        });
    harness.step();
    harness
}

fn remote_port(harness: &Harness<'_, App>) -> String {
    harness
        .state()
        .tab(Mode::Udp)
        .settings()
        .remote_port
        .clone()
}

#[test]
fn a_truncated_or_corrupt_settings_file_starts_from_defaults_and_says_so() {
    let text = saved_settings();
    let default_port = remote_port(&app_harness());
    let truncated = text[..text.len() / 2].to_owned();
    let corrupt: String = text
        .chars()
        .map(|c| if c == ':' { '#' } else { c })
        .collect();
    for damaged in [truncated, corrupt, "\u{0}\u{ff}binary".to_owned()] {
        let mut harness = started_on(damaged);
        assert!(shows(
            &harness,
            "Some remembered settings could not be read (all); they start from their defaults"
        ));
        assert_eq!(
            harness.state().active_tab(),
            Mode::TcpClient,
            "the default tab"
        );
        assert_eq!(
            remote_port(&harness),
            default_port,
            "the default remote port"
        );
        // The app works: the UDP tab opens.
        open_udp(&mut harness);
    }
}

#[test]
fn a_newer_versions_settings_keep_what_this_version_reads_and_say_what_it_does_not() {
    let text = saved_settings();
    assert!(text.contains("active:Udp"), "{text}");
    // A later version: a part this one does not know, a field of a tab it does not know, and
    // a tab (the active one) this one does not have.
    let newer = text
        .replacen(
            '(',
            "(serial_port:(device:\"/dev/ttyUSB0\",baud:115200),",
            1,
        )
        .replacen("remote_port:", "new_option:true,remote_port:", 1)
        .replace("active:Udp", "active:Serial");
    let harness = started_on(newer);
    assert!(shows(
        &harness,
        "Some remembered settings could not be read (active); they start from their defaults"
    ));
    assert_eq!(remote_port(&harness), "5353", "the tab's settings kept");
    assert_eq!(
        harness.state().active_tab(),
        Mode::TcpClient,
        "the default tab"
    );
}

#[test]
fn an_older_versions_settings_without_the_newer_parts_read_quietly() {
    let text = saved_settings();
    // An older version had no theme and no panel switch.
    let start = text.find("theme:").expect("the theme part");
    let end = text[start..]
        .find(',')
        .map_or(text.len() - 1, |at| start + at + 1);
    let older = format!("{}{}", &text[..start], &text[end..]);
    let harness = started_on(older);
    assert!(!shows(&harness, "could not be read"));
    assert_eq!(remote_port(&harness), "5353");
    assert_eq!(harness.state().active_tab(), Mode::Udp);
}
