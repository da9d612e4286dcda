//! Composing bytes in the send box of the real App: escapes, append, checksums, the send
//! encoding and the live preview, each checked byte for byte at a real loopback peer.

use crate::common::*;
use sockscope::session::Mode;

#[test]
fn escapes_checksum_and_append_go_on_the_wire_as_previewed() {
    let mut harness = app_harness();
    let mut peer = connected_client(&mut harness);
    click(&mut harness, "Escapes");
    type_send_box(&mut harness, r"AT\x01");
    choose(&mut harness, "Append", "CR LF");
    choose(&mut harness, "Checksum", "Sum-8");
    // 0x41 + 0x54 + 0x01 = 0x96, then the line end.
    assert!(shows(&harness, "Sends 6 bytes: 41 54 01 96 0D 0A"));
    click(&mut harness, "Send");
    assert_eq!(
        read_exactly(&mut peer, 6),
        [0x41, 0x54, 0x01, 0x96, 0x0D, 0x0A]
    );
}

#[test]
fn a_modbus_frame_gets_its_crc_low_byte_first() {
    let mut harness = app_harness();
    let mut peer = connected_client(&mut harness);
    click(&mut harness, "Hex input");
    type_send_box(&mut harness, "01 03 00 00 00 0A");
    choose(&mut harness, "Checksum", "CRC-16/MODBUS");
    assert!(shows(&harness, "Sends 8 bytes: 01 03 00 00 00 0A C5 CD"));
    // Big-endian on request.
    choose(&mut harness, "Byte order", "Big-endian");
    assert!(shows(&harness, "01 03 00 00 00 0A CD C5"));
    choose(&mut harness, "Byte order", "Little-endian");
    click(&mut harness, "Send");
    assert_eq!(
        read_exactly(&mut peer, 8),
        [0x01, 0x03, 0x00, 0x00, 0x00, 0x0A, 0xC5, 0xCD]
    );

    choose(&mut harness, "Checksum", "CRC-32");
    type_send_box(&mut harness, "31 32 33 34 35 36 37 38 39");
    assert!(
        shows(&harness, "CB F4 39 26"),
        "CRC-32 of 123456789, big-endian"
    );
}

#[test]
fn the_send_encoding_can_differ_from_the_display() {
    let mut harness = app_harness();
    let mut peer = connected_client(&mut harness);
    type_send_box(&mut harness, "你好");
    assert!(
        shows(&harness, "Sends 6 bytes: E4 BD A0 E5 A5 BD"),
        "UTF-8, as shown"
    );
    choose(&mut harness, "Send encoding", "GBK");
    assert!(shows(&harness, "Sends 4 bytes: C4 E3 BA C3"));
    click(&mut harness, "Send");
    assert_eq!(read_exactly(&mut peer, 4), [0xC4, 0xE3, 0xBA, 0xC3]);
    assert_eq!(
        harness
            .state()
            .tab(Mode::TcpClient)
            .settings()
            .encoding
            .to_string(),
        "UTF-8",
        "the display keeps its encoding"
    );
}

