//! "Save received data to file": the raw bytes of every read, appended byte-exact as in a file
//! download, optionally one file per peer and with the sent bytes beside them.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::ExportError;
use super::writer_thread::{Backlog, Feed, Progress, Sink, WriterThread, Written};
use crate::session::{Direction, LogEntry};

/// Files kept open at once; past it they are closed and reopened for appending when needed, so a
/// server with thousands of clients does not run out of file handles.
const MAX_OPEN_FILES: usize = 64;
/// Per-peer files made at most (each direction counts); later peers' bytes go to
/// `NAME_other-peers.EXT`, so a UDP socket hearing from a million source ports makes neither a
/// million files nor a million remembered names.
pub const MAX_PEER_FILES: usize = 4096;

/// What goes into which file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct RawOptions {
    /// One file per peer (`NAME_127.0.0.1-5000.EXT`) instead of one for all.
    pub per_peer: bool,
    /// Also save sent bytes, to `NAME.tx.EXT` (per peer: `NAME_PEER.tx.EXT`).
    pub include_tx: bool,
}

pub struct RawCapture {
    options: RawOptions,
    writer: WriterThread<Chunk>,
}

struct Chunk {
    /// The peer's own file, when saved per peer.
    peer: Option<SocketAddr>,
    tx: bool,
    bytes: Vec<u8>,
}

/// Which file of a capture: the one for all, a peer's, or the one past [`MAX_PEER_FILES`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Destination {
    All,
    Peer(SocketAddr),
    OtherPeers,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct FileKey {
    destination: Destination,
    tx: bool,
}

impl RawCapture {
    /// Creates (or truncates) the file at `path` before returning, so a bad path is reported
    /// right away; per-peer files appear as their peers send.
    pub fn start(path: &Path, options: RawOptions) -> Result<Self, ExportError> {
        let mut sink = RawSink::new(path);
        sink.open(FileKey {
            destination: Destination::All,
            tx: false,
        })?;
        let writer = WriterThread::spawn("raw-capture", path, sink, 0)?;
        Ok(Self { options, writer })
    }

    pub fn path(&self) -> &Path {
        self.writer.path()
    }

    pub fn options(&self) -> RawOptions {
        self.options
    }

    /// Bytes and files written so far.
    pub fn progress(&self) -> &Progress {
        self.writer.progress()
    }

    /// A handle that captures into these files from another thread (a tab's session host).
    /// [`Self::finish`] waits until every feed was dropped.
    pub fn feed(&self) -> Option<RawFeed> {
        Some(RawFeed {
            options: self.options,
            feed: self.writer.feed()?,
        })
    }

    /// Bytes queued and not written yet.
    pub fn backlog(&self) -> usize {
        self.writer.backlog()
    }

    pub fn take_error(&self) -> Option<String> {
        self.writer.take_error()
    }

    /// Writes out what is queued and closes the files; returns the first write error.
    pub fn finish(self) -> Result<Written, String> {
        self.writer.finish()
    }
}

/// Captures into a [`RawCapture`] from another thread.
#[derive(Clone)]
pub struct RawFeed {
    options: RawOptions,
    feed: Feed<Chunk>,
}

impl RawFeed {
    /// Queues the bytes of `entry` if it is data this capture keeps; never blocks. Its feeder
    /// waits while [`Self::backlog`] is full.
    pub fn capture(&self, entry: &LogEntry) {
        if let Some(chunk) = chunk_of(entry, self.options) {
            let bytes = chunk.bytes.len();
            self.feed.send(chunk, bytes);
        }
    }

    pub fn backlog(&self) -> &Arc<Backlog> {
        self.feed.backlog()
    }
}

/// What of `entry` goes to which file, if the capture keeps it.
fn chunk_of(entry: &LogEntry, options: RawOptions) -> Option<Chunk> {
    let tx = match entry.direction() {
        Direction::Rx => false,
        Direction::Tx if options.include_tx => true,
        _ => return None,
    };
    if entry.bytes().is_empty() {
        return None;
    }
    Some(Chunk {
        // By address and port, as the file is named: an IPv6 scope or flow label that differs
        // must not make a second writer of one file.
        peer: entry
            .peer
            .filter(|_| options.per_peer)
            .map(|peer| SocketAddr::new(peer.ip(), peer.port())),
        tx,
        bytes: entry.bytes().to_vec(),
    })
}

/// The file that data from `peer` (when saved per peer) in one direction goes to, beside `base`.
pub fn capture_path(base: &Path, peer: Option<SocketAddr>, tx: bool) -> PathBuf {
    let destination = peer.map_or(Destination::All, Destination::Peer);
    file_path(base, FileKey { destination, tx })
}

