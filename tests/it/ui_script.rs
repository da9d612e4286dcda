//! The Script window in the real App against real peers: the Modbus example, picked from the
//! Examples menu and run, serves pymodbus; an error is shown beside the editor with its line
//! and in the log; a runaway script is stopped while the tab's sends and log go on; the relay
//! example, run in the Relay tab, changes what passes between a client and a Python server.

use std::io::Write;
use std::net::TcpStream;
use std::process::Command;

use crate::common::*;
use sockscope::script::{ScriptEnd, ScriptState};
use sockscope::session::{EntryTag, Mode};

fn script_state(harness: &egui_kittest::Harness<'_, sockscope::App>, mode: Mode) -> ScriptState {
    harness.state().tab(mode).session().script.clone()
}

fn log_has(harness: &egui_kittest::Harness<'_, sockscope::App>, mode: Mode, text: &str) -> bool {
    harness
        .state()
        .tab(mode)
        .session()
        .log
        .iter()
        .any(|entry| entry.message().is_some_and(|note| note.contains(text)))
}

#[test]
fn the_modbus_example_from_the_examples_menu_serves_pymodbus() {
    if !super::script_peers::pymodbus_here() {
        return;
    }
    let mut harness = app_harness();
    let server = start_server(&mut harness);
    click(&mut harness, "Script");
    click(&mut harness, "Examples");
    click(&mut harness, "modbus_slave.rhai");
    click(&mut harness, "Run");
    step_until(&mut harness, "the script running", |h| {
        script_state(h, Mode::TcpServer) == ScriptState::Running
    });
    assert!(shows(&harness, "Running"));
    assert!(shows(&harness, "Script (running)"));
    let program = r#"
import sys
from pymodbus.client import ModbusTcpClient
client = ModbusTcpClient("127.0.0.1", port=int(sys.argv[1]), timeout=5, retries=0)
assert client.connect()
assert not client.write_registers(0, [7, 8, 9]).isError()
print(client.read_holding_registers(0, count=4).registers)
client.close()
"#;
    let port = server.port().to_string();
    let master = std::thread::spawn(move || {
        Command::new("python3")
            .args(["-c", program, &port])
            .output()
            .expect("python3 runs")
    });
    step_until(&mut harness, "pymodbus done", |_| master.is_finished());
    let output = master.join().expect("the master");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        "[7, 8, 9, 0]"
    );
    step_until(&mut harness, "both answers logged", |h| {
        let log = &h.state().tab(Mode::TcpServer).session().log;
        log.iter()
            .filter(|entry| entry.tag == EntryTag::AutoTx)
            .count()
            == 2
    });
    assert!(log_has(&harness, Mode::TcpServer, "Script: Modbus slave"));
}

/// A TCP server tab running `source` from the Script window, and a client connected to it.
fn serving(source: &str) -> (egui_kittest::Harness<'static, sockscope::App>, TcpStream) {
    let mut harness = app_harness();
    let server = start_server(&mut harness);
    let source = source.to_owned();
    harness
        .state_mut()
        .tab_mut(Mode::TcpServer)
        .edit_settings(|settings| settings.script.source = source);
    click(&mut harness, "Script");
    click(&mut harness, "Run");
    let client = TcpStream::connect(server).expect("connect");
    client.set_read_timeout(Some(DEADLINE)).expect("timeout");
    step_until(&mut harness, "the client", |h| {
        h.state().tab(Mode::TcpServer).session().clients.len() == 1
    });
    (harness, client)
}

#[test]
fn an_error_is_shown_beside_the_editor_with_its_line_and_in_the_log() {
    let source = "fn on_message(peer, data) {\n  peer.send(u16_be(data, 5));\n}";
    let (mut harness, mut client) = serving(source);
    client.write_all(b"ab").expect("send");
    step_until(&mut harness, "the script failed", |h| {
        matches!(
            script_state(h, Mode::TcpServer),
            ScriptState::Ended(ScriptEnd::Failed(_))
        )
    });
    assert!(shows(&harness, "Stopped by an error"));
    let beside = "Line 2, column 13: u16_be: 2 bytes at 5 are past the end (2 bytes)";
    assert!(shows(&harness, beside), "the error beside the editor");
    assert!(log_has(
        &harness,
        Mode::TcpServer,
        "Script stopped at 2:13: u16_be"
    ));
}

#[test]
fn a_runaway_script_is_stopped_while_sends_and_the_log_go_on() {
    let (mut harness, mut client) = serving("fn on_message(peer, data) { loop { } }");
    client.write_all(b"spin").expect("send");
    // While the handler spins, the tab still takes data and sends what is typed.
    client.write_all(b" and more").expect("send");
    type_send_box(&mut harness, "still here");
    click(&mut harness, "Send");
    let mut got = [0; 10];
    std::io::Read::read_exact(&mut client, &mut got).expect("the typed send arrives");
    assert_eq!(&got, b"still here");
    step_until(&mut harness, "the runaway stopped", |h| {
        matches!(
            script_state(h, Mode::TcpServer),
            ScriptState::Ended(ScriptEnd::Failed(_))
        )
    });
    assert!(log_has(
        &harness,
        Mode::TcpServer,
        "on_message ran longer than 1000 ms"
    ));
    assert_eq!(
        rx_bytes(&harness, Mode::TcpServer),
        13,
        "every byte taken in"
    );
}

