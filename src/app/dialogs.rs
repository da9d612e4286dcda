//! File dialogs off the UI thread. A dialog that really opens (GTK's, or a desktop portal's)
//! blocks whoever opened it until the user closes it: opened inside a frame, it stopped the
//! window and held back every tab's intake of events (recordings and auto-replies with it). Each dialog
//! runs on a thread of its own; its answer comes back as a message that the next frame reads.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crossbeam_channel::{Receiver, Sender};

use crate::i18n::{Language, tr};
use crate::session::Mode;
use crate::tab::Wake;
pub use crate::ui::command::FilePurpose;
use crate::ui::tls_panel::TlsFile;

/// Whether the dialog picks an existing file or names one to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DialogKind {
    Open,
    Save,
}

/// One file dialog, described in plain values so that it can cross to the dialog's thread
/// (and a test can read it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DialogRequest {
    pub purpose: FilePurpose,
    pub kind: DialogKind,
    pub title: String,
    /// The name proposed when saving.
    pub file_name: Option<String>,
    /// The folder it opens in: the last one chosen, else the home folder.
    pub folder: Option<PathBuf>,
    /// Named groups of extensions, the first the default.
    pub filters: Vec<(String, Vec<&'static str>)>,
}

/// Shows a dialog and waits for the user's answer: the system's dialog, or in tests a
/// stand-in (headless, no dialog can open).
pub type FilePicker = Arc<dyn Fn(&DialogRequest) -> Option<PathBuf> + Send + Sync>;

/// Why a dialog was not opened.
#[derive(Debug)]
pub enum DialogRefused {
    /// One is open already: like a modal dialog, one at a time.
    Busy,
    Thread(std::io::Error),
}

/// The app's file dialogs: at most one open, its answer waiting on a channel.
pub struct Dialogs {
    picker: FilePicker,
    /// The purpose of the dialog open now.
    open: Option<FilePurpose>,
    /// Holds one answer, the file chosen or `None`: there is one dialog at a time, so the
    /// answer is `open`'s.
    answers: (Sender<Option<PathBuf>>, Receiver<Option<PathBuf>>),
    /// Where the last chosen file was: the next dialog opens there.
    last_folder: Option<PathBuf>,
    /// The log format last chosen (Save log, Record): the next log dialog proposes it.
    last_log_format: Option<&'static str>,
}

impl Default for Dialogs {
    fn default() -> Self {
        Self {
            picker: Arc::new(system_dialog),
            open: None,
            answers: crossbeam_channel::bounded(1),
            last_folder: None,
            last_log_format: None,
        }
    }
}

impl Dialogs {
    /// Shows dialogs with `picker` from now on.
    pub fn set_picker(&mut self, picker: FilePicker) {
        self.picker = picker;
    }

    /// The purpose of the dialog open now, if one is.
    pub fn open_now(&self) -> Option<FilePurpose> {
        self.open
    }

    /// Opens the dialog for `purpose` on a thread of its own; `wake` asks for a frame when the
    /// user has answered.
    pub fn open(
        &mut self,
        purpose: FilePurpose,
        lang: Language,
        wake: &Wake,
    ) -> Result<(), DialogRefused> {
        if self.open.is_some() {
            return Err(DialogRefused::Busy);
        }
        let mut request = request_for(purpose, lang);
        request.folder = self.last_folder.clone().or_else(home_folder);
        if let Some(format) = self.last_log_format.filter(|_| is_log(purpose)) {
            propose_format(&mut request, format);
        }
        let (picker, answers, wake) = (
            Arc::clone(&self.picker),
            self.answers.0.clone(),
            Arc::clone(wake),
        );
        std::thread::Builder::new()
            .name("file-dialog".into())
            .spawn(move || {
                let path = picker(&request);
                // The channel holds one answer and only this dialog's can be in it.
                let _ = answers.try_send(path);
                wake();
            })
            .map_err(DialogRefused::Thread)?;
        self.open = Some(purpose);
        Ok(())
    }

    /// The answer of the dialog that closed since the last look: its purpose and the file
    /// chosen, or `None` for the file when it was cancelled.
    pub fn take_answer(&mut self) -> Option<(FilePurpose, Option<PathBuf>)> {
        let path = self.answers.1.try_recv().ok()?;
        let purpose = self.open.take()?;
        if let Some(folder) = path.as_deref().and_then(Path::parent) {
            self.last_folder = Some(folder.to_path_buf());
        }
        let extension = path.as_deref().and_then(Path::extension);
        if let Some(extension) = extension.filter(|_| is_log(purpose)) {
            let known = LOG_FORMATS
                .iter()
                .find(|format| extension.eq_ignore_ascii_case(format));
            self.last_log_format = known.copied().or(self.last_log_format);
        }
        Some((purpose, path))
    }
}

