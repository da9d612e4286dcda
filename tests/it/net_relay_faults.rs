//! Faults the relay puts into a way on purpose, measured with plain loopback sockets: a
//! delay, a bandwidth limit, and cutting a pair after so many bytes.

use std::io::{ErrorKind, Read, Write};
use std::time::{Duration, Instant};

use sockscope::net::{CloseReason, Command, EventKind, NetError, RelayFaults, Toward};

use super::net_relay::{LOCALHOST, random_bytes, relayed_pair};
use crate::common_net::expect_event;

/// Puts `faults` into the way toward the upstream of the relay `worker` runs.
fn fault(worker: &sockscope::net::Worker, faults: RelayFaults) {
    assert!(worker.send(Command::Faults {
        toward: Toward::Upstream,
        faults
    }));
}

#[test]
fn a_delay_holds_each_read_back_and_the_other_way_is_not_delayed() {
    let (worker, mut pair, _) = relayed_pair(LOCALHOST);
    fault(
        &worker,
        RelayFaults {
            delay: Duration::from_millis(800),
            ..RelayFaults::default()
        },
    );
    // A read through both ways first: the fault is in place before the timed one.
    pair.upstream.write_all(b"ready").expect("write");
    let mut ready = [0; 5];
    pair.client.read_exact(&mut ready).expect("not delayed");
    let sent = Instant::now();
    pair.client.write_all(b"ping").expect("write");
    // The other way is not delayed: an answer comes back while the ping still waits.
    pair.upstream.write_all(b"pong").expect("write");
    let mut pong = [0; 4];
    pair.client.read_exact(&mut pong).expect("U->C");
    pair.upstream.set_nonblocking(true).expect("a look");
    let early = pair.upstream.read(&mut [0; 4]);
    assert!(
        matches!(&early, Err(error) if error.kind() == ErrorKind::WouldBlock),
        "the ping waits: {early:?}"
    );
    pair.upstream.set_nonblocking(false).expect("blocking");
    let mut ping = [0; 4];
    pair.upstream
        .read_exact(&mut ping)
        .expect("delayed, not lost");
    let took = sent.elapsed();
    assert_eq!(&ping, b"ping");
    eprintln!("delay 800 ms: the read took {} ms", took.as_millis());
    // Never early (a lower bound: how late it may be is the machine's).
    assert!(took >= Duration::from_millis(800), "{took:?}");
}

#[test]
fn a_bandwidth_limit_paces_the_way() {
    const SIZE: usize = 512 * 1024;
    const RATE: u64 = 1024 * 1024;
    let (worker, pair, _) = relayed_pair(LOCALHOST);
    fault(
        &worker,
        RelayFaults {
            rate: Some(RATE),
            ..RelayFaults::default()
        },
    );
    // After a round trip, the limit is in place (under load the first read once came first).
    let mut pair = pair;
    sync(&mut pair);
    let bytes = random_bytes(SIZE, 7);
    let mut client = pair.client;
    let writer = {
        let bytes = bytes.clone();
        std::thread::spawn(move || {
            client.write_all(&bytes).expect("write");
            client
        })
    };
    let mut upstream = pair.upstream;
    let started = Instant::now();
    let mut got = vec![0; SIZE];
    upstream.read_exact(&mut got).expect("all of it, paced");
    let took = started.elapsed().as_secs_f64();
    let rate = SIZE as f64 / took / 1024.0;
    eprintln!("limit 1024 KiB/s: 512 KiB took {took:.3} s, {rate:.0} KiB/s");
    assert_eq!(got, bytes);
    // Half a second at the limit; the first read leaves after its own share of it.
    assert!(took >= 0.45, "paced: {took} s");
    assert!(rate <= 1024.0 * 1.15, "at most the limit: {rate} KiB/s");
    drop(writer.join().expect("the writer"));
}

