//! Where characters end in a byte stream, so a character split across two reads (or two frames)
//! can be shown whole. Pure functions over the byte grammar of each encoding: UTF-8 and GBK
//! (GB18030's decoder) are written out, as they are the hot paths, and UTF-16 (code units,
//! surrogate pairs) as it is simple; the other multi-byte encodings ask encoding_rs's decoder
//! one byte at a time.

use encoding_rs::DecoderResult;

use super::TextEncoding;
use super::text::Utf16Order;

/// The longest unfinished character a stream can end in: 3 bytes of a 4-byte UTF-8 or GB18030
/// sequence, or of a UTF-16 surrogate pair.
pub const MAX_TAIL: usize = 3;

/// How many bytes at the end of `bytes` start a character that the next bytes could finish.
/// `bytes` must begin at a character boundary. Bytes that can never become a valid character
/// are not a tail: they are invalid now and stay so.
pub fn incomplete_tail(encoding: TextEncoding, bytes: &[u8]) -> usize {
    // Only the last character can be unfinished: scan from a boundary near the end, not from
    // the start (a 64 KiB read would otherwise be scanned twice per read, once per encoding).
    incomplete_tail_from(encoding, bytes, boundary_near_end(encoding, bytes))
}

/// [`incomplete_tail`], scanning from `at`, which must be a character boundary.
fn incomplete_tail_from(encoding: TextEncoding, bytes: &[u8], mut at: usize) -> usize {
    while at < bytes.len() {
        // Whole two-byte GBK characters, in a tight loop: binary data has no ASCII to resume
        // from, so its scan starts at the beginning of the entry.
        if is_gb(encoding) {
            // A run of lead bytes (0x81-0xFE) pairs up from a boundary: each pair is whole.
            at += lead_run(&bytes[at..]) & !1;
            while let [0x81..=0xFE, 0x40..=0x7E | 0x80..=0xFE, ..] = bytes[at..] {
                at += 2;
            }
            if at == bytes.len() {
                break;
            }
        }
        match sequence_at(encoding, &bytes[at..]) {
            Sequence::Complete(len) | Sequence::Invalid(len) => at += len,
            Sequence::Unfinished => return bytes.len() - at,
        }
    }
    0
}

/// A character boundary a few bytes before the end of `bytes` (or 0), found without scanning
/// from the start. UTF-8: a scan from any byte agrees with a scan from the start from the
/// first byte that is not a continuation byte on (no sequence, valid or not, takes one in as
/// a continuation), and before that no sequence can be unfinished: its lead would be more than
/// a character's length from the end. So the scan may start right at `len - 5`. GBK is not self-synchronising, but bytes
/// 0x00-0x2F and 0x3A-0x3F are never inside a multi-byte character (trail bytes are 0x40 and
/// up, four-byte digits 0x30-0x39) and a failed sequence leaves them to be read again, so a
/// character starts right after one; and of two ASCII bytes in a row the second always starts
/// a character (an ASCII byte can end a character or fail one, never begin one that goes on).
fn boundary_near_end(encoding: TextEncoding, bytes: &[u8]) -> usize {
    // The longest character is 4 bytes: a boundary this far back sees the last one whole.
    let Some(from) = bytes.len().checked_sub(MAX_TAIL + 1) else {
        return 0;
    };
    match encoding {
        TextEncoding::Utf8 => from,
        // Every even offset starts a code unit; a low surrogate found there alone is invalid
        // whether or not a high one came before, so the end reads the same.
        _ if encoding.utf16_order().is_some() => from & !1,
        // Every byte is a character: nothing can be unfinished.
        _ if encoding.encoding_rs().is_single_byte() => bytes.len(),
        // Big5, Shift_JIS, EUC-JP and EUC-KR share what makes this work for GBK: their trail
        // bytes are 0x40 and up, and a failed sequence leaves an ASCII byte to be read again.
        _ => (0..=skip_high_back(bytes, from))
            .rev()
            .find_map(|at| {
                if matches!(bytes[at], 0x00..=0x2F | 0x3A..=0x3F) {
                    Some(at + 1)
                } else if at > 0 && bytes[at].is_ascii() && bytes[at - 1].is_ascii() {
                    Some(at)
                } else {
                    None
                }
            })
            .unwrap_or(0),
    }
}

