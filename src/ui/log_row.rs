//! One row of the log, laid out and painted only where the view shows it.
//!
//! A row can hold 1,000 characters (a long line cut there). During a flood the view shows
//! dozens of such rows, new ones each frame, and glyphs far outside the view are still laid
//! out, tessellated and handed to the renderer. In a real window under a TCP flood, a frame's
//! own work (UI, tessellation, GL calls) took 16.9 ms at the median with whole rows and 8.5 ms
//! with this (p90 30.1 and 13.2 ms). The row keeps its full width, so scrolling sideways works
//! as before, and its accessible text is the whole row.

use std::ops::Range;

use egui::text::LayoutJob;
use egui::{Color32, FontId, Rect, Role, Sense, Vec2, WidgetInfo};

/// One row of the log: its text, and where the columns before the data (time, direction,
/// peer) end.
pub struct Row {
    pub job: LayoutJob,
    /// Bytes of `job.text` that are the columns: they stay in view when the row scrolls
    /// sideways.
    pub head: usize,
}

/// How rows are drawn this frame.
pub struct Look<'a> {
    /// One line in this (monospace) font.
    pub font: &'a FontId,
    pub height: f32,
    /// Behind the row: what the columns and the "…" at a cut edge are drawn on.
    pub fill: Color32,
}

/// Adds `row` at the cursor; clicks on its whole width count. Scrolled sideways, the columns
/// stay at the view's left edge over the data; a row that goes on past the view's right edge
/// ends there in "…".
pub fn show(ui: &mut egui::Ui, row: &Row, look: &Look<'_>) -> egui::Response {
    let job = &row.job;
    let left = ui.cursor().left();
    let clip = ui.clip_rect();
    let seen = (clip.left() - left)..(clip.right() - left);
    let span = ui.fonts_mut(|fonts| {
        let ascii_width = fonts.glyph_width(look.font, 'x');
        visible_span(&job.text, seen, ascii_width, |c| {
            fonts.glyph_width(look.font, c)
        })
    });
    let size = Vec2::new(span.width, look.height);
    let (rect, response) = ui.allocate_exact_size(size, Sense::click());
    if ui.is_rect_visible(rect) {
        if !span.bytes.is_empty() {
            let part = slice(job, span.bytes.clone());
            let at = rect.min + Vec2::new(span.left, 0.0);
            paint(ui, part, at, None);
        }
        if clip.left() > rect.left() + 0.5 && row.head > 0 {
            let at = egui::pos2(clip.left(), rect.top());
            paint(ui, slice(job, 0..row.head), at, Some(look.fill));
        }
        if rect.right() > clip.right() + 0.5 {
            let color = ui.visuals().weak_text_color();
            let mut more = LayoutJob::default();
            more.append("…", 0.0, egui::TextFormat::simple(look.font.clone(), color));
            let width = ui.fonts_mut(|fonts| fonts.layout_job(more.clone()).size().x);
            let at = egui::pos2(clip.right() - width, rect.top());
            paint(ui, more, at, Some(look.fill));
        }
    }
    let enabled = ui.is_enabled();
    response.widget_info(|| WidgetInfo::labeled(Role::Label, enabled, &job.text));
    response
}

/// Lays out `job` and paints it at `at`, over `fill` when given.
fn paint(ui: &egui::Ui, job: LayoutJob, at: egui::Pos2, fill: Option<Color32>) {
    let galley = ui.fonts_mut(|fonts| fonts.layout_job(job));
    if let Some(fill) = fill {
        let behind = Rect::from_min_size(at, galley.size());
        ui.painter().rect_filled(behind, 0.0, fill);
    }
    ui.painter().galley(at, galley, ui.visuals().text_color());
}

/// The part of a row that a view showing `seen` (x from the row's start) needs.
#[derive(Debug, PartialEq)]
struct Span {
    /// The row's width in all.
    width: f32,
    /// The bytes of the text drawn: the characters that overlap `seen`.
    bytes: Range<usize>,
    /// Where the first of them starts.
    left: f32,
}

