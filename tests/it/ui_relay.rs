//! Drives the Relay tab of the real App: a client and its upstream, both plain loopback
//! sockets, talk through it; the log shows both sides, the pair list shows the pair.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};

use egui_kittest::Harness;
use sockscope::App;
use sockscope::net::Toward;
use sockscope::session::{Direction, Mode, Status};

use crate::common::*;

fn with_timeout(stream: TcpStream) -> TcpStream {
    stream.set_read_timeout(Some(DEADLINE)).expect("timeout");
    stream
}

/// The App with its relay listening toward a fresh upstream.
fn relay_app() -> (Harness<'static, App>, TcpListener, std::net::SocketAddr) {
    let mut harness = app_harness();
    let upstream = TcpListener::bind("127.0.0.1:0").expect("bind");
    let relay = start_relay(&mut harness, upstream.local_addr().expect("addr"));
    (harness, upstream, relay)
}

/// A client connected through the relay at `relay`, and the upstream's side of its pair.
fn open_pair(upstream: &TcpListener, relay: std::net::SocketAddr) -> (TcpStream, TcpStream) {
    let client = with_timeout(TcpStream::connect(relay).expect("connect"));
    let (server, _) = upstream.accept().expect("the relay connects on");
    (client, with_timeout(server))
}

/// The data entries of the relay's log, each way and its bytes, in order.
pub(super) fn forwarded(harness: &Harness<'_, App>) -> Vec<(Direction, Vec<u8>)> {
    let session = harness.state().tab(Mode::Relay).session();
    session
        .log
        .iter()
        .filter(|entry| entry.tag.is_data())
        .map(|entry| (entry.direction(), entry.bytes().to_vec()))
        .collect()
}

#[test]
fn both_sides_show_in_one_log_and_the_pair_closes_from_the_list() {
    let (mut harness, upstream, relay) = relay_app();
    let (mut client, mut server) = open_pair(&upstream, relay);
    let client_name = client.local_addr().expect("addr").to_string();
    step_until(&mut harness, "the pair listed", |h| {
        shows(h, "Pairs (1)") && h.query_by_label(&client_name).is_some()
    });

    // The device speaks GBK: each side's words show decoded, marked with their way.
    choose_encoding(&mut harness, "GBK");
    client.write_all(NIHAO_GBK).expect("client writes");
    let mut at_server = vec![0; NIHAO_GBK.len()];
    server.read_exact(&mut at_server).expect("forwarded");
    assert_eq!(at_server, NIHAO_GBK, "byte for byte to the upstream");
    server.write_all(b"OK\r\n").expect("server answers");
    let mut at_client = [0; 4];
    client.read_exact(&mut at_client).expect("forwarded back");
    assert_eq!(&at_client, b"OK\r\n");
    step_until(&mut harness, "both ways logged", |h| {
        forwarded(h).len() == 2
    });
    assert_eq!(
        forwarded(&harness),
        [
            (Direction::ToUpstream, NIHAO_GBK.to_vec()),
            (Direction::ToClient, b"OK\r\n".to_vec())
        ]
    );
    assert!(shows(&harness, "你好，世界"), "decoded in GBK");
    assert!(shows(&harness, "C->U") && shows(&harness, "U->C"));
    let counted = {
        let counters = &harness.state().tab(Mode::Relay).session().counters;
        (counters.tx_bytes, counters.rx_bytes)
    };
    assert_eq!(
        counted,
        (10, 4),
        "the client's words sent on, the answer received"
    );

    // The filter by way: only the upstream's answers.
    tick(&mut harness, "C->U");
    step_until(&mut harness, "the client's words filtered out", |h| {
        !shows(h, "你好，世界")
    });
    tick(&mut harness, "C->U");

    // Close all: both sides see their connection end.
    click(&mut harness, "Close all");
    let mut rest = Vec::new();
    assert_eq!(client.read_to_end(&mut rest).expect("end"), 0);
    assert_eq!(server.read_to_end(&mut rest).expect("end"), 0);
    step_until(&mut harness, "the pair gone", |h| shows(h, "Pairs (0)"));
    assert!(shows(&harness, "Pair closed: closed by user"));
}

#[test]
fn a_half_close_goes_through_and_the_pair_ends_when_both_are_done() {
    let (mut harness, upstream, relay) = relay_app();
    let (mut client, mut server) = open_pair(&upstream, relay);
    client.write_all(b"request").expect("write");
    client.shutdown(Shutdown::Write).expect("half-close");
    let mut request = Vec::new();
    server
        .read_to_end(&mut request)
        .expect("the FIN came through");
    assert_eq!(request, b"request");
    step_until(&mut harness, "the half-close said", |h| {
        shows(
            h,
            "The client finished sending; passed on to the upstream (FIN)",
        )
    });
    // The upstream still answers after the client's FIN, then finishes too.
    server.write_all(b"answer").expect("write");
    server.shutdown(Shutdown::Write).expect("half-close");
    let mut answer = Vec::new();
    client
        .read_to_end(&mut answer)
        .expect("the answer, then the end");
    assert_eq!(answer, b"answer");
    step_until(&mut harness, "the pair over", |h| {
        shows(h, "Pair closed: both sides finished")
    });
}

