//! A TCP peer that stops reading while we send: what waits for it is bounded
//! (`SEND_BACKLOG_LIMIT`); sends past it are refused and say why, nothing queued is lost, and
//! once the peer reads again sends go through.

use std::io::{ErrorKind, Read};
use std::time::{Duration, Instant};

use crate::common_net::{deadline, read_exactly, wait_for};
use sockscope::net::{Command, EventKind, NetError, SEND_BACKLOG_LIMIT, SendOrigin, SendTarget};

#[test]
fn sends_to_a_peer_that_stops_reading_stop_at_the_bound_and_say_why() {
    let (worker, mut peer) = crate::common_net::connected_client_worker();

    // Twice the bound, in 1 MiB sends, to a peer that reads nothing yet.
    let chunk = vec![0xC3u8; 1024 * 1024];
    let sends = 2 * SEND_BACKLOG_LIMIT / chunk.len();
    for _ in 0..sends {
        let send = Command::Send {
            bytes: chunk.clone(),
            to: SendTarget::Peer,
            origin: SendOrigin::Typed(None),
        };
        assert!(worker.send(send));
    }
    let seen = wait_for(&worker, deadline(), |kind| {
        matches!(kind, EventKind::SendFailed { .. })
    });
    // Written whole before the first refusal (into the socket's buffers).
    let early = seen
        .iter()
        .filter(|event| matches!(event.kind, EventKind::Sent { .. }))
        .count();
    let failed = seen
        .last()
        .map(|event| event.kind.clone())
        .expect("the refusal");
    let EventKind::SendFailed {
        error: NetError::Backlog { queued_mib, .. },
        ..
    } = failed
    else {
        panic!("refused for another reason: {failed:?}");
    };
    assert!(queued_mib >= 63, "{queued_mib} MiB waited");

    // The peer reads again: every send is either written whole (Sent) or was refused, and
    // the peer gets exactly the written ones.
    let (mut sent, mut refused, mut read) = (early, 1, 0);
    let mut buffer = vec![0u8; 1024 * 1024];
    peer.set_nonblocking(true).expect("nonblocking");
    let until = Instant::now() + Duration::from_secs(60);
    while sent + refused < sends || read < sent * chunk.len() {
        assert!(
            Instant::now() < until,
            "sent {sent}, refused {refused}, read {read}"
        );
        match peer.read(&mut buffer) {
            Ok(0) => panic!("the stream ended"),
            Ok(n) => {
                assert!(buffer[..n].iter().all(|&byte| byte == 0xC3));
                read += n;
            }
            // Nothing to read now: leave the core to the worker a moment.
            Err(error) if error.kind() == ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_micros(200));
            }
            Err(error) => panic!("read: {error}"),
        }
        while let Some(event) = worker.try_next_event() {
            match event.kind {
                EventKind::Sent { bytes, .. } => {
                    assert_eq!(bytes.len(), chunk.len());
                    sent += 1;
                }
                EventKind::SendFailed { error, .. } => {
                    assert!(matches!(error, NetError::Backlog { .. }), "{error:?}");
                    refused += 1;
                }
                _ => {}
            }
        }
    }
    assert_eq!(read, sent * chunk.len(), "nothing queued was lost");
    assert!(refused >= sends / 4, "{refused} of {sends} refused");
    eprintln!("{sent} MiB sent, {refused} sends refused, at most {queued_mib} MiB waited");
    peer.set_nonblocking(false).expect("blocking");

    // Drained: a send goes through again.
    let again = Command::Send {
        bytes: b"reading again".to_vec(),
        to: SendTarget::Peer,
        origin: SendOrigin::Typed(None),
    };
    assert!(worker.send(again));
    assert_eq!(read_exactly(&mut peer, 13), b"reading again");
}
