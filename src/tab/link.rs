//! The UI's side of a tab's session: it reads the session and sends [`Request`]s to the host
//! thread, which alone changes it.
//!
//! Reading: a frame takes the session's read lock once, at its start, and lets go at its end,
//! so its many looks at the session cost nothing and see one state. The host only *tries* for
//! the write lock while it can take events, so a frame never holds up its files and rules; only
//! when something that must reach the session first is waiting does it wait for the lock, 2 ms
//! at a time. A frame waits at most for one hand-over of the host's.
//!
//! Requests: after a frame (or an action outside one) the UI waits, briefly, until the host
//! has applied what it asked, so the next frame, or a test's next look, sees it done.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crossbeam_channel::{Sender, TrySendError};
use parking_lot::lock_api::ArcRwLockReadGuard;
use parking_lot::{Condvar, Mutex, RawRwLock, RwLock, RwLockReadGuard};

use super::Wake;
use super::host;
use super::outputs::Outputs;
use super::request::Request;
use crate::export::RecordContext;
use crate::session::{LogEntry, Mode, Session};

/// Requests waiting for the host at most. A user sends a few per frame; the host takes each in
/// a batch's time, so a full queue means a host that is stuck.
const REQUEST_LIMIT: usize = 1024;

/// How long the UI waits for the host to apply what it asked: a hand-over takes far less.
const SETTLE_WAIT: Duration = Duration::from_millis(250);

/// What the UI and the host thread share.
pub(super) struct Shared {
    /// Written only by the host.
    pub session: Arc<RwLock<Session>>,
    /// How many requests the host has applied.
    applied: Mutex<u64>,
    applied_changed: Condvar,
    /// Received bytes the worker has queued that the host has not taken yet.
    queued_bytes: AtomicUsize,
    /// The host asked the window for a frame that has not begun yet: it asks once. Asking at
    /// every hand-over (a thousand a second under a flood) took the egui context's lock from
    /// the frame being built each time, and asked from between a frame's two passes, it
    /// brought a frame on beyond the cap.
    woken: AtomicBool,
}

impl Shared {
    pub fn count_applied(&self) {
        *self.applied.lock() += 1;
        self.applied_changed.notify_all();
    }

    pub fn set_queued_bytes(&self, bytes: usize) {
        self.queued_bytes.store(bytes, Ordering::Relaxed);
    }

    /// Whether the host should ask for a frame: not if it has asked since the last one began.
    pub fn first_wake(&self) -> bool {
        !self.woken.swap(true, Ordering::AcqRel)
    }
}

/// A tab's link to its session and host thread.
pub(super) struct SessionLink {
    shared: Arc<Shared>,
    requests: Sender<Request>,
    /// Requests sent so far.
    sent: u64,
    /// The session as this frame reads it, while a frame is built.
    frame: Option<ArcRwLockReadGuard<RawRwLock, Session>>,
}

/// The session, read: this frame's look, or a lock of its own outside frames.
pub enum SessionRead<'a> {
    Frame(&'a Session),
    Own(RwLockReadGuard<'a, Session>),
}

impl std::ops::Deref for SessionRead<'_> {
    type Target = Session;

    fn deref(&self) -> &Session {
        match self {
            Self::Frame(session) => session,
            Self::Own(guard) => guard,
        }
    }
}

impl SessionLink {
    /// Starts the host of a new session in `mode`; `wake` asks the UI for a frame.
    pub fn new(mode: Mode, context: RecordContext, wake: Wake) -> Self {
        let shared = Arc::new(Shared {
            session: Arc::new(RwLock::new(Session::new(mode))),
            applied: Mutex::new(0),
            applied_changed: Condvar::new(),
            queued_bytes: AtomicUsize::new(0),
            woken: AtomicBool::new(false),
        });
        let (requests, taken) = crossbeam_channel::bounded(REQUEST_LIMIT);
        let outputs = Outputs::new(context);
        if let Err(error) = host::spawn(mode, Arc::clone(&shared), taken, outputs, wake) {
            // Requests then fail as sent (see `request`), and the tab says so.
            eprintln!("sockscope: no thread for the {mode} session: {error}");
        }
        Self {
            shared,
            requests,
            sent: 0,
            frame: None,
        }
    }

    /// Asks the host for something. Returns false if it cannot take it (stuck or gone).
    pub fn request(&mut self, request: Request) -> bool {
        let sent = match self.requests.try_send(request) {
            Ok(()) => true,
            Err(TrySendError::Full(request)) => {
                self.requests.send_timeout(request, SETTLE_WAIT).is_ok()
            }
            Err(TrySendError::Disconnected(_)) => false,
        };
        self.sent += u64::from(sent);
        if sent && self.frame.is_none() {
            self.settle();
        }
        sent
    }

