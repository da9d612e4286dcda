//! The log file formats: one line per entry in `.txt`, `.csv` or `.jsonl`, or packets in
//! `.pcapng` (see [`super::pcapng`]).
//!
//! `.csv`, `.jsonl` and `.pcapng` are byte-exact (length and hex of what crossed the wire, or
//! the packets' payloads); `.txt` is for reading.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::net::SocketAddr;
use std::path::Path;

use chrono::{DateTime, FixedOffset, Local, SecondsFormat, TimeZone, Utc};

use super::pcapng::{PacketBuffer, PacketMeta, PcapngState};
use crate::codec::{TextEncoding, to_hex, to_spaced_hex};
use crate::session::{Direction, LogEntry, Mode};

/// A log file format, chosen by the file's extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LogFormat {
    Txt,
    Csv,
    Jsonl,
    /// Packets for Wireshark and tshark; status lines are left out.
    Pcapng,
}

impl LogFormat {
    pub const ALL: [Self; 4] = [Self::Txt, Self::Csv, Self::Jsonl, Self::Pcapng];

    /// The format for a file name: `.txt`/`.log`, `.csv`, `.jsonl`/`.ndjson`, `.pcapng`, in
    /// any case.
    pub fn from_path(path: &Path) -> Option<Self> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        match extension.as_str() {
            "txt" | "log" => Some(Self::Txt),
            "csv" => Some(Self::Csv),
            "jsonl" | "ndjson" => Some(Self::Jsonl),
            "pcapng" => Some(Self::Pcapng),
            _ => None,
        }
    }

    /// The usual extension, without the dot, e.g. for a save dialog's filter.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Txt => "txt",
            Self::Csv => "csv",
            Self::Jsonl => "jsonl",
            Self::Pcapng => "pcapng",
        }
    }
}

/// Writes a file's records in its format: the line formats need nothing from one record to
/// the next; pcapng keeps its TCP flows' sequence numbers.
pub struct RecordWriter {
    format: LogFormat,
    pcapng: Option<Box<PcapngState>>,
    steps: CodeUnitSteps,
}

/// TCP streams followed for their byte parity at most; past it they start again from even.
const STEPS_MAX: usize = 4096;

/// Per TCP stream (peer, sent or received): whether an odd number of its bytes came before, so
/// a UTF-16 `text` field decodes from the stream's code unit boundaries, not from each read's.
#[derive(Default)]
struct CodeUnitSteps(HashMap<(Option<SocketAddr>, bool), bool>);

impl CodeUnitSteps {
    /// Whether `entry` starts mid–code unit, in UTF-16; counts its bytes.
    fn starts_odd(&mut self, ctx: &RecordContext, entry: &LogEntry) -> bool {
        let sent = match entry.direction() {
            Direction::Rx => false,
            Direction::Tx => true,
            Direction::Info | Direction::Error => return false,
        };
        // Datagrams are whole in themselves.
        if ctx.encoding.utf16_order().is_none() || ctx.mode == Mode::Udp {
            return false;
        }
        let key = (entry.peer, sent);
        if self.0.len() >= STEPS_MAX && !self.0.contains_key(&key) {
            self.0.clear();
        }
        let odd = self.0.entry(key).or_default();
        let before = *odd;
        *odd ^= entry.bytes().len() % 2 == 1;
        before
    }
}

impl RecordWriter {
    pub fn new(format: LogFormat) -> io::Result<Self> {
        let pcapng = match format {
            LogFormat::Pcapng => Some(Box::new(PcapngState::new())),
            LogFormat::Txt | LogFormat::Csv | LogFormat::Jsonl => None,
        };
        Ok(Self {
            format,
            pcapng,
            steps: CodeUnitSteps::default(),
        })
    }

    /// What comes before the first record of a file (each part of a rotating one).
    pub fn write_header(&mut self, w: &mut impl Write) -> io::Result<()> {
        match &mut self.pcapng {
            Some(pcapng) => pcapng.write_header(w),
            None => write_header(w, self.format),
        }
    }

