//! 100-byte TCP messages into the App's TCP Server tab with by-line framing (Auto newline
//! off): each message an entry.

use std::io::Write;
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

use sockscope::session::Mode;
use sockscope::tab::FramingKind;

use crate::app_run::{Frames, click_checkbox_in_section, tcp_server_app};
use crate::report::{Report, Row, count};

const LINE: usize = 100;

pub fn run(report: &mut Report) {
    let lines: u64 = crate::sized(2_000_000, 500_000);
    let (mut harness, local) = tcp_server_app();
    // The checkbox is in the Entries section, folded at start.
    click_checkbox_in_section(&mut harness, "Entries and memory", "Auto newline");
    crate::common::step_until(&mut harness, "the tab framing by lines", |h| {
        h.state().tab(Mode::TcpServer).settings().framing.kind == FramingKind::Lines
    });
    let before = harness.state().tab(Mode::TcpServer).session().log.pushed();

    let start = Instant::now();
    let client = thread::spawn(move || {
        let mut stream = TcpStream::connect(local).expect("connect");
        let mut line = [b'm'; LINE];
        line[LINE - 1] = b'\n';
        let batch: Vec<u8> = line.repeat(1000);
        for _ in 0..lines / 1000 {
            stream.write_all(&batch).expect("write");
        }
    });
    let mut frames = Frames::default();
    let done = |h: &egui_kittest::Harness<'static, sockscope::App>| {
        let session = h.state().tab(Mode::TcpServer).session();
        // The connect note is an entry too.
        session.log.pushed() > before + lines
    };
    frames.run_until(&mut harness, Duration::from_secs(300), done);
    let elapsed = start.elapsed().as_secs_f64();
    client.join().expect("sender");
    let session = harness.state().tab(Mode::TcpServer).session();
    assert_eq!(session.counters.rx_bytes, lines * LINE as u64);
    let rate = lines as f64 / elapsed;
    report.row(Row {
        benchmark: "100-byte TCP messages, by-line framing".to_owned(),
        baseline: None,
        measured: format!(
            "{:.0}k entries/s ({} in {elapsed:.1} s; frame p99 {:.1} ms)",
            rate / 1000.0,
            count(lines),
            frames.quantile_ms(0.99)
        ),
        ratio: None,
        target: "≥ 200k entries/s".to_owned(),
        met: Some(rate >= 200_000.0),
    });
    report.figures(
        "lines",
        serde_json::json!({
            "lines": lines,
            "line_bytes": LINE,
            "seconds": elapsed,
            "entries_per_s": rate,
            "frames": frames.summary(),
        }),
    );
}
