//! Send variables: parts of a payload worked out at each send, written `{{name args}}` among
//! the literal input. Packet Sender's `{{COUNTER}}`, `{{UNIXTIME}}` and `{{RANDOM}}` are the
//! anchor; names are read in any case.
//!
//! - `{{counter}}`: 1, 2, 3, … as decimal text; `start=N`, `step=N` (may be negative),
//!   `width=N` (zero-padded), `hex` (hex digits as text), `bytes=N` (N raw bytes, big-endian,
//!   `le` for little-endian; wraps at N bytes).
//! - `{{time}}`: local time as `HH:MM:SS.mmm`; `{{time FORMAT}}` with chrono's strftime
//!   FORMAT, e.g. `{{time %Y-%m-%d %H:%M:%S}}`.
//! - `{{unixtime}}`: Unix seconds as text; `{{unixtime ms}}` milliseconds.
//! - `{{random}}`: one random byte; `{{random N}}` N of them (at most 65,536).
//! - `{{crc ALG}}`: the checksum of every byte before it in the payload: `modbus`, `ccitt`
//!   (CRC-16/CCITT-FALSE), `crc32`, `sum8`, `xor8`; `le` for little-endian.

use std::time::SystemTime;

use super::checksum::{ByteOrder, Checksum};
use super::text::{EncodeError, TextEncoding};

/// The most random bytes one variable makes.
const RANDOM_MAX: usize = 65_536;

/// Why a variable could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("'{{{{' at line {line}, column {column} has no closing '}}}}'")]
    Unclosed { line: usize, column: usize },
    #[error("unknown variable '{{{{{name}}}}}' (counter, time, unixtime, random, crc)")]
    Unknown { name: String },
    #[error("'{argument}' is not an option of {{{{{variable}}}}}")]
    BadArgument { variable: String, argument: String },
}

/// One part of a payload.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    Literal(Vec<u8>),
    Counter(Counter),
    /// strftime format, local time.
    Time(String),
    UnixTime {
        millis: bool,
    },
    Random(usize),
    Check(Checksum, ByteOrder),
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Counter {
    start: i64,
    step: i64,
    form: CounterForm,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CounterForm {
    Decimal { width: usize },
    Hex { width: usize },
    Bytes { len: usize, order: ByteOrder },
}

/// A payload with its variables, ready to be made into bytes at each send.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Template {
    parts: Vec<Part>,
    /// What the variables that are text (numbers, times) are written in.
    text: TextEncoding,
}

impl Template {
    /// Reads `input`; the text between variables becomes bytes through `literal`.
    pub fn parse<E>(
        input: &str,
        mut literal: impl FnMut(&str) -> Result<Vec<u8>, E>,
    ) -> Result<Self, E>
    where
        E: From<TemplateError>,
    {
        Self::parse_at(input, |text, _| literal(text))
    }

    /// [`Self::parse`], telling `literal` where each piece of text starts in `input` (line
    /// and column, 1-based), so its errors can point into the whole input.
    pub fn parse_at<E>(
        input: &str,
        mut literal: impl FnMut(&str, (usize, usize)) -> Result<Vec<u8>, E>,
    ) -> Result<Self, E>
    where
        E: From<TemplateError>,
    {
        let mut parts = Vec::new();
        let mut rest = input;
        let start_of = |rest: &str| position(input, input.len() - rest.len());
        while let Some(open) = rest.find("{{") {
            if open > 0 {
                parts.push(Part::Literal(literal(&rest[..open], start_of(rest))?));
            }
            let after = &rest[open + 2..];
            let Some(close) = after.find("}}") else {
                let consumed = input.len() - rest.len() + open;
                let (line, column) = position(input, consumed);
                return Err(TemplateError::Unclosed { line, column }.into());
            };
            parts.push(variable(&after[..close])?);
            rest = &after[close + 2..];
        }
        if !rest.is_empty() {
            parts.push(Part::Literal(literal(rest, start_of(rest))?));
        }
        Ok(Self {
            parts,
            text: TextEncoding::Utf8,
        })
    }

