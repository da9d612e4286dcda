//! Flow control between a worker and whoever takes its events (the tab's session host thread;
//! "the UI" in this file's older words): how many received bytes wait in the event channel, and
//! when the worker must stop reading and be woken to read again.
//!
//! Why: under a flood the worker can read faster than its events are taken in, and an
//! unbounded channel would grow without limit. Past
//! [`QUEUE_LIMIT`] bytes the worker stops reading: a TCP peer is then slowed by the kernel's
//! flow control (nothing is lost), a UDP peer's datagrams wait in the socket buffer. The worker
//! keeps serving commands meanwhile, so Stop and Disconnect still answer at once.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use super::{Event, EventKind};

/// Received bytes that may wait for the UI before the worker stops reading.
pub const QUEUE_LIMIT: usize = 16 * 1024 * 1024;

/// What a worker and its UI share about the event channel.
#[derive(Default)]
pub(super) struct Flow {
    /// Bytes of `Received` events in the channel.
    queued_bytes: AtomicUsize,
    /// The worker stopped reading because the queue was full; the UI wakes it once it took
    /// enough.
    reading_paused: AtomicBool,
}

/// The bytes an event adds to the queue: what arrived, and what a relay's rules or user put
/// in its place (each becomes a log entry).
fn queued_size(event: &Event) -> usize {
    match &event.kind {
        EventKind::Received { bytes, .. }
        | EventKind::Forwarded { bytes, .. }
        | EventKind::Injected { bytes, .. }
        | EventKind::Gated { bytes, .. }
        | EventKind::ScriptChanged {
            bytes: Some(bytes), ..
        }
        | EventKind::Rewritten {
            bytes: Some(bytes), ..
        } => bytes.len(),
        _ => 0,
    }
}

impl Flow {
    /// Worker side, before sending an event: counts it (before, as the UI may take it at once).
    pub fn queue(&self, event: &Event) {
        self.queued_bytes
            .fetch_add(queued_size(event), Ordering::SeqCst);
    }

    /// Worker side: whether to stop reading now. Once it says so, the UI wakes the worker
    /// when the queue has room again.
    pub fn must_pause(&self) -> bool {
        if self.queued_bytes.load(Ordering::SeqCst) < QUEUE_LIMIT {
            return false;
        }
        self.reading_paused.store(true, Ordering::SeqCst);
        // The UI may have taken the queue down between the two loads without seeing the flag.
        self.queued_bytes.load(Ordering::SeqCst) >= QUEUE_LIMIT
    }

    /// UI side: counts a taken event. Returns whether the worker needs waking to read again.
    pub fn taken(&self, event: &Event) -> bool {
        let size = queued_size(event);
        if size == 0 {
            return false;
        }
        let left = self.queued_bytes.fetch_sub(size, Ordering::SeqCst) - size;
        left <= QUEUE_LIMIT / 2 && self.reading_paused.swap(false, Ordering::SeqCst)
    }

    /// Received bytes waiting for the UI.
    pub fn queued_bytes(&self) -> usize {
        self.queued_bytes.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::SocketAddr;

    fn received(size: usize) -> Event {
        Event::now(EventKind::Received {
            peer: SocketAddr::from(([127, 0, 0, 1], 9)),
            client: None,
            bytes: vec![0; size],
            to: None,
        })
    }

    #[test]
    fn received_bytes_count_until_taken_and_nothing_else_counts() {
        let flow = Flow::default();
        let events: Vec<Event> = (0..3).map(|_| received(10)).collect();
        for event in &events {
            flow.queue(event);
        }
        flow.queue(&Event::now(EventKind::Dropped { total: 1 }));
        assert_eq!(flow.queued_bytes(), 30);
        assert!(!flow.taken(&events[0]), "reading was never paused");
        assert_eq!(flow.queued_bytes(), 20);
    }

    #[test]
    fn a_full_queue_pauses_reading_until_half_of_it_was_taken() {
        let flow = Flow::default();
        let chunk = QUEUE_LIMIT / 4;
        let events: Vec<Event> = (0..4).map(|_| received(chunk)).collect();
        for event in &events[..3] {
            flow.queue(event);
            assert!(!flow.must_pause());
        }
        flow.queue(&events[3]);
        assert!(flow.must_pause(), "full at the limit");
        assert!(
            !flow.taken(&events[0]),
            "three quarters left: still over half"
        );
        assert!(flow.taken(&events[1]), "half left: the worker is woken");
        assert!(!flow.taken(&events[2]), "woken once only");
        assert!(!flow.must_pause());
    }

    #[test]
    fn events_without_bytes_do_not_count() {
        let flow = Flow::default();
        let note = Event::now(EventKind::Warning(super::super::NetError::NotConnected));
        flow.queue(&note);
        assert_eq!(flow.queued_bytes(), 0);
        assert!(!flow.taken(&note));
    }

    #[test]
    fn a_relays_replacements_and_injections_count_as_what_arrives_does() {
        use super::super::{ClientId, SendOrigin, Toward};
        let (id, peer, toward) = (
            ClientId(1),
            SocketAddr::from(([127, 0, 0, 1], 9)),
            Toward::Client,
        );
        let flow = Flow::default();
        let events = [
            EventKind::Injected {
                id,
                peer,
                toward,
                bytes: vec![0; 3],
                origin: SendOrigin::File,
            },
            EventKind::Rewritten {
                id,
                peer,
                toward,
                rule: 0,
                bytes: Some(vec![0; 5]),
            },
            EventKind::Rewritten {
                id,
                peer,
                toward,
                rule: 0,
                bytes: None,
            },
        ];
        for kind in events {
            flow.queue(&Event::now(kind));
        }
        assert_eq!(flow.queued_bytes(), 8, "a dropped read adds nothing");
    }
}
