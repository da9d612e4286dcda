//! A tab's files: Record (every entry, formatted, rotating into numbered parts) and Save data
//! (the raw bytes). Both write on threads of their own, fed by the host thread; the tab keeps
//! the handles that start, watch and complete them. A write error ends the file with a message
//! beside its toggle, never the session.

use std::path::PathBuf;
use std::thread::{self, JoinHandle};

use super::Tab;
use super::fields::{parse_mib, parse_path};
use super::request::Request;
use crate::export::{RawCapture, Recorder, Written};
use crate::i18n::{Language, tr};
use crate::session::EntryKind;
use crate::units::{bytes_text, group_digits};

/// The files a tab writes while their toggles are on. The host feeds them through the feeds
/// it was given; these handles complete them.
#[derive(Default)]
pub struct Capture {
    pub recorder: Option<Recorder>,
    pub raw: Option<RawCapture>,
    /// Files still being completed after their toggle went off.
    finishing: Vec<Finishing>,
}

/// Which of a tab's files.
#[derive(Clone, Copy, Debug)]
enum FileKind {
    Recording,
    SavingData,
}

struct Finishing {
    what: FileKind,
    path: PathBuf,
    thread: JoinHandle<Result<Written, String>>,
}

impl Capture {
    /// Bytes queued for the files and not written yet.
    pub fn backlog(&self) -> usize {
        self.recorder.as_ref().map_or(0, Recorder::backlog)
            + self.raw.as_ref().map_or(0, RawCapture::backlog)
    }

    /// Completes a file on a thread, so a long queue never holds up the UI.
    fn finish_later(
        &mut self,
        what: FileKind,
        path: PathBuf,
        finish: impl FnOnce() -> Result<Written, String> + Send + 'static,
    ) {
        // If no thread can start, the closure is dropped here, and dropping a writer
        // completes its file: the UI waits rather than lose the file's tail.
        match thread::Builder::new()
            .name("finish-capture".into())
            .spawn(finish)
        {
            Ok(thread) => self.finishing.push(Finishing { what, path, thread }),
            Err(error) => eprintln!("sockscope: finished {what:?} without a thread: {error}"),
        }
    }

    /// Turns Record off, completing its file on a thread; returns the file.
    fn stop_recording(&mut self) -> Option<PathBuf> {
        let recorder = self.recorder.take()?;
        let path = recorder.path().to_path_buf();
        self.finish_later(FileKind::Recording, path.clone(), move || recorder.finish());
        Some(path)
    }

    /// Turns Save data off, completing its files on a thread; returns the (first) file.
    fn stop_raw(&mut self) -> Option<PathBuf> {
        let raw = self.raw.take()?;
        let path = raw.path().to_path_buf();
        self.finish_later(FileKind::SavingData, path.clone(), move || raw.finish());
        Some(path)
    }

    /// Notes for the files whose completion ended since the last call.
    fn collect_finished(&mut self, lang: Language) -> Vec<EntryKind> {
        let (done, running): (Vec<_>, Vec<_>) = std::mem::take(&mut self.finishing)
            .into_iter()
            .partition(|finishing| finishing.thread.is_finished());
        self.finishing = running;
        done.into_iter()
            .map(|finishing| finishing.outcome(lang))
            .collect()
    }
}

impl Finishing {
    fn outcome(self, lang: Language) -> EntryKind {
        use FileKind::{Recording, SavingData};
        let path = self.path.display();
        match self.thread.join() {
            Ok(Ok(written)) => {
                let bytes = bytes_text(written.bytes);
                let count = group_digits(written.files);
                let one = written.files == 1;
                let text = match (self.what, one) {
                    (Recording, true) => {
                        tr!(
                            lang,
                            "events.files.recording_complete_one",
                            bytes = bytes,
                            count = count,
                            path = path
                        )
                    }
                    (Recording, false) => {
                        tr!(
                            lang,
                            "events.files.recording_complete_other",
                            bytes = bytes,
                            count = count,
                            path = path
                        )
                    }
                    (SavingData, true) => {
                        tr!(
                            lang,
                            "events.files.saving_complete_one",
                            bytes = bytes,
                            count = count,
                            path = path
                        )
                    }
                    (SavingData, false) => {
                        tr!(
                            lang,
                            "events.files.saving_complete_other",
                            bytes = bytes,
                            count = count,
                            path = path
                        )
                    }
                };
                EntryKind::Info(text.into_owned())
            }
            Ok(Err(error)) => EntryKind::Error(
                match self.what {
                    Recording => tr!(lang, "events.files.recording_failed", error = error),
                    SavingData => tr!(lang, "events.files.saving_failed", error = error),
                }
                .into_owned(),
            ),
            Err(_) => EntryKind::Error(
                match self.what {
                    Recording => tr!(lang, "events.files.recording_crashed", path = path),
                    SavingData => tr!(lang, "events.files.saving_crashed", path = path),
                }
                .into_owned(),
            ),
        }
    }
}

