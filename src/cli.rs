//! Command-line presets: pick a tab, fill its fields and start the session at launch.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{CommandFactory, FromArgMatches, Parser};

use crate::codec::{ByteOrder, Checksum, TextEncoding};
use crate::export::LogFormat;
use crate::i18n::{Language, tr};
use crate::net::{Fingerprint, RemoteTarget, Verify};
pub use parse::parse_host_port;
use parse::{
    parse_append, parse_checksum, parse_encoding, parse_format, parse_framing, parse_language,
    parse_log_path, parse_pin, parse_repeat, parse_rules_file, parse_script, parse_seconds,
    parse_stdin, parse_verify,
};

#[derive(Debug, Parser)]
#[command(
    name = "sockscope",
    version,
    about = "Network debugging assistant: TCP client, TCP server, UDP and relay"
)]
pub struct Cli {
    /// Connect a TCP client to HOST:PORT at launch (IPv6 as [::1]:9000).
    #[arg(long, value_name = "HOST:PORT", value_parser = parse_host_port, group = "preset")]
    pub tcp_client: Option<RemoteTarget>,

    /// Listen as a TCP server on ADDR:PORT at launch (ADDR is an IP address).
    #[arg(long, value_name = "ADDR:PORT", groups = ["preset", "tls_servers"])]
    pub tcp_server: Option<SocketAddr>,

    /// Open a UDP socket on ADDR:PORT at launch.
    #[arg(long, value_name = "ADDR:PORT", group = "preset")]
    pub udp: Option<SocketAddr>,

