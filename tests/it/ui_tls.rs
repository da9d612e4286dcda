//! TLS from the TCP tabs of the real App: the client tab against a TLS server worker, pinned
//! (after a pin typed wrong is explained beside the field), and the server tab serving a TLS
//! client worker with a certificate it made on the spot.

use std::net::SocketAddr;
use std::time::Duration;

use egui_kittest::kittest::Queryable;

use super::net_tls::{expect_secured, tls_client};
use crate::common::*;
use crate::common_net::expect_received;
use sockscope::net::{Command, SendOrigin, SendTarget, TlsIdentity, Verify, Worker};
use sockscope::session::Mode;

/// A TLS server worker with a certificate made on the spot; its address and fingerprint.
fn tls_server() -> (Worker, SocketAddr, String) {
    let (server, local, certificate) = super::net_tls::tls_server(TlsIdentity::Generated);
    (server, local, certificate.fingerprint.to_string())
}

#[test]
fn the_client_tab_connects_with_a_pinned_certificate_after_a_bad_pin_is_explained() {
    let (server, addr, fingerprint) = tls_server();
    let mut harness = app_harness();
    type_field(&mut harness, "Host", "127.0.0.1");
    type_field(&mut harness, "Port", &addr.port().to_string());
    unfold(&mut harness, "TLS");
    tick(&mut harness, "TLS");
    click(&mut harness, "Pinned SHA-256");
    type_field(&mut harness, "SHA-256", "12:34");
    click(&mut harness, "Connect");
    assert!(
        shows(&harness, "'12:34' is not a SHA-256 fingerprint"),
        "said beside the field"
    );
    assert!(
        harness
            .state()
            .tab(Mode::TcpClient)
            .session()
            .log
            .is_empty()
    );

    type_field(&mut harness, "SHA-256", &fingerprint);
    click(&mut harness, "Connect");
    step_until(&mut harness, "the handshake in the log", |h| {
        shows(h, "TLS 1.3 with TLS13_")
    });
    assert!(!shows(&harness, "is not a SHA-256 fingerprint"));
    assert!(shows(
        &harness,
        "Certificate CN=Sockscope, issued by CN=Sockscope"
    ));
    assert!(
        shows(&harness, &fingerprint),
        "the log gives the fingerprint"
    );
    assert!(
        shows(&harness, "TLS ✔"),
        "the folded section says TLS is on"
    );
    let (_, id) = expect_secured(&server);

    type_send_box(&mut harness, "over TLS");
    click(&mut harness, "Send");
    assert_eq!(expect_received(&server, 8), b"over TLS");
    let command = Command::Send {
        bytes: b"answer".to_vec(),
        to: SendTarget::Clients(id.into_iter().collect()),
        origin: SendOrigin::Typed(None),
    };
    assert!(server.send(command));
    step_until(&mut harness, "the answer", |h| shows(h, "answer"));
}

#[test]
fn the_server_tab_serves_tls_with_a_certificate_it_made() {
    let mut harness = app_harness();
    click(&mut harness, "TCP Server");
    unfold(&mut harness, "TLS");
    tick(&mut harness, "TLS");
    let addr = start_server(&mut harness);
    assert!(shows(
        &harness,
        "TLS with a certificate made now (self-signed): CN=Sockscope"
    ));
    let client = tls_client(addr, Verify::Insecure, Duration::from_secs(5));
    expect_secured(&client);
    step_until(&mut harness, "the client's handshake in the log", |h| {
        shows(h, "TLS 1.3 with TLS13_")
    });
    type_send_box(&mut harness, "hello TLS client");
    click(&mut harness, "Send");
    assert_eq!(expect_received(&client, 16), b"hello TLS client");
}

#[test]
fn a_server_given_one_file_of_two_says_so_and_does_not_listen() {
    let mut harness = app_harness();
    click(&mut harness, "TCP Server");
    unfold(&mut harness, "TLS");
    tick(&mut harness, "TLS");
    type_field(&mut harness, "Certificate", "/nonexistent/cert.pem");
    type_field(&mut harness, "Address", "127.0.0.1");
    type_field(&mut harness, "Port", "0");
    click(&mut harness, "Listen");
    assert!(shows(
        &harness,
        "Give both the certificate and the key file"
    ));
    assert!(listening_port(&harness).is_none());
    assert!(harness.query_by_label("Listen").is_some(), "still Listen");
}

#[test]
fn a_tls_client_preset_connects_with_its_pin() {
    let (server, addr, fingerprint) = tls_server();
    let args = [
        "sockscope".to_owned(),
        "--tcp-client".to_owned(),
        addr.to_string(),
        "--tls-pin".to_owned(),
        fingerprint.clone(),
    ];
    let cli = <sockscope::cli::Cli as clap::Parser>::try_parse_from(args).expect("parsed");
    let mut harness = app_harness_with(cli.into());
    step_until(&mut harness, "the handshake in the log", |h| {
        shows(h, "TLS 1.3 with TLS13_")
    });
    expect_secured(&server);
    let tls = &harness.state().tab(Mode::TcpClient).settings().tls;
    assert!(tls.enabled);
    assert_eq!(tls.pin, fingerprint, "shown in the field as given");
}
