//! Starting and stopping a tab's session, and what an open UDP socket is told while it runs
//! (multicast groups): the commands a tab sends its worker.

use std::net::SocketAddr;
use std::time::Duration;

use super::Tab;
use super::connect_options::parse_group;
use super::fields::{parse_host, parse_ip, parse_port};
use super::request::{Launch, Request};
use crate::net::{Command, RelayConfig, RelayTls, TcpClientConfig};
use crate::session::Mode;

impl Tab {
    pub(super) fn join_group(&mut self) {
        let udp = &mut self.settings.udp;
        match parse_group(&udp.group_input, self.language) {
            Ok(group) => {
                self.view.errors.group = None;
                udp.group_input.clear();
                // As the log names it, so Leave finds it whatever the case typed.
                let text = group.to_string();
                if !udp.groups.contains(&text) {
                    udp.groups.push(text);
                }
                self.command(Command::JoinGroup(group));
            }
            Err(error) => self.view.errors.group = Some(error),
        }
    }

    pub(super) fn leave_group(&mut self, text: &str) {
        self.settings.udp.groups.retain(|kept| kept != text);
        let joined = self.session().groups.clone();
        // The group as joined: its interface may since have gone.
        if let Some(group) = joined.into_iter().find(|group| group.to_string() == text) {
            self.command(Command::LeaveGroup(group));
        }
    }

    pub(super) fn command(&mut self, command: Command) {
        self.ask(Request::Command(command));
    }

    /// Starts the session from the fields, or says beside them what is wrong.
    pub(super) fn start(&mut self) {
        if let Some(launch) = self.launch() {
            self.ask(Request::Start(launch));
        }
    }

    /// The worker the fields describe, or `None` with messages beside the fields.
    fn launch(&mut self) -> Option<Launch> {
        // Only the fields Start reads: the others keep their own messages.
        self.view.errors.host = None;
        self.view.errors.port = None;
        match self.mode {
            Mode::TcpClient => {
                let host = parse_host(&self.settings.host, self.language)
                    .map_err(|e| self.view.errors.host = Some(e));
                let port = parse_port(&self.settings.port, false, self.language)
                    .map_err(|e| self.view.errors.port = Some(e));
                self.view.errors.client = None;
                let options = self
                    .settings
                    .client
                    .parse(self.settings.encoding, self.language)
                    .map_err(|error| self.view.errors.client = Some(error));
                let tls = self.tls_checked(super::TlsFields::client);
                let (Ok(host), Ok(port), Ok(options), Some(tls)) = (host, port, options, tls)
                else {
                    return None;
                };
                let seconds = self.settings.connect_timeout_secs.clamp(0.1, 600.0);
                Some(Launch::TcpClient(TcpClientConfig {
                    host,
                    port,
                    connect_timeout: Duration::from_secs_f64(seconds),
                    local: options.local,
                    reconnect: options.reconnect,
                    on_connect: options.on_connect,
                    tls,
                }))
            }
            Mode::TcpServer => {
                let local = self.local_addr()?;
                let tls = self.tls_checked(super::TlsFields::server)?;
                let stack = self.settings.stack;
                Some(Launch::TcpServer { local, stack, tls })
            }
            Mode::Udp => {
                let local = self.local_addr()?;
                let options = self
                    .settings
                    .udp
                    .options(self.settings.stack, self.language);
                Some(Launch::Udp { local, options })
            }
            Mode::Relay => self.relay_launch(),
        }
    }

    /// Relay: where it listens, and the upstream it connects each client to.
    fn relay_launch(&mut self) -> Option<Launch> {
        let listen = self.local_addr();
        self.view.errors.remote = None;
        self.view.errors.client = None;
        let upstream_host = parse_host(&self.settings.remote_host, self.language)
            .map_err(|e| self.view.errors.remote = Some(e));
        let upstream_port = parse_port(&self.settings.remote_port, false, self.language)
            .map_err(|e| self.view.errors.remote = Some(e));
        let udp = self.settings.relay.udp;
        let local = self
            .settings
            .client
            .local_address(self.language)
            .and_then(|local| match local {
                // Each client has a socket of its own toward the upstream: one port can't do.
                Some(local) if udp && local.port() != 0 => {
                    Err(crate::i18n::tr!(self.language, "relay.udp.fixed_port").into_owned())
                }
                local => Ok(local),
            })
            .map_err(|error| self.view.errors.client = Some(error));
        let faults = super::faults::parse_both(&self.settings.faults, self.language)
            .map_err(|error| self.view.errors.faults = Some(error));
        let settings = &self.settings;
        let rewrites =
            super::rewrite::parse_rules(&settings.rewrites, settings.encoding, self.language)
                .map_err(|error| self.view.errors.rewrites = Some(error));
        let transport = settings.relay.transport(self.language);
        self.view.errors.relay_idle = transport.as_ref().err().cloned();
        let tls = self.relay_tls();
        let (
            Some(listen),
            Ok(upstream_host),
            Ok(upstream_port),
            Ok(local),
            Ok(faults),
            Ok(rewrites),
            Ok(transport),
            Some(tls),
        ) = (
            listen,
            upstream_host,
            upstream_port,
            local,
            faults,
            rewrites,
            transport,
            tls,
        )
        else {
            return None;
        };
        let seconds = self.settings.connect_timeout_secs.clamp(0.1, 600.0);
        Some(Launch::Relay(Box::new(RelayConfig {
            transport,
            listen,
            stack: self.settings.stack,
            upstream_host,
            upstream_port,
            connect_timeout: Duration::from_secs_f64(seconds),
            local,
            faults,
            rewrites,
            tls,
        })))
    }

    /// Relay: the TLS it ends with clients and the upstream (none over UDP), or `None` with
    /// the messages beside the fields.
    fn relay_tls(&mut self) -> Option<RelayTls> {
        if self.settings.relay.udp {
            self.view.errors.tls = None;
            self.view.errors.upstream_tls = None;
            return Some(RelayTls::default());
        }
        let clients = self.tls_checked(super::TlsFields::server);
        let upstream = self.settings.relay.upstream_tls.client(self.language);
        self.view.errors.upstream_tls = upstream.as_ref().err().cloned();
        Some(RelayTls {
            clients: clients?,
            upstream: upstream.ok()?,
        })
    }

    /// What the TLS fields give, or `None` with the message beside them.
    fn tls_checked<T>(
        &mut self,
        read: impl FnOnce(&super::TlsFields, crate::i18n::Language) -> Result<T, String>,
    ) -> Option<T> {
        let read = read(&self.settings.tls, self.language);
        self.view.errors.tls = read.as_ref().err().cloned();
        read.ok()
    }

    /// Says what is wrong with the TLS fields again (in the language now in use).
    pub(super) fn recheck_tls(&mut self) {
        if self.mode == Mode::TcpServer {
            self.tls_checked(super::TlsFields::server);
        } else {
            self.tls_checked(super::TlsFields::client);
        }
    }

    /// The local address from the Address and Port fields, or field errors.
    fn local_addr(&mut self) -> Option<SocketAddr> {
        let lang = self.language;
        let ip = parse_ip(&self.settings.host, lang).map_err(|e| self.view.errors.host = Some(e));
        let port = parse_port(&self.settings.port, true, lang)
            .map_err(|e| self.view.errors.port = Some(e));
        Some(SocketAddr::new(ip.ok()?, port.ok()?))
    }
}