/// GBK and GB18030 decode alike (encoding_rs's GBK decoder is GB18030's).
fn is_gb(encoding: TextEncoding) -> bool {
    matches!(encoding, TextEncoding::Gbk | TextEncoding::Gb18030)
}

/// Bytes checked at a time where binary data makes a byte-by-byte scan the hot spot: a fixed
/// block lets the compiler test them together.
const BLOCK: usize = 32;

/// How many bytes `bytes` starts with that are GBK lead bytes (0x81-0xFE).
fn lead_run(bytes: &[u8]) -> usize {
    let is_lead = |byte: &u8| (0x81..=0xFE).contains(byte);
    // Without a branch per byte: a byte is a lead when it is at most 0x7D past 0x81.
    let all_leads = |block: &[u8]| {
        block.iter().fold(0u8, |outside, &byte| {
            outside | u8::from(byte.wrapping_sub(0x81) > 0x7D)
        }) == 0
    };
    let blocks = bytes
        .chunks_exact(BLOCK)
        .take_while(|block| all_leads(block))
        .count();
    let at = blocks * BLOCK;
    at + bytes[at..].iter().take_while(|byte| is_lead(byte)).count()
}

/// The last position at or before `from` a GBK boundary search must look at: the blocks just
/// before `from` that hold no ASCII byte hold no boundary marker either, so they are skipped.
fn skip_high_back(bytes: &[u8], from: usize) -> usize {
    let mut end = from + 1;
    // Every byte has its high bit set when their AND has.
    let no_ascii = |block: &[u8]| block.iter().fold(u8::MAX, |all, &byte| all & byte) >= 0x80;
    while end >= BLOCK && no_ascii(&bytes[end - BLOCK..end]) {
        end -= BLOCK;
    }
    end.saturating_sub(1)
}

/// Whether `tail`, the unfinished end of one entry, goes on in `next`: true when the first
/// character of `tail` then `next` is whole or still a valid start.
pub fn starts_character(encoding: TextEncoding, tail: &[u8], next: &[u8]) -> bool {
    // Half a UTF-16 code unit goes on whatever the unit turns out to be: kept apart, it would
    // set every later code unit of the stream one byte off.
    if encoding.utf16_order().is_some() && tail.len() % 2 == 1 {
        return !next.is_empty();
    }
    let mut joined = [0; 2 * MAX_TAIL + 1];
    let take = next.len().min(MAX_TAIL + 1);
    joined[..tail.len()].copy_from_slice(tail);
    joined[tail.len()..tail.len() + take].copy_from_slice(&next[..take]);
    let joined = &joined[..tail.len() + take];
    match sequence_at(encoding, joined) {
        Sequence::Complete(len) => len > tail.len(),
        Sequence::Unfinished => true,
        Sequence::Invalid(_) => false,
    }
}

enum Sequence {
    /// A whole character of this many bytes.
    Complete(usize),
    /// This many bytes can never be part of a character.
    Invalid(usize),
    /// A valid start that runs past the end of the input.
    Unfinished,
}

/// UTF-8 per RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF.
fn utf8_sequence(bytes: &[u8]) -> Sequence {
    let lead = bytes[0];
    let (len, second) = match lead {
        0x00..=0x7F => return Sequence::Complete(1),
        0xC2..=0xDF => (2, 0x80..=0xBF),
        0xE0 => (3, 0xA0..=0xBF),
        0xED => (3, 0x80..=0x9F),
        0xE1..=0xEC | 0xEE..=0xEF => (3, 0x80..=0xBF),
        0xF0 => (4, 0x90..=0xBF),
        0xF1..=0xF3 => (4, 0x80..=0xBF),
        0xF4 => (4, 0x80..=0x8F),
        _ => return Sequence::Invalid(1),
    };
    for (i, &byte) in bytes.iter().enumerate().take(len).skip(1) {
        let allowed = if i == 1 {
            second.contains(&byte)
        } else {
            (0x80..=0xBF).contains(&byte)
        };
        if !allowed {
            // The bytes so far are malformed; the offending byte may start the next character.
            return Sequence::Invalid(i);
        }
    }
    if bytes.len() < len {
        Sequence::Unfinished
    } else {
        Sequence::Complete(len)
    }
}

