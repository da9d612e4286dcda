//! The app's own account of its frames, for benchmarks in a real window: with
//! `SOCKSCOPE_FRAME_REPORT=FILE` each frame writes one line, so frame rate, frame times and how
//! long a message took to reach the screen are read, not guessed from X requests.
//!
//! A line: `start_us frame_us ui_us newest_us`, all integers:
//! - `start_us`: when this frame began (Unix time, µs);
//! - `frame_us`: how long the previous frame took from its start to its paint handed to the
//!   window, in µs (eframe's figure: its UI, tessellation and rendering; vsync waits excluded), or
//!   `-` for the first;
//! - `ui_us`: the part of the previous frame spent in the app's own `logic` and `ui`, or `-`;
//! - `newest_us`: when the newest entry of the tab in view arrived (Unix time, µs), or `-`;
//! - `causes`: what asked egui for this frame, as `file:line` joined by commas (egui records the
//!   callers of `request_repaint`), or `-` (input, or the window asked).
//!
//! A message that arrived at `newest_us` is on screen at `start_us + frame_us` of the next line.
//! The lines go through a buffer flushed at most once a second, so the frame does no file work
//! beyond one short write then.

use std::fs::File;
use std::io::{BufWriter, Write as _};
use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How often the buffered lines go to the file.
const FLUSH_EVERY: Duration = Duration::from_secs(1);

pub struct FrameReport {
    out: BufWriter<File>,
    last_flush: Instant,
    /// When the pass being run began (its `logic`).
    pass_start: Option<Instant>,
    /// When the frame being built began.
    frame_start: Option<Instant>,
    /// The previous frame's time in the app's own code.
    last_ui: Option<Duration>,
}

impl FrameReport {
    pub fn create(path: &Path) -> std::io::Result<Self> {
        Ok(Self {
            out: BufWriter::new(File::create(path)?),
            last_flush: Instant::now(),
            pass_start: None,
            frame_start: None,
            last_ui: None,
        })
    }

    /// A pass begins with the app's `logic`; a window that is not shown runs only that.
    pub fn begin_pass(&mut self) {
        self.pass_start = Some(Instant::now());
    }

    /// A frame's UI begins: writes its line. `previous_frame` is eframe's time for the frame
    /// before.
    pub fn begin_frame(
        &mut self,
        previous_frame: Option<f32>,
        newest: Option<SystemTime>,
        causes: &[egui::RepaintCause],
    ) {
        let now = Instant::now();
        let start = self.pass_start.take().unwrap_or(now);
        self.frame_start = Some(start);
        let start_us = unix_micros(SystemTime::now() - now.duration_since(start)).to_string();
        let frame_us = previous_frame.map(|secs| ((f64::from(secs)) * 1e6).round() as u64);
        let ui_us = self.last_ui.map(|ui| ui.as_micros());
        let newest_us = newest.map(unix_micros);
        let causes: Vec<String> = causes.iter().map(cause_name).collect();
        let causes = if causes.is_empty() {
            "-".to_owned()
        } else {
            causes.join(",")
        };
        let line = format!(
            "{start_us} {} {} {} {causes}\n",
            or_dash(frame_us),
            or_dash(ui_us),
            or_dash(newest_us)
        );
        // A report that cannot be written is not worth failing a frame for.
        let _ = self.out.write_all(line.as_bytes());
        if now.duration_since(self.last_flush) >= FLUSH_EVERY {
            let _ = self.out.flush();
            self.last_flush = now;
        }
    }

    /// The app's own work on this frame is done.
    pub fn end_frame(&mut self) {
        self.last_ui = self.frame_start.map(|start| start.elapsed());
    }
}

impl Drop for FrameReport {
    fn drop(&mut self) {
        let _ = self.out.flush();
    }
}

/// `file:line`, the file without its directories.
fn cause_name(cause: &egui::RepaintCause) -> String {
    let file = cause.file.rsplit(['/', '\\']).next().unwrap_or(cause.file);
    format!("{file}:{}", cause.line)
}

fn unix_micros(time: SystemTime) -> u128 {
    time.duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_micros()
}

fn or_dash<T: ToString>(value: Option<T>) -> String {
    value.map_or_else(|| "-".to_owned(), |value| value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_frame_writes_a_line_with_the_frame_before_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("frames.txt");
        let newest = UNIX_EPOCH + Duration::from_micros(1_700_000_000_123_456);
        let cause = egui::RepaintCause {
            file: "src/app/pacer.rs",
            line: 47,
            reason: "".into(),
        };
        {
            let mut report = FrameReport::create(&path).expect("create");
            report.begin_pass();
            report.begin_frame(None, None, &[]);
            report.end_frame();
            // A pass with no frame (a minimized window) writes nothing.
            report.begin_pass();
            report.begin_pass();
            report.begin_frame(Some(0.0025), Some(newest), std::slice::from_ref(&cause));
            report.end_frame();
        }
        let text = std::fs::read_to_string(&path).expect("read");
        let lines: Vec<Vec<&str>> = text.lines().map(|l| l.split(' ').collect()).collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert_eq!(lines[0][1..], ["-", "-", "-", "-"]);
        assert_eq!(lines[1][1], "2500");
        assert!(lines[1][2].parse::<u64>().is_ok(), "the UI's time: {text}");
        assert_eq!(lines[1][3], "1700000000123456");
        assert_eq!(lines[1][4], "pacer.rs:47");
        let first: u128 = lines[0][0].parse().expect("start");
        let second: u128 = lines[1][0].parse().expect("start");
        assert!(second >= first);
    }
}