#[test]
fn a_cut_passes_exactly_so_many_bytes_then_resets_both_sides() {
    let (worker, mut pair, _) = relayed_pair(LOCALHOST);
    fault(
        &worker,
        RelayFaults {
            cut_after: Some(1000),
            ..RelayFaults::default()
        },
    );
    // After a round trip, the fault is in place.
    pair.upstream.write_all(b"ready").expect("write");
    let mut ready = [0; 5];
    pair.client.read_exact(&mut ready).expect("ready");
    pair.client
        .write_all(&random_bytes(4000, 3))
        .expect("the client writes more than the cut");
    let mut got = Vec::new();
    let mut chunk = [0; 4096];
    loop {
        match pair.upstream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&chunk[..n]),
            Err(error) if error.kind() == ErrorKind::ConnectionReset => break,
            Err(error) => panic!("the upstream's read: {error}"),
        }
    }
    assert_eq!(
        got,
        random_bytes(4000, 3)[..1000],
        "exactly the first 1000 bytes"
    );
    let ended = expect_event(
        &worker,
        |kind| matches!(kind, EventKind::ClientDisconnected { id, .. } if *id == pair.id),
    );
    let EventKind::ClientDisconnected { reason, .. } = ended else {
        unreachable!("expect_event returns the awaited event");
    };
    assert_eq!(
        reason,
        CloseReason::Failed(NetError::Cut {
            after: 1000,
            toward: Toward::Upstream
        })
    );
    match pair.client.read(&mut chunk) {
        Err(error) if error.kind() == ErrorKind::ConnectionReset => {}
        Ok(0) => panic!("the client should see a reset, not an end"),
        other => panic!("the client's read: {other:?}"),
    }
}

#[test]
fn rewrite_rules_replace_drop_and_cut() {
    use sockscope::net::{RewriteAction, RewriteFind, RewriteRule};
    let (worker, mut pair, _) = relayed_pair(LOCALHOST);
    let rule = |find: &str, action| RewriteRule {
        find: RewriteFind::Contains(find.as_bytes().to_vec()),
        action,
    };
    assert!(worker.send(Command::Rewrite {
        toward: Toward::Upstream,
        rules: vec![
            rule("temp=", RewriteAction::Replace(b"t=".to_vec())),
            rule("PING", RewriteAction::Drop),
            rule("BYE", RewriteAction::Cut),
        ],
    }));
    // After a round trip, the rules are in place.
    pair.upstream.write_all(b"ready").expect("write");
    let mut ready = [0; 5];
    pair.client.read_exact(&mut ready).expect("ready");

    pair.client.write_all(b"temp=21 temp=22\n").expect("write");
    let mut changed = [0; 10];
    pair.upstream.read_exact(&mut changed).expect("rewritten");
    assert_eq!(&changed, b"t=21 t=22\n");
    let said = expect_event(&worker, |kind| matches!(kind, EventKind::Rewritten { .. }));
    assert!(
        matches!(said, EventKind::Rewritten { rule: 0, bytes: Some(ref b), .. } if b == b"t=21 t=22\n")
    );

    pair.client.write_all(b"PING\n").expect("write");
    let dropped = expect_event(&worker, |kind| matches!(kind, EventKind::Rewritten { .. }));
    assert!(matches!(
        dropped,
        EventKind::Rewritten {
            rule: 1,
            bytes: None,
            ..
        }
    ));
    pair.client.write_all(b"next\n").expect("write");
    let mut next = [0; 5];
    pair.upstream
        .read_exact(&mut next)
        .expect("the read after the dropped one");
    assert_eq!(&next, b"next\n", "PING never reached the upstream");

    pair.client.write_all(b"BYE\n").expect("write");
    let ended = expect_event(
        &worker,
        |kind| matches!(kind, EventKind::ClientDisconnected { id, .. } if *id == pair.id),
    );
    assert!(matches!(
        ended,
        EventKind::ClientDisconnected {
            reason: CloseReason::Failed(NetError::CutByRule {
                rule: 2,
                toward: Toward::Upstream
            }),
            ..
        }
    ));
}

/// A round trip through the pair: what was sent to the worker before it is in place.
fn sync(pair: &mut super::net_relay::Pair) {
    pair.upstream.write_all(b"ready").expect("write");
    let mut ready = [0; 5];
    pair.client.read_exact(&mut ready).expect("ready");
}

/// Waits until the relay has read `bytes` from the client.
fn read_by_relay(worker: &sockscope::net::Worker, bytes: &[u8]) {
    expect_event(
        worker,
        |kind| matches!(kind, EventKind::Forwarded { bytes: read, .. } if read == bytes),
    );
}

fn delay(ms: u64) -> RelayFaults {
    RelayFaults {
        delay: Duration::from_millis(ms),
        ..RelayFaults::default()
    }
}

/// The upstream's next `len` bytes, as text for a readable failure.
fn next_at_upstream(pair: &mut super::net_relay::Pair, len: usize) -> String {
    let mut got = vec![0; len];
    pair.upstream.read_exact(&mut got).expect("read");
    String::from_utf8_lossy(&got).into_owned()
}

