//! Tests of [`super`].

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::time::{Duration, SystemTime};

use etherparse::{NetSlice, SlicedPacket, TransportSlice};
use pcap_file::pcapng::{Block, PcapNgReader};

use super::*;
use crate::codec::TextEncoding;
use crate::session::EntryKind;

/// A packet as Wireshark would read it.
#[derive(Debug, PartialEq, Eq)]
struct Packet {
    source: SocketAddr,
    destination: SocketAddr,
    tcp: Option<(u32, u32)>,
    payload: Vec<u8>,
    inbound: bool,
    comment: Option<String>,
    time: Duration,
}

fn read(bytes: &[u8]) -> Vec<Packet> {
    let mut reader = PcapNgReader::new(bytes).unwrap();
    let mut packets = Vec::new();
    while let Some(block) = reader.next_block() {
        let Block::EnhancedPacket(block) = block.unwrap() else {
            continue;
        };
        let sliced = SlicedPacket::from_ip(&block.data).unwrap();
        let (from, to): (IpAddr, IpAddr) = match sliced.net.unwrap() {
            NetSlice::Ipv4(ip) => (
                ip.header().source_addr().into(),
                ip.header().destination_addr().into(),
            ),
            NetSlice::Ipv6(ip) => (
                ip.header().source_addr().into(),
                ip.header().destination_addr().into(),
            ),
            other => panic!("{other:?}"),
        };
        let (ports, tcp, payload) = match sliced.transport.unwrap() {
            TransportSlice::Tcp(tcp) => (
                (tcp.source_port(), tcp.destination_port()),
                Some((tcp.sequence_number(), tcp.acknowledgment_number())),
                tcp.payload().to_vec(),
            ),
            TransportSlice::Udp(udp) => (
                (udp.source_port(), udp.destination_port()),
                None,
                udp.payload().to_vec(),
            ),
            other => panic!("{other:?}"),
        };
        let mut inbound = None;
        let mut comment = None;
        for option in &block.options {
            match option {
                EnhancedPacketOption::Flags(flags) => inbound = Some(*flags == INBOUND),
                EnhancedPacketOption::Comment(text) => comment = Some(text.to_string()),
                _ => {}
            }
        }
        packets.push(Packet {
            source: SocketAddr::new(from, ports.0),
            destination: SocketAddr::new(to, ports.1),
            tcp,
            payload,
            inbound: inbound.unwrap(),
            comment,
            time: block.timestamp,
        });
    }
    packets
}

fn write(mode: Mode, entries: &[LogEntry]) -> Vec<u8> {
    let ctx = RecordContext {
        mode,
        datagrams: mode == Mode::Udp,
        encoding: TextEncoding::Utf8,
        hex_text: false,
    };
    let mut state = PcapngState::new();
    let mut out = Vec::new();
    state.write_header(&mut out).unwrap();
    for entry in entries {
        state.write_record(&mut out, &ctx, entry).unwrap();
    }
    out
}

fn at(ms: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(1_764_000_000_000 + ms)
}

#[test]
fn tcp_entries_become_segments_of_one_stream_each_way() {
    let peer: SocketAddr = "192.0.2.7:5000".parse().unwrap();
    let local: SocketAddr = "192.0.2.1:40000".parse().unwrap();
    let entry = |ms, kind| LogEntry::new(at(ms), Some(peer), kind).at(Some(local));
    let big: Vec<u8> = (0..100_000u32).map(|n| (n % 251) as u8).collect();
    let entries = [
        entry(0, EntryKind::Info("Connected".into())),
        entry(1, EntryKind::Tx(b"hello".to_vec())),
        entry(2, EntryKind::Rx(big.clone())),
        entry(3, EntryKind::AutoTx(b"ok".to_vec())),
    ];
    let packets = read(&write(Mode::TcpClient, &entries));
    assert_eq!(
        packets.len(),
        4,
        "no packet for the status line; 100 kB in two"
    );
    assert_eq!(packets[0].source, local);
    assert_eq!(packets[0].destination, peer);
    assert_eq!(packets[0].payload, b"hello");
    assert_eq!(packets[0].tcp, Some((1, 1)));
    assert!(!packets[0].inbound);
    assert_eq!(packets[0].time, Duration::from_millis(1_764_000_000_001));
    let received: Vec<u8> = [&packets[1].payload[..], &packets[2].payload[..]].concat();
    assert_eq!(received, big, "in order and whole");
    assert!(packets[1].inbound && packets[1].source == peer);
    assert_eq!(packets[1].tcp, Some((1, 6)), "acknowledges what was sent");
    assert_eq!(
        packets[2].tcp.unwrap().0,
        1 + packets[1].payload.len() as u32
    );
    assert_eq!(packets[3].tcp, Some((6, 100_001)));
    assert_eq!(packets[3].comment.as_deref(), Some("auto-reply"));
}

