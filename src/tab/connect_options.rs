//! The connect options a tab's worker starts with, beyond address and port: the TCP client's
//! local address, reconnecting and first message; UDP's broadcast switch.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use super::fields::{parse_ip, parse_port};
use super::messages;
use super::payloads::Payload;
use super::send_settings::SendFields;
use crate::codec::{PayloadFormat, TextEncoding};
use crate::i18n::{Language, tr};
use crate::net;

/// The TCP client tab's connect options, as typed.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct ClientFields {
    /// Connect from this local IP; empty: any.
    pub local_host: String,
    /// Connect from this local port; empty or 0: any.
    pub local_port: String,
    pub reconnect: bool,
    pub reconnect_secs: f64,
    /// Failed attempts in a row before giving up, as typed; empty: until Disconnect.
    pub reconnect_limit: String,
    /// Sent as soon as each connection is up; empty: nothing.
    pub on_connect: String,
    pub on_connect_hex: bool,
}

impl Default for ClientFields {
    fn default() -> Self {
        Self {
            local_host: String::new(),
            local_port: String::new(),
            reconnect: false,
            reconnect_secs: 2.0,
            reconnect_limit: String::new(),
            on_connect: String::new(),
            on_connect_hex: false,
        }
    }
}

/// What the connect options give the TCP client worker.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ClientOptions {
    pub local: Option<SocketAddr>,
    pub reconnect: Option<net::Reconnect>,
    /// Its bytes, and the encoding they were written in as text.
    pub on_connect: Option<(Vec<u8>, net::WrittenIn)>,
}

impl ClientFields {
    /// Where to connect from, if the local fields say (the TCP client's, and the relay's to
    /// its upstream).
    pub fn local_address(&self, lang: Language) -> Result<Option<SocketAddr>, String> {
        let host = self.local_host.trim();
        let port = self.local_port.trim();
        if host.is_empty() && matches!(port, "" | "0") {
            return Ok(None);
        }
        // An empty IP is any address; the worker matches its IP version to the peer's.
        let ip = if host.is_empty() {
            IpAddr::from([0, 0, 0, 0])
        } else {
            parse_ip(host, lang)?
        };
        let port = if port.is_empty() {
            0
        } else {
            parse_port(port, true, lang)?
        };
        Ok(Some(SocketAddr::new(ip, port)))
    }

    /// The options, or what is wrong with a field (in `lang`). `encoding` reads the text sent
    /// on connect.
    pub fn parse(&self, encoding: TextEncoding, lang: Language) -> Result<ClientOptions, String> {
        let local = self.local_address(lang)?;
        let reconnect = if self.reconnect {
            let limit = match self.reconnect_limit.trim() {
                "" => None,
                text => match text.parse::<u32>() {
                    Ok(limit @ 1..) => Some(limit),
                    _ => return Err(tr!(lang, "errors.reconnect_limit").into_owned()),
                },
            };
            let seconds = self.reconnect_secs.clamp(0.1, 3600.0);
            Some(net::Reconnect {
                interval: Duration::from_secs_f64(seconds),
                limit,
            })
        } else {
            None
        };
        let on_connect = if self.on_connect.is_empty() {
            None
        } else {
            let format = if self.on_connect_hex {
                PayloadFormat::Hex
            } else {
                PayloadFormat::Text
            };
            let payload = Payload {
                text: self.on_connect.clone(),
                format,
                // Escapes as on the command line: \r\n, \xNN.
                send: SendFields {
                    escapes: true,
                    ..SendFields::default()
                },
            };
            let bytes = payload.wire_bytes(encoding, lang).map_err(|error| {
                let label = tr!(lang, "errors.label.on_connect");
                messages::labelled(&label, &error, lang)
            })?;
            Some((bytes, payload.written_in(encoding)))
        };
        Ok(ClientOptions {
            local,
            reconnect,
            on_connect,
        })
    }
}