    /// Relay: listen on ADDR:PORT at launch and connect each client to --upstream.
    #[arg(
        long,
        value_name = "ADDR:PORT",
        groups = ["preset", "relays", "tls_servers"],
        requires = "upstream"
    )]
    pub relay: Option<SocketAddr>,

    /// Relay over UDP: take datagrams on ADDR:PORT at launch, each client's through a socket
    /// of its own toward --upstream.
    #[arg(
        long,
        value_name = "ADDR:PORT",
        groups = ["preset", "relays"],
        requires = "upstream"
    )]
    pub relay_udp: Option<SocketAddr>,

    /// Relay: where each client's own connection goes.
    #[arg(long, value_name = "HOST:PORT", value_parser = parse_host_port, requires = "relays")]
    pub upstream: Option<RemoteTarget>,

    /// Relay: speak TLS to the upstream, accepting its certificate by the system's roots
    /// (`roots`), by its SHA-256 (a pin), or at all (`insecure`).
    #[arg(long, value_name = "roots|insecure|SHA256", value_parser = parse_verify, requires = "relay")]
    pub upstream_tls: Option<Verify>,

    /// The UDP remote target.
    #[arg(long, value_name = "HOST:PORT", value_parser = parse_host_port, requires = "udp", conflicts_with_all = ["tcp_client", "tcp_server"])]
    pub to: Option<RemoteTarget>,

    /// UDP: allow sends to broadcast addresses.
    #[arg(long, requires = "udp", conflicts_with_all = ["tcp_client", "tcp_server"])]
    pub broadcast: bool,

    /// UDP: join the multicast GROUP (on IFACE: a name, an IPv4 address of it or an IPv6
    /// interface index; SOURCE, first for that sender only, IPv4); repeat for more groups.
    #[arg(long, value_name = "[SOURCE,]GROUP[@IFACE]", requires = "udp", conflicts_with_all = ["tcp_client", "tcp_server"])]
    pub join: Vec<String>,

    /// TCP server and UDP on [::]: take IPv6 peers only (by default IPv4 peers too).
    #[arg(long, conflicts_with = "tcp_client")]
    pub ipv6_only: bool,

    /// TCP client (relay: to the upstream): connect from this local ADDR:PORT (0.0.0.0:PORT
    /// for a port only).
    #[arg(long, value_name = "ADDR:PORT", conflicts_with_all = ["udp", "tcp_server"])]
    pub bind: Option<SocketAddr>,

    /// TCP client: connect again SECS after the connection ends, until Disconnect.
    #[arg(long, value_name = "SECS", requires = "tcp_client", conflicts_with_all = ["udp", "tcp_server"], value_parser = parse_seconds)]
    pub reconnect: Option<f64>,

    /// TCP client: send TEXT (with \r, \n, \xNN escapes) as soon as each connection is up.
    #[arg(long, value_name = "TEXT", requires = "tcp_client", conflicts_with_all = ["udp", "tcp_server"])]
    pub send_on_connect: Option<String>,

    /// TLS. TCP client: verify the server against the system's roots (or see --tls-pin,
    /// --tls-insecure). TCP server and relay (with its clients): a certificate made on the
    /// spot (or --tls-cert, --tls-key).
    #[arg(long, conflicts_with_all = ["udp", "relay_udp"])]
    pub tls: bool,

    /// TCP client: TLS accepting any certificate (encrypted, the peer not proven).
    #[arg(long, requires = "tcp_client", conflicts_with_all = ["udp", "tcp_server", "tls_pin"])]
    pub tls_insecure: bool,

    /// TCP client: TLS accepting only the certificate with this SHA-256 (as openssl prints it).
    #[arg(long, value_name = "SHA256", value_parser = parse_pin, requires = "tcp_client", conflicts_with_all = ["udp", "tcp_server"])]
    pub tls_pin: Option<Fingerprint>,

    /// TCP server (relay: with its clients): TLS with this certificate (PEM), with --tls-key.
    #[arg(long, value_name = "FILE", requires_all = ["tls_servers", "tls_key"], conflicts_with_all = ["udp", "tcp_client", "relay_udp"])]
    pub tls_cert: Option<PathBuf>,

    /// TCP server (relay: with its clients): the private key (PEM) of --tls-cert.
    #[arg(long, value_name = "FILE", requires_all = ["tls_servers", "tls_cert"], conflicts_with_all = ["udp", "tcp_client", "relay_udp"])]
    pub tls_key: Option<PathBuf>,

    /// Text encoding for display and sending: utf-8, gbk, gb18030, big5, shift_jis, euc-jp,
    /// euc-kr, windows-1250 to 1258, iso-8859-2 to 16, koi8-r and the other WHATWG labels.
    #[arg(long, value_name = "ENCODING", value_parser = parse_encoding)]
    pub encoding: Option<TextEncoding>,

    /// Show received data as hex.
    #[arg(long)]
    pub hex: bool,

    /// Show the throughput chart and the reply times under the log.
    #[arg(long)]
    pub chart: bool,

    /// Record every event to FILE as it happens (.jsonl, .csv, .txt, or .pcapng for Wireshark).
    #[arg(long, value_name = "FILE", value_parser = parse_log_path)]
    pub log: Option<PathBuf>,

    /// Where --log goes on in a new file (FILE.2.jsonl, FILE.3.jsonl, …), in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 256, value_parser = clap::value_parser!(u64).range(1..=1_048_576))]
    pub split_mib: u64,

    /// Save the preset session's received bytes to FILE, byte for byte.
    #[arg(long, value_name = "FILE", requires = "preset")]
    pub save_data: Option<PathBuf>,

    /// Memory for each tab's log, in MiB; past it the oldest entries leave the view.
    #[arg(long, value_name = "MIB", value_parser = clap::value_parser!(u64).range(1..=1_048_576))]
    pub keep_mib: Option<u64>,

    /// Redraw at most N times a second while data arrives (1-120; default 30, remembered).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=120))]
    pub max_fps: Option<u32>,

    /// The window's language: en or zh-CN (default: the one chosen in the app, else the
    /// system's).
    #[arg(long, value_name = "LANG", value_parser = parse_language)]
    pub lang: Option<Language>,

    /// Run the preset's session without a window: its log on stdout as it happens, what
    /// comes on stdin sent, INFO and ERROR lines on stderr.
    #[arg(long, requires = "preset")]
    pub headless: bool,

    /// --headless: how each log entry is written to stdout: txt (as the .txt log), csv or
    /// jsonl.
    #[arg(long, value_name = "txt|csv|jsonl", value_parser = parse_format, requires = "headless")]
    pub format: Option<LogFormat>,

    /// --headless: send TEXT (with \r, \n, \xNN escapes) once the session is up.
    #[arg(long, value_name = "TEXT", requires = "headless")]
    pub send: Option<String>,

    /// --headless: send --send's TEXT every MS milliseconds (COUNT times, or until the end).
    #[arg(long, value_name = "MS[,COUNT]", value_parser = parse_repeat, requires = "send")]
    pub repeat: Option<Repeat>,

    /// --headless: end after N messages have arrived.
    #[arg(long, value_name = "N", requires = "headless", value_parser = clap::value_parser!(u64).range(1..))]
    pub count: Option<u64>,

    /// --headless: end after SECS seconds (exit code 4 if --count's messages had not all
    /// arrived by then).
    #[arg(long, value_name = "SECS", requires = "headless", value_parser = parse_seconds)]
    pub timeout: Option<f64>,

    /// Run this script (Rhai) in the preset's tab: it answers, keeps state and sends on
    /// timers; in the (TCP) relay it sees and changes each read (examples/scripts/).
    #[arg(long, value_name = "FILE", value_parser = parse_script, requires = "preset", conflicts_with = "relay_udp")]
    pub script: Option<ScriptStart>,

    /// Answer with these auto-reply rules: a file the Auto-reply window's Export wrote (or
    /// one written by hand, as docs/usage.md shows).
    #[arg(long, value_name = "FILE", value_parser = parse_rules_file, requires = "preset", conflicts_with_all = ["relay", "relay_udp"])]
    pub auto_reply: Option<RulesStart>,

    /// How arriving data is cut into entries: read (each read or datagram), line,
    /// delimiter:HEX (0D0A), length:N (bytes), idle:MS (a gap of this long).
    #[arg(long, value_name = "read|line|delimiter:HEX|length:N|idle:MS", value_parser = parse_framing)]
    pub framing: Option<crate::tab::FramingFields>,

    /// --headless: how stdin is sent: bytes as they come (default), or each line as a
    /// message, as text (escapes read) or hex, with --append and --checksum.
    #[arg(long, value_name = "bytes|text|hex", value_parser = parse_stdin, requires = "headless")]
    pub stdin: Option<StdinMode>,

    /// What the send box appends to each message (--send, stdin lines): crlf, lf, or hex
    /// bytes (03, "0D 0A").
    #[arg(long, value_name = "crlf|lf|HEX", value_parser = parse_append, requires = "preset")]
    pub append: Option<AppendStart>,

    /// The checksum after each message (--send, stdin lines): sum8, xor8, crc16-modbus,
    /// crc16-ccitt or crc32, in its usual byte order or ,be / ,le.
    #[arg(long, value_name = "NAME[,be|le]", value_parser = parse_checksum, requires = "preset")]
    pub checksum: Option<(Checksum, ByteOrder)>,
}

