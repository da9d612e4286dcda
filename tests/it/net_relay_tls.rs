//! The relay ending TLS itself, at the worker, against OpenSSL: `openssl s_client` is served
//! TLS with a certificate made on the spot, `openssl s_server` is spoken to in TLS with its
//! certificate pinned, and the log sees the plaintext between. A wrong pin and a client that
//! never starts its handshake end their pairs with the reason. Skipped, saying so, without
//! openssl (CI requires it).

use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use sockscope::net::{
    CloseReason, Event, EventKind, Fingerprint, NetError, RelayConfig, RelayTls, TlsFailure,
    TlsIdentity, Toward, Verify, Worker, spawn_relay,
};

use super::net_relay::{LOCALHOST, forwarded, relay_config};
use super::net_relay_peers::{Peer, fingerprint, here, rsa_certificate, s_server};
use crate::common_net::{DEADLINE, deadline, describe, wait_for, with_timeout};

/// A relay toward `upstream` ending the TLS `tls` asks for, once it listens; with what it
/// said before (the certificate it shows clients).
fn tls_relay(
    upstream: SocketAddr,
    tls: RelayTls,
    timeout: Duration,
) -> (Worker, SocketAddr, Vec<Event>) {
    let host = upstream.ip().to_string();
    let config = RelayConfig {
        tls,
        ..relay_config(LOCALHOST, (&host, upstream.port()), timeout)
    };
    let worker = spawn_relay(config).expect("spawn the relay");
    let seen = wait_for(&worker, deadline(), |kind| {
        matches!(kind, EventKind::Listening { .. })
    });
    let Some(EventKind::Listening { local }) = seen.last().map(|event| &event.kind) else {
        unreachable!("wait_for ends with the awaited event");
    };
    let local = *local;
    (worker, local, seen)
}

#[test]
fn openssl_client_and_server_each_speak_tls_with_the_relay_and_the_log_reads_plaintext() {
    const TEST: &str =
        "openssl_client_and_server_each_speak_tls_with_the_relay_and_the_log_reads_plaintext";
    if !here(TEST, ["openssl", "version"], "openssl") {
        return;
    }
    let dir = tempfile::tempdir().expect("a directory");
    rsa_certificate(dir.path());
    let (mut server, upstream) = s_server(dir.path());
    let tls = RelayTls {
        clients: Some(TlsIdentity::Generated),
        upstream: Some(Verify::Pinned(fingerprint(dir.path()))),
    };
    let (worker, relay, opening) = tls_relay(upstream, tls, DEADLINE);

    let connect = relay.to_string();
    let mut client = Peer::start("openssl", &["s_client", "-connect", &connect, "-quiet"]);
    client.type_line("ping in the clear at the relay");
    server.line("the client's line", |line| {
        line == "ping in the clear at the relay"
    });
    server.type_line("pong in the clear at the relay");
    client.line("the server's line", |line| {
        line == "pong in the clear at the relay"
    });

    drop(client);
    let seen = wait_for(&worker, deadline(), |kind| {
        matches!(kind, EventKind::ClientDisconnected { .. })
    });
    assert_eq!(
        forwarded(&seen, Toward::Upstream),
        b"ping in the clear at the relay\n",
        "{}",
        describe(&seen)
    );
    assert_eq!(
        forwarded(&seen, Toward::Client),
        b"pong in the clear at the relay\n"
    );
    let generated = opening.iter().any(|event| {
        matches!(
            &event.kind,
            EventKind::ServerCertificate {
                generated: true,
                ..
            }
        )
    });
    let client_tls = seen.iter().find_map(|event| match &event.kind {
        EventKind::Secured { session, .. } => Some(session.version.clone()),
        _ => None,
    });
    let upstream_tls = seen.iter().find_map(|event| match &event.kind {
        EventKind::UpstreamSecured { session, .. } => Some(session.clone()),
        _ => None,
    });
    assert!(
        generated,
        "a certificate made on the spot: {}",
        describe(&seen)
    );
    assert_eq!(client_tls.as_deref(), Some("TLS 1.3"));
    let upstream_tls = upstream_tls.expect("the upstream's handshake said");
    let certificate = upstream_tls.certificate.expect("s_server's certificate");
    assert_eq!(certificate.fingerprint, fingerprint(dir.path()));
}

#[test]
fn a_pinned_upstream_showing_another_certificate_ends_its_pair_saying_so() {
    const TEST: &str = "a_pinned_upstream_showing_another_certificate_ends_its_pair_saying_so";
    if !here(TEST, ["openssl", "version"], "openssl") {
        return;
    }
    let dir = tempfile::tempdir().expect("a directory");
    rsa_certificate(dir.path());
    let (_server, upstream) = s_server(dir.path());
    let tls = RelayTls {
        clients: None,
        upstream: Some(Verify::Pinned(Fingerprint([0xAB; 32]))),
    };
    let (worker, relay, _) = tls_relay(upstream, tls, DEADLINE);
    let mut client = with_timeout(TcpStream::connect(relay).expect("connect"));
    client.write_all(b"never seen upstream").expect("write");
    let seen = wait_for(&worker, deadline(), |kind| {
        matches!(kind, EventKind::ClientDisconnected { .. })
    });
    let Some(EventKind::ClientDisconnected { reason, .. }) = seen.last().map(|e| &e.kind) else {
        unreachable!("wait_for ends with the awaited event");
    };
    let found = fingerprint(dir.path());
    let expected = CloseReason::Failed(NetError::Upstream {
        target: format!("{}:{}", upstream.ip(), upstream.port()),
        error: Box::new(NetError::Tls(TlsFailure::PinMismatch { found })),
    });
    assert_eq!(*reason, expected, "{}", describe(&seen));
}

#[test]
fn a_client_that_never_starts_its_handshake_is_given_up_after_the_timeout() {
    let upstream = TcpListener::bind((LOCALHOST, 0)).expect("bind the upstream");
    let upstream_addr = upstream.local_addr().expect("its address");
    let tls = RelayTls {
        clients: Some(TlsIdentity::Generated),
        upstream: None,
    };
    let timeout = Duration::from_millis(400);
    let (worker, relay, _) = tls_relay(upstream_addr, tls, timeout);
    // Plain TCP, silent: the relay's TLS server waits for a ClientHello that never comes.
    let client = with_timeout(TcpStream::connect(relay).expect("connect"));
    let (_pair_upstream, _) = upstream.accept().expect("the relay connects on");
    let started = Instant::now();
    let seen = wait_for(&worker, deadline(), |kind| {
        matches!(kind, EventKind::ClientDisconnected { .. })
    });
    assert!(started.elapsed() >= timeout - Duration::from_millis(100));
    let Some(EventKind::ClientDisconnected { reason, .. }) = seen.last().map(|e| &e.kind) else {
        unreachable!("wait_for ends with the awaited event");
    };
    let timed_out = CloseReason::Failed(NetError::Tls(TlsFailure::TimedOut));
    assert_eq!(*reason, timed_out, "{}", describe(&seen));
    let mut client = client;
    assert!(ends(&mut client), "the client's connection ended");
}

/// Whether the connection ends (EOF or reset) before the read deadline.
fn ends(stream: &mut TcpStream) -> bool {
    use std::io::Read;
    let mut rest = Vec::new();
    match stream.read_to_end(&mut rest) {
        Ok(_) => true,
        Err(error) => error.kind() == std::io::ErrorKind::ConnectionReset,
    }
}
