//! Out of file descriptors while a thousand clients connect: the server keeps serving the
//! clients it has, says once why it takes no more, does not spin, and takes the waiting ones
//! when descriptors free up.
//!
//! The open-file limit is the whole process's, and the tests run on threads of one process:
//! the server runs in a child, this test binary run again with only this test and a small
//! limit (set in the child by a safe `setrlimit`). The child echoes what each client sends and
//! reports on stdout, one `FAULT …` line per event.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError};

use crate::common_net::{DEADLINE, SILENCE, expect_silence, read_exactly};
use sockscope::net::{self, EventKind, SendTarget, Stack};

/// Marks the child's run of the test.
const CHILD: &str = "SOCKSCOPE_FAULT_FDS_CHILD";
/// The child's open-file limit: a few for itself, the rest for clients.
const LIMIT: u64 = 64;
const CLIENTS: usize = 1000;

#[cfg(target_os = "linux")]
#[test]
fn a_server_out_of_descriptors_keeps_its_clients_says_why_and_recovers() {
    if std::env::var_os(CHILD).is_some() {
        child();
    } else {
        parent();
    }
}

/// One line to the parent.
fn report(line: std::fmt::Arguments<'_>) {
    let _ = writeln!(std::io::stdout().lock(), "FAULT {line}");
}

/// The server, under the small limit, until stdin closes.
fn child() {
    let limit = rustix::process::Rlimit {
        current: Some(LIMIT),
        maximum: Some(LIMIT),
    };
    rustix::process::setrlimit(rustix::process::Resource::Nofile, limit)
        .expect("lower the open-file limit");
    let local = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    let worker = net::spawn_tcp_server(local, Stack::Dual, None).expect("spawn");
    let stdin_closed = Arc::new(AtomicBool::new(false));
    {
        let closed = Arc::clone(&stdin_closed);
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
            closed.store(true, Ordering::SeqCst);
        });
    }
    while !stdin_closed.load(Ordering::SeqCst) {
        let event = match worker.next_event(Instant::now() + Duration::from_millis(50)) {
            Ok(event) => event,
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => break,
        };
        match event.kind {
            EventKind::Listening { local } => report(format_args!("listening {}", local.port())),
            EventKind::ClientConnected { id, peer, .. } => {
                report(format_args!("connected {} {peer}", id.0));
            }
            EventKind::ClientDisconnected { id, .. } => {
                report(format_args!("disconnected {}", id.0));
            }
            EventKind::Received { client, bytes, .. } => {
                let to = SendTarget::Clients(client.into_iter().collect());
                worker.send(net::Command::Send {
                    bytes,
                    to,
                    origin: net::SendOrigin::Typed(None),
                });
            }
            EventKind::Warning(error) => report(format_args!("warning {error}")),
            EventKind::Closed(reason) => {
                report(format_args!("closed {reason}"));
                break;
            }
            _ => {}
        }
    }
    worker.shutdown_and_join();
}

/// The child's reports, line by line.
struct Reports {
    child: Child,
    lines: Receiver<String>,
    /// Clients the server took, by their address.
    served: Vec<SocketAddr>,
    warnings: Vec<String>,
    disconnected: usize,
}

impl Reports {
    fn start() -> Self {
        let exe = std::env::current_exe().expect("the test binary");
        let test = "fault_fds::a_server_out_of_descriptors_keeps_its_clients_says_why_and_recovers";
        let mut child = Command::new(exe)
            .args(["--exact", test, "--nocapture", "--test-threads=1"])
            .env(CHILD, "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the child");
        let stdout = child.stdout.take().expect("the child's stdout");
        let (sender, lines) = crossbeam_channel::bounded(4096);
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                // libtest may start the line with the test's name.
                if let Some(at) = line.find("FAULT ")
                    && sender.send(line[at + 6..].to_owned()).is_err()
                {
                    return;
                }
            }
        });
        Self {
            child,
            lines,
            served: Vec::new(),
            warnings: Vec::new(),
            disconnected: 0,
        }
    }

    /// Takes reports until `done` holds (checked after each), within `limit`.
    fn until(&mut self, what: &str, limit: Duration, mut done: impl FnMut(&Self) -> bool) {
        let deadline = Instant::now() + limit;
        while !done(self) {
            let Ok(line) = self.lines.recv_deadline(deadline) else {
                panic!(
                    "timed out waiting for: {what}; served {}, warnings {:?}, disconnected {}",
                    self.served.len(),
                    self.warnings,
                    self.disconnected
                )
            };
            let mut words = line.splitn(3, ' ');
            match (words.next(), words.next(), words.next()) {
                (Some("connected"), Some(_), Some(peer)) => {
                    self.served.push(peer.parse().expect("a peer address"));
                }
                (Some("warning"), _, _) => self.warnings.push(line.clone()),
                (Some("disconnected"), _, _) => self.disconnected += 1,
                (Some("closed"), _, _) => panic!("the server ended: {line}"),
                _ => {}
            }
        }
    }

    fn port(&self) -> u16 {
        let line = self
            .lines
            .recv_deadline(Instant::now() + DEADLINE)
            .expect("the child listens");
        line.strip_prefix("listening ")
            .and_then(|port| port.parse().ok())
            .expect("a port")
    }

    /// The child's CPU time so far, in clock ticks (user and system).
    fn cpu_ticks(&self) -> u64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id()))
            .expect("the child's stat");
        // Fields after the command name (which may hold spaces): utime is the 14th field.
        let after = &stat[stat.rfind(')').expect("comm") + 2..];
        let fields: Vec<&str> = after.split(' ').collect();
        fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime")
    }
}

