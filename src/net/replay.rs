//! Replay, timed on the worker: recorded messages sent again with their original gaps (scaled),
//! or back to back as the socket takes them; paused and resumed without losing the timing.

use std::time::{Duration, Instant};

use super::message::{Command, EventKind, ReplaySpec, SendOrigin};

/// Progress events are at most this frequent.
const REPORT_EVERY: Duration = Duration::from_millis(100);

/// Back to back, messages are released only while less than this waits for the socket.
const BACKLOG_LIMIT: usize = 1024 * 1024;

/// Messages released in one turn at most, back to back: the worker has other work too.
const BURST: usize = 256;

/// What a replay's target can take now.
#[derive(Clone, Copy, Debug)]
pub(super) struct Reach {
    /// Bytes waiting to be written to it: back to back, the replay waits while they pile up.
    pub waiting: usize,
    /// Whether anyone is there: a replay with nobody to send to ends, said once.
    pub reachable: bool,
}

impl Reach {
    /// A worker with one peer (the TCP client's server, the UDP socket's target).
    pub(super) fn one(waiting: usize) -> Self {
        Self {
            waiting,
            reachable: true,
        }
    }
}

pub(super) struct Replay {
    spec: ReplaySpec,
    /// When message 0 went, moved on by each pause.
    start: Instant,
    sent: usize,
    paused_at: Option<Instant>,
    last_report: Instant,
}

impl Replay {
    pub(super) fn start(spec: ReplaySpec, now: Instant) -> Self {
        Self {
            spec,
            start: now,
            sent: 0,
            paused_at: None,
            last_report: now,
        }
    }

    /// Where its messages go.
    pub(super) fn target(&self) -> &super::SendTarget {
        &self.spec.to
    }

    pub(super) fn is_done(&self) -> bool {
        self.sent >= self.spec.messages.len()
    }

    /// When message `index` is due, at the replay's speed.
    fn due(&self, index: usize) -> Option<Instant> {
        let (offset, _) = self.spec.messages.get(index)?;
        match self.spec.speed_permille {
            None => Some(self.start),
            Some(permille) => {
                let scaled = offset.as_secs_f64() * 1000.0 / f64::from(permille.max(1));
                Some(self.start + Duration::from_secs_f64(scaled.min(1e9)))
            }
        }
    }

    /// When the next message is due; `None` while paused, done, or (back to back) while the
    /// socket has enough waiting.
    pub(super) fn next_due(&self, backlog: usize) -> Option<Instant> {
        if self.paused_at.is_some() || self.is_done() {
            return None;
        }
        if self.spec.speed_permille.is_none() && backlog >= BACKLOG_LIMIT {
            return None;
        }
        self.due(self.sent)
    }

    /// The messages due by `now`, as commands.
    pub(super) fn take_due(&mut self, now: Instant, backlog: usize) -> Vec<Command> {
        let mut due = Vec::new();
        let mut waiting = backlog;
        while let Some(at) = self.next_due(waiting) {
            if at > now || (self.spec.speed_permille.is_none() && due.len() >= BURST) {
                break;
            }
            let Some((_, bytes)) = self.spec.messages.get(self.sent) else {
                break;
            };
            waiting += bytes.len();
            due.push(Command::Send {
                bytes: bytes.clone(),
                to: self.spec.to.clone(),
                origin: SendOrigin::Replay,
            });
            self.sent += 1;
        }
        due
    }

    pub(super) fn pause(&mut self, now: Instant) {
        self.paused_at.get_or_insert(now);
    }

    pub(super) fn resume(&mut self, now: Instant) {
        if let Some(paused_at) = self.paused_at.take() {
            self.start += now.saturating_duration_since(paused_at);
        }
    }

    /// A progress event when one is due (always at the end, and on pause or resume).
    pub(super) fn report(&mut self, now: Instant, force: bool) -> Option<EventKind> {
        if !force && !self.is_done() && now.duration_since(self.last_report) < REPORT_EVERY {
            return None;
        }
        self.last_report = now;
        Some(self.progress(!self.is_done()))
    }

    pub(super) fn progress(&self, running: bool) -> EventKind {
        EventKind::ReplayProgress {
            sent: self.sent as u64,
            total: self.spec.messages.len() as u64,
            running,
            paused: self.paused_at.is_some(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::SendTarget;

    fn spec(speed_permille: Option<u32>) -> ReplaySpec {
        ReplaySpec {
            messages: vec![
                (Duration::ZERO, b"a".to_vec()),
                (Duration::from_millis(100), b"b".to_vec()),
                (Duration::from_millis(300), b"c".to_vec()),
            ],
            to: SendTarget::Peer,
            speed_permille,
        }
    }

    #[test]
    fn messages_keep_their_gaps_at_the_speed_asked_and_pauses_shift_them() {
        let start = Instant::now();
        let mut replay = Replay::start(spec(Some(2000)), start);
        assert_eq!(replay.take_due(start, 0).len(), 1);
        assert_eq!(
            replay.next_due(0),
            Some(start + Duration::from_millis(50)),
            "twice as fast"
        );
        replay.pause(start + Duration::from_millis(10));
        assert_eq!(replay.next_due(0), None);
        assert!(
            replay
                .take_due(start + Duration::from_secs(1), 0)
                .is_empty()
        );
        replay.resume(start + Duration::from_millis(110));
        assert_eq!(
            replay.next_due(0),
            Some(start + Duration::from_millis(150)),
            "the pause of 100 ms moved it on"
        );
        assert_eq!(
            replay.take_due(start + Duration::from_millis(300), 0).len(),
            2
        );
        assert!(replay.is_done());
    }

    #[test]
    fn back_to_back_waits_for_the_socket() {
        let start = Instant::now();
        let mut replay = Replay::start(spec(None), start);
        assert_eq!(replay.next_due(BACKLOG_LIMIT), None, "the socket is full");
        assert_eq!(replay.take_due(start, 0).len(), 3);
    }
}
