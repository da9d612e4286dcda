//! Characters split across entries: which bytes each entry borrows from the previous entry of
//! its stream, and which it hands on to the next, so the split character shows once and whole.
//!
//! Kept for two encodings at once, UTF-8 and one more (see [`Linked`]), and per stream (one
//! peer, one direction). The moved bytes are never `\n` in any encoding but UTF-16, so their
//! line counts do not change; UTF-16's are counted in the bytes shown (see `store/lines.rs`).
//! UTF-16 also needs the stream's byte parity: a code unit starts at an even offset of it.

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
    /// Bytes at the start not shown as text: the second half of a UTF-16 code unit whose first
    /// half left memory before the stream was linked in UTF-16.
    skipped: u8,
}

impl Carry {
    /// How many bytes from the previous entry come first in [`Self::display`].
    pub fn borrowed_len(&self) -> usize {
        usize::from(self.borrowed_len)
    }

    /// How many bytes at the end the next entry shows instead.
    pub fn handed_on(&self) -> usize {
        usize::from(self.handed_on)
    }

    /// The bytes an entry shows: what it borrowed, then its own, less what it handed on.
    pub fn display<'a>(&self, bytes: &'a [u8]) -> Cow<'a, [u8]> {
        self.shown(bytes, usize::from(self.handed_on))
    }

    /// The bytes an entry showed as it came, before it handed any on: what it borrowed, then
    /// its own. Its text lines are counted in these, whenever they are counted.
    pub fn as_it_came<'a>(&self, bytes: &'a [u8]) -> Cow<'a, [u8]> {
        self.shown(bytes, 0)
    }

    fn shown<'a>(&self, bytes: &'a [u8], handed_on: usize) -> Cow<'a, [u8]> {
        let borrowed = &self.borrowed[..usize::from(self.borrowed_len)];
        let bytes = bytes.get(usize::from(self.skipped)..).unwrap_or_default();
        let kept = bytes.len() + borrowed.len() - handed_on;
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

/// The two encodings whose split characters are linked, each in its slot of [`Carry`] and
/// [`StreamTail`]: UTF-8 always, and the other one the log was last shown in (GBK until then).
/// Linking every encoding offered would cost each entry 36 carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Linked(pub [TextEncoding; 2]);

impl Default for Linked {
    fn default() -> Self {
        Self([TextEncoding::Utf8, TextEncoding::Gbk])
    }
}

impl Linked {
    /// The slot `encoding` is linked in, if it is.
    pub fn slot(self, encoding: TextEncoding) -> Option<usize> {
        self.0.iter().position(|&linked| linked == encoding)
    }
}

/// The unfinished character a stream's last entry ends in, per slot of [`Linked`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StreamTail {
    tails: [([u8; MAX_TAIL], u8); 2],
    /// The stream so far has had an odd number of bytes.
    odd: bool,
}

impl StreamTail {
    /// Links a new entry to the stream's previous one: returns the new entry's carries, and sets
    /// on `previous` (when it is still stored) the bytes it now hands on.
    pub fn link(
        &mut self,
        linked: Linked,
        bytes: &[u8],
        mut previous: Option<&mut [Carry; 2]>,
    ) -> [Carry; 2] {
        let mut carries = [Carry::default(); 2];
        for (slot, encoding) in linked.0.into_iter().enumerate() {
            let previous = previous.as_deref_mut().map(|carries| &mut carries[slot]);
            carries[slot] = self.link_one(slot, encoding, bytes, previous);
        }
        self.odd ^= bytes.len() % 2 == 1;
        carries
    }

    /// [`Self::link`] for one slot, linked in `encoding`.
    pub fn link_slot(
        &mut self,
        slot: usize,
        encoding: TextEncoding,
        bytes: &[u8],
        previous: Option<&mut Carry>,
    ) -> Carry {
        let carry = self.link_one(slot, encoding, bytes, previous);
        self.odd ^= bytes.len() % 2 == 1;
        carry
    }

    fn link_one(
        &mut self,
        slot: usize,
        encoding: TextEncoding,
        bytes: &[u8],
        previous: Option<&mut Carry>,
    ) -> Carry {
        let mut carry = Carry::default();
        let (tail, tail_len) = self.tails[slot];
        let tail = &tail[..usize::from(tail_len)];
        if !tail.is_empty() && starts_character(encoding, tail, bytes) {
            carry.borrowed[..tail.len()].copy_from_slice(tail);
            carry.borrowed_len = tail_len;
            if let Some(previous) = previous {
                previous.handed_on = tail_len;
            }
        } else if self.odd && encoding.utf16_order().is_some() && !bytes.is_empty() {
            // Mid–code unit with nothing to borrow: the first half is gone (see `skipped`).
            carry.skipped = 1;
        }
        // The new end of the stream: the unfinished character the shown bytes end in.
        let shown = carry.display(bytes);
        let len = incomplete_tail(encoding, &shown);
        let mut end = [0; MAX_TAIL];
        end[..len].copy_from_slice(&shown[shown.len() - len..]);
        self.tails[slot] = (end, len as u8);
        carry
    }

