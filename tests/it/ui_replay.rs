//! Replay in the real App: a recording's received messages sent again from the UDP tab to a
//! real peer, whole and in order, in either file format; a cut-off recording is explained and
//! nothing of it is sent. (The timing is measured by `cargo bench -- replay`.)

use std::net::{SocketAddr, UdpSocket};
use std::path::Path;
use std::time::{Duration, UNIX_EPOCH};

use crate::common::*;
use sockscope::codec::TextEncoding;
use sockscope::export::{LogFormat, RecordContext, RecordWriter};
use sockscope::session::{EntryKind, LogEntry, Mode};

/// A UDP session's recording: three datagrams received from 10.0.0.7 and one sent to it.
fn write_recording(path: &Path) {
    let device: SocketAddr = "10.0.0.7:5000".parse().expect("an address");
    let local: SocketAddr = "10.0.0.1:9000".parse().expect("an address");
    let at = |ms: u64| UNIX_EPOCH + Duration::from_millis(1_764_000_000_000 + ms);
    let entries = [
        LogEntry::new(at(0), Some(device), EntryKind::Rx(b"first".to_vec())),
        LogEntry::new(at(20), Some(device), EntryKind::Tx(b"not me".to_vec())),
        LogEntry::new(at(40), Some(device), EntryKind::Rx(vec![0x00, 0xFF, 0x0D])),
        LogEntry::new(
            at(90),
            Some(device),
            EntryKind::Rx("第三".as_bytes().to_vec()),
        ),
    ];
    let format = LogFormat::from_path(path).expect("a format");
    let ctx = RecordContext {
        mode: Mode::Udp,
        datagrams: true,
        encoding: TextEncoding::Utf8,
        hex_text: false,
    };
    let mut writer = RecordWriter::new(format).expect("a writer");
    let mut out = Vec::new();
    writer.write_header(&mut out).expect("written");
    for entry in entries {
        writer
            .write_record(&mut out, &ctx, &entry.at(Some(local)))
            .expect("written");
    }
    std::fs::write(path, out).expect("written");
}

fn peer() -> UdpSocket {
    let socket = UdpSocket::bind("127.0.0.1:0").expect("bind");
    socket.set_read_timeout(Some(DEADLINE)).expect("timeout");
    socket
}

/// Opens the UDP tab aimed at a fresh peer and starts replaying what `path` received;
/// returns the App and the peer.
fn replay_received(path: &Path) -> (egui_kittest::Harness<'static, sockscope::App>, UdpSocket) {
    let mut harness = app_harness();
    open_udp(&mut harness);
    let target = peer();
    let port = target.local_addr().expect("address").port();
    type_field(&mut harness, "Remote port", &port.to_string());
    click(&mut harness, "Replay…");
    type_field(&mut harness, "Recording", &path.display().to_string());
    click(&mut harness, "What was received (RX)");
    click(&mut harness, "Start replay");
    (harness, target)
}

#[test]
fn a_recordings_received_messages_are_sent_again_whole_and_in_order() {
    for extension in ["jsonl", "pcapng"] {
        let dir = tempfile::tempdir().expect("a directory");
        let path = dir.path().join(format!("device.{extension}"));
        write_recording(&path);
        let (mut harness, target) = replay_received(&path);
        // The file is read on a thread; the replay starts at the frame after.
        step_until(&mut harness, "the replay started", |h| {
            h.state().tab(Mode::Udp).session().replay.is_some()
        });
        let mut buffer = [0; 64];
        let mut received = Vec::new();
        for _ in 0..3 {
            let (len, _) = target.recv_from(&mut buffer).expect("a replayed datagram");
            received.push(buffer[..len].to_vec());
        }
        assert_eq!(
            received,
            [
                b"first".to_vec(),
                vec![0x00, 0xFF, 0x0D],
                "第三".as_bytes().to_vec()
            ],
            "{extension}"
        );
        step_until(&mut harness, "the replay's end", |h| {
            shows(h, "Replay done: 3 messages")
        });
        assert!(shows(
            &harness,
            "Replaying 3 messages (0.090 s as recorded)"
        ));
    }
}

#[test]
fn a_cut_off_recording_is_explained_and_nothing_is_sent() {
    let dir = tempfile::tempdir().expect("a directory");
    let path = dir.path().join("cut.jsonl");
    write_recording(&path);
    let text = std::fs::read_to_string(&path).expect("read");
    std::fs::write(&path, &text[..text.len() - 15]).expect("cut");
    let (mut harness, _target) = replay_received(&path);
    step_until(&mut harness, "the message", |h| {
        shows(h, "line 4 is cut off (was the recording interrupted?)")
    });
    assert_eq!(
        harness
            .state()
            .tab(Mode::Udp)
            .session()
            .counters
            .tx_messages,
        0,
        "nothing of it went"
    );
}
