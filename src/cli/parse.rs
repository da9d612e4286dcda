//! The command line's values, read as clap parses them: each parser says what is wrong in
//! words clap prints beside the option.

use std::path::PathBuf;

use super::{AppendStart, Repeat, RulesStart, ScriptStart, StdinMode};
use crate::codec::{ByteOrder, Checksum, TextEncoding};
use crate::export::LogFormat;
use crate::i18n::Language;
use crate::net::{Fingerprint, RemoteTarget, Verify};
use crate::tab::{FramingFields, FramingKind};

pub(super) fn parse_stdin(text: &str) -> Result<StdinMode, String> {
    match text.trim() {
        "bytes" => Ok(StdinMode::Bytes),
        "text" => Ok(StdinMode::Text),
        "hex" => Ok(StdinMode::Hex),
        other => Err(format!("expected bytes, text or hex, not '{other}'")),
    }
}

/// `--framing read|line|delimiter:HEX|length:N|idle:MS`: the Framing fields as they would be
/// typed, refused here when the tab would refuse them.
pub(super) fn parse_framing(text: &str) -> Result<FramingFields, String> {
    let text = text.trim();
    let (kind, value) = text.split_once(':').unwrap_or((text, ""));
    let mut fields = FramingFields::default();
    let kind = kind.trim().to_ascii_lowercase();
    let value = value.trim().to_owned();
    let needs_value = matches!(kind.as_str(), "delimiter" | "length" | "idle");
    if needs_value && value.is_empty() {
        return Err(format!("{kind} needs a value: {kind}:…"));
    }
    if !needs_value && !value.is_empty() {
        return Err(format!("{kind} takes no value"));
    }
    fields.kind = match kind.as_str() {
        "read" => FramingKind::PerRead,
        "line" => FramingKind::Lines,
        "delimiter" => {
            fields.delimiter_hex = value;
            FramingKind::Delimiter
        }
        "length" => {
            fields.length = value;
            FramingKind::FixedLength
        }
        "idle" => {
            fields.gap_ms = value;
            FramingKind::IdleGap
        }
        other => {
            return Err(format!(
                "expected read, line, delimiter:HEX, length:N or idle:MS, not '{other}'"
            ));
        }
    };
    fields.parse(TextEncoding::Utf8, Language::English)?;
    Ok(fields)
}

pub(super) fn parse_append(text: &str) -> Result<AppendStart, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "crlf" => Ok(AppendStart::CrLf),
        "lf" => Ok(AppendStart::Lf),
        hex => match crate::codec::parse_hex(hex) {
            Ok(bytes) if !bytes.is_empty() => Ok(AppendStart::Hex(hex.to_owned())),
            _ => Err(format!(
                "expected crlf, lf or hex bytes (03, \"0D 0A\"), not '{text}'"
            )),
        },
    }
}

pub(super) fn parse_checksum(text: &str) -> Result<(Checksum, ByteOrder), String> {
    let (name, order) = match text.trim().split_once(',') {
        Some((name, order)) => (name, Some(order.trim())),
        None => (text.trim(), None),
    };
    let checksum = match name.to_ascii_lowercase().as_str() {
        "sum8" => Checksum::Sum8,
        "xor8" => Checksum::Xor8,
        "crc16-modbus" => Checksum::Crc16Modbus,
        "crc16-ccitt" => Checksum::Crc16CcittFalse,
        "crc32" => Checksum::Crc32,
        _ => {
            return Err(format!(
                "expected sum8, xor8, crc16-modbus, crc16-ccitt or crc32, not '{name}'"
            ));
        }
    };
    let order = match order {
        None => checksum.usual_order(),
        Some("be") => ByteOrder::BigEndian,
        Some("le") => ByteOrder::LittleEndian,
        Some(other) => return Err(format!("expected be or le after the comma, not '{other}'")),
    };
    Ok((checksum, order))
}

/// Seconds from 0.1 to 3600.
pub(super) fn parse_seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(secs) if (0.1..=3600.0).contains(&secs) => Ok(secs),
        _ => Err(format!(
            "'{text}' is not a number of seconds from 0.1 to 3600"
        )),
    }
}

