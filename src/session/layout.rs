//! How entries become display lines: the layouts, and how many lines an entry takes in each.
//! Line counts depend only on the raw bytes in every encoding but UTF-16 (a `\n` byte is a
//! line break in UTF-8 and in GBK alike, since GBK trail bytes are never 0x0A), so switching
//! among them never re-indexes. UTF-16's text lines break at `\n` code units, counted in the
//! bytes an entry shows (see `LogStore::show_in`).

use super::{EntryRef, EntryTag};
use crate::codec::TextEncoding;

/// Bytes shown per hex line.
pub const HEX_BYTES_PER_LINE: usize = 16;

/// How the view lays entries out into lines.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Layout {
    /// Decoded text; one line per `\n`.
    #[default]
    Text,
    /// Spaced hex, [`HEX_BYTES_PER_LINE`] bytes a line.
    Hex,
    /// A hex dump with offsets, the decoded text beside each line of bytes.
    Both,
}

impl Layout {
    pub const ALL: [Self; 3] = [Self::Text, Self::Hex, Self::Both];

    /// Which line index serves this layout: Hex and Both break lines at the same bytes.
    pub(crate) fn slot(self) -> usize {
        match self {
            Self::Text => 0,
            Self::Hex | Self::Both => 1,
        }
    }
}

impl std::fmt::Display for Layout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Text => "Text",
            Self::Hex => "Hex",
            Self::Both => "Both",
        })
    }
}

/// How many display lines `entry` takes in `layout`, its data's lines broken as `encoding`
/// breaks them (its own bytes, without a character split with its neighbours).
pub fn line_count(entry: EntryRef<'_>, layout: Layout, encoding: TextEncoding) -> u64 {
    let payload = entry.message().map_or(entry.bytes(), str::as_bytes);
    payload_line_count(entry.tag, payload, layout, encoding)
}

pub(super) fn payload_line_count(
    tag: EntryTag,
    payload: &[u8],
    layout: Layout,
    encoding: TextEncoding,
) -> u64 {
    match layout {
        Layout::Hex | Layout::Both if tag.is_data() => {
            payload.len().div_ceil(HEX_BYTES_PER_LINE).max(1) as u64
        }
        // Binary data is one line whatever its 0x0A bytes (see [`TextEncoding::looks_binary`]).
        _ if tag.is_data() && encoding.looks_binary(payload) => 1,
        _ if tag.is_data() => text_line_count(payload, encoding),
        // Messages are UTF-8 text, one line per line in every layout.
        _ => text_line_count(payload, TextEncoding::Utf8),
    }
}

/// Lines of text in `bytes`: a trailing newline ends the last line rather than starting one.
fn text_line_count(bytes: &[u8], encoding: TextEncoding) -> u64 {
    let mut breaks = 0;
    let mut last = None;
    for at in encoding.newlines(bytes) {
        breaks += 1;
        last = Some(at);
    }
    let trailing = last.is_some_and(|at| at + encoding.newline().len() == bytes.len());
    (breaks + 1 - u64::from(trailing)).max(1)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use std::time::SystemTime;

    use super::*;
    use crate::session::{EntryKind, LogEntry};

    fn rx(bytes: &[u8]) -> LogEntry {
        LogEntry::new(SystemTime::now(), None, EntryKind::Rx(bytes.to_vec()))
    }

    #[test]
    fn counts_text_lines_from_newline_bytes() {
        let count = |bytes: &[u8]| text_line_count(bytes, TextEncoding::Utf8);
        assert_eq!(count(b""), 1);
        assert_eq!(count(b"one"), 1);
        assert_eq!(count(b"one\n"), 1);
        assert_eq!(count(b"one\r\ntwo"), 2);
        assert_eq!(count(b"\n\n"), 2);
        assert_eq!(count(b"a\tb\r\nc"), 2);
    }

    #[test]
    fn binary_data_is_one_line_whatever_its_line_feeds() {
        let data = |bytes: &[u8], encoding| {
            payload_line_count(EntryTag::Rx, bytes, Layout::Text, encoding)
        };
        let modbus = [0x01, 0x03, 0x00, 0x00, 0x00, 0x0A, 0xC5, 0xCD];
        assert_eq!(data(&modbus, TextEncoding::Utf8), 1);
        assert_eq!(data(&modbus, TextEncoding::Gbk), 1);
        assert_eq!(data(b"a\nb\x7F\n", TextEncoding::Utf8), 1);
        // In UTF-16 the code units count: U+010A holds the byte 0x01 and is text.
        let le = |text: &str| TextEncoding::Utf16Le.encode(text).unwrap().into_owned();
        assert_eq!(data(&le("\u{10A}\nb"), TextEncoding::Utf16Le), 2);
        assert_eq!(data(&le("\u{1}\nb"), TextEncoding::Utf16Le), 1);
        // A message is text: each of its lines is a row, whatever it holds.
        let message = payload_line_count(
            EntryTag::Info,
            b"a\x01\nb",
            Layout::Text,
            TextEncoding::Utf8,
        );
        assert_eq!(message, 2);
    }

    #[test]
    fn counts_utf16_lines_from_newline_code_units() {
        let le = |text: &str| TextEncoding::Utf16Le.encode(text).unwrap().into_owned();
        assert_eq!(text_line_count(&le("a\nb\n"), TextEncoding::Utf16Le), 2);
        // U+0A0A and U+0A41 hold 0x0A bytes, none of them a line break.
        assert_eq!(
            text_line_count(&le("\u{A0A}\u{A41}"), TextEncoding::Utf16Le),
            1
        );
        // The same bytes as UTF-8 break at each 0x0A (as data they hold NULs: one line).
        assert_eq!(text_line_count(&le("a\nb"), TextEncoding::Utf8), 2);
        let be = TextEncoding::Utf16Be.encode("\n\nx").unwrap();
        assert_eq!(text_line_count(&be, TextEncoding::Utf16Be), 3);
        assert_eq!(
            text_line_count(&[0x00, 0x0A, 0x00], TextEncoding::Utf16Be),
            2
        );
    }

    #[test]
    fn counts_hex_lines_by_sixteen() {
        let count =
            |bytes: &[u8]| line_count(rx(bytes).entry_ref(), Layout::Hex, TextEncoding::Utf8);
        assert_eq!(count(&[0; 16]), 1);
        assert_eq!(count(&[0; 17]), 2);
        assert_eq!(count(&[]), 1);
    }
}
