//! Flood benchmarks, first of the suite: a TCP client sending as fast as it can into a TCP
//! Server session (the real worker, channel and session store), against a plain read loop on
//! the same machine in the same run. Prints a table and writes target/bench-results.json.
//!
//! `cargo bench --bench flood` (release). `SOCKSCOPE_FLOOD_MIB` sets the size (default 2048).
#![allow(clippy::print_stdout, clippy::expect_used)] // a benchmark reports, and stops on setup failure

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use sockscope::net::{EventKind, spawn_tcp_server};
use sockscope::session::{Mode, Session};

const CHUNK: usize = 64 * 1024;

fn flood_bytes() -> u64 {
    let mib: u64 = std::env::var("SOCKSCOPE_FLOOD_MIB")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(2048);
    mib * 1024 * 1024
}

/// A client that writes `total` bytes to `addr` as fast as the socket takes them.
fn sender(addr: SocketAddr, total: u64) -> thread::JoinHandle<()> {
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

/// Sockscope: the TCP Server worker, its event channel, and a session taking every event
/// into its bounded store (as the App does each frame, here as fast as events come).
fn sockscope_ingest(total: u64) -> (Duration, usize) {
    let worker =
        spawn_tcp_server(SocketAddr::from(([127, 0, 0, 1], 0)), Arc::new(|| {})).expect("spawn");
    let mut session = Session::new(Mode::TcpServer);
    session.started();
    let local = loop {
        let event = worker.events().recv().expect("event");
        if let EventKind::Listening { local } = event.kind {
            break local;
        }
    };
    let start = Instant::now();
    let client = sender(local, total);
    let mut events = 0;
    while session.counters.rx_bytes < total {
        let event = worker
            .events()
            .recv_timeout(Duration::from_secs(60))
            .expect("the worker stalled");
        events += 1;
        session.apply(event, |_| {});
    }
    let elapsed = start.elapsed();
    client.join().expect("sender");
    worker.shutdown_and_join();
    (elapsed, events)
}

fn rate(total: u64, elapsed: Duration) -> f64 {
    total as f64 / elapsed.as_secs_f64() / (1024.0 * 1024.0)
}

fn main() {
    let total = flood_bytes();
    // Warm up both paths once, so neither pays for first-touch costs alone.
    baseline(64 * 1024 * 1024);
    sockscope_ingest(64 * 1024 * 1024);

    let plain = baseline(total);
    let (ours, events) = sockscope_ingest(total);
    let plain_rate = rate(total, plain);
    let our_rate = rate(total, ours);
    let ratio = our_rate / plain_rate;
    println!(
        "benchmark                          | baseline         | sockscope        | ratio | target"
    );
    println!(
        "-----------------------------------|------------------|------------------|-------|-------"
    );
    println!(
        "TCP flood into a TCP Server session | {plain_rate:>9.0} MiB/s | {our_rate:>9.0} MiB/s | {:>4.0}% | ≥ 60% {}",
        ratio * 100.0,
        if ratio >= 0.6 { "met" } else { "NOT met" }
    );
    println!(
        "  {} MiB each; {events} events ({:.0} KiB per event)",
        total / (1024 * 1024),
        total as f64 / events as f64 / 1024.0
    );
    let json = serde_json::json!({
        "tcp_flood": {
            "bytes": total,
            "baseline_mib_s": plain_rate,
            "sockscope_mib_s": our_rate,
            "ratio": ratio,
            "target_ratio": 0.6,
            "events": events,
        }
    });
    let path = std::path::Path::new("target/bench-results.json");
    if let Err(error) = std::fs::write(path, format!("{json:#}\n")) {
        println!("could not write {}: {error}", path.display());
    } else {
        println!("figures written to {}", path.display());
    }
}
