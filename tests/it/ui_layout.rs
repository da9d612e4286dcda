//! The window's layout at its default size, 1100×720, in both languages: the log gets at least
//! 60% of the height, what a newcomer needs is in sight, and the settings panel folds and hides.

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use sockscope::i18n::Language;
use sockscope::session::{Mode, Status};
use sockscope::{App, StartOptions};

use crate::common::*;
use crate::i18n::strings;

const DEFAULT_SIZE: egui::Vec2 = egui::vec2(1100.0, 720.0);

fn default_window(language: Language) -> Harness<'static, App> {
    let options = StartOptions {
        language: Some(language),
        ..StartOptions::default()
    };
    let mut harness = Harness::builder()
        .with_size(DEFAULT_SIZE)
        .build_eframe(move |cc| App::new(cc, &options));
    harness.step();
    harness
}

/// A string of the language by its key, as the window shows it.
pub fn text(language: Language, key: &str) -> String {
    let strings = strings(language.code());
    strings
        .get(key)
        .unwrap_or_else(|| panic!("{key} in {}", language.code()))
        .clone()
}

/// The rows of the log in view: datagrams "row 000"… fill the UDP tab, and the rows drawn span
/// the log's height (a row is drawn if any part of it is in view).
#[test]
fn the_log_takes_at_least_60_percent_of_the_default_window_in_both_languages() {
    for language in Language::ALL {
        let mut harness = default_window(language);
        click(&mut harness, &text(language, "app.tab.udp"));
        type_field(
            &mut harness,
            &text(language, "connection.address"),
            "127.0.0.1",
        );
        type_field(&mut harness, &text(language, "connection.port"), "0");
        click(&mut harness, &text(language, "connection.open"));
        let open = |h: &Harness<'_, App>| match h.state().tab(Mode::Udp).session().status {
            Status::Open { local } => Some(local),
            _ => None,
        };
        step_until(&mut harness, "open", |h| open(h).is_some());
        let local = open(&harness).expect("open");
        let peer = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
        for n in 0..80 {
            peer.send_to(format!("row {n:03}").as_bytes(), local)
                .expect("send");
        }
        step_until(&mut harness, "80 rows", |h| shows(h, "row 079"));
        let rows: Vec<egui::Rect> = harness
            .query_all_by_label_contains("row 0")
            .map(|node| node.rect())
            .collect();
        let top = rows.iter().map(|r| r.min.y).fold(f32::INFINITY, f32::min);
        let bottom = rows.iter().map(|r| r.max.y).fold(0.0, f32::max);
        let row_height = rows[0].height();
        // At most a row above and a row below can be partly hidden.
        let log_height = bottom - top - 2.0 * row_height;
        let share = log_height / DEFAULT_SIZE.y;
        eprintln!(
            "{}: {} rows in view, log at least {log_height:.0} px of {} ({:.0}%)",
            language.code(),
            rows.len(),
            DEFAULT_SIZE.y,
            share * 100.0
        );
        assert!(
            share >= 0.6,
            "{}: the log has {share:.2} of the height",
            language.code()
        );
    }
}

/// Every tab at the default size: the log's space (between the filter and the send box) is at
/// least 60% of the height, and the controls a newcomer needs first are in view.
#[test]
fn every_tab_shows_the_first_controls_and_gives_the_log_the_room() {
    for language in Language::ALL {
        let mut harness = default_window(language);
        for (mode, tab, host, toggle) in [
            (
                Mode::TcpClient,
                "app.tab.tcp_client",
                "connection.host",
                "connection.connect",
            ),
            (
                Mode::TcpServer,
                "app.tab.tcp_server",
                "connection.address",
                "connection.listen",
            ),
            (
                Mode::Udp,
                "app.tab.udp",
                "connection.address",
                "connection.open",
            ),
        ] {
            click(&mut harness, &text(language, tab));
            assert_eq!(harness.state().active_tab(), mode);
            let window = egui::Rect::from_min_size(egui::Pos2::ZERO, DEFAULT_SIZE);
            for key in [
                host,
                "connection.port",
                toggle,
                "display.text",
                "display.hex",
                "display.encoding",
                "send.text_input",
                "send.hex_input",
                "send.send",
            ] {
                let label = text(language, key);
                let node = harness
                    .query_all_by_label(&label)
                    .next()
                    .unwrap_or_else(|| panic!("{label} ({key}) is shown"));
                assert!(window.contains_rect(node.rect()), "{label} is in view");
            }
            let filter = harness.get_by_label(&text(language, "filter.label")).rect();
            // The send box's first row.
            let send_box = harness
                .get_by_label(&text(language, "send.commands"))
                .rect();
            let room = (send_box.min.y - filter.max.y) / DEFAULT_SIZE.y;
            eprintln!(
                "{} {mode}: the log's room {:.0}%",
                language.code(),
                room * 100.0
            );
            assert!(room >= 0.6, "{} {mode}: {room:.2}", language.code());
        }
    }
}