/// `--stdin`: how what comes on stdin is sent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StdinMode {
    /// Bytes as they come, as `nc` sends them.
    #[default]
    Bytes,
    /// Each line a message, text with escapes read.
    Text,
    /// Each line a message, in hex.
    Hex,
}

/// `--append`: a line end, or bytes in hex.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AppendStart {
    CrLf,
    Lf,
    Hex(String),
}

/// `--script FILE`: the file, read as the command line is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScriptStart {
    pub path: PathBuf,
    pub source: String,
}

/// `--auto-reply FILE`: the file, read as the command line is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RulesStart {
    pub path: PathBuf,
    pub rules: Vec<crate::tab::auto_reply::ReplyRule>,
}

/// `--repeat MS[,COUNT]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Repeat {
    pub every_ms: u64,
    pub count: Option<u64>,
}

/// What `--headless` runs besides the preset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeadlessStart {
    /// How entries go to stdout.
    pub format: LogFormat,
    /// Text with escapes, sent once the session is up.
    pub send: Option<String>,
    pub repeat: Option<Repeat>,
    /// End after this many messages arrived.
    pub count: Option<u64>,
    /// End after this long.
    pub timeout: Option<std::time::Duration>,
    /// How stdin is sent.
    pub stdin: StdinMode,
}

impl Cli {
    /// Parses the command line, with `--help` in the language of `--lang` or else the
    /// system's; exits with clap's message on bad arguments.
    pub fn parse_localized() -> Self {
        let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
        let lang = language_argument(&args).unwrap_or_else(Language::of_system);
        let matches = localized_command(lang).get_matches_from(args);
        Self::from_arg_matches(&matches).unwrap_or_else(|error| error.exit())
    }
}

/// The `--lang` value among `args`, read before clap, which needs the language for `--help`.
fn language_argument(args: &[std::ffi::OsString]) -> Option<Language> {
    let args: Vec<&str> = args.iter().filter_map(|arg| arg.to_str()).collect();
    args.iter()
        .enumerate()
        .find_map(|(at, arg)| match arg.strip_prefix("--lang") {
            Some("") => args.get(at + 1).and_then(|code| Language::from_code(code)),
            Some(rest) => rest.strip_prefix('=').and_then(Language::from_code),
            None => None,
        })
}