/// GBK as encoding_rs decodes it (the WHATWG GB18030 decoder): one byte up to 0x80, two bytes
/// with a lead 0x81-0xFE and a trail 0x40-0x7E or 0x80-0xFE, or four bytes lead, digit, lead,
/// digit. Which bytes an error consumes (and which are read again) follows encoding_rs, which
/// decodes the valid runs; tests compare the two on random bytes.
fn gbk_sequence(bytes: &[u8]) -> Sequence {
    let lead_range = 0x81..=0xFE;
    let digit = 0x30..=0x39;
    if !lead_range.contains(&bytes[0]) {
        return if bytes[0] == 0xFF {
            Sequence::Invalid(1)
        } else {
            Sequence::Complete(1)
        };
    }
    let Some(&second) = bytes.get(1) else {
        return Sequence::Unfinished;
    };
    if (0x40..=0x7E).contains(&second) || (0x80..=0xFE).contains(&second) {
        return Sequence::Complete(2);
    }
    if !digit.contains(&second) {
        return Sequence::Invalid(if second.is_ascii() { 1 } else { 2 });
    }
    let Some(&third) = bytes.get(2) else {
        return Sequence::Unfinished;
    };
    if !lead_range.contains(&third) {
        return Sequence::Invalid(1);
    }
    let Some(&fourth) = bytes.get(3) else {
        return Sequence::Unfinished;
    };
    if !digit.contains(&fourth) {
        return Sequence::Invalid(1);
    }
    // Four-byte codes outside the ranges GB18030 maps are errors too; encoding_rs consumes all
    // four bytes of such a code (the WHATWG text would re-read three of them).
    let pointer = (usize::from(bytes[0]) - 0x81) * 12600
        + (usize::from(second) - 0x30) * 1260
        + (usize::from(third) - 0x81) * 10
        + (usize::from(fourth) - 0x30);
    if (39420..189_000).contains(&pointer) || pointer > 1_237_575 {
        return Sequence::Invalid(4);
    }
    Sequence::Complete(4)
}

/// The runs of bytes that are not part of any character, as (start, length), in order. An
/// unfinished character at the end counts as invalid: nothing more is coming for these bytes.
pub fn invalid_bytes(encoding: TextEncoding, bytes: &[u8]) -> Vec<(usize, usize)> {
    if !matches!(encoding, TextEncoding::Utf8) && !is_gb(encoding) {
        return invalid_bytes_decoded(encoding, bytes);
    }
    let mut runs = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        match sequence_at(encoding, &bytes[at..]) {
            Sequence::Complete(len) => at += len,
            Sequence::Invalid(len) => {
                runs.push((at, len));
                at += len;
            }
            Sequence::Unfinished => {
                runs.push((at, bytes.len() - at));
                break;
            }
        }
    }
    runs
}

/// [`invalid_bytes`] by encoding_rs's own decoder, over the whole input at once: each error it
/// reports is a run. Single-byte encodings would otherwise pay a decoder call per byte.
fn invalid_bytes_decoded(encoding: TextEncoding, bytes: &[u8]) -> Vec<(usize, usize)> {
    let mut runs = Vec::new();
    let mut decoder = encoding.encoding_rs().new_decoder_without_bom_handling();
    let mut scratch = [0u16; 2048];
    let mut read_total = 0;
    loop {
        let (result, read, _) =
            decoder.decode_to_utf16_without_replacement(&bytes[read_total..], &mut scratch, true);
        read_total += read;
        match result {
            DecoderResult::InputEmpty => return runs,
            DecoderResult::OutputFull => {}
            DecoderResult::Malformed(len, after) => {
                let end = read_total - usize::from(after);
                let len = usize::from(len).min(end);
                runs.push((end - len, len));
            }
        }
    }
}

/// One character of decoded bytes, or one byte that is not part of any.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Piece {
    /// Where it starts in the bytes.
    pub start: usize,
    pub len: usize,
    /// `None` for an invalid byte (then `len` is 1).
    pub text: Option<Decoded>,
}

/// What one well-formed sequence decodes to: a character, and for four Big5 codes (88 62,
/// 88 64, 88 A3, 88 A5) the combining mark that follows it (Ê̄ is U+00CA U+0304).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decoded {
    pub ch: char,
    pub mark: Option<char>,
}

impl Decoded {
    pub fn chars(self) -> impl Iterator<Item = char> {
        std::iter::once(self.ch).chain(self.mark)
    }
}

impl From<char> for Decoded {
    fn from(ch: char) -> Self {
        Self { ch, mark: None }
    }
}

