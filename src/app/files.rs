//! Saving a tab's log (on a background thread) and asking where files go, with file dialogs
//! that never hold a frame. What follows a dialog is callable without it ([`App::answer_file`]).

use std::path::PathBuf;

use super::App;
use super::dialogs::{DialogRefused, FilePicker, FilePurpose};
use crate::export;
use crate::i18n::tr;
use crate::session::{EntryKind, Mode};
use crate::tab::TabAction;
use crate::ui::tls_panel::TlsFile;

impl App {
    /// Saves a tab's log to `path` on a background thread (format from the extension). The
    /// outcome shows in the status bar and in the tab's log. Used by "Save log…" after its
    /// dialog, and callable without one.
    pub fn save_log(&mut self, mode: Mode, path: PathBuf) {
        let tab = self.tab(mode);
        let context = tab.record_context();
        // Copied on the saving thread, a part at a time: the window and the session go on.
        let entries = tab.log_copy();
        let done = self.saves.0.clone();
        let wake = self.wake.clone();
        let spawned = std::thread::Builder::new()
            .name("save-log".into())
            .spawn(move || {
                let result = export::export_log(&path, &context, entries);
                let _ = done.send((mode, path, result));
                wake();
            });
        match spawned {
            Ok(_) => self.saves_running += 1,
            Err(error) => {
                let text = tr!(self.language, "app.cannot_save", error = error);
                self.notice = Some((text.into_owned(), true));
            }
        }
    }

    /// Saves still being written.
    pub fn saves_running(&self) -> usize {
        self.saves_running
    }

    pub(super) fn collect_saves(&mut self) {
        while let Ok((mode, path, result)) = self.saves.1.try_recv() {
            self.saves_running = self.saves_running.saturating_sub(1);
            let (text, kind) = match result {
                Ok(count) => {
                    let path = path.display();
                    let text = tr!(self.language, "app.saved", count = count, path = path);
                    (text.to_string(), EntryKind::Info(text.into_owned()))
                }
                Err(error) => {
                    let text = tr!(self.language, "app.save_failed", error = error);
                    (text.to_string(), EntryKind::Error(text.into_owned()))
                }
            };
            self.notice = Some((text, matches!(kind, EntryKind::Error(_))));
            self.tabs[mode as usize].note(kind);
        }
    }

    /// Opens the file dialog for `purpose` without holding the frame; [`Self::answer_file`]
    /// carries out the answer when it comes.
    pub(super) fn ask_file(&mut self, purpose: FilePurpose) {
        if let Err(refused) = self.dialogs.open(purpose, self.language, &self.wake) {
            let text = match refused {
                DialogRefused::Busy => tr!(self.language, "app.dialog.busy"),
                DialogRefused::Thread(error) => {
                    tr!(self.language, "app.dialog.cannot_open", error = error)
                }
            };
            self.notice = Some((text.into_owned(), true));
        }
    }

    /// The file dialog open now, if one is.
    pub fn dialog_open(&self) -> Option<FilePurpose> {
        self.dialogs.open_now()
    }

    /// Shows file dialogs with `picker` instead of the system's: tests hold a "dialog" open
    /// this way where none can open.
    pub fn set_file_picker(&mut self, picker: FilePicker) {
        self.dialogs.set_picker(picker);
    }

    /// Carries out the answer of a file dialog that closed (a cancelled one does nothing).
    pub(super) fn collect_dialog_answer(&mut self) {
        if let Some((purpose, Some(path))) = self.dialogs.take_answer() {
            self.answer_file(purpose, path);
        }
    }

    /// Does with `path` what the dialog for `purpose` was opened for.
    pub fn answer_file(&mut self, purpose: FilePurpose, path: PathBuf) {
        let text = || path.display().to_string();
        match purpose {
            FilePurpose::SaveLog(mode) => self.save_log(mode, path),
            FilePurpose::Record(mode) => {
                self.tab_mut(mode)
                    .edit_settings(|settings| settings.capture.record_path = text());
                self.act(mode, TabAction::ToggleRecording);
            }
            FilePurpose::SaveData(mode) => {
                self.tab_mut(mode)
                    .edit_settings(|settings| settings.capture.raw_path = text());
                self.act(mode, TabAction::ToggleRawCapture);
            }
            FilePurpose::Replay(mode) => self
                .tab_mut(mode)
                .edit_settings(|settings| settings.replay.path = text()),
            FilePurpose::Tls(mode, TlsFile::Certificate) => {
                self.tab_mut(mode)
                    .edit_settings(|settings| settings.tls.certificate = text());
            }
            FilePurpose::Tls(mode, TlsFile::Key) => self
                .tab_mut(mode)
                .edit_settings(|settings| settings.tls.key = text()),
            FilePurpose::SendFile(mode) => self.send_file(mode, path),
            FilePurpose::ExportCommands => self.export_commands(&path),
            FilePurpose::ImportCommands => self.import_commands(&path),
            FilePurpose::LoadScript(mode) => self.load_script(mode, path),
            FilePurpose::SaveScript(mode) => self.save_script(mode, path),
            FilePurpose::ImportRules(mode) => self.import_rules(mode, path),
            FilePurpose::ExportRules(mode) => self.export_rules(mode, path),
        }
    }
}
