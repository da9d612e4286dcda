//! A UDP peer sending from ever new source addresses: the tables kept per peer stay bounded
//! (the log's peer table leaves a peer with its last entry, the traffic chart follows the
//! most recent few), so memory does not grow with the number of peers.
//!
//! Distinct sources: ports on one IP run out near 28,000, so each datagram comes from its own
//! address in 127.0.0.0/8 (all loopback on Linux), from a socket bound there and closed.

use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::time::Instant;

use crate::common::{DEADLINE, app_harness_with, open_udp, shows, step_until};
use egui_kittest::Harness;
use sockscope::session::Mode;
use sockscope::{App, StartOptions};

/// Datagrams sent before waiting for the app to count them: fewer than the socket's receive
/// buffer holds (Linux grants 416 KiB by default, some 400 small datagrams).
const BATCH: usize = 200;

/// The `n`th source address: 127.1.0.1 onwards, skipping .0 and .255.
fn source(n: usize) -> Ipv4Addr {
    let host = n % 254 + 1;
    let rest = n / 254;
    Ipv4Addr::new(127, 1 + (rest / 256) as u8, (rest % 256) as u8, host as u8)
}

/// Sends one datagram from each of the `sources` (numbers for [`source`]), paced by what the
/// tab counted; returns the last source.
fn from_distinct_sources(
    harness: &Harness<'_, App>,
    to: SocketAddr,
    sources: std::ops::Range<usize>,
) -> SocketAddr {
    let counted = |h: &Harness<'_, App>| {
        let counters = h.state().tab(Mode::Udp).session().counters;
        counters.rx_messages + counters.dropped
    };
    let start = counted(harness);
    let mut last = to;
    let (first, end) = (sources.start, sources.end);
    for n in sources {
        let socket = UdpSocket::bind((source(n), 0)).expect("bind a loopback source");
        socket.send_to(b"hi", to).expect("send");
        last = socket.local_addr().expect("address");
        let sent = (n + 1 - first) as u64;
        if sent.is_multiple_of(BATCH as u64) || n + 1 == end {
            // The intake takes them in on its own thread, frames or not.
            let deadline = Instant::now() + DEADLINE;
            while counted(harness) < start + sent {
                assert!(Instant::now() < deadline, "datagram {n} not counted");
                // Leave the cores to the worker and the intake meanwhile.
                std::thread::sleep(std::time::Duration::from_micros(200));
            }
        }
    }
    last
}

/// The UDP tab with a log of 1 MiB: at most 8,192 peers.
fn small_udp_tab() -> (Harness<'static, App>, SocketAddr) {
    udp_tab(Some(1))
}

/// The UDP tab with a log of `keep_mib` (`None`: the default).
fn udp_tab(keep_mib: Option<u64>) -> (Harness<'static, App>, SocketAddr) {
    let options = StartOptions {
        keep_mib,
        ..StartOptions::default()
    };
    let mut harness = app_harness_with(options);
    let local = open_udp(&mut harness);
    (harness, local)
}

/// Checks the tables after `count` sources, the last one `last`.
/// Resident memory in KiB (run alone: other tests in the process would add theirs).
fn rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = status.lines().find_map(|line| line.strip_prefix("VmRSS:"));
    let kib = kib.and_then(|kib| kib.trim().trim_end_matches(" kB").parse::<u64>().ok());
    kib.expect("VmRSS in /proc/self/status")
}

fn check_bounded(harness: &mut Harness<'static, App>, count: usize, last: SocketAddr) {
    step_until(harness, "the last sender shown", |h| {
        shows(h, &last.to_string())
    });

    let session = harness.state().tab(Mode::Udp).session();
    let log = &session.log;
    // Each peer costs the cap over 128 bytes besides its entries.
    let bound = log.cap_bytes() / 128;
    eprintln!(
        "{count} sources: {} datagrams counted, {} dropped by the OS; {} peers kept (bound {bound}), {} entries, {} of {} bytes; chart follows {}",
        session.counters.rx_messages,
        session.counters.dropped,
        log.peers_kept(),
        log.len(),
        log.used_bytes(),
        log.cap_bytes(),
        session.traffic.peers().len()
    );
    assert!(
        session.counters.rx_messages >= count as u64 * 9 / 10,
        "most datagrams arrived"
    );
    assert!(log.peers_kept() > 0 && log.peers_kept() <= bound);
    assert!(log.peers_kept() < count / 10, "older peers left");
    // A new peer's cost (under 512 bytes) may go past the cap until the next entry evicts.
    assert!(log.used_bytes() <= log.cap_bytes() + 512);
    assert!(
        session.traffic.peers().len() <= 320,
        "the chart follows a few"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn a_hundred_and_fifty_thousand_source_addresses_keep_the_peer_tables_bounded() {
    let (mut harness, local) = small_udp_tab();
    let last = from_distinct_sources(&harness, local, 0..150_000);
    check_bounded(&mut harness, 150_000, last);
}

/// The million-source run, alone: `cargo test --test it -- --ignored million --nocapture`.
#[cfg(target_os = "linux")]
#[test]
#[ignore = "a million sockets: about a minute; run on demand"]
fn a_million_source_addresses_keep_the_peer_tables_bounded() {
    let (mut harness, local) = small_udp_tab();
    let last = from_distinct_sources(&harness, local, 0..100_000);
    check_bounded(&mut harness, 100_000, last);
    let at_100k = rss();
    let last = from_distinct_sources(&harness, local, 100_000..1_000_000);
    check_bounded(&mut harness, 1_000_000, last);
    let at_1m = rss();
    eprintln!("resident after 100,000 sources: {at_100k} KiB; after 1,000,000: {at_1m} KiB");
    // A table that kept every peer would hold 900,000 more: some 100 MB.
    assert!(at_1m < at_100k + 16 * 1024, "resident memory grew");
}

/// A million sources at the default log cap (128 MiB): what the log holds, peers and all, stays
/// within it in resident memory too. Alone: `cargo test --test it -- --ignored default_cap`.
#[cfg(target_os = "linux")]
#[test]
#[ignore = "a million sockets: about a minute and 200 MB; run on demand"]
fn a_million_source_addresses_stay_within_the_default_cap() {
    let (mut harness, local) = udp_tab(None);
    let before = rss();
    let last = from_distinct_sources(&harness, local, 0..1_000_000);
    step_until(&mut harness, "the last sender shown", |h| {
        shows(h, &last.to_string())
    });
    let after = rss();
    let session = harness.state().tab(Mode::Udp).session();
    let cap_kib = session.log.cap_bytes() as u64 / 1024;
    eprintln!(
        "1,000,000 sources: {} peers kept, {} entries; resident {before} KiB before, {after} KiB after (cap {cap_kib} KiB)",
        session.log.peers_kept(),
        session.log.len(),
    );
    assert!(
        after - before <= cap_kib + cap_kib / 8,
        "resident memory past the cap"
    );
}
