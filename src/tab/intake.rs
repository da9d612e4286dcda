//! A tab's intake thread: the one owner of everything that follows its worker. It takes the
//! worker's events as they come; received and sent bytes go through its [`Stage`] (framing and
//! its idle-gap timers, counting) into the tab's files (Record, Save data, `--log`) and past
//! the auto-reply rules at once, and the stage hands the session what it made. The UI locks
//! the session to draw.
//!
//! Why a thread: on the UI thread this work could only use the slice of each frame left after
//! drawing (a flood was taken in at a third of the wire's pace), and it stopped whenever frames
//! did (a modal dialog, a minimized window): recordings, replies and idle-gap frames with it.
//!
//! Why a stage: while the UI builds a frame the intake keeps off the session (a frame looks at
//! it many times, and waiting each time for a busy intake thread to be scheduled cost frames
//! of 50 ms and more). Files and rules need no session, so they go on meanwhile; what the
//! session must show waits in the stage (bounded) until the frame ends. Events that change
//! the session's state (a client left, the session ended) wait with it, so every file keeps
//! the order of events.
//!
//! Back-pressure: while a file's queue or the stage is full the intake takes no events, so the
//! worker's queue fills and it stops reading: TCP senders slow down, nothing is lost.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime};

use crossbeam_channel::{Receiver, RecvTimeoutError};
use parking_lot::MutexGuard;

use super::Wake;
use super::outputs::Outputs;
use super::shared::SharedSession;
use crate::net::{Command, Event, EventKind, Worker};
use crate::session::Stage;

/// The longest the intake works on a batch of events, holding the outputs and then the session.
const BATCH_TIME: Duration = Duration::from_micros(300);

/// How often an idle intake looks whether it was told to stop.
const IDLE_CHECK: Duration = Duration::from_millis(50);

/// Received bytes the stage holds for the session at most (while a frame is built).
const STAGE_LIMIT: usize = 1024 * 1024;

/// A running worker and the intake thread applying its events. Dropping it detaches both: the
/// worker is told to shut down and the intake applies nothing more.
pub struct Intake {
    worker: Arc<Worker>,
    stop: Arc<AtomicBool>,
    /// Not joined: a detached intake ends on its own once it sees `stop`.
    _thread: JoinHandle<()>,
    /// Disconnected when the thread ends (its sender goes with it), for [`Self::finish`].
    ended: Receiver<()>,
}

impl Intake {
    /// Starts applying `worker`'s events to `shared`; `wake` asks the UI to repaint.
    pub fn start(worker: Worker, shared: SharedSession, wake: Wake) -> std::io::Result<Self> {
        let mode = shared.lock().mode;
        let stage = Stage::new(mode, shared.outputs().framing.clone());
        let worker = Arc::new(worker);
        let stop = Arc::new(AtomicBool::new(false));
        let (ending, ended) = crossbeam_channel::bounded::<()>(0);
        let thread = {
            let (worker, stop) = (Arc::clone(&worker), Arc::clone(&stop));
            thread::Builder::new()
                .name("intake".into())
                .spawn(move || {
                    let _ending = ending;
                    let mut run = Run {
                        worker: &worker,
                        shared: &shared,
                        wake: &wake,
                        stop: &stop,
                        stage,
                        held: None,
                    };
                    while run.turn() {}
                })?
        };
        Ok(Self {
            worker,
            stop,
            _thread: thread,
            ended,
        })
    }

    /// Stops the worker and waits, until `deadline`, for the intake to take its last events
    /// into the files and the session: on quit, nothing the worker still does (a repeat's next
    /// send, the session's closing lines) happens after the files are closed.
    pub fn finish(self, deadline: Instant) {
        self.worker.send(Command::Shutdown);
        // The worker ends, its channel closes, the intake takes what is left and ends.
        let _ = self.ended.recv_deadline(deadline);
    }

    /// Queues a command for the worker. Returns false if it has already stopped.
    pub fn send(&self, command: Command) -> bool {
        self.worker.send(command)
    }

    /// Received bytes the intake has not taken yet.
    pub fn queued_bytes(&self) -> usize {
        self.worker.queued_bytes()
    }
}

impl Drop for Intake {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // The intake holds the worker too, so its own Drop would come too late to stop it.
        self.worker.send(Command::Shutdown);
    }
}

/// The intake thread's state.
struct Run<'a> {
    worker: &'a Worker,
    shared: &'a SharedSession,
    wake: &'a Wake,
    stop: &'a AtomicBool,
    stage: Stage,
    /// An event that changes the session's state, waiting for the session; no later event is
    /// taken meanwhile.
    held: Option<Event>,
}

