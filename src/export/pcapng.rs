//! pcapng for Wireshark and tshark: each entry of bytes one packet (a TCP entry larger than an
//! IP packet several), with synthetic IPv4/IPv6 and TCP/UDP headers around the exact payload,
//! the real peers' addresses and ports, the time to the nanosecond, and the direction in the
//! packet's flags. TCP sequence numbers run on per flow and direction, so Wireshark follows the
//! stream as sent. Status lines (INFO, ERROR) are not packets and are left out.
//!
//! TCP and UDP checksums are left zero, as in a capture with checksum offload (Wireshark does
//! not check them unless asked): computing them over every payload halved the rate a flood
//! could be recorded at.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{self, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::{SystemTime, UNIX_EPOCH};

use byteorder::LittleEndian;
use etherparse::{IpNumber, Ipv4Header, Ipv6Header, TcpHeader, UdpHeader};
use pcap_file::pcapng::blocks::enhanced_packet::{EnhancedPacketBlock, EnhancedPacketOption};
use pcap_file::pcapng::blocks::interface_description::{
    InterfaceDescriptionBlock, InterfaceDescriptionOption,
};
use pcap_file::pcapng::{Block, PcapNgWriter};
use pcap_file::{DataLink, Endianness};

use super::RecordContext;
use crate::session::{EntryTag, LogEntry, Mode};

/// TCP payload in one synthetic packet at most: an IPv4 packet's 65,535 bytes less its
/// headers, rounded down.
const MAX_SEGMENT: usize = 65_000;

/// TCP flows whose sequence numbers are kept at most (each way is one).
const FLOWS_MAX: usize = 65_536;

/// The pcapng flags of a packet that came in, and of one that went out.
const INBOUND: u32 = 0b01;
const OUTBOUND: u32 = 0b10;

/// pcap-file writes timestamps in nanoseconds: the interface must say so (10^-9).
const NANOSECONDS: u8 = 9;

/// Room in front of a payload for its packet's headers: IPv6 (40 bytes) and TCP (20), the
/// largest pair written.
const HEADROOM: usize = 60;

/// The packet flags option (8 bytes), the end of options (4), and the block's own 32 bytes
/// of type, lengths, interface, time and trailer: a packet block's size beside its data.
const BLOCK_OVERHEAD: u64 = 8 + 4 + 32;

/// The auto-reply comment, and what it adds to a block (4 bytes of option header, the text
/// padded to 4).
const AUTO_COMMENT: &str = "auto-reply";
const AUTO_COMMENT_SIZE: u64 = 4 + AUTO_COMMENT.len().next_multiple_of(4) as u64;

/// A payload with room in front for its packet's headers. A recording copies each payload
/// once, into one of these; the packets are then built and written from it in place (a
/// flood's 64 KiB reads would otherwise be copied twice more on the way to the file).
pub struct PacketBuffer(Vec<u8>);

impl PacketBuffer {
    pub fn copy_of(payload: &[u8]) -> Self {
        let mut buffer = Vec::with_capacity(HEADROOM + payload.len());
        buffer.resize(HEADROOM, 0);
        buffer.extend_from_slice(payload);
        Self(buffer)
    }

    pub fn payload_len(&self) -> usize {
        self.0.len() - HEADROOM
    }
}

/// What an entry's packets take from it besides the bytes. Status lines have none.
#[derive(Clone, Copy, Debug)]
pub struct PacketMeta {
    time: SystemTime,
    tag: EntryTag,
    /// The connections the bytes crossed: one, or a relay's two legs (the client's, then the
    /// upstream's).
    legs: [Option<Leg>; 2],
}

/// One connection the bytes crossed, and which way.
#[derive(Clone, Copy, Debug)]
struct Leg {
    peer: SocketAddr,
    here: SocketAddr,
    inbound: bool,
}