/// The relay tab: what it carries, and (UDP) when a quiet client is forgotten.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct RelayFields {
    /// UDP instead of TCP.
    pub udp: bool,
    /// Seconds with no datagram either way before a client is forgotten, as typed.
    pub idle_secs: String,
    /// TLS the relay speaks to the upstream (TCP). TLS with clients is the tab's `tls`.
    pub upstream_tls: super::TlsFields,
}

impl Default for RelayFields {
    fn default() -> Self {
        Self {
            udp: false,
            idle_secs: "60".to_owned(),
            upstream_tls: super::TlsFields::default(),
        }
    }
}

impl RelayFields {
    /// What the relay carries, or what is wrong with the idle time.
    pub fn transport(&self, lang: Language) -> Result<net::RelayTransport, String> {
        if !self.udp {
            return Ok(net::RelayTransport::Tcp);
        }
        let seconds = self.idle_secs.trim().parse::<u32>().ok();
        match seconds.filter(|seconds| (1..=86_400).contains(seconds)) {
            Some(seconds) => Ok(net::RelayTransport::Udp {
                idle: Duration::from_secs(u64::from(seconds)),
            }),
            None => Err(tr!(lang, "relay.udp.bad_idle").into_owned()),
        }
    }
}

/// The UDP tab's socket options.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct UdpFields {
    /// Sends may go to broadcast addresses.
    pub broadcast: bool,
    /// Multicast groups to be in, as typed (`GROUP[@IFACE]`); joined as the socket opens.
    pub groups: Vec<String>,
    /// The group being typed, before Join.
    pub group_input: String,
    /// TTL (hop limit) of multicast sends.
    pub multicast_ttl: u32,
    /// Multicast sends are heard by this machine's sockets in the group too.
    pub multicast_loopback: bool,
}

impl Default for UdpFields {
    fn default() -> Self {
        let multicast = net::MulticastSend::default();
        Self {
            broadcast: false,
            groups: Vec::new(),
            group_input: String::new(),
            multicast_ttl: multicast.ttl,
            multicast_loopback: multicast.loopback,
        }
    }
}

impl UdpFields {
    /// The socket's options; groups that no longer parse (an interface gone) are left out.
    pub fn options(&self, stack: net::Stack, lang: Language) -> net::UdpOptions {
        net::UdpOptions {
            broadcast: self.broadcast,
            stack,
            groups: self
                .groups
                .iter()
                .filter_map(|text| parse_group(text, lang).ok())
                .collect(),
            multicast: net::MulticastSend {
                ttl: self.multicast_ttl.clamp(1, 255),
                loopback: self.multicast_loopback,
            },
        }
    }
}