    /// Appends one entry's record to `out`, with times in the local time zone. Records are
    /// made in memory and written whole, so a failing file never gets half of one from us.
    pub fn write_record(
        &mut self,
        out: &mut Vec<u8>,
        ctx: &RecordContext,
        entry: &LogEntry,
    ) -> io::Result<()> {
        match &mut self.pcapng {
            Some(pcapng) => pcapng.write_record(out, ctx, entry),
            None => {
                let starts_odd = self.steps.starts_odd(ctx, entry);
                write_record(out, self.format, ctx, entry, starts_odd)
            }
        }
    }

    /// Writes a pcapng entry's packets from its staged payload, straight to `w` (see
    /// [`PcapngState::write_packets`]); an error for the line formats.
    pub fn write_packets(
        &mut self,
        w: &mut impl Write,
        ctx: &RecordContext,
        meta: &PacketMeta,
        payload: &mut PacketBuffer,
    ) -> io::Result<()> {
        match &mut self.pcapng {
            Some(pcapng) => pcapng.write_packets(w, ctx, meta, payload),
            None => Err(io::ErrorKind::Unsupported.into()),
        }
    }
}

/// What a record needs besides the entry itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordContext {
    pub mode: Mode,
    /// Decodes the `text` field (and the data in `.txt`).
    pub encoding: TextEncoding,
    /// `.txt` shows data as spaced hex, following the view; `.csv`/`.jsonl` always have both.
    pub hex_text: bool,
}

const CSV_HEADER: &str = "time,mode,dir,peer,len,hex,text\n";

/// Writes what comes before the first line: the column names for `.csv`, nothing otherwise.
fn write_header(w: &mut impl Write, format: LogFormat) -> io::Result<()> {
    match format {
        LogFormat::Csv => w.write_all(CSV_HEADER.as_bytes()),
        LogFormat::Txt | LogFormat::Jsonl | LogFormat::Pcapng => Ok(()),
    }
}

/// Writes one entry as one line ending in `\n`, with times in the local time zone.
/// `starts_odd`: the entry's first byte is the second half of a UTF-16 code unit.
fn write_record(
    w: &mut impl Write,
    format: LogFormat,
    ctx: &RecordContext,
    entry: &LogEntry,
    starts_odd: bool,
) -> io::Result<()> {
    let text = data_text(ctx, entry, starts_odd);
    write_record_in(w, format, ctx, entry, &text, &Local)
}

/// The text of a data entry: its bytes decoded, in UTF-16 from the stream's code unit
/// boundaries (a first byte that finishes the previous read's unit is one U+FFFD, as the
/// previous read's last byte is).
fn data_text<'a>(ctx: &RecordContext, entry: &'a LogEntry, starts_odd: bool) -> Cow<'a, str> {
    match (entry.message(), entry.bytes()) {
        (Some(message), _) => Cow::Borrowed(message),
        (None, [_, rest @ ..]) if starts_odd => {
            Cow::Owned(format!("\u{FFFD}{}", ctx.encoding.decode(rest)))
        }
        (None, bytes) => ctx.encoding.decode(bytes),
    }
}

/// [`write_record`] in a given time zone, so tests do not depend on the machine's; `text` is
/// what the entry says (see [`data_text`]).
fn write_record_in<Tz: TimeZone>(
    w: &mut impl Write,
    format: LogFormat,
    ctx: &RecordContext,
    entry: &LogEntry,
    text: &str,
    zone: &Tz,
) -> io::Result<()> {
    let time = DateTime::<Utc>::from(entry.time)
        .with_timezone(zone)
        .fixed_offset();
    let line = match format {
        LogFormat::Txt => txt_line(ctx, entry, text, &time),
        LogFormat::Csv => csv_line(&Fields::new(ctx, entry, text, &time)),
        LogFormat::Jsonl => jsonl_line(&Fields::new(ctx, entry, text, &time))?,
        // Not a line format: RecordWriter writes it.
        LogFormat::Pcapng => return Err(io::ErrorKind::Unsupported.into()),
    };
    // One write per record, so a failing writer never gets half a line from us.
    w.write_all(line.as_bytes())
}

