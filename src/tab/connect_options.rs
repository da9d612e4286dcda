//! The connect options a tab's worker starts with, beyond address and port: the TCP client's
//! local address, reconnecting and first message; UDP's broadcast switch.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use super::messages;
use super::payloads::Payload;
use super::send_settings::SendFields;
use super::settings::{parse_ip, parse_port};
use crate::codec::{PayloadFormat, TextEncoding};
use crate::i18n::Language;
use crate::net;
use crate::tr;

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
    pub on_connect: Option<Vec<u8>>,
}

impl ClientFields {
    /// The options, or what is wrong with a field (in `lang`). `encoding` reads the text sent
    /// on connect.
    pub fn parse(&self, encoding: TextEncoding, lang: Language) -> Result<ClientOptions, String> {
        let host = self.local_host.trim();
        let port = self.local_port.trim();
        let local = if host.is_empty() && matches!(port, "" | "0") {
            None
        } else {
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
            Some(SocketAddr::new(ip, port))
        };
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
            Some(bytes)
        };
        Ok(ClientOptions {
            local,
            reconnect,
            on_connect,
        })
    }
}

/// The UDP tab's socket options.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct UdpFields {
    /// Sends may go to broadcast addresses.
    pub broadcast: bool,
}

impl UdpFields {
    pub fn options(&self, stack: net::Stack) -> net::UdpOptions {
        net::UdpOptions {
            broadcast: self.broadcast,
            stack,
        }
    }
}
