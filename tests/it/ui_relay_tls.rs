//! Drives the Relay tab of the real App with TLS on each side against OpenSSL: a plain client
//! through the relay to `openssl s_server` (TLS to the upstream, no verification), and
//! `openssl s_client` served TLS by the relay toward a plain upstream. The log reads the
//! plaintext both times. Skipped, saying so, without openssl (CI requires it).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};

use egui::accesskit::Role;
use egui_kittest::Harness;
use sockscope::App;
use sockscope::session::Direction;

use super::net_relay_peers::{Peer, fingerprint, here, rsa_certificate, s_server};
use super::ui_relay::forwarded;
use crate::common::*;

/// The bytes the relay's log shows going one way, read after read.
fn went(harness: &Harness<'_, App>, way: Direction) -> Vec<u8> {
    let data = forwarded(harness).into_iter();
    data.filter(|(direction, _)| *direction == way)
        .flat_map(|(_, bytes)| bytes)
        .collect()
}

/// The relay tab's TLS section open, and the switch `label` ticked.
fn tls_on(harness: &mut Harness<'static, App>, label: &str) {
    click(harness, "Relay");
    unfold(harness, "TLS");
    tick(harness, label);
}

#[test]
fn a_plain_client_reaches_openssl_s_server_through_tls_the_relay_speaks() {
    const TEST: &str = "a_plain_client_reaches_openssl_s_server_through_tls_the_relay_speaks";
    if !here(TEST, ["openssl", "version"], "openssl") {
        return;
    }
    let dir = tempfile::tempdir().expect("a directory");
    rsa_certificate(dir.path());
    let (mut server, upstream) = s_server(dir.path());

    let mut harness = app_harness();
    tls_on(&mut harness, "TLS to the upstream");
    harness
        .get_by_role_and_label(Role::RadioButton, "None (insecure)")
        .click();
    harness.step();
    let relay = start_relay(&mut harness, upstream);
    let mut client = TcpStream::connect(relay).expect("connect");
    client.set_read_timeout(Some(DEADLINE)).expect("timeout");
    client.write_all(b"HELLO DEVICE\n").expect("write");
    server.line("the client's line, decrypted", |line| {
        line == "HELLO DEVICE"
    });
    server.type_line("WELCOME");
    let mut answer = [0; 8];
    client.read_exact(&mut answer).expect("the answer");
    assert_eq!(&answer, b"WELCOME\n");
    // OpenSSL may write a line in two records: the log has what each read brought.
    step_until(&mut harness, "both ways logged in the clear", |h| {
        went(h, Direction::ToClient) == b"WELCOME\n"
    });
    assert_eq!(went(&harness, Direction::ToUpstream), b"HELLO DEVICE\n");
    assert!(
        shows(&harness, "Upstream TLS: TLS 1.3 with"),
        "the handshake said"
    );
}

#[test]
fn openssl_s_client_is_served_tls_by_the_relay_with_a_certificate_made_on_the_spot() {
    const TEST: &str =
        "openssl_s_client_is_served_tls_by_the_relay_with_a_certificate_made_on_the_spot";
    if !here(TEST, ["openssl", "version"], "openssl") {
        return;
    }
    let upstream = TcpListener::bind("127.0.0.1:0").expect("bind");
    let mut harness = app_harness();
    tls_on(&mut harness, "TLS with clients");
    let relay = start_relay(&mut harness, upstream.local_addr().expect("addr"));
    step_until(&mut harness, "the certificate said", |h| {
        shows(h, "SHA-256")
    });

    let connect = relay.to_string();
    let mut client = Peer::start("openssl", &["s_client", "-connect", &connect, "-quiet"]);
    let (mut server, _) = upstream.accept().expect("the relay connects on");
    server.set_read_timeout(Some(DEADLINE)).expect("timeout");
    client.type_line("READ 40001");
    let mut request = [0; 11];
    server
        .read_exact(&mut request)
        .expect("the request, decrypted");
    assert_eq!(&request, b"READ 40001\n");
    server.write_all(b"VALUE 17\n").expect("answer");
    client.line("the answer, through TLS", |line| line == "VALUE 17");
    step_until(&mut harness, "both ways logged in the clear", |h| {
        went(h, Direction::ToClient) == b"VALUE 17\n"
    });
    assert_eq!(went(&harness, Direction::ToUpstream), b"READ 40001\n");
}

#[test]
fn a_relay_preset_pins_its_upstream_and_reaches_openssl_s_server() {
    const TEST: &str = "a_relay_preset_pins_its_upstream_and_reaches_openssl_s_server";
    if !here(TEST, ["openssl", "version"], "openssl") {
        return;
    }
    let dir = tempfile::tempdir().expect("a directory");
    rsa_certificate(dir.path());
    let (server, upstream) = s_server(dir.path());
    let pin = format!("{}", fingerprint(dir.path()));
    let args = [
        "sockscope".to_owned(),
        "--relay".to_owned(),
        "127.0.0.1:0".to_owned(),
        "--upstream".to_owned(),
        upstream.to_string(),
        "--upstream-tls".to_owned(),
        pin,
    ];
    let cli = <sockscope::cli::Cli as clap::Parser>::try_parse_from(args).expect("parsed");
    let mut harness = app_harness_with(cli.into());
    step_until(&mut harness, "the relay listening", |h| {
        relay_port(h).is_some()
    });
    let relay = std::net::SocketAddr::from(([127, 0, 0, 1], relay_port(&harness).expect("port")));
    let mut client = TcpStream::connect(relay).expect("connect");
    client.write_all(b"STATUS?\n").expect("write");
    server.line("the client's line, decrypted", |line| line == "STATUS?");
    step_until(&mut harness, "the upstream's handshake said", |h| {
        shows(h, "Upstream TLS: TLS 1.3 with")
    });
}
