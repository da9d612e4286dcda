//! Quitting while a repeat sends: the sessions end before the files close, so the recording
//! holds every byte the peer got (the repeat's next send went out after the recording had
//! closed, in about a third of the soak runs).

use std::io::Read;

use crate::common::*;
use sockscope::StartOptions;
use sockscope::session::Mode;

#[test]
fn quitting_mid_repeat_records_every_byte_the_peer_got() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("quit.jsonl");
    let options = StartOptions {
        log: Some(log.clone()),
        ..StartOptions::default()
    };
    let mut harness = app_harness_with(options);
    let mut peer = connected_client(&mut harness);
    type_send_box(&mut harness, "TICK\r\n");
    type_field(&mut harness, "Repeat every", "1");
    click(&mut harness, "Start repeat");
    step_until(&mut harness, "a few ticks", |h| {
        tx_bytes(h, Mode::TcpClient) >= 60
    });
    // What eframe does when the window closes (or SIGTERM asks it to).
    eframe::App::on_exit(harness.state_mut(), None);
    // eframe tears the window down after on_exit; a worker still running then would send
    // ticks nobody records. Give it the time a teardown takes.
    std::thread::sleep(std::time::Duration::from_millis(100));
    drop(harness);
    let mut got = Vec::new();
    peer.read_to_end(&mut got).expect("read to the end");

    let recorded: Vec<u8> = std::fs::read_to_string(&log)
        .expect("the recording")
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).expect("a record"))
        .filter(|record| record["dir"] == "tx")
        .flat_map(|record| hex(record["hex"].as_str().unwrap_or_default()))
        .collect();
    assert!(got.len() >= 60, "{} bytes", got.len());
    assert_eq!(
        recorded.len(),
        got.len(),
        "every byte the peer got is recorded"
    );
    assert_eq!(recorded, got);
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(&text[at..at + 2], 16).expect("hex"))
        .collect()
}
