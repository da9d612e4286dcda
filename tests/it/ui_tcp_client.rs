//! Drives the TCP Client tab of the real App against a real loopback server.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use std::time::Duration;

use crate::common::*;
use sockscope::session::{Mode, Status};

/// A one-connection server: greets in GBK, then forwards everything it reads to the test.
fn gbk_greeting_server() -> (u16, mpsc::Receiver<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("local addr").port();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let Ok((mut stream, _)) = listener.accept() else {
            return;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
        let _ = stream.write_all(NIHAO_GBK);
        let mut buffer = [0; 4096];
        while let Ok(n @ 1..) = stream.read(&mut buffer) {
            if tx.send(buffer[..n].to_vec()).is_err() {
                return;
            }
        }
    });
    (port, rx)
}

#[test]
fn connects_receives_gbk_and_sends_text() {
    let (port, received) = gbk_greeting_server();
    let mut harness = app_harness();
    click(&mut harness, "TCP Client");
    type_field(&mut harness, "Host", "127.0.0.1");
    type_field(&mut harness, "Port", &port.to_string());
    choose_encoding(&mut harness, "GBK");
    click(&mut harness, "Connect");

    step_until(&mut harness, "the GBK greeting in the log", |h| {
        shows(h, "你好，世界")
    });
    assert!(
        harness.query_by_label("Disconnect").is_some(),
        "Connect became Disconnect"
    );
    let status = harness
        .state()
        .tab(Mode::TcpClient)
        .session()
        .status
        .clone();
    let Status::Connected { local, peer } = status else {
        panic!("not connected: {status:?}")
    };
    assert_eq!(peer.port(), port);
    assert!(
        shows(&harness, &format!("local {local}")),
        "the local address is shown"
    );

    // The send box has focus once connected: typing goes straight into it.
    type_send_box(&mut harness, "hello 世界");
    click(&mut harness, "Send");
    let bytes = received
        .recv_timeout(DEADLINE)
        .expect("the server got data");
    let mut expected = b"hello ".to_vec();
    expected.extend([0xCA, 0xC0, 0xBD, 0xE7]); // 世界 in GBK
    assert_eq!(bytes, expected);
    step_until(&mut harness, "TX counted", |h| {
        h.state().tab(Mode::TcpClient).session().counters.tx_bytes == expected.len() as u64
    });

    // The same history switches to hex.
    click(&mut harness, "Hex");
    step_until(&mut harness, "hex of the greeting", |h| {
        shows(h, "C4 E3 BA C3")
    });

    click(&mut harness, "Disconnect");
    step_until(&mut harness, "back to Connect", |h| {
        h.query_by_label("Connect").is_some()
    });
}

#[test]
fn invalid_hex_shows_where_and_sends_nothing() {
    let (port, received) = gbk_greeting_server();
    let mut harness = app_harness();
    type_field(&mut harness, "Port", &port.to_string());
    click(&mut harness, "Connect");
    step_until(&mut harness, "connected", |h| shows(h, "Connected — local"));

    click(&mut harness, "Hex input");
    // The box keeps keyboard focus across the switch: typing goes straight in.
    assert!(
        harness
            .get_by_role_and_label(egui::accesskit::Role::MultilineTextInput, "Send data")
            .is_focused()
    );
    type_send_box(&mut harness, "48 65 6G");
    click(&mut harness, "Send");
    step_until(&mut harness, "the hex error", |h| {
        shows(h, "invalid hex digit 'G' at line 1, column 8")
    });
    assert_eq!(
        harness
            .state()
            .tab(Mode::TcpClient)
            .session()
            .counters
            .tx_bytes,
        0
    );
    assert!(
        received.recv_timeout(Duration::from_millis(300)).is_err(),
        "nothing was sent"
    );

    // Fixing it sends exactly those bytes.
    type_send_box(&mut harness, "48 65 6c 6C 6f");
    click(&mut harness, "Send");
    assert_eq!(received.recv_timeout(DEADLINE).expect("sent"), b"Hello");
}

#[test]
fn refused_connection_is_a_visible_state() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let mut harness = app_harness();
    type_field(&mut harness, "Port", &port.to_string());
    click(&mut harness, "Connect");
    step_until(&mut harness, "the refusal", |h| {
        shows(h, "connection refused")
    });
    step_until(&mut harness, "back to Connect", |h| {
        h.query_by_label("Connect").is_some()
    });
}

#[test]
fn bad_port_is_reported_beside_the_field() {
    let mut harness = app_harness();
    type_field(&mut harness, "Port", "99999");
    click(&mut harness, "Connect");
    assert!(shows(&harness, "'99999' is not a port"));
    assert_eq!(
        harness.state().tab(Mode::TcpClient).session().status,
        Status::Idle
    );
}

#[test]
fn connects_to_an_ipv6_host_typed_in_brackets() {
    let Ok(listener) = TcpListener::bind("[::1]:0") else {
        eprintln!("skipped: this machine has no IPv6 loopback");
        return;
    };
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        if let Ok((mut stream, _)) = listener.accept() {
            let _ = stream.write_all(b"over IPv6");
            let _ = stream.read(&mut [0; 1]);
        }
    });
    let mut harness = app_harness();
    type_field(&mut harness, "Host", "[::1]");
    type_field(&mut harness, "Port", &port.to_string());
    click(&mut harness, "Connect");
    step_until(&mut harness, "IPv6 data", |h| shows(h, "over IPv6"));
    assert!(shows(&harness, &format!("peer [::1]:{port}")));
}

