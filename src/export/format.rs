//! The log file formats: one line per entry in `.txt`, `.csv` or `.jsonl`, or packets in
//! `.pcapng` (see `super::pcapng`).
//!
//! `.csv`, `.jsonl` and `.pcapng` are byte-exact (length and hex of what crossed the wire, or
//! the packets' payloads); `.txt` is for reading.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{self, Write};
use std::net::SocketAddr;
use std::path::Path;

use chrono::{DateTime, FixedOffset, Local, SecondsFormat, TimeZone, Utc};

use super::pcapng::{PacketBuffer, PacketMeta, PcapngState};
use crate::codec::{TextEncoding, push_hex, push_spaced_hex, to_hex};
use crate::session::{Direction, EntryTag, LogEntry, Mode};

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
    /// `.txt` lines with their time and direction in terminal colours.
    colour: bool,
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
            Direction::Rx | Direction::ToClient => false,
            Direction::Tx | Direction::ToUpstream => true,
            Direction::Info | Direction::Error => return false,
        };
        // Datagrams are whole in themselves.
        if ctx.encoding.utf16_order().is_none() || ctx.datagrams {
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
            colour: false,
        })
    }

    /// `.txt` lines for a terminal: the time dim and the direction in a colour of its own
    /// (escape sequences, so only where they are read as such).
    #[must_use]
    pub fn in_colour(mut self, colour: bool) -> Self {
        self.colour = colour && self.format == LogFormat::Txt;
        self
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
                write_record(out, (self.format, self.colour), ctx, entry, starts_odd)
            }
        }
    }

    /// Writes a pcapng entry's packets from its staged payload, straight to `w` (see
    /// `PcapngState::write_packets`); an error for the line formats.
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
    /// Each entry is a datagram (UDP, a UDP relay): whole in itself, one UDP packet in
    /// `.pcapng`.
    pub datagrams: bool,
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

/// [`write_record_in`] with times in the local time zone. `starts_odd`: the entry's first
/// byte is the second half of a UTF-16 code unit.
fn write_record(
    out: &mut Vec<u8>,
    style: (LogFormat, bool),
    ctx: &RecordContext,
    entry: &LogEntry,
    starts_odd: bool,
) -> io::Result<()> {
    // A .txt line in hex shows no text: decoding a flood only to drop it cost as much as the
    // rest of the line.
    let hex_line = style.0 == LogFormat::Txt && ctx.hex_text && entry.message().is_none();
    let text = if hex_line {
        Cow::Borrowed("")
    } else {
        data_text(ctx, entry, starts_odd)
    };
    write_record_in(out, style, ctx, entry, &text, &Local)
}

/// The text of a data entry: its bytes decoded, in UTF-16 from the stream's code unit
/// boundaries (a first byte that finishes the previous read's unit is one U+FFFD, as the
/// previous read's last byte is).
/// A send written as text decodes in its own encoding, whole.
fn data_text<'a>(ctx: &RecordContext, entry: &'a LogEntry, starts_odd: bool) -> Cow<'a, str> {
    if let (None, Some(encoding)) = (entry.message(), entry.written_in) {
        return encoding.decode(entry.bytes());
    }
    match (entry.message(), entry.bytes()) {
        (Some(message), _) => Cow::Borrowed(message),
        (None, [_, rest @ ..]) if starts_odd => {
            Cow::Owned(format!("\u{FFFD}{}", ctx.encoding.decode(rest)))
        }
        (None, bytes) => ctx.encoding.decode(bytes),
    }
}

/// Writes one entry as one line ending in `\n`, in `format` (`.txt` in colour or not), with
/// times in `zone` (tests give one, so they do not depend on the machine's); `text` is what
/// the entry says (see [`data_text`]).
fn write_record_in<Tz: TimeZone>(
    out: &mut Vec<u8>,
    (format, colour): (LogFormat, bool),
    ctx: &RecordContext,
    entry: &LogEntry,
    text: &str,
    zone: &Tz,
) -> io::Result<()> {
    let time = DateTime::<Utc>::from(entry.time)
        .with_timezone(zone)
        .fixed_offset();
    match format {
        // Straight into `out`: a flood's text is copied once on its way to the file.
        LogFormat::Txt => {
            write_txt_line(out, ctx, entry, text, &time, colour);
            Ok(())
        }
        LogFormat::Csv => {
            out.extend_from_slice(csv_line(&Fields::new(ctx, entry, text, &time)).as_bytes());
            Ok(())
        }
        LogFormat::Jsonl => write_jsonl_line(out, &Fields::new(ctx, entry, text, &time)),
        // Not a line format: RecordWriter writes it.
        LogFormat::Pcapng => Err(io::ErrorKind::Unsupported.into()),
    }
}

