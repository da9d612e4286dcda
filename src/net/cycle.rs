//! Cyclic send, timed on the worker: the n-th send is due at start + n × interval, so late
//! wake-ups never add up to drift (a late one is caught up at once).

use std::time::{Duration, Instant};

use super::message::{Command, CycleSpec, EventKind, SendOrigin};

/// Sends caught up in one turn at most.
const CATCH_UP: usize = 10_000;

/// Progress events are at most this frequent, so a 1 ms cycle does not flood the UI.
const REPORT_EVERY: Duration = Duration::from_millis(50);

pub(super) struct Cycle {
    spec: CycleSpec,
    start: Instant,
    sent: u64,
    last_report: Instant,
}

impl Cycle {
    /// Starts now; the first send is due at once.
    pub(super) fn start(spec: CycleSpec, now: Instant) -> Self {
        Self {
            spec,
            start: now,
            sent: 0,
            last_report: now,
        }
    }

    pub(super) fn is_done(&self) -> bool {
        self.spec.count.is_some_and(|count| self.sent >= count)
    }

    /// When the next send is due; `None` once the count is reached.
    pub(super) fn next_due(&self) -> Option<Instant> {
        if self.is_done() {
            return None;
        }
        // In nanoseconds, wide: past 2^32 sends a u32 factor would stop the schedule.
        let nanos = self
            .spec
            .interval
            .as_nanos()
            .saturating_mul(u128::from(self.sent));
        let offset = Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX));
        Some(self.start + offset)
    }

    /// The sends due by `now`, as commands, counted as sent; far behind (a stalled machine),
    /// at most [`CATCH_UP`] at once, the rest at the next turns.
    pub(super) fn take_due(&mut self, now: Instant) -> Vec<Command> {
        let mut due = Vec::new();
        while due.len() < CATCH_UP && self.next_due().is_some_and(|at| at <= now) {
            let index = if self.spec.frame.is_variable() {
                self.spec.index.take()
            } else {
                0
            };
            self.sent += 1;
            due.push(Command::Send {
                bytes: self.spec.frame.render(index, std::time::SystemTime::now()),
                to: self.spec.to.clone(),
                origin: SendOrigin::Cyclic(self.spec.written_in),
            });
        }
        due
    }

    /// A progress event when one is due (always at the end).
    pub(super) fn report(&mut self, now: Instant) -> Option<EventKind> {
        let done = self.is_done();
        if !done && now.duration_since(self.last_report) < REPORT_EVERY {
            return None;
        }
        self.last_report = now;
        Some(EventKind::CycleProgress {
            sent: self.sent,
            running: !done,
        })
    }

    /// The event for a cycle stopped before its end.
    pub(super) fn stopped(&self) -> EventKind {
        EventKind::CycleProgress {
            sent: self.sent,
            running: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::SendTarget;

    fn spec(interval_ms: u64, count: Option<u64>) -> CycleSpec {
        CycleSpec {
            frame: crate::codec::Frame::constant(b"x".to_vec()),
            index: crate::codec::SendIndex::default(),
            to: SendTarget::Peer,
            interval: Duration::from_millis(interval_ms),
            count,
            written_in: None,
        }
    }

    #[test]
    fn the_nth_send_is_due_at_start_plus_n_intervals() {
        let start = Instant::now();
        let mut cycle = Cycle::start(spec(10, Some(5)), start);
        assert_eq!(cycle.next_due(), Some(start));
        assert_eq!(cycle.take_due(start).len(), 1);
        assert_eq!(cycle.next_due(), Some(start + Duration::from_millis(10)));
        // A wake-up 3 ms late does not push the schedule back.
        assert_eq!(cycle.take_due(start + Duration::from_millis(13)).len(), 1);
        assert_eq!(cycle.next_due(), Some(start + Duration::from_millis(20)));
        // Far behind: caught up at once, but never past the count.
        assert_eq!(cycle.take_due(start + Duration::from_secs(1)).len(), 3);
        assert!(cycle.is_done());
        assert_eq!(cycle.next_due(), None);
        assert_eq!(
            cycle.report(start + Duration::from_secs(1)),
            Some(EventKind::CycleProgress {
                sent: 5,
                running: false
            })
        );
    }

    #[test]
    fn unlimited_runs_until_stopped_and_reports_sparingly() {
        let start = Instant::now();
        let mut cycle = Cycle::start(spec(1, None), start);
        assert_eq!(
            cycle.take_due(start + Duration::from_millis(999)).len(),
            1000
        );
        assert!(!cycle.is_done());
        assert_eq!(cycle.report(start + Duration::from_millis(10)), None);
        assert!(cycle.report(start + Duration::from_millis(60)).is_some());
        assert_eq!(
            cycle.stopped(),
            EventKind::CycleProgress {
                sent: 1000,
                running: false
            }
        );
    }
}
