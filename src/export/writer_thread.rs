//! A file writer on a thread of its own, so no other thread waits on the disk. The log
//! [`Recorder`](super::Recorder) and the [`RawCapture`](super::RawCapture) both run on it.
//!
//! Its queue is bounded in bytes, by whoever feeds it: a [`Feed`] counts what it queues in the
//! writer's [`Backlog`], and the feeder (a tab's session host) stops taking more data while the
//! backlog is over [`BACKLOG_LIMIT`]. A disk slower than the network then slows the network
//! (the worker stops reading), rather than filling memory.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};

use super::ExportError;

/// Bytes queued for one writer past which its feeder waits: small beside the log's cap, large
/// enough that a disk's pauses do not stall a flood.
pub const BACKLOG_LIMIT: usize = 8 * 1024 * 1024;

/// What an item costs in the queue beyond its bytes (the item itself, the channel's slot).
pub const ITEM_OVERHEAD: usize = 128;

/// Bytes queued for a writer and not written yet; a feeder can wait for room.
#[derive(Debug)]
pub struct Backlog {
    bytes: parking_lot::Mutex<usize>,
    room: parking_lot::Condvar,
    /// Rung (one token at most) when half the limit comes free, for a feeder that waits on
    /// channels: a session host that looked again every 5 ms left the writer idle for most of
    /// them (a flood's 8 MiB backlog drains in about 2 ms), and spent up to 250 ms of a 340 ms
    /// flood held back.
    bell: (Sender<()>, Receiver<()>),
}

impl Default for Backlog {
    fn default() -> Self {
        Self {
            bytes: parking_lot::Mutex::default(),
            room: parking_lot::Condvar::default(),
            bell: crossbeam_channel::bounded(1),
        }
    }
}

impl Backlog {
    fn add(&self, weight: usize) {
        *self.bytes.lock() += weight;
    }

    fn remove(&self, weight: usize) {
        let mut bytes = self.bytes.lock();
        let before = *bytes;
        *bytes = before.saturating_sub(weight);
        // Wakes a feeder once half the limit is free, so it takes a good batch, not one item.
        if before > BACKLOG_LIMIT / 2 && *bytes <= BACKLOG_LIMIT / 2 {
            self.room.notify_all();
            // Full: a token from an earlier time is still there, and does as well.
            let _ = self.bell.0.try_send(());
        }
    }

    /// A token comes here once half the limit is free (as [`Self::wait_for_room`] waits
    /// for). A token may be left from an earlier time: look at [`Self::is_full`] again.
    pub fn room_bell(&self) -> &Receiver<()> {
        &self.bell.1
    }

    /// Bytes queued now.
    pub fn bytes(&self) -> usize {
        *self.bytes.lock()
    }

    /// Whether a feeder should wait before it queues more.
    pub fn is_full(&self) -> bool {
        self.bytes() >= BACKLOG_LIMIT
    }

    /// Waits until half the limit is free, or `deadline`; returns whether there is room.
    pub fn wait_for_room(&self, deadline: Instant) -> bool {
        let mut bytes = self.bytes.lock();
        while *bytes > BACKLOG_LIMIT / 2 {
            if self.room.wait_until(&mut bytes, deadline).timed_out() {
                return *bytes < BACKLOG_LIMIT;
            }
        }
        true
    }
}

/// An item and what it counts in the backlog.
struct Queued<T> {
    item: T,
    weight: usize,
}

/// A handle that queues items for a writer; cloned for each thread that feeds it. The writer
/// ends once every feed and its [`WriterThread`] have let go.
pub struct Feed<T> {
    sender: Sender<Queued<T>>,
    backlog: Arc<Backlog>,
}

impl<T> Clone for Feed<T> {
    fn clone(&self) -> Self {
        Self {
            sender: self.sender.clone(),
            backlog: Arc::clone(&self.backlog),
        }
    }
}

impl<T> Feed<T> {
    /// Queues an item that holds `bytes` bytes; never blocks. Whoever feeds a flood looks at
    /// [`Self::backlog`] and waits while it is full.
    pub fn send(&self, item: T, bytes: usize) {
        let weight = bytes + ITEM_OVERHEAD;
        self.backlog.add(weight);
        if self.sender.send(Queued { item, weight }).is_err() {
            // The thread is gone (which `finish` reports): nothing will take it off.
            self.backlog.remove(weight);
        }
    }

    pub fn backlog(&self) -> &Arc<Backlog> {
        &self.backlog
    }
}

/// Longest time a written item may sit in a buffer before it reaches the file.
pub const FLUSH_INTERVAL: Duration = Duration::from_millis(250);

