//! The receive side in the real App: characters split across TCP reads decode whole.

use std::io::Write;
use std::net::TcpListener;

use crate::common::*;
use sockscope::session::Mode;

#[test]
fn a_character_split_across_two_reads_shows_whole() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let mut harness = app_harness();
    type_field(&mut harness, "Port", &port.to_string());
    click(&mut harness, "Connect");
    let (mut peer, _) = listener.accept().expect("accept");
    step_until(&mut harness, "connected", |h| shows(h, "Connected — local"));

    // 你好 in UTF-8 is E4 BD A0 E5 A5 BD: cut inside 你, so the first read ends mid-character.
    peer.write_all(&[b'>', 0xE4, 0xBD]).expect("write");
    let rx_entries = |h: &egui_kittest::Harness<'_, sockscope::App>| {
        h.state()
            .tab(Mode::TcpClient)
            .session()
            .log
            .iter()
            .filter(|e| !e.bytes().is_empty())
            .count()
    };
    step_until(&mut harness, "the first read", |h| rx_entries(h) == 1);
    peer.write_all(&[0xA0, 0xE5, 0xA5, 0xBD, b'<'])
        .expect("write");
    step_until(&mut harness, "the second read", |h| rx_entries(h) == 2);

    step_until(&mut harness, "你好 whole", |h| shows(h, "你好<"));
    assert!(
        !shows(&harness, "\\x"),
        "no byte of the split character is shown as invalid"
    );
    // Hex still shows each read's own bytes.
    click(&mut harness, "Hex");
    assert!(shows(&harness, "3E E4 BD") && shows(&harness, "A0 E5 A5 BD 3C"));
}

/// Connects the TCP Client tab to a fresh listener and returns the accepted peer.
fn connected(harness: &mut egui_kittest::Harness<'static, sockscope::App>) -> std::net::TcpStream {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    type_field(harness, "Port", &port.to_string());
    click(harness, "Connect");
    let (peer, _) = listener.accept().expect("accept");
    step_until(harness, "connected", |h| shows(h, "Connected — local"));
    peer
}

#[test]
fn both_view_shows_offsets_hex_and_text_side_by_side() {
    let mut harness = app_harness();
    let mut peer = connected(&mut harness);
    let mut bytes = b"Hi \xE4\xBD\xA0\xE5\xA5\xBD\xFF 0123456789".to_vec();
    bytes.push(b'!');
    peer.write_all(&bytes).expect("write");
    step_until(&mut harness, "the data", |h| shows(h, "Hi 你好"));
    assert!(
        shows(&harness, "\\xFF"),
        "the invalid byte is shown as an escape in Text"
    );

    click(&mut harness, "Both");
    let first = "0000  48 69 20 E4 BD A0 E5 A5 BD FF 20 30 31 32 33 34  Hi 你好· 01234";
    let second = "0010  35 36 37 38 39 21";
    step_until(&mut harness, "the dump", |h| {
        shows(h, first) && shows(h, second)
    });
    assert!(shows(&harness, "56789!"), "text beside the second line");
}

/// A Modbus frame read as text: its 0x0A byte neither vanishes nor splits it, and GBK shows it
/// the same way; a text line after it still breaks at its line feeds.
#[test]
fn binary_data_in_the_text_view_is_one_row_with_every_byte_shown() {
    let mut harness = app_harness();
    let mut peer = connected(&mut harness);
    peer.write_all(&[0x01, 0x03, 0x00, 0x00, 0x00, 0x0A, 0xC5, 0xCD])
        .expect("write");
    let frame = r"\x01\x03\x00\x00\x00\n\xC5\xCD";
    step_until(&mut harness, "the frame on one row", |h| shows(h, frame));
    let rows = |h: &egui_kittest::Harness<'_, sockscope::App>| {
        h.query_all_by_label_contains(r"\x01\x03").count()
    };
    assert_eq!(rows(&harness), 1, "one row");
    choose_encoding(&mut harness, "GBK");
    // 0xC5 0xCD is one GBK character: 磐.
    step_until(&mut harness, "the frame in GBK", |h| {
        shows(h, r"\x01\x03\x00\x00\x00\n磐")
    });
    assert_eq!(rows(&harness), 1, "still one row in GBK");
    peer.write_all(b"line one\nline two\n").expect("write");
    step_until(&mut harness, "text lines", |h| {
        shows(h, "line one") && shows(h, "line two")
    });
    assert!(!shows(&harness, r"line one\n"), "text keeps its breaks");
}

