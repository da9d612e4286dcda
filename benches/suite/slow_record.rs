//! Recording to a disk slower than the network: a TCP client floods the App's TCP Server tab
//! while `--log` records into a FIFO that a reader drains at a few MB/s. Runs in a process of
//! its own so its peak resident memory is its own. Reports the peak, how far the sender got
//! ahead of the recording (held back: it cannot finish before the recording nearly has), and
//! whether the recording holds every byte sent, by sha256, once the reader caught up.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;
use sha2::{Digest, Sha256};
use sockscope::StartOptions;

use crate::app_run::{Frames, tcp_server_app_with};
use crate::report::{Report, Row, mb};

/// The environment variable value that makes this process the recording App.
pub const ROLE: &str = "slow-record";

/// The flood; in a short run, smaller than the queues, so it cannot show the sender held back.
fn flood_bytes() -> u64 {
    crate::sized(64, 8) * 1024 * 1024
}

/// How fast the reader takes the recording (JSON lines: about 4.5 bytes per received byte).
const READ_BYTES_PER_S: u64 = 24 * 1024 * 1024;

/// The sender's bytes: a fixed pseudo-random stream, so a lost or repeated piece shows.
fn pattern(state: &mut u64, block: &mut [u8]) {
    for byte in block {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *byte = (*state >> 24) as u8;
    }
}

fn sender(addr: SocketAddr, total: u64, sent: Arc<AtomicU64>) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut stream = TcpStream::connect(addr).expect("connect");
        let mut hash = Sha256::new();
        let mut state = 0x9E37_79B9_7F4A_7C15;
        let mut block = vec![0; 64 * 1024];
        let mut left = total;
        while left > 0 {
            let size = left.min(block.len() as u64) as usize;
            pattern(&mut state, &mut block[..size]);
            stream.write_all(&block[..size]).expect("write");
            hash.update(&block[..size]);
            left -= size as u64;
            sent.fetch_add(size as u64, Ordering::Relaxed);
        }
        hash.finalize().to_vec()
    })
}

fn from_hex(text: &str) -> Vec<u8> {
    let digit = |c: u8| match c {
        b'0'..=b'9' => c - b'0',
        _ => c - b'a' + 10,
    };
    text.as_bytes()
        .chunks_exact(2)
        .map(|pair| digit(pair[0]) << 4 | digit(pair[1]))
        .collect()
}

/// Reads the recording at `READ_BYTES_PER_S`, hashing the received bytes of its records, until
/// `total` of them were read; sends their sha256, then drains the FIFO so that the App's later
/// records still find a reader.
fn slow_reader(fifo: PathBuf, total: u64, recorded: Arc<AtomicU64>) -> Receiver<Vec<u8>> {
    let (hash_sender, hash_receiver) = crossbeam_channel::bounded(1);
    thread::spawn(move || {
        // A FIFO's open waits for its writer: the App's recorder opens it at start.
        let file = File::open(&fifo).expect("open the FIFO");
        let mut lines = BufReader::with_capacity(64 * 1024, PacedRead::new(file));
        let mut hash = Sha256::new();
        let mut line = String::new();
        let mut got = 0;
        while got < total {
            line.clear();
            let read = lines.read_line(&mut line).expect("read the recording");
            assert!(read > 0, "the recording ended after {got} received bytes");
            let record: serde_json::Value = serde_json::from_str(&line).expect("a JSON record");
            if record["dir"] == "rx" {
                let bytes = from_hex(record["hex"].as_str().expect("hex"));
                got += bytes.len() as u64;
                hash.update(&bytes);
                recorded.store(got, Ordering::Relaxed);
            }
        }
        let _ = hash_sender.send(hash.finalize().to_vec());
        let _ = std::io::copy(&mut lines, &mut std::io::sink());
    });
    hash_receiver
}

/// A reader that takes at most `READ_BYTES_PER_S`, like a slow disk.
struct PacedRead {
    inner: File,
    start: Instant,
    taken: u64,
}

impl PacedRead {
    fn new(inner: File) -> Self {
        Self {
            inner,
            start: Instant::now(),
            taken: 0,
        }
    }
}