/// `[SOURCE,]GROUP[@IFACE]`: a multicast address, and where to join it: an interface's name,
/// an IPv4 address of it, or (IPv6) its index; none lets the OS choose. With a source (IPv4),
/// only that sender's datagrams arrive.
pub fn parse_group(text: &str, lang: Language) -> Result<net::Group, String> {
    let text = text.trim();
    // `SOURCE,GROUP[@IFACE]`: only that sender's datagrams.
    let (source, text) = match text.split_once(',') {
        Some((source, group)) => {
            let source = source.trim();
            let ip = source
                .parse::<IpAddr>()
                .map_err(|_| tr!(lang, "errors.group.bad_source", text = source).into_owned())?;
            (Some(ip), group.trim())
        }
        None => (None, text),
    };
    let (address, interface) = match text.split_once('@') {
        Some((address, interface)) => (address.trim(), interface.trim()),
        None => (text, ""),
    };
    let address: IpAddr = address
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .map_err(|_| tr!(lang, "errors.group.not_multicast", text = address).into_owned())?;
    if !address.is_multicast() {
        return Err(tr!(lang, "errors.group.not_multicast", text = address).into_owned());
    }
    let no_interface = || tr!(lang, "errors.group.no_interface", name = interface).into_owned();
    let chosen = if interface.is_empty() {
        net::Interface::Any
    } else if let (IpAddr::V4(_), Ok(ip)) = (address, interface.parse::<std::net::Ipv4Addr>()) {
        net::Interface::V4(ip)
    } else if let (IpAddr::V6(_), Ok(index)) = (address, interface.parse::<u32>()) {
        net::Interface::Index(index)
    } else {
        let interfaces = if_addrs::get_if_addrs().map_err(|_| no_interface())?;
        let named = interfaces.iter().filter(|found| found.name == interface);
        match address {
            IpAddr::V4(_) => named
                .filter_map(|found| match found.ip() {
                    IpAddr::V4(ip) => Some(net::Interface::V4(ip)),
                    IpAddr::V6(_) => None,
                })
                .next()
                .ok_or_else(no_interface)?,
            IpAddr::V6(_) => named
                .filter_map(|found| found.index.map(net::Interface::Index))
                .next()
                .ok_or_else(no_interface)?,
        }
    };
    if source.is_some_and(|source| source.is_ipv4() != address.is_ipv4() || address.is_ipv6()) {
        let source = source.map(|ip| ip.to_string()).unwrap_or_default();
        return Err(tr!(lang, "errors.group.bad_source", text = source).into_owned());
    }
    Ok(net::Group {
        address,
        interface: chosen,
        source,
        interface_name: interface.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;

    const EN: Language = Language::English;

    #[test]
    fn groups_are_read_with_their_interface() {
        let group = parse_group(" 239.1.2.3 ", EN).expect("a group");
        assert_eq!(group.address, IpAddr::from([239, 1, 2, 3]));
        assert_eq!(group.interface, net::Interface::Any);
        assert_eq!(group.to_string(), "239.1.2.3");
        let group = parse_group("239.1.2.3@127.0.0.1", EN).expect("a group");
        assert_eq!(group.interface, net::Interface::V4(Ipv4Addr::LOCALHOST));
        let group = parse_group("FF02::1234@7", EN).expect("a group");
        assert_eq!(group.interface, net::Interface::Index(7));
        assert_eq!(
            group.to_string(),
            "ff02::1234@7",
            "named as the log names it"
        );
        let group = parse_group("10.0.0.5, 232.1.1.1@127.0.0.1", EN).expect("source-specific");
        assert_eq!(group.source, Some(IpAddr::from([10, 0, 0, 5])));
        assert_eq!(group.to_string(), "10.0.0.5,232.1.1.1@127.0.0.1");
        #[cfg(target_os = "linux")]
        {
            let group = parse_group("239.1.2.3@lo", EN).expect("a group on lo");
            assert_eq!(group.interface, net::Interface::V4(Ipv4Addr::LOCALHOST));
        }
    }

    #[test]
    fn what_is_not_a_group_or_an_interface_is_said() {
        let error = parse_group("10.1.2.3", EN).expect_err("unicast");
        assert!(
            error.starts_with("'10.1.2.3' is not a multicast address"),
            "{error}"
        );
        let error = parse_group("group", EN).expect_err("not an address");
        assert!(error.contains("is not a multicast address"), "{error}");
        let error = parse_group("239.1.2.3@nosuchif9", EN).expect_err("no such interface");
        assert!(
            error.starts_with("No interface 'nosuchif9' here"),
            "{error}"
        );
        let error = parse_group("nowhere,232.1.1.1", EN).expect_err("not a source");
        assert!(error.starts_with("'nowhere' is not a source"), "{error}");
        let error = parse_group("::1,232.1.1.1", EN).expect_err("another IP version");
        assert!(error.starts_with("'::1' is not a source"), "{error}");
        let chinese = parse_group("10.1.2.3", Language::SimplifiedChinese).expect_err("unicast");
        assert!(chinese.contains("不是组播地址"), "{chinese}");
    }
}
