//! Send file, on the worker: the file is read a chunk at a time, only as fast as the socket takes
//! it (at most [`HIGH_WATER`] bytes queued), so a file of any size streams in bounded memory.
//! UDP sends one datagram per chunk, optionally paced like a cyclic send.

use std::fs::File;
use std::io::{self, Read};
use std::time::{Duration, Instant};

use super::message::{Command, EventKind, FileSpec, NetError, SendOrigin};

/// Bytes queued for the socket past which no more of the file is read.
pub(super) const HIGH_WATER: usize = 1024 * 1024;

/// TCP reads this much of the file at a time.
const TCP_CHUNK: usize = 64 * 1024;

/// Progress events are at most this frequent.
const REPORT_EVERY: Duration = Duration::from_millis(50);

pub(super) struct FileSend {
    spec: FileSpec,
    file: File,
    total: u64,
    /// Bytes read from the file and handed to the socket queue.
    queued: u64,
    chunks: u64,
    start: Instant,
    last_report: Instant,
    /// `queued` as last reported.
    reported: u64,
    /// Set when reading stopped for a full queue: the progress so far is reported at once,
    /// since nothing may wake the worker for a while (a peer that does not read).
    waiting: bool,
}

impl FileSend {
    pub(super) fn open(spec: FileSpec, now: Instant) -> Result<Self, NetError> {
        let error =
            |error: io::Error| NetError::io(format!("cannot read {}", spec.path.display()), &error);
        let file = File::open(&spec.path).map_err(error)?;
        let total = file.metadata().map_err(error)?.len();
        Ok(Self {
            spec,
            file,
            total,
            queued: 0,
            chunks: 0,
            start: now,
            last_report: now,
            reported: 0,
            waiting: false,
        })
    }

    fn chunk_size(&self) -> usize {
        self.spec.datagram.unwrap_or(TCP_CHUNK).max(1)
    }

    pub(super) fn is_done(&self) -> bool {
        self.queued >= self.total
    }

    /// Whether every byte of the file has been read and written to the socket.
    pub(super) fn is_finished(&self, backlog: usize) -> bool {
        self.is_done() && backlog == 0
    }

    /// When more of the file should be read (or, once all is written, its end reported), given
    /// the bytes already queued for the socket; `None` while the queue is full or draining (the
    /// socket's progress wakes the worker instead).
    pub(super) fn next_due(&self, backlog: usize) -> Option<Instant> {
        if self.is_finished(backlog) {
            return Some(self.start);
        }
        if self.is_done() || backlog >= HIGH_WATER {
            return None;
        }
        match self.spec.pace {
            Some(pace) => {
                let chunks = u32::try_from(self.chunks).unwrap_or(u32::MAX);
                Some(self.start + pace.saturating_mul(chunks))
            }
            None => Some(self.start),
        }
    }

    /// The sends due by `now`: chunks of the file, while the queue has room.
    pub(super) fn take_due(&mut self, now: Instant, backlog: usize) -> io::Result<Vec<Command>> {
        let mut due = Vec::new();
        let mut backlog = backlog;
        self.waiting = false;
        while !self.is_done() && self.next_due(backlog).is_some_and(|at| at <= now) {
            let mut chunk = vec![0; self.chunk_size()];
            let read = read_full(&mut self.file, &mut chunk)?;
            if read == 0 {
                // The file shrank while being sent: what was read is all there is.
                self.total = self.queued;
                break;
            }
            chunk.truncate(read);
            self.queued += read as u64;
            self.chunks += 1;
            backlog += read;
            due.push(Command::Send {
                bytes: chunk,
                to: self.spec.to.clone(),
                origin: SendOrigin::File,
            });
        }
        self.waiting = !self.is_done() && backlog >= HIGH_WATER;
        Ok(due)
    }