#[test]
fn an_upstream_that_refuses_closes_its_client_with_the_reason() {
    let mut harness = app_harness();
    // A port nothing listens on.
    let gone = TcpListener::bind("127.0.0.1:0").expect("bind");
    let upstream = gone.local_addr().expect("addr");
    drop(gone);
    let relay = start_relay(&mut harness, upstream);
    let mut client = with_timeout(TcpStream::connect(relay).expect("connect"));
    let mut rest = Vec::new();
    let ended = client.read_to_end(&mut rest);
    assert!(
        matches!(ended, Ok(0)),
        "the client's connection ends: {ended:?}"
    );
    let said = format!("upstream 127.0.0.1:{}: connection refused", upstream.port());
    step_until(&mut harness, "the refusal said", |h| shows(h, &said));
}

#[test]
fn bad_upstream_fields_are_said_beside_them_and_nothing_starts() {
    let mut harness = app_harness();
    click(&mut harness, "Relay");
    type_field(&mut harness, "Port", "0");
    type_field(&mut harness, "Upstream port", "99999");
    click(&mut harness, "Listen");
    harness.run();
    assert!(shows(&harness, "'99999' is not a port: use 0-65535"));
    assert_eq!(
        harness.state().tab(Mode::Relay).session().status,
        Status::Idle,
        "nothing started"
    );
}

#[test]
fn the_send_box_puts_bytes_into_a_pair_either_way() {
    let (mut harness, upstream, relay) = relay_app();
    let (mut client, mut server) = open_pair(&upstream, relay);
    step_until(&mut harness, "the pair up", |h| {
        h.state().tab(Mode::Relay).can_send()
    });

    // Toward the client, as if the upstream had said it (the default).
    type_send_box(&mut harness, "from the middle");
    click(&mut harness, "Send");
    let mut at_client = [0; 15];
    client.read_exact(&mut at_client).expect("injected");
    assert_eq!(&at_client, b"from the middle");

    // Toward the upstream, as if the client had said it.
    choose(&mut harness, "Into the pairs", "toward the upstream");
    type_send_box(&mut harness, "PING");
    click(&mut harness, "Send");
    let mut at_server = [0; 4];
    server.read_exact(&mut at_server).expect("injected");
    assert_eq!(&at_server, b"PING");

    step_until(&mut harness, "both logged as put in", |h| {
        shows(h, "TX>C") && shows(h, "TX>U")
    });
    assert_eq!(
        forwarded(&harness),
        [
            (Direction::ToClient, b"from the middle".to_vec()),
            (Direction::ToUpstream, b"PING".to_vec())
        ],
        "each way's entry, marked as put in by its label"
    );
    // The pair goes on forwarding after it.
    client.write_all(b"still here").expect("write");
    let mut rest = [0; 10];
    server.read_exact(&mut rest).expect("forwarded");
    assert_eq!(&rest, b"still here");
}

/// Nothing arrives at `peer` for a short while (what is held stays held).
fn reads_nothing(peer: &mut TcpStream) -> bool {
    peer.set_read_timeout(Some(std::time::Duration::from_millis(300)))
        .expect("timeout");
    let nothing = matches!(
        peer.read(&mut [0; 64]),
        Err(error) if matches!(error.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut)
    );
    peer.set_read_timeout(Some(DEADLINE)).expect("timeout");
    nothing
}

fn held_reads(harness: &Harness<'_, App>, toward: Toward) -> usize {
    harness
        .state()
        .tab(Mode::Relay)
        .session()
        .held(toward)
        .reads
}

#[test]
fn a_held_way_waits_steps_one_read_on_and_lets_go() {
    let (mut harness, upstream, relay) = relay_app();
    let (mut client, mut server) = open_pair(&upstream, relay);
    step_until(&mut harness, "the pair up", |h| {
        h.state().tab(Mode::Relay).can_send()
    });

    click(&mut harness, "Hold C->U");
    step_until(&mut harness, "holding said", |h| {
        h.state()
            .tab(Mode::Relay)
            .session()
            .held(Toward::Upstream)
            .holding
    });
    for (n, line) in ["one\n", "two\n"].into_iter().enumerate() {
        client.write_all(line.as_bytes()).expect("write");
        step_until(&mut harness, "the read held", |h| {
            held_reads(h, Toward::Upstream) == n + 1
        });
    }
    assert!(
        reads_nothing(&mut server),
        "held: nothing reached the upstream"
    );
    assert!(shows(&harness, "2 waiting (8 B)"));
    // The other way still flows.
    server.write_all(b"ok\n").expect("write");
    let mut answer = [0; 3];
    client.read_exact(&mut answer).expect("U->C not held");
    assert_eq!(&answer, b"ok\n");

    click(&mut harness, "Step C->U");
    let mut first = [0; 4];
    server.read_exact(&mut first).expect("one read let go");
    assert_eq!(&first, b"one\n");
    assert!(reads_nothing(&mut server), "only one");
    step_until(&mut harness, "one left", |h| {
        held_reads(h, Toward::Upstream) == 1
    });

    click(&mut harness, "Let go C->U");
    let mut second = [0; 4];
    server.read_exact(&mut second).expect("the rest let go");
    assert_eq!(&second, b"two\n");
    step_until(&mut harness, "flowing again", |h| {
        !h.state()
            .tab(Mode::Relay)
            .session()
            .held(Toward::Upstream)
            .holding
    });
    client.write_all(b"three\n").expect("write");
    let mut third = [0; 6];
    server.read_exact(&mut third).expect("not held any more");
    assert_eq!(&third, b"three\n");
    assert!(shows(
        &harness,
        "Let go: what the clients send (C->U) flows again"
    ));
}

