//! The benchmark suite: floods and scale, each against a baseline measured in the same run
//! where it has one. `cargo bench` runs it all (release); `cargo bench -- NAME` runs the
//! benchmarks whose name contains NAME. Prints a table and writes target/bench-results.json.
//! `cargo bench -- --short` runs every benchmark at small sizes and judges no target (CI does,
//! so that none stops running unseen); its figures go to target/bench-results-short.json.
//! A benchmark that panics does not stop the others; the suite then exits with status 1.
#![allow(clippy::print_stdout, clippy::expect_used, clippy::unwrap_used)] // a benchmark reports, and stops on setup failure

mod app_run;
mod auto_reply;
// The UI tests' helpers: driving the App the way a user does.
mod clients;
mod cold_start;
#[path = "../../tests/common/mod.rs"]
mod common;
mod lines;
mod log_scale;
mod pcapng_record;
mod replay;
mod report;
mod slow_record;
mod tcp_flood;
mod tls;
mod udp_flood;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::process::Command;
use std::sync::OnceLock;

use report::Report;

type Bench = fn(&mut Report);

const BENCHES: &[(&str, Bench)] = &[
    ("cold_start", cold_start::run),
    ("tcp_flood", tcp_flood::run),
    ("udp_flood", udp_flood::run),
    ("lines", lines::run),
    ("clients", clients::run),
    ("log_scale", log_scale::run),
    ("slow_record", slow_record::run),
    ("auto_reply", auto_reply::run),
    ("tls", tls::run),
    ("pcapng_record", pcapng_record::run),
    ("replay", replay::run),
];

/// Set in the processes this benchmark starts for a part: the App's cold start, or the
/// clients of the 10,000-client benchmark.
pub const ROLE_VAR: &str = "SOCKSCOPE_BENCH_ROLE";

/// `1` makes a short run, as `--short` does; the suite sets it in the processes it starts,
/// which take no arguments but size their part too.
pub const SHORT_VAR: &str = "SOCKSCOPE_BENCH_SHORT";

/// Whether this is a short run: small sizes, figures printed, no target judged.
pub fn short() -> bool {
    static SHORT: OnceLock<bool> = OnceLock::new();
    *SHORT.get_or_init(|| {
        std::env::var(SHORT_VAR).is_ok_and(|value| value == "1")
            || std::env::args().skip(1).any(|arg| arg == "--short")
    })
}

/// A benchmark's size: `full` in a full run, `small` in a short one.
pub fn sized<T>(full: T, small: T) -> T {
    if short() { small } else { full }
}

/// This benchmark's executable in `role`, told whether the run is short.
pub fn role_process(role: &str) -> Command {
    let exe = std::env::current_exe().expect("this benchmark's path");
    let mut command = Command::new(exe);
    command.env(ROLE_VAR, role);
    if short() {
        command.env(SHORT_VAR, "1");
    }
    command
}

fn main() {
    match std::env::var(ROLE_VAR).as_deref() {
        Ok(cold_start::ROLE) => return cold_start::child(),
        Ok(clients::ROLE) => return clients::child(),
        Ok(slow_record::ROLE) => return slow_record::child(),
        _ => {}
    }
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with('-'))
        .collect();
    let mut report = Report::new(short());
    if short() {
        println!("short run: small sizes, figures printed, no target judged");
    }
    let mut failed = Vec::new();
    let start = std::time::Instant::now();
    for (name, bench) in BENCHES {
        if filters.is_empty() || filters.iter().any(|filter| name.contains(filter.as_str())) {
            println!("{name}…");
            let began = std::time::Instant::now();
            // The panic's message is printed by the hook; the other benchmarks still run.
            if catch_unwind(AssertUnwindSafe(|| bench(&mut report))).is_err() {
                println!("  FAILED: {name} panicked");
                failed.push(*name);
            }
            println!("  ({:.0} s)", began.elapsed().as_secs_f64());
        }
    }
    println!();
    print!("{}", report.table());
    println!("all in {:.0} s", start.elapsed().as_secs_f64());
    let path = std::path::Path::new(if short() {
        "target/bench-results-short.json"
    } else {
        "target/bench-results.json"
    });
    match std::fs::write(path, format!("{:#}\n", report.json())) {
        Ok(()) => println!("figures written to {}", path.display()),
        Err(error) => println!("could not write {}: {error}", path.display()),
    }
    if !failed.is_empty() {
        println!("FAILED: {}", failed.join(", "));
        std::process::exit(1);
    }
}