/// Decodes `bytes` character by character, keeping each one's byte offset: what a hex dump needs
/// to put text beside its bytes. Unfinished characters at the end count as invalid bytes.
pub fn pieces(encoding: TextEncoding, bytes: &[u8]) -> Vec<Piece> {
    let mut pieces = Vec::with_capacity(bytes.len());
    let mut at = 0;
    let invalid = |start| Piece {
        start,
        len: 1,
        text: None,
    };
    while at < bytes.len() {
        let len = match sequence_at(encoding, &bytes[at..]) {
            Sequence::Complete(len) => len,
            Sequence::Invalid(len) => {
                pieces.extend((at..at + len).map(invalid));
                at += len;
                continue;
            }
            Sequence::Unfinished => {
                pieces.extend((at..bytes.len()).map(invalid));
                break;
            }
        };
        match decode_one(encoding, &bytes[at..at + len]) {
            Some(text) => pieces.push(Piece {
                start: at,
                len,
                text: Some(text),
            }),
            // A well-formed GBK pair with no character: the trail is re-read if it is ASCII.
            None if bytes[at + 1].is_ascii() => {
                pieces.push(invalid(at));
                at += 1;
                continue;
            }
            None => pieces.extend((at..at + len).map(invalid)),
        }
        at += len;
    }
    pieces
}

fn sequence_at(encoding: TextEncoding, bytes: &[u8]) -> Sequence {
    match (encoding, encoding.utf16_order()) {
        (TextEncoding::Utf8, _) => utf8_sequence(bytes),
        (_, Some(order)) => utf16_sequence(order, bytes),
        _ if is_gb(encoding) => gbk_sequence(bytes),
        _ => decoded_sequence(encoding, bytes),
    }
}

/// UTF-16 as encoding_rs decodes it: a code unit, or a high surrogate and a low one; a
/// surrogate without its other half is two invalid bytes, and what follows is read again.
fn utf16_sequence(order: Utf16Order, bytes: &[u8]) -> Sequence {
    let unit = |at: usize| Some(order.unit([*bytes.get(at)?, *bytes.get(at + 1)?]));
    let Some(first) = unit(0) else {
        return Sequence::Unfinished;
    };
    match first {
        0xD800..=0xDBFF => match unit(2) {
            Some(0xDC00..=0xDFFF) => Sequence::Complete(4),
            Some(_) => Sequence::Invalid(2),
            None => Sequence::Unfinished,
        },
        0xDC00..=0xDFFF => Sequence::Invalid(2),
        _ => Sequence::Complete(2),
    }
}

/// The first character of `bytes` as encoding_rs's decoder reads it, fed one byte at a time.
/// Its decoders for these encodings never take back a byte once consumed: an ASCII byte that
/// fails a sequence is left unread, and the error's length counts the bytes before it.
fn decoded_sequence(encoding: TextEncoding, bytes: &[u8]) -> Sequence {
    let mut decoder = encoding.encoding_rs().new_decoder_without_bom_handling();
    // Big5 decodes some pairs to two characters.
    let mut out = [0u16; 4];
    for (fed, byte) in bytes.iter().enumerate() {
        let (result, _, written) = decoder.decode_to_utf16_without_replacement(
            std::slice::from_ref(byte),
            &mut out,
            false,
        );
        match result {
            DecoderResult::Malformed(len, _) => return Sequence::Invalid(usize::from(len).max(1)),
            _ if written > 0 => return Sequence::Complete(fed + 1),
            _ => {}
        }
    }
    Sequence::Unfinished
}

/// The text of one well-formed sequence, if the encoding maps it.
fn decode_one(encoding: TextEncoding, sequence: &[u8]) -> Option<Decoded> {
    if let [byte] = sequence
        && byte.is_ascii()
    {
        return Some(char::from(*byte).into());
    }
    let text = match encoding {
        TextEncoding::Utf8 => std::str::from_utf8(sequence)
            .ok()
            .map(std::borrow::Cow::Borrowed),
        _ => encoding
            .encoding_rs()
            .decode_without_bom_handling_and_without_replacement(sequence),
    }?;
    let mut chars = text.chars();
    let ch = chars.next()?;
    Some(Decoded {
        ch,
        mark: chars.next(),
    })
}

#[cfg(test)]
mod tests;
