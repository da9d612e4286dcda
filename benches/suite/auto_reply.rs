//! Auto-reply latency while the UI draws no frames: a client sends a request to the App's TCP
//! Server tab, whose rule answers it; timed from the request's write to the reply's arrival on
//! the client (two loopback hops included), against a plain echo thread in the same run.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use sockscope::session::Mode;
use sockscope::tab::auto_reply::{MatchKind, ReplyRule};

use crate::app_run::{Frames, tcp_server_app};
use crate::report::{Report, Row};

/// How many requests are timed.
fn rounds() -> usize {
    crate::sized(2_000, 500)
}

/// Round trips of [`rounds`] requests to `server`, each answered by 4 bytes.
fn round_trips(server: SocketAddr) -> Vec<Duration> {
    let mut client = TcpStream::connect(server).expect("connect");
    client.set_nodelay(true).expect("nodelay");
    client
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut reply = [0; 4];
    // The first rounds warm up both sides (and wait for the App to see the client).
    for _ in 0..20 {
        client.write_all(b"PING").expect("send");
        client.read_exact(&mut reply).expect("the reply");
    }
    (0..rounds())
        .map(|_| {
            let start = Instant::now();
            client.write_all(b"PING").expect("send");
            client.read_exact(&mut reply).expect("the reply");
            start.elapsed()
        })
        .collect()
}

/// The baseline: a thread that answers each 4-byte read at once.
fn plain_echo() -> Vec<Duration> {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = thread::spawn(move || {
        let (mut stream, _) = listener.accept().expect("accept");
        stream.set_nodelay(true).expect("nodelay");
        let mut request = [0; 4];
        while stream.read_exact(&mut request).is_ok() {
            if stream.write_all(b"PONG").is_err() {
                break;
            }
        }
    });
    let times = round_trips(addr);
    server.join().expect("echo thread");
    times
}

fn through_the_app() -> Vec<Duration> {
    let (mut harness, local) = tcp_server_app();
    let rule = ReplyRule {
        when: MatchKind::Equals,
        pattern: "PING".to_owned(),
        reply: "PONG".to_owned(),
        ..ReplyRule::default()
    };
    harness
        .state_mut()
        .tab_mut(Mode::TcpServer)
        .edit_settings(|settings| settings.auto_replies = vec![rule]);
    // The rule is the host's now; one frame, then no frame is drawn until the end.
    Frames::default().step(&mut harness);
    round_trips(local)
}

fn quantile_ms(sorted: &[Duration], q: f64) -> f64 {
    let index = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[index].as_secs_f64() * 1000.0
}

pub fn run(report: &mut Report) {
    let rounds = rounds();
    let mut plain = plain_echo();
    let mut ours = through_the_app();
    plain.sort();
    ours.sort();
    let (median, p99) = (quantile_ms(&ours, 0.5), quantile_ms(&ours, 0.99));
    report.row(Row {
        benchmark: format!("Auto-reply round trip, no frames drawn ({rounds} requests)"),
        baseline: Some(format!(
            "plain echo: median {:.3} ms, p99 {:.3} ms",
            quantile_ms(&plain, 0.5),
            quantile_ms(&plain, 0.99)
        )),
        measured: format!(
            "median {median:.3} ms, p99 {p99:.3} ms (max {:.1})",
            quantile_ms(&ours, 1.0)
        ),
        ratio: None,
        target: "median ≤ 1 ms, p99 ≤ 5 ms".to_owned(),
        met: Some(median <= 1.0 && p99 <= 5.0),
    });
    report.figures(
        "auto_reply",
        serde_json::json!({
            "rounds": rounds,
            "plain_median_ms": quantile_ms(&plain, 0.5),
            "plain_p99_ms": quantile_ms(&plain, 0.99),
            "median_ms": median,
            "p99_ms": p99,
            "max_ms": quantile_ms(&ours, 1.0),
        }),
    );
}
