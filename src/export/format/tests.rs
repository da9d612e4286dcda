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
        datagrams: false,
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
    write_record_in(&mut out, (format, false), ctx, entry, &text, &china()).unwrap();
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
            datagrams: mode == Mode::Udp,
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
    write_record_in(
        &mut out,
        (LogFormat::Jsonl, false),
        &utf8(),
        &entry,
        &text,
        &Utc,
    )
    .unwrap();
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
        line.contains(r#""dir":"tx","peer":"[::1]:9000","len":2,"hex":"00ff","text":"\u0000�"}"#),
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

#[test]
fn jsonl_of_every_byte_parses_back_to_its_hex_and_text() {
    let bytes: Vec<u8> = (0..=u8::MAX).chain(0..=u8::MAX).collect();
    let entry = new_entry(Some("127.0.0.1:7"), EntryKind::Rx(bytes.clone()));
    let value: serde_json::Value =
        serde_json::from_str(&line(LogFormat::Jsonl, &utf8(), &entry)).unwrap();
    let hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    assert_eq!(value["hex"], hex);
    assert_eq!(value["len"], 512);
    assert_eq!(value["text"], String::from_utf8_lossy(&bytes).as_ref());
    assert_eq!(value["peer"], "127.0.0.1:7");
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
        write_record(&mut out, (LogFormat::Jsonl, false), &utf8(), entry, false).unwrap();
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
    write_record(&mut out, (LogFormat::Txt, false), &utf8(), &entry, false).unwrap();
    let local = DateTime::<Local>::from(test_time()).format("%Y-%m-%d %H:%M:%S%.3f ");
    assert!(
        String::from_utf8(out)
            .unwrap()
            .starts_with(&local.to_string())
    );
}

#[test]
fn escaping_copies_runs_and_escapes_every_control_character_as_before() {
    // What push_escaped wrote before it copied runs: one character at a time.
    fn by_character(text: &str) -> String {
        let mut line = String::new();
        for ch in text.chars() {
            match ch {
                '\r' => line.push_str("\\r"),
                '\n' => line.push_str("\\n"),
                '\t' => line.push('\t'),
                ch if ch.is_control() => line.push_str(&format!("\\x{:02X}", u32::from(ch))),
                ch => line.push(ch),
            }
        }
        line
    }
    let every: String = (0..0x300u32).filter_map(char::from_u32).collect();
    // Each kind of character at each place near and across the edges of the 64-byte blocks
    // scanned whole.
    let mut placed = Vec::new();
    for ch in [
        '\0', '\t', '\r', '\u{1F}', '\u{7F}', '\u{85}', '\u{9F}', '\u{A0}', 'é', '你',
    ] {
        for at in (0..20).chain(56..72).chain(120..136) {
            placed.push(format!("{}{ch}{}", "a".repeat(at), "b".repeat(19 - at % 7)));
        }
    }
    for text in placed.iter().map(String::as_str).chain([
        every.as_str(),
        "",
        "plain",
        "你好\r\n世界\u{0}\u{7F}\u{85}\u{9F}\t.",
        "\n",
    ]) {
        let mut line = b"> ".to_vec();
        push_escaped(&mut line, text);
        let line = String::from_utf8(line).unwrap();
        assert_eq!(line, format!("> {}", by_character(text)), "{text:?}");
    }
}

#[test]
fn a_block_marks_exactly_the_bytes_that_may_escape() {
    for byte in 0..=u8::MAX {
        let expected = byte < 0x20 && byte != b'\t' || byte == 0x7F || byte == 0xC2;
        for at in 0..64 {
            // The others hold bytes that never escape, low and high.
            let mut block: [u8; 64] = std::array::from_fn(|i| b"a\xFF ~\x80\xC3!\x7E\t"[i % 9]);
            block[at] = byte;
            let alone = if expected { 1 << at } else { 0 };
            assert_eq!(candidates_in(&block), alone, "{byte:#04x} at {at}");
            // Beside others that may, each is marked.
            block[(at + 1) % 64] = b'\n';
            block[(at + 63) % 64] = 0xC2;
            let marked = alone | 1 << ((at + 1) % 64) | 1 << ((at + 63) % 64);
            assert_eq!(candidates_in(&block), marked, "{byte:#04x} at {at}");
        }
    }
}
