//! Auto-reply in the real App against real loopback peers: a rule answers the client that sent
//! the match (and no other), echo sends back what arrived, rules see framed entries, and replies
//! are logged as AUTO. Replies, recording and idle-gap frames go on while no frame is drawn, and
//! while a frame reads the session.

use std::io::{Read, Write};
use std::net::{TcpStream, UdpSocket};
use std::time::{Duration, Instant};

use crate::common::*;
use egui::accesskit::Role;
use sockscope::session::{EntryTag, Mode};

fn auto_entries(harness: &egui_kittest::Harness<'_, sockscope::App>, mode: Mode) -> usize {
    harness
        .state()
        .tab(mode)
        .session()
        .log
        .iter()
        .filter(|entry| entry.tag == EntryTag::AutoTx)
        .count()
}

#[test]
fn a_rule_answers_the_client_that_sent_the_match() {
    let mut harness = app_harness();
    let server = start_server(&mut harness);
    click(&mut harness, "Auto-reply…");
    click(&mut harness, "Add rule");
    type_field(&mut harness, "1. When", "PING");
    type_field(&mut harness, "1. reply", r"PONG\r\n");

    let mut asking = TcpStream::connect(server).expect("connect");
    let mut quiet = TcpStream::connect(server).expect("connect");
    quiet
        .set_read_timeout(Some(Duration::from_millis(300)))
        .expect("timeout");
    asking.set_read_timeout(Some(DEADLINE)).expect("timeout");
    step_until(&mut harness, "two clients", |h| {
        h.state().tab(Mode::TcpServer).session().clients.len() == 2
    });
    asking.write_all(b"PING").expect("send");
    // Rules run as the app draws frames.
    let reply = std::thread::spawn(move || read_exactly(&mut asking, 6));
    step_until(&mut harness, "the reply logged", |h| {
        auto_entries(h, Mode::TcpServer) == 1
    });
    assert_eq!(reply.join().expect("reply"), b"PONG\r\n");
    assert!(shows(&harness, "AUTO"), "marked as auto in the log");
    let mut byte = [0; 1];
    assert!(
        quiet.read(&mut byte).is_err(),
        "the other client got nothing"
    );
    assert!(shows(&harness, "Auto-reply (1 on)…"));
}

#[test]
fn echo_sends_back_exactly_what_arrived() {
    let mut harness = app_harness();
    let local = open_udp(&mut harness);
    click(&mut harness, "Auto-reply…");
    click(&mut harness, "Add echo rule");
    let peer = UdpSocket::bind("127.0.0.1:0").expect("bind");
    peer.set_read_timeout(Some(DEADLINE)).expect("timeout");
    let sent = [0x00, 0x01, 0xC4, 0xE3, 0xFF];
    peer.send_to(&sent, local).expect("send");
    // The reply is sent as the app draws frames: step until the peer has it.
    peer.set_nonblocking(true).expect("nonblocking");
    let mut buffer = [0; 64];
    let mut got = None;
    step_until(&mut harness, "the echo", |_| {
        got = got.or_else(|| peer.recv_from(&mut buffer).ok());
        got.is_some()
    });
    let (len, from) = got.expect("the echo");
    assert_eq!((&buffer[..len], from), (&sent[..], local));
    step_until(&mut harness, "logged as auto", |h| {
        auto_entries(h, Mode::Udp) == 1
    });
}

#[test]
fn rules_see_framed_lines_and_bad_rules_are_explained() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let mut harness = app_harness();
    type_field(&mut harness, "Port", &port.to_string());
    unfold(&mut harness, "Entries and memory");
    click(&mut harness, "By line");
    click(&mut harness, "Connect");
    let (mut peer, _) = listener.accept().expect("accept");
    peer.set_read_timeout(Some(DEADLINE)).expect("timeout");
    click(&mut harness, "Auto-reply…");
    click(&mut harness, "Add rule");
    type_field(&mut harness, "1. When", "status?");
    type_field(&mut harness, "1. reply", r"OK\n");
    // "status?" arrives in two reads; the rule sees the one framed line.
    peer.write_all(b"sta").expect("send");
    step_until(&mut harness, "the first part waits", |h| {
        shows(h, "3 B wait for the end of their entry")
    });
    peer.write_all(b"tus?\n").expect("send");
    let reply = std::thread::spawn(move || read_exactly(&mut peer, 3));
    step_until(&mut harness, "the reply", |h| {
        auto_entries(h, Mode::TcpClient) == 1
    });
    assert_eq!(reply.join().expect("reply"), b"OK\n");

    // A bad hex pattern is explained where it was typed.
    click(&mut harness, "Add rule");
    harness
        .query_all_by_role_and_label(Role::CheckBox, "Hex")
        .nth(2)
        .expect("rule 2's Hex box")
        .click();
    harness.step();
    type_field(&mut harness, "2. When", "ZZ");
    type_field(&mut harness, "2. reply", "x");
    assert!(shows(&harness, "When: invalid hex digit 'Z'"));
}

