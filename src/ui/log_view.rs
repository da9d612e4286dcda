//! The receive log: one row per display line, laying out only the rows on screen.

use std::fmt::Write as _;

use chrono::{DateTime, Local};
use egui::text::{LayoutJob, TextFormat};
use egui::{Color32, FontId, TextStyle};

use crate::codec::{TextEncoding, to_spaced_hex};
use crate::session::{Direction, HEX_BYTES_PER_LINE, Layout, LogEntry, LogStore};

/// Width of the peer column in characters ("255.255.255.255:65535" fits).
const PEER_WIDTH: usize = 21;

pub fn show(ui: &mut egui::Ui, log: &LogStore, layout: Layout, encoding: TextEncoding) {
    let font = TextStyle::Monospace.resolve(ui.style());
    let row_height = ui.fonts_mut(|fonts| fonts.row_height(&font));
    let total_rows = usize::try_from(log.line_total(layout)).unwrap_or(usize::MAX);
    let colors = Colors::new(ui.visuals());
    egui::ScrollArea::both()
        .id_salt("log")
        .auto_shrink(false)
        .stick_to_bottom(true)
        .show_rows(ui, row_height, total_rows, |ui, rows| {
            ui.spacing_mut().item_spacing.y = 0.0;
            // Text lines of the entry drawn last, so a tall entry is decoded once per frame.
            let mut decoded: Option<(usize, Vec<String>)> = None;
            for row in rows {
                let Some(line) = log.line(layout, row as u64) else {
                    break;
                };
                let text = match (line.entry.message(), layout) {
                    (Some(message), _) => nth_line(message, line.line),
                    (None, Layout::Hex) => hex_line(line.entry.bytes(), line.line),
                    (None, Layout::Text) => {
                        if decoded
                            .as_ref()
                            .is_none_or(|(index, _)| *index != line.index)
                        {
                            let shown = log.shown_bytes(line.index, encoding);
                            decoded = Some((line.index, text_lines(&shown, encoding)));
                        }
                        decoded
                            .as_ref()
                            .and_then(|(_, lines)| lines.get(line.line).cloned())
                            .unwrap_or_default()
                    }
                };
                let job = row_job(line.entry, line.line == 0, &text, &font, &colors);
                ui.add(egui::Label::new(job).extend());
            }
        });
}

struct Colors {
    weak: Color32,
    text: Color32,
    strong: Color32,
    rx: Color32,
    tx: Color32,
    info: Color32,
    error: Color32,
}

impl Colors {
    fn new(visuals: &egui::Visuals) -> Self {
        let dark = visuals.dark_mode;
        let pick = |on_dark: Color32, on_light: Color32| if dark { on_dark } else { on_light };
        Self {
            weak: visuals.weak_text_color(),
            text: visuals.text_color(),
            strong: visuals.strong_text_color(),
            rx: pick(
                Color32::from_rgb(110, 200, 120),
                Color32::from_rgb(20, 120, 40),
            ),
            tx: pick(
                Color32::from_rgb(120, 170, 255),
                Color32::from_rgb(30, 80, 200),
            ),
            info: visuals.weak_text_color(),
            error: visuals.error_fg_color,
        }
    }

    fn of(&self, direction: Direction) -> Color32 {
        match direction {
            Direction::Rx => self.rx,
            Direction::Tx => self.tx,
            Direction::Info => self.info,
            Direction::Error => self.error,
        }
    }
}

/// One row: time, direction and peer on an entry's first line, blanks under them after.
fn row_job(entry: &LogEntry, first: bool, data: &str, font: &FontId, colors: &Colors) -> LayoutJob {
    let mut job = LayoutJob::default();
    let format = |color| TextFormat::simple(font.clone(), color);
    let direction = entry.direction();
    let mut prefix = String::with_capacity(48);
    if first {
        let time: DateTime<Local> = entry.time.into();
        let _ = write!(prefix, "{} ", time.format("%H:%M:%S%.3f"));
        job.append(&prefix, 0.0, format(colors.weak));
        job.append(
            &format!("{:<5} ", direction.label()),
            0.0,
            format(colors.of(direction)),
        );
        let peer = entry.peer.map(|p| p.to_string()).unwrap_or_default();
        job.append(&format!("{peer:<PEER_WIDTH$} "), 0.0, format(colors.weak));
    } else {
        let blank = " ".repeat(13 + 6 + PEER_WIDTH + 1);
        job.append(&blank, 0.0, format(colors.weak));
    }
    let data_color = match direction {
        Direction::Rx | Direction::Tx => colors.strong,
        Direction::Info => colors.text,
        Direction::Error => colors.error,
    };
    job.append(data, 0.0, format(data_color));
    job
}

fn nth_line(text: &str, n: usize) -> String {
    text.split('\n')
        .nth(n)
        .unwrap_or_default()
        .trim_end_matches('\r')
        .to_owned()
}

fn hex_line(bytes: &[u8], n: usize) -> String {
    let start = n * HEX_BYTES_PER_LINE;
    let end = (start + HEX_BYTES_PER_LINE).min(bytes.len());
    bytes.get(start..end).map(to_spaced_hex).unwrap_or_default()
}

/// The entry's lines as the view shows them: `\r\n` ends a line like `\n`; invalid bytes and
/// other control characters appear as `\xNN` so nothing that arrived is invisible.
pub fn text_lines(bytes: &[u8], encoding: TextEncoding) -> Vec<String> {
    let text = encoding.decode_marked(bytes);
    let text = text.strip_suffix('\n').unwrap_or(&text);
    text.split('\n')
        .map(|line| {
            let line = line.strip_suffix('\r').unwrap_or(line);
            let mut shown = String::with_capacity(line.len());
            for ch in line.chars() {
                if ch.is_control() && ch != '\t' {
                    let _ = write!(shown, "\\x{:02X}", u32::from(ch));
                } else {
                    shown.push(ch);
                }
            }
            shown
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_lines_and_shows_control_bytes() {
        let lines = text_lines(b"a\r\nb\x00c\n", TextEncoding::Utf8);
        assert_eq!(lines, vec!["a".to_owned(), "b\\x00c".to_owned()]);
        // The store counts the same number of lines.
        let entry = LogEntry::new(
            std::time::SystemTime::now(),
            None,
            crate::session::EntryKind::Rx(b"a\r\nb\x00c\n".to_vec()),
        );
        assert_eq!(
            crate::session::line_count(&entry, Layout::Text),
            lines.len() as u64
        );
    }

    #[test]
    fn marks_invalid_bytes() {
        assert_eq!(
            text_lines(b"ok\xFF\n", TextEncoding::Utf8),
            vec!["ok\\xFF".to_owned()]
        );
    }

    #[test]
    fn decodes_gbk_lines() {
        let lines = text_lines(&[0xC4, 0xE3, 0xBA, 0xC3, b'\n', b'x'], TextEncoding::Gbk);
        assert_eq!(lines, vec!["你好".to_owned(), "x".to_owned()]);
    }

    #[test]
    fn hex_lines_hold_sixteen_bytes() {
        let bytes: Vec<u8> = (0..20).collect();
        assert_eq!(hex_line(&bytes, 1), "10 11 12 13");
        assert_eq!(hex_line(&bytes, 2), "");
    }
}
