//! UDP broadcast from the real window, in a network namespace of the test's own (see
//! `common_net::netns`): never on the machine's network.

use std::net::{Ipv4Addr, SocketAddr, UdpSocket};

use egui_kittest::Harness;
use sockscope::App;
use sockscope::session::{Mode, Status};

use crate::common::*;
use crate::common_net::netns;

/// The UDP tab open on 0.0.0.0 (broadcasts reach only sockets bound to a wildcard address),
/// sending to `to`; its port.
fn open_wildcard_udp(harness: &mut Harness<'static, App>, to: SocketAddr) -> u16 {
    click(harness, "UDP");
    type_field(harness, "Address", "0.0.0.0");
    type_field(harness, "Port", "0");
    type_field(harness, "Remote host", &to.ip().to_string());
    type_field(harness, "Remote port", &to.port().to_string());
    click(harness, "Open");
    let open = |h: &Harness<'_, App>| match h.state().tab(Mode::Udp).session().status {
        Status::Open { local } => Some(local.port()),
        _ => None,
    };
    step_until(harness, "open", |h| open(h).is_some());
    open(harness).expect("open")
}

#[test]
fn a_broadcast_goes_out_with_the_switch_on_and_broadcasts_come_in() {
    netns::run_isolated("broadcast", |lab| {
        let listener = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0)).expect("bind");
        listener.set_read_timeout(Some(DEADLINE)).expect("timeout");
        let listening = listener.local_addr().expect("address").port();
        let to = SocketAddr::from((lab.broadcast, listening));
        let mut harness = app_harness();
        let port = open_wildcard_udp(&mut harness, to);

        // Off (the default): the OS refuses, and the log says what to do.
        type_send_box(&mut harness, "HELLO ALL");
        click(&mut harness, "Send");
        step_until(&mut harness, "the refusal", |h| {
            shows(h, "is a broadcast address: turn Broadcast on to send to it")
        });

        // On, while the socket is open: the listener on the subnet gets it.
        tick(&mut harness, "Broadcast");
        type_send_box(&mut harness, "HELLO ALL");
        click(&mut harness, "Send");
        let mut buffer = [0; 64];
        let (n, from) = listener.recv_from(&mut buffer).expect("the broadcast");
        assert_eq!(&buffer[..n], b"HELLO ALL");
        assert_eq!(from.port(), port, "from the tab's socket");

        // A device announcing itself by broadcast reaches the tab.
        let device = UdpSocket::bind((lab.b, 0)).expect("bind");
        device.set_broadcast(true).expect("SO_BROADCAST");
        device
            .send_to(b"DEVICE 42 HERE", (lab.broadcast, port))
            .expect("broadcast");
        step_until(&mut harness, "the announcement", |h| {
            shows(h, "DEVICE 42 HERE")
        });
        let marked = format!(" -> {}", lab.broadcast);
        assert!(shows(&harness, &marked), "marked as a broadcast: {marked}");
    });
}