/// The fields of a `.csv` or `.jsonl` record, in column order.
#[derive(serde::Serialize)]
struct Fields<'a> {
    time: String,
    mode: &'static str,
    dir: &'static str,
    /// Serialized with `Display`, so IPv6 reads `[::1]:9000`.
    peer: Option<SocketAddr>,
    /// Where a datagram was sent, when the socket said (UDP on a wildcard address).
    #[serde(skip_serializing_if = "Option::is_none")]
    to: Option<std::net::IpAddr>,
    /// This end of the conversation, where known.
    #[serde(skip_serializing_if = "Option::is_none")]
    local: Option<SocketAddr>,
    len: usize,
    hex: String,
    text: Cow<'a, str>,
}

impl<'a> Fields<'a> {
    fn new(
        ctx: &RecordContext,
        entry: &'a LogEntry,
        text: &'a str,
        time: &DateTime<FixedOffset>,
    ) -> Self {
        let bytes = entry.bytes();
        Self {
            time: time.to_rfc3339_opts(SecondsFormat::Millis, false),
            mode: ctx.mode.as_str(),
            dir: entry.direction().as_str(),
            peer: entry.peer,
            to: entry.to,
            local: entry.local,
            len: bytes.len(),
            hex: to_hex(bytes),
            text: Cow::Borrowed(text),
        }
    }
}

fn jsonl_line(fields: &Fields<'_>) -> io::Result<String> {
    let mut line = serde_json::to_string(fields)?;
    line.push('\n');
    Ok(line)
}

fn csv_line(fields: &Fields<'_>) -> String {
    let peer = fields
        .peer
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    let len = fields.len.to_string();
    let cells = [
        fields.time.as_str(),
        fields.mode,
        fields.dir,
        &peer,
        &len,
        &fields.hex,
        &fields.text,
    ];
    let mut line = String::new();
    for (index, cell) in cells.into_iter().enumerate() {
        if index > 0 {
            line.push(',');
        }
        push_csv_cell(&mut line, cell);
    }
    line.push('\n');
    line
}

/// Appends a cell, quoted as RFC 4180 requires when it holds a comma, quote or line break.
fn push_csv_cell(line: &mut String, cell: &str) {
    if cell.contains([',', '"', '\r', '\n']) {
        line.push('"');
        line.push_str(&cell.replace('"', "\"\""));
        line.push('"');
    } else {
        line.push_str(cell);
    }
}

/// `2026-11-21 10:00:00.123 RX 127.0.0.1:50412 5 B  Hello`, or for messages
/// `2026-11-21 10:00:00.123 INFO - Connected to ...`.
fn txt_line(
    ctx: &RecordContext,
    entry: &LogEntry,
    text: &str,
    time: &DateTime<FixedOffset>,
) -> String {
    let peer = match entry.peer {
        Some(_) => crate::session::endpoint_text(entry.peer, entry.to),
        None => "-".to_owned(),
    };
    let mut line = format!(
        "{} {} {peer} ",
        time.format("%Y-%m-%d %H:%M:%S%.3f"),
        entry.label()
    );
    if let Some(message) = entry.message() {
        push_escaped(&mut line, message);
    } else {
        let bytes = entry.bytes();
        // Writing to a String cannot fail.
        let _ = write!(line, "{} B  ", bytes.len());
        if ctx.hex_text {
            line.push_str(&to_spaced_hex(bytes));
        } else {
            push_escaped(&mut line, text);
        }
    }
    line.push('\n');
    line
}

