//! Text encodings for turning typed text into bytes and received bytes into text.

use std::borrow::Cow;
use std::fmt;

use encoding_rs::{EncoderResult, Encoding};

/// The character encodings a session can use for text payloads: every encoding `encoding_rs`
/// has whose bytes keep ASCII's meaning (so `\n` is one byte and never inside a character),
/// and UTF-16 in both byte orders (a `\n` is two bytes there, and 0x0A sits inside many
/// characters: see [`Self::newlines`]). Left out: ISO-2022-JP (escape sequences change what
/// later bytes mean, across messages), and WHATWG's "replacement" (decodes everything to one
/// U+FFFD).
///
/// The variants' names are what settings files store.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum TextEncoding {
    #[default]
    Utf8,
    Utf16Le,
    Utf16Be,
    Gbk,
    Gb18030,
    Big5,
    ShiftJis,
    EucJp,
    EucKr,
    Windows1252,
    Iso8859_15,
    Macintosh,
    Windows1250,
    Iso8859_2,
    Iso8859_16,
    Windows1251,
    Koi8R,
    Koi8U,
    Iso8859_5,
    Ibm866,
    MacCyrillic,
    Windows1253,
    Iso8859_7,
    Windows1254,
    Iso8859_3,
    Windows1255,
    Iso8859_8,
    Iso8859_8I,
    Windows1256,
    Iso8859_6,
    Windows1257,
    Iso8859_4,
    Iso8859_13,
    Windows1258,
    Windows874,
    Iso8859_10,
    Iso8859_14,
    XUserDefined,
}

impl TextEncoding {
    /// In the order menus offer them: Unicode, Chinese, Japanese, Korean, then by script.
    pub const ALL: [Self; 38] = [
        Self::Utf8,
        Self::Utf16Le,
        Self::Utf16Be,
        Self::Gbk,
        Self::Gb18030,
        Self::Big5,
        Self::ShiftJis,
        Self::EucJp,
        Self::EucKr,
        Self::Windows1252,
        Self::Iso8859_15,
        Self::Macintosh,
        Self::Windows1250,
        Self::Iso8859_2,
        Self::Iso8859_16,
        Self::Windows1251,
        Self::Koi8R,
        Self::Koi8U,
        Self::Iso8859_5,
        Self::Ibm866,
        Self::MacCyrillic,
        Self::Windows1253,
        Self::Iso8859_7,
        Self::Windows1254,
        Self::Iso8859_3,
        Self::Windows1255,
        Self::Iso8859_8,
        Self::Iso8859_8I,
        Self::Windows1256,
        Self::Iso8859_6,
        Self::Windows1257,
        Self::Iso8859_4,
        Self::Iso8859_13,
        Self::Windows1258,
        Self::Windows874,
        Self::Iso8859_10,
        Self::Iso8859_14,
        Self::XUserDefined,
    ];