#[test]
fn an_unresolvable_host_is_a_visible_state() {
    // A label over 63 characters: glibc rejects it without sending any DNS query, so this
    // test never talks to the machine's (non-loopback) resolver.
    let host = format!("{}.invalid", "a".repeat(64));
    let mut harness = app_harness();
    type_field(&mut harness, "Host", &host);
    type_field(&mut harness, "Port", "80");
    click(&mut harness, "Connect");
    step_until(&mut harness, "the DNS failure", |h| {
        shows(h, "Connect failed: cannot resolve host")
    });
    step_until(&mut harness, "back to Connect", |h| {
        h.query_by_label("Connect").is_some()
    });
}

/// A connection that comes up while the user types in another field leaves the keystrokes
/// there: the send box takes focus on connect only when nothing else has it. The listener's
/// queue is held full, so the kernel drops the app's SYN and the connection waits until the
/// test makes room, after typing has begun in the filter.
#[cfg(target_os = "linux")]
#[test]
fn a_connection_coming_up_leaves_keystrokes_in_the_field_being_typed_in() {
    use socket2::{Domain, Socket, Type};
    let listener = Socket::new(Domain::IPV4, Type::STREAM, None).expect("socket");
    let any: std::net::SocketAddr = "127.0.0.1:0".parse().expect("address");
    listener.bind(&any.into()).expect("bind");
    listener.listen(0).expect("listen");
    let address = listener
        .local_addr()
        .ok()
        .and_then(|address| address.as_socket())
        .expect("local address");
    // Connections the test makes until one finds the queue full.
    let mut fillers = Vec::new();
    while let Ok(filler) =
        std::net::TcpStream::connect_timeout(&address, Duration::from_millis(300))
    {
        fillers.push(filler);
        assert!(fillers.len() < 16, "the accept queue never filled");
    }

    let mut harness = app_harness();
    type_field(&mut harness, "Port", &address.port().to_string());
    click(&mut harness, "Connect");
    let filter = harness.get_by_role_and_label(egui::accesskit::Role::TextInput, "Filter");
    filter.focus();
    filter.type_text("ab");
    harness.step();
    // Room in the queue: the app's next SYN gets through.
    let _accepted = listener.accept().expect("accept a filler");
    step_until(&mut harness, "connected", |h| {
        h.state().tab(Mode::TcpClient).can_send()
    });
    harness.event(egui::Event::Text("cd".to_owned()));
    harness.step();
    let tab = harness.state().tab(Mode::TcpClient);
    assert_eq!(tab.settings().filter.pattern, "abcd");
    assert_eq!(tab.settings().send_text, "");
}

/// Connect options from the window: a chosen local port, reconnecting to a server that
/// restarts, and a greeting sent on each connection.
#[test]
fn connect_options_bind_a_local_port_reconnect_and_greet_each_connection() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let server = listener.local_addr().expect("address");
    let local_port = TcpListener::bind("127.0.0.1:0")
        .and_then(|free| free.local_addr())
        .expect("a free port")
        .port();
    let mut harness = app_harness();
    type_field(&mut harness, "Port", &server.port().to_string());
    unfold(&mut harness, "Connect options");
    type_field(&mut harness, "Local port", &local_port.to_string());
    tick(&mut harness, "Reconnect");
    harness.get_by_label("every").set_value_accesskit(0.2);
    harness.step();
    type_field(&mut harness, "Send on connect", "HELLO\\r\\n");
    click(&mut harness, "Connect");

    let greeted = |listener: &TcpListener| {
        let (mut peer, from) = listener.accept().expect("accept");
        assert_eq!(from.port(), local_port, "from the chosen local port");
        peer.set_read_timeout(Some(DEADLINE)).expect("timeout");
        let mut greeting = [0; 7];
        peer.read_exact(&mut greeting).expect("the greeting");
        assert_eq!(&greeting, b"HELLO\r\n");
        peer
    };
    let peer = greeted(&listener);
    step_until(&mut harness, "connected", |h| {
        shows(h, &format!("Connected — local 127.0.0.1:{local_port}"))
    });
    // The server goes away; the tab says it will try again, and waits.
    drop(peer);
    drop(listener);
    step_until(&mut harness, "reconnecting", |h| {
        shows(h, "reconnecting in 0.2 s (attempt 1)")
    });
    let listener = TcpListener::bind(server).expect("the server restarts on its port");
    let _peer = greeted(&listener);
    step_until(&mut harness, "connected again", |h| {
        shows(h, &format!("Connected — local 127.0.0.1:{local_port}"))
    });
    // Disconnect stops it for good.
    click(&mut harness, "Disconnect");
    step_until(&mut harness, "disconnected", |h| {
        h.state().tab(Mode::TcpClient).session().status == Status::Idle
    });
}