/// The command with its description and every option's help in `lang`.
pub fn localized_command(lang: Language) -> clap::Command {
    let helps = [
        ("tcp_client", tr!(lang, "cli.tcp_client")),
        ("tcp_server", tr!(lang, "cli.tcp_server")),
        ("udp", tr!(lang, "cli.udp")),
        ("relay", tr!(lang, "cli.relay")),
        ("relay_udp", tr!(lang, "cli.relay_udp")),
        ("upstream", tr!(lang, "cli.upstream")),
        ("to", tr!(lang, "cli.to")),
        ("broadcast", tr!(lang, "cli.broadcast")),
        ("join", tr!(lang, "cli.join")),
        ("ipv6_only", tr!(lang, "cli.ipv6_only")),
        ("bind", tr!(lang, "cli.bind")),
        ("reconnect", tr!(lang, "cli.reconnect")),
        ("send_on_connect", tr!(lang, "cli.send_on_connect")),
        ("upstream_tls", tr!(lang, "cli.upstream_tls")),
        ("tls", tr!(lang, "cli.tls")),
        ("tls_insecure", tr!(lang, "cli.tls_insecure")),
        ("tls_pin", tr!(lang, "cli.tls_pin")),
        ("tls_cert", tr!(lang, "cli.tls_cert")),
        ("tls_key", tr!(lang, "cli.tls_key")),
        ("encoding", tr!(lang, "cli.encoding")),
        ("hex", tr!(lang, "cli.hex")),
        ("chart", tr!(lang, "cli.chart")),
        ("log", tr!(lang, "cli.log")),
        ("split_mib", tr!(lang, "cli.split_mib")),
        ("save_data", tr!(lang, "cli.save_data")),
        ("keep_mib", tr!(lang, "cli.keep_mib")),
        ("max_fps", tr!(lang, "cli.max_fps")),
        ("lang", tr!(lang, "cli.lang")),
        ("headless", tr!(lang, "cli.headless")),
        ("format", tr!(lang, "cli.format")),
        ("send", tr!(lang, "cli.send")),
        ("repeat", tr!(lang, "cli.repeat")),
        ("count", tr!(lang, "cli.count")),
        ("timeout", tr!(lang, "cli.timeout")),
        ("script", tr!(lang, "cli.script")),
        ("auto_reply", tr!(lang, "cli.auto_reply")),
        ("framing", tr!(lang, "cli.framing")),
        ("stdin", tr!(lang, "cli.stdin")),
        ("append", tr!(lang, "cli.append")),
        ("checksum", tr!(lang, "cli.checksum")),
    ];
    let command = Cli::command().about(tr!(lang, "cli.about").into_owned());
    helps.into_iter().fold(command, |command, (id, help)| {
        command.mut_arg(id, |arg| arg.help(help.into_owned()))
    })
}

/// What to start at launch, taken from the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StartOptions {
    pub preset: Option<Preset>,
    pub encoding: Option<TextEncoding>,
    pub hex: bool,
    /// The chart open under the log.
    pub chart: bool,
    pub log: Option<PathBuf>,
    /// Where `log` goes on in a new file, in bytes.
    pub split_bytes: u64,
    pub save_data: Option<PathBuf>,
    pub keep_mib: Option<u64>,
    /// The cap on frames a second drawn for arriving data.
    pub max_fps: Option<u32>,
    /// The window's language, over the one remembered or the system's.
    pub language: Option<Language>,
    /// TCP server and UDP on `::`: IPv6 peers only.
    pub ipv6_only: bool,
    /// TCP client: where to connect from, reconnecting, what to send first.
    pub client: ClientStart,
    /// TCP client and server: TLS, and how.
    pub tls: TlsStart,
    /// Where to write a line per frame (`SOCKSCOPE_FRAME_REPORT`), for benchmarks.
    pub frame_report: Option<PathBuf>,
    /// Run without a window, as this says.
    pub headless: Option<HeadlessStart>,
    /// The preset's tab runs this script.
    pub script: Option<ScriptStart>,
    /// The preset's tab answers with these rules.
    pub auto_reply: Option<RulesStart>,
    /// How arriving data is cut into entries (the preset's tab, or every tab).
    pub framing: Option<crate::tab::FramingFields>,
    /// What the send box appends, and its checksum.
    pub append: Option<AppendStart>,
    pub checksum: Option<(Checksum, ByteOrder)>,
}

impl Default for StartOptions {
    fn default() -> Self {
        Self {
            preset: None,
            encoding: None,
            hex: false,
            chart: false,
            log: None,
            split_bytes: crate::export::DEFAULT_ROTATE_BYTES,
            save_data: None,
            keep_mib: None,
            max_fps: None,
            language: None,
            ipv6_only: false,
            client: ClientStart::default(),
            tls: TlsStart::default(),
            frame_report: None,
            headless: None,
            script: None,
            auto_reply: None,
            framing: None,
            append: None,
            checksum: None,
        }
    }
}

