//! Writes the seeds that are files of the app's own formats, with the app's own writers:
//! quick-command exports, remembered settings, and `.pcapng`/`.jsonl` recordings for replay.
//! `cargo run --example seeds` in fuzz/ (the other seeds are small hand-made inputs).

use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, UNIX_EPOCH};

use sockscope::app::remembered;
use sockscope::codec::{ByteOrder, Checksum, PayloadFormat, TextEncoding};
use sockscope::export::{LogFormat, RecordContext, RecordWriter};
use sockscope::session::{EntryKind, LogEntry, Mode};
use sockscope::tab::payloads::{self, Payload, QuickCommand};
use sockscope::tab::{Append, SendFields};

fn write(target: &str, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target);
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join(name), bytes)
}

fn recording(format: LogFormat, mode: Mode) -> std::io::Result<Vec<u8>> {
    let peer: SocketAddr = "127.0.0.1:9000".parse().map_err(std::io::Error::other)?;
    let peer6: SocketAddr = "[::1]:7".parse().map_err(std::io::Error::other)?;
    let time = UNIX_EPOCH + Duration::from_millis(1_764_000_000_123);
    let entries = [
        LogEntry::new(time, Some(peer), EntryKind::Rx(b"hello".to_vec())),
        LogEntry::new(time, None, EntryKind::Info("Connected".into())),
        LogEntry::new(
            time + Duration::from_millis(5),
            Some(peer),
            EntryKind::Tx(vec![0, 0xFF, b'\n']),
        ),
        LogEntry::new(
            time + Duration::from_secs(1),
            Some(peer6),
            EntryKind::AutoTx("你好".into()),
        ),
        LogEntry::new(
            time + Duration::from_secs(2),
            Some(peer6),
            EntryKind::Rx(Vec::new()),
        ),
    ];
    let ctx = RecordContext {
        mode,
        datagrams: mode == Mode::Udp,
        encoding: TextEncoding::Utf8,
        hex_text: false,
    };
    let mut writer = RecordWriter::new(format)?;
    let mut file = Vec::new();
    writer.write_header(&mut file)?;
    for entry in &entries {
        writer.write_record(&mut file, &ctx, entry)?;
    }
    Ok(file)
}

fn main() -> std::io::Result<()> {
    let commands = vec![
        QuickCommand {
            name: "Modbus read".into(),
            payload: Payload {
                text: "01 03 00 00 00 0A".into(),
                format: PayloadFormat::Hex,
                send: SendFields {
                    checksum: Checksum::Crc16Modbus,
                    order: ByteOrder::LittleEndian,
                    ..SendFields::default()
                },
            },
        },
        QuickCommand {
            name: "你好".into(),
            payload: Payload {
                text: "AT{{counter width=3}}\\r\\n{{crc sum8}}".into(),
                format: PayloadFormat::Text,
                send: SendFields {
                    escapes: true,
                    append: Append::Custom,
                    custom_hex: "0D 0A".into(),
                    encoding: Some(TextEncoding::Gbk),
                    ..SendFields::default()
                },
            },
        },
    ];
    let json = payloads::commands_json(&commands).map_err(std::io::Error::other)?;
    write("quick_import", "two", json.as_bytes())?;
    let one = payloads::commands_json(&commands[..1]).map_err(std::io::Error::other)?;
    write("quick_import", "one", one.as_bytes())?;
    write(
        "quick_import",
        "empty",
        br#"{"sockscope_quick_commands":1,"commands":[]}"#,
    )?;
    write(
        "quick_import",
        "defaults",
        br#"{"sockscope_quick_commands":2,"commands":[{"name":"x"},{}]}"#,
    )?;

    let (defaults, _) = remembered::reread("");
    let defaults = defaults.map_err(std::io::Error::other)?;
    write("settings", "defaults", defaults.as_bytes())?;
    write(
        "settings",
        "truncated",
        &defaults.as_bytes()[..defaults.len() / 2],
    )?;
    let damaged = defaults.replacen("max_fps:", "max_fps:\"fast\",x:", 1);
    write("settings", "damaged_part", damaged.as_bytes())?;
    write(
        "settings",
        "partial",
        b"(max_fps:30,language:Some(SimplifiedChinese),settings_open:false)",
    )?;

    // replay_read: [pcapng flag, received, peer flag], then the file.
    for (name, format, mode) in [
        ("pcapng_tcp", LogFormat::Pcapng, Mode::TcpClient),
        ("pcapng_udp", LogFormat::Pcapng, Mode::Udp),
        ("jsonl_written", LogFormat::Jsonl, Mode::TcpServer),
    ] {
        let mut seed = vec![u8::from(format == LogFormat::Pcapng), 1, 0];
        seed.extend(recording(format, mode)?);
        write("replay_read", name, &seed)?;
    }
    Ok(())
}
