//! What the session knows of the sends that run on the worker, a cyclic send and a file, from
//! their progress events, and the log lines for how they ended.

use std::time::SystemTime;

use super::{EntryKind, Session};
use crate::i18n::tr;
use crate::net::Command;
use crate::units::{bytes_text, group_digits};

/// A file send as the worker last reported it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileState {
    pub name: String,
    pub sent: u64,
    pub total: u64,
    pub running: bool,
    pub started: SystemTime,
    /// When the worker last reported.
    pub updated: SystemTime,
}

impl FileState {
    pub fn new(name: String, now: SystemTime) -> Self {
        Self {
            name,
            sent: 0,
            total: 0,
            running: true,
            started: now,
            updated: now,
        }
    }

    /// Bytes per second so far.
    pub fn rate(&self) -> f64 {
        let seconds = self
            .updated
            .duration_since(self.started)
            .unwrap_or_default()
            .as_secs_f64();
        if seconds > 0.0 {
            self.sent as f64 / seconds
        } else {
            0.0
        }
    }
}

/// A replay as the worker last reported it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReplayState {
    pub sent: u64,
    pub total: u64,
    pub running: bool,
    pub paused: bool,
}

/// A cyclic send as the worker last reported it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CycleState {
    pub sent: u64,
    /// `None`: until stopped.
    pub count: Option<u64>,
    pub running: bool,
}

impl Session {
    /// The worker was told to start a cyclic send, a file or a replay: its progress shows
    /// from now on.
    pub fn starts(&mut self, command: &Command, now: SystemTime) {
        match command {
            Command::StartCycle(spec) => {
                self.cycle = Some(CycleState {
                    sent: 0,
                    count: spec.count,
                    running: true,
                });
            }
            Command::SendFile(spec) => {
                let path = &spec.path;
                let name = path.file_name().map_or_else(
                    || path.display().to_string(),
                    |name| name.to_string_lossy().into_owned(),
                );
                self.file = Some(FileState::new(name, now));
            }
            Command::StartReplay(spec) => {
                self.replay = Some(ReplayState {
                    sent: 0,
                    total: spec.messages.len() as u64,
                    running: true,
                    paused: false,
                });
            }
            _ => {}
        }
    }

    /// Takes a cyclic send's progress; returns the log line once it has ended.
    pub(super) fn cycle_progress(&mut self, sent: u64, running: bool) -> Option<EntryKind> {
        let cycle = self.cycle.as_mut()?;
        cycle.sent = sent;
        cycle.running = running;
        if running {
            return None;
        }
        let lang = self.language;
        let done = cycle.count.is_some_and(|count| sent >= count);
        let count = group_digits(sent);
        let text = match (done, sent == 1) {
            (true, true) => tr!(lang, "events.progress.cycle_done_one", count = count),
            (true, false) => tr!(lang, "events.progress.cycle_done_other", count = count),
            (false, true) => tr!(lang, "events.progress.cycle_stopped_one", count = count),
            (false, false) => tr!(lang, "events.progress.cycle_stopped_other", count = count),
        };
        Some(EntryKind::Info(text.into_owned()))
    }

    /// Takes a replay's progress; returns the log line once it has ended.
    pub(super) fn replay_progress(&mut self, state: ReplayState) -> Option<EntryKind> {
        let before = self.replay.replace(state);
        if state.running || before.is_some_and(|before| !before.running) {
            return None;
        }
        let lang = self.language;
        let (sent, total) = (group_digits(state.sent), group_digits(state.total));
        let text = if state.sent >= state.total {
            tr!(lang, "events.progress.replay_done", count = sent)
        } else {
            tr!(
                lang,
                "events.progress.replay_stopped",
                sent = sent,
                total = total
            )
        };
        Some(EntryKind::Info(text.into_owned()))
    }

    /// Takes a file send's progress; returns the log line once it has ended.
    pub(super) fn file_progress(
        &mut self,
        time: SystemTime,
        sent: u64,
        total: u64,
        running: bool,
    ) -> Option<EntryKind> {
        let lang = self.language;
        let file = self.file.as_mut()?;
        file.sent = sent;
        file.total = total;
        file.running = running;
        file.updated = time;
        if running {
            return None;
        }
        let text = if sent == total && total > 0 {
            let seconds = file
                .updated
                .duration_since(file.started)
                .unwrap_or_default()
                .as_secs_f64();
            tr!(
                lang,
                "events.progress.file_sent",
                name = file.name.as_str(),
                bytes = bytes_text(sent),
                seconds = format!("{seconds:.1}"),
                rate = bytes_text(file.rate() as u64)
            )
        } else {
            tr!(
                lang,
                "events.progress.file_stopped",
                sent = bytes_text(sent),
                total = bytes_text(total),
                name = file.name.as_str()
            )
        };
        Some(EntryKind::Info(text.into_owned()))
    }

    /// When the session ends with a file still on its way: says how far it got (to add to the
    /// closing line).
    pub(super) fn file_cut_short(&mut self) -> Option<String> {
        let lang = self.language;
        let file = self.file.as_mut().filter(|file| file.running)?;
        file.running = false;
        let text = tr!(
            lang,
            "events.progress.file_cut_short",
            name = file.name.as_str(),
            sent = bytes_text(file.sent),
            total = bytes_text(file.total)
        );
        Some(text.into_owned())
    }
}