impl Run<'_> {
    /// One turn: wait for something to do, do it. Returns false once the intake is done.
    fn turn(&mut self) -> bool {
        if self.stop.load(Ordering::SeqCst) {
            return false;
        }
        let (full, due) = {
            let outputs = self.shared.outputs();
            self.stage.set_framing(&outputs.framing);
            (outputs.full_backlog(), self.frame_due())
        };
        let waits_for_session = self.held.is_some() || !self.stage.is_empty();
        if waits_for_session && !self.shared.in_frame() {
            return self.hand_over();
        }
        if let Some(backlog) = full {
            // A file is behind: take nothing until it has room, so the worker stops reading.
            backlog.wait_for_room(Instant::now() + IDLE_CHECK);
            return true;
        }
        let idle_until = Instant::now() + IDLE_CHECK;
        let deadline = due.map_or(idle_until, |due| due.min(idle_until));
        let can_take = self.held.is_none() && self.stage.staged_bytes() < STAGE_LIMIT;
        let next = match (can_take, waits_for_session) {
            (true, false) => self.worker.next_event(deadline).map(Some),
            (true, true) => self
                .worker
                .next_event_or(self.shared.frame_ended(), deadline),
            (false, _) => {
                // Only the frame's end lets this intake on.
                let _ = self.shared.frame_ended().recv_deadline(deadline);
                Ok(None)
            }
        };
        match next {
            Ok(Some(event)) => self.take_batch(event),
            Ok(None) | Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return false,
        }
        if due.is_some_and(|due| Instant::now() >= due) {
            let outputs = self.shared.outputs();
            let mark = self.stage.mark();
            self.stage.tick(SystemTime::now());
            self.answer(&outputs, mark);
        }
        true
    }

    /// When the next idle-gap frame is due, as an instant, if one waits.
    fn frame_due(&self) -> Option<Instant> {
        let due = self.stage.next_frame_due()?;
        let wait = due.duration_since(SystemTime::now()).unwrap_or_default();
        Some(Instant::now() + wait)
    }

    /// Takes `first` and what follows it for up to [`BATCH_TIME`] into the stage: into the
    /// files and past the rules at once. Stops at an event that needs the session.
    fn take_batch(&mut self, first: Event) {
        let outputs = self.shared.outputs();
        // The framing may have changed while the intake waited for this event.
        self.stage.set_framing(&outputs.framing);
        let until = Instant::now() + BATCH_TIME;
        let mut next = Some(first);
        while let Some(event) = next {
            let mark = self.stage.mark();
            if let Some(event) = self.stage.take(event, &mut |entry| outputs.keep(entry)) {
                self.held = Some(event);
                break;
            }
            self.answer(&outputs, mark);
            if Instant::now() >= until
                || self.stage.staged_bytes() >= STAGE_LIMIT
                || outputs.full_backlog().is_some()
                || self.stop.load(Ordering::SeqCst)
            {
                break;
            }
            next = self.worker.try_next_event();
        }
        drop(outputs);
        self.shared
            .set_pending_frame_bytes(self.stage.pending_frame_bytes());
    }

    /// Sends the auto-replies to the entries staged since `mark`.
    fn answer(&self, outputs: &Outputs, mark: usize) {
        for command in outputs.answer(&self.stage, mark) {
            self.worker.send(command);
        }
    }

    /// Hands the session what the stage made, and the event held for it; wakes the UI.
    /// Returns false once the worker's last event was applied.
    fn hand_over(&mut self) -> bool {
        let mut drawn = self.shared.drawn();
        // Checked under the lock: once the UI detached this intake, nothing more applies.
        if self.stop.load(Ordering::SeqCst) {
            return false;
        }
        let mut last = false;
        match self.held.take() {
            Some(event) => {
                drawn.came_up |= matches!(
                    event.kind,
                    EventKind::Connected { .. }
                        | EventKind::Listening { .. }
                        | EventKind::Opened { .. }
                );
                drawn.warned |= matches!(event.kind, EventKind::Warning(_));
                last = matches!(event.kind, EventKind::Closed(_));
                let outputs = self.shared.outputs();
                drawn
                    .session
                    .apply(&mut self.stage, event, |entry| outputs.keep(entry));
            }
            None => drawn.session.absorb(&mut self.stage),
        }
        drawn.closed |= last;
        self.shared
            .set_pending_frame_bytes(self.stage.pending_frame_bytes());
        let wake_ui = !std::mem::replace(&mut drawn.ui_woken, true);
        MutexGuard::unlock_fair(drawn);
        if wake_ui {
            (self.wake)();
        }
        !last
    }
}
