//! Hex dumps for the log view and log files, and lenient hex parsing for the send box.

use std::fmt;

/// Lowercase hex without separators, as in `.jsonl` and `.csv` logs: `48656c6c6f`.
pub fn to_hex(bytes: &[u8]) -> String {
    let mut out = Vec::new();
    push_hex(&mut out, bytes);
    // Only hex digits were written.
    String::from_utf8(out).unwrap_or_default()
}

/// Appends `bytes` as [`to_hex`] writes them. By table, 32 bytes per copy: recording a flood
/// as .jsonl spent most of its time here, formatting digits one `fmt` call at a time at
/// first, then one `push` per digit (37% of a .jsonl flood's CPU).
pub fn push_hex(out: &mut Vec<u8>, bytes: &[u8]) {
    out.reserve(bytes.len() * 2);
    let (chunks, tail) = bytes.as_chunks::<32>();
    for chunk in chunks {
        let mut digits = [0; 64];
        for (pair, &byte) in digits.as_chunks_mut::<2>().0.iter_mut().zip(chunk) {
            *pair = LOWER_PAIRS[usize::from(byte)];
        }
        out.extend_from_slice(&digits);
    }
    for &byte in tail {
        out.extend_from_slice(&LOWER_PAIRS[usize::from(byte)]);
    }
}

/// Each byte's two lowercase digits.
static LOWER_PAIRS: [[u8; 2]; 256] = lower_pairs();

const fn lower_pairs() -> [[u8; 2]; 256] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut table = [[0; 2]; 256];
    let mut byte = 0;
    while byte < 256 {
        table[byte] = [DIGITS[byte >> 4], DIGITS[byte & 0x0F]];
        byte += 1;
    }
    table
}

/// Uppercase hex with single spaces, as in the log view: `48 65 6C`.
pub fn to_spaced_hex(bytes: &[u8]) -> String {
    let mut out = Vec::new();
    push_spaced_hex(&mut out, bytes);
    // Only hex digits and spaces were written.
    String::from_utf8(out).unwrap_or_default()
}

/// Appends `bytes` as [`to_spaced_hex`] writes them. 32 bytes go through a buffer on the
/// stack and into `out` in one copy: a `--hex` flood's lines were written three bytes at a
/// time, and a copy per 8 bytes still took twice as long (1.0 s of CPU per GiB against 0.49).
pub fn push_spaced_hex(out: &mut Vec<u8>, bytes: &[u8]) {
    let Some((&first, rest)) = bytes.split_first() else {
        return;
    };
    out.reserve(bytes.len() * 3);
    out.extend_from_slice(&SPACED[usize::from(first)][1..3]);
    let (chunks, tail) = rest.as_chunks::<32>();
    for chunk in chunks {
        let mut spaced = [0; 32 * 3 + 1];
        for (at, &byte) in chunk.iter().enumerate() {
            spaced[3 * at..3 * at + 4].copy_from_slice(&SPACED[usize::from(byte)]);
        }
        out.extend_from_slice(&spaced[..32 * 3]);
    }
    for &byte in tail {
        out.extend_from_slice(&SPACED[usize::from(byte)][..3]);
    }
}

/// Each byte as a space, its two digits, and a space more: written four bytes at a time, each
/// over the last one's extra space, they need no shifting.
static SPACED: [[u8; 4]; 256] = spaced_table();

const fn spaced_table() -> [[u8; 4]; 256] {
    let mut table = [[0; 4]; 256];
    let mut byte = 0;
    while byte < 256 {
        table[byte] = [
            b' ',
            UPPER_DIGITS[byte >> 4],
            UPPER_DIGITS[byte & 0x0F],
            b' ',
        ];
        byte += 1;
    }
    table
}

const UPPER_DIGITS: &[u8; 16] = b"0123456789ABCDEF";

/// What is wrong with a hex input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HexErrorKind {
    /// A character that is neither a hex digit nor a separator.
    InvalidDigit(char),
    /// A token with an odd number of digits: `ABC` could mean `0A BC` or `AB 0C`.
    OddDigits,
    /// A `0x` prefix with no digits after it.
    MissingDigits,
}

impl fmt::Display for HexErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidDigit(ch) => write!(f, "invalid hex digit '{}'", ch.escape_debug()),
            Self::OddDigits => f.write_str("odd number of hex digits"),
            Self::MissingDigits => f.write_str("no hex digits after 0x"),
        }
    }
}

