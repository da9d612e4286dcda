//! The recording readers for replay: any file, and files the app's own writers made.

use std::io::Cursor;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::{Duration, UNIX_EPOCH};

use sockscope::codec::TextEncoding;
use sockscope::export::replay::{self, Recording, ReplayChoice, ReplayError};
use sockscope::export::{LogFormat, RecordContext, RecordWriter};
use sockscope::session::{EntryKind, LogEntry, Mode};

use crate::input::Input;

/// What a reading holds, checked against the file it came from: never more payload than the
/// file had, its counts adding up, its timeline in order.
fn check_recording(recording: &Recording, file_len: usize) {
    let bytes: usize = recording
        .messages
        .iter()
        .map(|message| message.bytes.len())
        .sum();
    assert_eq!(recording.bytes, bytes as u64);
    assert!(
        bytes <= file_len,
        "{bytes} payload bytes from a file of {file_len}"
    );
    assert!(recording.records >= recording.messages.len());
    let span = recording.span();
    let timeline = recording.clone().timeline();
    assert_eq!(timeline.len(), recording.messages.len());
    assert!(
        timeline.windows(2).all(|pair| pair[0].0 <= pair[1].0),
        "a message before the one ahead"
    );
    if let Some((last, _)) = timeline.last() {
        assert!(span <= *last || recording.messages.len() < 2);
    }
}

/// The `.jsonl` and `.pcapng` readers on any bytes: no panic, an answer or an error, and what
/// they read is bounded by the file.
pub fn replay_read(data: &[u8]) {
    let mut input = Input::new(data);
    let pcapng = input.bool();
    let choice = ReplayChoice {
        received: input.bool(),
        peer: if input.bool() {
            input.text(8)
        } else {
            String::new()
        },
    };
    let file = input.rest();
    let read = if pcapng {
        replay::read_pcapng(Cursor::new(file), &choice)
    } else {
        replay::read_jsonl(Cursor::new(file), &choice)
    };
    match read {
        Ok(recording) => check_recording(&recording, file.len()),
        Err(ReplayError::TooLarge) => panic!("a {}-byte file is too large", file.len()),
        Err(_) => {}
    }
}

/// Entries from the fuzzer's bytes, as a session records them, in the order of their times.
fn entries(input: &mut Input<'_>) -> Vec<LogEntry> {
    let mut time = UNIX_EPOCH + Duration::from_secs(1_600_000_000);
    let mut entries = Vec::new();
    while !input.is_empty() && entries.len() < 40 {
        time += Duration::from_nanos(input.u32().into());
        let port = input.u16();
        let peer = match input.byte() % 4 {
            0 => None,
            1 => Some(SocketAddr::new(
                IpAddr::V4(Ipv4Addr::new(127, 0, 0, input.byte())),
                port,
            )),
            2 => Some(SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), port)),
            _ => Some(SocketAddr::new(
                IpAddr::V4(Ipv4Addr::new(192, 0, 2, 7)),
                port,
            )),
        };
        let local = match input.byte() % 3 {
            0 => None,
            1 => Some(SocketAddr::new(
                IpAddr::V4(Ipv4Addr::LOCALHOST),
                input.u16(),
            )),
            _ => Some(SocketAddr::new(
                IpAddr::V6(Ipv6Addr::LOCALHOST),
                input.u16(),
            )),
        };
        let kind = input.byte() % 7;
        let bytes = input.bytes(200).to_vec();
        let kind = match kind {
            0 | 1 => EntryKind::Rx(bytes),
            2 => EntryKind::Tx(bytes),
            3 => EntryKind::AutoTx(bytes),
            4 => EntryKind::ToUpstream(bytes),
            5 => EntryKind::ToClient(bytes),
            _ => EntryKind::Info(String::from_utf8_lossy(&bytes).into_owned()),
        };
        entries.push(LogEntry::new(time, peer, kind).at(local));
    }
    entries
}

/// A file the app's own `.jsonl` and `.pcapng` writers made reads back to the same messages:
/// each direction's payloads, peers and times, in order.
pub fn replay_roundtrip(data: &[u8]) {
    let mut input = Input::new(data);
    let mode = input.pick(&Mode::ALL);
    let encoding = input.pick(&TextEncoding::ALL);
    let entries = entries(&mut input);
    let ctx = RecordContext {
        mode,
        datagrams: mode == Mode::Udp,
        encoding,
        hex_text: false,
    };
    for format in [LogFormat::Jsonl, LogFormat::Pcapng] {
        let mut writer = RecordWriter::new(format).unwrap_or_else(|error| panic!("{error}"));
        let mut file = Vec::new();
        writer
            .write_header(&mut file)
            .unwrap_or_else(|error| panic!("{error}"));
        for entry in &entries {
            writer
                .write_record(&mut file, &ctx, entry)
                .unwrap_or_else(|error| panic!("{error}"));
        }
        for received in [true, false] {
            let choice = ReplayChoice {
                received,
                peer: String::new(),
            };
            let read = match format {
                LogFormat::Pcapng => replay::read_pcapng(Cursor::new(&file), &choice),
                _ => replay::read_jsonl(Cursor::new(&file), &choice),
            }
            .unwrap_or_else(|error| panic!("{format:?}: {error}"));
            // What the writer keeps of each chosen entry: pcapng has packets only of data with
            // a peer, and no empty TCP segment.
            let expected: Vec<_> = entries
                .iter()
                .filter(|entry| {
                    let data = entry.kind.message().is_none();
                    let inbound = matches!(entry.kind, EntryKind::Rx(_) | EntryKind::ToUpstream(_));
                    let direction = inbound == received;
                    // A relay's entry crossed its client's leg only with that leg's end (a read
                    // a rule kept from going on has none); these entries cross no other leg.
                    let relay = matches!(
                        entry.kind,
                        EntryKind::ToUpstream(_) | EntryKind::ToClient(_)
                    );
                    let on_a_leg = !relay || entry.local.is_some();
                    let kept = match format {
                        LogFormat::Pcapng => {
                            entry.peer.is_some()
                                && (mode == Mode::Udp || !entry.bytes().is_empty())
                                && on_a_leg
                        }
                        _ => true,
                    };
                    data && direction && kept
                })
                .collect();
            let got: Vec<_> = read
                .messages
                .iter()
                .map(|message| (message.bytes.as_slice(), message.peer, message.time))
                .collect();
            let wanted: Vec<_> = expected
                .iter()
                .map(|entry| {
                    let time = match format {
                        // .jsonl keeps milliseconds.
                        LogFormat::Jsonl => {
                            let since = entry.time.duration_since(UNIX_EPOCH).unwrap_or_default();
                            UNIX_EPOCH + Duration::from_millis(since.as_millis() as u64)
                        }
                        _ => entry.time,
                    };
                    (entry.bytes(), entry.peer, time)
                })
                .collect();
            assert_eq!(got, wanted, "{format:?} {mode:?} received {received}");
            check_recording(&read, file.len());
        }
    }
}
