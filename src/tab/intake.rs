//! A tab's intake thread: the one owner of everything that follows its worker. It takes the
//! worker's events as they come and applies them to the session (framing, the line index, the
//! store), hands each entry to the tab's files, answers auto-reply rules, and ends idle-gap
//! frames when their silence has passed. The UI locks the session to draw.
//!
//! Why a thread: on the UI thread this work could only use the slice of each frame left after
//! drawing (a flood was taken in at a third of the wire's pace), and it stopped whenever frames
//! did (a modal dialog, a minimized window): recordings, replies and idle-gap frames with it.
//!
//! Back-pressure: while a file's queue is full the intake takes no events, so the worker's
//! queue fills and it stops reading: TCP senders slow down, as when the intake itself is behind.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime};

use crossbeam_channel::RecvTimeoutError;
use parking_lot::{MappedMutexGuard, Mutex, MutexGuard};

use super::outputs::Outputs;
use crate::export::RecordContext;
use crate::net::{Command, Event, EventKind, Wake, Worker};
use crate::session::{EntryKind, Session};

/// The longest the intake holds the session at a time: what a frame may have to wait.
const BATCH_TIME: Duration = Duration::from_micros(300);

/// How often the intake looks whether the UI's frame has ended.
const FRAME_WAIT: Duration = Duration::from_micros(200);

/// How often an idle intake looks whether it was told to stop.
const IDLE_CHECK: Duration = Duration::from_millis(50);

/// The session, what follows it, and what the intake leaves for the UI.
struct Shared {
    session: Session,
    outputs: Outputs,
    /// A session came up (connected, listening, open) since the UI last looked.
    came_up: bool,
    /// The worker reported its end; the intake has stopped.
    closed: bool,
    /// The UI was asked to repaint and has not looked yet.
    ui_woken: bool,
}

/// The session of one tab, shared by the UI and the intake thread.
#[derive(Clone)]
pub struct SharedSession(Arc<Inner>);

struct Inner {
    shared: Mutex<Shared>,
    /// A frame is being built: the intake keeps off the session until it ends. A frame takes
    /// the lock many times; under a flood, on a busy machine, waiting each time for the intake
    /// thread to be scheduled and let go cost frames of 50 ms and more.
    frame: AtomicBool,
}

/// What the intake did since the UI last looked.
pub struct Arrivals {
    pub came_up: bool,
    pub closed: bool,
}

impl SharedSession {
    pub fn new(session: Session, context: RecordContext) -> Self {
        Self(Arc::new(Inner {
            shared: Mutex::new(Shared {
                session,
                outputs: Outputs::new(context),
                came_up: false,
                closed: false,
                ui_woken: false,
            }),
            frame: AtomicBool::new(false),
        }))
    }

    /// A frame starts: the intake lets the session be until [`Self::end_frame`].
    pub fn begin_frame(&self) {
        self.0.frame.store(true, Ordering::SeqCst);
    }

    pub fn end_frame(&self) {
        self.0.frame.store(false, Ordering::SeqCst);
    }

    fn in_frame(&self) -> bool {
        self.0.frame.load(Ordering::SeqCst)
    }

    /// The session, locked until the guard drops. Never call this while holding a guard: the
    /// lock is not reentrant.
    pub fn lock(&self) -> MappedMutexGuard<'_, Session> {
        MutexGuard::map(self.0.shared.lock(), |shared| &mut shared.session)
    }

    /// The tab's files and rules, locked like [`Self::lock`].
    pub fn outputs(&self) -> MappedMutexGuard<'_, Outputs> {
        MutexGuard::map(self.0.shared.lock(), |shared| &mut shared.outputs)
    }

    /// Logs a message of the tab's own (not from the worker), into its files too.
    pub fn note(&self, kind: EntryKind) {
        let shared = &mut *self.0.shared.lock();
        let outputs = &shared.outputs;
        shared.session.note(kind, |entry| outputs.keep(entry));
    }

    /// Takes what the intake left for the UI.
    pub fn take_arrivals(&self) -> Arrivals {
        let mut shared = self.0.shared.lock();
        shared.ui_woken = false;
        Arrivals {
            came_up: std::mem::take(&mut shared.came_up),
            closed: std::mem::take(&mut shared.closed),
        }
    }
}

