//! Escape sequences in the send box's text (when "Escapes" is on): `\r \n \t \\ \0 \xNN`.
//! `\xNN` is a raw byte, not a character, so text runs are encoded apart from it; the others
//! are characters, in the encoding (two bytes each in UTF-16).

use std::fmt::{self, Write as _};

use super::text::{EncodeError, TextEncoding};

/// What is wrong with an escape sequence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EscapeErrorKind {
    Unknown(char),
    /// `\x` not followed by two hex digits.
    ShortHex,
    /// A `\` with nothing after it.
    Trailing,
}

impl fmt::Display for EscapeErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unknown(ch) => write!(
                f,
                "unknown escape '\\{}' (use \\r \\n \\t \\\\ \\0 or \\xNN)",
                ch.escape_debug()
            ),
            Self::ShortHex => f.write_str("\\x needs two hex digits, e.g. \\x0D"),
            Self::Trailing => f.write_str("a lone '\\' at the end (write \\\\ for a backslash)"),
        }
    }
}

/// An escape error, pointing at its backslash.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{kind} at line {line}, column {column}")]
pub struct EscapeError {
    pub kind: EscapeErrorKind,
    /// 1-based line number.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EscapedError {
    #[error(transparent)]
    Escape(#[from] EscapeError),
    #[error(transparent)]
    Encode(#[from] EncodeError),
}

/// A place in the input, 1-based, in characters.
#[derive(Clone, Copy)]
struct Position {
    line: usize,
    column: usize,
}

impl Position {
    fn advance(&mut self, ch: char) {
        if ch == '\n' {
            self.line += 1;
            self.column = 1;
        } else {
            self.column += 1;
        }
    }
}

/// Encodes `input` with `encoding`, replacing escape sequences by what they stand for. Errors
/// point at the input as typed.
pub fn encode_escaped(input: &str, encoding: TextEncoding) -> Result<Vec<u8>, EscapedError> {
    let mut out = Vec::with_capacity(input.len());
    // The literal text since the last escape, and where it starts.
    let mut run_start = 0;
    let mut run_position = Position { line: 1, column: 1 };
    let mut position = run_position;
    let mut chars = input.char_indices().peekable();
    while let Some((at, ch)) = chars.next() {
        if ch != '\\' {
            position.advance(ch);
            continue;
        }
        encode_run(&input[run_start..at], run_position, encoding, &mut out)?;
        let error = |kind| EscapeError {
            kind,
            line: position.line,
            column: position.column,
        };
        let Some((_, escape)) = chars.next() else {
            return Err(error(EscapeErrorKind::Trailing).into());
        };
        let mut width = 2;
        let mut control = |byte: u8| match encoding.utf16_order() {
            Some(order) => out.extend(order.bytes(u16::from(byte))),
            None => out.push(byte),
        };
        match escape {
            'r' => control(b'\r'),
            'n' => control(b'\n'),
            't' => control(b'\t'),
            '\\' => control(b'\\'),
            '0' => control(0),
            'x' => {
                let digits: String = (0..2)
                    .filter_map(|_| {
                        chars
                            .next_if(|(_, c)| c.is_ascii_hexdigit())
                            .map(|(_, c)| c)
                    })
                    .collect();
                let byte = u8::from_str_radix(&digits, 16)
                    .ok()
                    .filter(|_| digits.len() == 2)
                    .ok_or_else(|| error(EscapeErrorKind::ShortHex))?;
                out.push(byte);
                width = 4;
            }
            other => return Err(error(EscapeErrorKind::Unknown(other)).into()),
        }
        position.column += width;
        run_start = chars.peek().map_or(input.len(), |&(next, _)| next);
        run_position = position;
    }
    encode_run(&input[run_start..], run_position, encoding, &mut out)?;
    Ok(out)
}

/// Encodes literal text that starts at `start` in the input, moving any error's position there.
fn encode_run(
    text: &str,
    start: Position,
    encoding: TextEncoding,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    match encoding.encode(text) {
        Ok(bytes) => {
            out.extend_from_slice(&bytes);
            Ok(())
        }
        Err(mut error) => {
            if error.line == 1 {
                error.column += start.column - 1;
            }
            error.line += start.line - 1;
            Err(error)
        }
    }
}

/// Text that [`encode_escaped`] reads back as exactly `bytes` in `encoding`: the text they
/// decode to, with `\` and control characters written as escapes, and bytes that are no text
/// in the encoding as `\xNN`. For the send box switching from hex to text with bytes that are
/// not plain text: it keeps every byte, where the plain text would lose or add some.
pub fn escaped_text(bytes: &[u8], encoding: TextEncoding) -> String {
    let mut text = String::with_capacity(bytes.len() * 2);
    if encoding == TextEncoding::Utf8 {
        for chunk in bytes.utf8_chunks() {
            chunk
                .valid()
                .chars()
                .for_each(|ch| push_escaped(&mut text, ch));
            chunk
                .invalid()
                .iter()
                .for_each(|&byte| push_byte(&mut text, byte));
        }
    } else {
        encoding
            .decode(bytes)
            .chars()
            .for_each(|ch| push_escaped(&mut text, ch));
    }
    if encode_escaped(&text, encoding).is_ok_and(|back| back == bytes) {
        return text;
    }
    // Not text in this encoding (UTF-16 of odd length, bytes GBK cannot decode): every byte
    // as itself, which a `\xNN` always is.
    text.clear();
    bytes.iter().for_each(|&byte| push_byte(&mut text, byte));
    text
}

fn push_escaped(text: &mut String, ch: char) {
    match ch {
        '\\' => text.push_str("\\\\"),
        '\r' => text.push_str("\\r"),
        '\n' => text.push_str("\\n"),
        '\t' => text.push_str("\\t"),
        '\0' => text.push_str("\\0"),
        // A control character as its byte: right in the ASCII-based encodings, and the
        // round trip in `escaped_text` catches the others.
        ch if ch.is_ascii_control() => push_byte(text, ch as u8),
        ch => text.push(ch),
    }
}

fn push_byte(text: &mut String, byte: u8) {
    // Writing to a String cannot fail.
    let _ = write!(text, "\\x{byte:02X}");
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    fn utf8(input: &str) -> Result<Vec<u8>, EscapedError> {
        encode_escaped(input, TextEncoding::Utf8)
    }

    #[test]
    fn replaces_each_escape() {
        assert_eq!(utf8(r"a\r\nb\tc\\d\0e").unwrap(), b"a\r\nb\tc\\d\0e");
        assert_eq!(utf8(r"\x00\xff\xAB").unwrap(), [0x00, 0xFF, 0xAB]);
        assert_eq!(utf8("no escapes").unwrap(), b"no escapes");
        assert_eq!(utf8("").unwrap(), b"");
    }

    #[test]
    fn raw_bytes_sit_between_encoded_text() {
        let gbk = encode_escaped(r"你\xFF好\n", TextEncoding::Gbk).unwrap();
        assert_eq!(gbk, [0xC4, 0xE3, 0xFF, 0xBA, 0xC3, b'\n']);
        let utf8 = utf8(r"你\xFF").unwrap();
        assert_eq!(utf8, [0xE4, 0xBD, 0xA0, 0xFF]);
    }

    #[test]
    fn escaped_characters_are_code_units_in_utf16_and_raw_bytes_stay_bytes() {
        let le = encode_escaped(r"A\r\n\xFF你", TextEncoding::Utf16Le).unwrap();
        assert_eq!(le, [0x41, 0, 0x0D, 0, 0x0A, 0, 0xFF, 0x60, 0x4F]);
        let be = encode_escaped(r"\0\\😀", TextEncoding::Utf16Be).unwrap();
        assert_eq!(be, [0, 0, 0, 0x5C, 0xD8, 0x3D, 0xDE, 0x00]);
    }

    #[test]
    fn errors_point_at_the_backslash() {
        let error = |input| match utf8(input).unwrap_err() {
            EscapedError::Escape(error) => (error.kind, error.line, error.column),
            other => panic!("{other:?}"),
        };
        assert_eq!(error(r"ab\q"), (EscapeErrorKind::Unknown('q'), 1, 3));
        assert_eq!(error("x\ny\\x1"), (EscapeErrorKind::ShortHex, 2, 2));
        assert_eq!(error(r"\xZZ"), (EscapeErrorKind::ShortHex, 1, 1));
        assert_eq!(error(r"\n\n\"), (EscapeErrorKind::Trailing, 1, 5));
        let message = utf8(r"\q").unwrap_err().to_string();
        assert!(message.starts_with(r"unknown escape '\q'"), "{message}");
        assert!(message.ends_with("at line 1, column 1"), "{message}");
    }

    #[test]
    fn encode_errors_point_at_the_input_as_typed() {
        let error = encode_escaped("ok\\x01 😀", TextEncoding::Gbk).unwrap_err();
        let EscapedError::Encode(error) = error else {
            panic!("{error:?}")
        };
        assert_eq!((error.ch, error.line, error.column), ('😀', 1, 8));
        let error = encode_escaped("a\\n\nb 😀", TextEncoding::Gbk).unwrap_err();
        let EscapedError::Encode(error) = error else {
            panic!("{error:?}")
        };
        assert_eq!((error.line, error.column), (2, 3));
    }

    #[test]
    fn bytes_that_are_not_plain_text_come_back_exactly_through_escapes() {
        let modbus = [0x01, 0x03, 0x00, 0x00, 0x00, 0x0A, 0xC5, 0xCD];
        let text = escaped_text(&modbus, TextEncoding::Utf8);
        assert_eq!(text, r"\x01\x03\0\0\0\n\xC5\xCD");
        let gbk = [0xC4, 0xE3, 0xBA, 0xC3, b'\\', b'\r'];
        assert_eq!(escaped_text(&gbk, TextEncoding::Gbk), r"你好\\\r");
        let mut next = crate::test_rng::xorshift(0x05EE_DE5C);
        for encoding in TextEncoding::ALL {
            for len in 0..64 {
                let bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
                let text = escaped_text(&bytes, encoding);
                let back = encode_escaped(&text, encoding).unwrap();
                assert_eq!(back, bytes, "{encoding} {text:?}");
            }
        }
    }
}
