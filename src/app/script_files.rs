//! Script files for the Script window, read and written on a thread of their own (a file on a
//! slow disk or a network share must not hold a frame); the outcome comes back as a message.

use std::path::PathBuf;

use super::App;
use crate::i18n::tr;
use crate::session::Mode;

/// A script file read or written.
pub(super) enum Done {
    Loaded {
        mode: Mode,
        path: PathBuf,
        source: String,
    },
    Saved {
        mode: Mode,
        path: PathBuf,
    },
    /// What went wrong, in the app's language.
    Failed(String),
}

impl App {
    /// Reads `path` into the Script window of `mode`'s tab.
    pub(super) fn load_script(&mut self, mode: Mode, path: PathBuf) {
        let lang = self.language;
        self.on_script_thread(move || match crate::script::read_source(&path) {
            Ok(source) => Done::Loaded { mode, path, source },
            Err(error) => {
                let path = path.display();
                let text = tr!(lang, "script.cannot_load", path = path, error = error);
                Done::Failed(text.into_owned())
            }
        });
    }

    /// Writes `mode`'s tab's script to `path`.
    pub(super) fn save_script(&mut self, mode: Mode, path: PathBuf) {
        let lang = self.language;
        let source = self.tab(mode).settings().script.source.clone();
        self.on_script_thread(move || match std::fs::write(&path, source) {
            Ok(()) => Done::Saved { mode, path },
            Err(error) => {
                let path = path.display();
                let text = tr!(lang, "script.cannot_save", path = path, error = error);
                Done::Failed(text.into_owned())
            }
        });
    }

    fn on_script_thread(&mut self, work: impl FnOnce() -> Done + Send + 'static) {
        let done = self.script_files.0.clone();
        let wake = self.wake.clone();
        let spawned = std::thread::Builder::new()
            .name("script-file".into())
            .spawn(move || {
                let _ = done.send(work());
                wake();
            });
        if let Err(error) = spawned {
            let text = tr!(self.language, "app.cannot_save", error = error);
            self.notice = Some((text.into_owned(), true));
        }
    }

    pub(super) fn collect_script_files(&mut self) {
        while let Ok(done) = self.script_files.1.try_recv() {
            match done {
                Done::Loaded { mode, path, source } => {
                    self.tab_mut(mode).edit_settings(|settings| {
                        settings.script.source = source;
                        settings.script.path = path.display().to_string();
                    });
                }
                Done::Saved { mode, path } => {
                    let shown = path.display().to_string();
                    self.tab_mut(mode)
                        .edit_settings(|settings| settings.script.path.clone_from(&shown));
                    let text = tr!(self.language, "script.saved", path = shown);
                    self.notice = Some((text.into_owned(), false));
                }
                Done::Failed(text) => self.notice = Some((text, true)),
            }
        }
    }
}
