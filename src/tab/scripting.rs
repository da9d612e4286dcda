//! The tab's script as its session host sees it: started and stopped on request, fed the
//! connections and the received messages (as the tab frames them) without waiting; in the
//! relay, each read waiting at the gate for its verdict.

use crossbeam_channel::Receiver;

use crate::i18n::tr;
use std::net::SocketAddr;

use crate::net::{ClientId, EventKind, Toward};
use crate::script::{self, ScriptEnd, ScriptError, ScriptInput, ScriptOutput, ScriptPeer};
use crate::script::{ScriptRun, ScriptSetup, ScriptState};
use crate::session::{Clients, EntryKind, LogEntry, Mode, Session, Stage};

#[derive(Default)]
pub(super) struct Scripting {
    run: Option<ScriptRun>,
    /// TCP client: the server connected to, which a script is told has gone when the
    /// connection ends.
    server: Option<ScriptPeer>,
}

impl Scripting {
    /// Starts `setup`'s script in place of any running one, in a tab in `mode`: the session
    /// shows it running (or why it could not start), and the log says so (`keep` sees what it
    /// says).
    pub fn start_in(
        &mut self,
        session: &mut Session,
        mode: Mode,
        setup: ScriptSetup,
        keep: impl FnOnce(&LogEntry),
    ) {
        let language = session.language();
        let started = if mode == Mode::Relay && setup.datagrams {
            Err(tr!(language, "script.not_in_udp_relay").into_owned())
        } else {
            let spawned = self.start(setup, &session.clients);
            spawned
                .map_err(|error| tr!(language, "events.worker_failed", error = error).into_owned())
        };
        match started {
            Ok(()) => {
                session.script = ScriptState::Running;
                let text = tr!(language, "script.started").into_owned();
                session.note(EntryKind::Info(text), keep);
            }
            Err(message) => {
                let error = ScriptError {
                    line: None,
                    column: None,
                    message,
                };
                ended(session, ScriptEnd::Failed(error), keep);
            }
        }
    }

    /// Starts the script, telling it first of the connections already up: a TCP client's
    /// server, or a TCP server's `clients`.
    fn start(&mut self, setup: ScriptSetup, clients: &Clients) -> std::io::Result<()> {
        self.run = None;
        let run = script::spawn(setup)?;
        let up = clients.iter().map(|client| ScriptPeer {
            addr: client.peer,
            client: Some(client.id),
        });
        for peer in self.server.into_iter().chain(up) {
            run.feed(ScriptInput::Connected(peer));
        }
        self.run = Some(run);
        Ok(())
    }

    /// Stops the running script; whether one ran.
    pub fn stop(&mut self) -> bool {
        self.run.take().is_some()
    }

    /// The sends and verdicts the running script has given and the host has not carried out
    /// yet (what else it said is let go): for the worker before the script is stopped.
    pub fn given(&self) -> Vec<crate::net::Command> {
        let Some(run) = &self.run else {
            return Vec::new();
        };
        let outputs = run.outputs().try_iter();
        outputs
            .filter_map(|output| match output {
                ScriptOutput::Command(command) => Some(command),
                _ => None,
            })
            .collect()
    }

    pub fn is_running(&self) -> bool {
        self.run.is_some()
    }

    /// Relay: hands the script read `number` of pair `id` (whose client is `addr`), waiting
    /// for its verdict `toward` one side. With no script, the read is let go when the gate
    /// opens (the host opens it as the script ends).
    pub fn judge(
        &self,
        (id, addr): (ClientId, SocketAddr),
        (toward, number): (Toward, u64),
        bytes: Vec<u8>,
    ) {
        if let Some(run) = &self.run {
            let peer = ScriptPeer {
                addr,
                client: Some(id),
            };
            run.feed(ScriptInput::Passing {
                peer,
                toward,
                number,
                bytes,
            });
        }
    }

    /// Where the running script's outputs come from.
    pub fn outputs(&self) -> Option<&Receiver<ScriptOutput>> {
        self.run.as_ref().map(ScriptRun::outputs)
    }

    /// Whether the script is behind: the host takes no more from the socket for now.
    pub fn is_behind(&self) -> bool {
        self.run.as_ref().is_some_and(ScriptRun::is_behind)
    }

    /// Hands the script the received messages `stage` shows from `mark` on, each with who
    /// sent it (a TCP server's client, from `clients`).
    pub fn messages(&mut self, stage: &Stage, clients: &Clients, mark: usize) {
        let Some(run) = &self.run else { return };
        // The relay's script is handed each read as it waits at the gate instead.
        if stage.mode() == Mode::Relay {
            return;
        }
        for entry in stage.shown_since(mark) {
            let Some(addr) = entry.peer else { continue };
            let client = match stage.mode() {
                Mode::TcpServer => match clients.at(addr) {
                    Some(client) => Some(client.id),
                    None => continue,
                },
                _ => None,
            };
            let peer = ScriptPeer { addr, client };
            let bytes = entry.bytes().to_vec();
            run.feed(ScriptInput::Message { peer, bytes });
        }
    }

    /// Tells the script of a connection that came up or ended.
    pub fn event(&mut self, kind: &EventKind) {
        let input = match *kind {
            EventKind::Connected { peer, .. } => {
                let server = ScriptPeer {
                    addr: peer,
                    client: None,
                };
                self.server = Some(server);
                ScriptInput::Connected(server)
            }
            EventKind::ClientConnected { id, peer, .. } => ScriptInput::Connected(ScriptPeer {
                addr: peer,
                client: Some(id),
            }),
            EventKind::ClientDisconnected { id, peer, .. } => {
                ScriptInput::Disconnected(ScriptPeer {
                    addr: peer,
                    client: Some(id),
                })
            }
            EventKind::Closed(_) | EventKind::Retrying { .. } => match self.server.take() {
                Some(server) => ScriptInput::Disconnected(server),
                None => return,
            },
            _ => return,
        };
        if let Some(run) = &self.run {
            run.feed(input);
        }
    }
}

/// What the script printed, or how it ended, into `session` (`keep` sees the log's entry).
pub(super) fn apply(session: &mut Session, output: ScriptOutput, keep: impl FnOnce(&LogEntry)) {
    match output {
        ScriptOutput::Say(text) => {
            let text = tr!(session.language(), "script.says", text = text).into_owned();
            session.note(EntryKind::Info(text), keep);
        }
        ScriptOutput::Ended(end) => ended(session, end, keep),
        // Sends go to the worker as they come, never through the session.
        ScriptOutput::Command(_) => {}
    }
}

/// The script has ended (`end`): the session shows how, and the log says it.
pub(super) fn ended(session: &mut Session, end: ScriptEnd, keep: impl FnOnce(&LogEntry)) {
    let language = session.language();
    let kind = match &end {
        ScriptEnd::Stopped => EntryKind::Info(tr!(language, "script.stopped").into_owned()),
        ScriptEnd::Failed(error) => {
            EntryKind::Error(tr!(language, "script.failed", error = error).into_owned())
        }
    };
    session.script = ScriptState::Ended(end);
    session.note(kind, keep);
}