/// Measures `text` a character at a time: ASCII at `ascii_width` (the font is monospace),
/// anything else (CJK is wider) at `width_of`. A tab's width depends on its place: a row
/// with one is drawn whole.
fn visible_span(
    text: &str,
    seen: Range<f32>,
    ascii_width: f32,
    mut width_of: impl FnMut(char) -> f32,
) -> Span {
    if text.contains('\t') {
        let width = text.chars().map(&mut width_of).sum();
        return Span {
            width,
            bytes: 0..text.len(),
            left: 0.0,
        };
    }
    let mut x = 0.0;
    let mut first: Option<(usize, f32)> = None;
    let mut end = 0;
    for (at, c) in text.char_indices() {
        let width = if c.is_ascii() {
            ascii_width
        } else {
            width_of(c)
        };
        if x + width > seen.start && x < seen.end {
            first.get_or_insert((at, x));
            end = at + c.len_utf8();
        }
        x += width;
    }
    match first {
        Some((start, left)) => Span {
            width: x,
            bytes: start..end,
            left,
        },
        None => Span {
            width: x,
            bytes: 0..0,
            left: 0.0,
        },
    }
}

/// The job's text in `bytes` (on character boundaries), each piece in its own format.
fn slice(job: &LayoutJob, bytes: Range<usize>) -> LayoutJob {
    let mut part = LayoutJob::default();
    for section in &job.sections {
        let start = section.byte_range.start.0.max(bytes.start);
        let end = section.byte_range.end.0.min(bytes.end);
        if start < end {
            part.append(&job.text[start..end], 0.0, section.format.clone());
        }
    }
    part
}

#[cfg(test)]
mod tests {
    use super::*;

    /// CJK characters two columns wide, ASCII one.
    fn width_of(c: char) -> f32 {
        if c.is_ascii() { 1.0 } else { 2.0 }
    }

    #[test]
    fn only_the_characters_in_view_are_kept() {
        let text = "0123456789".repeat(100);
        let span = visible_span(&text, 500.0..530.0, 1.0, width_of);
        assert_eq!(span.width, 1000.0);
        assert_eq!(span.bytes, 500..530);
        assert_eq!(span.left, 500.0);
    }

    #[test]
    fn characters_cut_by_the_edges_are_kept() {
        let span = visible_span("abcdef", 1.5..3.5, 1.0, width_of);
        assert_eq!((span.bytes, span.left), (1..4, 1.0));
    }

    #[test]
    fn wide_characters_are_measured_by_their_width() {
        // "ab" then 你好世界 two columns each: 世 spans 6..8.
        let text = "ab你好世界";
        let span = visible_span(text, 6.0..8.0, 1.0, width_of);
        assert_eq!(span.width, 10.0);
        assert_eq!(&text[span.bytes], "世");
        assert_eq!(span.left, 6.0);
    }

    #[test]
    fn a_row_out_of_view_keeps_its_width_and_draws_nothing() {
        let span = visible_span("short", 100.0..200.0, 1.0, width_of);
        assert_eq!((span.width, span.bytes), (5.0, 0..0));
    }

    #[test]
    fn a_row_with_a_tab_is_drawn_whole() {
        let span = visible_span("a\tb", 2.0..3.0, 1.0, width_of);
        assert_eq!(span.bytes, 0..3);
    }

    #[test]
    fn a_slice_keeps_each_piece_in_its_format() {
        let font = FontId::monospace(12.0);
        let mut job = LayoutJob::default();
        let red = egui::TextFormat::simple(font.clone(), Color32::RED);
        let blue = egui::TextFormat::simple(font, Color32::BLUE);
        job.append("12:00 RX ", 0.0, red.clone());
        job.append("hello", 0.0, blue.clone());
        let part = slice(&job, 6..11);
        assert_eq!(part.text, "RX he");
        let colors: Vec<_> = part.sections.iter().map(|s| s.format.color).collect();
        assert_eq!(colors, [Color32::RED, Color32::BLUE]);
        assert_eq!(part.sections[1].byte_range.start.0, 3);
    }
}
