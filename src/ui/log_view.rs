//! The receive log: one row per display line, laying out only the rows on screen.

use super::command::Requests;
use std::fmt::Write as _;
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Local};
use egui::text::{LayoutJob, TextFormat};
use egui::{Color32, FontId, TextStyle};

use super::log_lines::{Line, Mark, dump_prefix, dump_text_lines, hex_line, text_lines};
use crate::codec::TextEncoding;
use crate::i18n::{Language, tr};
use crate::session::{Direction, EntryRef, Layout, LogStore, Timestamps, ViewOptions};
use crate::tab::{Tab, TabAction};
use crate::units::group_digits;

/// Shows the tab's log, or the entries its filter lets through; while paused, only the entries
/// from before the pause. Clicking a row selects its entry (Shift extends the selection).
pub fn show(ui: &mut egui::Ui, tab: &Tab, lang: Language, requests: &mut Requests) {
    requests.tab_all(draw(ui, tab, lang));
}

fn draw(ui: &mut egui::Ui, tab: &Tab, lang: Language) -> Option<TabAction> {
    let session = tab.session();
    let log = &session.log;
    let filter = tab.view.filter.as_ref();
    let options = &tab.settings().view;
    let font = TextStyle::Monospace.resolve(ui.style());
    let row_height = ui.fonts_mut(|fonts| fonts.row_height(&font));
    let layout = options.layout;
    let lines = match (filter, tab.view.paused_at) {
        (None, None) => log.line_total(layout),
        (None, Some(at)) => log.lines_before(layout, at),
        (Some(filter), None) => filter.line_total(layout),
        (Some(filter), Some(at)) => filter.lines_before(layout, at),
    };
    let total_rows = usize::try_from(lines).unwrap_or(usize::MAX);
    let rows = Rows {
        session: &session,
        filter,
        options,
        encoding: tab.settings().encoding,
        selected: &tab.view.selected,
        style: RowStyle {
            font,
            colors: Colors::new(ui.visuals()),
            options: *options,
            peer_width: log.peer_width(),
            lang,
        },
        row_height,
    };
    // egui's floating bars, over the rows. Bars taking room of their own (its solid style)
    // left a new row a frame late, so a message arriving alone often showed only when the next
    // came: real window, 10 datagrams/s, arrival → screen p50 in three runs each, solid 9, 105
    // and 101 ms; floating 11, 13 and 10 ms (as the build before: 11, 12 and 101 ms). A row
    // cut at the view's edge ends in "…", which tells there is more.
    // Springing back from past the end fights sticking to the end when rows arrive while the
    // window is resized: egui then asked for frames without end.
    ui.spacing_mut().scroll.kinetic.rubber_band = false;
    // Rows touch: set before the scroll area, which sizes its content by the same stride as
    // the rows are drawn at (set inside only, rows were drawn closer than the content was
    // sized, leaving blank space under the last row at the end).
    ui.spacing_mut().item_spacing.y = 0.0;
    let tail_id = ui.make_persistent_id("log_tail");
    let tail: Option<Tail> = ui.data(|data| data.get_temp(tail_id));
    let mut area = egui::ScrollArea::both()
        .id_salt("log")
        .auto_shrink(false)
        .stick_to_bottom(true);
    if let Some(tail) = tail.filter(|tail| tail.following && tail.rows != total_rows) {
        // egui sticks to the end only after drawing, so new rows would show a frame late:
        // one more frame for every arrival. Scroll to them before drawing instead.
        let content_height = row_height * total_rows as f32;
        area = area.vertical_scroll_offset((content_height - tail.view_height).max(0.0));
    }
    let output = area.show_rows(ui, row_height, total_rows, |ui, range| rows.show(ui, range));
    let view_height = output.inner_rect.height();
    let end = output.content_size.y - view_height;
    let tail = Tail {
        following: output.state.clamped_offset().y >= end - 1.0,
        view_height,
        rows: total_rows,
    };
    ui.data_mut(|data| data.insert_temp(tail_id, tail));
    output.inner
}

/// What drawing the rows on screen reads, for one frame.
struct Rows<'a> {
    session: &'a crate::session::Session,
    filter: Option<&'a crate::session::FilterIndex>,
    options: &'a ViewOptions,
    encoding: TextEncoding,
    selected: &'a std::collections::BTreeSet<u64>,
    style: RowStyle,
    row_height: f32,
}