#[test]
fn control_characters_show_on_request_and_time_columns_change() {
    let mut harness = app_harness();
    let mut peer = connected(&mut harness);
    peer.write_all(b"line one\r\nline two\tend\r\n")
        .expect("write");
    step_until(&mut harness, "two lines", |h| {
        shows(h, "line one") && shows(h, "line two\tend")
    });
    assert!(!shows(&harness, "line one\\r\\n"));

    click(&mut harness, "Show \\r\\n");
    step_until(&mut harness, "escapes", |h| {
        shows(h, "line one\\r\\n") && shows(h, "line two\\tend\\r\\n")
    });

    let year = chrono::Local::now().format("%Y-%m-%d").to_string();
    assert!(!shows(&harness, &year));
    click(&mut harness, "Date & time");
    step_until(&mut harness, "dates", |h| shows(h, &format!("{year} ")));

    click(&mut harness, "Δt");
    step_until(&mut harness, "deltas", |h| shows(h, "    +0.0"));
}

#[test]
fn framing_by_line_delimiter_and_idle_gap() {
    let mut harness = app_harness();
    let mut peer = connected(&mut harness);
    let rx = |h: &egui_kittest::Harness<'_, sockscope::App>| -> Vec<Vec<u8>> {
        let log = &h.state().tab(Mode::TcpClient).session().log;
        log.iter()
            .filter(|e| e.direction() == sockscope::session::Direction::Rx)
            .map(|e| e.bytes().to_vec())
            .collect()
    };

    unfold(&mut harness, "Entries and memory");
    click(&mut harness, "By line");
    peer.write_all(b"alpha\r\nbe").expect("write");
    step_until(&mut harness, "the first line", |h| rx(h).len() == 1);
    assert!(shows(&harness, "2 B wait for the end of their entry"));
    peer.write_all(b"ta\n").expect("write");
    step_until(&mut harness, "the second line", |h| rx(h).len() == 2);
    assert_eq!(rx(&harness), [b"alpha\r\n".to_vec(), b"beta\n".to_vec()]);

    // A delimiter in hex; a bad one is reported beside its field and changes nothing.
    click(&mut harness, "By delimiter");
    type_field(&mut harness, "Delimiter (hex)", "AA 5G");
    step_until(&mut harness, "the delimiter error", |h| {
        shows(h, "Delimiter: invalid hex digit 'G'")
    });
    type_field(&mut harness, "Delimiter (hex)", "AA 55");
    step_until(&mut harness, "the error gone", |h| {
        !shows(h, "Delimiter: invalid")
    });
    peer.write_all(&[1, 2, 0xAA, 0x55, 3]).expect("write");
    step_until(&mut harness, "the framed bytes", |h| rx(h).len() == 3);
    assert_eq!(rx(&harness)[2], [1, 2, 0xAA, 0x55]);

    // Idle gap: the waiting byte and a new burst become entries once the line goes quiet.
    click(&mut harness, "Idle gap");
    type_field(&mut harness, "Gap (ms)", "30");
    step_until(
        &mut harness,
        "the byte left from the delimiter framing",
        |h| rx(h).len() == 4,
    );
    peer.write_all(b"burst").expect("write");
    step_until(&mut harness, "the burst after the gap", |h| {
        rx(h).len() == 5
    });
    assert_eq!(rx(&harness)[3..], [b"\x03".to_vec(), b"burst".to_vec()]);
}

#[test]
fn pause_freezes_the_view_while_data_is_still_counted() {
    let mut harness = app_harness();
    let mut peer = connected(&mut harness);
    peer.write_all(b"before pause").expect("write");
    step_until(&mut harness, "the first data", |h| shows(h, "before pause"));

    // Pause, Clear and the badge are beside the log, with the settings panel hidden too.
    click(&mut harness, "Settings");
    assert!(!shows(&harness, "Encoding"), "the settings panel is hidden");
    click(&mut harness, "Pause");
    peer.write_all(b"during pause").expect("write");
    let rx = |h: &egui_kittest::Harness<'_, sockscope::App>| {
        h.state()
            .tab(Mode::TcpClient)
            .session()
            .counters
            .rx_messages
    };
    step_until(&mut harness, "the second read counted", |h| rx(h) == 2);
    step_until(&mut harness, "the badge", |h| {
        shows(h, "Paused: 1 new not shown")
    });
    assert!(!shows(&harness, "during pause"), "the view is frozen");
    assert!(shows(&harness, "RX 24 B (2)"), "counters keep counting");

    click(&mut harness, "Resume");
    step_until(&mut harness, "the held data", |h| shows(h, "during pause"));
    assert!(!shows(&harness, "Paused: 1 new not shown"));
}

