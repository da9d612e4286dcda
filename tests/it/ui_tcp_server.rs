//! Drives the TCP Server tab of the real App with real loopback clients.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

use crate::common::*;
use sockscope::session::{Mode, Status};
use sockscope::tab::TabAction;

fn client(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(DEADLINE)).expect("timeout");
    stream
}

fn read_exactly(stream: &mut TcpStream, len: usize) -> Vec<u8> {
    let mut bytes = vec![0; len];
    stream.read_exact(&mut bytes).expect("read");
    bytes
}

/// Nothing arrives within a short while (used to check a send skipped this client).
fn reads_nothing(stream: &mut TcpStream) -> bool {
    stream
        .set_read_timeout(Some(Duration::from_millis(300)))
        .expect("timeout");
    let mut byte = [0];
    let nothing = matches!(stream.read(&mut byte), Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut));
    stream.set_read_timeout(Some(DEADLINE)).expect("timeout");
    nothing
}

#[test]
fn serves_many_clients_selects_targets_and_disconnects() {
    let mut harness = app_harness();
    let addr = start_server(&mut harness);
    let mut a = client(addr);
    let mut b = client(addr);
    let b_name = b.local_addr().expect("addr").to_string();
    step_until(&mut harness, "two clients listed", |h| {
        shows(h, "Clients (2)")
    });
    assert!(
        harness.query_by_label(&b_name).is_some(),
        "client B is listed by address"
    );

    // GBK text from a client shows decoded, with its address.
    choose_encoding(&mut harness, "GBK");
    a.write_all(NIHAO_GBK).expect("write");
    step_until(&mut harness, "the GBK text", |h| shows(h, "你好，世界"));

    // No selection: Send goes to everyone.
    type_send_box(&mut harness, "hi all");
    click(&mut harness, "Send");
    assert_eq!(read_exactly(&mut a, 6), b"hi all");
    assert_eq!(read_exactly(&mut b, 6), b"hi all");

    // Select B: Send goes to B only.
    click(&mut harness, &b_name);
    assert!(shows(&harness, "Send goes to 1 client selected"));
    type_send_box(&mut harness, "only b");
    click(&mut harness, "Send");
    assert_eq!(read_exactly(&mut b, 6), b"only b");
    assert!(reads_nothing(&mut a), "A was not selected");

    // Disconnect the selected client: B sees end of stream, A stays.
    click(&mut harness, "Disconnect selected");
    let mut rest = Vec::new();
    b.read_to_end(&mut rest).expect("B reads to the end");
    step_until(&mut harness, "one client left", |h| shows(h, "Clients (1)"));

    // A leaves on its own: listed no more, with a log line.
    drop(a);
    step_until(&mut harness, "A gone", |h| shows(h, "Clients (0)"));
    assert!(shows(&harness, "Client disconnected: closed by peer"));
}

#[test]
fn stop_keeps_clients_and_disconnect_all_closes_them() {
    let mut harness = app_harness();
    let addr = start_server(&mut harness);
    let mut a = client(addr);
    step_until(&mut harness, "client listed", |h| shows(h, "Clients (1)"));

    click(&mut harness, "Stop");
    step_until(&mut harness, "not listening", |h| {
        shows(h, "Not listening — 1 client still connected")
    });
    assert!(
        harness.query_by_label("Listen").is_some(),
        "Stop became Listen"
    );
    assert!(
        TcpStream::connect(addr).is_err(),
        "no new clients after Stop"
    );

    // The connected client still talks both ways.
    a.write_all(b"still here").expect("write");
    step_until(&mut harness, "data after Stop", |h| shows(h, "still here"));
    type_send_box(&mut harness, "yes");
    click(&mut harness, "Send");
    assert_eq!(read_exactly(&mut a, 3), b"yes");

    click(&mut harness, "Disconnect all");
    let mut rest = Vec::new();
    a.read_to_end(&mut rest).expect("A reads to the end");
    step_until(&mut harness, "session over", |h| {
        h.state().tab(Mode::TcpServer).session().status == Status::Idle
    });
}