/// Where the items go: buffered writes, and a flush that makes them durable.
pub trait Sink: Send + 'static {
    type Item: Send + 'static;
    /// Writes one item (into buffers); adds what reached them to `progress`. The item is the
    /// sink's to use up: a pcapng packet is built in its payload's buffer.
    fn write(&mut self, item: &mut Self::Item, progress: &Progress) -> Result<(), ExportError>;
    fn flush(&mut self) -> Result<(), ExportError>;
}

/// How much a writer has written, readable from any thread while it runs.
#[derive(Debug, Default)]
pub struct Progress {
    bytes: AtomicU64,
    files: AtomicU64,
}

impl Progress {
    pub fn add_bytes(&self, count: usize) {
        self.bytes.fetch_add(count as u64, Ordering::Relaxed);
    }

    pub fn add_file(&self) {
        self.files.fetch_add(1, Ordering::Relaxed);
    }

    /// Bytes written into files so far (including buffered ones).
    pub fn bytes(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    /// Files opened so far.
    pub fn files(&self) -> u64 {
        self.files.load(Ordering::Relaxed)
    }

    pub fn written(&self) -> Written {
        Written {
            bytes: self.bytes(),
            files: self.files(),
        }
    }
}

/// What a finished writer wrote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Written {
    pub bytes: u64,
    pub files: u64,
}

/// A running writer: queue items through a [`Feed`], then `finish` (or drop) to complete the
/// files, once every feed was dropped.
pub struct WriterThread<T> {
    path: PathBuf,
    /// `None` once closed; dropping it (and every clone) is what tells the thread to stop.
    feed: Option<Feed<T>>,
    /// `None` once joined, so `finish` and `Drop` join only once.
    thread: Option<JoinHandle<()>>,
    shared: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    errors: Mutex<ErrorSlot>,
    progress: Progress,
}

/// The first write error, and whether `take_error` has handed it out yet.
#[derive(Default)]
struct ErrorSlot {
    first: Option<String>,
    reported: bool,
}

impl<T: Send + 'static> WriterThread<T> {
    /// Starts a thread named `name` feeding `sink`. `path` names the output in messages;
    /// `progress` already counts what the caller wrote before handing the sink over.
    pub fn spawn<S: Sink<Item = T>>(
        name: &str,
        path: &Path,
        sink: S,
        written_before: usize,
    ) -> Result<Self, ExportError> {
        // Unbounded as a channel, bounded in bytes by the feeders' waits on the backlog.
        let (sender, receiver) = crossbeam_channel::unbounded();
        let backlog = Arc::new(Backlog::default());
        let shared = Arc::new(Shared::default());
        shared.progress.add_bytes(written_before);
        shared.progress.add_file();
        let worker = Worker {
            sink,
            failed: false,
            shared: Arc::clone(&shared),
            backlog: Arc::clone(&backlog),
        };
        let thread = thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || worker.run(&receiver))
            .map_err(ExportError::io(path))?;
        Ok(Self {
            path: path.to_path_buf(),
            feed: Some(Feed { sender, backlog }),
            thread: Some(thread),
            shared,
        })
    }

    /// The file (or first file) being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn progress(&self) -> &Progress {
        &self.shared.progress
    }

    /// Another handle that queues items for this writer.
    pub fn feed(&self) -> Option<Feed<T>> {
        self.feed.clone()
    }

    /// Bytes queued and not written yet.
    pub fn backlog(&self) -> usize {
        self.feed.as_ref().map_or(0, |feed| feed.backlog.bytes())
    }

    /// The first write error, once: later calls return `None` so the UI shows it a single time.
    pub fn take_error(&self) -> Option<String> {
        let mut slot = lock(&self.shared.errors);
        if slot.reported {
            return None;
        }
        slot.reported = slot.first.is_some();
        slot.first.clone()
    }

    /// Writes out everything queued, closes the files and returns what was written, or the
    /// first write error, even one already handed out by `take_error`.
    pub fn finish(mut self) -> Result<Written, String> {
        self.close();
        match lock(&self.shared.errors).first.clone() {
            Some(error) => Err(error),
            None => Ok(self.shared.progress.written()),
        }
    }

    /// Closes the channel and waits for the thread to write what is queued. Every other
    /// [`Feed`] must have been dropped, or this waits for them.
    fn close(&mut self) {
        drop(self.feed.take());
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            let message = format!("writer for {} crashed", self.path.display());
            set_error(&self.shared, message);
        }
    }
}

