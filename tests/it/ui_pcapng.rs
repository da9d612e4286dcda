//! `--log FILE.pcapng` during mixed traffic (a TCP server, a UDP socket and a TCP client in
//! one App, GBK text and binary both ways), read back by tshark: each direction of each flow
//! carries exactly the bytes that went that way, between the real peers' addresses. Skipped,
//! saying so, without tshark (`.ci/run` installs it and requires the test).

use std::collections::HashMap;
use std::io::Write;
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::process::Command;

use crate::common::*;
use sockscope::StartOptions;
use sockscope::session::Mode;

/// Whether tshark is here; says so when it is not.
fn tshark_here() -> bool {
    let here = Command::new("tshark")
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success());
    if !here {
        let required = std::env::var_os("SOCKSCOPE_REQUIRE_TSHARK").is_some();
        assert!(!required, "tshark is required here but missing");
        eprintln!("skipped: no tshark here (Debian package tshark)");
    }
    here
}

/// Each flow's bytes, in order, as tshark reads them: (source, destination) → payload.
fn flows_in(path: &std::path::Path) -> HashMap<(SocketAddr, SocketAddr), Vec<u8>> {
    let fields = [
        "ip.src",
        "ipv6.src",
        "tcp.srcport",
        "udp.srcport",
        "ip.dst",
        "ipv6.dst",
        "tcp.dstport",
        "udp.dstport",
        "tcp.payload",
        "udp.payload",
    ];
    let mut command = Command::new("tshark");
    command
        .arg("-r")
        .arg(path)
        .args(["-T", "fields", "-E", "separator=|"]);
    for field in fields {
        command.args(["-e", field]);
    }
    let output = command.output().expect("run tshark");
    assert!(
        output.status.success(),
        "tshark read the file: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut flows: HashMap<(SocketAddr, SocketAddr), Vec<u8>> = HashMap::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let cells: Vec<&str> = line.split('|').collect();
        assert_eq!(cells.len(), fields.len(), "{line}");
        let either = |a: &str, b: &str| {
            if a.is_empty() {
                b.to_owned()
            } else {
                a.to_owned()
            }
        };
        let endpoint = |ip: String, port: String| -> SocketAddr {
            format!(
                "{}:{port}",
                if ip.contains(':') {
                    format!("[{ip}]")
                } else {
                    ip
                }
            )
            .parse()
            .expect("an address")
        };
        let source = endpoint(either(cells[0], cells[1]), either(cells[2], cells[3]));
        let destination = endpoint(either(cells[4], cells[5]), either(cells[6], cells[7]));
        let hex = either(cells[8], cells[9]).replace(':', "");
        let payload: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|at| u8::from_str_radix(&hex[at..at + 2], 16).expect("hex"))
            .collect();
        flows
            .entry((source, destination))
            .or_default()
            .extend(payload);
    }
    flows
}

#[test]
fn a_pcapng_recording_of_mixed_traffic_reads_back_in_tshark_byte_for_byte() {
    if !tshark_here() {
        return;
    }
    let dir = tempfile::tempdir().expect("a directory");
    let path = dir.path().join("mixed.pcapng");
    let mut harness = app_harness_with(StartOptions {
        log: Some(path.clone()),
        ..StartOptions::default()
    });
    let binary: Vec<u8> = (0..=255).collect();
    let mut expected: Vec<((SocketAddr, SocketAddr), Vec<u8>)> = Vec::new();

    // TCP server: a client sends GBK text and every byte value; the tab answers.
    let server = start_server(&mut harness);
    let mut client = TcpStream::connect(server).expect("connect");
    client.set_read_timeout(Some(DEADLINE)).expect("timeout");
    let client_addr = client.local_addr().expect("address");
    client.write_all(NIHAO_GBK).expect("sent");
    client.write_all(&binary).expect("sent");
    let sent = (NIHAO_GBK.len() + binary.len()) as u64;
    step_until(&mut harness, "the client's bytes", |h| {
        rx_bytes(h, Mode::TcpServer) == sent
    });
    type_send_box(&mut harness, "ACK 收到");
    click(&mut harness, "Send");
    let answer = read_exactly(&mut client, 10);
    expected.push(((client_addr, server), [NIHAO_GBK, &binary[..]].concat()));
    expected.push(((server, client_addr), answer));

    // UDP: a peer's binary datagram, and a reply to it.
    let udp = open_udp(&mut harness);
    let peer = UdpSocket::bind("127.0.0.1:0").expect("bind");
    peer.set_read_timeout(Some(DEADLINE)).expect("timeout");
    let peer_addr = peer.local_addr().expect("address");
    peer.send_to(&[0x00, 0xFF, 0x0A, 0x0D], udp).expect("sent");
    step_until(&mut harness, "the datagram", |h| {
        rx_bytes(h, Mode::Udp) == 4
    });
    // No target: the reply goes to the last sender.
    type_field(&mut harness, "Remote host", "");
    type_field(&mut harness, "Remote port", "");
    type_send_box(&mut harness, "pong");
    click(&mut harness, "Send");
    let mut buffer = [0; 64];
    let (n, _) = peer.recv_from(&mut buffer).expect("the reply");
    expected.push(((peer_addr, udp), vec![0x00, 0xFF, 0x0A, 0x0D]));
    expected.push(((udp, peer_addr), buffer[..n].to_vec()));

    // TCP client: a server greets; the tab sends.
    click(&mut harness, "TCP Client");
    let mut far = connected_client(&mut harness);
    let far_addr = far.local_addr().expect("address");
    let near = far.peer_addr().expect("address");
    far.write_all(b"220 ready\r\n").expect("sent");
    step_until(&mut harness, "the greeting", |h| {
        rx_bytes(h, Mode::TcpClient) == 11
    });
    type_send_box(&mut harness, "QUIT");
    click(&mut harness, "Send");
    expected.push(((far_addr, near), b"220 ready\r\n".to_vec()));
    expected.push(((near, far_addr), read_exactly(&mut far, 4)));
    // The peer may read it before the tab took in that it went: only then is it recorded.
    step_until(&mut harness, "the send counted", |h| {
        tx_bytes(h, Mode::TcpClient) == 4
    });

    // The recording is complete once the App is gone.
    drop(harness);
    let flows = flows_in(&path);
    for (flow, bytes) in &expected {
        assert_eq!(flows.get(flow), Some(bytes), "{flow:?}");
    }
    assert_eq!(flows.len(), expected.len(), "no other flows: {flows:?}");
}