#[test]
fn a_burst_of_requests_is_answered_one_by_one_none_dropped() {
    // 20,000 requests in one write, framed at 4 bytes: far more than a script is handed at
    // once. The tab takes no more from the socket while the script is behind.
    let source = "fn on_message(peer, data) { if text(data) == \"PING\" { peer.send(\"PONG\"); } }";
    let (mut harness, mut client) = serving(source);
    let tab = harness.state_mut().tab_mut(Mode::TcpServer);
    tab.edit_settings(|settings| {
        settings.framing.kind = sockscope::tab::FramingKind::FixedLength;
        settings.framing.length = "4".to_owned();
    });
    let wake: sockscope::tab::Wake = std::sync::Arc::new(|| {});
    tab.handle(sockscope::tab::TabAction::ApplyFraming, &wake);
    harness.step();
    let count = 20_000;
    let mut writer = client.try_clone().expect("a second handle");
    let writing = std::thread::spawn(move || writer.write_all(&b"PING".repeat(count)));
    let reading = std::thread::spawn(move || {
        let mut replies = vec![0; count * 4];
        std::io::Read::read_exact(&mut client, &mut replies).map(|()| replies)
    });
    step_until(&mut harness, "every reply", |_| reading.is_finished());
    let replies = reading.join().expect("the reader").expect("every reply");
    writing.join().expect("the writer").expect("written");
    assert!(replies.chunks(4).all(|chunk| chunk == b"PONG"));
    assert_eq!(
        script_state(&harness, Mode::TcpServer),
        ScriptState::Running
    );
}

#[test]
fn the_relay_example_run_from_the_relay_tab_changes_what_passes() {
    let (mut server, upstream_port) = super::script_relay::upstream();
    let mut harness = app_harness();
    let relay = start_relay(&mut harness, ([127, 0, 0, 1], upstream_port).into());
    click(&mut harness, "Script");
    click(&mut harness, "Examples");
    click(&mut harness, "relay_tamper.rhai");
    click(&mut harness, "Run");
    step_until(&mut harness, "the script running", |h| {
        script_state(h, Mode::Relay) == ScriptState::Running
    });
    let client = std::thread::spawn(move || {
        let mut client = TcpStream::connect(relay).expect("connect");
        client
            .set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .expect("timeout");
        let mut answers = Vec::new();
        for (line, len) in [("REBOOT\r\n", 21), ("TEMP 1\r\n", 17)] {
            client.write_all(line.as_bytes()).expect("send");
            answers.push(String::from_utf8(read_exactly(&mut client, len)).expect("text"));
        }
        answers
    });
    step_until(&mut harness, "both answers", |_| client.is_finished());
    let answers = client.join().expect("the client");
    assert_eq!(answers, ["DENIED by the relay\r\n", "ERROR 42 TEMP 1\r\n"]);
    step_until(&mut harness, "the drop logged", |h| {
        log_has(
            h,
            Mode::Relay,
            "The script dropped a read toward the upstream",
        )
    });
    let _ = server.kill();
    let _ = server.wait();
}

/// Run again while reads wait for the script that runs: they go on as they are, then the new
/// script judges what follows (none is left waiting for a verdict that will never come).
#[test]
fn run_again_in_the_relay_lets_the_reads_the_old_script_had_go_on() {
    let (mut server, upstream_port) = super::script_relay::upstream();
    let mut harness = app_harness();
    let relay = start_relay(&mut harness, ([127, 0, 0, 1], upstream_port).into());
    // A slow judge: half a second per read.
    let slow = "fn on_message(peer, data) { let t = now_ms(); while now_ms() - t < 500 {} }";
    harness
        .state_mut()
        .tab_mut(Mode::Relay)
        .edit_settings(|settings| settings.script.source = slow.to_owned());
    click(&mut harness, "Script");
    click(&mut harness, "Run");
    step_until(&mut harness, "the script running", |h| {
        script_state(h, Mode::Relay) == ScriptState::Running
    });
    let mut client = TcpStream::connect(relay).expect("connect");
    client
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .expect("timeout");
    client.write_all(b"A\r\n").expect("send");
    client.write_all(b"B\r\n").expect("send");
    step_until(&mut harness, "the reads at the gate", |h| {
        h.state().tab(Mode::Relay).session().counters.rx_messages >= 1
    });
    harness
        .state_mut()
        .tab_mut(Mode::Relay)
        .edit_settings(|settings| settings.script.source = "fn on_message(peer, data) {}".into());
    click(&mut harness, "Run again");
    let answers = std::thread::spawn(move || {
        let mut got = Vec::new();
        while got.len() < 12 {
            got.extend(read_exactly(&mut client, 1));
        }
        got
    });
    step_until(&mut harness, "both answers", |_| answers.is_finished());
    let got = answers.join().expect("the answers");
    let text = String::from_utf8_lossy(&got);
    assert!(text.contains("OK A") && text.contains("OK B"), "{text:?}");
    let _ = server.kill();
    let _ = server.wait();
}
