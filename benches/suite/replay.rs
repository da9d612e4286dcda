//! Replay timing: a UDP worker replays 500 messages (100 in a short run) with irregular
//! recorded gaps (1 to 20 ms, about 5 s in all) to a peer that notes when each arrives; each
//! message's error is its arrival, from the first, against its recorded offset. Also ten
//! times faster.

use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use sockscope::net::{
    Command, EventKind, RemoteTarget, ReplaySpec, SendTarget, UdpOptions, spawn_udp,
};

use crate::report::{Report, Row};

/// How many messages each replay sends.
fn messages() -> usize {
    crate::sized(500, 100)
}

/// Irregular gaps, the same every run.
fn timeline() -> Vec<(Duration, Vec<u8>)> {
    let mut state: u32 = 12345;
    let mut offset = Duration::ZERO;
    (0..messages())
        .map(|index| {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
            if index > 0 {
                offset += Duration::from_millis(1 + u64::from((state >> 16) % 20));
            }
            (offset, (index as u32).to_be_bytes().to_vec())
        })
        .collect()
}

/// The errors of one replay at `speed_permille`, in ms, sorted.
fn errors(speed_permille: u32) -> Vec<f64> {
    let peer = UdpSocket::bind("127.0.0.1:0").expect("bind");
    peer.set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let port = peer.local_addr().expect("addr").port();
    let worker =
        spawn_udp(SocketAddr::from(([127, 0, 0, 1], 0)), UdpOptions::default()).expect("spawn");
    loop {
        let event = worker
            .next_event(Instant::now() + Duration::from_secs(5))
            .expect("opened");
        if matches!(event.kind, EventKind::Opened { .. }) {
            break;
        }
    }
    let messages = timeline();
    let offsets: Vec<Duration> = messages.iter().map(|(offset, _)| *offset).collect();
    worker.send(Command::StartReplay(ReplaySpec {
        messages,
        to: SendTarget::Datagram(Some(RemoteTarget {
            host: "127.0.0.1".to_owned(),
            port,
        })),
        speed_permille: Some(speed_permille),
    }));
    let mut arrivals = vec![None; offsets.len()];
    let mut buffer = [0; 16];
    for _ in 0..offsets.len() {
        let (len, _) = peer.recv_from(&mut buffer).expect("a message");
        let index = u32::from_be_bytes(buffer[..len.min(4)].try_into().unwrap_or([0; 4]));
        if let Some(slot) = arrivals.get_mut(index as usize) {
            *slot = Some(Instant::now());
        }
    }
    let first = arrivals[0].expect("the first");
    let scale = 1000.0 / f64::from(speed_permille);
    let mut errors: Vec<f64> = arrivals
        .iter()
        .zip(&offsets)
        .filter_map(|(arrival, offset)| {
            let took = arrival.as_ref()?.duration_since(first).as_secs_f64();
            Some((took - offset.as_secs_f64() * scale).abs() * 1000.0)
        })
        .collect();
    errors.sort_by(f64::total_cmp);
    worker.shutdown_and_join();
    errors
}

pub fn run(report: &mut Report) {
    for (speed_permille, label) in [(1000, "×1"), (10_000, "×10")] {
        let errors = errors(speed_permille);
        let at = |q: f64| errors[((errors.len() - 1) as f64 * q) as usize];
        let max = at(1.0);
        report.row(Row {
            benchmark: format!(
                "Replay of {} UDP messages at {label}: timing error",
                messages()
            ),
            baseline: None,
            measured: format!(
                "median {:.2} ms, p99 {:.2} ms, max {max:.2} ms",
                at(0.5),
                at(0.99)
            ),
            ratio: None,
            target: "≤ 5 ms a message".to_owned(),
            met: Some(max <= 5.0),
        });
    }
}
