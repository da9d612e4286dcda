//! Record and Save data in the real App: rotation, byte-exact files checked by sha256, per-peer
//! files, write errors that leave the session running, and the memory cap.

use std::fs;
use std::io::Write;
use std::net::{TcpStream, UdpSocket};
use std::path::Path;

use crate::common::*;
use sha2::{Digest, Sha256};
use sockscope::export::part_path;
use sockscope::session::Mode;
use sockscope::tab::FramingKind;

/// Bytes that repeat no pattern a bug could hide behind (xorshift).
fn noise(len: usize) -> Vec<u8> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// The received bytes in a recording's parts, in order, from their `hex` fields; and how many
/// parts there were.
fn received_from_recording(base: &Path) -> (Vec<u8>, u32) {
    let mut bytes = Vec::new();
    let mut parts = 0;
    while part_path(base, parts + 1).exists() {
        parts += 1;
        let text = fs::read_to_string(part_path(base, parts)).expect("part");
        for line in text.lines() {
            let record: serde_json::Value = serde_json::from_str(line).expect("json");
            if record["dir"] == "rx" {
                let hex = record["hex"].as_str().expect("hex");
                bytes.extend(
                    (0..hex.len())
                        .step_by(2)
                        .map(|at| u8::from_str_radix(&hex[at..at + 2], 16).expect("hex digit")),
                );
            }
        }
    }
    (bytes, parts)
}

#[test]
fn a_recorded_transfer_matches_what_was_sent_by_sha256() {
    const SIZE: usize = 8 * 1024 * 1024;
    let dir = tempfile::tempdir().expect("tempdir");
    let record = dir.path().join("transfer.jsonl");
    let data = dir.path().join("transfer.bin");

    let mut harness = app_harness();
    let server = start_server(&mut harness);
    // Random bytes are binary: seen as hex, as a user would.
    click(&mut harness, "Hex");
    unfold(&mut harness, "Files");
    type_field(&mut harness, "Record to", &record.display().to_string());
    // 1 MiB parts: the hex of 8 MiB fills about 17 of them.
    type_field(&mut harness, "Split at", "1");
    tick(&mut harness, "Record to");
    type_field(&mut harness, "Save data to", &data.display().to_string());
    tick(&mut harness, "Save data to");
    assert!(shows(&harness, "Recording to"), "the start is logged");

    let sent = noise(SIZE);
    let expected = sha256(&sent);
    let peer = std::thread::spawn(move || {
        let mut stream = TcpStream::connect(server).expect("connect");
        stream.write_all(&sent).expect("send");
    });
    step_until(&mut harness, "every byte counted", |h| {
        h.state().tab(Mode::TcpServer).session().counters.rx_bytes == SIZE as u64
    });
    peer.join().expect("peer");
    tick(&mut harness, "Record to");
    tick(&mut harness, "Save data to");
    step_until_within(&mut harness, "both files complete", FILE_DEADLINE, |h| {
        shows(h, "Recording complete") && shows(h, "Saving data complete")
    });

    let (recorded, parts) = received_from_recording(&record);
    assert_eq!(recorded.len(), SIZE);
    assert_eq!(sha256(&recorded), expected, "the recording's hex");
    assert!(parts >= 16, "rotated into {parts} parts");
    for part in 1..=parts {
        let size = fs::metadata(part_path(&record, part)).expect("part").len();
        assert!(size <= 1024 * 1024, "part {part} is {size} bytes");
    }
    let saved = fs::read(&data).expect("data file");
    assert_eq!(sha256(&saved), expected, "the data file");
}

#[test]
fn save_data_per_peer_with_sent_data_writes_a_file_each() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = dir.path().join("peers.bin");
    let mut harness = app_harness();
    let server = start_server(&mut harness);
    unfold(&mut harness, "Files");
    type_field(&mut harness, "Save data to", &base.display().to_string());
    click(&mut harness, "Per peer");
    click(&mut harness, "Sent data too");
    tick(&mut harness, "Save data to");

    let mut one = TcpStream::connect(server).expect("connect");
    let mut two = TcpStream::connect(server).expect("connect");
    step_until(&mut harness, "two clients", |h| {
        h.state().tab(Mode::TcpServer).session().clients.len() == 2
    });
    one.write_all(b"from one").expect("send");
    two.write_all(&[0xFF, 0x00, 0xFE]).expect("send");
    step_until(&mut harness, "both received", |h| {
        h.state().tab(Mode::TcpServer).session().counters.rx_bytes == 11
    });
    type_send_box(&mut harness, "to all");
    click(&mut harness, "Send");
    step_until(&mut harness, "sent to both", |h| {
        h.state().tab(Mode::TcpServer).session().counters.tx_bytes == 12
    });
    tick(&mut harness, "Save data to");
    step_until_within(&mut harness, "files complete", FILE_DEADLINE, |h| {
        shows(h, "Saving data complete")
    });

    let name = |stream: &TcpStream, tx: bool| {
        let port = stream.local_addr().expect("addr").port();
        let suffix = if tx { ".tx" } else { "" };
        dir.path()
            .join(format!("peers_127.0.0.1-{port}{suffix}.bin"))
    };
    assert_eq!(fs::read(name(&one, false)).expect("one"), b"from one");
    assert_eq!(
        fs::read(name(&two, false)).expect("two"),
        [0xFF, 0x00, 0xFE]
    );
    assert_eq!(fs::read(name(&one, true)).expect("one tx"), b"to all");
    assert_eq!(fs::read(name(&two, true)).expect("two tx"), b"to all");
}

