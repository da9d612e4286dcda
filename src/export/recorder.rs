//! Continuous recording (the Record toggle and `--log FILE`): every entry streams to a log file
//! on a writer thread, rotated into numbered files at a size limit.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::pcapng::{PacketBuffer, PacketMeta, PcapngState};
use super::writer_thread::{Backlog, Feed, Progress, Sink, WriterThread, Written};
use super::{ExportError, LogFormat, RecordContext, RecordWriter, format_for};
use crate::session::LogEntry;

/// Where a recording moves on to its next file, unless told otherwise.
pub const DEFAULT_ROTATE_BYTES: u64 = 256 * 1024 * 1024;

/// Appends every entry it is given to a log file, until finished or dropped.
pub struct Recorder {
    writer: WriterThread<Pending>,
    /// pcapng: entries are staged as packets.
    packets: bool,
}

/// One entry on its way to the recorder thread, with its tab's mode and how to show it.
/// One recording can hold every tab's sessions, told apart by `mode`.
enum Pending {
    /// A line of a line format.
    Line {
        entry: LogEntry,
        context: RecordContext,
    },
    /// A pcapng entry's packets: the payload copied once, with room for the headers.
    Packets {
        meta: PacketMeta,
        payload: PacketBuffer,
        context: RecordContext,
    },
}

impl Recorder {
    /// [`start_rotating`](Self::start_rotating) at the default size limit.
    pub fn start(path: &Path) -> Result<Self, ExportError> {
        Self::start_rotating(path, DEFAULT_ROTATE_BYTES)
    }

    /// Creates (or truncates) the file and writes its header before returning, so a bad path is
    /// reported right away. When a file would grow past `rotate_at` bytes, later records go to
    /// `NAME.2.EXT`, `NAME.3.EXT`, … (see [`part_path`]); a record is never split.
    pub fn start_rotating(path: &Path, rotate_at: u64) -> Result<Self, ExportError> {
        let format = format_for(path)?;
        let mut records = RecordWriter::new(format).map_err(ExportError::io(path))?;
        let (writer, header_bytes) = open_part(path, &mut records)?;
        let sink = LogSink {
            base: path.to_path_buf(),
            records,
            rotate_at: rotate_at.max(1),
            part: 1,
            current: path.to_path_buf(),
            writer,
            written: header_bytes,
            header_bytes,
            scratch: Vec::new(),
        };
        let writer = WriterThread::spawn("log-recorder", path, sink, header_bytes as usize)?;
        Ok(Self {
            writer,
            packets: format == LogFormat::Pcapng,
        })
    }

    /// Records to standard output in `format` (a line format: `.txt`, `.csv`, `.jsonl`), each
    /// record written and flushed as it comes (`--headless`); status lines (INFO, ERROR) go
    /// to standard error. When stdout closes (a pipe to `head`), `closed` is set and later
    /// records are dropped.
    pub fn to_stdout(format: LogFormat, closed: Arc<AtomicBool>) -> Result<Self, ExportError> {
        let path = Path::new("standard output");
        let mut out = std::io::stdout();
        let mut records = RecordWriter::new(format)
            .map_err(ExportError::io(path))?
            .in_colour(colour_on(&out));
        let notes = RecordWriter::new(format)
            .map_err(ExportError::io(path))?
            .in_colour(colour_on(&std::io::stderr()));
        let mut header = Vec::new();
        records
            .write_header(&mut header)
            .map_err(ExportError::io(path))?;
        out.write_all(&header).map_err(ExportError::io(path))?;
        let sink = StdoutSink {
            records,
            notes,
            out,
            scratch: Vec::new(),
            closed,
        };
        let writer = WriterThread::spawn("stdout-recorder", path, sink, header.len())?;
        Ok(Self {
            writer,
            packets: format == LogFormat::Pcapng,
        })
    }

    /// The first file of the recording.
    pub fn path(&self) -> &Path {
        self.writer.path()
    }

