//! What a tab remembers and what the user types into it: settings, field errors, and the
//! parsing of host, address, port and framing fields into values (with messages for the user).

use std::net::IpAddr;
use std::path::PathBuf;

use super::auto_reply::ReplyRule;
use super::connect_options::{ClientFields, UdpFields};
use super::messages;
use super::payloads::Payload;
use super::send_settings::{CycleFields, FileFields, SendFields};
use super::tls_options::TlsFields;
use crate::codec::{self, PayloadFormat, TextEncoding};
use crate::export::{self, RawOptions};
use crate::i18n::Language;
use crate::net;
use crate::session::{DEFAULT_CAP_BYTES, FilterFields, Framing, MAX_FRAME, Mode, ViewOptions};
use crate::tr;

/// What a tab remembers across restarts.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct TabSettings {
    /// TCP client: the server's host. TCP server and UDP: the local address.
    pub host: String,
    pub port: String,
    /// UDP only: where sends go.
    pub remote_host: String,
    pub remote_port: String,
    pub connect_timeout_secs: f64,
    /// TCP server and UDP on `::`: IPv4 peers too, or IPv6 only.
    pub stack: net::Stack,
    /// TCP client only: where from, reconnecting, what to send first.
    pub client: ClientFields,
    /// TCP client and server: TLS.
    pub tls: TlsFields,
    /// UDP only: how the socket sends.
    pub udp: UdpFields,
    pub encoding: TextEncoding,
    pub view: ViewOptions,
    pub input_format: PayloadFormat,
    pub send_text: String,
    pub send: SendFields,
    /// The last sends, newest first.
    pub history: Vec<Payload>,
    pub auto_replies: Vec<ReplyRule>,
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

/// The largest memory cap and split size one can type: far beyond any sane use, small enough
/// that the byte count cannot overflow.
const MAX_MIB: u64 = 1024 * 1024;

fn mib_text(bytes: u64) -> String {
    (bytes / (1024 * 1024)).to_string()
}

/// A size field in MiB, as bytes; the message starts with `what`, the field's label in `lang`.
pub(super) fn parse_mib(text: &str, what: &str, lang: Language) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(mib @ 1..=MAX_MIB) => Ok(mib * 1024 * 1024),
        _ => Err(tr!(lang, "errors.mib", what = what, max = MAX_MIB).into_owned()),
    }
}

/// A file path field: not empty, and in a folder that exists.
pub(super) fn parse_path(text: &str, lang: Language) -> Result<PathBuf, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(tr!(lang, "errors.path.empty").into_owned());
    }
    let path = PathBuf::from(text);
    let folder = path.parent().filter(|p| !p.as_os_str().is_empty());
    if let Some(folder) = folder
        && !folder.is_dir()
    {
        let folder = folder.display();
        return Err(tr!(lang, "errors.path.no_folder", folder = folder).into_owned());
    }
    Ok(path)
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
        };
        Self {
            host: host.to_owned(),
            port: port.to_owned(),
            remote_host: if mode == Mode::Udp {
                "127.0.0.1".to_owned()
            } else {
                String::new()
            },
            remote_port: if mode == Mode::Udp {
                "8002".to_owned()
            } else {
                String::new()
            },
            connect_timeout_secs: net::DEFAULT_CONNECT_TIMEOUT.as_secs_f64(),
            stack: net::Stack::default(),
            client: ClientFields::default(),
            tls: TlsFields::default(),
            udp: UdpFields::default(),
            encoding: TextEncoding::Utf8,
            view: ViewOptions::default(),
            input_format: PayloadFormat::Text,
            send_text: String::new(),
            send: SendFields::default(),
            history: Vec::new(),
            auto_replies: Vec::new(),
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
}

/// A host field: a name or an IP literal; IPv6 may come in brackets.
pub(super) fn parse_host(text: &str, lang: Language) -> Result<String, String> {
    let text = text.trim();
    let host = text
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .unwrap_or(text);
    if host.is_empty() {
        return Err(tr!(lang, "errors.host.empty").into_owned());
    }
    if host.contains(char::is_whitespace) {
        return Err(tr!(lang, "errors.host.spaces").into_owned());
    }
    Ok(host.to_owned())
}