/// The fields of a `.csv` or `.jsonl` record, in column order: the head, then the data as hex
/// and as text.
struct Fields<'a> {
    head: Head,
    bytes: &'a [u8],
    text: &'a str,
}

/// What a record says of its entry before the data, in column order.
#[derive(serde::Serialize)]
struct Head {
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
}

impl<'a> Fields<'a> {
    fn new(
        ctx: &RecordContext,
        entry: &'a LogEntry,
        text: &'a str,
        time: &DateTime<FixedOffset>,
    ) -> Self {
        let bytes = entry.bytes();
        let head = Head {
            time: time.to_rfc3339_opts(SecondsFormat::Millis, false),
            mode: ctx.mode.as_str(),
            dir: entry.direction().as_str(),
            peer: entry.peer,
            to: entry.to,
            local: entry.local,
            len: bytes.len(),
        };
        Self { head, bytes, text }
    }
}

/// A `.jsonl` line: the head by serde, then `"hex"` as it is, then `"text"` by serde. Hex
/// digits need no escape, and serde's look at each of them for one took most of the CPU of a
/// .jsonl flood.
fn write_jsonl_line(out: &mut Vec<u8>, fields: &Fields<'_>) -> io::Result<()> {
    let start = out.len();
    let written = (|| {
        serde_json::to_writer(&mut *out, &fields.head)?;
        // The head's closing brace: the object goes on.
        if out.pop() != Some(b'}') {
            return Err(io::Error::other("a record's head is not a JSON object"));
        }
        out.extend_from_slice(b",\"hex\":\"");
        push_hex(out, fields.bytes);
        out.extend_from_slice(b"\",\"text\":");
        serde_json::to_writer(&mut *out, fields.text)?;
        out.extend_from_slice(b"}\n");
        Ok(())
    })();
    // Never half a record (see `RecordWriter::write_record`).
    if written.is_err() {
        out.truncate(start);
    }
    written
}