/// The TCP client preset's connect options from the command line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientStart {
    pub bind: Option<SocketAddr>,
    /// The interval between connections, when reconnecting.
    pub reconnect: Option<std::time::Duration>,
    /// Text with escapes.
    pub send_on_connect: Option<String>,
}

/// TLS from the command line, for the preset's TCP tab.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TlsStart {
    pub enabled: bool,
    /// TCP client: how to accept the certificate (`None`: the system's roots).
    pub verify: Option<Verify>,
    /// TCP server and relay: the certificate and key files (`None`: one made on the spot).
    pub files: Option<(PathBuf, PathBuf)>,
    /// Relay: TLS to the upstream, accepting its certificate so.
    pub upstream: Option<Verify>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Preset {
    TcpClient(RemoteTarget),
    TcpServer(SocketAddr),
    Relay {
        listen: SocketAddr,
        upstream: RemoteTarget,
        /// Datagrams instead of connections.
        udp: bool,
    },
    Udp {
        local: SocketAddr,
        to: Option<RemoteTarget>,
        /// Sends may go to broadcast addresses.
        broadcast: bool,
        /// Multicast groups to join, as typed (`GROUP[@IFACE]`).
        join: Vec<String>,
    },
}

impl Preset {
    /// The tab the preset fills and starts.
    pub fn mode(&self) -> crate::session::Mode {
        use crate::session::Mode;
        match self {
            Self::TcpClient(_) => Mode::TcpClient,
            Self::TcpServer(_) => Mode::TcpServer,
            Self::Udp { .. } => Mode::Udp,
            Self::Relay { .. } => Mode::Relay,
        }
    }
}

impl From<Cli> for StartOptions {
    fn from(cli: Cli) -> Self {
        let relay = match (cli.relay, cli.relay_udp) {
            (Some(listen), _) => Some((listen, false)),
            (None, Some(listen)) => Some((listen, true)),
            (None, None) => None,
        };
        let relay = relay.zip(cli.upstream);
        let preset = match (cli.tcp_client, cli.tcp_server, cli.udp) {
            _ if relay.is_some() => relay.map(|((listen, udp), upstream)| Preset::Relay {
                listen,
                upstream,
                udp,
            }),
            (Some(target), _, _) => Some(Preset::TcpClient(target)),
            (_, Some(local), _) => Some(Preset::TcpServer(local)),
            (_, _, Some(local)) => Some(Preset::Udp {
                local,
                to: cli.to,
                broadcast: cli.broadcast,
                join: cli.join,
            }),
            _ => None,
        };
        Self {
            preset,
            encoding: cli.encoding,
            hex: cli.hex,
            chart: cli.chart,
            log: cli.log,
            split_bytes: cli.split_mib * 1024 * 1024,
            save_data: cli.save_data,
            keep_mib: cli.keep_mib,
            max_fps: cli.max_fps,
            language: cli.lang,
            ipv6_only: cli.ipv6_only,
            client: ClientStart {
                bind: cli.bind,
                reconnect: cli.reconnect.map(std::time::Duration::from_secs_f64),
                send_on_connect: cli.send_on_connect,
            },
            tls: TlsStart {
                enabled: cli.tls
                    || cli.tls_insecure
                    || cli.tls_pin.is_some()
                    || cli.tls_cert.is_some(),
                verify: match (cli.tls_pin, cli.tls_insecure) {
                    (Some(pin), _) => Some(Verify::Pinned(pin)),
                    (None, true) => Some(Verify::Insecure),
                    (None, false) => None,
                },
                files: cli.tls_cert.zip(cli.tls_key),
                upstream: cli.upstream_tls,
            },
            frame_report: None,
            headless: cli.headless.then(|| HeadlessStart {
                format: cli.format.unwrap_or(LogFormat::Txt),
                send: cli.send,
                repeat: cli.repeat,
                count: cli.count,
                timeout: cli.timeout.map(std::time::Duration::from_secs_f64),
                stdin: cli.stdin.unwrap_or_default(),
            }),
            script: cli.script,
            auto_reply: cli.auto_reply,
            framing: cli.framing,
            append: cli.append,
            checksum: cli.checksum,
        }
    }
}

mod parse;

#[cfg(test)]
mod tests;
