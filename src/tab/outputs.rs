//! What follows a tab's worker besides its log: the files fed as entries arrive (Record, Save
//! data, and the whole app's `--log`), the auto-reply rules and the framing. The session host
//! runs them as events arrive, before the session has them, so none waits for a frame.

use std::sync::Arc;

use crate::export::{Backlog, RawFeed, RecordContext, RecordFeed};
use crate::net::{Command, RemoteTarget, SendOrigin, SendTarget};
use crate::session::{Clients, Framing, LogEntry, Mode, Stage};

use super::auto_reply::AutoReplies;

/// The files, rules and framing a tab's session host runs with, as the UI last asked.
pub struct Outputs {
    /// The Record toggle's file.
    pub recording: Option<RecordFeed>,
    /// The Save data toggle's files.
    pub raw: Option<RawFeed>,
    /// The whole app's recording (`--log`).
    pub record_all: Option<RecordFeed>,
    /// How entries are written: the tab's mode, encoding and layout.
    pub context: RecordContext,
    /// The enabled auto-reply rules, in bytes.
    pub replies: AutoReplies,
    /// How received TCP bytes become entries.
    pub framing: Framing,
}

impl Outputs {
    pub fn new(context: RecordContext) -> Self {
        Self {
            recording: None,
            raw: None,
            record_all: None,
            context,
            replies: AutoReplies::default(),
            framing: Framing::PerRead,
        }
    }

    /// Hands an entry to every file that is on.
    pub fn keep(&self, entry: &LogEntry) {
        for feed in [&self.recording, &self.record_all].into_iter().flatten() {
            feed.record(entry, self.context);
        }
        if let Some(raw) = &self.raw {
            raw.capture(entry);
        }
    }

    /// The first file whose queue is full: the host takes no more events until it has room.
    pub fn full_backlog(&self) -> Option<Arc<Backlog>> {
        let record = [&self.recording, &self.record_all]
            .into_iter()
            .flatten()
            .map(RecordFeed::backlog);
        let raw = self.raw.iter().map(RawFeed::backlog);
        record.chain(raw).find(|backlog| backlog.is_full()).cloned()
    }

    /// Runs the rules over the received entries `stage` shows from `mark` on, as the view
    /// frames them, and returns the replies to send, each to whoever sent its entry (a TCP
    /// server's client, from `clients`).
    pub fn answer(&self, stage: &Stage, clients: &Clients, mark: usize) -> Vec<Command> {
        if self.replies.is_empty() {
            return Vec::new();
        }
        let replies: Vec<_> = stage
            .shown_since(mark)
            .filter_map(|entry| Some((entry.peer?, self.replies.answer(entry.bytes())?)))
            .collect();
        let mut commands = Vec::with_capacity(replies.len());
        for (peer, answer) in replies {
            let to = match stage.mode() {
                Mode::TcpClient => SendTarget::Peer,
                Mode::TcpServer => {
                    let Some(client) = clients.at(peer) else {
                        continue;
                    };
                    SendTarget::Clients(vec![client.id])
                }
                Mode::Udp => SendTarget::Datagram(Some(RemoteTarget {
                    host: peer.ip().to_string(),
                    port: peer.port(),
                })),
                // The relay's rules come with rewriting; it answers nothing of its own.
                Mode::Relay => continue,
            };
            let (bytes, written_in) = (answer.bytes, answer.written_in);
            commands.push(if answer.delay.is_zero() {
                let origin = SendOrigin::AutoReply(written_in);
                Command::Send { bytes, to, origin }
            } else {
                let delay = answer.delay;
                Command::SendAfter {
                    bytes,
                    to,
                    delay,
                    written_in,
                }
            });
        }
        commands
    }
}