#[test]
fn a_delay_lifted_while_a_read_waits_keeps_the_order() {
    let (worker, mut pair, _) = relayed_pair(LOCALHOST);
    fault(&worker, delay(500));
    sync(&mut pair);
    pair.client.write_all(b"AAAA").expect("write");
    read_by_relay(&worker, b"AAAA");
    fault(&worker, RelayFaults::default());
    sync(&mut pair);
    pair.client.write_all(b"BBBB").expect("write");
    assert_eq!(next_at_upstream(&mut pair, 8), "AAAABBBB");
}

#[test]
fn a_held_read_let_go_goes_behind_a_delayed_one() {
    let (worker, mut pair, _) = relayed_pair(LOCALHOST);
    fault(&worker, delay(500));
    sync(&mut pair);
    pair.client.write_all(b"AAAA").expect("write");
    read_by_relay(&worker, b"AAAA");
    let hold = |hold| Command::Hold {
        toward: Toward::Upstream,
        hold,
    };
    assert!(worker.send(hold(true)));
    expect_event(&worker, |kind| {
        matches!(kind, EventKind::Held { holding: true, .. })
    });
    pair.client.write_all(b"BBBB").expect("write");
    expect_event(&worker, |kind| {
        matches!(kind, EventKind::Held { reads: 1, .. })
    });
    assert!(worker.send(hold(false)));
    assert_eq!(next_at_upstream(&mut pair, 8), "AAAABBBB");
}

#[test]
fn bytes_put_in_go_behind_a_delayed_read() {
    use sockscope::net::{SendOrigin, SendTarget};
    let (worker, mut pair, _) = relayed_pair(LOCALHOST);
    fault(&worker, delay(500));
    sync(&mut pair);
    pair.client.write_all(b"AAAA").expect("write");
    read_by_relay(&worker, b"AAAA");
    assert!(worker.send(Command::Send {
        bytes: b"IIII".to_vec(),
        to: SendTarget::Relay {
            pairs: vec![pair.id],
            toward: Toward::Upstream
        },
        origin: SendOrigin::Typed(None),
    }));
    assert_eq!(next_at_upstream(&mut pair, 8), "AAAAIIII");
    expect_event(&worker, |kind| matches!(kind, EventKind::Injected { .. }));
}

#[test]
fn nothing_is_put_in_toward_a_side_told_the_other_finished() {
    use sockscope::net::{SendOrigin, SendTarget};
    let (worker, mut pair, _) = relayed_pair(LOCALHOST);
    pair.upstream
        .shutdown(std::net::Shutdown::Write)
        .expect("the upstream finishes");
    expect_event(&worker, |kind| {
        matches!(
            kind,
            EventKind::HalfClosed {
                toward: Toward::Client,
                ..
            }
        )
    });
    assert!(worker.send(Command::Send {
        bytes: b"late".to_vec(),
        to: SendTarget::Relay {
            pairs: vec![pair.id],
            toward: Toward::Client
        },
        origin: SendOrigin::Typed(None),
    }));
    let refused = expect_event(&worker, |kind| matches!(kind, EventKind::SendFailed { .. }));
    assert!(matches!(
        refused,
        EventKind::SendFailed {
            error: NetError::FinishedToward {
                toward: Toward::Client
            },
            ..
        }
    ));
    // The pair goes on the other way.
    pair.client.write_all(b"still here").expect("write");
    assert_eq!(next_at_upstream(&mut pair, 10), "still here");
}

#[test]
fn a_cut_behind_a_delay_still_passes_exactly_so_many_bytes() {
    let (worker, mut pair, _) = relayed_pair(LOCALHOST);
    fault(
        &worker,
        RelayFaults {
            delay: Duration::from_millis(200),
            cut_after: Some(10),
            ..RelayFaults::default()
        },
    );
    sync(&mut pair);
    pair.client
        .write_all(b"0123456789abcdefghij")
        .expect("write");
    let mut got = Vec::new();
    let mut chunk = [0; 64];
    loop {
        match pair.upstream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&chunk[..n]),
            Err(error) if error.kind() == ErrorKind::ConnectionReset => break,
            Err(error) => panic!("the upstream's read: {error}"),
        }
    }
    assert_eq!(String::from_utf8_lossy(&got), "0123456789");
}
