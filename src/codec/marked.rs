//! Bytes decoded for display, with every byte outside a character shown as a marked `\xNN`.
//! Apart from `text.rs`: it needs the stream scanner (`stream.rs`), which needs the encodings.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::ops::Range;

use super::TextEncoding;
use super::stream::invalid_bytes;

/// Decoded text in which some spans stand for bytes rather than characters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MarkedText {
    pub text: String,
    /// Byte ranges of `text` that are `\xNN` escapes for bytes outside any character.
    pub marks: Vec<Range<usize>>,
}

impl MarkedText {
    /// Appends bytes as marked `\xNN` escapes.
    fn mark_bytes(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        let start = self.text.len();
        for byte in bytes {
            let _ = write!(self.text, "\\x{byte:02X}");
        }
        match self.marks.last_mut() {
            Some(last) if last.end == start => last.end = self.text.len(),
            _ => self.marks.push(start..self.text.len()),
        }
    }
}

impl TextEncoding {
    /// Decodes bytes for display: each byte that is not part of a valid character is written
    /// as `\xNN` (and marked), so the user sees exactly what arrived, not a replacement mark.
    /// Which bytes are invalid follows the WHATWG decoders that encoding_rs implements.
    pub fn decode_marked(self, bytes: &[u8]) -> MarkedText {
        let mut marked = MarkedText {
            text: String::with_capacity(bytes.len() + 8),
            marks: Vec::new(),
        };
        let mut run_start = 0;
        for (start, len) in invalid_bytes(self, bytes) {
            self.decode_valid_run(&bytes[run_start..start], &mut marked);
            marked.mark_bytes(&bytes[start..start + len]);
            run_start = start + len;
        }
        self.decode_valid_run(&bytes[run_start..], &mut marked);
        marked
    }

    /// Appends a run the scanner found valid, decoded in bulk.
    fn decode_valid_run(self, run: &[u8], marked: &mut MarkedText) {
        let decoded = match self {
            Self::Utf8 => std::str::from_utf8(run).ok().map(Cow::Borrowed),
            _ => self
                .encoding_rs()
                .decode_without_bom_handling_and_without_replacement(run),
        };
        match decoded {
            Some(text) => marked.text.push_str(&text),
            // Not expected (the scanner follows the same grammar); never lose the bytes.
            None => marked.mark_bytes(run),
        }
    }
}