/// Types `text` into the field labelled `label` for the first way listed (C->U).
fn type_fault(harness: &mut Harness<'static, App>, label: &str, text: &str) {
    let role = egui::accesskit::Role::TextInput;
    let first = |h: &Harness<'static, App>| {
        let found = h.query_all_by_role_and_label(role, label).next();
        found.expect("the C->U field").focus();
    };
    first(harness);
    harness.step();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.key_press(egui::Key::Backspace);
    harness.step();
    let found = harness.query_all_by_role_and_label(role, label).next();
    found.expect("the C->U field").type_text(text);
    harness.step();
    harness.step();
}

#[test]
fn a_fault_typed_in_cuts_a_pair_and_a_bad_one_is_said_beside_it() {
    let (mut harness, upstream, relay) = relay_app();
    unfold(&mut harness, "Faults");
    type_fault(&mut harness, "Cut after", "many");
    assert!(shows(&harness, "Cut after: a number of bytes"));
    type_fault(&mut harness, "Cut after", "5");
    assert!(!shows(&harness, "Cut after: a number of bytes"));

    let (mut client, mut server) = open_pair(&upstream, relay);
    client.write_all(b"0123456789").expect("write");
    let mut got = Vec::new();
    let _ = server.read_to_end(&mut got);
    assert_eq!(got, b"01234", "exactly five bytes went through");
    step_until(&mut harness, "the cut said", |h| {
        shows(
            h,
            "Pair closed: cut after 5 bytes toward the upstream (a fault asked for)",
        )
    });
}

#[test]
fn a_rewrite_rule_typed_in_changes_what_the_upstream_gets() {
    let (mut harness, upstream, relay) = relay_app();
    unfold(&mut harness, "Rewrite");
    click(&mut harness, "Add rule");
    type_field(&mut harness, "1. this", "temp=");
    type_field(&mut harness, "1. with", "t=");
    let (mut client, mut server) = open_pair(&upstream, relay);
    client.write_all(b"temp=21\n").expect("write");
    let mut got = [0; 5];
    server.read_exact(&mut got).expect("rewritten");
    assert_eq!(&got, b"t=21\n");
    step_until(&mut harness, "both logged", |h| forwarded(h).len() == 2);
    assert_eq!(
        forwarded(&harness),
        [
            (Direction::ToUpstream, b"temp=21\n".to_vec()),
            (Direction::ToUpstream, b"t=21\n".to_vec())
        ],
        "what the client said, then what the upstream got instead"
    );
    assert!(shows(&harness, "TX>U"));
    // A rule that cannot be read is said beside it.
    type_field(&mut harness, "1. this", "\\xZZ");
    step_until(&mut harness, "the bad rule said", |h| shows(h, "Rule 1"));
}

#[test]
fn a_regex_rewrite_rule_in_gbk_moves_its_captures_into_the_replacement() {
    let (mut harness, upstream, relay) = relay_app();
    choose_encoding(&mut harness, "GBK");
    unfold(&mut harness, "Rewrite");
    click(&mut harness, "Add rule");
    choose(&mut harness, "when the read", "matches regex");
    type_field(&mut harness, "1. this", r"温度=(\d+)");
    type_field(&mut harness, "1. with", "温度=-$1");
    let (mut client, mut server) = open_pair(&upstream, relay);
    let gbk = |text: &str| encoding_rs::GBK.encode(text).0.into_owned();
    client.write_all(&gbk("温度=21\r\n")).expect("write");
    let expected = gbk("温度=-21\r\n");
    let mut got = vec![0; expected.len()];
    server.read_exact(&mut got).expect("rewritten");
    assert_eq!(got, expected, "the capture in the replacement, in GBK");
    step_until(&mut harness, "both logged", |h| forwarded(h).len() == 2);
    assert!(shows(&harness, "温度=-21"), "the replacement shown decoded");
}

#[test]
fn the_relay_settings_are_not_sent_to_other_tabs_workers() {
    let mut harness = app_harness();
    let _peer = connected_client(&mut harness);
    // A new encoding reads the relay's rules again, in the relay tab only.
    choose_encoding(&mut harness, "GBK");
    for _ in 0..10 {
        harness.step();
    }
    let session = harness.state().tab(Mode::TcpClient).session();
    let errors: Vec<String> = session
        .log
        .iter()
        .filter(|entry| entry.direction() == Direction::Error)
        .filter_map(|entry| entry.message().map(str::to_owned))
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
}
