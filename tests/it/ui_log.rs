//! The log: saving it in each format, failures shown, and a million entries in the view.

use std::io::Write;
use std::net::TcpListener;
use std::time::SystemTime;

use crate::common::*;
use sockscope::session::{EntryKind, LogEntry, Mode};

#[test]
fn save_log_writes_each_format_and_reports_failures() {
    // A real session: connect, receive GBK, send text.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let server = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().expect("accept");
        stream.write_all(NIHAO_GBK).expect("write");
        let mut buffer = [0; 16];
        std::io::Read::read(&mut stream, &mut buffer).expect("read")
    });
    let mut harness = app_harness();
    type_field(&mut harness, "Port", &port.to_string());
    choose_encoding(&mut harness, "GBK");
    click(&mut harness, "Connect");
    step_until(&mut harness, "greeting", |h| shows(h, "你好，世界"));
    type_send_box(&mut harness, "ok");
    click(&mut harness, "Send");
    assert_eq!(server.join().expect("server"), 2);
    step_until(&mut harness, "TX logged", |h| {
        h.state().tab(Mode::TcpClient).session().counters.tx_bytes == 2
    });

    let send_box_top = |h: &egui_kittest::Harness<'_, sockscope::App>| {
        let role = egui::accesskit::Role::MultilineTextInput;
        h.get_by_role_and_label(role, "Send data").rect().min.y
    };
    let before = send_box_top(&harness);
    let dir = tempfile::tempdir().expect("tempdir");
    for name in ["log.jsonl", "log.csv", "log.txt"] {
        harness
            .state_mut()
            .save_log(Mode::TcpClient, dir.path().join(name));
    }
    step_until(&mut harness, "saves done", |h| {
        h.state().saves_running() == 0
    });
    assert!(shows(&harness, "Saved"), "the outcome is shown");
    assert_eq!(
        send_box_top(&harness),
        before,
        "the notice took no line of its own"
    );

    let jsonl = std::fs::read_to_string(dir.path().join("log.jsonl")).expect("jsonl");
    let lines: Vec<serde_json::Value> = jsonl
        .lines()
        .map(|line| serde_json::from_str(line).expect("json"))
        .collect();
    let rx = lines.iter().find(|l| l["dir"] == "rx").expect("an rx line");
    assert_eq!(rx["hex"], "c4e3bac3a3accac0bde7");
    assert_eq!(rx["text"], "你好，世界");
    assert_eq!(rx["mode"], "tcp-client");
    assert_eq!(rx["peer"], format!("127.0.0.1:{port}"));
    assert!(
        lines
            .iter()
            .any(|l| l["dir"] == "tx" && l["text"] == "ok" && l["len"] == 2)
    );
    let csv = std::fs::read_to_string(dir.path().join("log.csv")).expect("csv");
    assert!(csv.starts_with("time,mode,dir,peer,len,hex,text\n"));
    assert!(csv.contains("c4e3bac3a3accac0bde7"));
    let txt = std::fs::read_to_string(dir.path().join("log.txt")).expect("txt");
    assert!(txt.contains("你好，世界") && txt.contains(" TX "));

    // A path that cannot be written: a message, no panic, nothing else disturbed.
    harness.state_mut().save_log(
        Mode::TcpClient,
        dir.path().join("missing").join("log.jsonl"),
    );
    step_until(&mut harness, "the failure", |h| {
        h.state().saves_running() == 0
    });
    step_until(&mut harness, "failure shown", |h| shows(h, "Save failed"));
}

#[test]
fn a_million_entries_show_the_newest_at_the_bottom() {
    let mut harness = app_harness();
    click(&mut harness, "UDP");
    let peer = "127.0.0.1:9".parse().ok();
    let entries = (0..1_000_000u32)
        .map(|n| {
            let kind = EntryKind::Rx(format!("datagram {n}").into_bytes());
            LogEntry::new(SystemTime::now(), peer, kind)
        })
        .collect();
    harness.state_mut().tab_mut(Mode::Udp).load_entries(entries);
    // The view sticks to the bottom and lays out only the rows on screen.
    step_until(&mut harness, "the newest entry", |h| {
        shows(h, "datagram 999999")
    });
    assert!(!shows(&harness, "datagram 0") && !shows(&harness, "datagram 500000"));
    let rows = harness.query_all_by_label_contains("datagram ").count();
    assert!(rows < 200, "only visible rows are laid out, got {rows}");
}

/// Wheel-scrolls the log by `pages` (positive: towards older rows).
fn scroll_log(harness: &mut egui_kittest::Harness<'_, sockscope::App>, pages: f32) {
    wheel_over_log(harness, pages);
    harness.step();
    harness.step();
}

