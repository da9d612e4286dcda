//! Where characters end in a byte stream, so a character split across two reads (or two frames)
//! can be shown whole. Pure functions over the byte grammar of each encoding.

use super::TextEncoding;

/// The longest unfinished character a stream can end in: 3 bytes of a 4-byte UTF-8 or GB18030
/// sequence.
pub const MAX_TAIL: usize = 3;

/// How many bytes at the end of `bytes` start a character that the next bytes could finish.
/// `bytes` must begin at a character boundary. Bytes that can never become a valid character
/// are not a tail: they are invalid now and stay so.
pub fn incomplete_tail(encoding: TextEncoding, bytes: &[u8]) -> usize {
    let sequence_at = match encoding {
        TextEncoding::Utf8 => utf8_sequence,
        TextEncoding::Gbk => gbk_sequence,
    };
    let mut at = 0;
    while at < bytes.len() {
        match sequence_at(&bytes[at..]) {
            Sequence::Complete(len) | Sequence::Invalid(len) => at += len,
            Sequence::Unfinished => return bytes.len() - at,
        }
    }
    0
}

/// Whether `tail`, the unfinished end of one entry, goes on in `next`: true when the first
/// character of `tail` then `next` is whole or still a valid start.
pub fn starts_character(encoding: TextEncoding, tail: &[u8], next: &[u8]) -> bool {
    let mut joined = [0; 2 * MAX_TAIL + 1];
    let take = next.len().min(MAX_TAIL + 1);
    joined[..tail.len()].copy_from_slice(tail);
    joined[tail.len()..tail.len() + take].copy_from_slice(&next[..take]);
    let joined = &joined[..tail.len() + take];
    let sequence = match encoding {
        TextEncoding::Utf8 => utf8_sequence(joined),
        TextEncoding::Gbk => gbk_sequence(joined),
    };
    match sequence {
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

/// GBK as encoding_rs decodes it (the GB18030 decoder): one byte up to 0x80, two bytes with a
/// lead 0x81-0xFE and a trail 0x40-0x7E or 0x80-0xFE, or four bytes lead, digit, lead, digit.
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
        return Sequence::Invalid(1);
    }
    let Some(&third) = bytes.get(2) else {
        return Sequence::Unfinished;
    };
    if !lead_range.contains(&third) {
        return Sequence::Invalid(2);
    }
    let Some(&fourth) = bytes.get(3) else {
        return Sequence::Unfinished;
    };
    if digit.contains(&fourth) {
        Sequence::Complete(4)
    } else {
        Sequence::Invalid(3)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_unfinished_utf8_characters() {
        let text = "a你😀".as_bytes(); // 1 + 3 + 4 bytes
        assert_eq!(incomplete_tail(TextEncoding::Utf8, text), 0);
        assert_eq!(incomplete_tail(TextEncoding::Utf8, &text[..2]), 1);
        assert_eq!(incomplete_tail(TextEncoding::Utf8, &text[..3]), 2);
        assert_eq!(incomplete_tail(TextEncoding::Utf8, &text[..5]), 1);
        assert_eq!(incomplete_tail(TextEncoding::Utf8, &text[..7]), 3);
        // Never valid, so never carried: a lone continuation byte, an overlong lead, 0xFF.
        for invalid in [&[0x80][..], &[0xC0], &[0xFF], &[0xE0, 0x80]] {
            assert_eq!(
                incomplete_tail(TextEncoding::Utf8, invalid),
                0,
                "{invalid:x?}"
            );
        }
        // A malformed sequence followed by a real start: the start is the tail.
        assert_eq!(incomplete_tail(TextEncoding::Utf8, &[0xE4, 0x41, 0xE4]), 1);
    }

    #[test]
    fn finds_unfinished_gbk_characters() {
        let gbk = [b'a', 0xC4, 0xE3, 0x81, 0x30, 0x81, 0x30]; // a, 你, a four-byte GB18030 code
        assert_eq!(incomplete_tail(TextEncoding::Gbk, &gbk), 0);
        assert_eq!(incomplete_tail(TextEncoding::Gbk, &gbk[..2]), 1);
        assert_eq!(incomplete_tail(TextEncoding::Gbk, &gbk[..4]), 1);
        assert_eq!(incomplete_tail(TextEncoding::Gbk, &gbk[..5]), 2);
        assert_eq!(incomplete_tail(TextEncoding::Gbk, &gbk[..6]), 3);
        assert_eq!(incomplete_tail(TextEncoding::Gbk, &[0xFF]), 0);
        assert_eq!(
            incomplete_tail(TextEncoding::Gbk, &[0x80]),
            0,
            "0x80 is € on its own"
        );
        // A trail byte in the lead range is read as part of the pair, not as a new lead.
        assert_eq!(incomplete_tail(TextEncoding::Gbk, &[0xC4, 0xE3, 0xC4]), 1);
    }
}