/// Polls `check` until it holds, without stepping a frame; fails with `what` at the deadline.
fn wait_without_frames(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + FILE_DEADLINE;
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Records the TCP Server tab to `record`, answers PING with PONG, and connects a client.
fn record_answer_and_connect(
    harness: &mut egui_kittest::Harness<'static, sockscope::App>,
    server: std::net::SocketAddr,
    record: &std::path::Path,
) -> TcpStream {
    unfold(harness, "Files");
    type_field(harness, "Record to", &record.display().to_string());
    tick(harness, "Record to");
    click(harness, "Auto-reply…");
    click(harness, "Add rule");
    type_field(harness, "1. When", "PING");
    type_field(harness, "1. reply", "PONG");
    let client = TcpStream::connect(server).expect("connect");
    client.set_read_timeout(Some(DEADLINE)).expect("timeout");
    step_until(harness, "the client", |h| {
        h.state().tab(Mode::TcpServer).session().clients.len() == 1
    });
    client
}

#[test]
fn replies_recording_and_idle_gaps_go_on_while_no_frame_is_drawn() {
    let dir = tempfile::tempdir().expect("temp dir");
    let record = dir.path().join("no-frames.jsonl");
    let mut harness = app_harness();
    let server = start_server(&mut harness);
    unfold(&mut harness, "Entries and memory");
    click(&mut harness, "Idle gap");
    type_field(&mut harness, "Gap (ms)", "50");
    let mut client = record_answer_and_connect(&mut harness, server, &record);

    // From here on no frame is drawn, as behind a modal dialog or in a minimized window.
    client.write_all(b"PING").expect("send");
    assert_eq!(read_exactly(&mut client, 4), b"PONG", "the rule answered");
    client.write_all(b"burst one, ").expect("send");
    client.write_all(b"burst two").expect("send");
    let tab = || harness.state().tab(Mode::TcpServer);
    wait_without_frames("the idle gap to end the burst", || {
        tab()
            .session()
            .log
            .iter()
            .any(|entry| entry.bytes() == b"burst one, burst two")
    });
    let texts = || -> Vec<String> {
        std::fs::read_to_string(&record)
            .unwrap_or_default()
            .lines()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .filter_map(|record| record["text"].as_str().map(str::to_owned))
            .collect()
    };
    wait_without_frames("the recording to hold the reads and the reply", || {
        let texts = texts();
        ["PING", "PONG", "burst one, burst two"]
            .iter()
            .all(|want| texts.concat().contains(want))
    });
    let texts = texts();
    let position = |want: &str| texts.iter().position(|text| text == want);
    assert!(
        position("PING") < position("PONG"),
        "in order of events: {texts:?}"
    );
    assert_eq!(auto_entries(&harness, Mode::TcpServer), 1);
}

#[test]
fn replies_and_recording_go_on_while_a_frame_reads_the_session() {
    let dir = tempfile::tempdir().expect("temp dir");
    let record = dir.path().join("held.jsonl");
    let mut harness = app_harness();
    let server = start_server(&mut harness);
    let mut client = record_answer_and_connect(&mut harness, server, &record);
    let pings = |harness: &egui_kittest::Harness<'_, sockscope::App>| {
        let tab = harness.state().tab(Mode::TcpServer);
        let session = tab.session();
        session
            .log
            .iter()
            .filter(|entry| entry.bytes() == b"PING")
            .count()
    };

    // A frame that never ends reads the session: its host goes on without it.
    harness.state_mut().tab_mut(Mode::TcpServer).begin_frame();
    client.write_all(b"PING").expect("send");
    assert_eq!(read_exactly(&mut client, 4), b"PONG", "the rule answered");
    wait_without_frames("the recording to hold the read and the reply", || {
        let text = std::fs::read_to_string(&record).unwrap_or_default();
        text.contains("\"PING\"") && text.contains("\"PONG\"")
    });
    assert_eq!(pings(&harness), 0, "the frame sees the session as it began");

    harness.state_mut().tab_mut(Mode::TcpServer).end_frame();
    wait_without_frames("the session to have what waited", || pings(&harness) == 1);
    assert_eq!(auto_entries(&harness, Mode::TcpServer), 1);
}

