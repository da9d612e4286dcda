//! Field errors in the tab's language. The codec's typed errors become words here, not where
//! they happen (the codec stays free of i18n); their English is the same as their `Display`.

use crate::codec::escape::EscapeErrorKind;
use crate::codec::hex::HexErrorKind;
use crate::codec::{ComposeError, EncodeError, EscapeError, EscapedError, HexError, TemplateError};
use crate::export::replay::ReplayError;
use crate::i18n::{Language, tr};

/// A field's label, then what is wrong with it: `Delimiter: invalid hex digit …`.
pub(super) fn labelled(label: &str, error: &str, lang: Language) -> String {
    tr!(lang, "errors.labelled", label = label, error = error).into_owned()
}

/// What is wrong with the filter's hex pattern.
pub(super) fn filter_error(error: &HexError, lang: Language) -> String {
    let label = tr!(lang, "errors.label.filter");
    labelled(&label, &hex_error(error, lang), lang)
}

/// What the send box (or a kept payload) cannot be made into bytes for.
pub(super) fn describe(error: &ComposeError, lang: Language) -> String {
    match error {
        ComposeError::Hex(error) => hex_error(error, lang),
        ComposeError::Encode(error) => encode_error(error, lang),
        ComposeError::Escape(error) => escape_error(error, lang),
        ComposeError::Template(error) => template_error(error, lang),
    }
}

/// Why a recording cannot be replayed.
pub(super) fn replay_error(error: &ReplayError, lang: Language) -> String {
    match error {
        ReplayError::Io { path, detail } => {
            tr!(lang, "errors.replay.io", path = path, detail = detail)
        }
        ReplayError::Format { path } => tr!(lang, "errors.replay.format", path = path),
        ReplayError::BadLine { line, detail } => {
            tr!(lang, "errors.replay.bad_line", line = line, detail = detail)
        }
        ReplayError::CutOff { line } => tr!(lang, "errors.replay.cut_off", line = line),
        ReplayError::BadPcapng { packets, detail } => tr!(
            lang,
            "errors.replay.bad_pcapng",
            packets = packets,
            detail = detail
        ),
        ReplayError::Empty {
            direction,
            peer,
            records,
        } => {
            let peer = peer.trim_start_matches(" from ");
            if peer.is_empty() {
                tr!(
                    lang,
                    "errors.replay.empty",
                    direction = direction,
                    records = records
                )
            } else {
                tr!(
                    lang,
                    "errors.replay.empty_from",
                    direction = direction,
                    peer = peer,
                    records = records
                )
            }
        }
        ReplayError::TooLarge => tr!(lang, "errors.replay.too_large"),
        ReplayError::Undirected { packets } => {
            tr!(lang, "errors.replay.undirected", packets = packets)
        }
    }
    .into_owned()
}

/// A send variable that cannot be read.
fn template_error(error: &TemplateError, lang: Language) -> String {
    match error {
        TemplateError::Unclosed { line, column } => {
            tr!(
                lang,
                "errors.template.unclosed",
                line = line,
                column = column
            )
        }
        TemplateError::Unknown { name } => tr!(lang, "errors.template.unknown", name = name),
        TemplateError::BadArgument { variable, argument } => tr!(
            lang,
            "errors.template.bad_argument",
            argument = argument,
            variable = variable
        ),
    }
    .into_owned()
}

pub(super) fn hex_error(error: &HexError, lang: Language) -> String {
    let HexError { kind, line, column } = *error;
    match kind {
        HexErrorKind::InvalidDigit(digit) => {
            let digit = digit.escape_debug();
            tr!(
                lang,
                "errors.hex.invalid_digit",
                digit = digit,
                line = line,
                column = column
            )
        }
        HexErrorKind::OddDigits => {
            tr!(lang, "errors.hex.odd_digits", line = line, column = column)
        }
        HexErrorKind::MissingDigits => {
            tr!(
                lang,
                "errors.hex.missing_digits",
                line = line,
                column = column
            )
        }
    }
    .into_owned()
}

pub(super) fn escape_error(error: &EscapeError, lang: Language) -> String {
    let EscapeError { kind, line, column } = *error;
    match kind {
        EscapeErrorKind::Unknown(escape) => {
            let escape = escape.escape_debug();
            tr!(
                lang,
                "errors.escape.unknown",
                escape = escape,
                line = line,
                column = column
            )
        }
        EscapeErrorKind::ShortHex => {
            tr!(
                lang,
                "errors.escape.short_hex",
                line = line,
                column = column
            )
        }
        EscapeErrorKind::Trailing => {
            tr!(lang, "errors.escape.trailing", line = line, column = column)
        }
    }
    .into_owned()
}

