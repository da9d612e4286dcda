//! Holding one way of the relay, at the worker: what waits is bounded (the sender is slowed,
//! not buffered without end), comes out in order, and a FIN waits behind it.

use std::io::{Read, Write};
use std::net::Shutdown;
use std::time::Instant;

use sha2::{Digest, Sha256};
use sockscope::net::{Command, EventKind, RELAY_WINDOW, Toward};

use super::net_relay::{LOCALHOST, drain_until, random_bytes, relayed_pair};
use crate::common_net::{deadline, expect_event};

/// The next `Held` report toward the upstream that `done` accepts; returns its bytes.
fn held_until(worker: &sockscope::net::Worker, done: impl Fn(bool, usize, usize) -> bool) -> usize {
    let kind = expect_event(worker, |kind| {
        matches!(kind, EventKind::Held { toward: Toward::Upstream, holding, reads, bytes }
            if done(*holding, *reads, *bytes))
    });
    let EventKind::Held { bytes, .. } = kind else {
        unreachable!("expect_event returns the awaited event");
    };
    bytes
}

#[test]
fn a_held_way_is_bounded_and_lets_go_in_order() {
    // More than the kernel's buffers on both sides take, so the writer must wait for the relay.
    const SIZE: usize = 16 * 1024 * 1024;
    let (worker, pair, _) = relayed_pair(LOCALHOST);
    assert!(worker.send(Command::Hold {
        toward: Toward::Upstream,
        hold: true
    }));
    held_until(&worker, |holding, _, _| holding);
    let sent = random_bytes(SIZE, 28);
    let (done, finished) = crossbeam_channel::bounded(1);
    let mut client = pair.client;
    socket2::SockRef::from(&client)
        .set_send_buffer_size(256 * 1024)
        .expect("a small send buffer");
    let writer = {
        let sent = sent.clone();
        std::thread::spawn(move || {
            client.write_all(&sent).expect("the client writes");
            client.shutdown(Shutdown::Write).expect("and finishes");
            let _ = done.send(());
            client
        })
    };
    // What is held grows to the window and no further; the writer cannot finish.
    let mut most = 0;
    let until = Instant::now() + std::time::Duration::from_millis(1500);
    let ended = drain_until(&worker, &finished, until, |kind| {
        if let EventKind::Held { bytes, .. } = kind {
            most = most.max(*bytes);
        }
    });
    assert!(ended.is_none(), "a held way slows its sender");
    assert!(most >= RELAY_WINDOW / 2, "held {most} bytes");
    assert!(
        most <= RELAY_WINDOW + 64 * 1024,
        "held {most} bytes: bounded"
    );
    let mut upstream = pair.upstream;
    upstream.set_nonblocking(true).expect("a non-blocking look");
    assert!(
        upstream.read(&mut [0; 16]).is_err(),
        "nothing reached the upstream while held"
    );
    upstream.set_nonblocking(false).expect("blocking again");

    // Let go: everything, in order, then the client's FIN behind it.
    assert!(worker.send(Command::Hold {
        toward: Toward::Upstream,
        hold: false
    }));
    let reader = std::thread::spawn(move || {
        let mut got = Vec::new();
        upstream.read_to_end(&mut got).expect("all, then the end");
        got
    });
    let until = deadline();
    let _ = drain_until(&worker, &finished, until, |_| {});
    let got = reader.join().expect("the reader");
    writer.join().expect("the writer");
    assert_eq!(got.len(), SIZE);
    assert_eq!(
        Sha256::digest(&got),
        Sha256::digest(&sent),
        "in order, whole"
    );
}

#[test]
fn held_bytes_a_closed_pair_never_delivered_are_said() {
    use sockscope::net::{ClientId, NetError};
    let (worker, mut pair, _) = relayed_pair(LOCALHOST);
    assert!(worker.send(Command::Hold {
        toward: Toward::Upstream,
        hold: true
    }));
    held_until(&worker, |holding, _, _| holding);
    pair.client.write_all(b"abc").expect("write");
    held_until(&worker, |_, reads, _| reads == 1);
    let id: ClientId = pair.id;
    assert!(worker.send(Command::DisconnectClient(id)));
    let said = expect_event(&worker, |kind| {
        matches!(kind, EventKind::Warning(NetError::Undelivered { .. }))
    });
    assert!(matches!(
        said,
        EventKind::Warning(NetError::Undelivered { bytes: 3, .. })
    ));
    expect_event(
        &worker,
        |kind| matches!(kind, EventKind::ClientDisconnected { id: gone, .. } if *gone == id),
    );
}
