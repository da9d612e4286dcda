//! What a tab remembers and what the user types into it: settings, field errors, and the
//! framing fields made into a framing (with messages for the user). The other fields' parsers
//! are in `fields.rs`.

use super::auto_reply::ReplyRule;
use super::connect_options::{ClientFields, UdpFields};
use super::messages;
use super::payloads::Payload;
use super::send_settings::{CycleFields, FileFields, SendFields};
use super::tls_options::TlsFields;
use crate::codec::{self, PayloadFormat, TextEncoding};
use crate::export::{self, RawOptions};
use crate::i18n::{Language, tr};
use crate::net;
use crate::session::{DEFAULT_CAP_BYTES, FilterFields, Framing, MAX_FRAME, Mode, ViewOptions};

/// What a tab remembers across restarts.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct TabSettings {
    /// TCP client: the server's host. TCP server and UDP: the local address.
    pub host: String,
    pub port: String,
    /// UDP: where sends go. Relay: the upstream.
    pub remote_host: String,
    pub remote_port: String,
    pub connect_timeout_secs: f64,
    /// TCP server and UDP on `::`: IPv4 peers too, or IPv6 only.
    pub stack: net::Stack,
    /// TCP client only: where from, reconnecting, what to send first.
    pub client: ClientFields,
    /// TCP client and server: TLS. Relay: TLS with its clients (as a server).
    pub tls: TlsFields,
    /// UDP only: how the socket sends.
    pub udp: UdpFields,
    /// Relay: TCP or UDP, and when a quiet UDP client is forgotten.
    pub relay: super::connect_options::RelayFields,
    /// Relay: which side the send box's bytes go to.
    pub inject_toward: net::Toward,
    /// Relay: the faults put into each way, as typed: toward the upstream, toward the client.
    pub faults: [super::faults::FaultFields; 2],
    /// Relay: the rewrite rules, in order.
    pub rewrites: Vec<super::rewrite::RewriteFields>,
    pub encoding: TextEncoding,
    pub view: ViewOptions,
    pub input_format: PayloadFormat,
    pub send_text: String,
    pub send: SendFields,
    /// The last sends, newest first.
    pub history: Vec<Payload>,
    pub auto_replies: Vec<ReplyRule>,
    /// The tab's script.
    pub script: ScriptFields,
    pub cycle: CycleFields,
    pub file: FileFields,
    pub framing: FramingFields,
    pub filter: FilterFields,
    pub capture: CaptureFields,
    pub chart: ChartFields,
    pub replay: super::replay::ReplayFields,
    /// The in-memory log's cap, in MiB, as typed.
    pub memory_cap_mib: String,
}

impl TabSettings {
    /// Whether a tab in `mode` carries datagrams, each whole in itself (UDP, a UDP relay).
    pub fn datagrams(&self, mode: Mode) -> bool {
        mode == Mode::Udp || (mode == Mode::Relay && self.relay.udp)
    }
}

/// The tab's script: its source, and the file it was last loaded from or saved to.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct ScriptFields {
    pub source: String,
    pub path: String,
}

/// The traffic chart: shown or not, its span and unit, and the peer it follows (not kept
/// across restarts: that peer is gone).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct ChartFields {
    pub open: bool,
    pub span_secs: u64,
    /// Messages a second instead of bytes a second.
    pub messages: bool,
    #[serde(skip)]
    pub peer: Option<std::net::SocketAddr>,
}

impl Default for ChartFields {
    fn default() -> Self {
        Self {
            open: false,
            span_secs: 60,
            messages: false,
            peer: None,
        }
    }
}

/// The Record and Save data rows as the user fills them in.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct CaptureFields {
    pub record_path: String,
    /// Where a recording moves on to its next file, in MiB, as typed.
    pub split_mib: String,
    pub raw_path: String,
    pub raw: RawOptions,
}

