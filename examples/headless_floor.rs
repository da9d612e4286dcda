//! The floor of `--headless`'s work, for benches/headless.sh: one thread accepts one TCP
//! connection on 127.0.0.1:PORT, reads it 64 KiB at a time into one buffer and writes each
//! read to stdout as the `.txt` record `--headless` prints, with Sockscope's own
//! `RecordWriter`. No worker, session host or recorder thread stands between the socket and
//! stdout, so the bench can tell the cost of formatting from the cost of that pipeline.
//! After the connection ends it waits to be stopped, so its CPU time can be read.
//! Usage: cargo run --release --example headless_floor -- PORT

use std::io::{self, Read, Write};
use std::net::TcpListener;
use std::time::SystemTime;

use sockscope::codec::TextEncoding;
use sockscope::export::{LogFormat, RecordContext, RecordWriter};
use sockscope::session::{EntryKind, LogEntry, Mode};

const READ_SIZE: usize = 64 * 1024;

fn main() -> io::Result<()> {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|port| port.parse().ok())
        .ok_or_else(|| io::Error::other("usage: headless_floor PORT"))?;
    let (mut stream, peer) = TcpListener::bind(("127.0.0.1", port))?.accept()?;
    let mut records = RecordWriter::new(LogFormat::Txt)?;
    let context = RecordContext {
        mode: Mode::TcpServer,
        datagrams: false,
        encoding: TextEncoding::Utf8,
        hex_text: false,
    };
    let mut buffer = vec![0; READ_SIZE];
    let mut line = Vec::new();
    let mut out = io::stdout().lock();
    loop {
        let n = stream.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        buffer.truncate(n);
        // The buffer goes into the entry and comes back: no copy, as a full read in the app.
        let entry = LogEntry::new(SystemTime::now(), Some(peer), EntryKind::Rx(buffer));
        line.clear();
        records.write_record(&mut line, &context, &entry)?;
        out.write_all(&line)?;
        buffer = match entry.kind {
            EntryKind::Rx(bytes) => bytes,
            _ => Vec::new(),
        };
        buffer.resize(READ_SIZE, 0);
    }
    out.flush()?;
    loop {
        std::thread::park();
    }
}
