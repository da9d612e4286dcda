//! Turning what the user types into bytes, and bytes into something readable.

pub mod hex;
pub mod stream;
pub mod text;

use std::fmt;

pub use hex::{HexError, parse_hex, to_hex, to_spaced_hex};
pub use text::{EncodeError, MarkedText, TextEncoding};

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
    fn payload_format_names() {
        assert_eq!(PayloadFormat::default(), PayloadFormat::Text);
        let names: Vec<String> = PayloadFormat::ALL.iter().map(ToString::to_string).collect();
        assert_eq!(names, ["Text", "Hex"]);
    }
}
