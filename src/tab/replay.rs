//! Replay from a tab: its fields, the recording read on a thread of its own (never the UI's),
//! and the commands that run it on the worker.

use std::path::PathBuf;

use crossbeam_channel::{Receiver, TryRecvError};

use super::Wake;
use super::{Tab, messages};
use crate::export::replay::{self, Recording, ReplayChoice, ReplayError};
use crate::i18n::tr;
use crate::net::{Command, ReplaySpec, SendTarget};
use crate::session::EntryKind;

/// The speeds one can set, as a factor of the recorded timing.
pub const SPEED_RANGE: std::ops::RangeInclusive<f64> = 0.1..=100.0;

/// The Replay window's fields.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct ReplayFields {
    pub path: String,
    /// Replay what was received (as if this tab were the peer), or what was sent.
    pub received: bool,
    /// Only the messages of peers whose address contains this; empty: all.
    pub peer: String,
    /// × the recorded timing.
    pub speed: f64,
    pub back_to_back: bool,
}

impl Default for ReplayFields {
    fn default() -> Self {
        Self {
            path: String::new(),
            received: false,
            peer: String::new(),
            speed: 1.0,
            back_to_back: false,
        }
    }
}

/// A recording being read, and where its messages will go.
pub(super) struct Loading {
    result: Receiver<Result<Recording, ReplayError>>,
    to: SendTarget,
    path: String,
    speed_permille: Option<u32>,
}

impl Tab {
    /// Reads the recording the fields name on a thread, then replays it (see
    /// [`Tab::poll_replay`]), or says why not beside the fields.
    pub(super) fn start_replay(&mut self, wake: &Wake) {
        self.view.errors.replay = None;
        let fields = self.settings.replay.clone();
        if fields.path.trim().is_empty() {
            self.view.errors.replay =
                Some(tr!(self.language, "errors.replay.no_file").into_owned());
            return;
        }
        let Some(to) = self.send_target() else {
            self.view.errors.replay = self.view.errors.send.take().or(self
                .view
                .errors
                .remote
                .clone());
            return;
        };
        let path = PathBuf::from(fields.path.trim());
        let choice = ReplayChoice {
            received: fields.received,
            peer: fields.peer.clone(),
        };
        let (sender, result) = crossbeam_channel::bounded(1);
        let wake = wake.clone();
        let reader = std::thread::Builder::new()
            .name("replay-reader".to_owned())
            .spawn(move || {
                let _ = sender.send(replay::read(&path, &choice));
                wake();
            });
        if let Err(error) = reader {
            self.view.errors.replay = Some(error.to_string());
            return;
        }
        let speed = fields.speed.clamp(*SPEED_RANGE.start(), *SPEED_RANGE.end());
        self.replay_loading = Some(Loading {
            result,
            to,
            path: fields.path.trim().to_owned(),
            speed_permille: (!fields.back_to_back).then(|| (speed * 1000.0).round() as u32),
        });
    }

    /// Starts the replay once its recording has been read, or shows why it cannot be; called
    /// each frame.
    pub fn poll_replay(&mut self) {
        let Some(loading) = &self.replay_loading else {
            return;
        };
        let outcome = match loading.result.try_recv() {
            Err(TryRecvError::Empty) => return,
            Ok(outcome) => outcome,
            Err(TryRecvError::Disconnected) => Err(ReplayError::Io {
                path: loading.path.clone(),
                detail: "the reader stopped".to_owned(),
            }),
        };
        let Some(loading) = self.replay_loading.take() else {
            return;
        };
        if !self.session().status.is_active() {
            // The session ended while the file was read.
            let error = tr!(self.language, "errors.send.not_connected").into_owned();
            self.view.errors.replay = Some(error);
            return;
        }
        let recording = match outcome {
            Ok(recording) => recording,
            Err(error) => {
                self.view.errors.replay = Some(messages::replay_error(&error, self.language));
                return;
            }
        };
        let lang = self.language;
        let count = crate::units::group_digits(recording.messages.len() as u64);
        let seconds = format!("{:.3}", recording.span().as_secs_f64());
        let speed = match loading.speed_permille {
            Some(permille) => tr!(
                lang,
                "replay.at_speed",
                speed = f64::from(permille) / 1000.0
            ),
            None => tr!(lang, "replay.back_to_back"),
        };
        let text = tr!(
            lang,
            "events.progress.replay_started",
            count = count,
            seconds = seconds,
            path = loading.path,
            speed = speed
        );
        self.note(EntryKind::Info(text.into_owned()));
        self.command(Command::StartReplay(ReplaySpec {
            messages: recording.timeline(),
            to: loading.to,
            speed_permille: loading.speed_permille,
        }));
    }

    /// Whether a recording is being read for a replay.
    pub fn replay_loading(&self) -> bool {
        self.replay_loading.is_some()
    }
}