impl Rows<'_> {
    /// Draws display rows `range`; a click on one selects its entry.
    fn show(&self, ui: &mut egui::Ui, range: std::ops::Range<usize>) -> Option<TabAction> {
        let log = &self.session.log;
        let layout = self.options.layout;
        let mut action = None;
        // Fewer rows than fit, yet not from the top: the log shrank (entries left memory)
        // under a scroll offset egui clamps only after this frame. Draw again, or an idle
        // window would keep showing blank space under the last row.
        let fit = (ui.clip_rect().height() / self.row_height) as usize;
        if range.start > 0 && range.len() + 1 < fit {
            ui.ctx().request_repaint();
        }
        // The lines of the entry drawn last, so a tall entry is laid out once per frame.
        let mut cached: Option<(usize, Vec<Line>)> = None;
        for row in range {
            let line = match self.filter {
                Some(filter) => filter.line(log, layout, row as u64),
                None => log.line(layout, row as u64),
            };
            let Some(line) = line else { break };
            if cached
                .as_ref()
                .is_none_or(|(index, _)| *index != line.index)
            {
                let lines = entry_lines(log, line.index, line.entry, self.options, self.encoding);
                cached = Some((line.index, lines));
            }
            let data = cached
                .as_ref()
                .and_then(|(_, lines)| lines.get(line.line))
                .cloned()
                .unwrap_or_default();
            let previous = line
                .index
                .checked_sub(1)
                .and_then(|i| log.get(i))
                .map(|e| e.time);
            let reply = reply_time(self.session, self.options, line.entry);
            let row = self
                .style
                .row(line.entry, line.line == 0, previous, reply, &data);
            let sequence = log.first_sequence() + line.index as u64;
            let selected = self.selected.contains(&sequence);
            let fill = if selected {
                ui.visuals().selection.bg_fill
            } else {
                ui.visuals().window_fill
            };
            // The highlight goes behind the row without changing its layout.
            let background = ui.painter().add(egui::Shape::Noop);
            let look = super::log_row::Look {
                font: &self.style.font,
                height: self.row_height,
                fill,
            };
            let response = super::log_row::show(ui, &row, &look);
            if selected {
                let shape = egui::Shape::rect_filled(response.rect, 0.0, fill);
                ui.painter().set(background, shape);
            }
            if response.clicked() {
                let extend = shift_held(ui);
                action = Some(TabAction::SelectEntry { sequence, extend });
            }
        }
        action
    }
}

/// Whether Shift was held for this frame's click: the click's own modifiers travel with its
/// pointer events.
fn shift_held(ui: &egui::Ui) -> bool {
    ui.input(|input| {
        input.modifiers.shift
            || input.events.iter().any(|event| {
                matches!(event, egui::Event::PointerButton { modifiers, .. } if modifiers.shift)
            })
    })
}

/// The log's view as the last frame left it.
#[derive(Clone, Copy)]
struct Tail {
    /// Scrolled to the newest rows.
    following: bool,
    view_height: f32,
    rows: usize,
}

/// Every display line of one entry in the current layout.
fn entry_lines(
    log: &LogStore,
    index: usize,
    entry: EntryRef<'_>,
    options: &ViewOptions,
    encoding: TextEncoding,
) -> Vec<Line> {
    if let Some(message) = entry.message() {
        return message
            .split('\n')
            .map(|text| Line {
                text: text.to_owned(),
                ..Line::default()
            })
            .collect();
    }
    // A send is shown in the encoding it was written in.
    let encoding = entry.shown_in(encoding);
    let bytes = entry.bytes();
    let rows = bytes
        .len()
        .div_ceil(crate::session::HEX_BYTES_PER_LINE)
        .max(1);
    match options.layout {
        Layout::Text => text_lines(
            &log.shown_bytes(index, encoding),
            encoding,
            options.show_controls,
        ),
        Layout::Hex => (0..rows)
            .map(|n| Line {
                text: hex_line(bytes, n),
                ..Line::default()
            })
            .collect(),
        Layout::Both => {
            let (shown, borrowed) = log.shown(index, encoding);
            let texts = dump_text_lines(bytes.len(), &shown, borrowed, encoding);
            texts
                .into_iter()
                .enumerate()
                .map(|(n, text)| {
                    let prefix = dump_prefix(bytes, n);
                    let shift = prefix.len();
                    let marks = text
                        .marks
                        .into_iter()
                        .map(|(range, mark)| (range.start + shift..range.end + shift, mark));
                    Line {
                        text: prefix + text.text.as_str(),
                        marks: marks.collect(),
                        cut: None,
                    }
                })
                .collect()
        }
    }
}

pub(super) struct Colors {
    pub(super) weak: Color32,
    pub(super) text: Color32,
    pub(super) strong: Color32,
    pub(super) rx: Color32,
    pub(super) tx: Color32,
    /// Relay: each way through a pair in a colour of its own.
    pub(super) to_upstream: Color32,
    pub(super) to_client: Color32,
    pub(super) error: Color32,
    pub(super) invalid: Color32,
    pub(super) control: Color32,
    pub(super) escape_background: Color32,
}

