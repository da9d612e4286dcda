//! The send box's options as the user sets them: escapes, what to append, a checksum, and the
//! text encoding when it differs from the display's.

use std::borrow::Cow;
use std::time::Duration;

use super::messages;
use crate::codec::{self, ByteOrder, Checksum, PayloadFormat, SendSpec, TextEncoding};
use crate::i18n::{Language, tr};

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct SendFields {
    /// Text input: read `\r \n \t \\ \0 \xNN`.
    pub escapes: bool,
    pub append: Append,
    /// The bytes `Append::Custom` adds, in hex, as typed.
    pub custom_hex: String,
    pub checksum: Checksum,
    pub order: ByteOrder,
    /// `None`: the same encoding as the display.
    pub encoding: Option<TextEncoding>,
}

impl Default for SendFields {
    fn default() -> Self {
        Self {
            escapes: false,
            append: Append::Nothing,
            custom_hex: "03".to_owned(),
            checksum: Checksum::None,
            order: ByteOrder::BigEndian,
            encoding: None,
        }
    }
}

/// The cyclic send's fields, as typed.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct CycleFields {
    pub interval_ms: String,
    /// Empty: until stopped.
    pub count: String,
}

impl Default for CycleFields {
    fn default() -> Self {
        Self {
            interval_ms: "1000".to_owned(),
            count: String::new(),
        }
    }
}

/// How UDP sends a file, as typed.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct FileFields {
    pub datagram: String,
    /// Milliseconds between datagrams; 0 or empty: as fast as the socket takes them.
    pub pace_ms: String,
}

impl Default for FileFields {
    fn default() -> Self {
        Self {
            datagram: "1024".to_owned(),
            pace_ms: "0".to_owned(),
        }
    }
}

/// The largest UDP payload over IPv4.
const MAX_UDP_PAYLOAD: usize = 65_507;

impl FileFields {
    /// The datagram size and the pacing, or what is wrong with them in `lang`.
    pub fn parse(&self, lang: Language) -> Result<(usize, Option<Duration>), String> {
        let Ok(datagram @ 1..=MAX_UDP_PAYLOAD) = self.datagram.trim().parse::<usize>() else {
            return Err(tr!(lang, "errors.file.datagram", max = MAX_UDP_PAYLOAD).into_owned());
        };
        let pace = match self.pace_ms.trim() {
            "" | "0" => None,
            text => match text.parse::<u64>() {
                Ok(ms @ 1..=60_000) => Some(Duration::from_millis(ms)),
                _ => return Err(tr!(lang, "errors.file.pace").into_owned()),
            },
        };
        Ok((datagram, pace))
    }
}

/// What goes after the payload and its checksum.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Append {
    #[default]
    Nothing,
    CrLf,
    Lf,
    Custom,
}

impl Append {
    pub const ALL: [Self; 4] = [Self::Nothing, Self::CrLf, Self::Lf, Self::Custom];
}

impl SendFields {
    /// How Send turns the box into bytes, or what is wrong with the custom bytes in `lang`.
    pub fn spec(
        &self,
        format: PayloadFormat,
        display_encoding: TextEncoding,
        lang: Language,
    ) -> Result<SendSpec, String> {
        let encoding = self.encoding.unwrap_or(display_encoding);
        // A line end after text is text, two code units in UTF-16; after hex input, bytes.
        let line_end = |end: &str| match format {
            PayloadFormat::Text => encoding.encode(end).map(Cow::into_owned),
            PayloadFormat::Hex => Ok(end.as_bytes().to_vec()),
        };
        let suffix = match self.append {
            Append::Nothing => Vec::new(),
            Append::CrLf => line_end("\r\n").unwrap_or_default(),
            Append::Lf => line_end("\n").unwrap_or_default(),
            Append::Custom => match codec::parse_hex(&self.custom_hex) {
                Ok(bytes) if bytes.is_empty() => {
                    return Err(tr!(lang, "errors.append.empty").into_owned());
                }
                Ok(bytes) => bytes,
                Err(error) => {
                    let label = tr!(lang, "errors.label.append");
                    let error = messages::hex_error(&error, lang);
                    return Err(messages::labelled(&label, &error, lang));
                }
            },
        };
        Ok(SendSpec {
            format,
            encoding,
            escapes: self.escapes,
            checksum: self.checksum,
            order: self.order,
            suffix,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    const EN: Language = Language::English;

    #[test]
    fn builds_the_spec_from_the_fields() {
        let mut fields = SendFields {
            append: Append::CrLf,
            ..SendFields::default()
        };
        let spec = fields
            .spec(PayloadFormat::Text, TextEncoding::Gbk, EN)
            .unwrap();
        assert_eq!(spec.suffix, b"\r\n");
        assert_eq!(spec.encoding, TextEncoding::Gbk, "same as the display");
        let utf16 = fields.spec(PayloadFormat::Text, TextEncoding::Utf16Be, EN);
        assert_eq!(
            utf16.unwrap().suffix,
            [0, b'\r', 0, b'\n'],
            "a line end of text"
        );
        let hex = fields.spec(PayloadFormat::Hex, TextEncoding::Utf16Be, EN);
        assert_eq!(hex.unwrap().suffix, b"\r\n", "after hex input, bytes");
        fields.encoding = Some(TextEncoding::Utf8);
        fields.append = Append::Custom;
        fields.custom_hex = "0x16, 0x03".to_owned();
        let spec = fields
            .spec(PayloadFormat::Text, TextEncoding::Gbk, EN)
            .unwrap();
        assert_eq!(
            (spec.suffix, spec.encoding),
            (vec![0x16, 0x03], TextEncoding::Utf8)
        );
        fields.custom_hex = "0G".to_owned();
        let error = fields
            .spec(PayloadFormat::Hex, TextEncoding::Gbk, EN)
            .unwrap_err();
        assert!(
            error.starts_with("Append: invalid hex digit 'G'"),
            "{error}"
        );
        let chinese = fields.spec(
            PayloadFormat::Hex,
            TextEncoding::Gbk,
            Language::SimplifiedChinese,
        );
        assert_eq!(
            chinese.unwrap_err(),
            "追加：第 1 行第 2 列的“G”不是有效的十六进制数字"
        );
    }

    #[test]
    fn file_fields_explain_themselves_in_both_languages() {
        let fields = |datagram: &str, pace_ms: &str| FileFields {
            datagram: datagram.to_owned(),
            pace_ms: pace_ms.to_owned(),
        };
        assert_eq!(
            fields("0", "0").parse(EN),
            Err("Datagram: bytes from 1 to 65507".to_owned())
        );
        assert_eq!(
            fields("0", "0").parse(Language::SimplifiedChinese),
            Err("每包大小：请输入 1 到 65507 之间的字节数".to_owned())
        );
        assert_eq!(
            fields("1024", "x").parse(EN),
            Err("Pace: milliseconds from 0 to 60000".to_owned())
        );
        assert_eq!(fields("1024", "").parse(EN), Ok((1024, None)));
    }
}