/// `HOST:PORT`, where HOST is a name, an IPv4 address or a bracketed IPv6 address.
pub fn parse_host_port(text: &str) -> Result<RemoteTarget, String> {
    let (host, port) = text
        .rsplit_once(':')
        .ok_or_else(|| format!("'{text}' is not HOST:PORT"))?;
    let host = match host.strip_prefix('[') {
        Some(inner) => inner
            .strip_suffix(']')
            .ok_or("an IPv6 address needs a closing ']'")?,
        None if host.contains(':') => {
            return Err("write IPv6 addresses in brackets: [::1]:9000".into());
        }
        None => host,
    };
    if host.is_empty() {
        return Err(format!("'{text}' has no host"));
    }
    let port = port
        .parse::<u16>()
        .map_err(|_| format!("'{port}' is not a port (0-65535)"))?;
    Ok(RemoteTarget {
        host: host.to_owned(),
        port,
    })
}

pub(super) fn parse_pin(text: &str) -> Result<Fingerprint, String> {
    text.parse().map_err(|()| {
        "expected a SHA-256 fingerprint: 64 hex digits, in pairs with or without colons".to_owned()
    })
}

/// `--repeat MS[,COUNT]`: an interval of 1 ms or more, and a count of 1 or more.
pub(super) fn parse_repeat(text: &str) -> Result<Repeat, String> {
    let (every, count) = match text.split_once(',') {
        Some((every, count)) => (every, Some(count)),
        None => (text, None),
    };
    let every_ms = every
        .trim()
        .parse::<u64>()
        .ok()
        .filter(|ms| *ms >= 1)
        .ok_or_else(|| format!("'{every}' is not an interval in milliseconds (1 or more)"))?;
    let count = match count {
        Some(count) => Some(
            count
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|count| *count >= 1)
                .ok_or_else(|| format!("'{count}' is not a count (1 or more)"))?,
        ),
        None => None,
    };
    Ok(Repeat { every_ms, count })
}

/// `--format`: a line format for stdout.
pub(super) fn parse_format(text: &str) -> Result<LogFormat, String> {
    match text.trim() {
        "txt" => Ok(LogFormat::Txt),
        "csv" => Ok(LogFormat::Csv),
        "jsonl" => Ok(LogFormat::Jsonl),
        other => Err(format!("expected txt, csv or jsonl, not '{other}'")),
    }
}

/// How the relay accepts the upstream's certificate: `roots`, `insecure`, or a SHA-256.
pub(super) fn parse_verify(text: &str) -> Result<Verify, String> {
    match text.trim() {
        "roots" => Ok(Verify::SystemRoots),
        "insecure" => Ok(Verify::Insecure),
        pin => parse_pin(pin)
            .map(Verify::Pinned)
            .map_err(|error| format!("roots, insecure, or {error}")),
    }
}

pub(super) fn parse_encoding(text: &str) -> Result<TextEncoding, String> {
    TextEncoding::from_label(text).ok_or_else(|| {
        "expected an encoding such as utf-8, gbk, big5, shift_jis, euc-kr or windows-1252"
            .to_owned()
    })
}

pub(super) fn parse_language(text: &str) -> Result<Language, String> {
    Language::from_code(text).ok_or_else(|| "expected en or zh-CN".to_owned())
}

/// A script file: read at once (before any window or session).
pub(super) fn parse_script(text: &str) -> Result<ScriptStart, String> {
    let path = PathBuf::from(text);
    match crate::script::read_source(&path) {
        Ok(source) => Ok(ScriptStart { path, source }),
        Err(error) => Err(error.to_string()),
    }
}

pub(super) fn parse_rules_file(text: &str) -> Result<RulesStart, String> {
    let path = PathBuf::from(text);
    let rules = crate::tab::auto_reply::file::read_rules(&path, Language::English)?;
    Ok(RulesStart { path, rules })
}

pub(super) fn parse_log_path(text: &str) -> Result<PathBuf, String> {
    let path = PathBuf::from(text);
    match LogFormat::from_path(&path) {
        Some(_) => Ok(path),
        None => Err("the log file must end in .jsonl, .csv, .txt or .pcapng".to_owned()),
    }
}
