//! Reading a recording back for replay: the `.jsonl` and `.pcapng` files Sockscope writes
//! (and pcapng captures of other tools: raw IP, Ethernet, Linux cooked or BSD loopback
//! packets; sections joined in one file), each message with its time, direction, peer and
//! exact bytes. A file that cannot be read whole is explained, with where; nothing of it is
//! replayed. A capture that does not say which way a packet went is read through the peer
//! asked for.

use std::io::{BufRead, BufReader, Read};
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use etherparse::{NetSlice, SlicedPacket, TransportSlice};
use pcap_file::pcapng::{Block, PcapNgReader};

use super::LogFormat;

/// Bytes of messages a replay holds at most, each message counted with what holding it costs
/// (so a million empty ones count too).
pub const REPLAY_BYTES_MAX: u64 = 256 * 1024 * 1024;

/// What a message costs beside its bytes: its record, and its place in the timeline.
const MESSAGE_COST: u64 = 128;

/// A `.jsonl` line longer than this is not one Sockscope wrote (a 64 KiB read is 128 KiB of
/// hex and at most 256 KiB of text).
const LINE_MAX: u64 = 1024 * 1024;

/// Which messages to replay.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplayChoice {
    /// Received ones (`true`) or sent ones.
    pub received: bool,
    /// Only those of a peer whose address contains this text; empty: every peer.
    pub peer: String,
}

/// One message of a recording.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorded {
    pub time: SystemTime,
    pub peer: Option<SocketAddr>,
    pub bytes: Vec<u8>,
}

/// The messages chosen from a recording, in the order they were recorded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recording {
    pub messages: Vec<Recorded>,
    /// Records of the file, chosen or not.
    pub records: usize,
    pub bytes: u64,
    /// Packets of another tool's capture that say neither which way they went (no direction
    /// flag) nor, through the peer asked for, where they came from.
    pub undirected: usize,
}

impl Recording {
    /// When each message went, from the first; and its bytes.
    pub fn timeline(self) -> Vec<(Duration, Vec<u8>)> {
        let start = self.messages.first().map(|first| first.time);
        let mut latest = Duration::ZERO;
        self.messages
            .into_iter()
            .map(|message| {
                let offset = start
                    .and_then(|start| message.time.duration_since(start).ok())
                    .unwrap_or_default();
                latest = latest.max(offset);
                (latest, message.bytes)
            })
            .collect()
    }

    /// How long the recording's chosen messages took.
    pub fn span(&self) -> Duration {
        match (self.messages.first(), self.messages.last()) {
            (Some(first), Some(last)) => last.time.duration_since(first.time).unwrap_or_default(),
            _ => Duration::ZERO,
        }
    }
}

/// Why a recording cannot be replayed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReplayError {
    #[error("cannot read {path}: {detail}")]
    Io { path: String, detail: String },
    #[error("{path} is not a recording (.jsonl or .pcapng)")]
    Format { path: String },
    #[error("line {line} is not a record: {detail}")]
    BadLine { line: usize, detail: String },
    #[error("line {line} is cut off (was the recording interrupted?)")]
    CutOff { line: usize },
    #[error("the pcapng file cannot be read after {packets} packets: {detail}")]
    BadPcapng { packets: usize, detail: String },
    #[error("nothing to replay: no {direction} messages{peer} among {records} records")]
    Empty {
        direction: &'static str,
        peer: String,
        records: usize,
    },
    #[error("more than {limit} MiB to replay", limit = REPLAY_BYTES_MAX >> 20)]
    TooLarge,
    #[error("{packets} packets do not say which way they went: give the peer to replay")]
    Undirected { packets: usize },
}

