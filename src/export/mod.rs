//! Log files: Save log… writes a whole session at once, `--log FILE` records as it goes.
//! Both use the formats in [`format`](mod@format).

pub mod format;
mod pcapng;
pub mod raw_capture;
pub mod recorder;
pub mod replay;
mod writer_thread;

use std::borrow::Borrow;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

pub use format::{LogFormat, RecordContext, RecordWriter};
pub use raw_capture::{RawCapture, RawFeed, RawOptions};
pub use recorder::{DEFAULT_ROTATE_BYTES, RecordFeed, Recorder, part_path};
pub use writer_thread::{BACKLOG_LIMIT, Backlog, Progress, Written};

use crate::session::LogEntry;

/// Why a log file could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("cannot tell the log format of {}: use a .txt, .csv or .jsonl file name", .0.display())]
    UnknownFormat(PathBuf),
    #[error("cannot write {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl ExportError {
    /// Adapts an I/O error on `path`, for `map_err`.
    fn io(path: &Path) -> impl FnOnce(io::Error) -> Self + '_ {
        move |source| Self::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// The format for `path`, or the error naming the extensions we know.
fn format_for(path: &Path) -> Result<LogFormat, ExportError> {
    LogFormat::from_path(path).ok_or_else(|| ExportError::UnknownFormat(path.to_path_buf()))
}

/// Writes `entries` to a new file at `path` (replacing any), in the format its
/// extension names, and returns how many records were written.
pub fn export_log<E: Borrow<LogEntry>>(
    path: &Path,
    ctx: &RecordContext,
    entries: impl IntoIterator<Item = E>,
) -> Result<usize, ExportError> {
    let format = format_for(path)?;
    let file = File::create(path).map_err(ExportError::io(path))?;
    let mut writer = BufWriter::new(file);
    write_log(&mut writer, format, ctx, entries).map_err(ExportError::io(path))
}

/// Replaces the file at `path` with `contents` whole, or leaves it as it was: written beside
/// it first, then renamed over it (a process ended halfway leaves the old file, never half a
/// new one).
pub fn replace_file(path: &Path, contents: &[u8]) -> io::Result<()> {
    let mut beside = path.as_os_str().to_owned();
    beside.push(".part");
    let beside = PathBuf::from(beside);
    let written = std::fs::write(&beside, contents).and_then(|()| std::fs::rename(&beside, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&beside);
    }
    written
}

fn write_log<E: Borrow<LogEntry>>(
    w: &mut impl Write,
    format: LogFormat,
    ctx: &RecordContext,
    entries: impl IntoIterator<Item = E>,
) -> io::Result<usize> {
    let mut writer = RecordWriter::new(format)?;
    writer.write_header(w)?;
    let mut count = 0;
    let mut record = Vec::new();
    for entry in entries {
        record.clear();
        writer.write_record(&mut record, ctx, entry.borrow())?;
        w.write_all(&record)?;
        count += 1;
    }
    // Flush here: BufWriter's drop would swallow a failure to write the tail.
    w.flush()?;
    Ok(count)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use crate::codec::TextEncoding;
    use crate::session::{EntryKind, Mode};
    use std::fs;
    use std::time::SystemTime;

    #[test]
    fn a_file_is_replaced_whole_and_nothing_is_left_beside_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rules.json");
        fs::write(&path, "old").unwrap();
        replace_file(&path, b"new").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
        let names: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "no .part left");
        // Into a folder that is not there: an error, and nothing written.
        let nowhere = dir.path().join("none").join("x.json");
        assert!(replace_file(&nowhere, b"x").is_err());
    }

    fn entries() -> Vec<LogEntry> {
        let peer = "127.0.0.1:50412".parse().ok();
        let now = SystemTime::now();
        vec![
            LogEntry::new(now, None, EntryKind::Info("Connected, at last".into())),
            LogEntry::new(now, peer, EntryKind::Tx(b"ping\r\n".to_vec())),
            LogEntry::new(now, peer, EntryKind::Rx(vec![0xc4, 0xe3, 0xba, 0xc3])),
        ]
    }

    fn ctx() -> RecordContext {
        RecordContext {
            mode: Mode::TcpClient,
            datagrams: false,
            encoding: TextEncoding::Gbk,
            hex_text: false,
        }
    }

    fn export(name: &str) -> String {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        assert_eq!(export_log(&path, &ctx(), entries()).unwrap(), 3);
        fs::read_to_string(&path).unwrap()
    }

    #[test]
    fn exports_txt() {
        let text = export("session.TXT");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].ends_with(" INFO - Connected, at last"));
        assert!(lines[1].ends_with(" TX 127.0.0.1:50412 6 B  ping\\r\\n"));
        assert!(lines[2].ends_with(" RX 127.0.0.1:50412 4 B  你好"));
    }

    #[test]
    fn exports_csv() {
        let text = export("session.csv");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines.len(),
            5,
            "header, then a record whose text spans two lines"
        );
        assert_eq!(lines[0], "time,mode,dir,peer,len,hex,text");
        assert!(lines[1].ends_with(",tcp-client,info,,0,,\"Connected, at last\""));
        assert!(text.contains(",tcp-client,tx,127.0.0.1:50412,6,70696e670d0a,\"ping\r\n\"\n"));
        assert!(lines[4].ends_with(",tcp-client,rx,127.0.0.1:50412,4,c4e3bac3,你好"));
    }

    #[test]
    fn exports_jsonl() {
        let text = export("session.ndjson");
        let values: Vec<serde_json::Value> = text
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        assert_eq!(values.len(), 3);
        assert_eq!(values[1]["text"], "ping\r\n");
        assert_eq!(values[2]["hex"], "c4e3bac3");
        assert_eq!(values[2]["text"], "你好");
    }

    #[test]
    fn exports_nothing_but_header() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("empty.csv");
        assert_eq!(export_log(&path, &ctx(), &[]).unwrap(), 0);
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            "time,mode,dir,peer,len,hex,text\n"
        );
    }

    #[test]
    fn unknown_extension_is_refused_before_creating() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("session.json");
        let err = export_log(&path, &ctx(), entries()).unwrap_err();
        assert!(matches!(&err, ExportError::UnknownFormat(p) if *p == path));
        let message = err.to_string();
        assert!(message.contains(".txt, .csv or .jsonl"), "{message}");
        assert!(!path.exists());
    }

    #[test]
    fn missing_directory_is_an_io_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing").join("session.txt");
        let err = export_log(&path, &ctx(), entries()).unwrap_err();
        assert!(matches!(&err, ExportError::Io { path: p, .. } if *p == path));
        assert!(err.to_string().starts_with("cannot write "));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn full_disk_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("full.jsonl");
        std::os::unix::fs::symlink("/dev/full", &path).unwrap();
        let err = export_log(&path, &ctx(), entries()).unwrap_err();
        let ExportError::Io { source, .. } = err else {
            panic!("expected an I/O error, got {err:?}");
        };
        assert_eq!(source.raw_os_error(), Some(28), "ENOSPC");
    }
}
