//! TLS between the workers themselves on loopback: the server mode (a certificate made on the
//! spot or read from PEM files) and the client's three ways of accepting a certificate, and
//! how each failure reads.

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::PathBuf;
use std::time::Duration;

use crate::common_net::{
    connect, deadline, describe, expect_closed, expect_event, expect_received, wait_for,
};
use sockscope::net::{
    CertificateInfo, ClientId, CloseReason, Command, EventKind, Fingerprint, NetError, SendOrigin,
    SendTarget, Stack, TcpClientConfig, TlsFailure, TlsIdentity, TlsSession, Verify, Worker,
    spawn_tcp_client, spawn_tcp_server,
};

/// A TLS server on 127.0.0.1; returns it, its address and the certificate it shows.
pub fn tls_server(identity: TlsIdentity) -> (Worker, SocketAddr, CertificateInfo) {
    let local = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    let worker = spawn_tcp_server(local, Stack::Dual, Some(identity)).expect("spawn");
    let EventKind::ServerCertificate { certificate, .. } = expect_event(&worker, |kind| {
        matches!(kind, EventKind::ServerCertificate { .. })
    }) else {
        unreachable!("expect_event returns the awaited event");
    };
    let EventKind::Listening { local } =
        expect_event(&worker, |kind| matches!(kind, EventKind::Listening { .. }))
    else {
        unreachable!("expect_event returns the awaited event");
    };
    (worker, local, *certificate)
}

pub fn tls_client(addr: SocketAddr, verify: Verify, timeout: Duration) -> Worker {
    let config = TcpClientConfig {
        host: addr.ip().to_string(),
        port: addr.port(),
        connect_timeout: timeout,
        local: None,
        reconnect: None,
        on_connect: None,
        tls: Some(verify),
    };
    spawn_tcp_client(config).expect("spawn")
}

/// Waits for the handshake to be reported; returns the session and the client id (server).
pub fn expect_secured(worker: &Worker) -> (TlsSession, Option<ClientId>) {
    match expect_event(worker, |kind| matches!(kind, EventKind::Secured { .. })) {
        EventKind::Secured {
            session, client, ..
        } => (*session, client),
        other => unreachable!("expect_event returned {other:?}"),
    }
}

fn send(worker: &Worker, bytes: &[u8], to: SendTarget) {
    let command = Command::Send {
        bytes: bytes.to_vec(),
        to,
        origin: SendOrigin::Typed(None),
    };
    assert!(worker.send(command), "the worker stopped unexpectedly");
}

/// A certificate and key for `localhost` and 127.0.0.1, written as PEM files.
fn pem_files(dir: &tempfile::TempDir) -> (PathBuf, PathBuf) {
    let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
    let made = rcgen::generate_simple_self_signed(names).expect("a certificate");
    let certificate = dir.path().join("cert.pem");
    let key = dir.path().join("key.pem");
    std::fs::write(&certificate, made.cert.pem()).expect("written");
    std::fs::write(&key, made.signing_key.serialize_pem()).expect("written");
    (certificate, key)
}

#[test]
fn a_pinned_client_and_a_server_with_pem_files_exchange_data_both_ways() {
    let dir = tempfile::tempdir().expect("a directory");
    let (certificate, key) = pem_files(&dir);
    let identity = TlsIdentity::Files { certificate, key };
    let (server, addr, shown) = tls_server(identity);
    let pin = Verify::Pinned(shown.fingerprint);
    let client = tls_client(addr, pin, Duration::from_secs(5));
    let (session, _) = expect_secured(&client);
    assert_eq!(session.version, "TLS 1.3");
    assert!(session.cipher_suite.starts_with("TLS13_"), "{session:?}");
    assert_eq!(session.certificate.as_ref(), Some(&shown), "the peer's own");
    let (server_side, id) = expect_secured(&server);
    assert_eq!(server_side.version, "TLS 1.3");
    assert_eq!(server_side.certificate, None, "clients show none");

    send(&client, b"ping \xFF\x00", SendTarget::Peer);
    assert_eq!(expect_received(&server, 7), b"ping \xFF\x00");
    let ids = id.into_iter().collect();
    send(&server, b"pong", SendTarget::Clients(ids));
    assert_eq!(expect_received(&client, 4), b"pong");

    // Disconnect says goodbye (close_notify): the server sees an orderly close.
    client.shutdown_and_join();
    let closed = expect_event(&server, |kind| {
        matches!(kind, EventKind::ClientDisconnected { .. })
    });
    let EventKind::ClientDisconnected { reason, .. } = closed else {
        unreachable!("expect_event returns the awaited event");
    };
    assert_eq!(reason, CloseReason::PeerClosed);
}