impl PacketMeta {
    pub fn of(entry: &LogEntry) -> Option<Self> {
        let tag = entry.kind.tag();
        let peer = entry.peer.filter(|_| tag.is_data())?;
        let leg = |peer, here, inbound| {
            Some(Leg {
                peer,
                here,
                inbound,
            })
        };
        let client_leg = |inbound| leg(peer, here(entry, peer), inbound);
        // A relay's entry crossed its client's leg if it has that end: one a rewrite rule
        // kept from going on crossed only the leg it came from.
        let relay_client_leg = |inbound| {
            entry.local?;
            client_leg(inbound)
        };
        // A relay's upstream leg: from this end of the pair's upstream connection.
        let upstream_leg = |inbound| {
            let (upstream, local) = entry.via?;
            leg(upstream, local, inbound)
        };
        let legs = match tag {
            EntryTag::Rx => [client_leg(true), None],
            // What the relay's user put in toward the client crossed its leg only.
            EntryTag::Tx | EntryTag::AutoTx | EntryTag::InjectedToClient => {
                [client_leg(false), None]
            }
            EntryTag::ToUpstream => [relay_client_leg(true), upstream_leg(false)],
            EntryTag::ToClient => [relay_client_leg(false), upstream_leg(true)],
            EntryTag::InjectedToUpstream => [None, upstream_leg(false)],
            EntryTag::Info | EntryTag::Error => [None, None],
        };
        legs.iter().any(Option::is_some).then_some(Self {
            time: entry.time,
            tag,
            legs,
        })
    }
}

/// A pcapng writer's state: the TCP flows' next sequence numbers, which run on across the
/// parts of a rotating recording.
pub struct PcapngState {
    /// By (source, destination): the sequence number of the next byte that way.
    next_sequence: HashMap<(SocketAddr, SocketAddr), u32>,
    /// A packet's headers, built before they are put in front of its payload.
    headers: Vec<u8>,
}

/// Each tab's packets are on an interface of their own (numbered as [`Mode::ALL`]), so a
/// client tab talking to a server tab of the same app is two captures, not one flow twice.
fn interfaces() -> impl Iterator<Item = InterfaceDescriptionBlock<'static>> {
    Mode::ALL.into_iter().map(|mode| InterfaceDescriptionBlock {
        linktype: DataLink::RAW,
        snaplen: 0,
        options: vec![
            InterfaceDescriptionOption::IfName(Cow::Owned(format!("sockscope {}", mode.as_str()))),
            InterfaceDescriptionOption::IfTsResol(NANOSECONDS),
        ],
    })
}

fn interface_id(mode: Mode) -> u32 {
    match mode {
        Mode::TcpClient => 0,
        Mode::TcpServer => 1,
        Mode::Udp => 2,
        Mode::Relay => 3,
    }
}

impl PcapngState {
    pub fn new() -> Self {
        Self {
            next_sequence: HashMap::new(),
            headers: Vec::with_capacity(HEADROOM),
        }
    }

    /// A section header and the interfaces, as each file (or part) starts. Little-endian,
    /// as the packet blocks are written.
    pub fn write_header(&mut self, w: &mut impl Write) -> io::Result<()> {
        let mut section =
            PcapNgWriter::with_endianness(Vec::new(), Endianness::Little).map_err(into_io)?;
        for interface in interfaces() {
            section.write_pcapng_block(interface).map_err(into_io)?;
        }
        w.write_all(&section.into_inner())
    }

    /// Appends the entry's packets to `out`; nothing for a status line. (Exports; a
    /// recording stages its payloads with [`PacketBuffer::copy_of`] and calls [`Self::write_packets`].)
    pub fn write_record(
        &mut self,
        out: &mut Vec<u8>,
        ctx: &RecordContext,
        entry: &LogEntry,
    ) -> io::Result<()> {
        let Some(meta) = PacketMeta::of(entry) else {
            return Ok(());
        };
        let mut buffer = PacketBuffer::copy_of(entry.bytes());
        self.write_packets(out, ctx, &meta, &mut buffer)
    }

    /// The bytes [`Self::write_packets`] will write for a payload of `len` bytes.
    pub fn size(ctx: &RecordContext, meta: &PacketMeta, len: usize) -> u64 {
        meta.legs
            .iter()
            .flatten()
            .map(|leg| Self::leg_size(ctx, meta, leg, len))
            .sum()
    }