/// A character the encoding has no bytes for.
pub(super) fn encode_error(error: &EncodeError, lang: Language) -> String {
    let code = format!("{:04X}", u32::from(error.ch));
    tr!(
        lang,
        "errors.unencodable",
        character = error.ch,
        code = code,
        line = error.line,
        column = error.column,
        encoding = error.encoding
    )
    .into_owned()
}

/// Text with escapes that cannot be made into bytes.
pub(super) fn escaped_error(error: &EscapedError, lang: Language) -> String {
    match error {
        EscapedError::Escape(error) => escape_error(error, lang),
        EscapedError::Encode(error) => encode_error(error, lang),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use crate::codec::{self, PayloadFormat, TextEncoding};

    /// Inputs that fail in each way the codec knows.
    fn errors() -> Vec<ComposeError> {
        let hex = ["48 6g", "48 A", "0x", "4\n48", "'\\t'"];
        let escaped = [r"\q", r"a\x1", "ab\\", r"\é", "\\\t"];
        let mut errors: Vec<ComposeError> = hex
            .iter()
            .map(|input| codec::compose(input, PayloadFormat::Hex, TextEncoding::Utf8))
            .chain(
                ["😀", "a\nb€😀"]
                    .iter()
                    .map(|input| codec::compose(input, PayloadFormat::Text, TextEncoding::Gbk)),
            )
            .map(Result::unwrap_err)
            .collect();
        errors.extend(
            escaped
                .iter()
                .map(|input| codec::encode_escaped(input, TextEncoding::Utf8).unwrap_err())
                .map(ComposeError::from),
        );
        let spec = codec::SendSpec {
            format: PayloadFormat::Text,
            encoding: TextEncoding::Utf8,
            escapes: false,
            checksum: codec::Checksum::None,
            order: codec::ByteOrder::BigEndian,
            suffix: Vec::new(),
        };
        errors.extend(
            ["{{counter", "{{nope}}", "{{random x}}"]
                .iter()
                .map(|input| codec::compose_template(input, &spec).unwrap_err()),
        );
        errors
    }

    #[test]
    fn english_is_the_codec_s_own_words() {
        let errors = errors();
        assert_eq!(errors.len(), 15);
        for error in &errors {
            assert_eq!(describe(error, Language::English), error.to_string());
        }
        for input in ["\\", r"\x"] {
            let error = codec::encode_escaped(input, TextEncoding::Utf8).unwrap_err();
            assert_eq!(escaped_error(&error, Language::English), error.to_string());
        }
    }

    #[test]
    fn chinese_says_where_then_what() {
        let chinese = |input: &str, format| {
            let error = codec::compose(input, format, TextEncoding::Gbk).unwrap_err();
            describe(&error, Language::SimplifiedChinese)
        };
        assert_eq!(
            chinese("48 65\n6c 6g", PayloadFormat::Hex),
            "第 2 行第 5 列的“g”不是有效的十六进制数字"
        );
        assert_eq!(
            chinese("A", PayloadFormat::Hex),
            "第 1 行第 1 列处十六进制数字的个数为奇数（应写 0A，而不是 A）"
        );
        assert_eq!(
            chinese("好😀", PayloadFormat::Text),
            "第 1 行第 2 列的“😀”（U+1F600）无法用 GBK 编码"
        );
        let error = codec::encode_escaped(r"ok\q", TextEncoding::Utf8).unwrap_err();
        assert_eq!(
            escaped_error(&error, Language::SimplifiedChinese),
            r"第 1 行第 3 列的转义“\q”无法识别（可用 \r \n \t \\ \0 或 \xNN）"
        );
        let error = codec::parse_hex("AA T").unwrap_err();
        assert_eq!(
            filter_error(&error, Language::English),
            "Filter: invalid hex digit 'T' at line 1, column 4"
        );
        assert_eq!(
            filter_error(&error, Language::SimplifiedChinese),
            "过滤：第 1 行第 4 列的“T”不是有效的十六进制数字"
        );
        assert_eq!(
            labelled("分隔符", "x", Language::SimplifiedChinese),
            "分隔符：x"
        );
    }
}