impl Drop for Reports {
    /// A failed test leaves no server behind (after a normal end it has exited already).
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends `text` on `client` and expects it back.
fn assert_echoes(client: &mut TcpStream, text: &[u8]) {
    client.write_all(text).expect("send");
    assert_eq!(read_exactly(client, text.len()), text);
}

fn parent() {
    let mut reports = Reports::start();
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, reports.port()));
    let mut clients: HashMap<SocketAddr, TcpStream> = HashMap::new();
    for _ in 0..CLIENTS {
        // The listen queue (1024) holds those the server cannot take yet.
        let client = TcpStream::connect(addr).expect("connect");
        client.set_read_timeout(Some(DEADLINE)).expect("timeout");
        clients.insert(client.local_addr().expect("address"), client);
    }
    reports.until("the warning", DEADLINE, |r| !r.warnings.is_empty());
    let first = reports.served.len();
    assert!(
        first > 10 && first < CLIENTS,
        "served {first} clients under a limit of {LIMIT} descriptors"
    );
    assert!(
        reports.warnings[0].contains("out of file descriptors: serving the"),
        "{:?}",
        reports.warnings
    );

    // The clients it has are served.
    for peer in reports.served.clone() {
        let client = clients.get_mut(&peer).expect("a client of ours");
        assert_echoes(client, b"ping");
    }
    // One that waits is not, and meanwhile the server does not spin.
    let waiting = clients
        .keys()
        .find(|peer| !reports.served.contains(peer))
        .copied()
        .expect("a waiting client");
    let ticks = reports.cpu_ticks();
    let started = Instant::now();
    let waiter = clients.get_mut(&waiting).expect("the waiting client");
    waiter.write_all(b"anyone?").expect("send");
    expect_silence(waiter, SILENCE * 5);
    let spent = reports.cpu_ticks() - ticks;
    // 100 ticks a second on Linux; a spinning loop would take about the whole window.
    let window = started.elapsed().as_millis() as u64 / 10;
    eprintln!(
        "{first} of {CLIENTS} clients served under {LIMIT} descriptors; {spent} ticks of CPU in {window} ticks waiting"
    );
    assert!(
        spent * 2 < window.max(20),
        "the server took {spent} ticks of CPU in {window} ticks of waiting"
    );
    assert_eq!(
        reports.warnings.len(),
        1,
        "said once: {:?}",
        reports.warnings
    );

    // Ten clients leave (an orderly close): ten waiting ones are taken, first come first.
    let leaving: Vec<SocketAddr> = reports.served[..10].to_vec();
    for peer in &leaving {
        let client = clients.remove(peer).expect("a served client");
        client.shutdown(Shutdown::Both).expect("close");
    }
    let linger = net::HALF_CLOSED_LINGER + DEADLINE;
    reports.until("ten waiting clients taken", linger, |r| {
        r.served.len() >= first + 10
    });
    for peer in reports.served[first..].iter().copied() {
        let client = clients.get_mut(&peer).expect("a waiting client");
        let expected: &[u8] = if peer == waiting { b"anyone?" } else { b"" };
        if !expected.is_empty() {
            // What it sent while it waited is read and answered now.
            assert_eq!(read_exactly(client, expected.len()), expected);
        }
        assert_echoes(client, b"served at last");
    }

    drop(reports.child.stdin.take());
    let status = reports.child.wait().expect("the child ends");
    assert!(status.success(), "the child failed: {status}");
}