    /// Bytes and files written so far.
    pub fn progress(&self) -> &Progress {
        self.writer.progress()
    }

    /// A handle that records into this recording from another thread. [`Self::finish`] waits
    /// until every feed was dropped.
    pub fn feed(&self) -> Option<RecordFeed> {
        let packets = self.packets;
        self.writer.feed().map(|feed| RecordFeed { feed, packets })
    }

    /// Bytes of entries queued and not written yet.
    pub fn backlog(&self) -> usize {
        self.writer.backlog()
    }

    /// The first write error, once: later calls return `None` so the UI shows it a single time.
    pub fn take_error(&self) -> Option<String> {
        self.writer.take_error()
    }

    /// Writes out everything queued, closes the file and returns the first
    /// write error, even one already handed out by `take_error`.
    pub fn finish(self) -> Result<Written, String> {
        self.writer.finish()
    }
}

/// Records into a [`Recorder`] from another thread (a tab's session host).
#[derive(Clone)]
pub struct RecordFeed {
    feed: Feed<Pending>,
    /// pcapng: entries go as packets (status lines not at all).
    packets: bool,
}

impl RecordFeed {
    /// Queues an entry for writing; never blocks. Its feeder waits while [`Self::backlog`] is
    /// full.
    pub fn record(&self, entry: &LogEntry, context: RecordContext) {
        let pending = if self.packets {
            let Some(meta) = PacketMeta::of(entry) else {
                return;
            };
            Pending::Packets {
                meta,
                payload: PacketBuffer::copy_of(entry.bytes()),
                context,
            }
        } else {
            Pending::Line {
                entry: entry.clone(),
                context,
            }
        };
        self.feed.send(pending, entry.bytes().len());
    }

    pub fn backlog(&self) -> &Arc<Backlog> {
        self.feed.backlog()
    }
}

/// The file for part `number` of a recording at `base`: `base` itself for part 1, then
/// `NAME.2.EXT`, `NAME.3.EXT`, … beside it, so the parts sort and keep their format.
pub fn part_path(base: &Path, number: u32) -> PathBuf {
    if number <= 1 {
        return base.to_path_buf();
    }
    let stem = base.file_stem().unwrap_or_default().to_string_lossy();
    let name = match base.extension() {
        Some(extension) => format!("{stem}.{number}.{}", extension.to_string_lossy()),
        None => format!("{stem}.{number}"),
    };
    base.with_file_name(name)
}

/// Creates a part file with its header written and flushed; returns the header's size.
fn open_part(
    path: &Path,
    records: &mut RecordWriter,
) -> Result<(BufWriter<File>, u64), ExportError> {
    let file = File::create(path).map_err(ExportError::io(path))?;
    // Records this size or larger (a 64 KiB read as pcapng or raw) go straight to the file,
    // without a copy through the buffer.
    let mut writer = BufWriter::with_capacity(64 * 1024, file);
    let mut header = Vec::new();
    records
        .write_header(&mut header)
        .map_err(ExportError::io(path))?;
    writer
        .write_all(&header)
        .and_then(|()| writer.flush())
        .map_err(ExportError::io(path))?;
    Ok((writer, header.len() as u64))
}

/// The recorder thread's side: formats records and rotates files.
struct LogSink {
    base: PathBuf,
    records: RecordWriter,
    rotate_at: u64,
    /// The part being written, and its file.
    part: u32,
    current: PathBuf,
    writer: BufWriter<File>,
    /// Bytes in the current part, its header included.
    written: u64,
    header_bytes: u64,
    /// One record, formatted, before it goes to the file: its size decides the rotation.
    scratch: Vec<u8>,
}