/// A hex input error, pointing at the offending character.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{kind} at line {line}, column {column}{hint}", hint = kind.hint())]
pub struct HexError {
    pub kind: HexErrorKind,
    /// 1-based line number.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
}

impl HexErrorKind {
    fn hint(self) -> &'static str {
        match self {
            Self::OddDigits => " (write 0A, not A)",
            Self::InvalidDigit(_) | Self::MissingDigits => "",
        }
    }
}

/// Parses hex typed by a person: any case, tokens separated by whitespace or
/// commas (ASCII or full-width), each token optionally prefixed with `0x`.
/// Digits within a token pair up from its start, so `48656c` is three bytes.
pub fn parse_hex(input: &str) -> Result<Vec<u8>, HexError> {
    let mut bytes = Vec::with_capacity(input.len() / 2);
    for (line_index, line_text) in input.split('\n').enumerate() {
        let line = line_index + 1;
        let mut token = Token::default();
        for (column_index, ch) in line_text.chars().enumerate() {
            let column = column_index + 1;
            if is_separator(ch) {
                token.finish(line)?;
                token = Token::default();
            } else {
                token
                    .push(ch, column, &mut bytes)
                    .map_err(|kind| HexError { kind, line, column })?;
            }
        }
        token.finish(line)?;
    }
    Ok(bytes)
}

fn is_separator(ch: char) -> bool {
    // U+FF0C is the comma a Chinese input method types.
    ch.is_whitespace() || ch == ',' || ch == '，'
}

/// The state of one whitespace/comma-separated token while parsing.
#[derive(Default)]
struct Token {
    /// Characters seen so far, prefix included.
    len: usize,
    /// Column of the last character seen.
    last_column: usize,
    /// The first digit of a byte still waiting for its second.
    high: Option<u8>,
    /// Whether the token started with `0x`.
    prefixed: bool,
    digits: usize,
}

impl Token {
    fn push(&mut self, ch: char, column: usize, out: &mut Vec<u8>) -> Result<(), HexErrorKind> {
        self.len += 1;
        self.last_column = column;
        // A leading "0" followed by "x" was a prefix, not a digit.
        if self.len == 2 && self.high == Some(0) && matches!(ch, 'x' | 'X') {
            self.high = None;
            self.prefixed = true;
            self.digits = 0;
            return Ok(());
        }
        let Some(nibble) = ch.to_digit(16) else {
            return Err(HexErrorKind::InvalidDigit(ch));
        };
        // `to_digit(16)` is below 16, so the cast keeps every bit.
        let nibble = nibble as u8;
        self.digits += 1;
        match self.high.take() {
            Some(high) => out.push(high << 4 | nibble),
            None => self.high = Some(nibble),
        }
        Ok(())
    }