impl Default for CaptureFields {
    fn default() -> Self {
        Self {
            record_path: String::new(),
            split_mib: mib_text(export::DEFAULT_ROTATE_BYTES),
            raw_path: String::new(),
            raw: RawOptions::default(),
        }
    }
}

fn mib_text(bytes: u64) -> String {
    (bytes / (1024 * 1024)).to_string()
}

/// The framing choice as the user types it; [`FramingFields::parse`] makes it a [`Framing`].
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct FramingFields {
    pub kind: FramingKind,
    pub delimiter_hex: String,
    pub length: String,
    pub gap_ms: String,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum FramingKind {
    #[default]
    PerRead,
    Lines,
    Delimiter,
    FixedLength,
    IdleGap,
}

impl FramingKind {
    pub const ALL: [Self; 5] = [
        Self::PerRead,
        Self::Lines,
        Self::Delimiter,
        Self::FixedLength,
        Self::IdleGap,
    ];
}

impl Default for FramingFields {
    fn default() -> Self {
        Self {
            kind: FramingKind::PerRead,
            delimiter_hex: "0D 0A".to_owned(),
            length: "16".to_owned(),
            gap_ms: "50".to_owned(),
        }
    }
}

impl FramingFields {
    /// The framing these fields describe, or what is wrong with them in `lang`.
    /// Lines end as they do in `encoding`.
    pub fn parse(&self, encoding: TextEncoding, lang: Language) -> Result<Framing, String> {
        Ok(match self.kind {
            FramingKind::PerRead => Framing::PerRead,
            FramingKind::Lines => match encoding.utf16_order() {
                Some(order) => Framing::Utf16Lines(order),
                None => Framing::Lines,
            },
            FramingKind::Delimiter => match codec::parse_hex(&self.delimiter_hex) {
                Ok(bytes) if bytes.is_empty() => {
                    return Err(tr!(lang, "errors.framing.no_delimiter").into_owned());
                }
                Ok(bytes) => Framing::Delimiter(bytes),
                Err(error) => {
                    let label = tr!(lang, "errors.label.delimiter");
                    let error = messages::hex_error(&error, lang);
                    return Err(messages::labelled(&label, &error, lang));
                }
            },
            FramingKind::FixedLength => match self.length.trim().parse::<usize>() {
                Ok(length @ 1..=MAX_FRAME) => Framing::FixedLength(length),
                _ => return Err(tr!(lang, "errors.framing.length", max = MAX_FRAME).into_owned()),
            },
            FramingKind::IdleGap => match self.gap_ms.trim().parse::<u64>() {
                Ok(ms @ 1..=60_000) => Framing::IdleGap(ms),
                _ => return Err(tr!(lang, "errors.framing.gap").into_owned()),
            },
        })
    }
}

impl Default for TabSettings {
    fn default() -> Self {
        Self::for_mode(Mode::TcpClient)
    }
}

impl TabSettings {
    pub fn for_mode(mode: Mode) -> Self {
        let (host, port) = match mode {
            Mode::TcpClient => ("127.0.0.1", "8000"),
            Mode::TcpServer => ("0.0.0.0", "8000"),
            Mode::Udp => ("0.0.0.0", "8001"),
            Mode::Relay => ("0.0.0.0", "8010"),
        };
        // UDP: where sends go; relay: the upstream.
        let (remote_host, remote_port) = match mode {
            Mode::Udp => ("127.0.0.1", "8002"),
            Mode::Relay => ("127.0.0.1", "8000"),
            Mode::TcpClient | Mode::TcpServer => ("", ""),
        };
        Self {
            host: host.to_owned(),
            port: port.to_owned(),
            remote_host: remote_host.to_owned(),
            remote_port: remote_port.to_owned(),
            connect_timeout_secs: net::DEFAULT_CONNECT_TIMEOUT.as_secs_f64(),
            stack: net::Stack::default(),
            client: ClientFields::default(),
            tls: TlsFields::default(),
            udp: UdpFields::default(),
            relay: super::connect_options::RelayFields::default(),
            inject_toward: net::Toward::Client,
            faults: Default::default(),
            rewrites: Vec::new(),
            encoding: TextEncoding::Utf8,
            view: ViewOptions::default(),
            input_format: PayloadFormat::Text,
            send_text: String::new(),
            send: SendFields::default(),
            history: Vec::new(),
            auto_replies: Vec::new(),
            script: ScriptFields::default(),
            cycle: CycleFields::default(),
            file: FileFields::default(),
            framing: FramingFields::default(),
            filter: FilterFields::default(),
            capture: CaptureFields::default(),
            chart: ChartFields::default(),
            replay: super::replay::ReplayFields::default(),
            memory_cap_mib: mib_text(DEFAULT_CAP_BYTES as u64),
        }
    }
}

/// A message shown beside the field it is about.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldErrors {
    pub host: Option<String>,
    /// The TCP client's connect options.
    pub client: Option<String>,
    /// TCP client and server: the TLS options.
    pub tls: Option<String>,
    /// UDP: the multicast group typed in.
    pub group: Option<String>,
    pub port: Option<String>,
    pub remote: Option<String>,
    pub send: Option<String>,
    pub framing: Option<String>,
    pub filter: Option<String>,
    pub memory_cap: Option<String>,
    /// The cyclic send's interval or count.
    pub cycle: Option<String>,
    /// Send file: the datagram size or pacing, or a file already on its way.
    pub file: Option<String>,
    /// The Record row: a bad path or split size, or why the recording stopped.
    pub record: Option<String>,
    /// The Save data row, likewise.
    pub raw: Option<String>,
    /// The Replay window: its file, or why the replay cannot start.
    pub replay: Option<String>,
    /// Relay: the faults typed in.
    pub faults: Option<String>,
    /// Relay: the first rewrite rule that cannot be read.
    pub rewrites: Option<String>,
    /// UDP relay: the idle time typed in.
    pub relay_idle: Option<String>,
    /// Relay: TLS to the upstream (TLS with clients is `tls`).
    pub upstream_tls: Option<String>,
}

