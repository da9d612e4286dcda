//! How entries become display lines: the layouts, and how many lines an entry takes in each.
//! Line counts depend only on the raw bytes (a `\n` byte is a line break in UTF-8 and in GBK
//! alike, since GBK trail bytes are never 0x0A), so switching encodings never re-indexes.

use super::{EntryRef, EntryTag};

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

/// How many display lines `entry` takes in `layout`.
pub fn line_count(entry: EntryRef<'_>, layout: Layout) -> u64 {
    let payload = entry.message().map_or(entry.bytes(), str::as_bytes);
    payload_line_count(entry.tag, payload, layout)
}

pub(super) fn payload_line_count(tag: EntryTag, payload: &[u8], layout: Layout) -> u64 {
    match layout {
        Layout::Hex | Layout::Both if tag.is_data() => {
            payload.len().div_ceil(HEX_BYTES_PER_LINE).max(1) as u64
        }
        // Messages take one line per line of text in every layout.
        _ => text_line_count(payload),
    }
}

/// Lines of text in `bytes`: a trailing newline ends the last line rather than starting one.
fn text_line_count(bytes: &[u8]) -> u64 {
    let breaks = memchr::memchr_iter(b'\n', bytes).count() as u64;
    let trailing = u64::from(bytes.last() == Some(&b'\n'));
    (breaks + 1 - trailing).max(1)
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use super::*;
    use crate::session::{EntryKind, LogEntry};

    fn rx(bytes: &[u8]) -> LogEntry {
        LogEntry::new(SystemTime::now(), None, EntryKind::Rx(bytes.to_vec()))
    }

    #[test]
    fn counts_text_lines_from_newline_bytes() {
        assert_eq!(text_line_count(b""), 1);
        assert_eq!(text_line_count(b"one"), 1);
        assert_eq!(text_line_count(b"one\n"), 1);
        assert_eq!(text_line_count(b"one\r\ntwo"), 2);
        assert_eq!(text_line_count(b"\n\n"), 2);
    }

    #[test]
    fn counts_hex_lines_by_sixteen() {
        assert_eq!(line_count(rx(&[0; 16]).entry_ref(), Layout::Hex), 1);
        assert_eq!(line_count(rx(&[0; 17]).entry_ref(), Layout::Hex), 2);
        assert_eq!(line_count(rx(&[]).entry_ref(), Layout::Hex), 1);
    }
}
