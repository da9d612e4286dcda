//! 10,000 concurrent clients of the App's TCP Server tab (200 in a short run). The clients
//! live in a second process (this benchmark, started in its clients role), so each process
//! stays within its file-descriptor limit: all accepted; a 100-byte broadcast from the send
//! box reaches every one; frame times with the client list shown.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::process::Stdio;
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;
use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use sockscope::session::Mode;

use crate::app_run::{Frames, tcp_server_app};
use crate::report::{Report, Row};

pub const ROLE: &str = "clients";
const BROADCAST: usize = 100;
const TARGET_VAR: &str = "SOCKSCOPE_BENCH_TARGET";

/// How many clients connect.
fn client_count() -> usize {
    crate::sized(10_000, 200)
}

/// Lifts this process's open-file limit to its hard limit; returns the new limit.
fn raise_file_limit() -> u64 {
    #[cfg(unix)]
    {
        use rustix::process::{Resource, getrlimit, setrlimit};
        let mut limit = getrlimit(Resource::Nofile);
        limit.current = limit.maximum;
        let _ = setrlimit(Resource::Nofile, limit);
        getrlimit(Resource::Nofile).current.unwrap_or(u64::MAX)
    }
    #[cfg(not(unix))]
    {
        u64::MAX
    }
}

/// The clients' process: connect them all, say so, wait for the broadcast on every one,
/// say so, then hold the connections until stdin closes.
pub fn child() {
    raise_file_limit();
    let target: SocketAddr = std::env::var(TARGET_VAR)
        .expect("the server's address")
        .parse()
        .expect("an address");
    let poll_registry = mio::Poll::new().expect("poll");
    let mut poll = poll_registry;
    let count = client_count();
    let mut streams = Vec::with_capacity(count);
    for n in 0..count {
        let stream = std::net::TcpStream::connect(target).expect("connect");
        stream.set_nonblocking(true).expect("non-blocking");
        let mut stream = mio::net::TcpStream::from_std(stream);
        poll.registry()
            .register(&mut stream, mio::Token(n), mio::Interest::READABLE)
            .expect("register");
        streams.push((stream, 0usize));
    }
    println!("connected");
    let mut complete = 0;
    let mut events = mio::Events::with_capacity(1024);
    let mut buffer = [0u8; 4096];
    while complete < count {
        poll.poll(&mut events, None).expect("poll");
        for event in &events {
            let (stream, got) = &mut streams[event.token().0];
            loop {
                match stream.read(&mut buffer) {
                    Ok(0) => panic!("the server closed a client"),
                    Ok(n) => {
                        let before = *got;
                        *got += n;
                        if before < BROADCAST && *got >= BROADCAST {
                            complete += 1;
                        }
                    }
                    Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => break,
                    Err(error) => panic!("read: {error}"),
                }
            }
        }
    }
    println!("received");
    let _ = std::io::stdout().flush();
    let mut rest = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut rest);
}

/// Each line the child prints, with when it arrived.
fn lines_of(stdout: std::process::ChildStdout) -> Receiver<(String, Instant)> {
    let (sender, receiver) = crossbeam_channel::unbounded();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if sender.send((line, Instant::now())).is_err() {
                return;
            }
        }
    });
    receiver
}

pub fn run(report: &mut Report) {
    let count = client_count();
    let limit = raise_file_limit();
    if limit < count as u64 + 100 {
        println!("  skipped: the open-file limit is {limit}");
        return;
    }
    let (mut harness, local) = tcp_server_app();
    let mut child = crate::role_process(ROLE)
        .env(TARGET_VAR, local.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the clients' process");
    let said = lines_of(child.stdout.take().expect("stdout"));

    let start = Instant::now();
    let mut accepting = Frames::default();
    let clients = |h: &egui_kittest::Harness<'static, sockscope::App>| {
        h.state().tab(Mode::TcpServer).session().clients.len()
    };
    accepting.run_until(&mut harness, Duration::from_secs(120), |h| {
        clients(h) == count
    });
    let accepted_in = start.elapsed();
    let shown = harness
        .query_all_by_label_contains(&format!(
            "Send goes to all {} clients",
            sockscope::units::group_digits(count as u64)
        ))
        .next()
        .is_some();
    assert!(shown, "the client list shows every client");

    let mut listed = Frames::default();
    listed.run_for(&mut harness, Duration::from_secs(3));

    let message = "b".repeat(BROADCAST);
    harness
        .get_by_role_and_label(Role::MultilineTextInput, "Send data")
        .focus();
    harness.step();
    harness
        .get_by_role_and_label(Role::MultilineTextInput, "Send data")
        .type_text(&message);
    harness.step();
    harness.get_by_role_and_label(Role::Button, "Send").click();
    let sent_at = Instant::now();
    let mut broadcasting = Frames::default();
    let mut reached = None;
    broadcasting.run_until(&mut harness, Duration::from_secs(60), |_| {
        while let Ok((line, at)) = said.try_recv() {
            if line == "received" {
                reached = Some(at);
            }
        }
        reached.is_some()
    });
    let broadcast = reached.map_or(Duration::MAX, |at| at.duration_since(sent_at));
    // The clients have it all; the tab counts it as its workers' reports come in.
    let sent = |h: &egui_kittest::Harness<'static, sockscope::App>| {
        h.state().tab(Mode::TcpServer).session().counters.tx_bytes
    };
    broadcasting.run_until(&mut harness, Duration::from_secs(60), |h| {
        sent(h) == (count * BROADCAST) as u64
    });

    drop(child.stdin.take());
    let mut leaving = Frames::default();
    leaving.run_until(&mut harness, Duration::from_secs(120), |h| clients(h) == 0);
    let _ = child.wait();

    let p99 = listed.quantile_ms(0.99);
    report.row(Row {
        benchmark: format!("TCP Server with {} clients", sockscope::units::group_digits(count as u64)),
        baseline: None,
        measured: format!(
            "all accepted in {:.1} s; broadcast reached all in {:.0} ms; frame p99 {p99:.1} ms with the list shown",
            accepted_in.as_secs_f64(),
            broadcast.as_secs_f64() * 1000.0
        ),
        ratio: None,
        target: "all; ≤ 1 s; p99 ≤ 16 ms".to_owned(),
        met: Some(broadcast <= Duration::from_secs(1) && p99 <= 16.0),
    });
    println!(
        "  frame p99 while accepting {:.1} ms, broadcasting {:.1} ms, while they left {:.1} ms",
        accepting.quantile_ms(0.99),
        broadcasting.quantile_ms(0.99),
        leaving.quantile_ms(0.99)
    );
    report.figures(
        "clients",
        serde_json::json!({
            "clients": count,
            "accepted_s": accepted_in.as_secs_f64(),
            "broadcast_bytes": BROADCAST,
            "broadcast_ms": broadcast.as_secs_f64() * 1000.0,
            "frames_accepting": accepting.summary(),
            "frames_listed": listed.summary(),
            "frames_broadcasting": broadcasting.summary(),
            "frames_leaving": leaving.summary(),
        }),
    );
}