fn csv_line(fields: &Fields<'_>) -> String {
    let head = &fields.head;
    let peer = head
        .peer
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    let len = head.len.to_string();
    let hex = to_hex(fields.bytes);
    let cells = [
        head.time.as_str(),
        head.mode,
        head.dir,
        &peer,
        &len,
        &hex,
        fields.text,
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
/// `2026-11-21 10:00:00.123 INFO - Connected to ...`, appended to `out`.
fn write_txt_line(
    out: &mut Vec<u8>,
    ctx: &RecordContext,
    entry: &LogEntry,
    text: &str,
    time: &DateTime<FixedOffset>,
    colour: bool,
) {
    let peer = match entry.peer {
        Some(_) => crate::session::endpoint_text(entry.peer, entry.to),
        None => "-".to_owned(),
    };
    let time = time.format("%Y-%m-%d %H:%M:%S%.3f");
    let label = entry.label();
    // Writing to a Vec cannot fail.
    let _ = if colour {
        let (dim, shade, plain) = ("\x1b[2m", shade_of(entry.kind.tag()), "\x1b[0m");
        write!(out, "{dim}{time}{plain} {shade}{label}{plain} {peer} ")
    } else {
        write!(out, "{time} {label} {peer} ")
    };
    if let Some(message) = entry.message() {
        push_escaped(out, message);
    } else {
        let bytes = entry.bytes();
        let _ = write!(out, "{} B  ", bytes.len());
        if ctx.hex_text {
            push_spaced_hex(out, bytes);
        } else {
            push_escaped(out, text);
        }
    }
    out.push(b'\n');
}

/// The terminal colour (SGR) of a direction: what arrived green, what was sent cyan, what the
/// app sent of itself (auto-replies, scripts, injections) magenta, errors red.
fn shade_of(tag: EntryTag) -> &'static str {
    match tag {
        EntryTag::Rx | EntryTag::ToUpstream | EntryTag::ToClient => "\x1b[32m",
        EntryTag::Tx => "\x1b[36m",
        EntryTag::AutoTx | EntryTag::InjectedToUpstream | EntryTag::InjectedToClient => "\x1b[35m",
        EntryTag::Info => "\x1b[1m",
        EntryTag::Error => "\x1b[1;31m",
    }
}

/// Appends text with line breaks and other control characters (but not tab)
/// escaped, so a record stays on one line and cannot drive a terminal.
fn push_escaped(line: &mut Vec<u8>, text: &str) {
    // Looked for in the bytes, without decoding: the control characters are U+0000 to U+001F
    // and U+007F (one byte each) and U+0080 to U+009F (0xC2 then 0x80 to 0x9F). Runs of
    // everything else go in one copy: a flood of text is mostly that.
    let bytes = text.as_bytes();
    line.reserve(bytes.len());
    let (blocks, rest) = bytes.as_chunks::<64>();
    let mut shown_from = 0;
    for (index, block) in blocks.iter().enumerate() {
        let mut candidates = candidates_in(block);
        while candidates != 0 {
            let at = index * 64 + candidates.trailing_zeros() as usize;
            candidates &= candidates - 1;
            shown_from = escape_at(line, bytes, at, shown_from);
        }
    }
    let rest_at = blocks.len() * 64;
    for (offset, &byte) in rest.iter().enumerate() {
        if may_escape(byte) {
            shown_from = escape_at(line, bytes, rest_at + offset, shown_from);
        }
    }
    line.extend_from_slice(&bytes[shown_from..]);
}

/// A byte that may start an escape: below 0x20 but tab, 0x7F, or 0xC2 (which leads U+0080
/// to U+009F).
fn may_escape(byte: u8) -> bool {
    (byte < 0x20 && byte != b'\t') | (byte == 0x7F) | (byte == 0xC2)
}

/// The bytes of `block` that may start an escape, as bit i for byte i. The tests go into an
/// array of flags first: that loop the compiler turns into vector compares, 16 or 32 bytes at
/// a time, where testing and packing in one loop stays byte by byte (measured: 0.25 s of CPU
/// per GiB of text with line breaks, against 0.45 for eight-byte words).
fn candidates_in(block: &[u8; 64]) -> u64 {
    let mut flags = [0u8; 64];
    for (flag, &byte) in flags.iter_mut().zip(block) {
        *flag = u8::from(may_escape(byte));
    }
    let mut candidates = 0;
    for (index, eight) in flags.as_chunks::<8>().0.iter().enumerate() {
        // Flag k (bit 8k) lands on bit 56 + k; no two of the products meet, so none carries.
        let packed = u64::from_le_bytes(*eight).wrapping_mul(0x0102_0408_1020_4080) >> 56;
        candidates |= packed << (8 * index);
    }
    candidates
}

/// Writes the text shown since `shown_from` up to `at`, then the escape at `at` if there is
/// one there; returns where the shown text goes on.
fn escape_at(line: &mut Vec<u8>, bytes: &[u8], at: usize, shown_from: usize) -> usize {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let (code, width) = match (bytes[at], bytes.get(at + 1)) {
        // Not expected: the second byte of an escape is never a candidate.
        _ if at < shown_from => return shown_from,
        (0xC2, Some(&code @ 0x80..=0x9F)) => (code, 2),
        // The lead byte of a character that is not a control.
        (0xC2, _) => return shown_from,
        (code, _) => (code, 1),
    };
    // `at` starts a character (an ASCII byte or a lead byte), so the run is whole text.
    line.extend_from_slice(&bytes[shown_from..at]);
    match code {
        b'\r' => line.extend_from_slice(b"\\r"),
        b'\n' => line.extend_from_slice(b"\\n"),
        code => {
            let hex = [HEX[usize::from(code >> 4)], HEX[usize::from(code & 0xF)]];
            line.extend_from_slice(&[b'\\', b'x', hex[0], hex[1]]);
        }
    }
    at + width
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests;