/// The settings panel's width comes from the window, never from what it holds: a field or
/// button sized to the room left once made it a few pixels wider every frame.
#[test]
fn the_settings_panel_keeps_its_width_frame_after_frame_with_every_section_open() {
    for language in Language::ALL {
        let mut harness = app_harness_with(StartOptions {
            language: Some(language),
            ..StartOptions::default()
        });
        unfold(&mut harness, &text(language, "panel.client_options"));
        unfold(&mut harness, &text(language, "panel.entries"));
        unfold(&mut harness, &text(language, "panel.files"));
        for tab in ["app.tab.tcp_client", "app.tab.tcp_server", "app.tab.udp"] {
            click(&mut harness, &text(language, tab));
            // The send box starts where the panel ends.
            let send_box = text(language, "send.label");
            let panel_edge = |h: &Harness<'_, App>| {
                h.get_by_role_and_label(Role::MultilineTextInput, &send_box)
                    .rect()
                    .min
                    .x
            };
            let first = panel_edge(&harness);
            for _ in 0..10 {
                harness.step();
            }
            let code = language.code();
            assert_eq!(first, panel_edge(&harness), "{code} {tab}: the panel grew");
            for key in ["capture.save_log", "display.encoding", "connection.port"] {
                let right = harness.get_by_label(&text(language, key)).rect().max.x;
                assert!(right < first, "{code} {tab}: {key} is inside the panel");
            }
        }
    }
}

/// Hiding the settings panel gives the log the window's width; showing it brings it back.
#[test]
fn the_settings_panel_hides_and_shows() {
    let mut harness = default_window(Language::English);
    // Pause starts the row above the log.
    let log_left = |h: &Harness<'_, App>| h.get_by_label("Pause").rect().min.x;
    let with_panel = log_left(&harness);
    click(&mut harness, "Settings");
    assert!(harness.query_by_label("Connection").is_none());
    assert!(
        log_left(&harness) < with_panel / 4.0,
        "the log starts at the left edge"
    );
    // Text/Hex/Both come to the log's row, as NetAssist keeps its hex display switch there.
    click(&mut harness, "Hex");
    let layout = |h: &Harness<'_, App>| h.state().tab(Mode::TcpClient).settings().view.layout;
    assert_eq!(layout(&harness), sockscope::session::Layout::Hex);
    click(&mut harness, "Text");
    click(&mut harness, "Settings");
    assert!(harness.query_by_label("Connection").is_some());
    assert_eq!(log_left(&harness), with_panel);
    assert_eq!(
        harness.query_all_by_label("Hex").count(),
        1,
        "in the panel only, once it shows"
    );
}

/// Light and dark themes, chosen in the tab bar, or the system's. (The harness starts in its
/// own theme: kittest sets one for its snapshots.)
#[test]
fn the_theme_can_be_light_dark_or_the_systems() {
    let mut harness = default_window(Language::English);
    let preference = |h: &Harness<'_, App>| h.ctx.options(|options| options.theme_preference);
    choose(&mut harness, "Theme", "Light");
    assert_eq!(harness.ctx.theme(), egui::Theme::Light);
    assert!(
        !harness.ctx.global_style().visuals.dark_mode,
        "light visuals drawn"
    );
    choose(&mut harness, "Theme", "Dark");
    assert_eq!(harness.ctx.theme(), egui::Theme::Dark);
    assert!(harness.ctx.global_style().visuals.dark_mode);
    choose(&mut harness, "Theme", "Follow the system");
    assert_eq!(preference(&harness), egui::ThemePreference::System);
}

/// The redraw cap, a setting for slow machines, sits in the folded Entries and memory section,
/// not in the status bar; set there, it caps the whole window.
#[test]
fn the_redraw_cap_is_set_in_the_entries_section() {
    let mut harness = default_window(Language::English);
    let label = "Redraw the window at most";
    assert!(harness.query_by_label(label).is_none(), "folded away");
    unfold(&mut harness, "Entries and memory");
    harness
        .get_by_role_and_label(Role::SpinButton, label)
        .set_value_accesskit(10.0);
    harness.step();
    harness.step();
    let cap = harness
        .get_by_role_and_label(Role::SpinButton, label)
        .value();
    assert_eq!(cap.as_deref(), Some("10"));
}

/// At the default size every tab's settings panel shows all its sections as they start
/// (Connection, Receive and Send open), down to the last title, without scrolling.
#[test]
fn every_tab_s_settings_fit_the_default_window_without_scrolling() {
    for language in Language::ALL {
        let mut harness = default_window(language);
        for tab in ["app.tab.tcp_client", "app.tab.tcp_server", "app.tab.udp"] {
            click(&mut harness, &text(language, tab));
            let files = harness
                .get_by_role_and_label(Role::DisclosureTriangle, &text(language, "panel.files"))
                .rect();
            let status = harness
                .get_by_label(&text(language, "connection.reset_counters"))
                .rect();
            let code = language.code();
            eprintln!(
                "{code} {tab}: Files ends at {}, the status bar starts at {}",
                files.max.y, status.min.y
            );
            assert!(
                files.max.y <= status.min.y - 4.0,
                "{code} {tab}: the panel scrolls"
            );
        }
    }
}