#[test]
fn bad_file_fields_are_explained_and_nothing_starts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut harness = app_harness();
    unfold(&mut harness, "Files");
    // Ticked with no path, Record asks for a file as Browse… does; cancelled, nothing starts
    // and nothing is wrong.
    let asked = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = std::sync::Arc::clone(&asked);
    harness
        .state_mut()
        .set_file_picker(std::sync::Arc::new(move |_request| {
            count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            None
        }));
    tick(&mut harness, "Record to");
    step_until(&mut harness, "the file asked for", |_| {
        asked.load(std::sync::atomic::Ordering::SeqCst) == 1
    });
    assert!(!shows(&harness, "Type a file path, or Browse…"));
    assert!(
        harness
            .state()
            .tab(Mode::TcpClient)
            .capture
            .recorder
            .is_none()
    );

    let unknown = dir.path().join("capture.bin");
    type_field(&mut harness, "Record to", &unknown.display().to_string());
    tick(&mut harness, "Record to");
    assert!(shows(&harness, "use a .txt, .csv or .jsonl file name"));
    assert!(!unknown.exists(), "nothing created");

    type_field(&mut harness, "Record to", "capture.jsonl");
    type_field(&mut harness, "Split at", "0");
    tick(&mut harness, "Record to");
    assert!(shows(&harness, "Split at: a whole number of MiB"));

    let missing = dir.path().join("missing").join("rx.bin");
    type_field(&mut harness, "Save data to", &missing.display().to_string());
    tick(&mut harness, "Save data to");
    assert!(shows(&harness, "No such folder"));
    let tab = harness.state().tab(Mode::TcpClient);
    assert!(tab.capture.recorder.is_none() && tab.capture.raw.is_none());
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_stops_the_files_but_not_the_session() {
    let dir = tempfile::tempdir().expect("tempdir");
    let record = dir.path().join("full.jsonl");
    let data = dir.path().join("full.bin");
    std::os::unix::fs::symlink("/dev/full", &record).expect("symlink");
    std::os::unix::fs::symlink("/dev/full", &data).expect("symlink");

    let mut harness = app_harness();
    let local = open_udp(&mut harness);
    unfold(&mut harness, "Files");
    type_field(&mut harness, "Record to", &record.display().to_string());
    tick(&mut harness, "Record to");
    type_field(&mut harness, "Save data to", &data.display().to_string());
    tick(&mut harness, "Save data to");
    let peer = UdpSocket::bind("127.0.0.1:0").expect("bind");
    peer.send_to(b"first", local).expect("send");
    step_until(&mut harness, "both files stop with a message", |h| {
        let capture = &h.state().tab(Mode::Udp).capture;
        capture.recorder.is_none() && capture.raw.is_none()
    });
    step_until(&mut harness, "the errors shown", |h| {
        h.query_all_by_label_contains("Stopped: cannot write")
            .count()
            == 2
    });
    assert!(shows(&harness, "No space left on device"));

    peer.send_to(b"still running", local).expect("send");
    step_until(&mut harness, "the session carries on", |h| {
        shows(h, "still running")
    });
}

#[test]
fn the_memory_cap_evicts_the_oldest_and_says_so() {
    let mut harness = app_harness();
    let local = open_udp(&mut harness);
    unfold(&mut harness, "Entries and memory");
    type_field(&mut harness, "Keep", "0");
    harness.key_press(egui::Key::Enter);
    harness.step();
    assert!(shows(&harness, "Keep: a whole number of MiB"));

    type_field(&mut harness, "Keep", "1");
    harness.key_press(egui::Key::Enter);
    harness.step();
    let peer = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let datagram = vec![b'x'; 60_000];
    for _ in 0..40 {
        send_datagram_counted(&mut harness, &peer, local, &datagram);
    }
    {
        let session = harness.state().tab(Mode::Udp).session();
        assert!(session.log.used_bytes() <= 1024 * 1024);
        let evicted = session.log.evicted();
        assert!(evicted.0 >= 20, "evicted {evicted:?}");
    }
    step_until(&mut harness, "the eviction shown", |h| {
        shows(h, "−") && shows(h, " entries")
    });
}

#[test]
fn auto_newline_off_lets_reads_run_together_until_a_line_end() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let mut harness = app_harness();
    type_field(&mut harness, "Port", &port.to_string());
    unfold(&mut harness, "Entries and memory");
    click(&mut harness, "Auto newline");
    assert_eq!(
        harness.state().tab(Mode::TcpClient).settings().framing.kind,
        FramingKind::Lines
    );
    click(&mut harness, "Connect");
    let (mut peer, _) = listener.accept().expect("accept");
    peer.write_all(b"tem").expect("send");
    step_until(&mut harness, "the partial line waits", |h| {
        shows(h, "3 B wait for the end of their entry")
    });
    peer.write_all(b"perature 21\nnext").expect("send");
    step_until(&mut harness, "one row for the line", |h| {
        shows(h, "temperature 21")
    });

    click(&mut harness, "Auto newline");
    assert_eq!(
        harness.state().tab(Mode::TcpClient).settings().framing.kind,
        FramingKind::PerRead
    );
}