/// A local address field: an IP literal (the UI does no DNS); IPv6 may come in brackets.
pub(super) fn parse_ip(text: &str, lang: Language) -> Result<IpAddr, String> {
    let text = text.trim();
    let inner = text
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .unwrap_or(text);
    inner
        .parse()
        .map_err(|_| tr!(lang, "errors.ip.invalid", text = text).into_owned())
}

/// A port field. Port 0 (let the OS choose) only makes sense for a local port.
pub(super) fn parse_port(text: &str, allow_zero: bool, lang: Language) -> Result<u16, String> {
    let text = text.trim();
    match text.parse::<u16>() {
        Ok(0) if !allow_zero => Err(tr!(lang, "errors.port.zero").into_owned()),
        Ok(port) => Ok(port),
        Err(_) if text.is_empty() => Err(tr!(lang, "errors.port.empty").into_owned()),
        Err(_) => Err(tr!(lang, "errors.port.invalid", text = text).into_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EN: Language = Language::English;
    const ZH: Language = Language::SimplifiedChinese;

    #[test]
    fn validates_fields_with_messages() {
        assert_eq!(parse_host(" [::1] ", EN), Ok("::1".to_owned()));
        assert!(parse_host("", EN).is_err());
        assert_eq!(parse_ip("[::]", EN), Ok(IpAddr::from([0u16; 8])));
        assert!(
            parse_ip("localhost", EN)
                .unwrap_err()
                .contains("not an IP address")
        );
        assert_eq!(parse_port("0", true, EN), Ok(0));
        assert!(parse_port("0", false, EN).is_err());
        assert!(
            parse_port("70000", true, EN)
                .unwrap_err()
                .contains("0-65535")
        );
        assert_eq!(parse_port("", true, EN), Err("Enter a port".to_owned()));
        assert_eq!(parse_mib(" 16 ", "Keep", Language::English), Ok(16 << 20));
        assert!(
            parse_mib("0", "Keep", Language::English)
                .unwrap_err()
                .starts_with("Keep: ")
        );
        assert!(parse_mib("1.5", "Keep", Language::English).is_err());
        assert!(parse_path(" ", Language::English).is_err());
        assert_eq!(
            parse_path("log.jsonl", Language::English),
            Ok(PathBuf::from("log.jsonl"))
        );
        let missing = parse_path("/no/such/folder/log.jsonl", Language::English).unwrap_err();
        assert!(missing.contains("/no/such/folder"), "{missing}");
    }

    #[test]
    fn field_errors_speak_the_tab_s_language() {
        let port = |text, allow_zero, lang| parse_port(text, allow_zero, lang).unwrap_err();
        assert_eq!(port("x", true, EN), "'x' is not a port: use 0-65535");
        assert_eq!(port("x", true, ZH), "'x' 不是端口：请用 0-65535");
        assert_eq!(port(" ", true, ZH), "请输入端口");
        assert_eq!(
            port("0", false, EN),
            "Port 0 cannot be connected to: use 1-65535"
        );
        assert_eq!(port("0", false, ZH), "不能连接端口 0：请用 1-65535");
        assert_eq!(
            parse_ip("my-pc", ZH),
            Err("'my-pc' 不是 IP 地址（如 0.0.0.0、::、127.0.0.1）".to_owned())
        );
        assert_eq!(parse_host("a b", ZH), Err("主机名不能包含空格".to_owned()));
        assert_eq!(
            parse_mib("0", "保留", ZH),
            Err("保留：请输入 1 到 1048576 之间的整数（MiB）".to_owned())
        );
        assert_eq!(
            parse_mib("0", "Keep", Language::English),
            Err("Keep: a whole number of MiB from 1 to 1048576".to_owned())
        );
        assert_eq!(
            parse_path("", ZH),
            Err("请输入文件路径，或点击“浏览…”".to_owned())
        );
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
            "分隔符：第 1 行第 5 列的 'G' 不是有效的十六进制数字"
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