#[test]
fn a_relay_recording_has_both_legs_as_two_tcp_conversations() {
    if !tshark_here() {
        return;
    }
    let dir = tempfile::tempdir().expect("a directory");
    let path = dir.path().join("relay.pcapng");
    let mut harness = app_harness_with(StartOptions {
        log: Some(path.clone()),
        ..StartOptions::default()
    });
    let upstream = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let upstream_addr = upstream.local_addr().expect("address");
    let relay = start_relay(&mut harness, upstream_addr);
    let mut client = TcpStream::connect(relay).expect("connect");
    client.set_read_timeout(Some(DEADLINE)).expect("timeout");
    let client_addr = client.local_addr().expect("address");
    let (mut server, relay_end) = upstream.accept().expect("accept");
    server.set_read_timeout(Some(DEADLINE)).expect("timeout");
    // Both legs carry the client's words and the answer; what the tab puts in toward the
    // client crosses the client's leg only.
    let binary: Vec<u8> = (0..=255).collect();
    let request = [NIHAO_GBK, &binary[..]].concat();
    client.write_all(&request).expect("sent");
    assert_eq!(read_exactly(&mut server, request.len()), request);
    server.write_all(b"200 OK\r\n").expect("sent");
    assert_eq!(read_exactly(&mut client, 8), b"200 OK\r\n");
    step_until(&mut harness, "both ways taken in", |h| {
        let counters = &h.state().tab(Mode::Relay).session().counters;
        counters.tx_bytes == request.len() as u64 && counters.rx_bytes == 8
    });
    type_send_box(&mut harness, "PUSH");
    click(&mut harness, "Send");
    assert_eq!(read_exactly(&mut client, 4), b"PUSH");
    step_until(&mut harness, "the push counted", |h| {
        h.state().tab(Mode::Relay).session().counters.rx_bytes == 12
    });

    drop(harness);
    let flows = flows_in(&path);
    let expected = [
        ((client_addr, relay), request.clone()),
        ((relay, client_addr), b"200 OK\r\nPUSH".to_vec()),
        ((relay_end, upstream_addr), request),
        ((upstream_addr, relay_end), b"200 OK\r\n".to_vec()),
    ];
    for (flow, bytes) in &expected {
        assert_eq!(flows.get(flow), Some(bytes), "{flow:?}");
    }
    assert_eq!(flows.len(), expected.len(), "no other flows: {flows:?}");
}

#[test]
fn a_udp_relay_recording_has_both_legs_as_udp_datagrams() {
    if !tshark_here() {
        return;
    }
    let dir = tempfile::tempdir().expect("a directory");
    let path = dir.path().join("relay-udp.pcapng");
    let mut harness = app_harness_with(StartOptions {
        log: Some(path.clone()),
        ..StartOptions::default()
    });
    let upstream = UdpSocket::bind("127.0.0.1:0").expect("bind");
    upstream.set_read_timeout(Some(DEADLINE)).expect("timeout");
    let upstream_addr = upstream.local_addr().expect("address");
    let relay = super::ui_relay_udp::udp_relay(&mut harness, upstream_addr, "60");
    let client = UdpSocket::bind("127.0.0.1:0").expect("bind");
    client.set_read_timeout(Some(DEADLINE)).expect("timeout");
    let client_addr = client.local_addr().expect("address");
    let binary: Vec<u8> = (0..=255).collect();
    let request = [NIHAO_GBK, &binary[..]].concat();
    client.send_to(&request, relay).expect("sent");
    let mut buffer = [0; 2048];
    let (len, relay_end) = upstream.recv_from(&mut buffer).expect("forwarded");
    assert_eq!(&buffer[..len], request);
    upstream.send_to(b"ACK", relay_end).expect("answer");
    assert_eq!(client.recv(&mut buffer).expect("answered"), 3);
    step_until(&mut harness, "both ways taken in", |h| {
        let counters = &h.state().tab(Mode::Relay).session().counters;
        counters.tx_bytes == request.len() as u64 && counters.rx_bytes == 3
    });

    drop(harness);
    let flows = flows_in(&path);
    let expected = [
        ((client_addr, relay), request.clone()),
        ((relay, client_addr), b"ACK".to_vec()),
        ((relay_end, upstream_addr), request),
        ((upstream_addr, relay_end), b"ACK".to_vec()),
    ];
    for (flow, bytes) in &expected {
        assert_eq!(flows.get(flow), Some(bytes), "{flow:?}");
    }
    assert_eq!(flows.len(), expected.len(), "no other flows: {flows:?}");
    // Each datagram one UDP packet: no TCP in this file.
    let tcp = Command::new("tshark")
        .arg("-r")
        .arg(&path)
        .args(["-Y", "tcp"])
        .output()
        .expect("run tshark");
    assert!(
        tcp.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&tcp.stdout)
    );
}