fn home_folder() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .map(PathBuf::from)
}

/// The dialog each purpose opens, in `lang`.
fn request_for(purpose: FilePurpose, lang: Language) -> DialogRequest {
    let open = |title: String, filters| DialogRequest {
        purpose,
        kind: DialogKind::Open,
        title,
        file_name: None,
        folder: None,
        filters,
    };
    let save = |title: String, name: String, filters| DialogRequest {
        purpose,
        kind: DialogKind::Save,
        title,
        file_name: Some(name),
        folder: None,
        filters,
    };
    let named = |mode: Mode, extension: &str| format!("sockscope-{}.{extension}", mode.as_str());
    match purpose {
        FilePurpose::SaveLog(mode) => save(
            tr!(lang, "app.dialog.save_log").into_owned(),
            named(mode, "jsonl"),
            log_filters(lang),
        ),
        FilePurpose::Record(mode) => save(
            tr!(lang, "app.dialog.record").into_owned(),
            named(mode, "jsonl"),
            log_filters(lang),
        ),
        FilePurpose::SaveData(mode) => save(
            tr!(lang, "app.dialog.save_data").into_owned(),
            named(mode, "bin"),
            Vec::new(),
        ),
        FilePurpose::Replay(_) => open(
            tr!(lang, "replay.title", mode = "").into_owned(),
            vec![("Sockscope".to_owned(), vec!["jsonl", "pcapng"])],
        ),
        FilePurpose::Tls(_, file) => {
            let title = match file {
                TlsFile::Certificate => tr!(lang, "app.dialog.tls_certificate"),
                TlsFile::Key => tr!(lang, "app.dialog.tls_key"),
            };
            let pem = vec!["pem", "crt", "cer", "key"];
            open(title.into_owned(), vec![("PEM".to_owned(), pem)])
        }
        FilePurpose::SendFile(_) => open(tr!(lang, "app.dialog.send_file").into_owned(), vec![]),
        FilePurpose::ExportCommands => save(
            tr!(lang, "app.quick.export_title").into_owned(),
            "sockscope-commands.json".to_owned(),
            vec![("JSON".to_owned(), vec!["json"])],
        ),
        FilePurpose::ImportCommands => open(
            tr!(lang, "app.quick.import_title").into_owned(),
            vec![("JSON".to_owned(), vec!["json"])],
        ),
        FilePurpose::LoadScript(_) => open(
            tr!(lang, "script.load_title").into_owned(),
            vec![("Rhai".to_owned(), vec!["rhai"])],
        ),
        FilePurpose::SaveScript(mode) => save(
            tr!(lang, "script.save_title").into_owned(),
            named(mode, "rhai"),
            vec![("Rhai".to_owned(), vec!["rhai"])],
        ),
        FilePurpose::ImportRules(_) => open(
            tr!(lang, "auto_reply.import_title").into_owned(),
            vec![("JSON".to_owned(), vec!["json"])],
        ),
        FilePurpose::ExportRules(mode) => save(
            tr!(lang, "auto_reply.export_title").into_owned(),
            format!("sockscope-{}-rules.json", mode.as_str()),
            vec![("JSON".to_owned(), vec!["json"])],
        ),
    }
}

/// The log formats by extension, in the order the dialogs offer them.
const LOG_FORMATS: [&str; 4] = ["jsonl", "csv", "txt", "pcapng"];

fn is_log(purpose: FilePurpose) -> bool {
    matches!(purpose, FilePurpose::SaveLog(_) | FilePurpose::Record(_))
}

/// Proposes `format` in a log dialog: its name's extension, and its filter first.
fn propose_format(request: &mut DialogRequest, format: &'static str) {
    if let Some(name) = &mut request.file_name {
        *name = Path::new(name.as_str())
            .with_extension(format)
            .display()
            .to_string();
    }
    if let Some(at) = request
        .filters
        .iter()
        .position(|(_, e)| e.contains(&format))
    {
        let filter = request.filters.remove(at);
        request.filters.insert(0, filter);
    }
}