/// Reads the messages `choice` picks from the recording at `path`.
pub fn read(path: &Path, choice: &ReplayChoice) -> Result<Recording, ReplayError> {
    let shown = path.display().to_string();
    let io = |error: std::io::Error| ReplayError::Io {
        path: shown.clone(),
        detail: error.to_string(),
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let recording = match LogFormat::from_path(path) {
        Some(LogFormat::Jsonl) => read_jsonl(BufReader::new(file), choice)?,
        Some(LogFormat::Pcapng) => read_pcapng(file, choice)?,
        _ => return Err(ReplayError::Format { path: shown }),
    };
    if recording.messages.is_empty() && recording.undirected > 0 {
        return Err(ReplayError::Undirected {
            packets: recording.undirected,
        });
    }
    if recording.messages.is_empty() {
        return Err(ReplayError::Empty {
            direction: if choice.received { "RX" } else { "TX" },
            peer: if choice.peer.trim().is_empty() {
                String::new()
            } else {
                format!(" from '{}'", choice.peer.trim())
            },
            records: recording.records,
        });
    }
    // The file's order is the order they went, also when a clock stepped back: it is kept,
    // and `timeline` never lets a message go before the one ahead of it.
    Ok(recording)
}

fn chosen(choice: &ReplayChoice, received: bool, peer: Option<SocketAddr>) -> bool {
    let wanted = choice.peer.trim();
    received == choice.received
        && (wanted.is_empty() || peer.is_some_and(|peer| peer.to_string().contains(wanted)))
}

fn keep(
    recording: &mut Recording,
    choice: &ReplayChoice,
    received: bool,
    message: Recorded,
) -> Result<(), ReplayError> {
    recording.records += 1;
    if chosen(choice, received, message.peer) {
        recording.bytes += message.bytes.len() as u64;
        let held = recording.bytes + MESSAGE_COST * (recording.messages.len() as u64 + 1);
        if held > REPLAY_BYTES_MAX {
            return Err(ReplayError::TooLarge);
        }
        recording.messages.push(message);
    }
    Ok(())
}

/// A `.jsonl` record, as far as replay needs it.
#[derive(serde::Deserialize)]
struct Line {
    time: String,
    dir: String,
    peer: Option<SocketAddr>,
    hex: String,
}

/// [`read`] for a `.jsonl` recording (public for the replay fuzz targets).
pub fn read_jsonl(
    mut reader: impl BufRead,
    choice: &ReplayChoice,
) -> Result<Recording, ReplayError> {
    let mut recording = Recording::default();
    let mut number = 0;
    let mut line = Vec::new();
    loop {
        line.clear();
        number += 1;
        // One line at a time, and never more than a line may hold.
        let read = (&mut reader)
            .take(LINE_MAX + 1)
            .read_until(b'\n', &mut line)
            .map_err(|error| ReplayError::BadLine {
                line: number,
                detail: error.to_string(),
            })?;
        if read == 0 {
            break;
        }
        if line.len() as u64 > LINE_MAX {
            return Err(ReplayError::BadLine {
                line: number,
                detail: format!("longer than {} MiB", LINE_MAX >> 20),
            });
        }
        let last = line.last() != Some(&b'\n');
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let record: Line = match serde_json::from_slice(&line) {
            Ok(record) => record,
            // Cut off in the middle: the last line of a recording killed while writing.
            Err(error) if last && error.is_eof() => {
                return Err(ReplayError::CutOff { line: number });
            }
            Err(error) => {
                return Err(ReplayError::BadLine {
                    line: number,
                    detail: error.to_string(),
                });
            }
        };
        // A relay's clients' words came in to it, the upstream's answers went out (as its
        // .pcapng marks them).
        let received = match record.dir.as_str() {
            "rx" | "to-upstream" => true,
            "tx" | "to-client" => false,
            _ => continue,
        };
        let bad = |detail: String| ReplayError::BadLine {
            line: number,
            detail,
        };
        let time = chrono::DateTime::parse_from_rfc3339(&record.time)
            .map_err(|error| bad(format!("time '{}': {error}", record.time)))?;
        let time = UNIX_EPOCH
            + Duration::from_nanos(time.timestamp_nanos_opt().unwrap_or_default().max(0) as u64);
        let bytes =
            crate::codec::parse_hex(&record.hex).map_err(|error| bad(format!("hex: {error}")))?;
        let message = Recorded {
            time,
            peer: record.peer,
            bytes,
        };
        keep(&mut recording, choice, received, message)?;
    }
    Ok(recording)
}

/// [`read`] for a `.pcapng` recording (public for the replay fuzz targets).
pub fn read_pcapng(reader: impl Read, choice: &ReplayChoice) -> Result<Recording, ReplayError> {
    let mut recording = Recording::default();
    let bad = |packets: usize, detail: String| ReplayError::BadPcapng { packets, detail };
    let mut blocks = PcapNgReader::new(reader).map_err(|error| bad(0, error.to_string()))?;
    // Per interface: its link type and how many units make a second.
    let mut interfaces: Vec<(pcap_file::DataLink, u64)> = Vec::new();
    let mut packets = 0;
    while let Some(block) = blocks.next_block() {
        let block = block.map_err(|error| bad(packets, error.to_string()))?;
        match block {
            // A new section (files joined with `cat`) numbers its interfaces afresh.
            Block::SectionHeader(_) => interfaces.clear(),
            Block::InterfaceDescription(interface) => {
                let mut units = 1_000_000;
                for option in &interface.options {
                    if let pcap_file::pcapng::blocks::interface_description::InterfaceDescriptionOption::IfTsResol(resolution) = option {
                        units = ts_units(*resolution);
                    }
                }
                interfaces.push((interface.linktype, units));
            }
            Block::EnhancedPacket(packet) => {
                packets += 1;
                let Some(&(link, units)) = interfaces.get(packet.interface_id as usize) else {
                    return Err(bad(packets, "a packet of no interface".to_owned()));
                };
                // pcap-file hands the raw count over as nanoseconds.
                let raw = packet.timestamp.as_nanos();
                let nanos = raw.saturating_mul(1_000_000_000) / u128::from(units.max(1));
                let time =
                    UNIX_EPOCH + Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX));
                let inbound = packet.options.iter().find_map(|option| match option {
                    pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketOption::Flags(
                        flags,
                    ) => Some(flags & 0b11),
                    _ => None,
                });
                let Some((source, destination, payload)) = payload_of(link, &packet.data) else {
                    continue;
                };
                // A TCP packet without data (a bare ACK, SYN or FIN in another tool's
                // capture) is nothing to send again.
                if payload.is_empty() && packet_is_tcp(link, &packet.data) {
                    continue;
                }
                let received = match inbound {
                    Some(0b01) => true,
                    Some(0b10) => false,
                    // Another tool's capture may not say: the peer asked for tells.
                    _ => match direction_by_peer(choice, source, destination) {
                        Some(received) => received,
                        None => {
                            recording.records += 1;
                            recording.undirected += 1;
                            continue;
                        }
                    },
                };
                let peer = if received { source } else { destination };
                let message = Recorded {
                    time,
                    peer: Some(peer),
                    bytes: payload.to_vec(),
                };
                keep(&mut recording, choice, received, message)?;
            }
            _ => {}
        }
    }
    Ok(recording)
}