fn file_path(base: &Path, key: FileKey) -> PathBuf {
    let FileKey { destination, tx } = key;
    if destination == Destination::All && !tx {
        return base.to_path_buf();
    }
    let stem = base.file_stem().unwrap_or_default().to_string_lossy();
    let mut name = stem.into_owned();
    match destination {
        Destination::All => {}
        Destination::Peer(peer) => {
            // No `:` or brackets: they are not allowed in Windows file names.
            let ip = peer.ip().to_string().replace(':', "_");
            name.push_str(&format!("_{ip}-{}", peer.port()));
        }
        Destination::OtherPeers => name.push_str("_other-peers"),
    }
    if tx {
        name.push_str(".tx");
    }
    if let Some(extension) = base.extension() {
        name.push('.');
        name.push_str(&extension.to_string_lossy());
    }
    base.with_file_name(name)
}

/// The writer thread's side: a buffered file per destination.
struct RawSink {
    base: PathBuf,
    open: HashMap<FileKey, (PathBuf, BufWriter<File>)>,
    /// Files this capture has created: reopened later, they are appended to, not truncated.
    /// At most [`MAX_PEER_FILES`] peers' and four others.
    created: HashSet<FileKey>,
    peer_files: usize,
}

impl RawSink {
    fn new(base: &Path) -> Self {
        Self {
            base: base.to_path_buf(),
            open: HashMap::new(),
            created: HashSet::new(),
            peer_files: 0,
        }
    }

    /// The file `chunk` goes to: its peer's, unless that would be a peer file too many.
    fn key_of(&self, chunk: &Chunk) -> FileKey {
        let destination = match chunk.peer {
            None => Destination::All,
            Some(peer) => {
                let key = FileKey {
                    destination: Destination::Peer(peer),
                    tx: chunk.tx,
                };
                if self.created.contains(&key) || self.peer_files < MAX_PEER_FILES {
                    return key;
                }
                Destination::OtherPeers
            }
        };
        FileKey {
            destination,
            tx: chunk.tx,
        }
    }

    /// The open file for `key`; returns whether it was created just now.
    fn open(&mut self, key: FileKey) -> Result<(&mut BufWriter<File>, bool), ExportError> {
        if !self.open.contains_key(&key) && self.open.len() >= MAX_OPEN_FILES {
            self.flush()?;
            self.open.clear();
        }
        match self.open.entry(key) {
            Entry::Occupied(open) => Ok((&mut open.into_mut().1, false)),
            Entry::Vacant(slot) => {
                let path = file_path(&self.base, key);
                let fresh = self.created.insert(key);
                if fresh && matches!(key.destination, Destination::Peer(_)) {
                    self.peer_files += 1;
                }
                let file = OpenOptions::new()
                    .create(true)
                    .write(true)
                    .truncate(fresh)
                    .append(!fresh)
                    .open(&path)
                    .map_err(ExportError::io(&path))?;
                let writer = BufWriter::with_capacity(256 * 1024, file);
                Ok((&mut slot.insert((path, writer)).1, fresh))
            }
        }
    }
}

impl Sink for RawSink {
    type Item = Chunk;

    fn write(&mut self, chunk: &mut Chunk, progress: &Progress) -> Result<(), ExportError> {
        let key = self.key_of(chunk);
        let (writer, new_file) = self.open(key)?;
        if let Err(error) = writer.write_all(&chunk.bytes) {
            return Err(ExportError::io(&file_path(&self.base, key))(error));
        }
        if new_file {
            progress.add_file();
        }
        progress.add_bytes(chunk.bytes.len());
        Ok(())
    }

