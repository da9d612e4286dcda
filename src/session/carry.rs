//! Characters split across entries: which bytes each entry borrows from the previous entry of
//! its stream, and which it hands on to the next, so the split character shows once and whole.
//!
//! Kept per encoding (the display encoding can change at any time) and per stream (one peer, one
//! direction). The moved bytes are never `\n` in either encoding, so line counts do not change.

use std::borrow::Cow;

use crate::codec::TextEncoding;
use crate::codec::stream::{MAX_TAIL, incomplete_tail, starts_character};

/// One entry's share of the split characters at its edges, in one encoding.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Carry {
    /// The start of a character from the previous entry, shown here whole.
    borrowed: [u8; MAX_TAIL],
    borrowed_len: u8,
    /// How many bytes at the end the next entry shows instead.
    handed_on: u8,
}

impl Carry {
    /// How many bytes from the previous entry come first in [`Self::display`].
    pub fn borrowed_len(&self) -> usize {
        usize::from(self.borrowed_len)
    }

    /// The bytes an entry shows: what it borrowed, then its own, less what it handed on.
    pub fn display<'a>(&self, bytes: &'a [u8]) -> Cow<'a, [u8]> {
        let borrowed = &self.borrowed[..usize::from(self.borrowed_len)];
        let kept = bytes.len() + borrowed.len() - usize::from(self.handed_on);
        if borrowed.is_empty() {
            return Cow::Borrowed(&bytes[..kept]);
        }
        let mut joined = Vec::with_capacity(borrowed.len() + bytes.len());
        joined.extend_from_slice(borrowed);
        joined.extend_from_slice(bytes);
        joined.truncate(kept);
        Cow::Owned(joined)
    }
}

/// The unfinished character a stream's last entry ends in, in each encoding.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StreamTail {
    tails: [([u8; MAX_TAIL], u8); 2],
}

impl StreamTail {
    /// Links a new entry to the stream's previous one: returns the new entry's carries, and sets
    /// on `previous` (when it is still stored) the bytes it now hands on.
    pub fn link(&mut self, bytes: &[u8], mut previous: Option<&mut [Carry; 2]>) -> [Carry; 2] {
        let mut carries = [Carry::default(); 2];
        for encoding in TextEncoding::ALL {
            let at = encoding as usize;
            let (tail, tail_len) = self.tails[at];
            let tail = &tail[..usize::from(tail_len)];
            let carry = &mut carries[at];
            if !tail.is_empty() && starts_character(encoding, tail, bytes) {
                carry.borrowed[..tail.len()].copy_from_slice(tail);
                carry.borrowed_len = tail_len;
                if let Some(previous) = previous.as_deref_mut() {
                    previous[at].handed_on = tail_len;
                }
            }
            // The new end of the stream: the unfinished character the shown bytes end in.
            let shown = carry.display(bytes);
            let len = incomplete_tail(encoding, &shown);
            let mut end = [0; MAX_TAIL];
            end[..len].copy_from_slice(&shown[shown.len() - len..]);
            self.tails[at] = (end, len as u8);
        }
        carries
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Splits `bytes` into entries at `cuts` and returns what each entry shows, decoded.
    fn shown(encoding: TextEncoding, bytes: &[u8], cuts: &[usize]) -> Vec<String> {
        let mut stream = StreamTail::default();
        let mut entries: Vec<(&[u8], [Carry; 2])> = Vec::new();
        let mut start = 0;
        for &end in cuts.iter().chain([bytes.len()].iter()) {
            let piece = &bytes[start..end];
            let previous = entries.last_mut().map(|(_, carries)| carries);
            let carries = stream.link(piece, previous);
            entries.push((piece, carries));
            start = end;
        }
        entries
            .iter()
            .map(|(piece, carries)| {
                encoding
                    .decode_marked(&carries[encoding as usize].display(piece))
                    .text
            })
            .collect()
    }

    #[test]
    fn a_character_split_at_every_offset_shows_once_and_whole() {
        let text = "Hi 你好, 世界 😀 ok";
        for encoding in TextEncoding::ALL {
            let bytes = match encoding {
                TextEncoding::Utf8 => text.as_bytes().to_vec(),
                TextEncoding::Gbk => encoding
                    .encode("Hi 你好, 世界 ok")
                    .map(Cow::into_owned)
                    .unwrap_or_default(),
            };
            let expected = encoding.decode_marked(&bytes).text;
            for cut in 1..bytes.len() {
                let pieces = shown(encoding, &bytes, &[cut]);
                assert_eq!(pieces.concat(), expected, "{encoding} cut at {cut}");
                assert!(
                    !pieces.concat().contains("\\x"),
                    "{encoding} cut at {cut}: {pieces:?}"
                );
            }
        }
    }

    #[test]
    fn one_byte_per_entry_still_shows_whole_characters() {
        let bytes = "😀你".as_bytes();
        let cuts: Vec<usize> = (1..bytes.len()).collect();
        let pieces = shown(TextEncoding::Utf8, bytes, &cuts);
        assert_eq!(pieces.concat(), "😀你");
        assert_eq!(
            pieces.iter().filter(|p| !p.is_empty()).count(),
            2,
            "{pieces:?}"
        );
    }

    #[test]
    fn invalid_bytes_are_marked_not_carried() {
        // E4 starts a character but 41 cannot continue it: E4 stays in the first entry, marked.
        let pieces = shown(TextEncoding::Utf8, &[b'a', 0xE4, b'A'], &[2]);
        assert_eq!(pieces, ["a\\xE4", "A"]);
    }

    #[test]
    fn an_unfinished_character_at_the_end_stays_visible() {
        let pieces = shown(TextEncoding::Gbk, &[b'x', 0xC4], &[]);
        assert_eq!(pieces, ["x\\xC4"]);
    }
}
