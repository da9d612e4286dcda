//! Auto-reply and script latency while the UI draws no frames: a client sends a request to the
//! App's TCP Server tab, whose rule (or script) answers it; timed from the request's write to
//! the reply's arrival on the client (two loopback hops included), against a plain echo thread
//! in the same run. Then replies a second, rule beside script: a client pipelines requests
//! (the tab frames them at 4 bytes) and times until every reply is in.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use sockscope::session::Mode;
use sockscope::tab::TabAction;
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

/// What answers PING in the App: a rule, or a script.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Answerer {
    Rule,
    Script,
}

/// A script that answers PING with PONG, as the rule does.
const PONG_SCRIPT: &str = r#"
fn on_message(peer, data) {
    if text(data) == "PING" {
        peer.send("PONG");
    }
}
"#;

/// The App's TCP Server tab answering PING by `answerer`, framing at 4 bytes; its address.
fn answering_app(
    answerer: Answerer,
) -> (egui_kittest::Harness<'static, sockscope::App>, SocketAddr) {
    let (mut harness, local) = tcp_server_app();
    let tab = harness.state_mut().tab_mut(Mode::TcpServer);
    tab.edit_settings(|settings| {
        settings.framing.kind = sockscope::tab::FramingKind::FixedLength;
        settings.framing.length = "4".to_owned();
    });
    let wake: sockscope::tab::Wake = std::sync::Arc::new(|| {});
    tab.handle(TabAction::ApplyFraming, &wake);
    match answerer {
        Answerer::Rule => {
            let rule = ReplyRule {
                when: MatchKind::Equals,
                pattern: "PING".to_owned(),
                reply: "PONG".to_owned(),
                ..ReplyRule::default()
            };
            tab.edit_settings(|settings| settings.auto_replies = vec![rule]);
        }
        Answerer::Script => {
            tab.edit_settings(|settings| settings.script.source = PONG_SCRIPT.to_owned());
            tab.handle(TabAction::RunScript, &wake);
        }
    }
    // The rule or script is the host's now; one frame, then no frame is drawn until the end.
    Frames::default().step(&mut harness);
    (harness, local)
}

fn through_the_app(answerer: Answerer) -> Vec<Duration> {
    let (_harness, local) = answering_app(answerer);
    round_trips(local)
}

/// Requests a second answered: `count` PINGs written at once, timed until every PONG is in.
fn replies_per_second(answerer: Answerer, count: usize) -> f64 {
    let (_harness, local) = answering_app(answerer);
    let mut client = TcpStream::connect(local).expect("connect");
    client
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let mut reply = [0; 4];
    client.write_all(b"PING").expect("send");
    client.read_exact(&mut reply).expect("the first reply");
    let mut writer = client.try_clone().expect("a second handle");
    let start = Instant::now();
    let writing = thread::spawn(move || writer.write_all(&b"PING".repeat(count)));
    let mut replies = vec![0; count * 4];
    let mut got = 0;
    while got < replies.len() {
        match client.read(&mut replies[got..]) {
            Ok(0) => panic!("closed after {got} bytes"),
            Ok(read) => got += read,
            Err(error) => panic!("{error} after {got} of {} bytes of replies", replies.len()),
        }
    }
    let elapsed = start.elapsed();
    writing
        .join()
        .expect("the writer")
        .expect("the requests written");
    assert!(replies.chunks(4).all(|chunk| chunk == b"PONG"));
    count as f64 / elapsed.as_secs_f64()
}

fn quantile_ms(sorted: &[Duration], q: f64) -> f64 {
    let index = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[index].as_secs_f64() * 1000.0
}

pub fn run(report: &mut Report) {
    let rounds = rounds();
    let mut plain = plain_echo();
    let mut rule = through_the_app(Answerer::Rule);
    let mut script = through_the_app(Answerer::Script);
    plain.sort();
    rule.sort();
    script.sort();
    let baseline = format!(
        "plain echo: median {:.3} ms, p99 {:.3} ms",
        quantile_ms(&plain, 0.5),
        quantile_ms(&plain, 0.99)
    );
    let mut figures = serde_json::json!({
        "rounds": rounds,
        "plain_median_ms": quantile_ms(&plain, 0.5),
        "plain_p99_ms": quantile_ms(&plain, 0.99),
    });
    for (name, key, times) in [
        ("Auto-reply", "rule", &rule),
        ("Scripted reply", "script", &script),
    ] {
        let (median, p99) = (quantile_ms(times, 0.5), quantile_ms(times, 0.99));
        report.row(Row {
            benchmark: format!("{name} round trip, no frames drawn ({rounds} requests)"),
            baseline: Some(baseline.clone()),
            measured: format!(
                "median {median:.3} ms, p99 {p99:.3} ms (max {:.1})",
                quantile_ms(times, 1.0)
            ),
            ratio: None,
            target: "median ≤ 1 ms, p99 ≤ 5 ms".to_owned(),
            met: Some(median <= 1.0 && p99 <= 5.0),
        });
        figures[format!("{key}_median_ms")] = median.into();
        figures[format!("{key}_p99_ms")] = p99.into();
        figures[format!("{key}_max_ms")] = quantile_ms(times, 1.0).into();
    }
    let count = crate::sized(100_000, 10_000);
    let by_rule = replies_per_second(Answerer::Rule, count);
    let by_script = replies_per_second(Answerer::Script, count);
    report.row(Row {
        benchmark: format!("Scripted replies a second ({count} pipelined requests)"),
        baseline: Some(format!("auto-reply rule: {by_rule:.0}/s")),
        measured: format!("{by_script:.0}/s"),
        ratio: Some(by_script / by_rule),
        target: "printed beside the rule".to_owned(),
        met: None,
    });
    figures["rule_replies_per_s"] = by_rule.into();
    figures["script_replies_per_s"] = by_script.into();
    report.figures("auto_reply", figures);
}
