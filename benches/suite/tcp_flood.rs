//! A TCP client sending as fast as it can into the App's TCP Server tab, stepping frames at
//! display rate, against a plain read loop in the same run: ingest rate, frame times, and
//! resident memory along the way (the store at its default cap).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use sockscope::session::Mode;

use crate::app_run::{Frames, resident_bytes, tcp_server_app};
use crate::report::{Report, Row, mb, mib_per_s, size};

const CHUNK: usize = 64 * 1024;

/// `SOCKSCOPE_FLOOD_MIB` sets the size (default 10 GiB: the memory target's flood; 512 MiB
/// in a short run).
fn flood_bytes() -> u64 {
    let mib: u64 = std::env::var("SOCKSCOPE_FLOOD_MIB")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or_else(|| crate::sized(10 * 1024, 512));
    mib * 1024 * 1024
}

/// A client that writes `total` bytes to `addr` as fast as the socket takes them.
pub fn sender(addr: SocketAddr, total: u64) -> thread::JoinHandle<()> {
    thread::spawn(move || {
        let mut stream = TcpStream::connect(addr).expect("connect");
        let block = vec![0x5A; CHUNK];
        let mut left = total;
        while left > 0 {
            let size = left.min(CHUNK as u64) as usize;
            stream.write_all(&block[..size]).expect("write");
            left -= size as u64;
        }
    })
}

/// The baseline: a plain blocking read loop into a sink.
fn baseline(total: u64) -> Duration {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let start = Instant::now();
    let client = sender(addr, total);
    let (mut stream, _) = listener.accept().expect("accept");
    let mut buffer = vec![0; CHUNK];
    let mut read = 0;
    while read < total {
        let n = stream.read(&mut buffer).expect("read");
        assert!(n > 0, "closed early");
        read += n as u64;
    }
    let elapsed = start.elapsed();
    client.join().expect("sender");
    elapsed
}

struct Flood {
    elapsed: Duration,
    frames: Frames,
    /// (bytes received so far, resident bytes then), ten samples along the flood.
    memory: Vec<(u64, u64)>,
}

/// The App takes the flood, a frame at a time at display rate.
fn through_the_app(total: u64) -> Flood {
    let (mut harness, local) = tcp_server_app();
    let start = Instant::now();
    let client = sender(local, total);
    let mut frames = Frames::default();
    let mut memory = Vec::new();
    let mut next_sample = total / 10;
    let limit = Duration::from_secs(600);
    loop {
        let received = harness
            .state()
            .tab(Mode::TcpServer)
            .session()
            .counters
            .rx_bytes;
        if received >= next_sample {
            memory.push((received, resident_bytes().unwrap_or(0)));
            next_sample += total / 10;
        }
        if received >= total {
            break;
        }
        assert!(start.elapsed() < limit, "the flood took over {limit:?}");
        frames.step(&mut harness);
    }
    let elapsed = start.elapsed();
    client.join().expect("sender");
    Flood {
        elapsed,
        frames,
        memory,
    }
}

pub fn run(report: &mut Report) {
    let total = flood_bytes();
    // Warm up both paths once, so neither pays for first-touch costs alone.
    let warm_up = crate::sized(64, 16) * 1024 * 1024;
    baseline(warm_up);
    through_the_app(warm_up);

    let plain = baseline(total);
    let flood = through_the_app(total);
    let plain_rate = mib_per_s(total, plain.as_secs_f64());
    let our_rate = mib_per_s(total, flood.elapsed.as_secs_f64());
    let ratio = our_rate / plain_rate;
    let size = size(total);
    report.row(Row {
        benchmark: format!("TCP flood into a TCP Server tab ({size})"),
        baseline: Some(format!("{plain_rate:.0} MiB/s")),
        measured: format!("{our_rate:.0} MiB/s"),
        ratio: Some(ratio),
        target: "≥ 60%".to_owned(),
        met: Some(ratio >= 0.6),
    });
    let p99 = flood.frames.quantile_ms(0.99);
    report.row(Row {
        benchmark: "UI frame time during that flood".to_owned(),
        baseline: None,
        measured: format!(
            "p99 {p99:.1} ms (p50 {:.1}, max {:.1}; {} frames)",
            flood.frames.quantile_ms(0.5),
            flood.frames.quantile_ms(1.0),
            flood.frames.count()
        ),
        ratio: None,
        target: "p99 ≤ 16 ms".to_owned(),
        met: Some(p99 <= 16.0),
    });
    let resident: Vec<u64> = flood.memory.iter().map(|(_, rss)| *rss).collect();
    let last = resident.last().copied().unwrap_or(0);
    let peak = resident.iter().copied().max().unwrap_or(0);
    // Flat: the second half of the flood adds no more than 5% to what the first half reached.
    let half = resident.get(resident.len() / 2).copied().unwrap_or(0);
    let flat = last <= half + half / 20;
    report.row(Row {
        benchmark: format!("Resident memory after the {size} flood"),
        baseline: None,
        measured: format!("{} (peak {}, at half way {})", mb(last), mb(peak), mb(half)),
        ratio: None,
        target: "≤ 300 MB and flat".to_owned(),
        met: Some(last <= 300_000_000 && peak <= 300_000_000 && flat),
    });
    report.figures(
        "tcp_flood",
        serde_json::json!({
            "bytes": total,
            "baseline_mib_s": plain_rate,
            "sockscope_mib_s": our_rate,
            "ratio": ratio,
            "target_ratio": 0.6,
            "frames": flood.frames.summary(),
            "resident_bytes": flood.memory.iter()
                .map(|(received, rss)| serde_json::json!({"received": received, "resident": rss}))
                .collect::<Vec<_>>(),
        }),
    );
}