impl Colors {
    pub(super) fn new(visuals: &egui::Visuals) -> Self {
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
            to_upstream: pick(
                Color32::from_rgb(80, 200, 215),
                Color32::from_rgb(0, 110, 130),
            ),
            to_client: pick(
                Color32::from_rgb(235, 190, 90),
                Color32::from_rgb(140, 90, 0),
            ),
            error: visuals.error_fg_color,
            invalid: pick(
                Color32::from_rgb(255, 150, 60),
                Color32::from_rgb(190, 80, 0),
            ),
            control: pick(
                Color32::from_rgb(220, 170, 245),
                Color32::from_rgb(130, 50, 160),
            ),
            escape_background: visuals.code_bg_color,
        }
    }

    fn of(&self, direction: Direction) -> Color32 {
        match direction {
            Direction::Rx => self.rx,
            Direction::Tx => self.tx,
            Direction::ToUpstream => self.to_upstream,
            Direction::ToClient => self.to_client,
            Direction::Info => self.weak,
            Direction::Error => self.error,
        }
    }
}

struct RowStyle {
    font: FontId,
    colors: Colors,
    options: ViewOptions,
    /// In characters; 0 when no entry has a peer, and the column is left out.
    peer_width: usize,
    lang: Language,
}

impl RowStyle {
    /// One row: the entry's time, Δt, direction and peer on its first line, blanks under them
    /// on the lines after, then the data with its marked spans coloured.
    fn row(
        &self,
        entry: EntryRef<'_>,
        first: bool,
        previous: Option<SystemTime>,
        reply: Option<Duration>,
        data: &Line,
    ) -> super::log_row::Row {
        let mut job = LayoutJob::default();
        let format = |color| TextFormat::simple(self.font.clone(), color);
        let (times, direction, peer) = self.prefix(entry, previous, reply);
        if first {
            job.append(&times, 0.0, format(self.colors.weak));
            job.append(&direction, 0.0, format(self.colors.of(entry.direction())));
            job.append(&peer, 0.0, format(self.colors.weak));
        } else {
            let width = times.len() + direction.len() + peer.len();
            job.append(&" ".repeat(width), 0.0, format(self.colors.weak));
        }
        let head = job.text.len();
        let plain = match entry.direction() {
            Direction::Rx | Direction::Tx | Direction::ToUpstream | Direction::ToClient => {
                self.colors.strong
            }
            Direction::Info => self.colors.text,
            Direction::Error => self.colors.error,
        };
        let mut at = 0;
        for (range, mark) in &data.marks {
            job.append(&data.text[at..range.start], 0.0, format(plain));
            let color = match mark {
                Mark::Invalid => self.colors.invalid,
                Mark::Control => self.colors.control,
            };
            // On a background of their own, an escape ends where it ends: `\x12` then `4`
            // never reads as `\x124`.
            let escape = TextFormat {
                background: self.colors.escape_background,
                ..format(color)
            };
            job.append(&data.text[range.clone()], 0.0, escape);
            at = range.end;
        }
        job.append(&data.text[at..], 0.0, format(plain));
        if let Some(length) = data.cut {
            let bytes = group_digits(length as u64);
            let note = tr!(self.lang, "log.cut", bytes = bytes);
            job.append(&note, 0.0, format(self.colors.control));
        }
        super::log_row::Row { job, head }
    }

    /// The columns before the data, each followed by a space: time and Δt, direction, peer.
    fn prefix(
        &self,
        entry: EntryRef<'_>,
        previous: Option<SystemTime>,
        reply: Option<Duration>,
    ) -> (String, String, String) {
        let mut prefix = String::with_capacity(48);
        let pattern = match self.options.timestamps {
            Timestamps::Off => None,
            Timestamps::Time => Some("%H:%M:%S%.3f "),
            Timestamps::DateTime => Some("%Y-%m-%d %H:%M:%S%.3f "),
        };
        if let Some(pattern) = pattern {
            let time: DateTime<Local> = entry.time.into();
            let _ = write!(prefix, "{}", time.format(pattern));
        }
        if self.options.show_delta {
            let delta = previous.and_then(|p| entry.time.duration_since(p).ok());
            match delta {
                Some(delta) => {
                    let _ = write!(prefix, "{:>+10.3} ", delta.as_secs_f64());
                }
                None => prefix.push_str(&" ".repeat(11)),
            }
        }
        if self.options.show_reply {
            match reply {
                Some(reply) => {
                    let ms = reply.as_secs_f64() * 1000.0;
                    let _ = write!(prefix, "↩{ms:>10.3} ms ");
                }
                None => prefix.push_str(&" ".repeat(15)),
            }
        }
        let direction = format!("{:<5} ", entry.label());
        let peer = match self.peer_width {
            0 => String::new(),
            width => {
                let peer = entry.peer_column();
                format!("{peer:<width$} ")
            }
        };
        (prefix, direction, peer)
    }
}

/// A received entry's time since the last send to its peer, when the view shows it.
fn reply_time(
    session: &crate::session::Session,
    options: &ViewOptions,
    entry: EntryRef<'_>,
) -> Option<Duration> {
    if !options.show_reply || entry.direction() != Direction::Rx {
        return None;
    }
    session.traffic.since_send(entry.peer?, entry.time)
}