#[test]
fn datagrams_go_to_where_they_were_sent_in_the_peers_ip_version() {
    let peer: SocketAddr = "10.0.0.2:7".parse().unwrap();
    // A dual-stack socket on [::]:9000 heard a datagram sent to a group.
    let local: SocketAddr = "[::]:9000".parse().unwrap();
    let group: IpAddr = "239.1.2.3".parse().unwrap();
    let v6_peer: SocketAddr = "[fd77::2]:7".parse().unwrap();
    let entries = [
        LogEntry::new(at(0), Some(peer), EntryKind::Rx(Vec::new()))
            .sent_to(Some(group))
            .at(Some(local)),
        LogEntry::new(at(1), Some(peer), EntryKind::Tx(b"\x00\xFF".to_vec())).at(Some(local)),
        LogEntry::new(at(2), Some(v6_peer), EntryKind::Rx(b"v6".to_vec())).at(Some(local)),
        LogEntry::new(at(3), Some(peer), EntryKind::Rx(b"?".to_vec())),
    ];
    let packets = read(&write(Mode::Udp, &entries));
    assert_eq!(packets.len(), 4);
    assert_eq!(packets[0].destination, SocketAddr::new(group, 9000));
    assert_eq!(packets[0].payload, b"", "an empty datagram is a packet");
    assert_eq!(packets[0].tcp, None);
    assert_eq!(packets[1].source, "0.0.0.0:9000".parse().unwrap());
    assert_eq!(packets[1].destination, peer);
    assert_eq!(packets[2].destination, "[::]:9000".parse().unwrap());
    assert_eq!(packets[2].source, v6_peer);
    assert_eq!(
        packets[3].destination,
        "0.0.0.0:0".parse().unwrap(),
        "this end unknown"
    );
}

/// A recording rotates by the size it works out before writing: it must be exact.
#[test]
fn the_size_worked_out_is_the_size_written() {
    let mut state = PcapngState::new();
    let lens = [0, 1, 3, 64, 65_000, 65_001, 65_536, 65_507, 200_000];
    for mode in Mode::ALL {
        let ctx = RecordContext {
            mode,
            datagrams: mode == Mode::Udp,
            encoding: TextEncoding::Utf8,
            hex_text: false,
        };
        for peer in ["127.0.0.1:9000", "[::1]:9000"] {
            for len in lens {
                if mode == Mode::Udp && len > 65_507 {
                    continue;
                }
                for kind in [EntryKind::Rx, EntryKind::Tx, EntryKind::AutoTx] {
                    let entry = LogEntry::new(at(0), peer.parse().ok(), kind(vec![7; len]));
                    let meta = PacketMeta::of(&entry).unwrap();
                    let mut out = Vec::new();
                    state.write_record(&mut out, &ctx, &entry).unwrap();
                    let size = PcapngState::size(&ctx, &meta, len);
                    assert_eq!(out.len() as u64, size, "{mode:?} {peer} {len}");
                }
            }
        }
    }
}

/// Each tab's packets are on its own interface, so one app's client and server tabs
/// talking to each other are not one flow written twice.
#[test]
fn each_tab_has_an_interface_of_its_own() {
    let peer: SocketAddr = "127.0.0.1:5000".parse().unwrap();
    let mut out = write(Mode::TcpClient, &[]);
    let mut state = PcapngState::new();
    for mode in Mode::ALL {
        let ctx = RecordContext {
            mode,
            datagrams: mode == Mode::Udp,
            encoding: TextEncoding::Utf8,
            hex_text: false,
        };
        let entry = LogEntry::new(at(0), Some(peer), EntryKind::Rx(b"x".to_vec()));
        state.write_record(&mut out, &ctx, &entry).unwrap();
    }
    let mut reader = PcapNgReader::new(&out[..]).unwrap();
    let (mut names, mut ids) = (Vec::new(), Vec::new());
    while let Some(block) = reader.next_block() {
        match block.unwrap() {
            Block::InterfaceDescription(interface) => {
                for option in interface.options {
                    if let InterfaceDescriptionOption::IfName(name) = option {
                        names.push(name.to_string());
                    }
                }
            }
            Block::EnhancedPacket(packet) => ids.push(packet.interface_id),
            _ => {}
        }
    }
    assert_eq!(
        names,
        [
            "sockscope tcp-client",
            "sockscope tcp-server",
            "sockscope udp",
            "sockscope relay"
        ]
    );
    assert_eq!(ids, [0, 1, 2, 3]);
}
