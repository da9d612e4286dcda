//! A full disk under Record and Save data in the middle of a flood (`/dev/full`: every write
//! fails with "No space left on device", no root needed): both stop and say why, the session
//! takes in every byte, and turning them on again with room to write works.

use std::io::Write;
use std::net::TcpStream;

use crate::common::*;
use sockscope::session::Mode;

const FLOOD: usize = 8 * 1024 * 1024;

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_in_a_flood_stops_the_files_and_they_start_again_with_room() {
    let dir = tempfile::tempdir().expect("tempdir");
    // The recording's format comes from its extension: a link named .jsonl to the full device.
    let full_record = dir.path().join("full.jsonl");
    std::os::unix::fs::symlink("/dev/full", &full_record).expect("symlink");

    let mut harness = app_harness();
    let server = start_server(&mut harness);
    unfold(&mut harness, "Files");
    type_field(
        &mut harness,
        "Record to",
        &full_record.display().to_string(),
    );
    tick(&mut harness, "Record to");
    type_field(&mut harness, "Save data to", "/dev/full");
    tick(&mut harness, "Save data to");

    let flood = std::thread::spawn(move || {
        let mut stream = TcpStream::connect(server).expect("connect");
        let block: Vec<u8> = (0..64 * 1024u32).map(|n| (n % 253) as u8).collect();
        for _ in 0..FLOOD / block.len() {
            stream.write_all(&block).expect("send");
        }
        stream
    });
    step_until(
        &mut harness,
        "both files stopped, every byte taken in",
        |h| {
            let tab = h.state().tab(Mode::TcpServer);
            let capture = &tab.capture;
            capture.recorder.is_none()
                && capture.raw.is_none()
                && tab.session().counters.rx_bytes == FLOOD as u64
        },
    );
    let mut client = flood.join().expect("the flooding client");
    step_until(&mut harness, "why, beside each toggle", |h| {
        h.query_all_by_label_contains("Stopped: cannot write")
            .count()
            == 2
    });
    assert!(shows(&harness, "No space left on device"));
    assert!(
        harness.state().tab(Mode::TcpServer).can_send(),
        "the session goes on"
    );

    // Room again: both start with a normal path and take what comes next.
    let record = dir.path().join("again.jsonl");
    let data = dir.path().join("again.bin");
    type_field(&mut harness, "Record to", &record.display().to_string());
    tick(&mut harness, "Record to");
    type_field(&mut harness, "Save data to", &data.display().to_string());
    tick(&mut harness, "Save data to");
    step_until(&mut harness, "both running", |h| {
        let capture = &h.state().tab(Mode::TcpServer).capture;
        capture.recorder.is_some() && capture.raw.is_some()
    });
    client.write_all(b"after the disk filled").expect("send");
    step_until(&mut harness, "the bytes counted", |h| {
        rx_bytes(h, Mode::TcpServer) == FLOOD as u64 + 21
    });
    tick(&mut harness, "Record to");
    tick(&mut harness, "Save data to");
    step_until_within(&mut harness, "both files complete", FILE_DEADLINE, |h| {
        shows(h, "Recording complete") && shows(h, "Saving data complete")
    });
    assert_eq!(
        std::fs::read(&data).expect("the data file"),
        b"after the disk filled"
    );
    let text = std::fs::read_to_string(&record).expect("the recording");
    let received: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .filter(|record: &serde_json::Value| record["dir"] == "rx")
        .collect();
    assert_eq!(received.len(), 1, "{text}");
    assert_eq!(received[0]["len"], 21);
}

/// The same for a pcapng recording.
#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_refuses_a_pcapng_recording_with_the_reason_and_the_session_goes_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let full = dir.path().join("full.pcapng");
    std::os::unix::fs::symlink("/dev/full", &full).expect("symlink");
    let mut harness = app_harness();
    let local = open_udp(&mut harness);
    unfold(&mut harness, "Files");
    type_field(&mut harness, "Record to", &full.display().to_string());
    tick(&mut harness, "Record to");
    let peer = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
    peer.send_to(b"first", local).expect("send");
    // Its header is written at the start, so it fails there and says so beside the toggle.
    step_until(&mut harness, "the recording refused, with why", |h| {
        h.state().tab(Mode::Udp).capture.recorder.is_none()
            && shows(h, "cannot write")
            && shows(h, "No space left on device")
    });
    peer.send_to(b"still running", local).expect("send");
    step_until(&mut harness, "the session carries on", |h| {
        shows(h, "still running")
    });
    let record = dir.path().join("room.pcapng");
    type_field(&mut harness, "Record to", &record.display().to_string());
    tick(&mut harness, "Record to");
    step_until(&mut harness, "recording again", |h| {
        h.state().tab(Mode::Udp).capture.recorder.is_some()
    });
    peer.send_to(b"recorded", local).expect("send");
    step_until(&mut harness, "the datagram counted", |h| {
        h.state().tab(Mode::Udp).session().counters.rx_messages == 3
    });
    tick(&mut harness, "Record to");
    step_until_within(&mut harness, "the recording complete", FILE_DEADLINE, |h| {
        shows(h, "Recording complete")
    });
    let bytes = std::fs::read(&record).expect("the recording");
    // A section header block first, and the datagram's bytes inside.
    assert_eq!(&bytes[..4], &[0x0A, 0x0D, 0x0D, 0x0A]);
    assert!(bytes.windows(8).any(|window| window == b"recorded"));
}
