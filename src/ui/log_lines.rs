//! What each display line of an entry says, with the spans to colour: pure, no egui types.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::ops::Range;

use crate::codec::stream::pieces;
use crate::codec::{MarkedText, TextEncoding, to_spaced_hex};
use crate::session::HEX_BYTES_PER_LINE;

/// Why a span of a line is drawn apart from the text around it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    /// A byte that is not part of any character in the encoding.
    Invalid,
    /// A control character shown as an escape or a dot.
    Control,
}

/// Characters shown of one text line at most. A longer line (a 64 KiB read without a line
/// break, say) is cut there, with a note of its size: laying out all of it would cost a
/// frame's time per row. Hex and Both show every byte, and copying takes the whole entry.
pub const MAX_LINE_CHARS: usize = 1000;

/// Bytes of one line decoded at most: room for `MAX_LINE_CHARS` characters of four bytes and
/// one more, so a character cut in two here is never among those shown.
const MAX_LINE_BYTES: usize = (MAX_LINE_CHARS + 1) * 4;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Line {
    pub text: String,
    pub marks: Vec<(Range<usize>, Mark)>,
    /// The line was cut at `MAX_LINE_CHARS`: its whole length in bytes.
    pub cut: Option<usize>,
}

impl Line {
    fn push(&mut self, text: &str, mark: Option<Mark>) {
        let start = self.text.len();
        self.text.push_str(text);
        let Some(mark) = mark else { return };
        match self.marks.last_mut() {
            Some((range, last)) if range.end == start && *last == mark => {
                range.end = self.text.len();
            }
            _ => self.marks.push((start..self.text.len(), mark)),
        }
    }
}