/// Each send is shown in the encoding it was written in: 你好 sent as GBK beside a UTF-8
/// display, and a UTF-8 send after the display turns to GBK, both read 你好; a hex send
/// follows the display. The log file says the same.
#[test]
fn each_send_is_shown_in_the_encoding_it_was_sent_in() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("sends.jsonl");
    let mut harness = app_harness_with(sockscope::StartOptions {
        log: Some(log.clone()),
        ..sockscope::StartOptions::default()
    });
    let mut peer = connected_client(&mut harness);
    // The log's rows of sends: "12:00:00.000 TX    127.0.0.1:… 你好".
    let tx_rows = |h: &egui_kittest::Harness<'_, sockscope::App>| {
        h.query_all_by_label_contains(" TX    ")
            .filter_map(|node| {
                use egui_kittest::kittest::NodeT as _;
                node.accesskit_node().value()
            })
            .collect::<Vec<String>>()
    };
    choose(&mut harness, "Send encoding", "GBK");
    type_send_box(&mut harness, "你好");
    click(&mut harness, "Send");
    assert_eq!(read_exactly(&mut peer, 4), [0xC4, 0xE3, 0xBA, 0xC3]);
    step_until(&mut harness, "the GBK send", |h| tx_rows(h).len() == 1);
    assert!(
        tx_rows(&harness)[0].ends_with("你好"),
        "{:?}",
        tx_rows(&harness)
    );

    choose(&mut harness, "Send encoding", "UTF-8, as shown");
    click(&mut harness, "Send");
    assert_eq!(read_exactly(&mut peer, 6), "你好".as_bytes());
    step_until(&mut harness, "the UTF-8 send", |h| tx_rows(h).len() == 2);
    choose_encoding(&mut harness, "GBK");
    step_until(&mut harness, "the display in GBK", |h| {
        h.state()
            .tab(Mode::TcpClient)
            .settings()
            .encoding
            .to_string()
            == "GBK"
    });
    let rows = tx_rows(&harness);
    assert!(rows.iter().all(|row| row.ends_with("你好")), "{rows:?}");
    assert!(!rows.iter().any(|row| row.contains("浣犲ソ")), "{rows:?}");

    // Hex has no encoding of its own: it reads as the display does (GBK now).
    click(&mut harness, "Hex input");
    type_send_box(&mut harness, "C4 E3 BA C3");
    click(&mut harness, "Send");
    assert_eq!(read_exactly(&mut peer, 4), [0xC4, 0xE3, 0xBA, 0xC3]);
    step_until(&mut harness, "the hex send", |h| tx_rows(h).len() == 3);
    assert!(tx_rows(&harness)[2].ends_with("你好"));

    let texts = |path: &std::path::Path| -> Vec<String> {
        std::fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .filter(|record| record["dir"] == "tx")
            .filter_map(|record| record["text"].as_str().map(str::to_owned))
            .collect()
    };
    let deadline = std::time::Instant::now() + FILE_DEADLINE;
    while texts(&log).len() < 2 && std::time::Instant::now() < deadline {
        harness.step();
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let recorded = texts(&log);
    assert_eq!(
        recorded[..2],
        ["你好", "你好"],
        "the log file: {recorded:?}"
    );
}

#[test]
fn bad_escapes_and_append_bytes_are_explained_and_nothing_is_sent() {
    let mut harness = app_harness();
    let mut peer = connected_client(&mut harness);
    click(&mut harness, "Escapes");
    type_send_box(&mut harness, r"ok\q");
    assert!(shows(&harness, r"unknown escape '\q'"));
    assert!(shows(&harness, "at line 1, column 3"));
    click(&mut harness, "Send");
    assert_eq!(tx_bytes(&harness, Mode::TcpClient), 0);

    type_send_box(&mut harness, "ok");
    choose(&mut harness, "Append", "Custom");
    type_field(&mut harness, "bytes (hex)", "0x1G");
    assert!(shows(&harness, "Append: invalid hex digit 'G'"));
    click(&mut harness, "Send");
    assert_eq!(tx_bytes(&harness, Mode::TcpClient), 0);

    // The first bytes the peer sees are the first valid send's.
    type_field(&mut harness, "bytes (hex)", "16 03");
    assert!(shows(&harness, "Sends 4 bytes: 6F 6B 16 03"));
    click(&mut harness, "Send");
    assert_eq!(read_exactly(&mut peer, 4), [b'o', b'k', 0x16, 0x03]);
}