#[test]
fn filter_by_text_hex_direction_and_peer_over_the_whole_history() {
    let mut harness = app_harness();
    click(&mut harness, "TCP Server");
    type_field(&mut harness, "Address", "127.0.0.1");
    type_field(&mut harness, "Port", "0");
    click(&mut harness, "Listen");
    step_until(&mut harness, "listening", |h| {
        matches!(
            h.state().tab(Mode::TcpServer).session().status,
            sockscope::session::Status::Listening { .. }
        )
    });
    let sockscope::session::Status::Listening { local } =
        harness.state().tab(Mode::TcpServer).session().status
    else {
        unreachable!()
    };
    let mut a = std::net::TcpStream::connect(local).expect("connect a");
    let mut b = std::net::TcpStream::connect(local).expect("connect b");
    a.write_all(b"temperature=23").expect("write");
    step_until(&mut harness, "a's data", |h| shows(h, "temperature=23"));
    b.write_all(&[0xAA, 0x55, b'h', b'u', b'm']).expect("write");
    step_until(&mut harness, "b's data", |h| shows(h, "hum"));

    type_field(&mut harness, "Filter", "TEMP");
    step_until(&mut harness, "one match", |h| {
        shows(h, "1 of ") && !shows(h, "hum")
    });
    assert!(shows(&harness, "temperature=23") && !shows(&harness, "Client connected"));

    // New data is tested as it arrives.
    a.write_all(b" temperature=24").expect("write");
    step_until(&mut harness, "the new match", |h| {
        shows(h, "temperature=24") && shows(h, "2 of ")
    });

    // A byte pattern; a bad one is reported beside the field.
    click(&mut harness, "Hex pattern");
    step_until(&mut harness, "the hex error", |h| {
        shows(h, "Filter: invalid hex digit 'T'")
    });
    type_field(&mut harness, "Filter", "aa55");
    step_until(&mut harness, "the byte match", |h| {
        shows(h, "hum") && !shows(h, "temperature")
    });

    // By peer and direction.
    type_field(&mut harness, "Filter", "");
    let a_port = a.local_addr().expect("addr").port();
    type_field(&mut harness, "Peer", &format!(":{a_port}"));
    click(&mut harness, "Info");
    step_until(&mut harness, "a's data only", |h| {
        shows(h, "temperature=24") && !shows(h, "hum") && !shows(h, "Client connected")
    });

    click(&mut harness, "Clear filter");
    step_until(&mut harness, "everything again", |h| {
        shows(h, "hum") && shows(h, "Client connected")
    });
}

/// The text the last frame put on the clipboard, if any.
fn copied(harness: &egui_kittest::Harness<'_, sockscope::App>) -> Option<String> {
    harness
        .output()
        .platform_output
        .commands
        .iter()
        .find_map(|command| match command {
            egui::OutputCommand::CopyText(text) => Some(text.clone()),
            _ => None,
        })
}

#[test]
fn selected_entries_copy_as_text_or_hex() {
    let mut harness = app_harness();
    let mut peer = connected(&mut harness);
    for (n, word) in ["alpha", "beta", "gamma"].into_iter().enumerate() {
        peer.write_all(word.as_bytes()).expect("write");
        let reads = |h: &egui_kittest::Harness<'_, sockscope::App>| {
            h.state()
                .tab(Mode::TcpClient)
                .session()
                .counters
                .rx_messages
        };
        step_until(&mut harness, word, |h| reads(h) == n as u64 + 1);
    }
    step_until(&mut harness, "the rows", |h| shows(h, "gamma"));

    harness.get_by_label_contains("beta").click();
    harness.step();
    harness
        .get_by_label_contains("gamma")
        .click_modifiers(egui::Modifiers::SHIFT);
    harness.step();
    let selected = |h: &egui_kittest::Harness<'_, sockscope::App>| {
        h.state().tab(Mode::TcpClient).view.selected.len()
    };
    step_until(&mut harness, "two selected", |h| selected(h) == 2);

    harness.get_by_label("Copy as hex").click();
    harness.step();
    assert_eq!(
        copied(&harness).as_deref(),
        Some("62 65 74 61\n67 61 6D 6D 61")
    );
    harness.get_by_label("Copy as text").click();
    harness.step();
    assert_eq!(copied(&harness).as_deref(), Some("beta\ngamma"));

    click(&mut harness, "Deselect");
    assert_eq!(selected(&harness), 0);
}
