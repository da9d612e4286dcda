//! Sends that wait on the worker (an auto-reply rule's delay), in the order they fall due.

use std::time::Instant;

use super::message::{Command, SendOrigin, SendTarget, WrittenIn};

/// Sends waiting at most; past it a new one is refused, so a peer that triggers a slow rule
/// in a flood cannot fill memory.
pub const DELAYED_MAX: usize = 4096;

#[derive(Default)]
pub(super) struct Delayed {
    /// By when they fall due; equal times keep their order.
    waiting: Vec<(Instant, Vec<u8>, SendTarget, WrittenIn)>,
}

impl Delayed {
    /// Queues a send for `due`; false (and nothing queued) when [`DELAYED_MAX`] wait.
    pub fn push(
        &mut self,
        due: Instant,
        bytes: Vec<u8>,
        to: SendTarget,
        written_in: WrittenIn,
    ) -> bool {
        if self.waiting.len() >= DELAYED_MAX {
            return false;
        }
        let at = self.waiting.partition_point(|(other, ..)| *other <= due);
        self.waiting.insert(at, (due, bytes, to, written_in));
        true
    }

    /// When the first waiting send falls due.
    pub fn next_due(&self) -> Option<Instant> {
        self.waiting.first().map(|(due, ..)| *due)
    }

    /// The sends due by `now`, in order.
    pub fn take_due(&mut self, now: Instant) -> impl Iterator<Item = Command> + use<> {
        let due = self.waiting.partition_point(|(at, ..)| *at <= now);
        let taken: Vec<_> = self.waiting.drain(..due).collect();
        taken
            .into_iter()
            .map(|(_, bytes, to, written_in)| Command::Send {
                bytes,
                to,
                origin: SendOrigin::AutoReply(written_in),
            })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn sends_fall_due_in_time_order_and_the_queue_has_a_bound() {
        let now = Instant::now();
        let mut delayed = Delayed::default();
        let later = now + Duration::from_millis(50);
        assert!(delayed.push(later, b"second".to_vec(), SendTarget::Peer, None));
        assert!(delayed.push(now, b"first".to_vec(), SendTarget::Peer, None));
        assert!(delayed.push(later, b"third".to_vec(), SendTarget::Peer, None));
        assert_eq!(delayed.next_due(), Some(now));
        let sent: Vec<Command> = delayed.take_due(later).collect();
        let bytes: Vec<&[u8]> = sent
            .iter()
            .map(|command| match command {
                Command::Send { bytes, .. } => bytes.as_slice(),
                _ => &[],
            })
            .collect();
        assert_eq!(bytes, [&b"first"[..], b"second", b"third"]);
        assert_eq!(delayed.next_due(), None);
        for _ in 0..DELAYED_MAX {
            assert!(delayed.push(now, Vec::new(), SendTarget::Peer, None));
        }
        assert!(
            !delayed.push(now, Vec::new(), SendTarget::Peer, None),
            "full"
        );
    }
}