/// A running worker and the intake thread applying its events. Dropping it detaches both: the
/// worker is told to shut down and the intake applies nothing more.
pub struct Intake {
    worker: Arc<Worker>,
    stop: Arc<AtomicBool>,
    /// Not joined: a detached intake ends on its own once it sees `stop`.
    _thread: JoinHandle<()>,
}

impl Intake {
    /// Starts applying `worker`'s events to `shared`; `wake` asks the UI to repaint.
    pub fn start(worker: Worker, shared: SharedSession, wake: Wake) -> std::io::Result<Self> {
        {
            let shared = &mut *shared.0.shared.lock();
            shared.outputs.answer_from_now(&shared.session);
        }
        let worker = Arc::new(worker);
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (worker, stop) = (Arc::clone(&worker), Arc::clone(&stop));
            thread::Builder::new()
                .name("intake".into())
                .spawn(move || run(&worker, &shared, &wake, &stop))?
        };
        Ok(Self {
            worker,
            stop,
            _thread: thread,
        })
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

/// When the next idle-gap frame is due, as an instant, if one waits.
fn frame_due(session: &Session) -> Option<Instant> {
    let due = session.next_frame_due()?;
    let wait = due.duration_since(SystemTime::now()).unwrap_or_default();
    Some(Instant::now() + wait)
}

fn run(worker: &Worker, shared: &SharedSession, wake: &Wake, stop: &AtomicBool) {
    loop {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        if shared.in_frame() {
            thread::sleep(FRAME_WAIT);
            continue;
        }
        let (full, due) = {
            let guard = shared.0.shared.lock();
            (guard.outputs.full_backlog(), frame_due(&guard.session))
        };
        if let Some(backlog) = full {
            // A file is behind: take nothing until it has room, so the worker stops reading.
            backlog.wait_for_room(Instant::now() + IDLE_CHECK);
            continue;
        }
        let idle_until = Instant::now() + IDLE_CHECK;
        let first = match worker.next_event(due.map_or(idle_until, |due| due.min(idle_until))) {
            Ok(event) => Some(event),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => return,
        };
        let frames_due = due.is_some_and(|due| Instant::now() >= due);
        if first.is_none() && !frames_due {
            continue;
        }
        let mut guard = shared.0.shared.lock();
        if stop.load(Ordering::SeqCst) {
            return;
        }
        if frames_due {
            let Shared {
                session, outputs, ..
            } = &mut *guard;
            session.tick(SystemTime::now());
            answer(outputs, session, worker);
        }
        let until = Instant::now() + BATCH_TIME;
        let mut next = first;
        let mut closed = false;
        while let Some(event) = next {
            // Checked under the lock: once the UI detached this intake, nothing more applies.
            if stop.load(Ordering::SeqCst) {
                return;
            }
            closed = apply(&mut guard, worker, event);
            if closed
                || Instant::now() >= until
                || guard.outputs.full_backlog().is_some()
                || shared.in_frame()
            {
                break;
            }
            next = worker.try_next_event();
        }
        let wake_ui = !std::mem::replace(&mut guard.ui_woken, true);
        MutexGuard::unlock_fair(guard);
        if wake_ui {
            wake();
        }
        if closed {
            return;
        }
    }
}

/// Applies one event: to the session, the files and the rules. Returns whether it was the
/// worker's last.
fn apply(shared: &mut Shared, worker: &Worker, event: Event) -> bool {
    let Shared {
        session,
        outputs,
        came_up,
        closed,
        ..
    } = shared;
    *came_up |= matches!(
        event.kind,
        EventKind::Connected { .. } | EventKind::Listening { .. } | EventKind::Opened { .. }
    );
    let last = matches!(event.kind, EventKind::Closed(_));
    // A cyclic send that cannot send (no clients left, say) stops rather than fail on.
    let cycling = session.cycle.is_some_and(|cycle| cycle.running);
    if cycling && matches!(event.kind, EventKind::SendFailed { .. }) {
        worker.send(Command::StopCycle);
    }
    session.apply(event, |entry| outputs.keep(entry));
    answer(outputs, session, worker);
    *closed |= last;
    last
}

/// Sends the auto-replies to what was logged since the last look.
fn answer(outputs: &mut Outputs, session: &mut Session, worker: &Worker) {
    for command in outputs.answer(session) {
        worker.send(command);
    }
}