#[test]
fn repeat_sends_the_box_a_set_number_of_times_and_stops_on_request() {
    let mut harness = app_harness();
    let local = open_udp(&mut harness);
    let peer = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
    peer.set_read_timeout(Some(DEADLINE)).expect("timeout");
    let port = peer.local_addr().expect("addr").port();
    type_field(&mut harness, "Remote port", &port.to_string());
    type_send_box(&mut harness, "beat");
    type_field(&mut harness, "Repeat every", "1");
    type_field(&mut harness, "times", "100");
    click(&mut harness, "Start repeat");
    let mut buffer = [0; 16];
    for index in 0..100 {
        let (len, from) = peer.recv_from(&mut buffer).expect("a beat");
        assert_eq!(
            (&buffer[..len], from),
            (&b"beat"[..], local),
            "beat {index}"
        );
    }
    step_until(&mut harness, "the cycle ends", |h| {
        shows(h, "100 sent of 100, ended") && shows(h, "Cyclic send done: 100 sends")
    });

    // Until stopped: Stop ends it at once, and the log says how many went out.
    type_field(&mut harness, "times", "");
    type_field(&mut harness, "Repeat every", "5");
    click(&mut harness, "Start repeat");
    for _ in 0..3 {
        peer.recv_from(&mut buffer).expect("a beat");
    }
    click(&mut harness, "Stop repeat");
    step_until(&mut harness, "stopped", |h| shows(h, "Cyclic send stopped"));
    assert!(harness.query_by_label("Start repeat").is_some());
}

#[test]
fn repeat_fields_are_checked_before_anything_is_sent() {
    let mut harness = app_harness();
    open_udp(&mut harness);
    type_send_box(&mut harness, "beat");
    type_field(&mut harness, "Repeat every", "0");
    click(&mut harness, "Start repeat");
    assert!(shows(&harness, "Every: milliseconds from 1"));
    type_field(&mut harness, "Repeat every", "10");
    type_field(&mut harness, "times", "-3");
    click(&mut harness, "Start repeat");
    assert!(shows(&harness, "Times: a count from 1"));
    let tab = harness.state().tab(Mode::Udp);
    assert!(tab.session().cycle.is_none());
    assert_eq!(tab.session().counters.tx_messages, 0);
}

/// A file as the window system hands it over when the user drops it on the window.
#[derive(Debug)]
struct Dropped(std::path::PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &std::path::Path {
        &self.0
    }

    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|error| error.to_string())
    }
}

#[test]
fn a_file_dropped_on_the_window_is_sent_whole() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("firmware.bin");
    let bytes: Vec<u8> = (0..3_000_000u32).map(|n| (n % 253) as u8).collect();
    std::fs::write(&path, &bytes).expect("write");

    let mut harness = app_harness();
    let mut peer = connected_client(&mut harness);
    // The peer stays open until the end: closing first could end the session before the
    // worker reports the file complete (which the log would then say instead).
    let reader = std::thread::spawn(move || (read_exactly(&mut peer, 3_000_000), peer));
    harness
        .input_mut()
        .dropped_files
        .push(std::sync::Arc::new(Dropped(path)));
    harness.step();
    step_until(&mut harness, "the file is sent", |h| {
        shows(h, "File sent: firmware.bin, 3,000,000 B")
    });
    let (received, _peer) = reader.join().expect("peer");
    assert_eq!(received, bytes);
    assert_eq!(
        tx_bytes(&harness, Mode::TcpClient),
        3_000_000,
        "counted as sent"
    );
}

#[test]
fn udp_file_fields_are_checked_before_anything_is_sent() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("data.bin");
    std::fs::write(&path, b"0123456789").expect("write");
    let mut harness = app_harness();
    open_udp(&mut harness);
    type_field(&mut harness, "File in datagrams of", "70000");
    harness.state_mut().send_file(Mode::Udp, path.clone());
    harness.step();
    assert!(shows(&harness, "Datagram: bytes from 1 to 65507"));
    type_field(&mut harness, "File in datagrams of", "4");
    type_field(&mut harness, "bytes, every", "-1");
    harness.state_mut().send_file(Mode::Udp, path);
    harness.step();
    assert!(shows(&harness, "Pace: milliseconds from 0 to 60000"));
    assert_eq!(
        harness
            .state()
            .tab(Mode::Udp)
            .session()
            .counters
            .tx_messages,
        0
    );
}

