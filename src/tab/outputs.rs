//! What follows a tab's worker besides its log: the files fed as entries arrive (Record, Save
//! data, and the whole app's `--log`) and the auto-reply rules. The intake thread runs them as
//! it applies events, so neither waits for the UI to draw a frame.

use std::sync::Arc;

use crate::export::{Backlog, RawFeed, RecordContext, RecordFeed};
use crate::net::{Command, RemoteTarget, SendTarget};
use crate::session::{EntryTag, LogEntry, Mode, Session};

use super::auto_reply::AutoReplies;

/// The files and rules a tab's intake feeds. The UI sets them (under the session's lock);
/// the intake uses them.
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
    /// The next entry (by sequence number) the rules have not seen.
    unanswered: u64,
}

impl Outputs {
    pub fn new(context: RecordContext) -> Self {
        Self {
            recording: None,
            raw: None,
            record_all: None,
            context,
            replies: AutoReplies::default(),
            unanswered: 0,
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

    /// The first file whose queue is full: the intake takes no more events until it has room.
    pub fn full_backlog(&self) -> Option<Arc<Backlog>> {
        let record = [&self.recording, &self.record_all]
            .into_iter()
            .flatten()
            .map(RecordFeed::backlog);
        let raw = self.raw.iter().map(RawFeed::backlog);
        record.chain(raw).find(|backlog| backlog.is_full()).cloned()
    }

    /// From now on, rules answer only entries that arrive after those in `session`'s log.
    pub fn answer_from_now(&mut self, session: &Session) {
        self.unanswered = session.log.pushed();
    }

    /// Runs the rules over the entries logged since the last call, as the view frames them,
    /// and returns the replies to send, each to whoever sent its entry. Each reply is noted
    /// in `session`, so it is logged as AUTO when it goes.
    pub fn answer(&mut self, session: &mut Session) -> Vec<Command> {
        let log = &session.log;
        let from = self.unanswered.max(log.first_sequence());
        self.unanswered = log.pushed();
        if self.replies.is_empty() {
            return Vec::new();
        }
        let replies: Vec<_> = (from..self.unanswered)
            .filter_map(|sequence| log.get(log.index_of(sequence)?))
            .filter(|entry| entry.tag == EntryTag::Rx)
            .filter_map(|entry| Some((entry.peer?, self.replies.reply_to(entry.bytes())?)))
            .collect();
        let mut commands = Vec::with_capacity(replies.len());
        for (peer, reply) in replies {
            let to = match session.mode {
                Mode::TcpClient => SendTarget::Peer,
                Mode::TcpServer => {
                    let client = session.clients.iter().find(|c| c.peer == peer);
                    let Some(client) = client else { continue };
                    SendTarget::Clients(vec![client.id])
                }
                Mode::Udp => SendTarget::Datagram(Some(RemoteTarget {
                    host: peer.ip().to_string(),
                    port: peer.port(),
                })),
            };
            session.expect_auto_reply(peer, reply.clone());
            commands.push(Command::Send { bytes: reply, to });
        }
        commands
    }
}