impl Tab {
    /// Turns Record off: the host lets go of the file first (a writer completes once every
    /// feed is gone), then it is completed.
    fn end_recording(&mut self) -> Option<PathBuf> {
        self.ask(Request::Recording(None));
        self.capture.stop_recording()
    }

    /// Turns Save data off, as [`Self::end_recording`].
    fn end_raw(&mut self) -> Option<PathBuf> {
        self.ask(Request::RawData(None));
        self.capture.stop_raw()
    }

    /// Stops feeding every file of the tab at once, the whole app's recording too: the same
    /// entry is the last of each (the files are finished after, one by one).
    pub fn detach_files(&mut self) {
        self.ask(Request::DetachFiles);
    }

    /// Starts or stops Record from its fields; returns a note for the log.
    pub(super) fn toggle_recording(&mut self) -> Option<EntryKind> {
        let lang = self.language;
        if let Some(path) = self.end_recording() {
            let path = path.display();
            let text = tr!(lang, "events.files.recording_stopped", path = path);
            return Some(EntryKind::Info(text.into_owned()));
        }
        self.view.errors.record = None;
        let fields = &self.settings.capture;
        let started = parse_path(&fields.record_path, lang).and_then(|path| {
            let split = parse_mib(&fields.split_mib, &tr!(lang, "capture.split"), lang)?;
            let recorder = Recorder::start_rotating(&path, split).map_err(|e| e.to_string())?;
            Ok((recorder, split))
        });
        match started {
            Ok((recorder, split)) => {
                let path = recorder.path().display();
                let split = bytes_text(split);
                let note = tr!(
                    lang,
                    "events.files.recording_to",
                    path = path,
                    split = split
                );
                self.ask(Request::Recording(recorder.feed()));
                self.capture.recorder = Some(recorder);
                Some(EntryKind::Info(note.into_owned()))
            }
            Err(error) => {
                self.view.errors.record = Some(error);
                None
            }
        }
    }

    /// Starts or stops Save data from its fields; returns a note for the log.
    pub(super) fn toggle_raw_capture(&mut self) -> Option<EntryKind> {
        let lang = self.language;
        if let Some(path) = self.end_raw() {
            let path = path.display();
            let text = tr!(lang, "events.files.saving_stopped", path = path);
            return Some(EntryKind::Info(text.into_owned()));
        }
        self.view.errors.raw = None;
        let fields = &self.settings.capture;
        let started = parse_path(&fields.raw_path, lang).and_then(|path| {
            RawCapture::start(&path, fields.raw).map_err(|error| error.to_string())
        });
        match started {
            Ok(raw) => {
                let path = raw.path().display();
                let note = tr!(lang, "events.files.saving_to", path = path).into_owned();
                self.ask(Request::RawData(raw.feed()));
                self.capture.raw = Some(raw);
                Some(EntryKind::Info(note))
            }
            Err(error) => {
                self.view.errors.raw = Some(error);
                None
            }
        }
    }

    /// Turns off files that failed (the message goes beside their toggle) and reports files
    /// completed after a stop.
    pub(super) fn poll_capture(&mut self) -> Vec<EntryKind> {
        let lang = self.language;
        let mut notes = self.capture.collect_finished(lang);
        if let Some(error) = self
            .capture
            .recorder
            .as_ref()
            .and_then(Recorder::take_error)
        {
            let stopped = tr!(lang, "events.files.field_stopped", error = error);
            self.view.errors.record = Some(stopped.into_owned());
            let text = tr!(lang, "events.files.recording_error", error = error);
            notes.push(EntryKind::Error(text.into_owned()));
            self.end_recording();
        }
        if let Some(error) = self.capture.raw.as_ref().and_then(RawCapture::take_error) {
            let stopped = tr!(lang, "events.files.field_stopped", error = error);
            self.view.errors.raw = Some(stopped.into_owned());
            let text = tr!(lang, "events.files.saving_error", error = error);
            notes.push(EntryKind::Error(text.into_owned()));
            self.end_raw();
        }
        notes
    }

    /// Completes every file now, waiting for the disk: for when the app exits. Returns what
    /// failed.
    pub fn finish_capture(&mut self) -> Vec<String> {
        let mut failures = Vec::new();
        self.ask(Request::Recording(None));
        self.ask(Request::RawData(None));
        if let Some(recorder) = self.capture.recorder.take()
            && let Err(error) = recorder.finish()
        {
            failures.push(format!("recording failed: {error}"));
        }
        if let Some(raw) = self.capture.raw.take()
            && let Err(error) = raw.finish()
        {
            failures.push(format!("saving data failed: {error}"));
        }
        for finishing in std::mem::take(&mut self.capture.finishing) {
            if let EntryKind::Error(error) = finishing.outcome(self.language) {
                failures.push(error);
            }
        }
        failures
    }
}
