//! Text encodings for turning typed text into bytes and received bytes into text.

use std::borrow::Cow;
use std::fmt::{self, Write as _};
use std::ops::Range;

use encoding_rs::EncoderResult;

/// The character encodings a session can use for text payloads.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum TextEncoding {
    #[default]
    Utf8,
    Gbk,
}

impl TextEncoding {
    pub const ALL: [Self; 2] = [Self::Utf8, Self::Gbk];

    /// The name used on the command line: `utf-8`, `gbk`.
    pub fn cli_name(self) -> &'static str {
        match self {
            Self::Utf8 => "utf-8",
            Self::Gbk => "gbk",
        }
    }

    /// Decodes bytes, replacing anything invalid with U+FFFD so received data always shows.
    pub fn decode(self, bytes: &[u8]) -> Cow<'_, str> {
        match self {
            Self::Utf8 => String::from_utf8_lossy(bytes),
            // encoding_rs's GBK decoder is GB18030's, so four-byte sequences decode too.
            Self::Gbk => encoding_rs::GBK.decode_without_bom_handling(bytes).0,
        }
    }

    /// Decodes bytes for display: each byte that is not part of a valid character is written
    /// as `\xNN` (and marked), so the user sees exactly what arrived, not a replacement mark.
    /// Which bytes are invalid follows the WHATWG decoders that encoding_rs implements.
    pub fn decode_marked(self, bytes: &[u8]) -> MarkedText {
        let mut marked = MarkedText {
            text: String::with_capacity(bytes.len() + 8),
            marks: Vec::new(),
        };
        let mut run_start = 0;
        for (start, len) in super::stream::invalid_bytes(self, bytes) {
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
            Self::Gbk => encoding_rs::GBK.decode_without_bom_handling_and_without_replacement(run),
        };
        match decoded {
            Some(text) => marked.text.push_str(&text),
            // Not expected (the scanner follows the same grammar); never lose the bytes.
            None => marked.mark_bytes(run),
        }
    }

    /// Encodes text, refusing characters the encoding cannot represent.
    ///
    /// Silently substituting (as `encoding_rs::Encoding::encode` does with HTML
    /// numeric references) would send bytes the user never typed.
    pub fn encode(self, text: &str) -> Result<Cow<'_, [u8]>, EncodeError> {
        // ASCII is the same in both encodings, so it needs no copy.
        if self == Self::Utf8 || text.is_ascii() {
            return Ok(Cow::Borrowed(text.as_bytes()));
        }
        encode_gbk(text).map(Cow::Owned)
    }
}

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

/// The name shown in the UI: `UTF-8`, `GBK`.
impl fmt::Display for TextEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Utf8 => "UTF-8",
            Self::Gbk => "GBK",
        })
    }
}

/// A character that the chosen encoding cannot represent, with where it is in the input.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "'{ch}' (U+{code:04X}) at line {line}, column {column} cannot be encoded in {encoding}",
    code = u32::from(*ch)
)]
pub struct EncodeError {
    pub ch: char,
    /// 1-based line number.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
    pub encoding: TextEncoding,
}

impl EncodeError {
    /// Builds the error for `ch`, which starts at byte `offset` of `text`.
    fn at(text: &str, offset: usize, ch: char, encoding: TextEncoding) -> Self {
        let before = &text[..offset];
        let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
        Self {
            ch,
            line: before.matches('\n').count() + 1,
            column: before[line_start..].chars().count() + 1,
            encoding,
        }
    }
}

