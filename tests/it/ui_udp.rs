//! Drives the UDP tab of the real App with real loopback datagram peers.

use std::net::{SocketAddr, UdpSocket};

use crate::common::*;
use sockscope::session::Mode;
use sockscope::units::group_digits;

fn peer() -> UdpSocket {
    let socket = UdpSocket::bind("127.0.0.1:0").expect("bind");
    socket.set_read_timeout(Some(DEADLINE)).expect("timeout");
    socket
}

fn receive(socket: &UdpSocket) -> (Vec<u8>, SocketAddr) {
    let mut buffer = [0; 2048];
    let (n, from) = socket.recv_from(&mut buffer).expect("a datagram");
    (buffer[..n].to_vec(), from)
}

#[test]
fn logs_senders_replies_to_the_last_one_and_sends_to_the_target() {
    let mut harness = app_harness();
    let local = open_udp(&mut harness);
    let first = peer();
    let second = peer();

    choose_encoding(&mut harness, "GBK");
    first.send_to(NIHAO_GBK, local).expect("send");
    step_until(&mut harness, "the GBK datagram", |h| shows(h, "你好，世界"));
    let first_addr = first.local_addr().expect("addr").to_string();
    assert!(shows(&harness, &first_addr), "the source address is logged");

    // Empty target: the reply goes to the last sender.
    type_field(&mut harness, "Remote host", "");
    type_field(&mut harness, "Remote port", "");
    type_send_box(&mut harness, "回复");
    click(&mut harness, "Send");
    let (bytes, from) = receive(&first);
    assert_eq!(bytes, [0xBB, 0xD8, 0xB8, 0xB4], "回复 in GBK");
    assert_eq!(from, local);

    // With a target: it goes there.
    type_field(&mut harness, "Remote host", "127.0.0.1");
    type_field(
        &mut harness,
        "Remote port",
        &second.local_addr().expect("addr").port().to_string(),
    );
    click(&mut harness, "Hex input");
    type_send_box(&mut harness, "00 ff 7F");
    click(&mut harness, "Send");
    assert_eq!(receive(&second).0, [0x00, 0xFF, 0x7F]);

    click(&mut harness, "Close");
    step_until(&mut harness, "closed", |h| {
        h.query_by_label("Open").is_some()
    });
}

#[test]
fn bad_remote_port_is_shown_and_nothing_is_sent() {
    let mut harness = app_harness();
    open_udp(&mut harness);
    type_field(&mut harness, "Remote host", "127.0.0.1");
    type_field(&mut harness, "Remote port", "port");
    type_send_box(&mut harness, "x");
    click(&mut harness, "Send");
    assert!(shows(&harness, "'port' is not a port"));
    assert_eq!(
        harness.state().tab(Mode::Udp).session().counters.tx_bytes,
        0
    );
}

#[test]
fn ctrl_enter_sends_and_clear_and_reset_empty_the_view() {
    let mut harness = app_harness();
    let peer = peer();
    open_udp(&mut harness);
    type_field(&mut harness, "Remote host", "127.0.0.1");
    type_field(
        &mut harness,
        "Remote port",
        &peer.local_addr().expect("addr").port().to_string(),
    );
    type_send_box(&mut harness, "ping");
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Enter);
    harness.step();
    assert_eq!(receive(&peer).0, b"ping");
    step_until(&mut harness, "TX counted", |h| shows(h, "TX 4 B (1)"));

    click(&mut harness, "Reset counters");
    assert!(shows(&harness, "TX 0 B (0)"));
    click(&mut harness, "Clear");
    assert!(harness.state().tab(Mode::Udp).session().log.is_empty());
    assert!(!shows(&harness, "ping"), "the view is empty");
}

/// While the session is held (here by the test; in life, by a slow disk or a busy machine)
/// the worker stops reading past its queue's limit and the OS drops what no longer fits in
/// the socket's buffer: the status line and the log say how many.
#[cfg(target_os = "linux")]
#[test]
fn datagrams_the_os_dropped_show_on_the_status_line_and_in_the_log() {
    let mut harness = app_harness();
    let local = open_udp(&mut harness);
    let flood = peer();
    {
        let _held = harness.state().tab(Mode::Udp).session();
        for _ in 0..30_000 {
            flood.send_to(&[0xA5; 1400], local).expect("send");
        }
    }
    // The kernel's count comes with the next datagram it queues.
    step_until(&mut harness, "the flood taken in", |h| {
        h.state().tab(Mode::Udp).behind_by().is_none()
    });
    flood.send_to(b"probe", local).expect("send");
    // The count may still grow while the rest of the flood leaves the socket's buffer, so
    // wait until the status line shows the count the session holds at that moment.
    step_until(&mut harness, "the drops counted and shown", |h| {
        let dropped = h.state().tab(Mode::Udp).session().counters.dropped;
        dropped > 0 && shows(h, &format!("Dropped {}", group_digits(dropped)))
    });
    // Where the line stands depends on when in the flood the count came: look in the log.
    let says_why = harness
        .state()
        .tab(Mode::Udp)
        .session()
        .log
        .iter()
        .any(|entry| {
            entry
                .message()
                .is_some_and(|text| text.contains("(its receive buffer was full)"))
        });
    assert!(says_why, "the log says why");
}