impl FieldErrors {
    /// Every message shown now, in the panel's order (for a run without a window).
    pub fn all(&self) -> impl Iterator<Item = &str> {
        [
            &self.host,
            &self.port,
            &self.remote,
            &self.relay_idle,
            &self.client,
            &self.tls,
            &self.upstream_tls,
            &self.group,
            &self.faults,
            &self.rewrites,
            &self.framing,
            &self.memory_cap,
            &self.record,
            &self.raw,
            &self.send,
            &self.cycle,
            &self.file,
            &self.filter,
            &self.replay,
        ]
        .into_iter()
        .filter_map(Option::as_deref)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EN: Language = Language::English;
    const ZH: Language = Language::SimplifiedChinese;

    #[test]
    fn bad_framing_fields_say_what_is_wrong() {
        let framing = |kind, lang| {
            let fields = FramingFields {
                kind,
                delimiter_hex: "0D 0G".to_owned(),
                length: "0".to_owned(),
                gap_ms: "x".to_owned(),
            };
            fields.parse(TextEncoding::Utf8, lang).unwrap_err()
        };
        assert_eq!(
            framing(FramingKind::Delimiter, EN),
            "Delimiter: invalid hex digit 'G' at line 1, column 5"
        );
        assert_eq!(
            framing(FramingKind::Delimiter, ZH),
            "分隔符：第 1 行第 5 列的“G”不是有效的十六进制数字"
        );
        assert_eq!(
            framing(FramingKind::FixedLength, EN),
            format!("Length: a number of bytes from 1 to {MAX_FRAME}")
        );
        assert_eq!(
            framing(FramingKind::IdleGap, ZH),
            "间隔：请输入 1 到 60000 之间的毫秒数"
        );
    }
}
