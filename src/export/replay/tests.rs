//! Tests of [`super`].

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use super::*;
use crate::codec::TextEncoding;
use crate::export::{RecordContext, RecordWriter};
use crate::session::{EntryKind, LogEntry, Mode};

fn entries() -> Vec<LogEntry> {
    let a: SocketAddr = "127.0.0.1:5000".parse().unwrap();
    let b: SocketAddr = "127.0.0.1:6000".parse().unwrap();
    let local: SocketAddr = "127.0.0.1:9000".parse().unwrap();
    let at = |ms: u64| UNIX_EPOCH + Duration::from_millis(1_764_000_000_000 + ms);
    vec![
        LogEntry::new(at(0), None, EntryKind::Info("Listening".into())),
        LogEntry::new(at(10), Some(a), EntryKind::Rx(b"one".to_vec())).at(Some(local)),
        LogEntry::new(at(25), Some(b), EntryKind::Rx(vec![0, 0xFF])).at(Some(local)),
        LogEntry::new(at(40), Some(a), EntryKind::Tx(b"ack".to_vec())).at(Some(local)),
        LogEntry::new(at(135), Some(a), EntryKind::Rx(b"two".to_vec())).at(Some(local)),
    ]
}

fn written(extension: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("session.{extension}"));
    let format = LogFormat::from_path(&path).unwrap();
    let ctx = RecordContext {
        mode: Mode::TcpServer,
        datagrams: false,
        encoding: TextEncoding::Utf8,
        hex_text: false,
    };
    let mut writer = RecordWriter::new(format).unwrap();
    let mut out = Vec::new();
    writer.write_header(&mut out).unwrap();
    for entry in entries() {
        writer.write_record(&mut out, &ctx, &entry).unwrap();
    }
    std::fs::write(&path, out).unwrap();
    (dir, path)
}

#[test]
fn both_formats_give_back_the_chosen_messages_with_their_timing() {
    for extension in ["jsonl", "pcapng"] {
        let (_dir, path) = written(extension);
        let choice = ReplayChoice {
            received: true,
            peer: ":5000".into(),
        };
        let recording = read(&path, &choice).unwrap();
        assert_eq!(recording.records, 4, "{extension}: bytes only");
        assert_eq!(recording.span(), Duration::from_millis(125), "{extension}");
        let timeline = recording.timeline();
        assert_eq!(
            timeline,
            [
                (Duration::ZERO, b"one".to_vec()),
                (Duration::from_millis(125), b"two".to_vec())
            ],
            "{extension}"
        );
        let sent = ReplayChoice {
            received: false,
            peer: String::new(),
        };
        let recording = read(&path, &sent).unwrap();
        assert_eq!(recording.messages.len(), 1);
        assert_eq!(recording.messages[0].bytes, b"ack");
    }
}

#[test]
fn cut_off_and_bad_files_are_explained() {
    let (dir, path) = written("jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    let cut = dir.path().join("cut.jsonl");
    std::fs::write(&cut, &text[..text.len() - 20]).unwrap();
    let all = ReplayChoice {
        received: true,
        peer: String::new(),
    };
    assert_eq!(read(&cut, &all), Err(ReplayError::CutOff { line: 5 }));
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(
        &bad,
        text.replacen("\"hex\":\"6f6e65\"", "\"hex\":\"6g\"", 1),
    )
    .unwrap();
    let error = read(&bad, &all).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("line 2 is not a record: hex:"),
        "{error}"
    );

    let (dir, path) = written("pcapng");
    let bytes = std::fs::read(&path).unwrap();
    let cut = dir.path().join("cut.pcapng");
    std::fs::write(&cut, &bytes[..bytes.len() - 10]).unwrap();
    let error = read(&cut, &all).unwrap_err();
    assert!(
        matches!(error, ReplayError::BadPcapng { packets: 3, .. }),
        "{error:?}"
    );
    let none = ReplayChoice {
        received: true,
        peer: "10.9.9.9".into(),
    };
    assert_eq!(
        read(&path, &none).unwrap_err().to_string(),
        "nothing to replay: no RX messages from '10.9.9.9' among 4 records"
    );
    let other = dir.path().join("notes.txt");
    std::fs::write(&other, "x").unwrap();
    assert!(matches!(
        read(&other, &all),
        Err(ReplayError::Format { .. })
    ));
}

