//! 1,400-byte datagrams sent as fast as one thread can into the App's UDP tab, against a
//! plain recv loop in the same run: how many of them each receives, and how many the App was
//! told the OS dropped (its SO_RXQ_OVFL count).

use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use sockscope::session::Mode;

use crate::app_run::{Frames, udp_app};
use crate::report::{Report, Row, count};

const SIZE: usize = 1400;
/// Once the sender is done, a receiver that got nothing for this long has had everything.
const QUIET: Duration = Duration::from_millis(300);

/// How many datagrams each receiver is sent.
fn datagrams() -> u64 {
    crate::sized(500_000, 20_000)
}

/// Sends [`datagrams`] datagrams to `target`; sets `done` when finished.
fn sender(target: SocketAddr, done: Arc<AtomicBool>) -> thread::JoinHandle<Duration> {
    let datagrams = datagrams();
    thread::spawn(move || {
        let socket = UdpSocket::bind("127.0.0.1:0").expect("bind");
        let datagram = vec![0xA5; SIZE];
        let start = Instant::now();
        for _ in 0..datagrams {
            // A full buffer on loopback drops at the receiver, not here; errors are counted
            // as drops the same way for both receivers.
            let _ = socket.send_to(&datagram, target);
        }
        done.store(true, Ordering::SeqCst);
        start.elapsed()
    })
}

fn baseline() -> (u64, Duration) {
    let socket = UdpSocket::bind("127.0.0.1:0").expect("bind");
    socket
        .set_read_timeout(Some(Duration::from_millis(20)))
        .expect("timeout");
    let target = socket.local_addr().expect("addr");
    let done = Arc::new(AtomicBool::new(false));
    let client = sender(target, Arc::clone(&done));
    let mut buffer = vec![0; 65536];
    let mut received = 0;
    let mut last = Instant::now();
    loop {
        match socket.recv_from(&mut buffer) {
            Ok(_) => {
                received += 1;
                last = Instant::now();
            }
            Err(_) if done.load(Ordering::SeqCst) && last.elapsed() > QUIET => break,
            Err(_) => {}
        }
    }
    (received, client.join().expect("sender"))
}

/// Datagrams received, dropped as the App counted them, the sender's time, and the frames.
fn through_the_app() -> (u64, u64, Duration, Frames) {
    let (mut harness, local) = udp_app();
    let done = Arc::new(AtomicBool::new(false));
    let client = sender(local, Arc::clone(&done));
    let mut frames = Frames::default();
    let mut seen = 0;
    let mut last = Instant::now();
    loop {
        frames.step(&mut harness);
        let received = harness
            .state()
            .tab(Mode::Udp)
            .session()
            .counters
            .rx_messages;
        if received != seen {
            seen = received;
            last = Instant::now();
        } else if done.load(Ordering::SeqCst) && last.elapsed() > QUIET {
            break;
        }
    }
    let dropped = harness.state().tab(Mode::Udp).session().counters.dropped;
    (seen, dropped, client.join().expect("sender"), frames)
}

pub fn run(report: &mut Report) {
    let (plain, plain_send) = baseline();
    let (ours, dropped, our_send, frames) = through_the_app();
    let ratio = ours as f64 / plain as f64;
    let sent = datagrams();
    let percent = |n: u64| n as f64 * 100.0 / sent as f64;
    report.row(Row {
        benchmark: format!("UDP flood, {} datagrams of {SIZE} bytes", count(sent)),
        baseline: Some(format!("{plain} ({:.0}%)", percent(plain))),
        measured: format!(
            "{ours} ({:.0}%); {dropped} counted as dropped ({:.0}% accounted for)",
            percent(ours),
            percent(ours + dropped)
        ),
        ratio: Some(ratio),
        target: "≥ 90%".to_owned(),
        met: Some(ratio >= 0.9),
    });
    println!(
        "  sent in {:.2} s (baseline run) and {:.2} s (Sockscope run); frame p99 {:.1} ms",
        plain_send.as_secs_f64(),
        our_send.as_secs_f64(),
        frames.quantile_ms(0.99)
    );
    report.figures(
        "udp_flood",
        serde_json::json!({
            "datagrams_sent": sent,
            "datagram_bytes": SIZE,
            "baseline_received": plain,
            "sockscope_received": ours,
            "sockscope_dropped_counted": dropped,
            "ratio": ratio,
            "baseline_send_s": plain_send.as_secs_f64(),
            "sockscope_send_s": our_send.as_secs_f64(),
            "frames": frames.summary(),
        }),
    );
}