#[test]
fn auto_scroll_stops_when_scrolled_up_and_resumes_at_the_bottom() {
    let mut harness = app_harness();
    let local = open_udp(&mut harness);
    let peer = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
    let send = |harness: &mut egui_kittest::Harness<'_, sockscope::App>, text: &str| {
        send_datagram_counted(harness, &peer, local, text.as_bytes());
    };
    for n in 0..150 {
        send(&mut harness, &format!("line {n:03}"));
    }
    assert!(shows(&harness, "line 149"), "following the newest");

    scroll_log(&mut harness, 3.0);
    assert!(!shows(&harness, "line 149"), "scrolled up");
    send(&mut harness, "while reading");
    harness.step();
    assert!(
        !shows(&harness, "while reading"),
        "new data does not pull the view down"
    );

    scroll_log(&mut harness, -100.0);
    assert!(shows(&harness, "while reading"), "back at the bottom");
    send(&mut harness, "following again");
    step_until(&mut harness, "the view follows again", |h| {
        shows(h, "following again")
    });
}

/// egui sticks a scroll area to its end only after drawing it, so a row arriving at the tail
/// would show a frame late, and every arrival would cost two frames. The log scrolls to new
/// rows before drawing them: the frame that first has a row shows it where the last row was.
#[test]
fn a_new_row_at_the_tail_is_on_screen_in_the_first_frame_that_has_it() {
    let (mut harness, peer, local) = udp_log_of_rows(80);
    harness.step();
    let bottom_of = |h: &egui_kittest::Harness<'_, sockscope::App>, text: &str| {
        h.get_by_label_contains(text).rect().bottom()
    };
    // The log's last row sits at the bottom of its view, below rows that left it.
    let view_bottom = bottom_of(&harness, "row 79");
    assert!(harness.query_by_label_contains("row 00").is_none());

    peer.send_to(b"the newest row", local).expect("send");
    let deadline = std::time::Instant::now() + DEADLINE;
    loop {
        let arrived = harness
            .state()
            .tab(Mode::Udp)
            .session()
            .counters
            .rx_messages
            == 81;
        harness.step();
        if arrived {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the datagram never arrived"
        );
    }
    let newest = bottom_of(&harness, "the newest row");
    assert!(
        (newest - view_bottom).abs() < 0.5,
        "the newest row ends at {newest}, the view at {view_bottom}"
    );
}

/// Rows arriving while the window is resized left the log springing back from past its end
/// and sticking to it again, frame after frame: an idle window drawing without end.
#[test]
fn a_resize_while_rows_arrive_leaves_no_endless_frames() {
    let (mut harness, peer, local) = udp_log_of_rows(60);
    for (n, size) in [(900.0, 600.0), (1300.0, 850.0), (1000.0, 700.0)]
        .into_iter()
        .enumerate()
    {
        harness.set_size(egui::vec2(size.0, size.1));
        send_datagram_counted(
            &mut harness,
            &peer,
            local,
            format!("resized {n}").as_bytes(),
        );
    }
    if let Err(endless) = harness.try_run() {
        panic!("the window kept drawing: {endless}");
    }
}

/// The UDP tab open with `rows` datagrams logged ("row 00", "row 01", …); its peer and address.
fn udp_log_of_rows(
    rows: usize,
) -> (
    egui_kittest::Harness<'static, sockscope::App>,
    std::net::UdpSocket,
    std::net::SocketAddr,
) {
    let mut harness = app_harness();
    let local = open_udp(&mut harness);
    let peer = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
    for n in 0..rows {
        send_datagram_counted(&mut harness, &peer, local, format!("row {n:02}").as_bytes());
    }
    (harness, peer, local)
}

/// At the end of a long log its last row sits at the bottom of the view. The view sized its
/// content with egui's spacing between rows while the rows were drawn touching, which left
/// blank space under the last row, growing with the rows in view.
#[test]
fn the_last_row_sits_at_the_bottom_of_the_view() {
    let (mut harness, _peer, _local) = udp_log_of_rows(80);
    harness.step();
    let last_row = harness.get_by_label_contains("row 79").rect();
    let bar = harness
        .get_all_by_role(egui::accesskit::Role::ScrollBar)
        .map(|bar| bar.rect())
        .find(|bar| bar.height() > bar.width() && bar.bottom() > last_row.top())
        .expect("the log's vertical scroll bar");
    assert!(
        (last_row.bottom() - bar.bottom()).abs() < 2.0,
        "the last row ends at {}, the view at {}",
        last_row.bottom(),
        bar.bottom()
    );
}
