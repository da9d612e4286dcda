//! The relay between programs that are not ours, on loopback: curl downloading from
//! Python's http.server, and openssl's s_client talking TLS to s_server through it. Each test
//! is skipped, saying so, where a program it needs is missing.

use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, ChildStdin, Command as Process, Output, Stdio};
use std::time::Instant;

use crossbeam_channel::Receiver;
use sha2::{Digest, Sha256};
use sockscope::net::{CloseReason, EventKind, Toward};

use super::net_relay::{LOCALHOST, drain_until, forwarded, free_port, random_bytes, relay_to};
use crate::common_net::{DEADLINE, deadline, describe, wait_for};

/// A program run as a peer, killed when dropped, its standard output a line at a time.
pub(super) struct Peer {
    child: Child,
    input: Option<ChildStdin>,
    lines: Receiver<String>,
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Peer {
    pub(super) fn start(program: &str, args: &[&str]) -> Self {
        let mut child = Process::new(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {program}: {error}"));
        let output = BufReader::new(child.stdout.take().expect("its output"));
        let (sender, lines) = crossbeam_channel::bounded(4096);
        std::thread::spawn(move || {
            for line in output.lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    return;
                }
            }
        });
        let input = child.stdin.take();
        Self {
            child,
            input,
            lines,
        }
    }

    /// The first line of output `wanted` accepts; `None` if the program ended first.
    fn line_or_end(&self, what: &str, wanted: impl Fn(&str) -> bool) -> Option<String> {
        let until = deadline();
        loop {
            match self.lines.recv_deadline(until) {
                Ok(line) if wanted(&line) => return Some(line),
                Ok(_) => {}
                Err(crossbeam_channel::RecvTimeoutError::Disconnected) => return None,
                Err(crossbeam_channel::RecvTimeoutError::Timeout) => {
                    panic!("the program did not print {what} in time")
                }
            }
        }
    }

    pub(super) fn line(&self, what: &str, wanted: impl Fn(&str) -> bool) -> String {
        self.line_or_end(what, wanted)
            .unwrap_or_else(|| panic!("the program ended before printing {what}"))
    }

    pub(super) fn type_line(&mut self, text: &str) {
        let input = self.input.as_mut().expect("the program's input");
        writeln!(input, "{text}").expect("typed into the program");
        input.flush().expect("flushed");
    }
}

/// Whether `program` runs here (asked its `version`); says the test is skipped when not.
pub(super) fn here(test: &str, [program, version]: [&str; 2], package: &str) -> bool {
    let runs = Process::new(program)
        .arg(version)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !runs {
        // CI installs openssl and socat and says so: there a skip would hide a failure.
        let variable = format!("SOCKSCOPE_REQUIRE_{}", program.to_uppercase());
        let required = std::env::var_os(variable).is_some();
        assert!(!required, "{test}: {program} is missing");
        eprintln!("{test}: skipped, no {program} command here (Debian package {package})");
    }
    runs
}

/// Python's http.server serving `dir` on a free loopback port; returns it with the port.
fn http_server(dir: &Path) -> (Peer, u16) {
    let dir = dir.to_string_lossy();
    // The port may be taken between finding it free and binding it: then try another.
    for _ in 0..5 {
        let port = free_port().to_string();
        let args = ["-u", "-m", "http.server", "--bind", "127.0.0.1"];
        let server = Peer::start(
            "python3",
            &[&args[..], &["--directory", &dir, &port]].concat(),
        );
        let ready = server.line_or_end("that it serves", |line| line.starts_with("Serving HTTP"));
        if ready.is_some() {
            return (server, port.parse().expect("a port number"));
        }
    }
    panic!("http.server did not start on any of five free ports");
}

/// Runs `program` to its end on a thread; its output comes on the channel returned.
fn run_to_end(program: &str, args: &[&str]) -> Receiver<Output> {
    let mut process = Process::new(program);
    process.args(args).stdin(Stdio::null());
    let (sender, ended) = crossbeam_channel::bounded(1);
    std::thread::spawn(move || {
        let output = process.output().expect("run the program");
        let _ = sender.send(output);
    });
    ended
}

