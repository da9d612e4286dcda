//! Continuous recording for `--log FILE`, on a thread of its own so the UI
//! thread never waits on the disk.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};

use super::{ExportError, LogFormat, RecordContext, format_for, write_header, write_record};
use crate::session::LogEntry;

/// Longest time a written record may sit in the buffer before it reaches the file.
const FLUSH_INTERVAL: Duration = Duration::from_millis(250);

/// Appends every entry it is given to a log file, until finished or dropped.
pub struct Recorder {
    path: PathBuf,
    /// `None` once closed; dropping it is what tells the thread to stop.
    sender: Option<Sender<Pending>>,
    /// `None` once joined, so `finish` and `Drop` join only once.
    thread: Option<JoinHandle<()>>,
    errors: Arc<Mutex<ErrorSlot>>,
}

/// One entry on its way to the recorder thread, with its tab's mode and how to show it.
/// One recording can hold every tab's sessions, told apart by `mode`.
struct Pending {
    entry: LogEntry,
    context: RecordContext,
}

/// The first write error, and whether `take_error` has handed it out yet.
#[derive(Default)]
struct ErrorSlot {
    first: Option<String>,
    reported: bool,
}

impl ErrorSlot {
    fn set(&mut self, message: String) {
        self.first.get_or_insert(message);
    }
}

impl Recorder {
    /// Creates (or truncates) the file and writes its header before returning,
    /// so a bad path is reported right away.
    pub fn start(path: &Path) -> Result<Self, ExportError> {
        let format = format_for(path)?;
        let file = File::create(path).map_err(ExportError::io(path))?;
        let mut writer = BufWriter::new(file);
        write_header(&mut writer, format)
            .and_then(|()| writer.flush())
            .map_err(ExportError::io(path))?;

        let (sender, receiver) = crossbeam_channel::unbounded();
        let errors = Arc::default();
        let worker = Worker {
            writer: Some(writer),
            format,
            path: path.to_path_buf(),
            errors: Arc::clone(&errors),
        };
        let thread = thread::Builder::new()
            .name("log-recorder".into())
            .spawn(move || worker.run(&receiver))
            .map_err(ExportError::io(path))?;
        Ok(Self {
            path: path.to_path_buf(),
            sender: Some(sender),
            thread: Some(thread),
            errors,
        })
    }

    /// The file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Queues an entry for writing; never blocks.
    pub fn record(&self, entry: LogEntry, context: RecordContext) {
        if let Some(sender) = &self.sender {
            // Fails only if the thread is gone, which `finish` reports.
            let _ = sender.send(Pending { entry, context });
        }
    }

    /// The first write error, once: later calls return `None` so the UI shows it a single time.
    pub fn take_error(&self) -> Option<String> {
        let mut slot = lock(&self.errors);
        if slot.reported {
            return None;
        }
        slot.reported = slot.first.is_some();
        slot.first.clone()
    }

    /// Writes out everything queued, closes the file and returns the first
    /// write error, even one already handed out by `take_error`.
    pub fn finish(mut self) -> Result<(), String> {
        self.close();
        lock(&self.errors).first.clone().map_or(Ok(()), Err)
    }

    /// Closes the channel and waits for the thread to write what is queued.
    fn close(&mut self) {
        drop(self.sender.take());
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            lock(&self.errors).set(format!("log recorder for {} crashed", self.path.display()));
        }
    }
}

/// Dropping completes the file, so it is whole when the app exits.
impl Drop for Recorder {
    fn drop(&mut self) {
        self.close();
    }
}

fn lock(errors: &Mutex<ErrorSlot>) -> MutexGuard<'_, ErrorSlot> {
    // The slot is a plain value, still meaningful after a panic elsewhere.
    errors.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The recorder thread's side.
struct Worker {
    /// `None` after a write error: later records are dropped.
    writer: Option<BufWriter<File>>,
    format: LogFormat,
    path: PathBuf,
    errors: Arc<Mutex<ErrorSlot>>,
}