#[test]
fn port_in_use_is_a_clear_message() {
    let holder = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = holder.local_addr().expect("addr").port();
    let mut harness = app_harness();
    click(&mut harness, "TCP Server");
    type_field(&mut harness, "Address", "127.0.0.1");
    type_field(&mut harness, "Port", &port.to_string());
    click(&mut harness, "Listen");
    step_until(&mut harness, "the in-use message", |h| {
        shows(h, "is already in use")
    });
    step_until(&mut harness, "back to Listen", |h| {
        h.query_by_label("Listen").is_some()
    });
}

#[test]
fn address_that_is_not_an_ip_is_refused_beside_the_field() {
    let mut harness = app_harness();
    click(&mut harness, "TCP Server");
    type_field(&mut harness, "Address", "my-laptop");
    click(&mut harness, "Listen");
    assert!(shows(&harness, "'my-laptop' is not an IP address"));
    assert_eq!(
        harness.state().tab(Mode::TcpServer).session().status,
        Status::Idle
    );
}

/// On `::` the server takes IPv4 and IPv6 clients at once (dual stack), shown as users write
/// them; ticking IPv6 only leaves IPv4 clients out.
#[test]
fn on_the_ipv6_wildcard_the_server_takes_both_stacks_unless_told_ipv6_only() {
    if !crate::common_net::ipv6_loopback_available() {
        eprintln!("skipped: no IPv6 loopback here");
        return;
    }
    let mut harness = app_harness();
    click(&mut harness, "TCP Server");
    type_field(&mut harness, "Address", "::");
    type_field(&mut harness, "Port", "0");
    click(&mut harness, "Listen");
    step_until(&mut harness, "listening", |h| listening_port(h).is_some());
    let port = listening_port(&harness).expect("listening");
    let v4 = TcpStream::connect(("127.0.0.1", port)).expect("an IPv4 client");
    let v6 = TcpStream::connect(("::1", port)).expect("an IPv6 client");
    let v4_shown = v4.local_addr().expect("address").to_string();
    let v6_shown = v6.local_addr().expect("address").to_string();
    step_until(&mut harness, "both clients", |h| {
        shows(h, &v4_shown) && shows(h, &v6_shown)
    });
    assert!(shows(&harness, "2 clients"));
    click(&mut harness, "Disconnect all");
    click(&mut harness, "Stop");
    step_until(&mut harness, "stopped", |h| listening_port(h).is_none());

    tick(&mut harness, "IPv6 only");
    click(&mut harness, "Listen");
    step_until(&mut harness, "listening again", |h| {
        listening_port(h).is_some()
    });
    let port = listening_port(&harness).expect("listening");
    assert!(
        TcpStream::connect(("127.0.0.1", port)).is_err(),
        "no IPv4 clients"
    );
    let _v6 = TcpStream::connect(("::1", port)).expect("an IPv6 client");
    step_until(&mut harness, "the IPv6 client", |h| shows(h, "1 client"));
}

/// Listen clicked as the server ends with its last client (the worker has reported its end,
/// and the frame that would notice has not run yet): the click reaches a worker that is gone.
/// It starts a new one instead of being lost. Before, the tab stayed stopped.
#[test]
fn listen_clicked_as_the_server_ends_starts_a_new_one() {
    let mut harness = app_harness();
    start_server(&mut harness);
    harness.state_mut().act(Mode::TcpServer, TabAction::Stop);
    // No frames: the intake applies the worker's end; only a frame would let the tab see it.
    let deadline = std::time::Instant::now() + DEADLINE;
    while harness.state().tab(Mode::TcpServer).session().status != Status::Idle {
        assert!(
            std::time::Instant::now() < deadline,
            "the server did not stop"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    harness.state_mut().act(Mode::TcpServer, TabAction::Start);
    step_until(&mut harness, "listening again", |h| {
        listening_port(h).is_some()
    });
    let port = listening_port(&harness).expect("listening");
    let _client = client(SocketAddr::from(([127, 0, 0, 1], port)));
    step_until(&mut harness, "the client", |h| shows(h, "Clients (1)"));
}