/// The log formats a dialog offers, by extension.
fn log_filters(lang: Language) -> Vec<(String, Vec<&'static str>)> {
    vec![
        (tr!(lang, "app.dialog.jsonl").into_owned(), vec!["jsonl"]),
        ("CSV".to_owned(), vec!["csv"]),
        (tr!(lang, "app.dialog.txt").into_owned(), vec!["txt"]),
        (tr!(lang, "app.dialog.pcapng").into_owned(), vec!["pcapng"]),
    ]
}

/// The system's file dialog (a desktop portal's or GTK's on Linux), run to its end on the
/// calling thread. rfd's async dialog, not its blocking one: on macOS only the async one may
/// be shown from a thread other than the main one.
fn system_dialog(request: &DialogRequest) -> Option<PathBuf> {
    let mut dialog = rfd::AsyncFileDialog::new().set_title(&request.title);
    if let Some(folder) = &request.folder {
        dialog = dialog.set_directory(folder);
    }
    if let Some(name) = &request.file_name {
        dialog = dialog.set_file_name(name);
    }
    for (name, extensions) in &request.filters {
        dialog = dialog.add_filter(name, extensions);
    }
    let chosen = match request.kind {
        DialogKind::Open => pollster::block_on(dialog.pick_file()),
        DialogKind::Save => pollster::block_on(dialog.save_file()),
    };
    chosen.map(|handle| handle.path().to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn no_wake() -> Wake {
        Arc::new(|| {})
    }

    #[test]
    fn one_dialog_at_a_time_and_its_answer_names_its_purpose() {
        let (release, held) = crossbeam_channel::bounded::<Option<PathBuf>>(1);
        let mut dialogs = Dialogs::default();
        dialogs.set_picker(Arc::new(move |_| held.recv().ok().flatten()));
        let purpose = FilePurpose::SaveLog(Mode::TcpServer);
        assert!(dialogs.open(purpose, Language::English, &no_wake()).is_ok());
        assert_eq!(dialogs.open_now(), Some(purpose));
        let again = dialogs.open(FilePurpose::ImportCommands, Language::English, &no_wake());
        assert!(matches!(again, Err(DialogRefused::Busy)));
        assert!(dialogs.take_answer().is_none(), "still open");
        let chosen = PathBuf::from("/tmp/somewhere/log.csv");
        release.send(Some(chosen.clone())).unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let answer = loop {
            if let Some(answer) = dialogs.take_answer() {
                break answer;
            }
            assert!(std::time::Instant::now() < deadline, "no answer");
            std::thread::sleep(Duration::from_millis(5));
        };
        assert_eq!(answer, (purpose, Some(chosen)));
        assert_eq!(dialogs.open_now(), None);
        // The next dialog opens where the last file was chosen.
        let (seen_tx, seen) = crossbeam_channel::bounded(1);
        dialogs.set_picker(Arc::new(move |request| {
            let _ = seen_tx.send(request.clone());
            None
        }));
        assert!(
            dialogs
                .open(FilePurpose::ImportCommands, Language::English, &no_wake())
                .is_ok()
        );
        let request = seen.recv_timeout(Duration::from_secs(10)).unwrap();
        assert_eq!(request.folder, Some(PathBuf::from("/tmp/somewhere")));
        assert_eq!(request.kind, DialogKind::Open);
        let _ = dialogs.take_answer();
        // The next log dialog proposes the format chosen last (.csv), not .jsonl.
        let record = FilePurpose::Record(Mode::Udp);
        assert!(dialogs.open(record, Language::English, &no_wake()).is_ok());
        let request = seen.recv_timeout(Duration::from_secs(10)).unwrap();
        assert_eq!(request.file_name.as_deref(), Some("sockscope-udp.csv"));
        assert_eq!(request.filters[0].1, ["csv"]);
        assert_eq!(request.filters.len(), 4);
    }

    #[test]
    fn each_purpose_asks_in_the_language_with_the_formats_it_takes() {
        let request = request_for(FilePurpose::Record(Mode::Udp), Language::SimplifiedChinese);
        assert_eq!(request.title, "记录到");
        assert_eq!(request.kind, DialogKind::Save);
        assert_eq!(request.file_name.as_deref(), Some("sockscope-udp.jsonl"));
        let extensions: Vec<_> = request.filters.iter().map(|(_, e)| e[0]).collect();
        assert_eq!(extensions, ["jsonl", "csv", "txt", "pcapng"]);
        let request = request_for(FilePurpose::SaveData(Mode::TcpClient), Language::English);
        assert_eq!(
            request.file_name.as_deref(),
            Some("sockscope-tcp-client.bin")
        );
        assert!(request.filters.is_empty());
    }
}