    /// The `encoding_rs` encoding that decodes and encodes it.
    pub fn encoding_rs(self) -> &'static Encoding {
        use encoding_rs as e;
        match self {
            Self::Utf8 => e::UTF_8,
            Self::Utf16Le => e::UTF_16LE,
            Self::Utf16Be => e::UTF_16BE,
            Self::Gbk => e::GBK,
            Self::Gb18030 => e::GB18030,
            Self::Big5 => e::BIG5,
            Self::ShiftJis => e::SHIFT_JIS,
            Self::EucJp => e::EUC_JP,
            Self::EucKr => e::EUC_KR,
            Self::Windows1252 => e::WINDOWS_1252,
            Self::Iso8859_15 => e::ISO_8859_15,
            Self::Macintosh => e::MACINTOSH,
            Self::Windows1250 => e::WINDOWS_1250,
            Self::Iso8859_2 => e::ISO_8859_2,
            Self::Iso8859_16 => e::ISO_8859_16,
            Self::Windows1251 => e::WINDOWS_1251,
            Self::Koi8R => e::KOI8_R,
            Self::Koi8U => e::KOI8_U,
            Self::Iso8859_5 => e::ISO_8859_5,
            Self::Ibm866 => e::IBM866,
            Self::MacCyrillic => e::X_MAC_CYRILLIC,
            Self::Windows1253 => e::WINDOWS_1253,
            Self::Iso8859_7 => e::ISO_8859_7,
            Self::Windows1254 => e::WINDOWS_1254,
            Self::Iso8859_3 => e::ISO_8859_3,
            Self::Windows1255 => e::WINDOWS_1255,
            Self::Iso8859_8 => e::ISO_8859_8,
            Self::Iso8859_8I => e::ISO_8859_8_I,
            Self::Windows1256 => e::WINDOWS_1256,
            Self::Iso8859_6 => e::ISO_8859_6,
            Self::Windows1257 => e::WINDOWS_1257,
            Self::Iso8859_4 => e::ISO_8859_4,
            Self::Iso8859_13 => e::ISO_8859_13,
            Self::Windows1258 => e::WINDOWS_1258,
            Self::Windows874 => e::WINDOWS_874,
            Self::Iso8859_10 => e::ISO_8859_10,
            Self::Iso8859_14 => e::ISO_8859_14,
            Self::XUserDefined => e::X_USER_DEFINED,
        }
    }

    /// The encoding a WHATWG label names (`gbk`, `big5`, `sjis`, `latin1`, `cp1251`, ...), if it
    /// is one of these. As in browsers, `iso-8859-1` and `ascii` name windows-1252.
    pub fn from_label(label: &str) -> Option<Self> {
        let wanted = Encoding::for_label(label.trim().as_bytes())?;
        Self::ALL
            .into_iter()
            .find(|encoding| encoding.encoding_rs() == wanted)
    }

    /// Decodes bytes, replacing anything invalid with U+FFFD so received data always shows.
    pub fn decode(self, bytes: &[u8]) -> Cow<'_, str> {
        match self {
            // Validation first: its ASCII fast path is several times the lossy decoder's
            // pace on valid text, and only invalid text needs the replacing.
            Self::Utf8 => match std::str::from_utf8(bytes) {
                Ok(text) => Cow::Borrowed(text),
                Err(_) => String::from_utf8_lossy(bytes),
            },
            // encoding_rs's GBK decoder is GB18030's, so four-byte sequences decode too.
            _ => self.encoding_rs().decode_without_bom_handling(bytes).0,
        }
    }

    /// Decodes bytes that are all valid text in this encoding; `None` otherwise (nothing is
    /// replaced, so encoding the text again gives the same bytes).
    pub fn decode_exact(self, bytes: &[u8]) -> Option<Cow<'_, str>> {
        self.encoding_rs()
            .decode_without_bom_handling_and_without_replacement(bytes)
    }

    /// Encodes text, refusing characters the encoding cannot represent.
    ///
    /// Silently substituting (as `encoding_rs::Encoding::encode` does with HTML
    /// numeric references) would send bytes the user never typed.
    pub fn encode(self, text: &str) -> Result<Cow<'_, [u8]>, EncodeError> {
        match self.utf16_order() {
            // encoding_rs encodes UTF-16 to UTF-8, as the WHATWG standard has it for forms;
            // every character has a UTF-16 form.
            Some(order) => Ok(Cow::Owned(
                text.encode_utf16()
                    .flat_map(|unit| order.bytes(unit))
                    .collect(),
            )),
            // ASCII is the same in every other encoding offered, so it needs no copy.
            None if self == Self::Utf8 || text.is_ascii() => Ok(Cow::Borrowed(text.as_bytes())),
            None => encode_refusing_unmappable(text, self).map(Cow::Owned),
        }
    }

    /// The byte order of a UTF-16 encoding; `None` for the others, which all keep ASCII's bytes.
    pub fn utf16_order(self) -> Option<Utf16Order> {
        match self {
            Self::Utf16Le => Some(Utf16Order::Little),
            Self::Utf16Be => Some(Utf16Order::Big),
            _ => None,
        }
    }

    /// `\n` in this encoding: the byte 0x0A, or one UTF-16 code unit.
    pub fn newline(self) -> &'static [u8] {
        match self.utf16_order() {
            Some(Utf16Order::Little) => &[0x0A, 0x00],
            Some(Utf16Order::Big) => &[0x00, 0x0A],
            None => b"\n",
        }
    }

    /// Whether `bytes` hold a control character that text does not: any C0 control but tab,
    /// line feed and carriage return, or DEL. Such data (a Modbus frame, say) is one line in
    /// the log, its `\n` bytes shown as escapes rather than breaking it. No encoding offered
    /// uses these bytes inside a character (GBK's and Big5's trail bytes start at 0x40).
    pub fn looks_binary(self, bytes: &[u8]) -> bool {
        let binary =
            |unit: u16| (unit < 0x20 && !matches!(unit, 0x09 | 0x0A | 0x0D)) || unit == 0x7F;
        match self.utf16_order() {
            // A chunk at a time without an early exit inside it, so the compiler can use
            // SIMD: this runs on every read of a flood.
            None => bytes.chunks(64).any(|chunk| {
                chunk
                    .iter()
                    .fold(false, |found, &byte| found | binary(u16::from(byte)))
            }),
            Some(order) => bytes
                .chunks_exact(2)
                .any(|pair| binary(order.unit([pair[0], pair[1]]))),
        }
    }

    /// Where each `\n` starts in `bytes`, which start at a character boundary. In UTF-16 only
    /// a whole code unit at an even offset is one; 0x0A elsewhere is part of another character.
    pub fn newlines(self, bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
        let order = self.utf16_order();
        memchr::memchr_iter(b'\n', bytes).filter_map(move |at| match order {
            None => Some(at),
            Some(Utf16Order::Little) => {
                (at % 2 == 0 && bytes.get(at + 1) == Some(&0)).then_some(at)
            }
            Some(Utf16Order::Big) => (at % 2 == 1 && bytes[at - 1] == 0).then(|| at - 1),
        })
    }
}

