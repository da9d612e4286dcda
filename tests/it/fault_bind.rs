//! Addresses the OS refuses, in the real window: each is a clear message in the log and the
//! status line, and the tab opens once given one it can have. (Port in use for the TCP server
//! is in `ui_tcp_server`; the workers' own cases in `net_*`.)

use std::net::{Ipv4Addr, TcpListener, UdpSocket};

use crate::common::*;
use sockscope::session::{Mode, Status};

fn udp_status(harness: &egui_kittest::Harness<'_, sockscope::App>) -> Status {
    harness.state().tab(Mode::Udp).session().status.clone()
}

/// Opens the UDP tab on `address`:`port` and waits for it to end or open.
fn try_udp(harness: &mut egui_kittest::Harness<'static, sockscope::App>, address: &str, port: u16) {
    type_field(harness, "Address", address);
    type_field(harness, "Port", &port.to_string());
    click(harness, "Open");
    step_until(harness, "opened or refused", |h| {
        !matches!(udp_status(h), Status::Starting)
    });
}

#[test]
fn udp_port_in_use_and_an_address_not_here_are_clear_and_the_tab_opens_after() {
    let mut harness = app_harness();
    click(&mut harness, "UDP");
    let taken = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
    let port = taken.local_addr().expect("address").port();
    try_udp(&mut harness, "127.0.0.1", port);
    step_until(&mut harness, "port in use said", |h| {
        shows(h, &format!("address 127.0.0.1:{port} is already in use"))
    });
    assert_eq!(udp_status(&harness), Status::Idle);

    // TEST-NET-1: never on a machine; the bind fails before any packet.
    try_udp(&mut harness, "192.0.2.1", 0);
    step_until(&mut harness, "address not available said", |h| {
        shows(h, "address 192.0.2.1:0 is not available on this machine")
    });
    assert_eq!(udp_status(&harness), Status::Idle);

    let local = open_udp(&mut harness);
    assert!(local.ip().is_loopback() && local.port() != 0);
}

#[test]
fn a_privileged_port_is_a_clear_message_when_unprivileged() {
    // Whether this process may bind port 80 (root, CAP_NET_BIND_SERVICE or a lowered
    // ip_unprivileged_port_start allow it).
    match TcpListener::bind((Ipv4Addr::LOCALHOST, 80)) {
        Err(error) if error.kind() == std::io::ErrorKind::PermissionDenied => {}
        Ok(_) => {
            eprintln!("skipped: this process may bind port 80 (running as root?)");
            return;
        }
        Err(error) => {
            eprintln!("skipped: binding port 80 fails for another reason: {error}");
            return;
        }
    }
    let mut harness = app_harness();
    click(&mut harness, "TCP Server");
    type_field(&mut harness, "Address", "127.0.0.1");
    type_field(&mut harness, "Port", "80");
    click(&mut harness, "Listen");
    step_until(&mut harness, "permission denied said", |h| {
        shows(
            h,
            "permission denied for 127.0.0.1:80 (ports below 1024 need privileges)",
        )
    });
    start_server(&mut harness);
}
