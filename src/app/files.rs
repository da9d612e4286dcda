//! Saving a tab's log (on a background thread) and asking where files go: Save log…, and the
//! Browse… of Record and Save data. Every path is callable without its dialog.

use std::path::PathBuf;

use super::App;
use crate::export;
use crate::i18n::Language;
use crate::session::{EntryKind, LogEntry, Mode};
use crate::tab::TabAction;
use crate::tr;
use crate::ui::tls_panel::TlsFile;

impl App {
    /// Saves a tab's log to `path` on a background thread (format from the extension). The
    /// outcome shows in the status bar and in the tab's log. Used by "Save log…" after its
    /// dialog, and callable without one.
    pub fn save_log(&mut self, mode: Mode, path: PathBuf) {
        let tab = self.tab(mode);
        let context = tab.record_context();
        // A snapshot, so the UI keeps running while the file is written.
        let entries: Vec<LogEntry> = tab.session().log.iter().map(|e| e.to_entry()).collect();
        let done = self.saves.0.clone();
        let wake = self.wake.clone();
        let spawned = std::thread::Builder::new()
            .name("save-log".into())
            .spawn(move || {
                let result = export::export_log(&path, &context, &entries);
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

    pub(super) fn ask_and_save(&mut self, mode: Mode) {
        let name = format!("sockscope-{}.jsonl", mode.as_str());
        let dialog = rfd::FileDialog::new()
            .set_title(tr!(self.language, "app.dialog.save_log"))
            .set_file_name(name);
        let dialog = log_filters(dialog, self.language);
        if let Some(path) = dialog.save_file() {
            self.save_log(mode, path);
        }
    }

    /// Asks for a recording to replay and puts its path in the Replay window.
    pub(super) fn ask_replay_file(&mut self, mode: Mode) {
        let dialog = rfd::FileDialog::new()
            .set_title(tr!(self.language, "replay.title", mode = ""))
            .add_filter("Sockscope", &["jsonl", "pcapng"]);
        if let Some(path) = dialog.pick_file() {
            self.tab_mut(mode).settings.replay.path = path.display().to_string();
        }
    }

    /// Asks for a TLS certificate or key file and puts its path in the field.
    pub(super) fn ask_tls_file(&mut self, mode: Mode, file: TlsFile) {
        let lang = self.language;
        let title = match file {
            TlsFile::Certificate => tr!(lang, "app.dialog.tls_certificate"),
            TlsFile::Key => tr!(lang, "app.dialog.tls_key"),
        };
        let dialog = rfd::FileDialog::new()
            .set_title(title)
            .add_filter("PEM", &["pem", "crt", "cer", "key"]);
        let Some(path) = dialog.pick_file() else {
            return;
        };
        let fields = &mut self.tab_mut(mode).settings.tls;
        let field = match file {
            TlsFile::Certificate => &mut fields.certificate,
            TlsFile::Key => &mut fields.key,
        };
        *field = path.display().to_string();
    }

    /// Asks for the Record file (or with `raw`, the Save data file), then turns it on. Browse…
    /// is only offered while the file is off.
    pub(super) fn ask_and_capture(&mut self, mode: Mode, raw: bool) {
        let lang = self.language;
        let (title, name) = if raw {
            (
                tr!(lang, "app.dialog.save_data"),
                format!("sockscope-{}.bin", mode.as_str()),
            )
        } else {
            (
                tr!(lang, "app.dialog.record"),
                format!("sockscope-{}.jsonl", mode.as_str()),
            )
        };
        let mut dialog = rfd::FileDialog::new().set_title(title).set_file_name(name);
        if !raw {
            dialog = log_filters(dialog, lang);
        }
        let Some(path) = dialog.save_file() else {
            return;
        };
        let fields = &mut self.tab_mut(mode).settings.capture;
        let path = path.display().to_string();
        if raw {
            fields.raw_path = path;
        } else {
            fields.record_path = path;
        }
        let toggle = if raw {
            TabAction::ToggleRawCapture
        } else {
            TabAction::ToggleRecording
        };
        self.act(mode, toggle);
    }
}

/// The log formats a file dialog offers, by extension.
fn log_filters(dialog: rfd::FileDialog, lang: Language) -> rfd::FileDialog {
    dialog
        .add_filter(tr!(lang, "app.dialog.jsonl"), &["jsonl"])
        .add_filter("CSV", &["csv"])
        .add_filter(tr!(lang, "app.dialog.txt"), &["txt"])
        .add_filter(tr!(lang, "app.dialog.pcapng"), &["pcapng"])
}