#[test]
fn a_megabyte_each_way_arrives_whole_and_in_order() {
    let (server, addr, _) = tls_server(TlsIdentity::Generated);
    let client = tls_client(addr, Verify::Insecure, Duration::from_secs(5));
    expect_secured(&client);
    let (_, id) = expect_secured(&server);
    let payload: Vec<u8> = (0..1024 * 1024).map(|n: u32| (n % 251) as u8).collect();
    send(&client, &payload, SendTarget::Peer);
    assert_eq!(expect_received(&server, payload.len()), payload);
    send(
        &server,
        &payload,
        SendTarget::Clients(id.into_iter().collect()),
    );
    assert_eq!(expect_received(&client, payload.len()), payload);
}

#[test]
fn a_wrong_pin_is_refused_and_says_which_certificate_it_saw() {
    let (_server, addr, shown) = tls_server(TlsIdentity::Generated);
    let wrong = Verify::Pinned(Fingerprint([0xAB; 32]));
    let client = tls_client(addr, wrong, Duration::from_secs(5));
    let found = shown.fingerprint;
    let expected = CloseReason::Failed(NetError::Tls(TlsFailure::PinMismatch { found }));
    assert_eq!(expect_closed(&client), expected);
    assert!(expected.to_string().contains(&found.to_string()));
}

#[test]
fn a_self_signed_certificate_is_not_trusted_against_the_system_roots() {
    let (_server, addr, _) = tls_server(TlsIdentity::Generated);
    let client = tls_client(addr, Verify::SystemRoots, Duration::from_secs(5));
    let reason = expect_closed(&client);
    // A machine without a CA bundle has no roots at all: that is said too.
    assert!(
        matches!(
            reason,
            CloseReason::Failed(NetError::Tls(
                TlsFailure::UnknownIssuer | TlsFailure::NoRoots
            ))
        ),
        "{reason:?}"
    );
}

#[test]
fn a_peer_that_does_not_speak_tls_is_a_clear_failure() {
    // Answers the handshake with plain text and closes.
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
    let addr = listener.local_addr().expect("address");
    let answer = std::thread::spawn(move || {
        let (mut peer, _) = listener.accept().expect("accept");
        let _ = peer.write_all(b"220 plain text service ready\r\n");
    });
    let client = tls_client(addr, Verify::Insecure, Duration::from_secs(5));
    let reason = expect_closed(&client);
    answer.join().expect("the peer thread");
    assert!(
        matches!(reason, CloseReason::Failed(NetError::Tls(_))),
        "{reason:?}"
    );
}

#[test]
fn a_silent_peer_times_the_handshake_out() {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
    let addr = listener.local_addr().expect("address");
    let client = tls_client(addr, Verify::Insecure, Duration::from_millis(300));
    expect_event(&client, |kind| matches!(kind, EventKind::Connecting { .. }));
    let reason = expect_closed(&client);
    assert_eq!(
        reason,
        CloseReason::Failed(NetError::Tls(TlsFailure::TimedOut))
    );
    drop(listener);
}