    fn flush(&mut self) -> Result<(), ExportError> {
        for (path, writer) in self.open.values_mut() {
            writer.flush().map_err(ExportError::io(path))?;
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use crate::session::EntryKind;
    use std::fs;
    use std::time::SystemTime;

    fn entry(port: u16, kind: EntryKind) -> LogEntry {
        let peer = SocketAddr::from(([127, 0, 0, 1], port));
        LogEntry::new(SystemTime::now(), Some(peer), kind)
    }

    #[test]
    fn names_files_per_peer_and_direction() {
        let base = Path::new("/tmp/cap/rx.bin");
        let v4: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        let v6: SocketAddr = "[::1]:6000".parse().unwrap();
        let name = |peer, tx| capture_path(base, peer, tx).to_string_lossy().into_owned();
        assert_eq!(name(None, false), "/tmp/cap/rx.bin");
        assert_eq!(name(None, true), "/tmp/cap/rx.tx.bin");
        assert_eq!(name(Some(v4), false), "/tmp/cap/rx_127.0.0.1-5000.bin");
        assert_eq!(name(Some(v6), true), "/tmp/cap/rx___1-6000.tx.bin");
        let bare = capture_path(Path::new("dump"), Some(v4), false);
        assert_eq!(bare, Path::new("dump_127.0.0.1-5000"));
    }

    #[test]
    fn appends_received_bytes_byte_exact_and_skips_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rx.bin");
        let capture = RawCapture::start(&path, RawOptions::default()).unwrap();
        let all: Vec<u8> = (0..=255).collect();
        capture
            .feed()
            .unwrap()
            .capture(&entry(1, EntryKind::Rx(all[..100].to_vec())));
        capture
            .feed()
            .unwrap()
            .capture(&entry(1, EntryKind::Tx(b"not saved".to_vec())));
        capture
            .feed()
            .unwrap()
            .capture(&entry(1, EntryKind::Info("not data".into())));
        capture
            .feed()
            .unwrap()
            .capture(&entry(2, EntryKind::Rx(all[100..].to_vec())));
        assert_eq!(capture.progress().files(), 1);
        capture.finish().unwrap();
        assert_eq!(fs::read(&path).unwrap(), all);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn per_peer_with_tx_writes_a_file_for_each() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cap.dat");
        let options = RawOptions {
            per_peer: true,
            include_tx: true,
        };
        let capture = RawCapture::start(&path, options).unwrap();
        capture
            .feed()
            .unwrap()
            .capture(&entry(1, EntryKind::Rx(b"one ".to_vec())));
        capture
            .feed()
            .unwrap()
            .capture(&entry(2, EntryKind::Rx(b"two".to_vec())));
        capture
            .feed()
            .unwrap()
            .capture(&entry(1, EntryKind::Tx(b"to one".to_vec())));
        capture
            .feed()
            .unwrap()
            .capture(&entry(1, EntryKind::Rx(b"more".to_vec())));
        let progress =
            |capture: &RawCapture| (capture.progress().bytes(), capture.progress().files());
        // The writer thread counts as it writes: wait for all of it.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while progress(&capture) != (17, 4) && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        assert_eq!(
            progress(&capture),
            (17, 4),
            "bytes and files, base included"
        );
        capture.finish().unwrap();
        let read = |name: &str| fs::read(dir.path().join(name)).unwrap();
        assert_eq!(read("cap_127.0.0.1-1.dat"), b"one more");
        assert_eq!(read("cap_127.0.0.1-2.dat"), b"two");
        assert_eq!(read("cap_127.0.0.1-1.tx.dat"), b"to one");
        assert_eq!(read("cap.dat"), b"", "the chosen file is created at start");
    }

    #[test]
    fn more_peers_than_open_files_still_append() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("many.bin");
        let options = RawOptions {
            per_peer: true,
            include_tx: false,
        };
        let capture = RawCapture::start(&path, options).unwrap();
        let peers = MAX_OPEN_FILES as u16 * 2;
        for round in 0..3u8 {
            for port in 1..=peers {
                capture
                    .feed()
                    .unwrap()
                    .capture(&entry(port, EntryKind::Rx(vec![round])));
            }
        }
        capture.finish().unwrap();
        for port in 1..=peers {
            let file = dir.path().join(format!("many_127.0.0.1-{port}.bin"));
            assert_eq!(fs::read(file).unwrap(), [0, 1, 2], "port {port}");
        }
    }

    #[test]
    fn peers_past_the_file_limit_share_one_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("all.bin");
        let options = RawOptions {
            per_peer: true,
            include_tx: false,
        };
        let capture = RawCapture::start(&path, options).unwrap();
        let feed = capture.feed().unwrap();
        let limit = u16::try_from(MAX_PEER_FILES).unwrap();
        for port in 1..=limit + 2 {
            feed.capture(&entry(port, EntryKind::Rx(port.to_be_bytes().to_vec())));
        }
        // A peer with a file of its own keeps it past the limit.
        feed.capture(&entry(1, EntryKind::Rx(b"again".to_vec())));
        drop(feed);
        let written = capture.finish().unwrap();
        assert_eq!(
            written.files,
            MAX_PEER_FILES as u64 + 2,
            "peers', others', all"
        );
        let read = |name: String| fs::read(dir.path().join(name)).unwrap();
        assert_eq!(read("all_127.0.0.1-1.bin".into()), b"\x00\x01again");
        let last = format!("all_127.0.0.1-{limit}.bin");
        assert_eq!(read(last), limit.to_be_bytes());
        let mut others = (limit + 1).to_be_bytes().to_vec();
        others.extend((limit + 2).to_be_bytes());
        assert_eq!(read("all_other-peers.bin".into()), others);
        assert!(
            !dir.path()
                .join(format!("all_127.0.0.1-{}.bin", limit + 1))
                .exists()
        );
        let files = fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(files, MAX_PEER_FILES + 2);
    }

    #[test]
    fn start_in_missing_directory_fails() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing").join("rx.bin");
        assert!(RawCapture::start(&path, RawOptions::default()).is_err());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn disk_full_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("full.bin");
        std::os::unix::fs::symlink("/dev/full", &path).unwrap();
        let capture = RawCapture::start(&path, RawOptions::default()).unwrap();
        // Larger than the buffer, so the write itself fails, not only the flush.
        capture
            .feed()
            .unwrap()
            .capture(&entry(1, EntryKind::Rx(vec![7; 300 * 1024])));
        let error = capture.finish().err().unwrap();
        assert!(error.contains("full.bin"), "{error}");
    }
}
