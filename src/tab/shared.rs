//! What a tab's UI and its intake thread share: the session (which the UI draws), the outputs
//! (files, rules, framing: which the UI sets and the intake runs), and the frame fence.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crossbeam_channel::{Receiver, Sender};
use parking_lot::{MappedMutexGuard, Mutex, MutexGuard};

use super::outputs::Outputs;
use crate::export::RecordContext;
use crate::session::{EntryKind, Session};

/// The session and what the intake leaves for the UI.
pub(super) struct Drawn {
    pub session: Session,
    /// A session came up (connected, listening, open) since the UI last looked.
    pub came_up: bool,
    /// The worker warned of something (a Listen that failed says why in a warning).
    pub warned: bool,
    /// The worker reported its end; the intake has stopped.
    pub closed: bool,
    /// The UI was asked to repaint and has not looked yet.
    pub ui_woken: bool,
}

/// The session of one tab, shared by the UI and the intake thread.
#[derive(Clone)]
pub struct SharedSession(Arc<Inner>);

struct Inner {
    drawn: Mutex<Drawn>,
    /// Locked apart from the session, so the intake feeds files and answers rules while the UI
    /// draws the session. Lock order: the session first, when both are needed.
    outputs: Mutex<Outputs>,
    /// A frame is being built: the intake keeps off the session until it ends. A frame takes
    /// the lock many times; under a flood, on a busy machine, waiting each time for the intake
    /// thread to be scheduled and let go cost frames of 50 ms and more.
    frame: AtomicBool,
    /// A message for each frame that ended, for an intake waiting to hand the session what it
    /// staged meanwhile.
    frame_ended: (Sender<()>, Receiver<()>),
    /// Received bytes the intake holds back until their frame ends.
    pending_frame_bytes: AtomicUsize,
}

/// What the intake did since the UI last looked.
pub struct Arrivals {
    pub came_up: bool,
    pub warned: bool,
    pub closed: bool,
}

impl SharedSession {
    pub fn new(session: Session, context: RecordContext) -> Self {
        Self(Arc::new(Inner {
            drawn: Mutex::new(Drawn {
                session,
                came_up: false,
                warned: false,
                closed: false,
                ui_woken: false,
            }),
            outputs: Mutex::new(Outputs::new(context)),
            frame: AtomicBool::new(false),
            frame_ended: crossbeam_channel::bounded(1),
            pending_frame_bytes: AtomicUsize::new(0),
        }))
    }

    /// A frame starts: the intake lets the session be until [`Self::end_frame`].
    pub fn begin_frame(&self) {
        self.0.frame.store(true, Ordering::SeqCst);
    }

    pub fn end_frame(&self) {
        self.0.frame.store(false, Ordering::SeqCst);
        // Full means a message already waits: one is enough to look again.
        let _ = self.0.frame_ended.0.try_send(());
    }

    pub(super) fn in_frame(&self) -> bool {
        self.0.frame.load(Ordering::SeqCst)
    }

    /// Has a message after each frame's end.
    pub(super) fn frame_ended(&self) -> &Receiver<()> {
        &self.0.frame_ended.1
    }

    /// The session, locked until the guard drops. Never call this while holding a guard: the
    /// lock is not reentrant.
    pub fn lock(&self) -> MappedMutexGuard<'_, Session> {
        MutexGuard::map(self.0.drawn.lock(), |drawn| &mut drawn.session)
    }

    /// The session with the intake's flags.
    pub(super) fn drawn(&self) -> MutexGuard<'_, Drawn> {
        self.0.drawn.lock()
    }

    /// The tab's files, rules and framing. Never take the session's lock while holding this.
    pub fn outputs(&self) -> MutexGuard<'_, Outputs> {
        self.0.outputs.lock()
    }

    /// Logs a message of the tab's own (not from the worker), into its files too.
    pub fn note(&self, kind: EntryKind) {
        let mut drawn = self.0.drawn.lock();
        let outputs = self.0.outputs.lock();
        drawn.session.note(kind, |entry| outputs.keep(entry));
    }

    /// Received bytes held back until their frame ends.
    pub fn pending_frame_bytes(&self) -> usize {
        self.0.pending_frame_bytes.load(Ordering::Relaxed)
    }

    pub(super) fn set_pending_frame_bytes(&self, bytes: usize) {
        self.0.pending_frame_bytes.store(bytes, Ordering::Relaxed);
    }

    /// Takes what the intake left for the UI.
    pub fn take_arrivals(&self) -> Arrivals {
        let mut drawn = self.0.drawn.lock();
        drawn.ui_woken = false;
        Arrivals {
            came_up: std::mem::take(&mut drawn.came_up),
            warned: std::mem::take(&mut drawn.warned),
            closed: std::mem::take(&mut drawn.closed),
        }
    }
}