impl Read for PacedRead {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let due = Duration::from_secs_f64(self.taken as f64 / READ_BYTES_PER_S as f64);
        if let Some(wait) = due.checked_sub(self.start.elapsed()) {
            thread::sleep(wait);
        }
        let read = self.inner.read(buffer)?;
        self.taken += read as u64;
        Ok(read)
    }
}

fn peak_resident_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let line = status.lines().find(|line| line.starts_with("VmHWM:"));
    let kib: u64 = line
        .and_then(|line| line.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0);
    kib * 1024
}

fn make_fifo(path: &Path) {
    let made = Command::new("mkfifo").arg(path).status().expect("mkfifo");
    assert!(made.success(), "mkfifo failed");
}

/// The child's part: the App records a flood into a slow FIFO; prints one JSON line.
pub fn child() {
    let dir = tempfile::tempdir().expect("temp dir");
    let fifo = dir.path().join("recording.jsonl");
    make_fifo(&fifo);
    let recorded = Arc::new(AtomicU64::new(0));
    let flood = flood_bytes();
    let reader = slow_reader(fifo.clone(), flood, Arc::clone(&recorded));
    let (mut harness, local) = tcp_server_app_with(StartOptions {
        log: Some(fifo),
        // One file: the next part would be a plain file beside the FIFO.
        split_bytes: u64::MAX / 2,
        // Binary data, shown as such (as text, its odd characters would meet the headless
        // harness's policy of failing on a glyph no font has).
        hex: true,
        ..StartOptions::default()
    });
    let mut frames = Frames::default();
    let sent = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let sending = sender(local, flood, Arc::clone(&sent));
    let mut lead = 0u64;
    let mut sender_done = None;
    let limit = Duration::from_secs(300);
    while recorded.load(Ordering::Relaxed) < flood {
        assert!(start.elapsed() < limit, "the recording took over {limit:?}");
        let sent_now = sent.load(Ordering::Relaxed);
        lead = lead.max(sent_now.saturating_sub(recorded.load(Ordering::Relaxed)));
        if sent_now >= flood && sender_done.is_none() {
            sender_done = Some(start.elapsed());
        }
        frames.step(&mut harness);
    }
    let recorded_in = start.elapsed();
    let sent_hash = sending.join().expect("sender");
    let recorded_hash = reader.recv().expect("the reader's hash");
    let figures = serde_json::json!({
        "bytes": flood,
        "read_bytes_per_s": READ_BYTES_PER_S,
        "peak_resident": peak_resident_bytes(),
        "max_lead": lead,
        "sender_s": sender_done.unwrap_or(recorded_in).as_secs_f64(),
        "recorded_s": recorded_in.as_secs_f64(),
        "byte_exact": sent_hash == recorded_hash,
    });
    println!("{figures}");
}

pub fn run(report: &mut Report) {
    let output = crate::role_process(ROLE)
        .stderr(Stdio::inherit())
        .output()
        .expect("start the App's process");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let Some(figures) = stdout
        .lines()
        .rev()
        .find_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
    else {
        panic!("the recording App said {stdout:?} ({})", output.status);
    };
    let number = |key: &str| figures[key].as_f64().unwrap_or(f64::NAN);
    let peak = number("peak_resident") as u64;
    let lead = number("max_lead") as u64;
    let exact = figures["byte_exact"] == true;
    // Held back: what the sender got ahead is what the queues hold (worker 16 MiB, file 8 MiB,
    // socket buffers), not the flood.
    let flood = flood_bytes();
    let held_back = lead <= flood / 2;
    let mib = flood / (1024 * 1024);
    report.row(Row {
        benchmark: format!(
            "{mib} MiB flood recorded to a FIFO read at {} MB/s",
            READ_BYTES_PER_S / 1_000_000
        ),
        baseline: None,
        measured: format!(
            "peak {}; sender at most {} ahead, done in {:.1} s, recording in {:.1} s; {}",
            mb(peak),
            mb(lead),
            number("sender_s"),
            number("recorded_s"),
            if exact {
                "sha256 equal"
            } else {
                "sha256 DIFFERS"
            }
        ),
        ratio: None,
        target: "peak ≤ 300 MB; sender held back; byte-exact".to_owned(),
        met: Some(peak <= 300_000_000 && held_back && exact),
    });
    report.figures("slow_record", figures);
}