/// A capture of another tool: one interface of `link`, packets with no direction flag,
/// each `header` then an IPv4/UDP packet between a device (10.0.0.2:502) and us.
fn foreign_capture(link: pcap_file::DataLink, header: &[u8]) -> Vec<u8> {
    use pcap_file::pcapng::PcapNgWriter;
    use pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketBlock;
    use pcap_file::pcapng::blocks::interface_description::InterfaceDescriptionBlock;
    let device = ([10, 0, 0, 2], 502);
    let us = ([10, 0, 0, 1], 40_000);
    let mut writer = PcapNgWriter::new(Vec::new()).unwrap();
    let interface = InterfaceDescriptionBlock {
        linktype: link,
        snaplen: 0,
        options: vec![],
    };
    writer.write_pcapng_block(interface).unwrap();
    for (n, (from, to, payload)) in [
        (us, device, &b"ask"[..]),
        (device, us, &b"answer"[..]),
        (us, device, &b"ask again"[..]),
    ]
    .into_iter()
    .enumerate()
    {
        let mut data = header.to_vec();
        etherparse::PacketBuilder::ipv4(from.0, to.0, 64)
            .udp(from.1, to.1)
            .write(&mut data, payload)
            .unwrap();
        let block = EnhancedPacketBlock {
            interface_id: 0,
            timestamp: Duration::from_micros(1_000 * n as u64),
            original_len: data.len() as u32,
            data: std::borrow::Cow::Owned(data),
            options: vec![],
        };
        writer.write_pcapng_block(block).unwrap();
    }
    writer.into_inner()
}

#[test]
fn other_tools_captures_are_read_through_their_link_type_and_the_peer_given() {
    use pcap_file::DataLink;
    // Linux cooked (tcpdump -i any), as the loopback device gives it (ARPHRD 772):
    // outgoing, protocol IPv4.
    let mut cooked = vec![0, 4, 3, 4, 0, 6];
    cooked.extend([0; 8]);
    cooked.extend([8, 0]);
    let loopback = [2, 0, 0, 0]; // BSD loopback: AF_INET, host order (little-endian)
    let dir = tempfile::tempdir().unwrap();
    for (link, header) in [
        (DataLink::LINUX_SLL, &cooked[..]),
        (DataLink::NULL, &loopback[..]),
        (DataLink::RAW, &[][..]),
    ] {
        let path = dir.path().join("other.pcapng");
        std::fs::write(&path, foreign_capture(link, header)).unwrap();
        let sent = ReplayChoice {
            received: false,
            peer: ":502".into(),
        };
        let recording = read(&path, &sent).unwrap();
        let asked: Vec<&[u8]> = recording.messages.iter().map(|m| &m.bytes[..]).collect();
        assert_eq!(asked, [&b"ask"[..], b"ask again"], "{link:?}");
        let received = ReplayChoice {
            received: true,
            peer: "10.0.0.2".into(),
        };
        let recording = read(&path, &received).unwrap();
        assert_eq!(recording.messages.len(), 1, "{link:?}");
        assert_eq!(recording.messages[0].bytes, b"answer");
        // No flag and no peer: which way is not known, and it says so.
        let unknown = ReplayChoice {
            received: true,
            peer: String::new(),
        };
        assert_eq!(
            read(&path, &unknown),
            Err(ReplayError::Undirected { packets: 3 }),
            "{link:?}"
        );
    }
}

#[test]
fn sections_joined_in_one_file_each_number_their_interfaces() {
    let (dir, path) = written("pcapng");
    let ours = std::fs::read(&path).unwrap();
    // The second section's interface 0 is a BSD loopback; the first's is raw IP.
    let theirs = foreign_capture(pcap_file::DataLink::NULL, &[2, 0, 0, 0]);
    let joined = dir.path().join("joined.pcapng");
    std::fs::write(&joined, [&ours[..], &theirs[..]].concat()).unwrap();
    let choice = ReplayChoice {
        received: true,
        peer: "10.0.0.2".into(),
    };
    let recording = read(&joined, &choice).unwrap();
    assert_eq!(recording.messages.len(), 1);
    assert_eq!(recording.messages[0].bytes, b"answer");
    assert_eq!(recording.records, 4 + 3, "every packet of both sections");
}