    /// Writes the variables that are text in `encoding` (digits are ASCII in every encoding
    /// but UTF-16); refuses a time format with a character the encoding does not have.
    pub fn text_in(mut self, encoding: TextEncoding) -> Result<Self, EncodeError> {
        for part in &self.parts {
            if let Part::Time(format) = part {
                encoding.encode(format)?;
            }
        }
        self.text = encoding;
        Ok(self)
    }

    /// These bytes, the same at every send.
    pub fn literal(bytes: Vec<u8>) -> Self {
        Self {
            parts: vec![Part::Literal(bytes)],
            text: TextEncoding::Utf8,
        }
    }

    /// Whether any part changes from send to send.
    pub fn is_variable(&self) -> bool {
        self.parts
            .iter()
            .any(|part| !matches!(part, Part::Literal(_)))
    }

    /// The bytes of send number `index` (from 0) at `now`.
    pub fn render(&self, index: u64, now: SystemTime) -> Vec<u8> {
        let mut out = Vec::new();
        for part in &self.parts {
            match part {
                Part::Literal(bytes) => out.extend_from_slice(bytes),
                Part::Counter(counter) => counter.write(index, self.text, &mut out),
                Part::Time(format) => {
                    let local = chrono::DateTime::<chrono::Local>::from(now);
                    write_text(&time_text(&local, format), self.text, &mut out);
                }
                Part::UnixTime { millis } => {
                    let since = now
                        .duration_since(SystemTime::UNIX_EPOCH)
                        .unwrap_or_default();
                    let value = if *millis {
                        since.as_millis()
                    } else {
                        u128::from(since.as_secs())
                    };
                    write_text(&value.to_string(), self.text, &mut out);
                }
                Part::Random(len) => {
                    let start = out.len();
                    out.resize(start + len, 0);
                    fastrand::fill(&mut out[start..]);
                }
                Part::Check(checksum, order) => {
                    let value = checksum.bytes(&out, *order);
                    out.extend_from_slice(&value);
                }
            }
        }
        out
    }
}

impl Counter {
    fn write(&self, index: u64, text: TextEncoding, out: &mut Vec<u8>) {
        let value = self
            .start
            .wrapping_add(self.step.wrapping_mul(index as i64));
        match self.form {
            CounterForm::Decimal { width } => {
                write_text(&format!("{value:0width$}"), text, out);
            }
            CounterForm::Hex { width } => {
                write_text(&format!("{value:0width$x}"), text, out);
            }
            CounterForm::Bytes { len, order } => {
                let bytes = value.to_be_bytes();
                let mut kept = bytes[8 - len..].to_vec();
                if order == ByteOrder::LittleEndian {
                    kept.reverse();
                }
                out.extend_from_slice(&kept);
            }
        }
    }
}

/// A variable's text in `encoding`. [`Template::text_in`] checked the only characters that may
/// be missing from it (a time format's own); should one be missing after all, its UTF-8 bytes
/// go, as before encodings were followed here.
fn write_text(text: &str, encoding: TextEncoding, out: &mut Vec<u8>) {
    match encoding.encode(text) {
        Ok(bytes) => out.extend_from_slice(&bytes),
        Err(_) => out.extend_from_slice(text.as_bytes()),
    }
}

/// `time` in `format`; empty if chrono cannot format it after all (it reads some formats it
/// then fails to write, and its `to_string` would panic).
fn time_text(time: &chrono::DateTime<chrono::Local>, format: &str) -> String {
    use std::fmt::Write as _;
    let mut text = String::new();
    if write!(text, "{}", time.format(format)).is_err() {
        text.clear();
    }
    text
}

/// Line and column (from 1, in characters) of byte `offset` in `text`.
fn position(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, column)
}