/// An entry's text lines. Lines break at `\n` (a final `\n` ends the last line); `\r\n` is part
/// of the break. With `show_controls`, `\r`, `\n` and `\t` show as escapes at their place. Other
/// control characters always show as escapes, and invalid bytes as `\xNN`. Binary data
/// ([`TextEncoding::looks_binary`]) is one line with every control character an escape.
pub fn text_lines(bytes: &[u8], encoding: TextEncoding, show_controls: bool) -> Vec<Line> {
    if encoding.looks_binary(bytes) {
        return vec![binary_line(bytes, encoding)];
    }
    let (bytes, lengths) = cut_long_lines(bytes, encoding);
    let MarkedText { text, marks } = encoding.decode_marked(&bytes);
    let mut lines = Vec::new();
    let mut line = Line::default();
    let mut shown_chars = 0;
    let mut marks = marks.iter().peekable();
    let mut chars = text.char_indices().peekable();
    let mut buffer = [0; 4];
    while let Some((at, ch)) = chars.next() {
        if shown_chars == MAX_LINE_CHARS && ch != '\n' {
            line.cut = lengths.get(lines.len()).copied();
            continue;
        }
        shown_chars += 1;
        if invalid_at(&mut marks, at) {
            line.push(ch.encode_utf8(&mut buffer), Some(Mark::Invalid));
            continue;
        }
        match ch {
            '\n' => {
                if show_controls {
                    line.push("\\n", Some(Mark::Control));
                }
                lines.push(std::mem::take(&mut line));
                shown_chars = 0;
            }
            '\r' if !show_controls && chars.peek().is_some_and(|&(_, next)| next == '\n') => {}
            '\r' => line.push("\\r", Some(Mark::Control)),
            '\t' if show_controls => line.push("\\t", Some(Mark::Control)),
            '\t' => line.push("\t", None),
            ch if ch.is_control() => line.push(&control_escape(ch), Some(Mark::Control)),
            ch => line.push(ch.encode_utf8(&mut buffer), None),
        }
    }
    // A final `\n` ends the last line rather than starting an empty one.
    if !text.ends_with('\n') || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// The bytes with every line cut to `MAX_LINE_BYTES` (line breaks kept), and each line's
/// length before the cut. A `\n` is never part of another character (one byte, or in UTF-16
/// one code unit at an even offset), so lines can be found and cut before decoding; the cut
/// is even, so UTF-16 stays aligned.
fn cut_long_lines(bytes: &[u8], encoding: TextEncoding) -> (Cow<'_, [u8]>, Vec<usize>) {
    let newline = encoding.newline();
    let mut lengths = Vec::new();
    let mut start = 0;
    for end in encoding.newlines(bytes).chain(std::iter::once(bytes.len())) {
        lengths.push(end - start);
        start = end + newline.len();
    }
    if lengths.iter().all(|&length| length <= MAX_LINE_BYTES) {
        return (Cow::Borrowed(bytes), lengths);
    }
    let line_room = MAX_LINE_BYTES + newline.len();
    let mut kept = Vec::with_capacity(bytes.len().min(lengths.len() * line_room));
    let mut start = 0;
    for &length in &lengths {
        kept.extend_from_slice(&bytes[start..start + length.min(MAX_LINE_BYTES)]);
        let end = start + length;
        if bytes.get(end..end + newline.len()) == Some(newline) {
            kept.extend_from_slice(newline);
        }
        start = end + newline.len();
    }
    (Cow::Owned(kept), lengths)
}

/// Binary data as one line, cut at `MAX_LINE_CHARS`: `\n`, `\r` and `\t` as the send box
/// writes them, other controls as `\xNN`.
fn binary_line(bytes: &[u8], encoding: TextEncoding) -> Line {
    let kept = &bytes[..bytes.len().min(MAX_LINE_BYTES)];
    let MarkedText { text, marks } = encoding.decode_marked(kept);
    let mut line = Line::default();
    let mut marks = marks.iter().peekable();
    let mut buffer = [0; 4];
    for (at, ch) in text.char_indices().take(MAX_LINE_CHARS) {
        if invalid_at(&mut marks, at) {
            line.push(ch.encode_utf8(&mut buffer), Some(Mark::Invalid));
            continue;
        }
        match ch {
            '\n' => line.push("\\n", Some(Mark::Control)),
            '\r' => line.push("\\r", Some(Mark::Control)),
            '\t' => line.push("\\t", Some(Mark::Control)),
            ch if ch.is_control() => line.push(&control_escape(ch), Some(Mark::Control)),
            ch => line.push(ch.encode_utf8(&mut buffer), None),
        }
    }
    if text.chars().count() > MAX_LINE_CHARS || kept.len() < bytes.len() {
        line.cut = Some(bytes.len());
    }
    line
}

/// Whether the character at byte `at` of the decoded text is part of an invalid span;
/// `marks` (in order) moves past the spans before it.
fn invalid_at(
    marks: &mut std::iter::Peekable<std::slice::Iter<'_, Range<usize>>>,
    at: usize,
) -> bool {
    while marks.peek().is_some_and(|mark| mark.end <= at) {
        marks.next();
    }
    marks.peek().is_some_and(|mark| mark.contains(&at))
}

fn control_escape(ch: char) -> String {
    match u32::from(ch) {
        code @ 0..=0x7F => format!("\\x{code:02X}"),
        code => format!("\\u{{{code:04X}}}"),
    }
}

/// Hex line `n` of an entry's bytes.
pub fn hex_line(bytes: &[u8], n: usize) -> String {
    let start = n * HEX_BYTES_PER_LINE;
    let end = (start + HEX_BYTES_PER_LINE).min(bytes.len());
    bytes.get(start..end).map(to_spaced_hex).unwrap_or_default()
}

/// The text column of a hex dump: one line per [`HEX_BYTES_PER_LINE`] bytes of the entry's own
/// bytes, each with the characters that start in those bytes. `shown` is what the entry shows
/// (see `LogStore::shown`): `borrowed` bytes from the previous entry first, which finish a
/// character begun there and so belong to the first line. Invalid bytes and control characters
/// show as a marked `·`.
pub fn dump_text_lines(
    own_len: usize,
    shown: &[u8],
    borrowed: usize,
    encoding: TextEncoding,
) -> Vec<Line> {
    let rows = own_len.div_ceil(HEX_BYTES_PER_LINE).max(1);
    let mut lines = vec![Line::default(); rows];
    let mut buffer = [0; 4];
    for piece in pieces(encoding, shown) {
        let row = (piece.start.saturating_sub(borrowed) / HEX_BYTES_PER_LINE).min(rows - 1);
        let line = &mut lines[row];
        match piece.text {
            None => line.push("·", Some(Mark::Invalid)),
            Some(text) if text.ch.is_control() => line.push("·", Some(Mark::Control)),
            Some(text) => {
                for ch in text.chars() {
                    line.push(ch.encode_utf8(&mut buffer), None);
                }
            }
        }
    }
    lines
}

/// A hex dump line: offset, then the bytes padded to a full line, then two spaces.
pub fn dump_prefix(bytes: &[u8], n: usize) -> String {
    let digits = format!("{:X}", bytes.len().saturating_sub(1)).len().max(4);
    let mut prefix = format!("{:0digits$X}  ", n * HEX_BYTES_PER_LINE);
    let hex = hex_line(bytes, n);
    let _ = write!(
        prefix,
        "{hex:<width$}  ",
        width = HEX_BYTES_PER_LINE * 3 - 1
    );
    prefix
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(lines: &[Line]) -> Vec<&str> {
        lines.iter().map(|line| line.text.as_str()).collect()
    }

    #[test]
    fn breaks_lines_and_hides_or_shows_controls() {
        let bytes = b"a\r\nb\tc\n";
        assert_eq!(
            texts(&text_lines(bytes, TextEncoding::Utf8, false)),
            ["a", "b\tc"]
        );
        let shown = text_lines(bytes, TextEncoding::Utf8, true);
        assert_eq!(texts(&shown), ["a\\r\\n", "b\\tc\\n"]);
        assert_eq!(shown[0].marks, [(1..5, Mark::Control)]);
    }

    #[test]
    fn line_counts_match_the_store_in_both_modes() {
        use crate::session::{EntryKind, Layout, LogEntry, line_count};
        for bytes in [
            &b""[..],
            b"\n",
            b"x\n\n",
            b"a\r\nb",
            b"\r\r\n",
            b"\xFF\n\xFE",
            // UTF-16LE "a\r\n\u{A0A}\n", then an odd byte.
            b"a\0\r\0\n\0\n\n\n\0\n",
            // UTF-16BE "\n\u{A00}", a lone high surrogate.
            b"\0\n\n\0\xD8\0",
        ] {
            let entry = LogEntry::new(
                std::time::SystemTime::now(),
                None,
                EntryKind::Rx(bytes.to_vec()),
            );
            for (show_controls, encoding) in [false, true]
                .into_iter()
                .flat_map(|show| TextEncoding::ALL.map(|encoding| (show, encoding)))
            {
                let lines = text_lines(bytes, encoding, show_controls).len() as u64;
                assert_eq!(
                    lines,
                    line_count(entry.entry_ref(), Layout::Text, encoding),
                    "{bytes:?} {show_controls} {encoding}"
                );
            }
        }
    }

    #[test]
    fn cuts_long_lines_and_says_how_long_they_were() {
        let long = "é".repeat(3000);
        let bytes = format!("short\n{long}\r\n{}\nend", "x".repeat(MAX_LINE_CHARS));
        let lines = text_lines(bytes.as_bytes(), TextEncoding::Utf8, false);
        assert_eq!(lines.len(), 4, "as many lines as the store counts");
        assert_eq!((lines[0].text.as_str(), lines[0].cut), ("short", None));
        assert_eq!(lines[1].text, "é".repeat(MAX_LINE_CHARS));
        assert_eq!(
            lines[1].cut,
            Some(6001),
            "3000 two-byte characters and the \\r"
        );
        assert_eq!(lines[1].marks, [], "no character cut in two shows");
        assert_eq!(lines[2].cut, None, "exactly the limit is shown whole");
        assert_eq!((lines[3].text.as_str(), lines[3].cut), ("end", None));
    }

    #[test]
    fn marks_invalid_bytes_apart_from_controls() {
        let lines = text_lines(&[b'o', b'k', 0xFF, 0x01], TextEncoding::Utf8, false);
        assert_eq!(lines[0].text, "ok\\xFF\\x01");
        assert_eq!(
            lines[0].marks,
            [(2..6, Mark::Invalid), (6..10, Mark::Control)]
        );
    }

    #[test]
    fn binary_data_stays_one_line_with_every_control_shown() {
        let frame = [0x01, 0x03, 0x00, 0x00, 0x00, 0x0A, 0xC5, 0xCD];
        let lines = text_lines(&frame, TextEncoding::Utf8, false);
        assert_eq!(texts(&lines), [r"\x01\x03\x00\x00\x00\n\xC5\xCD"]);
        let lines = text_lines(b"\x02a\tb\r\n", TextEncoding::Gbk, false);
        assert_eq!(texts(&lines), [r"\x02a\tb\r\n"]);
        assert_eq!(lines[0].marks[0], (0..4, Mark::Control));
        // Text keeps its lines and hides its breaks.
        let lines = text_lines(b"a\tb\r\nc", TextEncoding::Utf8, false);
        assert_eq!(texts(&lines), ["a\tb", "c"]);
    }

    #[test]
    fn decodes_gbk_lines() {
        let lines = text_lines(
            &[0xC4, 0xE3, 0xBA, 0xC3, b'\n', b'x'],
            TextEncoding::Gbk,
            false,
        );
        assert_eq!(texts(&lines), ["你好", "x"]);
    }

    #[test]
    fn dump_text_puts_each_character_on_the_line_where_it_starts() {
        // 15 ASCII bytes, then 你 (3 bytes) across the 16-byte line boundary, then an invalid byte.
        let mut bytes = b"0123456789abcde".to_vec();
        bytes.extend("你".as_bytes());
        bytes.push(0xFF);
        let lines = dump_text_lines(bytes.len(), &bytes, 0, TextEncoding::Utf8);
        assert_eq!(texts(&lines), ["0123456789abcde你", "·"]);
        assert_eq!(lines[1].marks, [(0..2, Mark::Invalid)]);
        // "BD A0 FF" is 8 of the 47 columns that 16 bytes take.
        let padding = " ".repeat(47 - 8);
        assert_eq!(dump_prefix(&bytes, 1), format!("0010  BD A0 FF{padding}  "));
    }

    #[test]
    fn dump_text_shows_a_borrowed_character_on_the_first_line() {
        // The entry's own bytes are BD A0 41; E4 was borrowed from the previous entry.
        let lines = dump_text_lines(3, &[0xE4, 0xBD, 0xA0, b'A'], 1, TextEncoding::Utf8);
        assert_eq!(texts(&lines), ["你A"]);
    }

    #[test]
    fn dump_text_keeps_a_big5_letters_combining_mark() {
        // 88 62 decodes to Ê and U+0304, as the text view shows it; the dump used to drop the mark.
        let lines = dump_text_lines(3, &[0x88, 0x62, b'A'], 0, TextEncoding::Big5);
        assert_eq!(texts(&lines), ["\u{CA}\u{304}A"]);
    }

    #[test]
    fn hex_lines_hold_sixteen_bytes() {
        let bytes: Vec<u8> = (0..20).collect();
        assert_eq!(hex_line(&bytes, 1), "10 11 12 13");
        assert_eq!(hex_line(&bytes, 2), "");
    }
}