    /// Waits (briefly) until the host has applied every request sent.
    fn settle(&self) {
        let deadline = Instant::now() + SETTLE_WAIT;
        let mut applied = self.shared.applied.lock();
        while *applied < self.sent {
            if self
                .shared
                .applied_changed
                .wait_until(&mut applied, deadline)
                .timed_out()
            {
                return;
            }
        }
    }

    /// The session as the UI sees it now.
    pub fn read(&self) -> SessionRead<'_> {
        match &self.frame {
            Some(frame) => SessionRead::Frame(frame),
            None => SessionRead::Own(self.shared.session.read()),
        }
    }

    /// A frame starts: it reads the session as it is now until [`Self::end_frame`].
    pub fn begin_frame(&mut self) {
        self.shared.woken.store(false, Ordering::Release);
        self.frame = Some(RwLock::read_arc(&self.shared.session));
    }

    /// The frame ended: the host may change the session again; what the frame asked for is
    /// applied before this returns (or the wait gives up).
    pub fn end_frame(&mut self) {
        self.frame = None;
        self.settle();
    }

    /// Received bytes the worker has queued that the host has not taken yet.
    pub fn queued_bytes(&self) -> usize {
        self.shared.queued_bytes.load(Ordering::Relaxed)
    }

    /// The log's entries as they are now, for another thread to copy out a part at a time.
    pub fn log_copy(&self) -> LogCopy {
        let session = self.read();
        LogCopy {
            session: Arc::clone(&self.shared.session),
            next: session.log.first_sequence(),
            end: session.log.pushed(),
            part: Vec::new().into_iter(),
        }
    }
}

/// Entries the log held when asked (those since evicted or cleared are skipped), copied a part
/// at a time under a read lock of its own: a thread that writes a whole log out never holds
/// the session for long, so the host hands it on meanwhile.
pub struct LogCopy {
    session: Arc<RwLock<Session>>,
    /// The sequence number of the next entry to copy.
    next: u64,
    /// One past the last entry's.
    end: u64,
    part: std::vec::IntoIter<LogEntry>,
}

/// Entries copied under one read lock: a few milliseconds of copying at most.
const COPY_PART: u64 = 4096;

impl Iterator for LogCopy {
    type Item = LogEntry;

    fn next(&mut self) -> Option<LogEntry> {
        loop {
            if let Some(entry) = self.part.next() {
                return Some(entry);
            }
            if self.next >= self.end {
                return None;
            }
            let session = self.session.read();
            let log = &session.log;
            // Entries evicted (past the cap) or cleared since are gone: go on from the oldest.
            self.next = self.next.max(log.first_sequence());
            let until = self.end.min(self.next + COPY_PART);
            let part: Vec<_> = (self.next..until)
                .filter_map(|sequence| log.get(log.index_of(sequence)?))
                .map(|entry| entry.to_entry())
                .collect();
            drop(session);
            self.next = until;
            self.part = part.into_iter();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use super::*;
    use crate::codec::TextEncoding;
    use crate::session::EntryKind;

    fn link() -> SessionLink {
        let context = RecordContext {
            mode: Mode::Udp,
            datagrams: true,
            encoding: TextEncoding::Utf8,
            hex_text: false,
        };
        SessionLink::new(Mode::Udp, context, Arc::new(|| {}))
    }

    fn entries(numbers: std::ops::Range<u32>) -> Vec<LogEntry> {
        let peer = "127.0.0.1:9".parse().ok();
        numbers
            .map(|n| LogEntry::new(SystemTime::now(), peer, EntryKind::Rx(n.to_string().into())))
            .collect()
    }

    fn text(entry: &LogEntry) -> String {
        String::from_utf8_lossy(entry.bytes()).into_owned()
    }

    #[test]
    fn a_copy_holds_what_the_log_held_when_asked_over_several_parts() {
        let mut link = link();
        assert!(link.request(Request::Load(entries(0..10_000))));
        let copy = link.log_copy();
        assert!(link.request(Request::Load(entries(10_000..10_001))));
        let copied: Vec<String> = copy.map(|entry| text(&entry)).collect();
        assert_eq!(copied.len(), 10_000, "not the entry that came after");
        assert_eq!((copied[0].as_str(), copied[9_999].as_str()), ("0", "9999"));
        assert_eq!(copied[4_096], "4096", "the second part follows the first");
    }

    #[test]
    fn entries_cleared_while_a_copy_is_made_are_skipped() {
        let mut link = link();
        assert!(link.request(Request::Load(entries(0..10_000))));
        let mut copy = link.log_copy();
        let first = copy.next().map(|entry| text(&entry));
        assert_eq!(first.as_deref(), Some("0"));
        assert!(link.request(Request::ClearLog));
        // The rest of the first part was copied before the clear; nothing after it.
        assert_eq!(copy.count(), COPY_PART as usize - 1);
    }
}
