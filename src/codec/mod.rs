//! Turning what the user types into bytes, and bytes into something readable.

pub mod checksum;
pub mod escape;
pub mod hex;
pub mod marked;
pub mod stream;
pub mod template;
pub mod text;

use std::fmt;

pub use checksum::{ByteOrder, Checksum};
pub use escape::{EscapeError, EscapedError, encode_escaped};
pub use hex::{HexError, parse_hex, push_hex, push_spaced_hex, to_hex, to_spaced_hex};
pub use marked::MarkedText;
pub use template::{Template, TemplateError};
pub use text::{EncodeError, TextEncoding, Utf16Order};

/// How the send box's input is read.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum PayloadFormat {
    /// Encoded with the session's text encoding.
    #[default]
    Text,
    /// Hex digits, parsed with [`parse_hex`].
    Hex,
}

impl PayloadFormat {
    pub const ALL: [Self; 2] = [Self::Text, Self::Hex];
}

impl fmt::Display for PayloadFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Text => "Text",
            Self::Hex => "Hex",
        })
    }
}

/// Why the send box's input could not be turned into bytes.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ComposeError {
    #[error(transparent)]
    Hex(#[from] HexError),
    #[error(transparent)]
    Encode(#[from] EncodeError),
    #[error(transparent)]
    Escape(#[from] EscapeError),
    #[error(transparent)]
    Template(#[from] TemplateError),
}

impl ComposeError {
    /// The error of a piece of the input that starts at `start` (line, column), placed in
    /// the whole input.
    fn starting_at(mut self, start: (usize, usize)) -> Self {
        let (line, column) = match &mut self {
            Self::Hex(error) => (&mut error.line, &mut error.column),
            Self::Encode(error) => (&mut error.line, &mut error.column),
            Self::Escape(error) => (&mut error.line, &mut error.column),
            Self::Template(_) => return self,
        };
        if *line == 1 {
            *column += start.1 - 1;
        }
        *line += start.0 - 1;
        self
    }
}

impl From<EscapedError> for ComposeError {
    fn from(error: EscapedError) -> Self {
        match error {
            EscapedError::Escape(error) => Self::Escape(error),
            EscapedError::Encode(error) => Self::Encode(error),
        }
    }
}

/// Everything that turns the send box's input into the bytes Send puts on the wire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SendSpec {
    pub format: PayloadFormat,
    /// Encodes text input.
    pub encoding: TextEncoding,
    /// Text input only: read `\r \n \t \\ \0 \xNN`.
    pub escapes: bool,
    /// Computed over the payload and put right after it.
    pub checksum: Checksum,
    pub order: ByteOrder,
    /// Goes last, after the checksum: it ends the frame (a line end, say).
    pub suffix: Vec<u8>,
}

/// What Send puts on the wire, worked out at each send: the payload with its variables (see
/// [`template`]), its checksum, then the suffix.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Frame {
    payload: Template,
    checksum: Checksum,
    order: ByteOrder,
    suffix: Vec<u8>,
}

impl Frame {
    /// The bytes of send number `index` (from 0) at `now`.
    pub fn render(&self, index: u64, now: std::time::SystemTime) -> Vec<u8> {
        let mut bytes = self.payload.render(index, now);
        let checksum = self.checksum.bytes(&bytes, self.order);
        bytes.extend_from_slice(&checksum);
        bytes.extend_from_slice(&self.suffix);
        bytes
    }

    /// Whether the bytes change from send to send.
    pub fn is_variable(&self) -> bool {
        self.payload.is_variable()
    }

    /// The same bytes at every send.
    pub fn constant(bytes: Vec<u8>) -> Self {
        Self {
            payload: Template::literal(bytes),
            ..Self::default()
        }
    }
}

/// The number of the next send of a frame, shared by the send box and a repeat of it on the
/// worker, so that each number goes out once whichever of them sends.
#[derive(Clone, Debug, Default)]
pub struct SendIndex(std::sync::Arc<std::sync::atomic::AtomicU64>);

impl SendIndex {
    /// The next number, now taken.
    pub fn take(&self) -> u64 {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
    }

    /// The next number, left for the send that takes it.
    pub fn peek(&self) -> u64 {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// The same counter, not the same value.
impl PartialEq for SendIndex {
    fn eq(&self, other: &Self) -> bool {
        std::sync::Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for SendIndex {}

/// The frame for `input`: its variables, and the text between them read as `spec` says.
pub fn compose_template(input: &str, spec: &SendSpec) -> Result<Frame, ComposeError> {
    let payload = Template::parse_at(input, |text, start| {
        let bytes = match (spec.format, spec.escapes) {
            (PayloadFormat::Text, true) => encode_escaped(text, spec.encoding).map_err(Into::into),
            (format, _) => compose(text, format, spec.encoding),
        };
        bytes.map_err(|error| error.starting_at(start))
    })?;
    // In hex input a variable's text is ASCII, as the digits typed around it.
    let payload = match spec.format {
        PayloadFormat::Text => payload.text_in(spec.encoding).map_err(|error| {
            // The text between variables encoded, so the character's first place in the input
            // is in a {{time}} format: point there.
            let offset = input.find(error.ch).unwrap_or_default();
            EncodeError::at(input, offset, error.ch, spec.encoding)
        })?,
        PayloadFormat::Hex => payload,
    };
    Ok(Frame {
        payload,
        checksum: spec.checksum,
        order: spec.order,
        suffix: spec.suffix.clone(),
    })
}

/// The wire bytes for `input` as its first send would have them: the payload, its checksum,
/// then the suffix.
pub fn compose_frame(input: &str, spec: &SendSpec) -> Result<Vec<u8>, ComposeError> {
    Ok(compose_template(input, spec)?.render(0, std::time::SystemTime::now()))
}

/// The bytes to send for the send box's input.
pub fn compose(
    input: &str,
    format: PayloadFormat,
    encoding: TextEncoding,
) -> Result<Vec<u8>, ComposeError> {
    match format {
        PayloadFormat::Text => Ok(encoding.encode(input)?.into_owned()),
        PayloadFormat::Hex => Ok(parse_hex(input)?),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn compose_text() {
        assert_eq!(
            compose("你好", PayloadFormat::Text, TextEncoding::Gbk).unwrap(),
            [0xc4, 0xe3, 0xba, 0xc3]
        );
        assert_eq!(
            compose("你好", PayloadFormat::Text, TextEncoding::Utf8).unwrap(),
            "你好".as_bytes()
        );
    }

    #[test]
    fn compose_hex_ignores_encoding() {
        for encoding in TextEncoding::ALL {
            assert_eq!(
                compose("c4 e3", PayloadFormat::Hex, encoding).unwrap(),
                [0xc4, 0xe3]
            );
        }
    }

    #[test]
    fn compose_errors_are_transparent() {
        let err = compose("zz", PayloadFormat::Hex, TextEncoding::Utf8).unwrap_err();
        assert!(matches!(err, ComposeError::Hex(_)));
        assert_eq!(err.to_string(), "invalid hex digit 'z' at line 1, column 1");
        let err = compose("😀", PayloadFormat::Text, TextEncoding::Gbk).unwrap_err();
        assert!(matches!(err, ComposeError::Encode(_)));
        assert_eq!(
            err.to_string(),
            "'😀' (U+1F600) at line 1, column 1 cannot be encoded in GBK"
        );
    }

    #[test]
    fn a_time_format_the_encoding_cannot_write_is_refused_where_it_was_typed() {
        let mut spec = spec(PayloadFormat::Text);
        spec.encoding = TextEncoding::Windows1252;
        let err = compose_template("ok\n{{time %H时}}", &spec).unwrap_err();
        assert!(
            err.to_string()
                .ends_with("at line 2, column 10 cannot be encoded in windows-1252"),
            "{err}"
        );
    }

    /// An error in the text after a variable points into the whole input, not its piece.
    #[test]
    fn errors_after_a_variable_point_into_the_whole_input() {
        let err = compose_template("01 {{counter}} 0z", &spec(PayloadFormat::Hex)).unwrap_err();
        assert!(err.to_string().ends_with("at line 1, column 17"), "{err}");
        let err =
            compose_template("01\n{{counter}}\n02 zz", &spec(PayloadFormat::Hex)).unwrap_err();
        assert!(err.to_string().ends_with("at line 3, column 4"), "{err}");
        let err = compose_template("ab{{unixtime}}c😀", &spec(PayloadFormat::Text)).unwrap_err();
        assert!(err.to_string().contains("at line 1, column 16"), "{err}");
    }

    fn spec(format: PayloadFormat) -> SendSpec {
        SendSpec {
            format,
            encoding: TextEncoding::Gbk,
            escapes: false,
            checksum: Checksum::None,
            order: ByteOrder::BigEndian,
            suffix: Vec::new(),
        }
    }

    #[test]
    fn frames_are_payload_then_checksum_then_suffix() {
        let modbus = SendSpec {
            checksum: Checksum::Crc16Modbus,
            order: ByteOrder::LittleEndian,
            ..spec(PayloadFormat::Hex)
        };
        assert_eq!(
            compose_frame("0x01,0x03 00 00 00 0a", &modbus).unwrap(),
            [0x01, 0x03, 0x00, 0x00, 0x00, 0x0A, 0xC5, 0xCD]
        );
        let line = SendSpec {
            escapes: true,
            checksum: Checksum::Sum8,
            suffix: b"\r\n".to_vec(),
            ..spec(PayloadFormat::Text)
        };
        assert_eq!(
            compose_frame(r"A\x01", &line).unwrap(),
            [b'A', 0x01, 0x42, b'\r', b'\n']
        );
        // Escapes off: a backslash is just a backslash.
        let plain = spec(PayloadFormat::Text);
        assert_eq!(compose_frame(r"\n", &plain).unwrap(), b"\\n");
        let err = compose_frame(r"\q", &line).unwrap_err();
        assert!(matches!(err, ComposeError::Escape(_)), "{err:?}");
    }

    #[test]
    fn payload_format_names() {
        assert_eq!(PayloadFormat::default(), PayloadFormat::Text);
        let names: Vec<String> = PayloadFormat::ALL.iter().map(ToString::to_string).collect();
        assert_eq!(names, ["Text", "Hex"]);
    }
}