    fn finish(&self, line: usize) -> Result<(), HexError> {
        let kind = if self.high.is_some() {
            HexErrorKind::OddDigits
        } else if self.prefixed && self.digits == 0 {
            HexErrorKind::MissingDigits
        } else {
            return Ok(());
        };
        Err(HexError {
            kind,
            line,
            column: self.last_column,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {

    #[test]
    fn every_byte_is_written_as_format_writes_it() {
        let bytes: Vec<u8> = (0..=255).collect();
        let expected: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
        assert_eq!(to_hex(&bytes), expected);
        let spaced: Vec<String> = bytes.iter().map(|byte| format!("{byte:02X}")).collect();
        assert_eq!(to_spaced_hex(&bytes), spaced.join(" "));
    }

    #[test]
    fn hex_of_every_length_across_the_32_byte_steps_is_as_format_writes_it() {
        let bytes: Vec<u8> = (0..80u8)
            .map(|n| n.wrapping_mul(37).wrapping_add(5))
            .collect();
        for len in 0..bytes.len() {
            let part = &bytes[..len];
            let expected: Vec<String> = part.iter().map(|byte| format!("{byte:02X}")).collect();
            let plain: String = part.iter().map(|byte| format!("{byte:02x}")).collect();
            assert_eq!(to_hex(part), plain, "{len}");
            let mut out = b"> ".to_vec();
            push_spaced_hex(&mut out, part);
            assert_eq!(
                out,
                format!("> {}", expected.join(" ")).into_bytes(),
                "{len}"
            );
        }
    }

    use super::*;

    fn all_bytes() -> Vec<u8> {
        (0..=u8::MAX).collect()
    }

    fn error(input: &str) -> HexError {
        parse_hex(input).unwrap_err()
    }

    #[test]
    fn formats() {
        assert_eq!(to_hex(b"Hello"), "48656c6c6f");
        assert_eq!(to_spaced_hex(b"Hel"), "48 65 6C");
        assert_eq!(to_hex(&[]), "");
        assert_eq!(to_spaced_hex(&[]), "");
        assert_eq!(to_spaced_hex(&[0x0a]), "0A");
    }

    #[test]
    fn round_trip_all_bytes() {
        let bytes = all_bytes();
        assert_eq!(parse_hex(&to_hex(&bytes)).unwrap(), bytes);
        assert_eq!(parse_hex(&to_spaced_hex(&bytes)).unwrap(), bytes);
    }

    #[test]
    fn empty_and_blank_input() {
        assert_eq!(parse_hex("").unwrap(), Vec::<u8>::new());
        assert_eq!(parse_hex(" \t\n, \r\n").unwrap(), Vec::<u8>::new());
    }

    #[test]
    fn digits_pair_within_token() {
        assert_eq!(parse_hex("48656c").unwrap(), b"Hel");
        assert_eq!(parse_hex("4865 6c").unwrap(), b"Hel");
    }

    #[test]
    fn mixed_case() {
        assert_eq!(parse_hex("aB Cd eF").unwrap(), [0xab, 0xcd, 0xef]);
    }

    #[test]
    fn separators() {
        let expected = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06];
        assert_eq!(parse_hex("01,02, 03\t04\r\n05\n06").unwrap(), expected);
        assert_eq!(parse_hex("01,,02 ,03，04\u{3000}05 06,").unwrap(), expected);
    }

    #[test]
    fn prefixes() {
        assert_eq!(parse_hex("0x48 0X65,0x6c6C").unwrap(), b"Hell");
        assert_eq!(parse_hex("0x00").unwrap(), [0]);
        // A zero byte followed by more digits is not a prefix.
        assert_eq!(parse_hex("00 0a").unwrap(), [0, 0x0a]);
    }

    #[test]
    fn invalid_digit_position() {
        let err = error("48 65\n6c 6g");
        assert_eq!(
            err,
            HexError {
                kind: HexErrorKind::InvalidDigit('g'),
                line: 2,
                column: 5
            }
        );
        assert_eq!(err.to_string(), "invalid hex digit 'g' at line 2, column 5");
    }

    #[test]
    fn odd_digits_points_at_last_digit() {
        let err = error("48 65\n6c A 6f");
        assert_eq!(
            err,
            HexError {
                kind: HexErrorKind::OddDigits,
                line: 2,
                column: 4
            }
        );
        assert_eq!(
            err.to_string(),
            "odd number of hex digits at line 2, column 4 (write 0A, not A)"
        );
        let err = error("0x123");
        assert_eq!(
            (err.kind, err.line, err.column),
            (HexErrorKind::OddDigits, 1, 5)
        );
    }

    #[test]
    fn odd_digits_at_end_of_line() {
        let err = error("4\n48");
        assert_eq!(
            (err.kind, err.line, err.column),
            (HexErrorKind::OddDigits, 1, 1)
        );
    }

    #[test]
    fn non_ascii_is_invalid_digit() {
        let err = error("你好 4g");
        assert_eq!(err.kind, HexErrorKind::InvalidDigit('你'));
        assert_eq!((err.line, err.column), (1, 1));
        let err = error("48 é5");
        assert_eq!(
            (err.kind, err.line, err.column),
            (HexErrorKind::InvalidDigit('é'), 1, 4)
        );
        let err = error("4é");
        assert_eq!((err.kind, err.column), (HexErrorKind::InvalidDigit('é'), 2));
    }

    #[test]
    fn control_char_is_escaped_in_message() {
        let err = error("4\u{1}");
        assert_eq!(
            err.to_string(),
            "invalid hex digit '\\u{1}' at line 1, column 2"
        );
    }

    #[test]
    fn prefix_needs_digits() {
        let err = error("41 0x");
        assert_eq!(
            err,
            HexError {
                kind: HexErrorKind::MissingDigits,
                line: 1,
                column: 5
            }
        );
        assert_eq!(
            err.to_string(),
            "no hex digits after 0x at line 1, column 5"
        );
    }

    #[test]
    fn misplaced_x_is_invalid() {
        let err = error("410x42");
        assert_eq!((err.kind, err.column), (HexErrorKind::InvalidDigit('x'), 4));
        let err = error("0x0x");
        assert_eq!((err.kind, err.column), (HexErrorKind::InvalidDigit('x'), 4));
    }
}