impl LogSink {
    /// Moves on to the next part if a record of `size` bytes would take this one past its
    /// limit. A part always takes its first record, however large, so rotation cannot loop.
    fn make_room(&mut self, size: u64, progress: &Progress) -> Result<(), ExportError> {
        if self.written > self.header_bytes && self.written + size > self.rotate_at {
            self.rotate()?;
            progress.add_file();
            progress.add_bytes(self.header_bytes as usize);
        }
        Ok(())
    }

    fn rotate(&mut self) -> Result<(), ExportError> {
        self.flush()?;
        self.part += 1;
        self.current = part_path(&self.base, self.part);
        let (writer, header_bytes) = open_part(&self.current, &mut self.records)?;
        self.writer = writer;
        self.written = header_bytes;
        Ok(())
    }
}

impl Sink for LogSink {
    type Item = Pending;

    fn write(&mut self, pending: &mut Pending, progress: &Progress) -> Result<(), ExportError> {
        match pending {
            Pending::Line { entry, context } => {
                self.scratch.clear();
                self.records
                    .write_record(&mut self.scratch, context, entry)
                    .map_err(ExportError::io(&self.current))?;
                let size = self.scratch.len() as u64;
                self.make_room(size, progress)?;
                self.writer
                    .write_all(&self.scratch)
                    .map_err(ExportError::io(&self.current))?;
                self.written += size;
                progress.add_bytes(self.scratch.len());
            }
            Pending::Packets {
                meta,
                payload,
                context,
            } => {
                let size = PcapngState::size(context, meta, payload.payload_len());
                self.make_room(size, progress)?;
                // Straight to the file: the writer's buffer passes a 64 KiB block through.
                self.records
                    .write_packets(&mut self.writer, context, meta, payload)
                    .map_err(ExportError::io(&self.current))?;
                self.written += size;
                progress.add_bytes(size as usize);
            }
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), ExportError> {
        self.writer.flush().map_err(ExportError::io(&self.current))
    }
}

/// The recorder thread's side of [`Recorder::to_stdout`].
/// Whether lines for `stream` may be coloured: it is a terminal, and neither `NO_COLOR`
/// (no-color.org) nor `TERM=dumb` says otherwise.
fn colour_on(stream: &impl std::io::IsTerminal) -> bool {
    let no_colour = std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty());
    let dumb = std::env::var_os("TERM").is_some_and(|term| term == "dumb");
    stream.is_terminal() && !no_colour && !dumb
}

struct StdoutSink {
    /// Data entries, for stdout.
    records: RecordWriter,
    /// INFO and ERROR lines, for stderr (each stream in colour when it is a terminal).
    notes: RecordWriter,
    out: std::io::Stdout,
    scratch: Vec<u8>,
    closed: Arc<AtomicBool>,
}

impl Sink for StdoutSink {
    type Item = Pending;

    fn write(&mut self, pending: &mut Pending, progress: &Progress) -> Result<(), ExportError> {
        let path = Path::new("standard output");
        let Pending::Line { entry, context } = pending else {
            // A line format only: packets are never queued here.
            return Ok(());
        };
        self.scratch.clear();
        // Data to stdout, for a pipe; INFO and ERROR lines to stderr, for the person.
        let data = entry.kind.tag().is_data();
        let records = if data {
            &mut self.records
        } else {
            &mut self.notes
        };
        records
            .write_record(&mut self.scratch, context, entry)
            .map_err(ExportError::io(path))?;
        let written = if data {
            self.out
                .write_all(&self.scratch)
                .and_then(|()| self.out.flush())
        } else {
            std::io::stderr().write_all(&self.scratch)
        };
        if let Err(error) = written {
            if error.kind() == std::io::ErrorKind::BrokenPipe {
                self.closed.store(true, Ordering::Relaxed);
            }
            return Err(ExportError::io(path)(error));
        }
        progress.add_bytes(self.scratch.len());
        Ok(())
    }