#[test]
fn send_variables_count_on_from_send_to_send_and_through_a_repeat() {
    let mut harness = app_harness();
    open_udp(&mut harness);
    let peer = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
    peer.set_read_timeout(Some(DEADLINE)).expect("timeout");
    let port = peer.local_addr().expect("addr").port();
    type_field(&mut harness, "Remote port", &port.to_string());
    let mut buffer = [0; 64];
    let mut receive = || {
        let (len, _) = peer.recv_from(&mut buffer).expect("a datagram");
        String::from_utf8_lossy(&buffer[..len]).into_owned()
    };

    type_send_box(&mut harness, "{{nope}}");
    click(&mut harness, "Send");
    assert!(shows(&harness, "unknown variable '{{nope}}'"));

    type_send_box(&mut harness, "SEQ{{counter width=4}}");
    // The preview shows the next send: "SEQ0001".
    assert!(shows(&harness, "Sends 7 bytes: 53 45 51 30 30 30 31"));
    click(&mut harness, "Send");
    click(&mut harness, "Send");
    assert_eq!(receive(), "SEQ0001");
    assert_eq!(receive(), "SEQ0002");
    assert!(
        shows(&harness, "53 45 51 30 30 30 33"),
        "the preview moved on"
    );

    type_field(&mut harness, "Repeat every", "1");
    type_field(&mut harness, "times", "300");
    click(&mut harness, "Start repeat");
    for expected in 3..=302 {
        assert_eq!(receive(), format!("SEQ{expected:04}"));
    }
    step_until(&mut harness, "the cycle ends", |h| {
        shows(h, "300 sent of 300, ended")
    });
    click(&mut harness, "Send");
    assert_eq!(receive(), "SEQ0303", "on from where the repeat stopped");
}

fn send_text(harness: &egui_kittest::Harness<'static, sockscope::App>) -> String {
    let tab = harness.state().tab(Mode::TcpClient);
    tab.settings().send_text.clone()
}

#[test]
fn switching_between_hex_and_text_keeps_every_byte() {
    let mut harness = app_harness();
    let mut peer = connected_client(&mut harness);
    click(&mut harness, "Hex input");
    type_send_box(&mut harness, "01 03 00 00 00 0A C5 CD");
    // Not plain text: it comes as text with escapes, and Escapes goes on.
    click(&mut harness, "Text input");
    assert_eq!(send_text(&harness), r"\x01\x03\0\0\0\n\xC5\xCD");
    let tab = harness.state().tab(Mode::TcpClient);
    assert!(tab.settings().send.escapes, "Escapes is on");
    assert!(shows(&harness, "Sends 8 bytes: 01 03 00 00 00 0A C5 CD"));
    click(&mut harness, "Hex input");
    assert_eq!(send_text(&harness), "01 03 00 00 00 0A C5 CD");
    click(&mut harness, "Send");
    assert_eq!(
        read_exactly(&mut peer, 8),
        [0x01, 0x03, 0x00, 0x00, 0x00, 0x0A, 0xC5, 0xCD]
    );

    // Variables cannot become bytes: the box stays as it is and says why.
    click(&mut harness, "Text input");
    type_send_box(&mut harness, "SEQ{{counter}}");
    click(&mut harness, "Hex input");
    assert!(shows(
        &harness,
        "The box has variables ({{…}}): they stay as typed, so it cannot switch"
    ));
    let tab = harness.state().tab(Mode::TcpClient);
    assert_eq!(
        tab.settings().input_format,
        sockscope::codec::PayloadFormat::Text
    );
    assert_eq!(send_text(&harness), "SEQ{{counter}}");
}