/// Which way a packet without a direction flag went, when the peer asked for is one of its
/// ends (and not both): from the peer is received.
fn direction_by_peer(
    choice: &ReplayChoice,
    source: SocketAddr,
    destination: SocketAddr,
) -> Option<bool> {
    let wanted = choice.peer.trim();
    if wanted.is_empty() {
        return None;
    }
    let from = source.to_string().contains(wanted);
    let to = destination.to_string().contains(wanted);
    (from != to).then_some(from)
}

/// Units a second for a pcapng `if_tsresol`: a power of ten, or of two with the high bit.
fn ts_units(resolution: u8) -> u64 {
    let exponent = u32::from(resolution & 0x7F);
    if resolution & 0x80 == 0 {
        10u64.checked_pow(exponent).unwrap_or(u64::MAX)
    } else {
        2u64.checked_pow(exponent).unwrap_or(u64::MAX)
    }
}

/// A packet of a link type a capture of IP traffic may have: raw IP, Ethernet, Linux's
/// cooked captures (`tcpdump -i any`), and the BSD/macOS loopback's 4-byte header.
fn slice(link: pcap_file::DataLink, data: &[u8]) -> Option<SlicedPacket<'_>> {
    use pcap_file::DataLink;
    match link {
        DataLink::ETHERNET => SlicedPacket::from_ethernet(data).ok(),
        // The cooked headers, 16 and 20 bytes, name the protocol: IPv4 or IPv6 are read on.
        // (etherparse's reader refuses the loopback device's, which `-i any` captures.)
        DataLink::LINUX_SLL => ip_after(data, 16, data.get(14..16)?),
        DataLink::LINUX_SLL2 => ip_after(data, 20, data.get(..2)?),
        DataLink::NULL | DataLink::LOOP => SlicedPacket::from_ip(data.get(4..)?).ok(),
        DataLink::RAW | DataLink::IPV4 | DataLink::IPV6 => SlicedPacket::from_ip(data).ok(),
        _ => None,
    }
}

/// The IP packet after a link header of `len` bytes that names `protocol` (an EtherType).
fn ip_after<'a>(data: &'a [u8], len: usize, protocol: &[u8]) -> Option<SlicedPacket<'a>> {
    const IPV4: [u8; 2] = [0x08, 0x00];
    const IPV6: [u8; 2] = [0x86, 0xDD];
    if protocol != IPV4 && protocol != IPV6 {
        return None;
    }
    SlicedPacket::from_ip(data.get(len..)?).ok()
}

fn packet_is_tcp(link: pcap_file::DataLink, data: &[u8]) -> bool {
    slice(link, data).is_some_and(|sliced| matches!(sliced.transport, Some(TransportSlice::Tcp(_))))
}

/// A TCP or UDP packet's ends and payload, from raw IP or Ethernet; `None` for anything else.
fn payload_of(link: pcap_file::DataLink, data: &[u8]) -> Option<(SocketAddr, SocketAddr, &[u8])> {
    let sliced = slice(link, data)?;
    let (from, to): (IpAddr, IpAddr) = match sliced.net? {
        NetSlice::Ipv4(ip) => (
            ip.header().source_addr().into(),
            ip.header().destination_addr().into(),
        ),
        NetSlice::Ipv6(ip) => (
            ip.header().source_addr().into(),
            ip.header().destination_addr().into(),
        ),
        _ => return None,
    };
    let (ports, payload) = match sliced.transport? {
        TransportSlice::Tcp(tcp) => ((tcp.source_port(), tcp.destination_port()), tcp.payload()),
        TransportSlice::Udp(udp) => ((udp.source_port(), udp.destination_port()), udp.payload()),
        _ => return None,
    };
    Some((
        SocketAddr::new(from, ports.0),
        SocketAddr::new(to, ports.1),
        payload,
    ))
}

#[cfg(test)]
mod tests;