    fn leg_size(ctx: &RecordContext, meta: &PacketMeta, leg: &Leg, len: usize) -> u64 {
        let headers = |segment: usize| {
            let ip = if leg.peer.is_ipv4() {
                Ipv4Header::MIN_LEN
            } else {
                Ipv6Header::LEN
            };
            let transport = if ctx.datagrams {
                UdpHeader::LEN
            } else {
                TcpHeader::MIN_LEN
            };
            (ip + transport + segment).next_multiple_of(4) as u64
        };
        let comment = if meta.tag == EntryTag::AutoTx {
            AUTO_COMMENT_SIZE
        } else {
            0
        };
        let block = |segment| BLOCK_OVERHEAD + comment + headers(segment);
        if ctx.datagrams || len == 0 {
            return block(len);
        }
        let whole = (len / MAX_SEGMENT) as u64 * block(MAX_SEGMENT);
        match len % MAX_SEGMENT {
            0 => whole,
            rest => whole + block(rest),
        }
    }

    /// Writes the packets of one entry whose payload is staged in `buffer`, on each leg it
    /// crossed.
    pub fn write_packets(
        &mut self,
        w: &mut impl Write,
        ctx: &RecordContext,
        meta: &PacketMeta,
        buffer: &mut PacketBuffer,
    ) -> io::Result<()> {
        match meta.legs {
            [Some(first), Some(second)] => {
                // Writing a leg's headers in place spoils the payload for another.
                let mut again = PacketBuffer(buffer.0.clone());
                self.write_leg(w, ctx, meta, &first, buffer)?;
                self.write_leg(w, ctx, meta, &second, &mut again)
            }
            [Some(leg), None] | [None, Some(leg)] => self.write_leg(w, ctx, meta, &leg, buffer),
            [None, None] => Ok(()),
        }
    }

    /// Writes one leg's packets: each segment's headers go in front of it, over the room left
    /// there or over the end of the segment before (written by then), and the packet block
    /// goes to `w` from that buffer.
    fn write_leg(
        &mut self,
        w: &mut impl Write,
        ctx: &RecordContext,
        meta: &PacketMeta,
        leg: &Leg,
        buffer: &mut PacketBuffer,
    ) -> io::Result<()> {
        let received = leg.inbound;
        let (source, destination) = if received {
            (leg.peer, leg.here)
        } else {
            (leg.here, leg.peer)
        };
        let timestamp = meta.time.duration_since(UNIX_EPOCH).unwrap_or_default();
        let mut options = vec![EnhancedPacketOption::Flags(if received {
            INBOUND
        } else {
            OUTBOUND
        })];
        if meta.tag == EntryTag::AutoTx {
            options.push(EnhancedPacketOption::Comment(Cow::Borrowed(AUTO_COMMENT)));
        }
        let len = buffer.payload_len();
        let tcp = !ctx.datagrams;
        // A UDP datagram is one packet, empty or not; TCP bytes go in segments.
        let step = if tcp { MAX_SEGMENT } else { len.max(1) };
        let mut start = 0;
        loop {
            let end = len.min(start + step);
            self.headers.clear();
            let transport = if tcp {
                Transport::tcp(self, source, destination, end - start)
            } else {
                Transport::udp(source, destination, end - start)
            };
            write_ip(
                &mut self.headers,
                source,
                destination,
                &transport,
                end - start,
            )?;
            match &transport {
                Transport::Tcp(header) => header.write(&mut self.headers)?,
                Transport::Udp(header) => header.write(&mut self.headers)?,
            }
            // The headers fit: HEADROOM bytes before the first segment, a whole segment
            // (far more than HEADROOM) before any other.
            let at = HEADROOM + start - self.headers.len();
            let packet = &mut buffer.0[at..HEADROOM + end];
            packet[..self.headers.len()].copy_from_slice(&self.headers);
            let block = EnhancedPacketBlock {
                interface_id: interface_id(ctx.mode),
                timestamp,
                original_len: packet.len() as u32,
                data: Cow::Borrowed(packet),
                options: options.clone(),
            };
            Block::EnhancedPacket(block).write_to::<LittleEndian, _>(w)?;
            start = end;
            if start >= len {
                return Ok(());
            }
        }
    }

    /// The sequence number of the next byte from `source` to `destination`, moved on past
    /// `len` bytes. Past [`FLOWS_MAX`] flows the table starts afresh (a busy server's
    /// connections come and go; the numbers of old ones are not needed).
    fn advance(&mut self, source: SocketAddr, destination: SocketAddr, len: usize) -> u32 {
        if self.next_sequence.len() >= FLOWS_MAX
            && !self.next_sequence.contains_key(&(source, destination))
        {
            self.next_sequence.clear();
        }
        let next = self.next_sequence.entry((source, destination)).or_insert(1);
        let sequence = *next;
        *next = next.wrapping_add(len as u32);
        sequence
    }

