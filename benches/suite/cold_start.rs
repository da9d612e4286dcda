//! Cold start to first frame: a fresh process of this benchmark builds the App (fonts
//! included) and runs its first frame headless. Timed from spawning the process to its
//! word that the frame is done.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::app_run::app;
use crate::report::{Report, Row};

/// The environment variable that makes this process the started App instead of the suite.
pub const ROLE: &str = "cold-start";

const RUNS: usize = 5;

/// The child's part: the first frame, then say so.
pub fn child() {
    let _harness = app(None);
    println!("first frame");
}

fn one_start() -> Duration {
    let start = Instant::now();
    let mut child = crate::role_process(ROLE)
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the App's process");
    let stdout = child.stdout.take().expect("stdout");
    let said = BufReader::new(stdout).lines().next();
    let elapsed = start.elapsed();
    assert!(
        matches!(said, Some(Ok(ref line)) if line == "first frame"),
        "the child said {said:?}"
    );
    let _ = child.wait();
    elapsed
}

pub fn run(report: &mut Report) {
    one_start(); // the binary into the page cache
    let mut times: Vec<Duration> = (0..RUNS).map(|_| one_start()).collect();
    times.sort();
    let median = times[RUNS / 2].as_secs_f64() * 1000.0;
    report.row(Row {
        benchmark: "Cold start to first frame (headless, no GPU)".to_owned(),
        baseline: None,
        measured: format!(
            "{median:.0} ms (median of {RUNS}; {:.0}–{:.0})",
            times[0].as_secs_f64() * 1000.0,
            times[RUNS - 1].as_secs_f64() * 1000.0
        ),
        ratio: None,
        target: "< 300 ms".to_owned(),
        met: Some(median < 300.0),
    });
    report.figures(
        "cold_start",
        serde_json::json!({
            "median_ms": median,
            "runs_ms": times.iter().map(|t| t.as_secs_f64() * 1000.0).collect::<Vec<_>>(),
        }),
    );
}
