//! Starting and stopping a tab's session, and what an open UDP socket is told while it runs
//! (multicast groups): the commands a tab sends its worker.

use std::net::SocketAddr;
use std::time::Duration;

use super::connect_options::parse_group;
use super::fields::{parse_host, parse_ip, parse_port};
use super::intake::Intake;
use super::{Tab, Wake};
use crate::i18n::tr;
use crate::net::{self, Command, TcpClientConfig};
use crate::session::{EntryKind, Mode, Status};

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
        let joined = self.session.lock().groups.clone();
        // The group as joined: its interface may since have gone.
        if let Some(group) = joined.into_iter().find(|group| group.to_string() == text) {
            self.command(Command::LeaveGroup(group));
        }
    }

    pub(super) fn command(&self, command: Command) {
        if let Some(worker) = &self.worker {
            worker.send(command);
        }
    }

    /// Starts the session from the fields; returns a message to log if it could not.
    pub(super) fn start(&mut self, wake: &Wake) -> Option<EntryKind> {
        // Only the fields Start reads: the others keep their own messages.
        self.view.errors.host = None;
        self.view.errors.port = None;
        let spawned = match self.mode {
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
                let config = TcpClientConfig {
                    host,
                    port,
                    connect_timeout: Duration::from_secs_f64(seconds),
                    local: options.local,
                    reconnect: options.reconnect,
                    on_connect: options.on_connect,
                    tls,
                };
                net::spawn_tcp_client(config)
            }
            Mode::TcpServer | Mode::Udp => {
                let local = self.local_addr()?;
                if let Some(worker) = &self.worker {
                    // Still serving clients after Stop: listen again on the same worker.
                    worker.send(Command::Listen(local));
                    self.listen_again = true;
                    return None;
                }
                if self.mode == Mode::TcpServer {
                    let tls = self.tls_checked(super::TlsFields::server)?;
                    net::spawn_tcp_server(local, self.settings.stack, tls)
                } else {
                    let options = self
                        .settings
                        .udp
                        .options(self.settings.stack, self.language);
                    net::spawn_udp(local, options)
                }
            }
        };
        // Before the intake starts, so the worker's first event lands on a starting session.
        let previous = self.session.lock().status.clone();
        self.session.lock().started();
        let started = spawned.and_then(|worker| {
            self.session.lock().log.recycle_into(worker.recycler());
            Intake::start(worker, self.session.clone(), wake.clone())
        });
        match started {
            Ok(intake) => {
                self.worker = Some(intake);
                None
            }
            Err(error) => {
                self.session.lock().status = previous;
                let text = tr!(self.language, "events.worker_failed", error = error);
                Some(EntryKind::Error(text.into_owned()))
            }
        }
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

    /// Stops the session; returns a message to log when the stop is immediate.
    pub(super) fn stop(&mut self) -> Option<EntryKind> {
        let status = self.session.lock().status.clone();
        self.listen_again = false;
        match (self.mode, status) {
            (Mode::TcpServer, _) => self.command(Command::StopListening),
            // Connect may be blocked in the OS for up to its timeout: let the worker finish it
            // alone; it will see the shutdown and close.
            (Mode::TcpClient, Status::Starting | Status::Connecting { .. }) => {
                self.worker = None;
                self.session.lock().status = Status::Idle;
                let text = tr!(self.language, "events.connect_cancelled");
                return Some(EntryKind::Info(text.into_owned()));
            }
            _ => self.command(Command::Shutdown),
        }
        None
    }
}