#[test]
fn a_regular_expression_rule_replies_with_its_capture_after_its_delay() {
    let mut harness = app_harness();
    let server = start_server(&mut harness);
    click(&mut harness, "Auto-reply…");
    click(&mut harness, "Add rule");
    choose(&mut harness, "1. When", "matches regex");
    type_field(&mut harness, "1. When", r"GET /sensor/(\d+)");
    type_field(&mut harness, "1. reply", r"sensor $1 ok\r\n");
    type_into(&mut harness, Role::SpinButton, "after", "150");
    harness.key_press(egui::Key::Enter);
    harness.step();
    let rules = &harness.state().tab(Mode::TcpServer).settings().auto_replies;
    assert_eq!(rules[0].delay_ms, 150, "the delay as typed");

    let mut client = TcpStream::connect(server).expect("connect");
    client.set_read_timeout(Some(DEADLINE)).expect("timeout");
    step_until(&mut harness, "the client", |h| {
        h.state().tab(Mode::TcpServer).session().clients.len() == 1
    });
    client.write_all(b"GET /sensor/42").expect("send");
    let reply = std::thread::spawn(move || read_exactly(&mut client, 14));
    step_until(&mut harness, "the reply logged", |h| {
        auto_entries(h, Mode::TcpServer) == 1
    });
    assert_eq!(reply.join().expect("reply"), b"sensor 42 ok\r\n");
}

#[test]
fn a_bad_regular_expression_is_said_beside_its_rule() {
    let mut harness = app_harness();
    start_server(&mut harness);
    click(&mut harness, "Auto-reply…");
    click(&mut harness, "Add rule");
    choose(&mut harness, "1. When", "matches regex");
    type_field(&mut harness, "1. When", "(unclosed");
    type_field(&mut harness, "1. reply", "x");
    step_until(&mut harness, "the message", |h| {
        shows(h, "When: not a regular expression:")
    });
}

/// A file picker that answers `path` at once.
fn picks(harness: &mut egui_kittest::Harness<'_, sockscope::App>, path: &std::path::Path) {
    let path = path.to_owned();
    harness
        .state_mut()
        .set_file_picker(std::sync::Arc::new(move |_| Some(path.clone())));
}

#[test]
fn rules_exported_from_one_app_answer_in_another_once_imported() {
    let dir = tempfile::tempdir().expect("a directory");
    let file = dir.path().join("rules.json");
    let mut harness = app_harness();
    start_server(&mut harness);
    click(&mut harness, "Auto-reply…");
    click(&mut harness, "Add rule");
    type_field(&mut harness, "1. When", "PING");
    type_field(&mut harness, "1. reply", r"PONG\r\n");
    picks(&mut harness, &file);
    click(&mut harness, "Export…");
    step_until(&mut harness, "exported", |h| {
        shows(h, "Auto-reply rules exported to")
    });
    drop(harness);

    // Another app (as on another machine) takes them in and answers with them.
    let mut other = app_harness();
    let server = start_server(&mut other);
    click(&mut other, "Auto-reply…");
    picks(&mut other, &file);
    click(&mut other, "Import…");
    step_until(&mut other, "imported", |h| {
        shows(h, "Auto-reply rules imported from")
    });
    let rules = |h: &egui_kittest::Harness<'_, sockscope::App>| {
        h.state().tab(Mode::TcpServer).settings().auto_replies.len()
    };
    assert_eq!(rules(&other), 1);
    let mut client = TcpStream::connect(server).expect("connect");
    client.set_read_timeout(Some(DEADLINE)).expect("timeout");
    client.write_all(b"PING").expect("send");
    let reply = std::thread::spawn(move || read_exactly(&mut client, 6));
    step_until(&mut other, "the reply logged", |h| {
        auto_entries(h, Mode::TcpServer) == 1
    });
    assert_eq!(reply.join().expect("reply"), b"PONG\r\n");

    // A file that is not rules is said, and the rules stay as they were.
    std::fs::write(&file, r#"{"sockscope_quick_commands": 1, "commands": []}"#).expect("write");
    click(&mut other, "Import…");
    step_until(&mut other, "refused", |h| {
        shows(h, "is not a Sockscope auto-reply file")
    });
    assert_eq!(rules(&other), 1);
}

#[test]
fn rules_from_the_command_line_that_cannot_be_used_show_beside_themselves() {
    let dir = tempfile::tempdir().expect("a directory");
    let file = dir.path().join("rules.json");
    let json = r#"{"sockscope_auto_replies": 1,
        "rules": [{"pattern": "A", "reply": "zz", "reply_format": "Hex"}]}"#;
    std::fs::write(&file, json).expect("write");
    let path = file.to_string_lossy();
    let args = [
        "sockscope",
        "--tcp-server",
        "127.0.0.1:0",
        "--auto-reply",
        &path,
    ];
    let cli = <sockscope::cli::Cli as clap::Parser>::try_parse_from(args).expect("parsed");
    let mut harness = app_harness_with(cli.into());
    step_until(&mut harness, "the rule's error", |h| {
        shows(h, "invalid hex digit 'z'")
    });
    assert!(
        shows(&harness, "Auto-reply — TCP Server"),
        "the window opened"
    );
}