/// Encodes with the plain GBK encoder, which reports (rather than four-byte
/// encodes) anything outside GBK, such as emoji. U+20AC '€' maps to the single byte 0x80.
fn encode_gbk(text: &str) -> Result<Vec<u8>, EncodeError> {
    let mut encoder = encoding_rs::GBK.new_encoder();
    let mut out = Vec::new();
    let mut read_total = 0;
    loop {
        let rest = &text[read_total..];
        let needed = encoder
            .max_buffer_length_from_utf8_without_replacement(rest.len())
            .unwrap_or(rest.len());
        out.reserve(needed);
        let (result, read) =
            encoder.encode_from_utf8_to_vec_without_replacement(rest, &mut out, true);
        read_total += read;
        match result {
            EncoderResult::InputEmpty => return Ok(out),
            // Only possible if the size estimate was short; reserve again and go on.
            EncoderResult::OutputFull => {}
            EncoderResult::Unmappable(ch) => {
                // The unmappable character counts as read.
                let offset = read_total - ch.len_utf8();
                return Err(EncodeError::at(text, offset, ch, TextEncoding::Gbk));
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    const CHINESE: &str = "你好，世界！Hello 网络调试助手";

    #[test]
    fn utf8_round_trip() {
        let bytes = TextEncoding::Utf8.encode(CHINESE).unwrap();
        assert_eq!(&*bytes, CHINESE.as_bytes());
        assert_eq!(TextEncoding::Utf8.decode(&bytes), CHINESE);
    }

    #[test]
    fn gbk_round_trip() {
        let bytes = TextEncoding::Gbk.encode(CHINESE).unwrap();
        assert_ne!(&*bytes, CHINESE.as_bytes());
        assert_eq!(TextEncoding::Gbk.decode(&bytes), CHINESE);
    }

    #[test]
    fn gbk_known_bytes() {
        let bytes = TextEncoding::Gbk.encode("你好").unwrap();
        assert_eq!(&*bytes, [0xc4, 0xe3, 0xba, 0xc3]);
        assert_eq!(TextEncoding::Gbk.decode(&[0xc4, 0xe3, 0xba, 0xc3]), "你好");
    }

    #[test]
    fn gbk_euro_is_single_byte() {
        assert_eq!(&*TextEncoding::Gbk.encode("€").unwrap(), [0x80]);
        assert_eq!(TextEncoding::Gbk.decode(&[0x80]), "€");
    }

    #[test]
    fn gbk_decodes_four_byte_gb18030() {
        // The GBK decoder is GB18030's, so 0x82 0x35 0x91 0x32 decodes.
        assert_eq!(
            TextEncoding::Gbk.decode(&[0x82, 0x35, 0x91, 0x32]),
            "\u{9FB9}"
        );
    }

    #[test]
    fn invalid_utf8_becomes_replacement() {
        let decoded = TextEncoding::Utf8.decode(b"ab\xffcd");
        assert_eq!(decoded, "ab\u{FFFD}cd");
    }

    #[test]
    fn invalid_gbk_becomes_replacement() {
        // 0xFF is never valid; the following "你" still decodes.
        let decoded = TextEncoding::Gbk.decode(&[b'a', 0xff, 0xc4, 0xe3, b'z']);
        assert_eq!(decoded, "a\u{FFFD}你z");
    }

    #[test]
    fn unmappable_char_reports_position() {
        let err = TextEncoding::Gbk.encode("第一行\nab😀c").unwrap_err();
        assert_eq!(
            err,
            EncodeError {
                ch: '😀',
                line: 2,
                column: 3,
                encoding: TextEncoding::Gbk
            }
        );
        assert_eq!(
            err.to_string(),
            "'😀' (U+1F600) at line 2, column 3 cannot be encoded in GBK"
        );
    }

    #[test]
    fn unmappable_first_char() {
        let err = TextEncoding::Gbk.encode("😀").unwrap_err();
        assert_eq!((err.line, err.column), (1, 1));
    }

    #[test]
    fn unmappable_bmp_char_is_reported() {
        // Hangul is outside GBK, and would need a four-byte GB18030 sequence.
        let err = TextEncoding::Gbk.encode("中한").unwrap_err();
        assert_eq!((err.ch, err.line, err.column), ('한', 1, 2));
        assert_eq!(
            err.to_string(),
            "'한' (U+D55C) at line 1, column 2 cannot be encoded in GBK"
        );
    }

    #[test]
    fn ascii_passes_through() {
        let text = "Hello\r\n\t~\0";
        for encoding in TextEncoding::ALL {
            let bytes = encoding.encode(text).unwrap();
            assert!(matches!(bytes, Cow::Borrowed(_)));
            assert_eq!(&*bytes, text.as_bytes());
            assert_eq!(encoding.decode(text.as_bytes()), text);
        }
    }

    #[test]
    fn names() {
        assert_eq!(TextEncoding::default(), TextEncoding::Utf8);
        assert_eq!(TextEncoding::Utf8.to_string(), "UTF-8");
        assert_eq!(TextEncoding::Gbk.to_string(), "GBK");
        assert_eq!(TextEncoding::Utf8.cli_name(), "utf-8");
        assert_eq!(TextEncoding::Gbk.cli_name(), "gbk");
    }

    #[test]
    fn decode_marked_shows_invalid_bytes_as_escapes() {
        let utf8 = [b'a', 0xFF, 0xE4, 0xBD, 0xA0, 0xE4, 0xBD];
        let marked = TextEncoding::Utf8.decode_marked(&utf8);
        assert_eq!(marked.text, "a\\xFF你\\xE4\\xBD");
        assert_eq!(marked.marks, [1..5, 8..16]);
        let gbk = [0xC4, 0xE3, 0x80, b'x', 0xC4];
        assert_eq!(TextEncoding::Gbk.decode_marked(&gbk).text, "你€x\\xC4");
        assert_eq!(
            TextEncoding::Gbk.decode_marked(&[0xFF, b'y']).text,
            "\\xFFy"
        );
        let all: Vec<u8> = (0..=255).collect();
        let marked = TextEncoding::Utf8.decode_marked(&all).text;
        assert!(marked.starts_with('\0') && marked.ends_with("\\xFF"));
        assert!(!marked.contains('\u{FFFD}'));
    }
}