    /// A progress event when one is due (always at the end, once all is written).
    pub(super) fn report(&mut self, now: Instant, backlog: usize) -> Option<EventKind> {
        let done = self.is_finished(backlog);
        let stalled = self.waiting && self.queued != self.reported;
        if !done && !stalled && now.duration_since(self.last_report) < REPORT_EVERY {
            return None;
        }
        self.last_report = now;
        self.reported = self.queued;
        Some(self.progress(!done))
    }

    pub(super) fn progress(&self, running: bool) -> EventKind {
        EventKind::FileProgress {
            sent: self.queued,
            total: self.total,
            running,
        }
    }
}

/// Fills `buffer` unless the file ends first; returns how much was read.
fn read_full(file: &mut File, buffer: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match file.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(filled)
}

#[cfg(test)]
#[allow(clippy::expect_used)] // a failed expect is a failed test
mod tests {
    use super::*;
    use crate::net::SendTarget;
    use std::io::Write;

    fn file_of(len: usize) -> tempfile::NamedTempFile {
        let mut file = tempfile::NamedTempFile::new().expect("a temporary file");
        let bytes: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        file.write_all(&bytes).expect("the file's bytes");
        file
    }

    fn spec(
        file: &tempfile::NamedTempFile,
        datagram: Option<usize>,
        pace_ms: Option<u64>,
    ) -> FileSpec {
        FileSpec {
            path: file.path().to_path_buf(),
            to: SendTarget::Peer,
            datagram,
            pace: pace_ms.map(Duration::from_millis),
        }
    }

    fn lengths(commands: &[Command]) -> Vec<usize> {
        commands
            .iter()
            .map(|command| match command {
                Command::Send { bytes, .. } => bytes.len(),
                other => panic!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn reads_only_while_the_queue_has_room() {
        let file = file_of(3 * HIGH_WATER);
        let now = Instant::now();
        let mut send = FileSend::open(spec(&file, None, None), now).expect("the file opens");
        let first = send.take_due(now, 0).expect("the file reads");
        assert_eq!(lengths(&first).iter().sum::<usize>(), HIGH_WATER);
        assert_eq!(send.next_due(HIGH_WATER), None, "full: wait for the socket");
        assert!(
            send.take_due(now, HIGH_WATER)
                .expect("the file reads")
                .is_empty()
        );
        let rest = [
            send.take_due(now, 0).expect("the file reads"),
            send.take_due(now, 0).expect("the file reads"),
        ];
        assert!(send.is_done());
        assert_eq!(
            send.progress(false),
            EventKind::FileProgress {
                sent: 3 * HIGH_WATER as u64,
                total: 3 * HIGH_WATER as u64,
                running: false,
            }
        );
        assert_eq!(
            rest.iter().map(Vec::len).sum::<usize>(),
            2 * HIGH_WATER / TCP_CHUNK
        );
    }

    #[test]
    fn udp_datagrams_are_paced_from_the_start() {
        let file = file_of(2500);
        let now = Instant::now();
        let mut send =
            FileSend::open(spec(&file, Some(1000), Some(10)), now).expect("the file opens");
        assert_eq!(
            lengths(&send.take_due(now, 0).expect("the file reads")),
            [1000]
        );
        assert_eq!(send.next_due(0), Some(now + Duration::from_millis(10)));
        let later = now + Duration::from_millis(25);
        assert_eq!(
            lengths(&send.take_due(later, 0).expect("the file reads")),
            [1000, 500]
        );
        assert!(send.is_done());
        assert_eq!(
            send.next_due(1500),
            None,
            "waits while the last datagrams drain"
        );
        assert!(!send.is_finished(1500));
        assert_eq!(send.next_due(0), Some(now), "then its end is due at once");
        assert!(send.is_finished(0));
    }

    #[test]
    fn a_missing_file_is_an_error_naming_it() {
        let spec = FileSpec {
            path: "/no/such/file.bin".into(),
            to: SendTarget::Peer,
            datagram: None,
            pace: None,
        };
        let error = FileSend::open(spec, Instant::now())
            .err()
            .expect("a missing file fails");
        assert!(error.to_string().contains("/no/such/file.bin"), "{error}");
    }
}