/// Dropping completes the files, so they are whole when the app exits.
impl<T> Drop for WriterThread<T> {
    fn drop(&mut self) {
        drop(self.feed.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn lock(errors: &Mutex<ErrorSlot>) -> MutexGuard<'_, ErrorSlot> {
    // The slot is a plain value, still meaningful after a panic elsewhere.
    errors.lock().unwrap_or_else(PoisonError::into_inner)
}

fn set_error(shared: &Shared, message: String) {
    lock(&shared.errors).first.get_or_insert(message);
}

/// The thread's side.
struct Worker<S> {
    sink: S,
    /// Set by the first error: the sink is not used again and later items are dropped.
    failed: bool,
    shared: Arc<Shared>,
    backlog: Arc<Backlog>,
}

impl<S: Sink> Worker<S> {
    fn run(mut self, receiver: &Receiver<Queued<S::Item>>) {
        // When buffered items must reach the file; `None` while nothing is buffered.
        let mut flush_due: Option<Instant> = None;
        loop {
            // Block without a timeout when nothing is buffered, so an idle or failed writer sleeps.
            let received = match flush_due {
                Some(due) => receiver.recv_deadline(due),
                None => receiver.recv().map_err(|_| RecvTimeoutError::Disconnected),
            };
            match received {
                Ok(Queued { mut item, weight }) => {
                    if !self.failed {
                        let result = self.sink.write(&mut item, &self.shared.progress);
                        if self.check(result) {
                            flush_due.get_or_insert_with(|| Instant::now() + FLUSH_INTERVAL);
                        }
                    }
                    // A failed writer drops what comes, and must not hold its feeders back.
                    drop(item);
                    self.backlog.remove(weight);
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            // Checked after every item too, so a steady stream still gets flushed.
            if flush_due.is_some_and(|due| Instant::now() >= due) {
                self.flush();
                flush_due = None;
            }
        }
        self.flush();
    }

    fn flush(&mut self) {
        if !self.failed {
            let result = self.sink.flush();
            self.check(result);
        }
    }

    /// On error, keeps it for the caller and stops using the sink; returns whether `result` was Ok.
    fn check(&mut self, result: Result<(), ExportError>) -> bool {
        match result {
            Ok(()) => true,
            Err(error) => {
                self.failed = true;
                set_error(&self.shared, error.to_string());
                false
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    /// A sink that writes nothing until a permit arrives for each item: a disk that stalls.
    struct Stalled(Receiver<()>);

    impl Sink for Stalled {
        type Item = Vec<u8>;

        fn write(&mut self, item: &mut Vec<u8>, progress: &Progress) -> Result<(), ExportError> {
            let _ = self.0.recv();
            progress.add_bytes(item.len());
            Ok(())
        }

        fn flush(&mut self) -> Result<(), ExportError> {
            Ok(())
        }
    }

    #[test]
    fn a_full_backlog_makes_its_feeder_wait_until_half_of_it_was_written_and_rings_its_bell() {
        let (permits, permit) = crossbeam_channel::unbounded();
        let writer =
            WriterThread::spawn("stalled", Path::new("stalled"), Stalled(permit), 0).unwrap();
        let feed = writer.feed().unwrap();
        let item = BACKLOG_LIMIT / 8;
        for _ in 0..8 {
            assert!(!feed.backlog().is_full());
            feed.send(vec![0; item], item);
        }
        assert!(
            feed.backlog().is_full(),
            "{} queued",
            feed.backlog().bytes()
        );
        let soon = Instant::now() + Duration::from_millis(50);
        assert!(
            !feed.backlog().wait_for_room(soon),
            "the disk has not moved"
        );
        assert!(
            feed.backlog().room_bell().try_recv().is_err(),
            "no room, no ring"
        );

        let waiter = {
            let backlog = Arc::clone(feed.backlog());
            thread::spawn(move || backlog.wait_for_room(Instant::now() + Duration::from_secs(30)))
        };
        // Four items are half the bytes but not half the weight, with their overhead: five.
        for _ in 0..5 {
            permits.send(()).unwrap();
        }
        assert!(waiter.join().unwrap(), "woken with room");
        assert!(feed.backlog().bytes() <= BACKLOG_LIMIT / 2);
        // A feeder that waits on channels hears it too, once.
        let bell = feed.backlog().room_bell();
        assert_eq!(bell.recv_timeout(Duration::from_secs(30)), Ok(()));
        assert!(bell.try_recv().is_err(), "one token");

        for _ in 0..3 {
            permits.send(()).unwrap();
        }
        drop(feed);
        let written = writer.finish().unwrap();
        assert_eq!(written.bytes, 8 * item as u64);
        assert_eq!(written.files, 1);
    }
}