    /// What `source` will send next to `destination`: what the other way acknowledges.
    fn peek(&self, source: SocketAddr, destination: SocketAddr) -> u32 {
        self.next_sequence
            .get(&(source, destination))
            .copied()
            .unwrap_or(1)
    }
}

/// A packet's TCP or UDP header.
enum Transport {
    Tcp(TcpHeader),
    Udp(UdpHeader),
}

impl Transport {
    /// The next segment of `len` bytes from `source` to `destination`, acknowledging all the
    /// other way has sent.
    fn tcp(
        state: &mut PcapngState,
        source: SocketAddr,
        destination: SocketAddr,
        len: usize,
    ) -> Self {
        let sequence = state.advance(source, destination, len);
        let mut header = TcpHeader::new(source.port(), destination.port(), sequence, u16::MAX);
        header.acknowledgment_number = state.peek(destination, source);
        header.ack = true;
        header.psh = true;
        Self::Tcp(header)
    }

    fn udp(source: SocketAddr, destination: SocketAddr, len: usize) -> Self {
        // A datagram is at most 65,507 bytes: its length fits.
        let length = (UdpHeader::LEN + len).min(usize::from(u16::MAX)) as u16;
        Self::Udp(UdpHeader {
            source_port: source.port(),
            destination_port: destination.port(),
            length,
            checksum: 0,
        })
    }

    fn len(&self) -> usize {
        match self {
            Self::Tcp(header) => header.header_len(),
            Self::Udp(_) => UdpHeader::LEN,
        }
    }

    fn protocol(&self) -> IpNumber {
        match self {
            Self::Tcp(_) => IpNumber::TCP,
            Self::Udp(_) => IpNumber::UDP,
        }
    }
}

/// Appends the IP header of a packet carrying `transport` and `len` bytes of payload.
fn write_ip(
    out: &mut Vec<u8>,
    source: SocketAddr,
    destination: SocketAddr,
    transport: &Transport,
    len: usize,
) -> io::Result<()> {
    let ip_payload = u16::try_from(transport.len() + len).unwrap_or(u16::MAX);
    let protocol = transport.protocol();
    match (source.ip(), destination.ip()) {
        (IpAddr::V4(from), IpAddr::V4(to)) => {
            Ipv4Header::new(ip_payload, 64, protocol, from.octets(), to.octets())
                .map_err(|error| io::Error::new(io::ErrorKind::InvalidData, error))?
                .write(out)
        }
        (from, to) => Ipv6Header {
            traffic_class: 0,
            flow_label: Default::default(),
            payload_length: ip_payload,
            next_header: protocol,
            hop_limit: 64,
            source: v6(from).octets(),
            destination: v6(to).octets(),
        }
        .write(out),
    }
}

/// This end of an entry: where the socket said a datagram was sent, else the connection's or
/// the socket's address; in the peer's IP version (a dual-stack socket's `::` or
/// `::ffff:a.b.c.d` becomes IPv4 for an IPv4 peer). Unknown: the unspecified address.
fn here(entry: &LogEntry, peer: SocketAddr) -> SocketAddr {
    let port = entry.local.map_or(0, |local| local.port());
    let ip = entry.to.or(entry.local.map(|local| local.ip()));
    let ip = match (ip, peer.ip()) {
        (Some(IpAddr::V6(ip)), IpAddr::V4(_)) => ip
            .to_ipv4_mapped()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), IpAddr::V4),
        (Some(IpAddr::V4(ip)), IpAddr::V6(_)) => IpAddr::V6(ip.to_ipv6_mapped()),
        (Some(ip), _) => ip,
        (None, IpAddr::V4(_)) => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        (None, IpAddr::V6(_)) => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
    };
    SocketAddr::new(ip, port)
}

fn v6(ip: IpAddr) -> Ipv6Addr {
    match ip {
        IpAddr::V6(ip) => ip,
        IpAddr::V4(ip) => ip.to_ipv6_mapped(),
    }
}

fn into_io(error: pcap_file::PcapError) -> io::Error {
    match error {
        pcap_file::PcapError::IoError(error) => error,
        other => io::Error::other(other.to_string()),
    }
}

#[cfg(test)]
mod tests;
