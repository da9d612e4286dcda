//! Recording a TCP flood as pcapng: the App's TCP Server tab takes a flood with `--log
//! FILE.pcapng`, and the recording's rate (every byte in the file, the App closed) is set
//! beside the rate the same tab takes the same flood unrecorded, in the same run; `.jsonl`
//! (hex and text, about 4.5 bytes a byte) at a quarter of the size, for contrast. The files go
//! to memory (`/dev/shm`) where there is one, so the figure is the recorder's and not the
//! disk's (this machine's disk writes 340 MB/s to 1.4 GB/s); `SOCKSCOPE_RECORD_DIR` chooses.

use std::path::Path;
use std::time::{Duration, Instant};

use sockscope::StartOptions;
use sockscope::session::Mode;

use crate::app_run::{Frames, tcp_server_app_with};
use crate::report::{Report, Row, mb, mib_per_s};
use crate::tcp_flood::sender;

/// `SOCKSCOPE_RECORD_MIB` sets the size (default 1 GiB; 64 MiB in a short run).
fn total_bytes() -> u64 {
    let mib: u64 = std::env::var("SOCKSCOPE_RECORD_MIB")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or_else(|| crate::sized(1024, 64));
    mib * 1024 * 1024
}

struct Run {
    /// Until the tab counted every byte.
    ingest: Duration,
    /// Until the App was gone, its recording complete.
    recorded: Duration,
    file_bytes: u64,
    /// CPU time the whole process used (the sender's thread too), where the OS tells.
    cpu: Option<f64>,
}

/// User and system CPU seconds of this process so far (Linux: `/proc/self/stat`, in the
/// kernel's fixed 100 ticks a second).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = |index: usize| fields.get(index)?.parse::<f64>().ok();
    // utime and stime are the 14th and 15th fields; the state (the 3rd) is fields[0].
    Some((ticks(11)? + ticks(12)?) / 100.0)
}

/// Floods the tab with `total` bytes, recording to `log` if given, at display rate.
fn flood(total: u64, log: Option<&Path>) -> Run {
    let options = StartOptions {
        log: log.map(Path::to_path_buf),
        // One file: the size of a part is not what is measured.
        split_bytes: u64::MAX / 2,
        ..StartOptions::default()
    };
    let (mut harness, local) = tcp_server_app_with(options);
    let cpu_start = cpu_seconds();
    let start = Instant::now();
    let client = sender(local, total);
    let mut frames = Frames::default();
    frames.run_until(&mut harness, Duration::from_secs(900), |h| {
        h.state().tab(Mode::TcpServer).session().counters.rx_bytes >= total
    });
    let ingest = start.elapsed();
    client.join().expect("sender");
    drop(harness);
    let recorded = start.elapsed();
    let cpu = cpu_seconds().zip(cpu_start).map(|(end, start)| end - start);
    let file_bytes = log
        .and_then(|path| std::fs::metadata(path).ok())
        .map_or(0, |meta| meta.len());
    Run {
        ingest,
        recorded,
        file_bytes,
        cpu,
    }
}

pub fn run(report: &mut Report) {
    let total = total_bytes();
    let place = std::env::var_os("SOCKSCOPE_RECORD_DIR")
        .map(std::path::PathBuf::from)
        .or_else(|| Some(Path::new("/dev/shm").to_path_buf()).filter(|shm| shm.is_dir()))
        .unwrap_or_else(std::env::temp_dir);
    let dir = tempfile::tempdir_in(&place).expect("a directory");
    // Warm up once, so neither path pays for first-touch costs alone.
    flood(crate::sized(64, 16) * 1024 * 1024, None);
    let plain = flood(total, None);
    let pcapng_path = dir.path().join("flood.pcapng");
    let pcapng = flood(total, Some(&pcapng_path));
    let _ = std::fs::remove_file(&pcapng_path);
    let quarter = total / 4;
    let jsonl_path = dir.path().join("flood.jsonl");
    let jsonl = flood(quarter, Some(&jsonl_path));
    let _ = std::fs::remove_file(&jsonl_path);

    let ingest_rate = mib_per_s(total, plain.ingest.as_secs_f64());
    let pcapng_rate = mib_per_s(total, pcapng.recorded.as_secs_f64());
    let jsonl_rate = mib_per_s(quarter, jsonl.recorded.as_secs_f64());
    let ratio = pcapng_rate / ingest_rate;
    report.row(Row {
        benchmark: format!(
            "TCP flood recorded as .pcapng ({} MiB, file {}, in {})",
            total >> 20,
            mb(pcapng.file_bytes),
            place.display()
        ),
        baseline: Some(format!("{ingest_rate:.0} MiB/s taken in, unrecorded")),
        measured: format!("{pcapng_rate:.0} MiB/s recorded"),
        ratio: Some(ratio),
        target: "≥ 90%".to_owned(),
        met: Some(ratio >= 0.9),
    });
    if let (Some(plain_cpu), Some(pcapng_cpu)) = (plain.cpu, pcapng.cpu) {
        // Where another process takes CPU time too, rates swing with it; the CPU a flood
        // costs does not, and on a machine the flood saturates the two ratios agree.
        report.row(Row {
            benchmark: format!(
                "CPU time for the {} MiB flood, recorded as .pcapng",
                total >> 20
            ),
            baseline: Some(format!("{plain_cpu:.2} s unrecorded")),
            measured: format!("{pcapng_cpu:.2} s recorded"),
            ratio: Some(plain_cpu / pcapng_cpu),
            target: "reported".to_owned(),
            met: None,
        });
    }
    report.row(Row {
        benchmark: format!(
            "The same recorded as .jsonl ({} MiB, file {})",
            quarter >> 20,
            mb(jsonl.file_bytes)
        ),
        baseline: Some(format!("{ingest_rate:.0} MiB/s taken in, unrecorded")),
        measured: format!("{jsonl_rate:.0} MiB/s recorded"),
        ratio: Some(jsonl_rate / ingest_rate),
        target: "reported".to_owned(),
        met: None,
    });
    report.figures(
        "pcapng_record",
        serde_json::json!({
            "bytes": total,
            "unrecorded_ingest_seconds": plain.ingest.as_secs_f64(),
            "pcapng_ingest_seconds": pcapng.ingest.as_secs_f64(),
            "pcapng_recorded_seconds": pcapng.recorded.as_secs_f64(),
            "pcapng_file_bytes": pcapng.file_bytes,
            "unrecorded_cpu_seconds": plain.cpu,
            "pcapng_cpu_seconds": pcapng.cpu,
            "jsonl_bytes": quarter,
            "jsonl_recorded_seconds": jsonl.recorded.as_secs_f64(),
            "jsonl_file_bytes": jsonl.file_bytes,
        }),
    );
}