impl Worker {
    fn run(mut self, receiver: &Receiver<Pending>) {
        // When buffered records must reach the file; `None` while nothing is buffered.
        let mut flush_due: Option<Instant> = None;
        loop {
            // Block without a timeout when nothing is buffered, so an idle or failed recorder sleeps.
            let received = match flush_due {
                Some(due) => receiver.recv_deadline(due),
                None => receiver.recv().map_err(|_| RecvTimeoutError::Disconnected),
            };
            match received {
                Ok(pending) => {
                    if self.write(&pending) {
                        flush_due.get_or_insert_with(|| Instant::now() + FLUSH_INTERVAL);
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            // Checked after every record too, so a steady stream still gets flushed.
            if flush_due.is_some_and(|due| Instant::now() >= due) {
                self.flush();
                flush_due = None;
            }
        }
        self.flush();
    }

    /// Writes one record into the buffer; false if there is no file to write to.
    fn write(&mut self, pending: &Pending) -> bool {
        let Some(writer) = &mut self.writer else {
            return false;
        };
        let result = write_record(writer, self.format, &pending.context, &pending.entry);
        self.check(result)
    }

    fn flush(&mut self) {
        if let Some(writer) = &mut self.writer {
            let result = writer.flush();
            self.check(result);
        }
    }

    /// On error, records it and gives up the file; returns whether `result` was Ok.
    fn check(&mut self, result: io::Result<()>) -> bool {
        let Err(source) = result else {
            return true;
        };
        if let Some(writer) = self.writer.take() {
            // Discard the buffer, or dropping the writer would try writing it again.
            let _ = writer.into_parts();
        }
        let error = ExportError::Io {
            path: self.path.clone(),
            source,
        };
        lock(&self.errors).set(error.to_string());
        false
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use crate::codec::TextEncoding;
    use crate::session::{EntryKind, Mode};
    use std::fs;
    use std::time::SystemTime;

    fn rx(text: &str) -> LogEntry {
        LogEntry::new(
            SystemTime::now(),
            "127.0.0.1:9000".parse().ok(),
            EntryKind::Rx(text.into()),
        )
    }

    fn context(mode: Mode, encoding: TextEncoding, hex_text: bool) -> RecordContext {
        RecordContext {
            mode,
            encoding,
            hex_text,
        }
    }

    /// Polls `check` until it holds or `limit` passes.
    fn wait_for(limit: Duration, mut check: impl FnMut() -> bool) -> bool {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if check() {
                return true;
            }
            thread::sleep(Duration::from_millis(10));
        }
        check()
    }

    fn line_count(path: &Path) -> usize {
        fs::read_to_string(path).map_or(0, |text| text.lines().count())
    }

    #[test]
    fn records_are_readable_while_running() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("live.jsonl");
        let recorder = Recorder::start(&path).unwrap();
        assert_eq!(recorder.path(), path);
        for text in ["one", "two", "three"] {
            recorder.record(rx(text), context(Mode::Udp, TextEncoding::Utf8, false));
        }
        // Flushed within FLUSH_INTERVAL; the margin is for a loaded machine.
        assert!(wait_for(Duration::from_secs(2), || line_count(&path) == 3));

        recorder.record(rx("four"), context(Mode::Udp, TextEncoding::Utf8, false));
        assert_eq!(recorder.take_error(), None);
        recorder.finish().unwrap();
        let text = fs::read_to_string(&path).unwrap();
        let texts: Vec<String> = text
            .lines()
            .map(|line| {
                let value: serde_json::Value = serde_json::from_str(line).unwrap();
                assert_eq!(value["mode"], "udp");
                value["text"].as_str().unwrap().to_owned()
            })
            .collect();
        assert_eq!(texts, ["one", "two", "three", "four"]);
    }

    #[test]
    fn header_is_written_at_start_and_drop_completes_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("drop.csv");
        let recorder = Recorder::start(&path).unwrap();
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            "time,mode,dir,peer,len,hex,text\n"
        );
        for index in 0..1000 {
            let mode = if index % 2 == 0 {
                Mode::TcpServer
            } else {
                Mode::Udp
            };
            recorder.record(
                rx(&index.to_string()),
                context(mode, TextEncoding::Gbk, true),
            );
        }
        drop(recorder);
        assert_eq!(line_count(&path), 1001);
    }

    #[test]
    fn start_truncates() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.txt");
        fs::write(&path, "stale\n").unwrap();
        Recorder::start(&path).unwrap().finish().unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "");
    }

    #[test]
    fn start_in_missing_directory_fails() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing").join("log.txt");
        let err = Recorder::start(&path).err().unwrap();
        assert!(matches!(err, ExportError::Io { .. }), "{err:?}");
    }

    #[test]
    fn start_with_unknown_extension_fails() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.bin");
        let err = Recorder::start(&path).err().unwrap();
        assert!(matches!(err, ExportError::UnknownFormat(_)), "{err:?}");
        assert!(!path.exists());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn write_errors_are_observable() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("full.txt");
        std::os::unix::fs::symlink("/dev/full", &path).unwrap();
        let recorder = Recorder::start(&path).unwrap();
        recorder.record(rx("lost"), context(Mode::Udp, TextEncoding::Utf8, false));

        let mut error = None;
        assert!(wait_for(Duration::from_secs(2), || {
            error = recorder.take_error();
            error.is_some()
        }));
        let error = error.unwrap();
        assert!(error.contains("full.txt"), "{error}");
        assert_eq!(recorder.take_error(), None, "handed out once");

        // Still accepts (and drops) records, and finish reports the same error.
        recorder.record(
            rx("also lost"),
            context(Mode::Udp, TextEncoding::Utf8, false),
        );
        assert_eq!(recorder.finish(), Err(error));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn csv_header_error_is_reported_by_start() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("full.csv");
        std::os::unix::fs::symlink("/dev/full", &path).unwrap();
        let err = Recorder::start(&path).err().unwrap();
        assert!(matches!(err, ExportError::Io { .. }), "{err:?}");
    }
}
