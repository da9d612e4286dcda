//! A tab's intake thread: it takes its worker's events as they come and applies them to the
//! session, which the UI locks to draw.
//!
//! Why a thread: applying events (framing, the line index, the store) on the UI thread could
//! only use the slice of each frame left after drawing, so a flood was taken in at a third of
//! the wire's pace, and the worker stopped reading for the rest of every frame. Here the intake
//! runs between frames, in short batches, and keeps off the session while a frame is built.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crossbeam_channel::RecvTimeoutError;
use parking_lot::{MappedMutexGuard, Mutex, MutexGuard};

use crate::net::{Command, Event, EventKind, Wake, Worker};
use crate::session::{LogEntry, Session};

/// The longest the intake holds the session at a time: what a frame may have to wait.
const BATCH_TIME: Duration = Duration::from_micros(300);

/// How often the intake looks whether the UI's frame has ended.
const FRAME_WAIT: Duration = Duration::from_micros(200);

/// How often an idle intake looks whether it was told to stop.
const IDLE_CHECK: Duration = Duration::from_millis(50);

/// Received bytes waiting to be written to files before the intake waits for the UI: the UI
/// hands them to the files once a frame, and a window that draws no frames must not let them
/// grow without bound (the worker then stops reading, as when the intake is behind).
const RECORD_QUEUE_LIMIT: usize = 16 * 1024 * 1024;

/// The session and what the intake leaves for the UI.
struct Shared {
    session: Session,
    /// Entries to write to the tab's files, while something records.
    to_record: Vec<LogEntry>,
    to_record_bytes: usize,
    /// Whether entries are wanted in `to_record`.
    recording: bool,
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
    pub to_record: Vec<LogEntry>,
    pub came_up: bool,
    pub closed: bool,
}

impl SharedSession {
    pub fn new(session: Session) -> Self {
        Self(Arc::new(Inner {
            shared: Mutex::new(Shared {
                session,
                to_record: Vec::new(),
                to_record_bytes: 0,
                recording: false,
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

    /// Whether the intake keeps entries for the tab's files.
    pub fn set_recording(&self, recording: bool) {
        self.0.shared.lock().recording = recording;
    }

    /// Takes what the intake left for the UI.
    pub fn take_arrivals(&self) -> Arrivals {
        let mut shared = self.0.shared.lock();
        shared.ui_woken = false;
        shared.to_record_bytes = 0;
        Arrivals {
            to_record: std::mem::take(&mut shared.to_record),
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

fn run(worker: &Worker, shared: &SharedSession, wake: &Wake, stop: &AtomicBool) {
    loop {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        if shared.in_frame() {
            thread::sleep(FRAME_WAIT);
            continue;
        }
        if shared.0.shared.lock().to_record_bytes >= RECORD_QUEUE_LIMIT {
            // The files are behind: wait for the UI to hand them what is queued.
            thread::sleep(Duration::from_millis(5));
            continue;
        }
        let first = match worker.next_event(Instant::now() + IDLE_CHECK) {
            Ok(event) => event,
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => return,
        };
        let mut guard = shared.0.shared.lock();
        let until = Instant::now() + BATCH_TIME;
        let mut next = Some(first);
        let mut closed = false;
        while let Some(event) = next {
            // Checked under the lock: once the UI detached this intake, nothing more applies.
            if stop.load(Ordering::SeqCst) {
                return;
            }
            closed = apply(&mut guard, worker, event);
            if closed
                || Instant::now() >= until
                || guard.to_record_bytes >= RECORD_QUEUE_LIMIT
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

/// Applies one event; returns whether it was the worker's last.
fn apply(shared: &mut Shared, worker: &Worker, event: Event) -> bool {
    let Shared {
        session,
        to_record,
        to_record_bytes,
        recording,
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
    session.apply(event, |entry| {
        if *recording {
            *to_record_bytes += entry.bytes().len();
            to_record.push(entry.clone());
        }
    });
    *closed |= last;
    last
}