    fn flush(&mut self) -> Result<(), ExportError> {
        let path = Path::new("standard output");
        self.out.flush().map_err(ExportError::io(path))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use crate::codec::TextEncoding;
    use crate::session::{EntryKind, Mode};
    use std::fs;
    use std::thread;
    use std::time::{Duration, Instant, SystemTime};

    fn rx(text: &str) -> LogEntry {
        LogEntry::new(
            SystemTime::now(),
            "127.0.0.1:9000".parse().ok(),
            EntryKind::Rx(text.into()),
        )
    }

    /// Records through a feed of its own, as a session host does.
    fn record(recorder: &Recorder, entry: &LogEntry, context: RecordContext) {
        recorder.feed().unwrap().record(entry, context);
    }

    fn context(mode: Mode, encoding: TextEncoding, hex_text: bool) -> RecordContext {
        RecordContext {
            mode,
            datagrams: mode == Mode::Udp,
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
            record(
                &recorder,
                &rx(text),
                context(Mode::Udp, TextEncoding::Utf8, false),
            );
        }
        // Flushed within FLUSH_INTERVAL; the margin is for a loaded machine.
        assert!(wait_for(Duration::from_secs(2), || line_count(&path) == 3));

        record(
            &recorder,
            &rx("four"),
            context(Mode::Udp, TextEncoding::Utf8, false),
        );
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
            record(
                &recorder,
                &rx(&index.to_string()),
                context(mode, TextEncoding::Gbk, true),
            );
        }
        drop(recorder);
        assert_eq!(line_count(&path), 1001);
    }

    #[test]
    fn rotates_into_numbered_parts_without_splitting_records() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.csv");
        // Each record is about 70 bytes: a 1,000-byte limit takes a dozen or so per part.
        let recorder = Recorder::start_rotating(&path, 1000).unwrap();
        let texts: Vec<String> = (0..200).map(|n| format!("record {n:03}")).collect();
        for text in &texts {
            record(
                &recorder,
                &rx(text),
                context(Mode::Udp, TextEncoding::Utf8, false),
            );
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while recorder.progress().files() < 2 && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(5));
        }
        assert!(recorder.progress().files() >= 2);
        recorder.finish().unwrap();

        let mut found = Vec::new();
        let mut part = 1;
        while part_path(&path, part).exists() {
            let text = fs::read_to_string(part_path(&path, part)).unwrap();
            assert!(text.len() <= 1000, "part {part} is {} bytes", text.len());
            let mut lines = text.lines();
            assert_eq!(lines.next(), Some("time,mode,dir,peer,len,hex,text"));
            found.extend(lines.map(|line| line.rsplit(',').next().unwrap().to_owned()));
            part += 1;
        }
        assert!(part > 10, "only {} parts", part - 1);
        assert_eq!(found, texts);
        assert_eq!(part_path(&path, 2), dir.path().join("big.2.csv"));
    }

    #[test]
    fn a_record_larger_than_the_limit_gets_a_part_of_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("huge.jsonl");
        let recorder = Recorder::start_rotating(&path, 100).unwrap();
        for text in ["small", &"x".repeat(500), "after"] {
            record(
                &recorder,
                &rx(text),
                context(Mode::Udp, TextEncoding::Utf8, false),
            );
        }
        recorder.finish().unwrap();
        let counts: Vec<usize> = (1..=3)
            .map(|part| line_count(&part_path(&path, part)))
            .collect();
        assert_eq!(counts, [1, 1, 1]);
        assert!(!part_path(&path, 4).exists());
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
        record(
            &recorder,
            &rx("lost"),
            context(Mode::Udp, TextEncoding::Utf8, false),
        );

        let mut error = None;
        assert!(wait_for(Duration::from_secs(2), || {
            error = recorder.take_error();
            error.is_some()
        }));
        let error = error.unwrap();
        assert!(error.contains("full.txt"), "{error}");
        assert_eq!(recorder.take_error(), None, "handed out once");

        // Still accepts (and drops) records, and finish reports the same error.
        record(
            &recorder,
            &rx("also lost"),
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