#[test]
fn curl_downloads_from_http_server_through_the_relay() {
    const TEST: &str = "curl_downloads_from_http_server_through_the_relay";
    if !here(TEST, ["python3", "--version"], "python3")
        || !here(TEST, ["curl", "--version"], "curl")
    {
        return;
    }
    const SIZE: usize = 4 << 20;
    let dir = tempfile::tempdir().expect("a directory");
    let served = dir.path().join("served");
    std::fs::create_dir(&served).expect("the served directory");
    let file = random_bytes(SIZE + 123, 1);
    std::fs::write(served.join("file"), &file).expect("the file to serve");
    let (_server, port) = http_server(&served);
    let (worker, relay) = relay_to(SocketAddr::new(LOCALHOST, port));

    let out = dir.path().join("downloaded");
    let url = format!("http://{relay}/file");
    let curl = run_to_end(
        "curl",
        &["-s", "--max-time", "30", "-o", &out.to_string_lossy(), &url],
    );
    let mut events = Vec::new();
    let mut to_client = 0;
    let until = Instant::now() + 3 * DEADLINE;
    let output = drain_until(&worker, &curl, until, |kind| {
        if let EventKind::Forwarded {
            toward: Toward::Client,
            bytes,
            ..
        } = kind
        {
            to_client += bytes.len();
        } else {
            events.push(kind.clone());
        }
    })
    .expect("curl finished in time");
    assert!(output.status.success(), "curl failed: {output:?}");
    let downloaded = std::fs::read(&out).expect("curl's download");
    assert_eq!(
        Sha256::digest(&downloaded),
        Sha256::digest(&file),
        "the file as served"
    );
    assert!(
        to_client >= file.len(),
        "{to_client} bytes reported toward the client"
    );
    let request = |kind: &EventKind| match kind {
        EventKind::Forwarded {
            toward: Toward::Upstream,
            bytes,
            ..
        } => bytes.starts_with(b"GET /file HTTP/1.1\r\n"),
        _ => false,
    };
    assert!(
        events.iter().any(request),
        "curl's request was forwarded: {events:?}"
    );

    let ended = |kind: &EventKind| matches!(kind, EventKind::ClientDisconnected { .. });
    if !events.iter().any(ended) {
        let rest = wait_for(&worker, deadline(), ended);
        events.extend(rest.into_iter().map(|event| event.kind));
    }
    let half_closed = |kind: &EventKind| {
        matches!(
            kind,
            EventKind::HalfClosed {
                toward: Toward::Client,
                ..
            }
        )
    };
    let peer_closed = |kind: &EventKind| {
        matches!(
            kind,
            EventKind::ClientDisconnected {
                reason: CloseReason::PeerClosed,
                ..
            }
        )
    };
    assert!(
        events.iter().any(half_closed) || events.iter().any(peer_closed),
        "the server's end of the download reached curl: {events:?}"
    );
}

/// A self-signed RSA certificate for localhost, made by openssl in `dir`.
pub(super) fn rsa_certificate(dir: &Path) {
    let made = Process::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=localhost",
        ])
        .args(["-days", "1", "-keyout", "key.pem", "-out", "cert.pem"])
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run openssl req");
    assert!(made.success(), "openssl made a certificate");
}

/// `openssl s_server` with the certificate in `dir` on an OS-chosen loopback port; returns it
/// with where it accepts.
pub(super) fn s_server(dir: &Path) -> (Peer, SocketAddr) {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let (cert, key) = (cert.to_string_lossy(), key.to_string_lossy());
    let accept = [
        "s_server",
        "-accept",
        "127.0.0.1:0",
        "-cert",
        &cert,
        "-key",
        &key,
    ];
    let server = Peer::start("openssl", &accept);
    let listening = server.line("the port it accepts on", |line| line.starts_with("ACCEPT "));
    let upstream = listening
        .trim_start_matches("ACCEPT ")
        .parse()
        .expect("the address s_server accepts on");
    (server, upstream)
}

/// The SHA-256 of the certificate in `dir`, as openssl prints it.
pub(super) fn fingerprint(dir: &Path) -> sockscope::net::Fingerprint {
    let printed = Process::new("openssl")
        .args([
            "x509",
            "-in",
            "cert.pem",
            "-noout",
            "-fingerprint",
            "-sha256",
        ])
        .current_dir(dir)
        .output()
        .expect("run openssl x509");
    let printed = String::from_utf8_lossy(&printed.stdout);
    printed.parse().expect("a fingerprint as openssl prints it")
}

#[test]
fn openssl_talks_tls_through_the_relay() {
    const TEST: &str = "openssl_talks_tls_through_the_relay";
    if !here(TEST, ["openssl", "version"], "openssl") {
        return;
    }
    let dir = tempfile::tempdir().expect("a directory");
    rsa_certificate(dir.path());
    let (mut server, upstream) = s_server(dir.path());
    let (worker, relay) = relay_to(upstream);

    let mut client = Peer::start(
        "openssl",
        &["s_client", "-connect", &relay.to_string(), "-quiet"],
    );
    client.type_line("ping through the relay");
    server.line("the client's line", |line| line == "ping through the relay");
    server.type_line("pong through the relay");
    client.line("the server's line", |line| line == "pong through the relay");

    // The relay forwarded TLS records, not the text.
    drop(client);
    let seen = wait_for(&worker, deadline(), |kind| {
        matches!(kind, EventKind::ClientDisconnected { .. })
    });
    let up = forwarded(&seen, Toward::Upstream);
    let down = forwarded(&seen, Toward::Client);
    // 0x16: a handshake record (the ClientHello and ServerHello).
    assert_eq!(
        (up.first(), down.first()),
        (Some(&0x16), Some(&0x16)),
        "{}",
        describe(&seen)
    );
    for (bytes, text) in [
        (&up, "ping through the relay"),
        (&down, "pong through the relay"),
    ] {
        let clear = bytes
            .windows(text.len())
            .any(|window| window == text.as_bytes());
        assert!(!clear, "'{text}' crossed the relay in clear");
    }
}