#[test]
fn a_client_without_tls_is_dropped_with_the_reason_and_the_server_serves_on() {
    let (server, addr, shown) = tls_server(TlsIdentity::Generated);
    let mut plain = connect(addr);
    plain
        .write_all(b"GET / HTTP/1.0\r\n\r\n")
        .expect("sent in clear");
    let seen = wait_for(&server, deadline(), |kind| {
        matches!(kind, EventKind::ClientDisconnected { .. })
    });
    let Some(EventKind::ClientDisconnected { reason, .. }) = seen.last().map(|e| e.kind.clone())
    else {
        unreachable!(
            "wait_for returns the awaited event last: {}",
            describe(&seen)
        );
    };
    assert!(
        matches!(reason, CloseReason::Failed(NetError::Tls(_))),
        "{reason:?}"
    );
    let client = tls_client(
        addr,
        Verify::Pinned(shown.fingerprint),
        Duration::from_secs(5),
    );
    expect_secured(&client);
}

#[test]
fn an_unreadable_key_stops_the_server_before_it_listens() {
    let dir = tempfile::tempdir().expect("a directory");
    let (certificate, _) = pem_files(&dir);
    let key = dir.path().join("not-a-key.pem");
    std::fs::write(&key, "-----BEGIN NOTHING-----\n-----END NOTHING-----\n").expect("written");
    let local = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    let identity = TlsIdentity::Files { certificate, key };
    let worker = spawn_tcp_server(local, Stack::Dual, Some(identity)).expect("spawn");
    let reason = expect_closed(&worker);
    let CloseReason::Failed(NetError::TlsIdentity { detail }) = &reason else {
        panic!("{reason:?}");
    };
    assert!(detail.contains("not-a-key.pem"), "{detail}");
}

/// A rustls server on a std socket in a thread: it queues `greeting` before the handshake
/// (sent as TLS 1.3 half-RTT data, in the same flight as its Finished), completes the
/// handshake and keeps the connection open until the client leaves.
fn greeting_server(greeting: &'static [u8]) -> SocketAddr {
    use std::sync::Arc;
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
    let addr = listener.local_addr().expect("address");
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("made");
    let key = rustls::pki_types::PrivatePkcs8KeyDer::from(made.signing_key.serialize_der());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(vec![made.cert.der().clone()], key.into())
        .expect("a server configuration");
    config.send_half_rtt_data = true;
    config.send_tls13_tickets = 0;
    std::thread::spawn(move || {
        let (mut socket, _) = listener.accept().expect("accept");
        let mut tls = rustls::ServerConnection::new(Arc::new(config)).expect("a connection");
        tls.writer().write_all(greeting).expect("queued");
        while tls.is_handshaking() {
            if tls.complete_io(&mut socket).is_err() {
                return;
            }
        }
        let _ = tls.complete_io(&mut socket);
        // Until the client leaves.
        let mut rest = Vec::new();
        let _ = std::io::Read::read_to_end(&mut socket, &mut rest);
    });
    addr
}

#[test]
fn data_that_came_with_the_handshakes_last_flight_is_read_at_once() {
    let addr = greeting_server(b"220 device ready\r\n");
    let client = tls_client(addr, Verify::Insecure, Duration::from_secs(5));
    expect_secured(&client);
    // The server says nothing more: the greeting must not wait for another event.
    assert_eq!(expect_received(&client, 18), b"220 device ready\r\n");
}

#[test]
fn a_peer_that_trickles_its_handshake_cannot_stretch_the_connect_timeout() {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
    let addr = listener.local_addr().expect("address");
    std::thread::spawn(move || {
        let (mut peer, _) = listener.accept().expect("accept");
        // A handshake record of 16 KiB announced, then a byte now and then: each read
        // waits less than any per-read timeout, until the client leaves.
        if peer.write_all(&[0x16, 0x03, 0x03, 0x40, 0x00]).is_err() {
            return;
        }
        while peer.write_all(&[0]).is_ok() {
            std::thread::sleep(Duration::from_millis(50));
        }
    });
    let client = tls_client(addr, Verify::Insecure, Duration::from_millis(500));
    assert_eq!(
        expect_closed(&client),
        CloseReason::Failed(NetError::Tls(TlsFailure::TimedOut))
    );
}