    /// Takes what `other` ends in, in one slot.
    pub fn copy_slot(&mut self, slot: usize, other: &Self) {
        self.tails[slot] = other.tails[slot];
    }

    /// Forgets what the stream ends in, in one slot: its entries are linked again from the start.
    pub fn clear_slot(&mut self, slot: usize) {
        self.tails[slot] = ([0; MAX_TAIL], 0);
    }

    /// Whether the stream so far has had an odd number of bytes.
    pub fn is_odd(&self) -> bool {
        self.odd
    }

    /// A stream with nothing unfinished that has had an odd number of bytes, or an even one.
    pub fn with_parity(odd: bool) -> Self {
        Self {
            odd,
            ..Self::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn linked(encoding: TextEncoding) -> Linked {
        Linked([TextEncoding::Utf8, encoding])
    }

    /// Text in `encoding` with characters outside ASCII: the first sample it can encode.
    fn sample(encoding: TextEncoding) -> Vec<u8> {
        let samples = [
            "Hi 你好, 世界 😀 ok",
            "Hi 你好, 世界 ok",
            "Hi こんにちは, 世界 ok",
            "Hi 안녕하세요 ok",
            "Hi Привет ok",
            "Hi Γειά σου ok",
            "Hi שלום ok",
            "Hi مرحبا ok",
            "Hi สวัสดี ok",
            "Hi Xin chào ok",
            "Hi café Ålborg ok",
        ];
        samples
            .iter()
            .find_map(|text| encoding.encode(text).ok())
            .map(Cow::into_owned)
            .unwrap_or_else(|| (0..=255).collect())
    }

    /// Splits `bytes` into entries at `cuts` and returns what each entry shows, decoded.
    fn shown(encoding: TextEncoding, bytes: &[u8], cuts: &[usize]) -> Vec<String> {
        let mut stream = StreamTail::default();
        let mut entries: Vec<(&[u8], [Carry; 2])> = Vec::new();
        let mut start = 0;
        for &end in cuts.iter().chain([bytes.len()].iter()) {
            let piece = &bytes[start..end];
            let previous = entries.last_mut().map(|(_, carries)| carries);
            let carries = stream.link(linked(encoding), piece, previous);
            entries.push((piece, carries));
            start = end;
        }
        entries
            .iter()
            .map(|(piece, carries)| {
                let slot = linked(encoding).slot(encoding).expect("linked");
                encoding.decode_marked(&carries[slot].display(piece)).text
            })
            .collect()
    }

    #[test]
    fn a_character_split_at_every_offset_shows_once_and_whole() {
        for encoding in TextEncoding::ALL {
            let bytes = sample(encoding);
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

    /// Binary data read as UTF-16, cut anywhere (lone surrogates at the cuts among them): the
    /// entries show what the whole stream decodes to, not a byte off after an odd cut.
    #[test]
    fn utf16_stays_in_step_across_any_cuts() {
        let mut next = crate::test_rng::xorshift(0x9E37_79B9_7F4A_7C15_u64);
        for _ in 0..5_000 {
            let len = (next() % 24) as usize;
            // Surrogate halves often: the bytes D8 to DF in every other place.
            let bytes: Vec<u8> = (0..len)
                .map(|_| match next() % 4 {
                    0 => 0xD8 + (next() % 8) as u8,
                    1 => 0,
                    _ => next() as u8,
                })
                .collect();
            // Entries of a stream are never empty (the store links none that is).
            let mut cuts: Vec<usize> = (0..next() % 4)
                .map(|_| (next() as usize) % (len + 1))
                .filter(|&cut| cut > 0 && cut < len)
                .collect();
            cuts.sort_unstable();
            cuts.dedup();
            for encoding in [TextEncoding::Utf16Le, TextEncoding::Utf16Be] {
                let pieces = shown(encoding, &bytes, &cuts);
                let whole = encoding.decode_marked(&bytes).text;
                assert_eq!(
                    pieces.concat(),
                    whole,
                    "{encoding} {bytes:02X?} cut at {cuts:?}"
                );
            }
        }
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
