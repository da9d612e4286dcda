//! The traffic chart and reply times in the real App against a real peer that answers each
//! request: the chart's legend and the peer's reply-time summary show, and each received entry
//! shows its time since the last send.

use std::io::{Read, Write};

use crate::common::*;
use sockscope::session::Mode;

#[test]
fn reply_times_and_the_chart_follow_a_peer_that_answers() {
    let mut harness = app_harness();
    let mut peer = connected_client(&mut harness);
    let answering = std::thread::spawn(move || {
        let mut request = [0; 4];
        for _ in 0..3 {
            peer.read_exact(&mut request).expect("a request");
            std::thread::sleep(std::time::Duration::from_millis(20));
            peer.write_all(b"ok\r\n").expect("an answer");
        }
        peer
    });
    click(&mut harness, "Chart");
    assert!(shows(&harness, "No reply times yet"));
    tick(&mut harness, "Reply time");
    for n in 1..=3 {
        type_send_box(&mut harness, &format!("REQ{n}"));
        click(&mut harness, "Send");
        step_until(&mut harness, "the answer", |h| {
            rx_bytes(h, Mode::TcpClient) == 4 * n
        });
    }
    let _peer = answering.join().expect("the peer");
    let session_peer = harness
        .state()
        .tab(Mode::TcpClient)
        .session()
        .traffic
        .peers()[0];
    let times = harness
        .state()
        .tab(Mode::TcpClient)
        .session()
        .traffic
        .reply_times(session_peer)
        .expect("timed");
    assert_eq!(times.count, 3);
    // Not how long: a loaded machine may stamp a send late. Only that they hang together.
    assert!(
        times.min <= times.median && times.median <= times.p99 && times.p99 <= times.max,
        "{times:?}"
    );
    step_until(&mut harness, "the summary", |h| {
        shows(h, "Reply times of") && shows(h, &session_peer.to_string())
    });
    assert!(
        shows(&harness, "↩"),
        "received entries show their reply time"
    );
    assert!(shows(&harness, "Bytes/s") && shows(&harness, "1 min"));

    // Timed afresh: the table empties, the counters and the chart stay.
    click(&mut harness, "Time replies afresh");
    step_until(&mut harness, "no reply times", |h| {
        shows(h, "No reply times yet")
    });
    let session = harness.state().tab(Mode::TcpClient).session();
    assert_eq!(session.traffic.reply_times(session_peer), None);
    assert_eq!(session.counters.rx_bytes, 12, "the counters go on");
    assert!(
        session.traffic.peer(session_peer).is_some(),
        "so does the chart"
    );
}

/// `--udp 127.0.0.1:0 --chart`.
fn udp_with_chart() -> sockscope::StartOptions {
    sockscope::StartOptions {
        preset: Some(sockscope::cli::Preset::Udp {
            local: "127.0.0.1:0".parse().expect("addr"),
            to: None,
            broadcast: false,
            join: Vec::new(),
        }),
        chart: true,
        ..sockscope::StartOptions::default()
    }
}

#[test]
fn the_chart_preset_opens_the_chart_of_the_preset_tab() {
    let options = udp_with_chart();
    let harness = app_harness_with(options);
    assert!(harness.state().tab(Mode::Udp).settings().chart.open);
    assert!(!harness.state().tab(Mode::TcpClient).settings().chart.open);
    assert!(shows(&harness, "Bytes/s"), "drawn under the log");
}

/// When the next frame is asked for, as the App left it after its last frame.
fn repaint_delay(harness: &egui_kittest::Harness<'static, sockscope::App>) -> std::time::Duration {
    harness
        .output()
        .viewport_output
        .get(&egui::ViewportId::ROOT)
        .map_or(std::time::Duration::MAX, |viewport| viewport.repaint_delay)
}

#[test]
fn a_quiet_chart_asks_for_no_frames_and_a_busy_one_moves_on_by_the_second() {
    let options = udp_with_chart();
    let mut harness = app_harness_with(options);
    step_until(&mut harness, "the socket open", |h| udp_local(h).is_some());
    harness.run();
    assert_eq!(
        repaint_delay(&harness),
        std::time::Duration::MAX,
        "an open socket with nothing to chart draws nothing"
    );
    let local = udp_local(&harness).expect("open");
    let peer = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
    peer.send_to(b"tick", local).expect("send");
    step_until(&mut harness, "the datagram", |h| {
        rx_bytes(h, Mode::Udp) == 4
    });
    harness.run();
    assert!(
        repaint_delay(&harness) <= std::time::Duration::from_secs(1),
        "the chart moves on while its span has traffic"
    );
}

fn udp_local(harness: &egui_kittest::Harness<'_, sockscope::App>) -> Option<std::net::SocketAddr> {
    match harness.state().tab(Mode::Udp).session().status {
        sockscope::session::Status::Open { local } => Some(local),
        _ => None,
    }
}
