//! Faults a relay puts into one way on purpose, to see how each side copes: a delay (fixed,
//! plus a random jitter), a bandwidth limit, and cutting a pair after so many bytes.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::net::SendOrigin;

/// What the relay does to one way.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Faults {
    /// Each read leaves this long after it came, plus up to `jitter` more; order is kept.
    pub delay: Duration,
    pub jitter: Duration,
    /// Bytes a second at most; `None`: as fast as the sides go.
    pub rate: Option<u64>,
    /// Reset both sides of a pair once this many bytes went this way; `None`: never.
    pub cut_after: Option<u64>,
}

impl Faults {
    /// Whether reads wait for a time of their own (a delay or a bandwidth limit).
    pub fn paces(&self) -> bool {
        !self.delay.is_zero() || !self.jitter.is_zero() || self.rate.is_some()
    }
}

/// One way's reads of one pair (and bytes put in behind them, with who asked), waiting for
/// their time, oldest first.
#[derive(Default)]
pub(super) struct Paced {
    reads: VecDeque<(Instant, Vec<u8>, Option<SendOrigin>)>,
    bytes: usize,
    /// When the read scheduled last leaves: the next leaves no earlier (order is kept), and
    /// under a bandwidth limit, later by its own size at that rate.
    free_at: Option<Instant>,
}

impl Paced {
    pub fn push(&mut self, now: Instant, faults: &Faults, bytes: Vec<u8>) {
        self.push_from(now, faults, bytes, None);
    }

    /// Queues bytes someone asked for (`origin`), or read (`None`), behind what waits.
    pub fn push_from(
        &mut self,
        now: Instant,
        faults: &Faults,
        bytes: Vec<u8>,
        origin: Option<SendOrigin>,
    ) {
        let jitter = match u64::try_from(faults.jitter.as_nanos()) {
            Ok(0) | Err(_) => Duration::ZERO,
            Ok(most) => Duration::from_nanos(fastrand::u64(0..=most)),
        };
        let mut due = now + faults.delay + jitter;
        if let Some(free) = self.free_at {
            due = due.max(free);
        }
        if let Some(rate) = faults.rate {
            due += Duration::from_secs_f64(bytes.len() as f64 / rate.max(1) as f64);
        }
        self.free_at = Some(due);
        self.bytes += bytes.len();
        self.reads.push_back((due, bytes, origin));
    }

    pub fn next_due(&self) -> Option<Instant> {
        self.reads.front().map(|(due, ..)| *due)
    }

    /// The oldest bytes, with who asked for them, if their time has come.
    pub fn take_due(&mut self, now: Instant) -> Option<(Vec<u8>, Option<SendOrigin>)> {
        if self.next_due()? > now {
            return None;
        }
        let (_, bytes, origin) = self.reads.pop_front()?;
        self.bytes -= bytes.len();
        Some((bytes, origin))
    }

    pub fn is_empty(&self) -> bool {
        self.reads.is_empty()
    }

    pub fn bytes(&self) -> usize {
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_leave_in_order_after_the_delay_and_at_the_rate() {
        let start = Instant::now();
        let faults = Faults {
            delay: Duration::from_millis(100),
            rate: Some(1000),
            ..Faults::default()
        };
        let mut paced = Paced::default();
        paced.push(start, &faults, vec![0; 500]);
        paced.push(start, &faults, vec![1; 250]);
        assert_eq!(paced.bytes(), 750);
        // 100 ms, then 500 bytes at 1000 B/s; the next 250 bytes a quarter second after.
        let first = start + Duration::from_millis(600);
        assert_eq!(paced.next_due(), Some(first));
        assert_eq!(paced.take_due(first - Duration::from_millis(1)), None);
        assert_eq!(paced.take_due(first), Some((vec![0; 500], None)));
        assert_eq!(paced.next_due(), Some(first + Duration::from_millis(250)));
    }

    #[test]
    fn jitter_never_reorders() {
        let start = Instant::now();
        let faults = Faults {
            jitter: Duration::from_millis(50),
            ..Faults::default()
        };
        let mut paced = Paced::default();
        for n in 0..100u8 {
            paced.push(
                start + Duration::from_millis(u64::from(n)),
                &faults,
                vec![n],
            );
        }
        let mut last = start;
        let end = start + Duration::from_secs(1);
        let mut seen = Vec::new();
        while let Some(due) = paced.next_due() {
            assert!(due >= last, "in order");
            last = due;
            seen.extend(paced.take_due(end).expect("due by then").0);
        }
        assert_eq!(seen, (0..100).collect::<Vec<u8>>());
    }
}
