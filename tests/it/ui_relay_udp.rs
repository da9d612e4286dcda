//! Drives the Relay tab of the real App over UDP: two clients, plain loopback sockets, talk
//! to an upstream through it; the log shows each datagram whole, the pair list each client,
//! and a quiet client is forgotten with the reason.

use std::net::{SocketAddr, UdpSocket};

use egui::accesskit::Role;
use egui_kittest::Harness;
use sockscope::App;
use sockscope::session::Direction;

use super::ui_relay::forwarded;
use crate::common::*;

fn udp_socket() -> UdpSocket {
    let socket = UdpSocket::bind("127.0.0.1:0").expect("bind");
    socket.set_read_timeout(Some(DEADLINE)).expect("timeout");
    socket
}

fn receive(socket: &UdpSocket) -> (Vec<u8>, SocketAddr) {
    let mut buffer = [0; 2048];
    let (len, from) = socket.recv_from(&mut buffer).expect("a datagram in time");
    (buffer[..len].to_vec(), from)
}

/// The relay tab carrying UDP toward `upstream`, forgetting clients after `idle_secs`.
pub(super) fn udp_relay(
    harness: &mut Harness<'static, App>,
    upstream: SocketAddr,
    idle_secs: &str,
) -> SocketAddr {
    click(harness, "Relay");
    harness
        .get_by_role_and_label(Role::RadioButton, "UDP")
        .click();
    harness.step();
    harness.step();
    type_field(harness, "Forget a client after", idle_secs);
    start_relay(harness, upstream)
}

#[test]
fn two_clients_datagrams_show_whole_and_quiet_clients_are_forgotten() {
    let mut harness = app_harness();
    let upstream = udp_socket();
    let relay = udp_relay(&mut harness, upstream.local_addr().expect("addr"), "1");
    unfold(&mut harness, "Entries and memory");
    assert!(shows(&harness, "one per datagram"), "no framing over UDP");

    let clients = [udp_socket(), udp_socket()];
    let mut sources = Vec::new();
    for (n, client) in clients.iter().enumerate() {
        // Two datagrams with no line end between them stay two entries.
        for part in ["ab", "cd"] {
            let datagram = format!("{n}:{part}");
            client.send_to(datagram.as_bytes(), relay).expect("send");
            let (got, from) = receive(&upstream);
            assert_eq!(got, datagram.as_bytes());
            upstream.send_to(b"ok", from).expect("answer");
            assert_eq!(receive(client), (b"ok".to_vec(), relay));
            sources.push(from);
        }
    }
    assert_eq!(sources[0], sources[1], "one socket per client");
    assert_ne!(sources[0], sources[2], "a socket each");
    step_until(&mut harness, "both pairs listed", |h| shows(h, "Pairs (2)"));
    step_until(&mut harness, "every datagram logged", |h| {
        forwarded(h).len() == 8
    });
    let up = |text: &str| (Direction::ToUpstream, text.as_bytes().to_vec());
    let down = (Direction::ToClient, b"ok".to_vec());
    let expected = [
        up("0:ab"),
        down.clone(),
        up("0:cd"),
        down.clone(),
        up("1:ab"),
        down.clone(),
        up("1:cd"),
        down,
    ];
    assert_eq!(forwarded(&harness), expected);
    for client in &clients {
        let name = client.local_addr().expect("addr").to_string();
        assert!(harness.query_by_label(&name).is_some(), "{name} listed");
    }

    // A second with no datagram: both forgotten, each with the reason.
    step_until(&mut harness, "both pairs forgotten", |h| {
        shows(h, "Pairs (0)")
    });
    let said = harness
        .query_all_by_label_contains("no datagram either way for 1.0 s")
        .count();
    assert_eq!(said, 2, "said for each pair");
}