/// Which byte of a UTF-16 code unit comes first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Utf16Order {
    Little,
    Big,
}

impl Utf16Order {
    pub fn encoding(self) -> TextEncoding {
        match self {
            Self::Little => TextEncoding::Utf16Le,
            Self::Big => TextEncoding::Utf16Be,
        }
    }

    pub fn bytes(self, unit: u16) -> [u8; 2] {
        match self {
            Self::Little => unit.to_le_bytes(),
            Self::Big => unit.to_be_bytes(),
        }
    }

    pub fn unit(self, bytes: [u8; 2]) -> u16 {
        match self {
            Self::Little => u16::from_le_bytes(bytes),
            Self::Big => u16::from_be_bytes(bytes),
        }
    }
}

/// The name shown in the UI: encoding_rs's (`UTF-8`, `GBK`, `Big5`, `Shift_JIS`,
/// `windows-1252`), but `GB18030` in capitals as its standard writes it.
impl fmt::Display for TextEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Gb18030 => "GB18030",
            _ => self.encoding_rs().name(),
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
    pub(crate) fn at(text: &str, offset: usize, ch: char, encoding: TextEncoding) -> Self {
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

/// Encodes with encoding_rs's encoder for `encoding`, reporting the first character it cannot
/// represent. The GBK encoder reports (rather than four-byte encodes) anything outside GBK,
/// such as emoji; GB18030's encodes every character. U+20AC '€' is the single byte 0x80 in both.
fn encode_refusing_unmappable(text: &str, encoding: TextEncoding) -> Result<Vec<u8>, EncodeError> {
    let mut encoder = encoding.encoding_rs().new_encoder();
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
                return Err(EncodeError::at(text, offset, ch, encoding));
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests;
