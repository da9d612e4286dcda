//! 100-byte TCP messages into the App's TCP Server tab with by-line framing (Auto newline
//! off): each message an entry.

use std::io::Write;
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use sockscope::session::Mode;

use crate::app_run::{Frames, tcp_server_app};
use crate::report::{Report, Row};

const LINES: u64 = 2_000_000;
const LINE: usize = 100;

pub fn run(report: &mut Report) {
    let (mut harness, local) = tcp_server_app();
    harness
        .get_by_role_and_label(Role::CheckBox, "Auto newline")
        .click();
    harness.step();
    harness.step();
    let before = harness.state().tab(Mode::TcpServer).session().log.pushed();

    let start = Instant::now();
    let client = thread::spawn(move || {
        let mut stream = TcpStream::connect(local).expect("connect");
        let mut line = [b'm'; LINE];
        line[LINE - 1] = b'\n';
        let batch: Vec<u8> = line.repeat(1000);
        for _ in 0..LINES / 1000 {
            stream.write_all(&batch).expect("write");
        }
    });
    let mut frames = Frames::default();
    let done = |h: &egui_kittest::Harness<'static, sockscope::App>| {
        let session = h.state().tab(Mode::TcpServer).session();
        // The connect note is an entry too.
        session.log.pushed() > before + LINES
    };
    frames.run_until(&mut harness, Duration::from_secs(300), done);
    let elapsed = start.elapsed().as_secs_f64();
    client.join().expect("sender");
    let session = harness.state().tab(Mode::TcpServer).session();
    assert_eq!(session.counters.rx_bytes, LINES * LINE as u64);
    let rate = LINES as f64 / elapsed;
    report.row(Row {
        benchmark: "100-byte TCP messages, by-line framing".to_owned(),
        baseline: None,
        measured: format!(
            "{:.0}k entries/s ({}M in {elapsed:.1} s; frame p99 {:.1} ms)",
            rate / 1000.0,
            LINES / 1_000_000,
            frames.quantile_ms(0.99)
        ),
        ratio: None,
        target: "≥ 200k entries/s".to_owned(),
        met: Some(rate >= 200_000.0),
    });
    report.figures(
        "lines",
        serde_json::json!({
            "lines": LINES,
            "line_bytes": LINE,
            "seconds": elapsed,
            "entries_per_s": rate,
            "frames": frames.summary(),
        }),
    );
}