/// Appends text with line breaks and other control characters (but not tab)
/// escaped, so a record stays on one line and cannot drive a terminal.
fn push_escaped(line: &mut String, text: &str) {
    for ch in text.chars() {
        match ch {
            '\r' => line.push_str("\\r"),
            '\n' => line.push_str("\\n"),
            '\t' => line.push('\t'),
            // Control characters are all below U+00A0.
            ch if ch.is_control() => {
                let _ = write!(line, "\\x{:02X}", u32::from(ch));
            }
            ch => line.push(ch),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use crate::session::EntryKind;
    use std::time::SystemTime;

    /// 2026-11-21T10:00:00.123+08:00.
    fn test_time() -> SystemTime {
        let time = DateTime::parse_from_rfc3339("2026-11-21T10:00:00.123+08:00").unwrap();
        SystemTime::from(time)
    }

    fn china() -> FixedOffset {
        FixedOffset::east_opt(8 * 3600).unwrap()
    }

    fn ctx(encoding: TextEncoding, hex_text: bool) -> RecordContext {
        RecordContext {
            mode: Mode::TcpServer,
            encoding,
            hex_text,
        }
    }

    fn new_entry(peer: Option<&str>, kind: EntryKind) -> LogEntry {
        LogEntry::new(test_time(), peer.map(|peer| peer.parse().unwrap()), kind)
    }

    /// The record as written in UTC+8.
    fn line(format: LogFormat, ctx: &RecordContext, entry: &LogEntry) -> String {
        let mut out = Vec::new();
        let text = data_text(ctx, entry, false);
        write_record_in(&mut out, format, ctx, entry, &text, &china()).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn utf8() -> RecordContext {
        ctx(TextEncoding::Utf8, false)
    }

    /// UTF-16 read in odd-sized pieces: each record's text starts at the stream's code unit
    /// boundary (the half units at the cut are one U+FFFD each), per peer and direction; a
    /// datagram decodes on its own.
    #[test]
    fn utf16_text_fields_follow_the_streams_code_units() {
        let texts = |mode: Mode, entries: &[LogEntry]| -> Vec<String> {
            let mut writer = RecordWriter::new(LogFormat::Jsonl).unwrap();
            let context = RecordContext {
                mode,
                ..ctx(TextEncoding::Utf16Le, false)
            };
            entries
                .iter()
                .map(|entry| {
                    let mut out = Vec::new();
                    writer.write_record(&mut out, &context, entry).unwrap();
                    let record: serde_json::Value = serde_json::from_slice(&out).unwrap();
                    record["text"].as_str().unwrap().to_owned()
                })
                .collect()
        };
        let a = Some("127.0.0.1:1");
        let b = Some("127.0.0.1:2");
        // "AB" cut after three bytes, from peer a; "C" whole from peer b in between.
        let entries = [
            new_entry(a, EntryKind::Rx(vec![0x41, 0, 0x42])),
            new_entry(b, EntryKind::Rx(vec![0x43, 0])),
            new_entry(a, EntryKind::Tx(vec![0x44, 0])),
            new_entry(a, EntryKind::Rx(vec![0, 0x45, 0])),
        ];
        let stream = texts(Mode::TcpServer, &entries);
        assert_eq!(stream, ["A\u{FFFD}", "C", "D", "\u{FFFD}E"]);
        let datagrams = texts(Mode::Udp, &entries);
        assert_eq!(datagrams[3], "\u{4500}\u{FFFD}");
    }

    #[test]
    fn from_path_by_extension() {
        let cases = [
            ("a.txt", Some(LogFormat::Txt)),
            ("a.LOG", Some(LogFormat::Txt)),
            ("dir.d/a.Csv", Some(LogFormat::Csv)),
            ("a.jsonl", Some(LogFormat::Jsonl)),
            ("a.NDJSON", Some(LogFormat::Jsonl)),
            ("a.json", None),
            ("a", None),
            (".csv", None),
            ("a.csv.gz", None),
        ];
        for (path, expected) in cases {
            assert_eq!(LogFormat::from_path(Path::new(path)), expected, "{path}");
        }
        for format in LogFormat::ALL {
            let path = format!("x.{}", format.extension());
            assert_eq!(LogFormat::from_path(Path::new(&path)), Some(format));
        }
    }

    #[test]
    fn headers() {
        let mut out = Vec::new();
        write_header(&mut out, LogFormat::Csv).unwrap();
        assert_eq!(out, b"time,mode,dir,peer,len,hex,text\n");
        for format in [LogFormat::Txt, LogFormat::Jsonl] {
            let mut out = Vec::new();
            write_header(&mut out, format).unwrap();
            assert!(out.is_empty());
        }
    }

    #[test]
    fn jsonl_rx_with_ipv4_peer() {
        let entry = new_entry(Some("127.0.0.1:50412"), EntryKind::Rx(b"Hello".to_vec()));
        let expected = r#"{"time":"2026-11-21T10:00:00.123+08:00","mode":"tcp-server","dir":"rx","peer":"127.0.0.1:50412","len":5,"hex":"48656c6c6f","text":"Hello"}"#;
        assert_eq!(
            line(LogFormat::Jsonl, &utf8(), &entry),
            format!("{expected}\n")
        );
    }

    #[test]
    fn jsonl_says_where_a_datagram_was_sent_when_known() {
        let entry = new_entry(Some("10.0.0.2:7"), EntryKind::Rx(b"hi".to_vec()))
            .sent_to(Some("239.1.2.3".parse().expect("an address")));
        let json = line(LogFormat::Jsonl, &utf8(), &entry);
        let value: serde_json::Value = serde_json::from_str(&json).expect("json");
        assert_eq!(value["peer"], "10.0.0.2:7");
        assert_eq!(value["to"], "239.1.2.3");
        let txt = line(LogFormat::Txt, &utf8(), &entry);
        assert!(txt.contains(" RX 10.0.0.2:7 → 239.1.2.3 "), "{txt}");
    }

    #[test]
    fn jsonl_info_with_null_peer() {
        let entry = new_entry(None, EntryKind::Info("Listening on 0.0.0.0:9000".into()));
        let expected = r#"{"time":"2026-11-21T10:00:00.123+08:00","mode":"tcp-server","dir":"info","peer":null,"len":0,"hex":"","text":"Listening on 0.0.0.0:9000"}"#;
        assert_eq!(
            line(LogFormat::Jsonl, &utf8(), &entry),
            format!("{expected}\n")
        );
    }

    #[test]
    fn utc_offset_is_written_as_numbers() {
        let entry = new_entry(None, EntryKind::Rx(Vec::new()));
        let mut out = Vec::new();
        let text = data_text(&utf8(), &entry, false);
        write_record_in(&mut out, LogFormat::Jsonl, &utf8(), &entry, &text, &Utc).unwrap();
        let line = String::from_utf8(out).unwrap();
        assert!(
            line.starts_with(r#"{"time":"2026-11-21T02:00:00.123+00:00","#),
            "{line}"
        );
    }

    #[test]
    fn jsonl_ipv6_peer_and_tx() {
        let entry = new_entry(Some("[::1]:9000"), EntryKind::Tx(vec![0, 0xff]));
        let line = line(LogFormat::Jsonl, &utf8(), &entry);
        assert!(
            line.contains(
                r#""dir":"tx","peer":"[::1]:9000","len":2,"hex":"00ff","text":"\u0000�"}"#
            ),
            "{line}"
        );
    }

    #[test]
    fn jsonl_gbk_text_is_decoded() {
        let entry = new_entry(None, EntryKind::Rx(vec![0xc4, 0xe3, 0xba, 0xc3, b'!']));
        let line = line(LogFormat::Jsonl, &ctx(TextEncoding::Gbk, true), &entry);
        let expected = r#"{"time":"2026-11-21T10:00:00.123+08:00","mode":"tcp-server","dir":"rx","peer":null,"len":5,"hex":"c4e3bac321","text":"你好!"}"#;
        assert_eq!(line, format!("{expected}\n"));
    }

    /// Writes with the real local time zone and reads the line back as JSON.
    #[test]
    fn jsonl_parses_back() {
        let entries = [
            new_entry(Some("10.0.0.2:7"), EntryKind::Tx("a\"b\\c\n".into())),
            new_entry(None, EntryKind::Error("Connection refused".into())),
        ];
        let mut out = Vec::new();
        for entry in &entries {
            write_record(&mut out, LogFormat::Jsonl, &utf8(), entry, false).unwrap();
        }
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        let values: Vec<serde_json::Value> = lines
            .iter()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        for value in &values {
            let time = DateTime::parse_from_rfc3339(value["time"].as_str().unwrap()).unwrap();
            assert_eq!(SystemTime::from(time), test_time());
            assert_eq!(value["mode"], "tcp-server");
        }
        assert_eq!(values[0]["dir"], "tx");
        assert_eq!(values[0]["peer"], "10.0.0.2:7");
        assert_eq!(values[0]["len"], 6);
        assert_eq!(values[0]["hex"], "6122625c630a");
        assert_eq!(values[0]["text"], "a\"b\\c\n");
        assert_eq!(values[1]["dir"], "error");
        assert!(values[1]["peer"].is_null());
        assert_eq!(values[1]["len"], 0);
        assert_eq!(values[1]["hex"], "");
        assert_eq!(values[1]["text"], "Connection refused");
    }

    #[test]
    fn csv_plain_fields() {
        let entry = new_entry(Some("[::1]:9000"), EntryKind::Rx(b"Hello".to_vec()));
        assert_eq!(
            line(LogFormat::Csv, &utf8(), &entry),
            "2026-11-21T10:00:00.123+08:00,tcp-server,rx,[::1]:9000,5,48656c6c6f,Hello\n"
        );
        let entry = new_entry(None, EntryKind::Info("Stopped".into()));
        assert_eq!(
            line(LogFormat::Csv, &utf8(), &entry),
            "2026-11-21T10:00:00.123+08:00,tcp-server,info,,0,,Stopped\n"
        );
    }

    #[test]
    fn csv_quotes_special_text() {
        let cases = [
            ("a,b", "\"a,b\""),
            ("say \"hi\"", "\"say \"\"hi\"\"\""),
            ("one\r\ntwo", "\"one\r\ntwo\""),
            ("tab\tok", "tab\tok"),
        ];
        for (text, cell) in cases {
            let entry = new_entry(None, EntryKind::Rx(text.into()));
            let line = line(LogFormat::Csv, &utf8(), &entry);
            let expected = format!(",{},{cell}\n", to_hex(text.as_bytes()));
            assert!(
                line.ends_with(&expected),
                "{line:?} should end with {expected:?}"
            );
        }
    }

    #[test]
    fn txt_data_line() {
        let entry = new_entry(Some("127.0.0.1:50412"), EntryKind::Rx(b"Hello".to_vec()));
        assert_eq!(
            line(LogFormat::Txt, &utf8(), &entry),
            "2026-11-21 10:00:00.123 RX 127.0.0.1:50412 5 B  Hello\n"
        );
    }

    #[test]
    fn txt_message_line() {
        let entry = new_entry(None, EntryKind::Info("Connected to 10.0.0.2:80".into()));
        assert_eq!(
            line(LogFormat::Txt, &utf8(), &entry),
            "2026-11-21 10:00:00.123 INFO - Connected to 10.0.0.2:80\n"
        );
        let entry = new_entry(
            Some("10.0.0.2:80"),
            EntryKind::Error("reset\nby peer".into()),
        );
        assert_eq!(
            line(LogFormat::Txt, &utf8(), &entry),
            "2026-11-21 10:00:00.123 ERROR 10.0.0.2:80 reset\\nby peer\n"
        );
    }

    #[test]
    fn txt_stays_on_one_line() {
        let entry = new_entry(
            Some("[::1]:9000"),
            EntryKind::Tx(b"GET /\r\n\tx\x1b[0m\x00".to_vec()),
        );
        let line = line(LogFormat::Txt, &utf8(), &entry);
        assert_eq!(line.lines().count(), 1);
        assert!(
            line.ends_with(" TX [::1]:9000 14 B  GET /\\r\\n\tx\\x1B[0m\\x00\n"),
            "{line:?}"
        );
    }

    #[test]
    fn txt_hex_and_gbk() {
        let bytes = vec![0xc4, 0xe3, 0xba, 0xc3, 0x0a];
        let entry = new_entry(None, EntryKind::Rx(bytes));
        let hex = line(LogFormat::Txt, &ctx(TextEncoding::Gbk, true), &entry);
        assert!(hex.ends_with(" RX - 5 B  C4 E3 BA C3 0A\n"), "{hex:?}");
        let text = line(LogFormat::Txt, &ctx(TextEncoding::Gbk, false), &entry);
        assert!(text.ends_with(" RX - 5 B  你好\\n\n"), "{text:?}");
    }

    #[test]
    fn txt_uses_local_time() {
        let entry = new_entry(None, EntryKind::Info("x".into()));
        let mut out = Vec::new();
        write_record(&mut out, LogFormat::Txt, &utf8(), &entry, false).unwrap();
        let local = DateTime::<Local>::from(test_time()).format("%Y-%m-%d %H:%M:%S%.3f ");
        assert!(
            String::from_utf8(out)
                .unwrap()
                .starts_with(&local.to_string())
        );
    }
}
