//! A file writer on a thread of its own, so the UI thread never waits on the disk. The log
//! [`Recorder`](super::Recorder) and the [`RawCapture`](super::RawCapture) both run on it.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};

use super::ExportError;

/// Longest time a written item may sit in a buffer before it reaches the file.
pub const FLUSH_INTERVAL: Duration = Duration::from_millis(250);

/// Where the items go: buffered writes, and a flush that makes them durable.
pub trait Sink: Send + 'static {
    type Item: Send + 'static;
    /// Writes one item (into buffers); adds what reached them to `progress`.
    fn write(&mut self, item: &Self::Item, progress: &Progress) -> Result<(), ExportError>;
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

/// A running writer: queue items with `send`, then `finish` (or drop) to complete the files.
pub struct WriterThread<T> {
    path: PathBuf,
    /// `None` once closed; dropping it is what tells the thread to stop.
    sender: Option<Sender<T>>,
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
        let (sender, receiver) = crossbeam_channel::unbounded();
        let shared = Arc::new(Shared::default());
        shared.progress.add_bytes(written_before);
        shared.progress.add_file();
        let worker = Worker {
            sink,
            failed: false,
            shared: Arc::clone(&shared),
        };
        let thread = thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || worker.run(&receiver))
            .map_err(ExportError::io(path))?;
        Ok(Self {
            path: path.to_path_buf(),
            sender: Some(sender),
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

    /// Queues an item; never blocks.
    pub fn send(&self, item: T) {
        if let Some(sender) = &self.sender {
            // Fails only if the thread is gone, which `finish` reports.
            let _ = sender.send(item);
        }
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

    /// Closes the channel and waits for the thread to write what is queued.
    fn close(&mut self) {
        drop(self.sender.take());
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
        drop(self.sender.take());
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
}

impl<S: Sink> Worker<S> {
    fn run(mut self, receiver: &Receiver<S::Item>) {
        // When buffered items must reach the file; `None` while nothing is buffered.
        let mut flush_due: Option<Instant> = None;
        loop {
            // Block without a timeout when nothing is buffered, so an idle or failed writer sleeps.
            let received = match flush_due {
                Some(due) => receiver.recv_deadline(due),
                None => receiver.recv().map_err(|_| RecvTimeoutError::Disconnected),
            };
            match received {
                Ok(item) => {
                    if !self.failed {
                        let result = self.sink.write(&item, &self.shared.progress);
                        if self.check(result) {
                            flush_due.get_or_insert_with(|| Instant::now() + FLUSH_INTERVAL);
                        }
                    }
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