/// Reads the inside of `{{…}}`.
fn variable(inside: &str) -> Result<Part, TemplateError> {
    let inside = inside.trim();
    let (name, args) = inside
        .split_once(char::is_whitespace)
        .map_or((inside, ""), |(name, args)| (name, args.trim()));
    let name = name.to_ascii_lowercase();
    let bad = |argument: &str| TemplateError::BadArgument {
        variable: name.clone(),
        argument: argument.to_owned(),
    };
    match name.as_str() {
        "counter" => counter(args, &bad),
        "time" => {
            let format = if args.is_empty() {
                "%H:%M:%S%.3f"
            } else {
                args
            };
            // A format chrono cannot read, or cannot write, would fail at every send: say so now.
            let readable = chrono::format::StrftimeItems::new(format)
                .all(|item| !matches!(item, chrono::format::Item::Error));
            let sample = chrono::Local::now();
            let writable = {
                use std::fmt::Write as _;
                write!(String::new(), "{}", sample.format(format)).is_ok()
            };
            if readable && writable {
                Ok(Part::Time(format.to_owned()))
            } else {
                Err(bad(args))
            }
        }
        "unixtime" => match args {
            "" | "s" => Ok(Part::UnixTime { millis: false }),
            "ms" => Ok(Part::UnixTime { millis: true }),
            other => Err(bad(other)),
        },
        "random" => match args {
            "" => Ok(Part::Random(1)),
            count => match count.parse::<usize>() {
                Ok(len @ 1..=RANDOM_MAX) => Ok(Part::Random(len)),
                _ => Err(bad(count)),
            },
        },
        "crc" => {
            let mut checksum = None;
            let mut order = ByteOrder::BigEndian;
            for arg in args.split_whitespace() {
                match arg.to_ascii_lowercase().as_str() {
                    "modbus" => checksum = Some(Checksum::Crc16Modbus),
                    "ccitt" | "ccitt-false" => checksum = Some(Checksum::Crc16CcittFalse),
                    "crc32" | "32" => checksum = Some(Checksum::Crc32),
                    "sum8" | "sum" => checksum = Some(Checksum::Sum8),
                    "xor8" | "xor" => checksum = Some(Checksum::Xor8),
                    "le" => order = ByteOrder::LittleEndian,
                    "be" => order = ByteOrder::BigEndian,
                    _ => return Err(bad(arg)),
                }
            }
            Ok(Part::Check(
                checksum.unwrap_or(Checksum::Crc16Modbus),
                order,
            ))
        }
        _ => Err(TemplateError::Unknown {
            name: inside.to_owned(),
        }),
    }
}

fn counter(args: &str, bad: &dyn Fn(&str) -> TemplateError) -> Result<Part, TemplateError> {
    let mut start = 1i64;
    let mut step = 1i64;
    let mut width = 0usize;
    let mut hex = false;
    let mut bytes = None;
    let mut order = ByteOrder::BigEndian;
    for arg in args.split_whitespace() {
        let lower = arg.to_ascii_lowercase();
        let number = |value: &str| value.parse::<i64>().map_err(|_| bad(arg));
        match lower.split_once('=') {
            Some(("start", value)) => start = number(value)?,
            Some(("step", value)) => step = number(value)?,
            Some(("width", value)) => match value.parse::<usize>() {
                Ok(value @ 0..=20) => width = value,
                _ => return Err(bad(arg)),
            },
            Some(("bytes", value)) => match value.parse::<usize>() {
                Ok(value @ 1..=8) => bytes = Some(value),
                _ => return Err(bad(arg)),
            },
            None if lower == "hex" => hex = true,
            None if lower == "le" => order = ByteOrder::LittleEndian,
            None if lower == "be" => order = ByteOrder::BigEndian,
            _ => return Err(bad(arg)),
        }
    }
    let form = match (bytes, hex) {
        (Some(len), _) => CounterForm::Bytes { len, order },
        (None, true) => CounterForm::Hex { width },
        (None, false) => CounterForm::Decimal { width },
    };
    Ok(Part::Counter(Counter { start, step, form }))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use std::time::Duration;

    use super::*;

    fn read(input: &str) -> Result<Template, TemplateError> {
        Template::parse(input, |text| Ok(text.as_bytes().to_vec()))
    }

    fn at(seconds: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_millis(seconds * 1000 + 250)
    }

    #[test]
    fn text_variables_are_written_in_the_encoding_and_bytes_stay_bytes() {
        let template = read("{{counter start=7}}{{counter bytes=1 start=7}}{{unixtime}}")
            .unwrap()
            .text_in(TextEncoding::Utf16Le)
            .unwrap();
        assert_eq!(template.render(0, at(9)), [b'7', 0, 7, b'9', 0]);
        let time = read("{{time %H时}}").unwrap();
        assert!(time.clone().text_in(TextEncoding::Gbk).is_ok());
        let error = time.text_in(TextEncoding::Windows1252).unwrap_err();
        assert_eq!(error.ch, '时');
    }

    #[test]
    fn a_counter_counts_from_send_to_send() {
        let template = read("ID{{counter width=4}};").unwrap();
        assert!(template.is_variable());
        assert_eq!(template.render(0, at(0)), b"ID0001;");
        assert_eq!(template.render(9_998, at(0)), b"ID9999;");
        assert_eq!(
            template.render(9_999, at(0)),
            b"ID10000;",
            "no wrap in text"
        );
        let hex = read("{{COUNTER start=255 hex width=4}}").unwrap();
        assert_eq!(hex.render(1, at(0)), b"0100");
        let bytes = read("{{counter bytes=2 start=0xff}}");
        assert!(bytes.is_err(), "decimal only");
        let bytes = read("{{counter bytes=2 start=65535}}").unwrap();
        assert_eq!(bytes.render(0, at(0)), [0xFF, 0xFF]);
        assert_eq!(bytes.render(1, at(0)), [0x00, 0x00], "wraps at its size");
        let le = read("{{counter bytes=3 le start=1}}").unwrap();
        assert_eq!(le.render(0, at(0)), [1, 0, 0]);
        let down = read("{{counter start=10 step=-5}}").unwrap();
        assert_eq!(down.render(3, at(0)), b"-5");
    }

    #[test]
    fn times_random_bytes_and_checksums() {
        let unix = read("{{unixtime}} {{unixtime ms}}").unwrap();
        assert_eq!(
            unix.render(0, at(1_764_000_000)),
            b"1764000000 1764000000250"
        );
        let time = read("{{time %Y}}").unwrap();
        let year = time.render(0, at(1_764_000_000));
        assert!(
            year == b"2025" || year == b"2026" || year == b"2024",
            "{year:?}"
        );
        let random = read("{{random 16}}").unwrap();
        let (a, b) = (random.render(0, at(0)), random.render(0, at(0)));
        assert_eq!(a.len(), 16);
        assert_ne!(a, b, "fresh bytes each send");
        // Modbus: read 10 registers from 0 of unit 1; its CRC is 0xCDC5, low byte first.
        let modbus = Template::parse("01 03 00 00 00 0A{{crc modbus le}}", |text| {
            crate::codec::parse_hex(text).map_err(|_| TemplateError::Unknown {
                name: text.to_owned(),
            })
        })
        .unwrap();
        assert_eq!(
            modbus.render(0, at(0)),
            [0x01, 0x03, 0x00, 0x00, 0x00, 0x0A, 0xC5, 0xCD]
        );
    }

    #[test]
    fn what_cannot_be_read_is_said() {
        assert_eq!(
            read("a\nb{{counter"),
            Err(TemplateError::Unclosed { line: 2, column: 2 })
        );
        assert_eq!(
            read("{{nope}}"),
            Err(TemplateError::Unknown {
                name: "nope".into()
            })
        );
        let error = read("{{counter width=x}}").unwrap_err();
        assert_eq!(
            error.to_string(),
            "'width=x' is not an option of {{counter}}"
        );
        assert!(read("{{random 0}}").is_err());
        assert!(read("{{crc md5}}").is_err());
        assert!(read("{{time %Q}}").is_err());
        assert!(
            read("{{time %#z}}").is_err(),
            "read by chrono, but not written"
        );
        let plain = read("no variables").unwrap();
        assert!(!plain.is_variable());
        assert_eq!(plain.render(5, at(0)), b"no variables");
    }
}
